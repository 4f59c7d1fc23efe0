import Foundation
import GRDB
import SimDBCore
import SimDBSamples
import SimDBTestSupport
import Testing

/// Damaged stores: a truncated vector file, garbage in the catalog, format versions this simdb
/// never wrote or cannot read. Every command refuses them with one line naming the damaged file
/// and exit status 6, nothing crashes, and no file of the store changes.
@Suite("Damaged stores are refused by every command and left as they were")
struct DamagedStoreTests {
    let directory: TemporaryDirectory
    let face: String
    /// A store with two people, copied for each kind of damage.
    let pristine: String

    init() throws {
        directory = try TemporaryDirectory()
        face = try directory.write(try SyntheticFaces.png(person: 0, index: 1), to: "face.png")
        pristine = directory.path("pristine")
        for person in 0..<2 {
            let file = try directory.write(try SyntheticFaces.png(person: person, index: 0), to: "p\(person).png")
            #expect(try CLI.run(["add", file, "--id", "p\(person)", "--store", pristine, "--no-detect"]).status == 0)
        }
    }

    var commands: [[String]] {
        [["list"], ["info"], ["query", face], ["verify", face, "--id", "p0"], ["add", face, "--id", "p2"],
         ["remove", "--id", "p1"], ["check"], ["check", "--repair"], ["audit", "--verify"],
         ["backup", directory.path("backup")]]
    }

    /// The store's files: the vector file's bytes, and the catalog's rows (its bytes when it
    /// cannot be read). GRDB, opening a catalog to write, creates and drops a table to make its
    /// write-ahead log, which changes counters in the file's header but no row.
    func contents(of store: String) throws -> [String] {
        let catalog = store + "/catalog.sqlite"
        let vectors = try Data(contentsOf: URL(fileURLWithPath: store + "/vectors.mdb"))
        var configuration = Configuration()
        configuration.readonly = true
        let rows = try? DatabaseQueue(path: catalog, configuration: configuration).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { "\(table): \($0)" }
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: store).sorted()
            .filter { !$0.hasSuffix("-shm") && !$0.hasSuffix("-lock") }
        let catalogBytes = try Data(contentsOf: URL(fileURLWithPath: catalog))
        return names + ["vectors: \(vectors.base64EncodedString())"]
            + (rows ?? ["catalog bytes: \(catalogBytes.base64EncodedString())"])
    }

    /// Copies the pristine store, damages the copy with `damage`, and runs every command on it.
    func expectRefusedEverywhere(_ label: String, message: String, status: Int32 = 6,
                                 sourceLocation: SourceLocation = #_sourceLocation,
                                 damage: (_ store: String) throws -> Void) throws {
        let store = directory.path(label)
        try FileManager.default.copyItem(atPath: pristine, toPath: store)
        try damage(store)
        let before = try contents(of: store)
        for command in commands {
            let result = try CLI.run(command + ["--store", store])
            let lines = result.stderr.split(separator: "\n")
            #expect(result.status == status, "\(label), \(command): exit \(result.status), \(result.stderr)",
                    sourceLocation: sourceLocation)
            #expect(lines.count == 1 && lines[0].hasPrefix("simdb: error: "), "\(label), \(command): \(result.stderr)",
                    sourceLocation: sourceLocation)
            #expect(result.stderr.contains(message), "\(label), \(command): '\(result.stderr)' lacks '\(message)'",
                    sourceLocation: sourceLocation)
            #expect(try contents(of: store) == before, "\(label), \(command) changed the store", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("backup")), sourceLocation: sourceLocation)
    }

    func truncate(_ path: String, to size: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    /// Runs `sql` on a store's catalog, as someone editing the file by hand would.
    func edit(_ store: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: store + "/catalog.sqlite")
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: sql)
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    @Test("A truncated vector file: empty, shorter than its two header pages, or short of its last pages")
    func truncatedVectors() throws {
        let vectors = "vectors.mdb"
        try expectRefusedEverywhere("empty", message: "vectors.mdb: missing or empty, but the catalog lists templates") {
            try truncate("\($0)/\(vectors)", to: 0)
        }
        try expectRefusedEverywhere("one-page", message: "vectors.mdb: mdb_env_open failed: MDB_INVALID") {
            try truncate("\($0)/\(vectors)", to: 4096)
        }
        try expectRefusedEverywhere("two-pages", message: "vectors.mdb: truncated (8192 bytes") {
            try truncate("\($0)/\(vectors)", to: 8192)
        }
        try expectRefusedEverywhere("last-page", message: "but its last page ends at byte") {
            try truncate("\($0)/\(vectors)", to: try fileSize("\($0)/\(vectors)") - 4096)
        }
    }

    @Test("A vector file whose header records another format version")
    func vectorFormatVersion() throws {
        try expectRefusedEverywhere("vectors-v99", message: "upgrade simdb") { store in
            // The header's version follows its magic, SIMDBVEC; LMDB keeps no checksum to notice.
            let path = "\(store)/vectors.mdb"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let magic = Array("SIMDBVEC".utf8)
            // Freed pages may hold older copies of the header: patch every one.
            let copies = (0...(bytes.count - 12)).filter { bytes[$0] == magic[0] && Array(bytes[$0..<($0 + 8)]) == magic }
            try #require(!copies.isEmpty)
            for at in copies { bytes.replaceSubrange((at + 8)..<(at + 12), with: [99, 0, 0, 0]) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test("Garbage in the catalog: its header, its pages, a foreign database")
    func garbageCatalog() throws {
        try expectRefusedEverywhere("header", message: "catalog.sqlite: damaged catalog (file is not a database)") { store in
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(store)/catalog.sqlite"))
            try handle.write(contentsOf: Data("this is not SQLite at all".utf8))
            try handle.close()
        }
        try expectRefusedEverywhere("pages", message: "catalog.sqlite: damaged catalog") { store in
            // Every page after the first (which holds the schema) overwritten with noise.
            let path = "\(store)/catalog.sqlite"
            var generator = SplitMix64(seed: 5)
            let size = try fileSize(path)
            let noise = (4096..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data(noise))
            try handle.close()
        }
        try expectRefusedEverywhere("foreign", message: "catalog.sqlite: not a simdb catalog (application_id 0)") { store in
            try FileManager.default.removeItem(atPath: "\(store)/catalog.sqlite")
            let queue = try DatabaseQueue(path: "\(store)/catalog.sqlite")
            try queue.write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        }
    }

    @Test("A catalog whose format version, store record or tables were edited")
    func editedCatalog() throws {
        try expectRefusedEverywhere("catalog-v99", message: "catalog format 99 is newer than this simdb") {
            try edit($0, "UPDATE store_info SET format_version = 99")
        }
        try expectRefusedEverywhere("catalog-v0", message: "format version 0 was never written by simdb") {
            try edit($0, "UPDATE store_info SET format_version = 0")
        }
        try expectRefusedEverywhere("no-record", message: "its store record is missing") {
            try edit($0, "DELETE FROM store_info")
        }
        try expectRefusedEverywhere("no-people", message: "damaged catalog (table people is missing)") {
            try edit($0, "PRAGMA foreign_keys = OFF; DROP TABLE people")
        }
    }
}
