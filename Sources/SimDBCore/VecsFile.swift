import Foundation

/// The `.fvecs` and `.ivecs` formats of the ANN-benchmarks and FAISS test sets: per vector, its
/// dimension as a little-endian `Int32`, then that many little-endian `Float32` (fvecs) or `Int32`
/// (ivecs) values. Every vector of a file has the same dimension.
public enum VecsFile {
    /// The largest dimension accepted when reading.
    public static let maximumDimension = 1 << 20

    /// Encodes rows of floats as fvecs bytes.
    /// - Precondition: `batch.dimension` fits in an `Int32`.
    public static func fvecsBytes(_ batch: EmbeddingBatch) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.count * (1 + batch.dimension) * 4)
        for row in 0..<batch.count { batch.withVector(at: row) { appendFvecsRow($0, to: &bytes) } }
        return bytes
    }

    /// Appends one vector as an fvecs row (its length, then its values) to `bytes`, for files
    /// written a row at a time.
    public static func appendFvecsRow(_ vector: UnsafeBufferPointer<Float>, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: Int32(vector.count).littleEndian) { bytes.append(contentsOf: $0) }
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    }

    /// Encodes rows of integers (for example ground-truth neighbour lists) as ivecs bytes.
    /// - Precondition: every row has the same length.
    public static func ivecsBytes(_ rows: [[Int32]]) -> [UInt8] {
        let dimension = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == dimension }, "ivecs rows must have one length")
        return encode(rows: rows.count, dimension: dimension) { row, column in UInt32(bitPattern: rows[row][column]) }
    }

    /// Reads an fvecs file.
    /// - Throws: ``SimDBError`` `.invalidArgument` naming the file when it cannot be read, is
    ///   empty, truncated, or mixes dimensions.
    public static func readFvecs(path: String) throws -> EmbeddingBatch {
        let (dimension, words) = try read(path: path, kind: "fvecs")
        return EmbeddingBatch(dimension: dimension, values: words.map { Float(bitPattern: $0) })
    }

    /// Reads an ivecs file.
    /// - Throws: ``SimDBError`` `.invalidArgument` as ``readFvecs(path:)``.
    public static func readIvecs(path: String) throws -> [[Int32]] {
        let (dimension, words) = try read(path: path, kind: "ivecs")
        return stride(from: 0, to: words.count, by: dimension).map { start in
            words[start ..< start + dimension].map { Int32(bitPattern: $0) }
        }
    }

    private static func encode(rows: Int, dimension: Int, value: (Int, Int) -> UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows * (1 + dimension) * 4)
        func append(_ word: UInt32) { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        for row in 0..<rows {
            append(UInt32(dimension))
            for column in 0..<dimension { append(value(row, column)) }
        }
        return bytes
    }

    /// The dimension and the values, without the per-row dimension words.
    private static func read(path: String, kind: String) throws -> (Int, [UInt32]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimDBError(.invalidArgument, "\(path): cannot read the \(kind) file")
        }
        guard data.count >= 4 else { throw SimDBError(.invalidArgument, "\(path): empty or truncated \(kind) file") }
        return try data.withUnsafeBytes { raw in
            func word(_ index: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)) }
            let dimension = Int(Int32(bitPattern: word(0)))
            guard dimension >= 1, dimension <= maximumDimension else {
                throw SimDBError(.invalidArgument, "\(path): not a \(kind) file (first dimension \(dimension))")
            }
            let rowBytes = (1 + dimension) * 4
            guard data.count % rowBytes == 0 else {
                throw SimDBError(.invalidArgument,
                    "\(path): \(data.count) bytes is not a whole number of \(dimension)-d \(kind) rows (truncated?)")
            }
            let rows = data.count / rowBytes
            var values: [UInt32] = []
            values.reserveCapacity(rows * dimension)
            for row in 0..<rows {
                let start = row * (1 + dimension)
                guard Int(Int32(bitPattern: word(start))) == dimension else {
                    throw SimDBError(.invalidArgument,
                        "\(path): row \(row + 1) has dimension \(Int32(bitPattern: word(start))), the first has \(dimension)")
                }
                for column in 1...dimension { values.append(word(start + column)) }
            }
            return (dimension, values)
        }
    }
}
