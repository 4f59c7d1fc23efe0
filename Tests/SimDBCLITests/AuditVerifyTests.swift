import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing

@Suite("simdb audit --verify")
struct AuditVerifyTests {
    @Test("one byte edited in one audit row of the SQLite file fails --verify, which names the row")
    func oneEditedByteIsFound() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        let faces = try writeFaces(0..<2, pictures: 0..<2, into: directory)
        #expect(try CLI.run(["add"] + faces["p0"]! + ["--id", "p0", "--no-detect"], store: store).status == 0)
        // A refused query leaves a row whose detail holds this marker, found nowhere else in the file.
        let marker = "marker-Qz7Qz7"
        #expect(try CLI.run(["query", directory.path("\(marker).png")], store: store).status != 0)
        #expect(try CLI.run(["list"], store: store).status == 0)
        let intact = try CLI.run(["audit", "--verify", "--json"], store: store)
        #expect(intact.status == 0, "\(intact.stderr)")
        let report = try #require(try intact.json() as? [String: Any])
        #expect(report["intact"] as? Bool == true && report["rows"] as? Int == 3 && (report["head"] as? String)?.count == 64)
        let rows = try #require(try CLI.run(["audit", "--json"], store: store).json() as? [[String: Any]])
        let refused = try #require(rows.first { ($0["detail"] as? String)?.contains(marker) == true }?["id"] as? Int)

        // Flip one byte of the marker where SQLite keeps it (the WAL is folded in when the last
        // connection closes; look in both files to be sure).
        var edited = false
        for file in ["catalog.sqlite", "catalog.sqlite-wal"] {
            let url = URL(fileURLWithPath: directory.path("store/\(file)"))
            guard var bytes = try? [UInt8](Data(contentsOf: url)) else { continue }
            let needle = Array(marker.utf8)
            var index = 0
            while index + needle.count <= bytes.count {
                if bytes[index] == needle[0] && Array(bytes[index..<index + needle.count]) == needle {
                    bytes[index + needle.count - 1] ^= 0x01  // "7" becomes "6"
                    edited = true
                    index += needle.count
                } else {
                    index += 1
                }
            }
            try Data(bytes).write(to: url)
        }
        #expect(edited, "the marker was not found in the catalog files")
        let broken = try CLI.run(["audit", "--verify"], store: store)
        #expect(broken.status == 6)
        #expect(broken.stdout.contains("audit row \(refused) does not match its hash"), "\(broken.stdout)")
        #expect(broken.stderr.contains("hash chain is broken"))
        // Reading the log still works, and --verify takes no filters.
        #expect(try CLI.run(["audit"], store: store).status == 0)
        #expect(try CLI.run(["audit", "--verify", "--limit", "3"], store: store).status == 2)
    }
}
