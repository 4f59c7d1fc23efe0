import Foundation
import SimDBCore
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("Store compaction")
struct CompactTests {
    func face(_ person: Int, _ index: Int) throws -> ImageSource {
        .bytes(try SyntheticFaces.png(person: person, index: index), name: "p\(person)-\(index).png")
    }

    /// Whether any file in `directory` holds `needle`.
    func filesHold(_ needle: [UInt8], in directory: String) throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: directory).contains { name in
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name)))
            guard bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { at in
                bytes[at] == needle[0] && bytes[at..<(at + needle.count)].elementsEqual(needle)
            }
        }
    }

    @Test("after remove a vector's bytes stay in free pages; after compact no file holds them, and the store is as it was")
    func removedVectorsLeaveTheDisk() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store")
        let probe = try face(2, 4)
        var marker: [UInt8] = []
        var answer: [String] = []
        do {
            let store = try Store(path: path, options: Store.Options(encoder: "pixels/1"))
            for person in 0..<4 { try store.add([try face(person, 0), try face(person, 1)], to: "p\(person)") }
            // A vector no picture makes, so its bytes can be looked for in the files.
            let ghost = (0..<store.info.dimension).map { Float(bitPattern: 0x4B1D_0000 | UInt32($0)) }
            try store.importVectors(EmbeddingBatch(dimension: ghost.count, rows: [ghost]), personIds: ["ghost"], source: "ghost")
            try store.exportVectors { id, _, vector in
                if id == "ghost" { marker = Array(UnsafeRawBufferPointer(vector).prefix(64)) }
            }
            try #require(marker.count == 64)
            try store.remove("ghost")
            answer = try store.query(probe, k: 3).results.map(\.id)
        }
        // The reason compact exists: LMDB wrote the remove to a new page and kept the old one free.
        #expect(try filesHold(marker, in: path), "the removed vector is not in the files even before compaction")

        let result = try Store.compact(path: path)
        #expect(result.vectorBytesAfter <= result.vectorBytesBefore && result.vectorBytesAfter > 0)
        #expect(try !filesHold(marker, in: path), "a removed vector's bytes survive compaction")

        let reopened = try Store(path: path, options: Store.Options(create: false))
        let check = try reopened.check()
        #expect(check.consistent && check.templates == 8 && check.vectors == 8 && check.auditIntact, "\(check.problems)")
        #expect(try reopened.query(probe, k: 3).results.map(\.id) == answer)
        #expect(try reopened.audit().contains { $0.action == "compact" && $0.status == .ok })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.contains("compacting") }
        #expect(leftovers.isEmpty)
        // It keeps working: writes after compaction land and read back.
        try reopened.add([try face(5, 0)], to: "p5")
        #expect(try reopened.check().consistent)
    }

    @Test("compact refuses while the store is open, in this process or another, and runs once it is closed")
    func refusesWhileOpen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store")
        var store: Store? = try Store(path: path, options: Store.Options(encoder: "pixels/1"))
        try store?.add([try face(0, 0)], to: "p0")
        let error = #expect(throws: SimDBError.self) { try Store.compact(path: path) }
        #expect(error?.code == .storage && error?.message.contains("in use") == true, "\(String(describing: error))")
        store = nil
        #expect(try Store.compact(path: path).vectorBytesAfter > 0)
        #expect(throws: SimDBError.self) { try Store.compact(path: directory.path("absent")) }
        #expect(!FileManager.default.fileExists(atPath: directory.path("absent")))
    }
}
