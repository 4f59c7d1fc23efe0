/// A dense, row-major array of `Float` with a shape: the one value type the engine computes on.
///
/// Images are `N×C×H×W` (batch first, channels first); features are `N×F`. The scalars live in
/// one contiguous `[Float]`, so a tensor has value semantics (copy-on-write) and hot loops reach
/// the storage with ``withUnsafeBufferPointer(_:)`` / ``withUnsafeMutableBufferPointer(_:)``.
/// ``reshaped(_:)`` shares the storage (no copy until one side is mutated).
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The scalars in row-major order; `scalars.count == shape.reduce(1, *)` always holds.
    public private(set) var scalars: [Float]

    /// Creates a tensor of zeros.
    /// - Parameter shape: the extent of each dimension; every extent must be non-negative.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    /// Creates a tensor with every scalar set to `value`.
    /// - Parameters:
    ///   - shape: the extent of each dimension; every extent must be non-negative.
    ///   - value: the value of every scalar.
    public init(shape: [Int], repeating value: Float) {
        let count = Tensor.elementCount(of: shape)
        self.shape = shape
        self.scalars = [Float](repeating: value, count: count)
    }

    /// Creates a tensor from row-major scalars.
    /// - Parameters:
    ///   - shape: the extent of each dimension.
    ///   - scalars: exactly `shape.reduce(1, *)` values, row-major (a precondition).
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.elementCount(of: shape)
        precondition(scalars.count == count, "Tensor: \(scalars.count) scalars for shape \(shape) (needs \(count))")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor whose scalars are written by `initializer`, without zero-filling first.
    ///
    /// `initializer` must write every one of the `count` scalars of the buffer it receives.
    /// - Parameters:
    ///   - shape: the extent of each dimension.
    ///   - initializer: writes all scalars.
    public init(shape: [Int], unsafeUninitialized initializer: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = Tensor.elementCount(of: shape)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
    }

    /// The number of scalars, the product of the extents.
    @inlinable public var count: Int { scalars.count }

    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The same scalars viewed with another shape of the same element count (no copy).
    /// - Parameter newShape: the new extents; their product must equal ``count`` (a precondition).
    /// - Returns: a tensor sharing this one's storage until either is mutated.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var copy = self
        copy.reshape(newShape)
        return copy
    }

    /// Changes the shape in place, keeping the scalars (no copy).
    /// - Parameter newShape: the new extents; their product must equal ``count`` (a precondition).
    public mutating func reshape(_ newShape: [Int]) {
        precondition(Tensor.elementCount(of: newShape) == scalars.count,
                     "Tensor: cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// The scalar at a multi-dimensional index (bounds-checked; for tests and set-up, not hot loops).
    public subscript(_ index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    /// The scalar at a row-major offset.
    public subscript(flat offset: Int) -> Float {
        get { scalars[offset] }
        set { scalars[offset] = newValue }
    }

    /// Calls `body` with a read-only view of the contiguous scalars.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable view of the contiguous scalars (copies first if shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Sets every scalar to zero, keeping the storage.
    public mutating func zero() {
        withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }

    /// The row-major offset of a full multi-dimensional index.
    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var offset = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "Tensor: index \(index) out of range for shape \(shape)")
            offset = offset * extent + i
        }
        return offset
    }

    /// The product of the extents (1 for a scalar shape `[]`).
    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for extent in shape {
            precondition(extent >= 0, "Tensor: negative extent in shape \(shape)")
            count *= extent
        }
        return count
    }
}

extension Tensor {
    /// A tensor of independent normal samples, reproducible from the generator's state.
    /// - Parameters:
    ///   - shape: the extent of each dimension.
    ///   - mean: the mean of the distribution.
    ///   - standardDeviation: the standard deviation of the distribution.
    ///   - generator: the seeded source; it advances by the samples drawn.
    public static func randomNormal(
        shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout GaussianGenerator
    ) -> Tensor {
        Tensor(shape: shape) { buffer in
            for i in buffer.indices {
                buffer[i] = mean + standardDeviation * generator.next()
            }
        }
    }
}
