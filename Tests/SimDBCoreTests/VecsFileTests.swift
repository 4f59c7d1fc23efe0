import Foundation
import SimDBCore
import Testing

@Suite("fvecs and ivecs files")
struct VecsFileTests {
    func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("simdb-vecs-\(UUID().uuidString).\(suffix)").path
    }

    @Test("fvecs and ivecs round-trip, byte for byte in the documented layout")
    func roundTrip() throws {
        let batch = EmbeddingBatch(dimension: 3, rows: [[1, -2.5, .pi], [0, 1e-30, -0]])
        let bytes = VecsFile.fvecsBytes(batch)
        #expect(bytes.count == 2 * 4 * 4)
        #expect(Array(bytes[0..<8]) == [3, 0, 0, 0, 0, 0, 0x80, 0x3F])  // dimension 3, then 1.0f
        let path = temporaryPath("fvecs")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let read = try VecsFile.readFvecs(path: path)
        #expect(read.dimension == 3 && read.values.map(\.bitPattern) == batch.values.map(\.bitPattern))

        let truth: [[Int32]] = [[4, 1, 0], [2, 3, -1]]
        try Data(VecsFile.ivecsBytes(truth)).write(to: URL(fileURLWithPath: path))
        #expect(try VecsFile.readIvecs(path: path) == truth)
    }

    @Test("missing, empty, truncated and mixed-dimension files are clear errors", arguments: [
        ("missing", nil), ("empty", []), ("truncated", [2, 0, 0, 0, 0, 0, 0x80, 0x3F]),
        ("zero dimension", [0, 0, 0, 0]), ("negative dimension", [0xFF, 0xFF, 0xFF, 0xFF]),
        ("mixed", [1, 0, 0, 0, 0, 0, 0x80, 0x3F, 2, 0, 0, 0, 0, 0, 0x80, 0x3F]),
    ] as [(String, [UInt8]?)])
    func badFiles(name: String, bytes: [UInt8]?) throws {
        let path = temporaryPath("fvecs")
        defer { try? FileManager.default.removeItem(atPath: path) }
        if let bytes { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        let error = #expect(throws: SimDBError.self) { try VecsFile.readFvecs(path: path) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(path) == true, "\(name): \(error?.message ?? "")")
    }
}
