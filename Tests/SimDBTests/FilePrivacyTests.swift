import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("Store file permissions")
struct FilePrivacyTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    @Test("a new store's directory is 0700 and every file in it 0600, the WAL and lock files included")
    func newStoresArePrivate() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("nested/store")
        let store = try Store(path: path, options: Store.Options(encoder: "pixels/1"))
        try store.add([.bytes(try SyntheticFaces.png(person: 1, index: 0), name: "a.png")], to: "alice")
        _ = try store.query(.bytes(try SyntheticFaces.png(person: 1, index: 1), name: "b.png"), k: 1)
        #expect(try mode(path) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: path)
        for required in [Store.catalogFileName, Store.vectorsFileName, Store.vectorsFileName + "-lock", Store.lockFileName] {
            #expect(files.contains(required), "\(required) missing")
        }
        #expect(files.contains(Store.catalogFileName + "-wal"))
        for file in files {
            #expect(try mode(directory.path("nested/store/\(file)")) == 0o600, "\(file)")
        }
    }
}
