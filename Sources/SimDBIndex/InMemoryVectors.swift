import SimDBCore

/// Vectors held in one contiguous array: a ``VectorSource`` for tests, benchmarks and callers
/// that already hold their vectors in memory.
public struct InMemoryVectors: VectorSource, Sendable {
    /// The length of every vector.
    public let dimension: Int
    /// The ids, in ascending order.
    public private(set) var ids: [UInt64] = []
    private var values: [Float] = []

    /// Creates an empty collection of `dimension`-d vectors.
    public init(dimension: Int) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
    }

    /// Appends a vector; ids must be appended in ascending order.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a wrong length or an id out of order.
    public mutating func append(id: UInt64, vector: [Float]) throws {
        guard vector.count == dimension else {
            throw SimDBError(.invalidArgument, "vector has \(vector.count) components, expected \(dimension)")
        }
        if let last = ids.last, id <= last {
            throw SimDBError(.invalidArgument, "vector id \(id) is not above the last id \(last)")
        }
        ids.append(id)
        values.append(contentsOf: vector)
    }

    public func forEachVector(_ body: (UInt64, UnsafeBufferPointer<Float>) throws -> Void) throws {
        try values.withUnsafeBufferPointer { all in
            for (row, id) in ids.enumerated() {
                try body(id, UnsafeBufferPointer(rebasing: all[row * dimension ..< (row + 1) * dimension]))
            }
        }
    }
}
