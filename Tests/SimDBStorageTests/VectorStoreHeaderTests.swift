import Foundation
import SimDBCore
import SimDBStorage
import Testing

@Suite struct VectorStoreHeaderTests {
    @Test func magicSpellsSIMDBVEC() {
        let bytes = withUnsafeBytes(of: VectorStore.magic.littleEndian) { Array($0) }
        #expect(bytes == Array("SIMDBVEC".utf8))
        #expect(VectorStore.formatVersion == 2)
    }

    @Test func headerLayoutIsLittleEndianAndPadded() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            let store = try VectorStore(path: path, dimension: 300, encoderIdentifier: "pixels/1")
            let meta = try store.environment.database(named: "meta", create: false)
            let header = try store.environment.read { try $0.get(meta, key: Array("header".utf8)).map(Array.init) }
            var expected = Array("SIMDBVEC".utf8) + [2, 0, 0, 0] + [44, 1, 0, 0] + [8, 0, 0, 0]
            expected += Array("pixels/1".utf8) + [64, 0, 0, 0]  // 64 slots of 300-d vectors a segment
            #expect(header == expected)

            let odd = try VectorStore(path: dir.appendingPathComponent("w").path, dimension: 2, encoderIdentifier: "ab/1")
            let oddMeta = try odd.environment.database(named: "meta", create: false)
            let oddHeader = try odd.environment.read { try $0.get(oddMeta, key: Array("header".utf8)).map(Array.init) }
            #expect(oddHeader.map { $0.count % 4 } == 0)
            #expect(oddHeader.map { Array($0.suffix(8)) } == Array("ab/1".utf8) + [0, 16, 0, 0])
            let longer = try VectorStore(path: dir.appendingPathComponent("x").path, dimension: 2, encoderIdentifier: "abc/1")
            let longerMeta = try longer.environment.database(named: "meta", create: false)
            let longerHeader = try longer.environment.read { try $0.get(longerMeta, key: Array("header".utf8)).map(Array.init) }
            #expect(longerHeader.map { Array($0.suffix(12)) } == Array("abc/1".utf8) + [0, 0, 0] + [0, 16, 0, 0])
        }
    }

    @Test func reopeningWithAnotherDimensionOrEncoderIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            do {
                let store = try VectorStore(path: path, dimension: 1024, encoderIdentifier: "pixels/1")
                try store.put(ids: [1], vectors: testBatch(ids: [1], dimension: 1024))
            }
            let dimension = #expect(throws: SimDBError.self) {
                try VectorStore(path: path, dimension: 128, encoderIdentifier: "pixels/1")
            }
            #expect(dimension?.code == .encoderMismatch)
            #expect(dimension?.message.contains("pixels/1 (1024-d); refusing pixels/1 (128-d)") == true)
            let encoder = #expect(throws: SimDBError.self) {
                try VectorStore(path: path, dimension: 1024, encoderIdentifier: "siamese-cnn/2")
            }
            #expect(encoder?.code == .encoderMismatch)
            #expect(encoder?.message == "\(path): store holds vectors of encoder pixels/1 (1024-d); refusing siamese-cnn/2 (1024-d)")
            // The refused opens changed nothing.
            let store = try VectorStore(path: path, dimension: 1024, encoderIdentifier: "pixels/1")
            #expect(try store.count() == 1)
        }
    }

    @Test func garbageFileIsAnErrorNotACrash() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("garbage").path
            var generator = SystemRandomNumberGenerator()
            let bytes = (0 ..< 65_536).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let error = #expect(throws: SimDBError.self) {
                try VectorStore(path: path, dimension: 4, encoderIdentifier: "test/1")
            }
            #expect(error?.code == .corruptStore || error?.code == .storage)
            #expect(error?.message.contains(path) == true)
            #expect(throws: SimDBError.self) { try VectorStore.readHeader(path: path) }
        }
    }

    /// Writes a header record through the environment, as another simdb version would.
    private func writeHeader(_ bytes: [UInt8], at path: String) throws {
        let env = try LMDBEnvironment(path: path)
        let meta = try env.database(named: "meta")
        _ = try env.database(named: "vectors", integerKeys: true)
        try env.write { try $0.put(meta, key: Array("header".utf8), value: bytes) }
    }

    private func header(version: UInt32, magic: [UInt8] = Array("SIMDBVEC".utf8)) -> [UInt8] {
        magic + withUnsafeBytes(of: version.littleEndian, Array.init) + [4, 0, 0, 0] + [8, 0, 0, 0] + Array("future/9".utf8)
            + (version >= 2 ? [0, 16, 0, 0] : [])
    }

    @Test func otherFormatVersionsAreIncompatible() throws {
        try withTemporaryDirectory { dir in
            let newer = dir.appendingPathComponent("newer").path
            try writeHeader(header(version: VectorStore.formatVersion + 1), at: newer)
            let error = #expect(throws: SimDBError.self) {
                try VectorStore(path: newer, dimension: 4, encoderIdentifier: "future/9")
            }
            #expect(error?.code == .incompatibleStore)
            #expect(error?.message.contains("version 3") == true)
            #expect(error?.message.contains("version 2") == true)
            #expect(error?.message.contains("upgrade simdb") == true)
            let read = try VectorStore.readHeader(path: newer)
            #expect(read?.formatVersion == 3 && read?.dimension == 4 && read?.encoderIdentifier == "future/9")

            let older = dir.appendingPathComponent("older").path
            try writeHeader(header(version: 0), at: older)
            let olderError = #expect(throws: SimDBError.self) {
                try VectorStore(path: older, dimension: 4, encoderIdentifier: "future/9")
            }
            #expect(olderError?.code == .incompatibleStore)
            #expect(olderError?.message.contains("older") == true)
        }
    }

    @Test func badMagicIsCorrupt() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            try writeHeader(header(version: 1, magic: Array("NOTSIMDB".utf8)), at: path)
            let error = #expect(throws: SimDBError.self) {
                try VectorStore(path: path, dimension: 4, encoderIdentifier: "future/9")
            }
            #expect(error?.code == .corruptStore)
            #expect(error?.message == "\(path): not a simdb vector file (bad magic)")
            #expect(throws: SimDBError.self) { try VectorStore.readHeader(path: path) }
        }
    }

    @Test func foreignLMDBFileIsNotClaimed() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("other").path
            do {
                let env = try LMDBEnvironment(path: path)
                let people = try env.database(named: "people")
                try env.write { try $0.put(people, key: [1], value: [1]) }
            }
            let error = #expect(throws: SimDBError.self) {
                try VectorStore(path: path, dimension: 4, encoderIdentifier: "test/1")
            }
            #expect(error?.code == .corruptStore)
            #expect(try VectorStore.readHeader(path: path) == nil)
        }
    }

    @Test func readHeader() throws {
        try withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("missing").path
            #expect(try VectorStore.readHeader(path: missing) == nil)
            #expect(!FileManager.default.fileExists(atPath: missing))

            let empty = dir.appendingPathComponent("empty").path
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            #expect(try VectorStore.readHeader(path: empty) == nil)
            let store0 = try VectorStore(path: empty, dimension: 3, encoderIdentifier: "test/1")
            #expect(try VectorStore.readHeader(path: empty)?.dimension == 3 && store0.dimension == 3)

            let fresh = dir.appendingPathComponent("fresh").path
            do { _ = try LMDBEnvironment(path: fresh) }
            #expect(try VectorStore.readHeader(path: fresh) == nil)

            let path = dir.appendingPathComponent("v").path
            do { _ = try VectorStore(path: path, dimension: 512, encoderIdentifier: "siamese-cnn/2") }
            let header = try VectorStore.readHeader(path: path)
            #expect(header?.formatVersion == 2)
            #expect(header?.dimension == 512)
            #expect(header?.encoderIdentifier == "siamese-cnn/2")
            // Also while the store is open in this process (the environment is shared, not reopened).
            let store = try VectorStore(path: path, dimension: 512, encoderIdentifier: "siamese-cnn/2")
            #expect(try VectorStore.readHeader(path: path)?.dimension == 512)
            #expect(try store.count() == 0)
        }
    }

    @Test func invalidArgumentsAreRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            for (dimension, encoder) in [(0, "test/1"), (-3, "test/1"), (VectorStore.maximumDimension + 1, "test/1"), (4, "")] {
                let error = #expect(throws: SimDBError.self) {
                    try VectorStore(path: path, dimension: dimension, encoderIdentifier: encoder)
                }
                #expect(error?.code == .invalidArgument)
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
