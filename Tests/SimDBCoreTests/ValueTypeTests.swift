import Foundation
import SimDBCore
import Testing

@Suite("ImageInputSpec")
struct ImageInputSpecTests {
    @Test("a description written before crop existed decodes with the whole region kept")
    func decodesWithoutCrop() throws {
        let json = Data(#"{"width":64,"height":48,"channels":1,"fit":"centerCrop"}"#.utf8)
        let spec = try JSONDecoder().decode(ImageInputSpec.self, from: json)
        #expect(spec == ImageInputSpec(width: 64, height: 48, channels: 1, fit: .centerCrop, crop: 1))
    }

    @Test("crop 1 encodes exactly as before; another crop round-trips")
    func encodesCropOnlyWhenSet() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let whole = String(decoding: try encoder.encode(ImageInputSpec(width: 8, height: 8, channels: 3)), as: UTF8.self)
        #expect(whole == #"{"channels":3,"fit":"stretch","height":8,"width":8}"#)
        let zoomed = ImageInputSpec(width: 8, height: 8, channels: 1, fit: .centerCrop, crop: 0.8)
        #expect(try JSONDecoder().decode(ImageInputSpec.self, from: encoder.encode(zoomed)) == zoomed)
    }

    @Test("a face margin is written only when set, round-trips, and is absent from older descriptions")
    func faceMargin() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let faces = ImageInputSpec(width: 8, height: 8, channels: 1).withFaceMargin(0.25)
        #expect(String(decoding: try encoder.encode(faces), as: UTF8.self)
                == #"{"channels":1,"face_margin":0.25,"fit":"stretch","height":8,"width":8}"#)
        #expect(try JSONDecoder().decode(ImageInputSpec.self, from: encoder.encode(faces)) == faces)
        let older = Data(#"{"width":64,"height":48,"channels":1,"fit":"centerCrop","crop":0.9}"#.utf8)
        #expect(try JSONDecoder().decode(ImageInputSpec.self, from: older).faceMargin == nil)
    }
}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("replaces a file whole and leaves nothing else beside it")
    func replaces() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.bin").path
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([UInt8](repeating: 7, count: 100_000), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 7, count: 100_000))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.bin"])
    }

    @Test("a directory that does not exist is a storage error naming the file")
    func failsCleanly() {
        let error = #expect(throws: SimDBError.self) { try AtomicFile.write([1], to: "/nonexistent-simdb/out.bin") }
        #expect(error?.code == .storage)
        #expect(error?.message.hasPrefix("/nonexistent-simdb/out.bin: cannot create the file") == true)
    }
}
