/// A collection of stored vectors that can be scanned without copying.
///
/// The storage layer implements it over memory-mapped pages inside a read transaction; the
/// index layer scans it. Pointers handed to `body` are valid only during that call.
public protocol VectorSource {
    /// The length of every vector.
    var dimension: Int { get }
    /// Calls `body` with each vector's id and contents, in ascending id order.
    /// - Throws: what `body` throws, or ``SimDBError`` when the storage fails.
    func forEachVector(_ body: (UInt64, UnsafeBufferPointer<Float>) throws -> Void) throws
}
