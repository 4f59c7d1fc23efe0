/// A batch of embeddings stored as one `count × dimension` row-major matrix.
///
/// Batch-first, as in FAISS: one contiguous allocation however many vectors it holds.
public struct EmbeddingBatch: Sendable, Equatable {
    /// The number of components per embedding.
    public let dimension: Int
    /// `count * dimension` values, row-major.
    public private(set) var values: [Float]

    /// The number of embeddings.
    public var count: Int { dimension == 0 ? 0 : values.count / dimension }

    /// Creates a batch from row-major values.
    /// - Precondition: `values.count` is a multiple of `dimension`, and `dimension > 0`.
    public init(dimension: Int, values: [Float]) {
        precondition(dimension > 0 && values.count % dimension == 0, "values do not form whole rows")
        self.dimension = dimension
        self.values = values
    }

    /// Creates a batch from separate vectors, each of length `dimension`.
    public init(dimension: Int, rows: [[Float]]) {
        var values: [Float] = []
        values.reserveCapacity(rows.count * dimension)
        for row in rows {
            precondition(row.count == dimension, "row length does not match the dimension")
            values.append(contentsOf: row)
        }
        self.init(dimension: dimension, values: values)
    }

    /// The embedding at `index`, copied out.
    public func vector(at index: Int) -> [Float] {
        Array(values[index * dimension ..< (index + 1) * dimension])
    }

    /// Calls `body` with a view of the embedding at `index`, without copying.
    public func withVector<R>(at index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[index * dimension ..< (index + 1) * dimension]))
        }
    }
}
