import Foundation
import SimDBCore
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("Store backups")
struct BackupTests {
    @Test("a backup taken while queries run is a consistent, private store with the same people and answers")
    func backupWhileQuerying() throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.path("store"), options: Store.Options(encoder: "pixels/1"))
        func face(_ person: Int, _ index: Int) throws -> ImageSource {
            .bytes(try SyntheticFaces.png(person: person, index: index), name: "p\(person)-\(index).png")
        }
        for person in 0..<6 { try store.add([try face(person, 0), try face(person, 1)], to: "p\(person)") }

        let stop = Locked(false), failures = Locked(0)
        let querying = Thread {
            while !stop.withLock({ $0 }) {
                if (try? store.query(.bytes(try! SyntheticFaces.png(person: 2, index: 5), name: "q.png"), k: 3)) == nil {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        querying.start()
        let result = try store.backup(to: directory.path("backup"))
        stop.withLock { $0 = true }
        #expect(failures.withLock { $0 } == 0)
        #expect(result.people == 6 && result.templates == 12 && result.bytes > 0)

        let copy = try Store(path: directory.path("backup"), options: Store.Options(create: false))
        let check = try copy.check()
        #expect(check.consistent && check.templates == 12 && check.vectors == 12 && check.auditIntact, "\(check.problems)")
        let probe = try face(4, 3)
        #expect(try copy.query(probe, k: 3).results.map(\.id) == store.query(probe, k: 3).results.map(\.id))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path("backup"))
        #expect(!files.contains { $0.contains("partial") })
        for file in [Store.catalogFileName, Store.vectorsFileName] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.path("backup/\(file)"))[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o777 } == 0o600, "\(file)")
        }
        let parent = try FileManager.default.contentsOfDirectory(atPath: directory.path("."))
        #expect(!parent.contains { $0.contains("partial") }, "the staging directory was left behind")

        // An existing directory is refused and left as it was.
        #expect(throws: SimDBError.self) { try store.backup(to: directory.path("backup")) }
        #expect(try Store(path: directory.path("backup"), options: Store.Options(create: false)).check().consistent)
    }
}

