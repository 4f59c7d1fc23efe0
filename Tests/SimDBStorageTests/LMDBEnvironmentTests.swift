import CLMDB
import Foundation
import SimDBCore
@testable import SimDBStorage
import Testing

@Suite struct LMDBEnvironmentTests {
    @Test func byteAndIntegerKeysRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let bytes = try env.database(named: "bytes")
            let ints = try env.database(named: "ints", integerKeys: true)
            try env.write { (txn) throws in
                try txn.put(bytes, key: Array("alpha".utf8), value: [1, 2, 3, 4])
                try [UInt8](repeating: 7, count: 12).withUnsafeBytes { try txn.put(ints, key: 42, value: $0) }
            }
            try env.read { (txn) throws in
                #expect(try txn.get(bytes, key: Array("alpha".utf8)).map(Array.init) == [1, 2, 3, 4])
                #expect(try txn.get(bytes, key: Array("beta".utf8)) == nil)
                #expect(try txn.get(ints, key: 42).map(Array.init) == [UInt8](repeating: 7, count: 12))
                #expect(try txn.get(ints, key: 43) == nil)
                #expect(try txn.count(ints) == 1)
            }
            let deleted = try env.write { (txn) throws in
                (try txn.delete(ints, key: 42), try txn.delete(ints, key: 42), try txn.delete(bytes, key: Array("alpha".utf8)))
            }
            #expect(deleted == (true, false, true))
            #expect(try env.read { try $0.count(ints) + $0.count(bytes) } == 0)
            #expect(env.path.hasSuffix("/env"))
            #expect(FileManager.default.fileExists(atPath: env.path + "-lock"))
            try env.sync()
        }
    }

    @Test func integerKeysScanInNumericOrder() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let db = try env.database(named: "ints", integerKeys: true)
            // Byte order would put 256 (00 01 ...) before 1 (01 00 ...); integer order must not.
            let keys: [UInt64] = [256, 1, 1 << 40, 0, UInt64.max, 65_535, 2]
            try env.write { (txn) throws in
                for key in keys {
                    try withUnsafeBytes(of: key) { try txn.put(db, key: key, value: $0) }
                }
            }
            var seen: [UInt64] = []
            try env.read { (txn) throws in
                try txn.forEach(db) { key, value in
                    #expect(value.loadUnaligned(as: UInt64.self) == key)
                    seen.append(key)
                }
            }
            #expect(seen == keys.sorted())
        }
    }

    @Test func emptyByteKeyIsRejected() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let db = try env.database(named: "bytes")
            let error = #expect(throws: SimDBError.self) {
                try env.write { try $0.put(db, key: [], value: [1]) }
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func nestedReadsOnOneThread() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let db = try env.database(named: "ints", integerKeys: true)
            try env.write { txn in try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try txn.put(db, key: 1, value: $0) } }
            let counts = try env.read { outer in
                try env.read { inner in
                    try env.read { innermost in
                        (try outer.count(db), try inner.count(db), try innermost.count(db), env.mapSize)
                    }
                }
            }
            #expect(counts.0 == 1 && counts.1 == 1 && counts.2 == 1 && counts.3 > 0)
        }
    }

    @Test func throwingWriteLeavesNothing() throws {
        struct Refused: Error {}
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let db = try env.database(named: "ints", integerKeys: true)
            #expect(throws: Refused.self) {
                try env.write { (txn) throws in
                    try [UInt8](repeating: 9, count: 8).withUnsafeBytes { try txn.put(db, key: 5, value: $0) }
                    #expect(try txn.count(db) == 1)
                    throw Refused()
                }
            }
            #expect(try env.read { try $0.get(db, key: 5) } == nil)
            #expect(try env.read { try $0.count(db) } == 0)
        }
    }

    @Test func writeInsideReadIsRefused() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let error = #expect(throws: SimDBError.self) {
                try env.read { _ in try env.write { _ in } }
            }
            #expect(error?.code == .internal)
            // The environment is still usable afterwards.
            let db = try env.database(named: "after")
            try env.write { try $0.put(db, key: [1], value: [2]) }
        }
    }

    @Test func missingDatabaseWithoutCreate() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path)
            let error = #expect(throws: SimDBError.self) { try env.database(named: "nope", create: false) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("nope") == true)
        }
    }

    @Test func fileIsOpenedOncePerProcess() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            let env = try LMDBEnvironment(path: path)
            let error = #expect(throws: SimDBError.self) { try LMDBEnvironment(path: path) }
            #expect(error?.code == .storage)
            #expect(try LMDBEnvironment.shared(path: path) === env)
            #expect(try LMDBEnvironment.shared(path: path, readOnly: true) === env)
        }
    }

    @Test func sharedEnvironmentCanBeReopenedAfterRelease() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            for round in 0 ..< 5 {
                let env = try LMDBEnvironment.shared(path: path)
                let db = try env.database(named: "rounds", integerKeys: true)
                try env.write { txn in try withUnsafeBytes(of: round) { try txn.put(db, key: UInt64(round), value: $0) } }
                #expect(try env.read { try $0.count(db) } == round + 1)
            }
        }
    }

    @Test func readOnlyEnvironment() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            let missing = #expect(throws: SimDBError.self) { try LMDBEnvironment(path: path, readOnly: true) }
            #expect(missing?.code == .storage)
            #expect(missing?.message.contains(path) == true)
            do {
                let env = try LMDBEnvironment(path: path)
                let db = try env.database(named: "bytes")
                try env.write { try $0.put(db, key: [1], value: [2, 3]) }
            }
            let env = try LMDBEnvironment(path: path, readOnly: true)
            let db = try env.database(named: "bytes")
            #expect(try env.read { try $0.get(db, key: [1]).map(Array.init) } == [2, 3])
            let error = #expect(throws: SimDBError.self) { try env.write { try $0.put(db, key: [1], value: [4]) } }
            #expect(error?.code == .storage)
        }
    }

    @Test func garbageFileIsAnError() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("garbage").path
            var generator = SystemRandomNumberGenerator()
            let bytes = (0 ..< 65_536).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let error = #expect(throws: SimDBError.self) { try LMDBEnvironment(path: path) }
            #expect(error?.code == .corruptStore || error?.code == .storage)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func writeGrowsTheMapAndRerunsTheBody() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            let big = [UInt8](repeating: 0xAB, count: 4 << 20)
            do {
                let env = try LMDBEnvironment(path: path, initialMapSize: 1 << 20)
                #expect(env.mapSize == 1 << 20)
                let db = try env.database(named: "blobs", integerKeys: true)
                var runs = 0
                try env.write { (txn) throws in
                    runs += 1
                    try big.withUnsafeBytes { try txn.put(db, key: 1, value: $0) }
                }
                #expect(runs > 1)
                #expect(env.mapSize >= 4 << 20)
            }
            // The grown size is kept on reopen, even when asked for less.
            let env = try LMDBEnvironment(path: path, initialMapSize: 1 << 20)
            #expect(env.mapSize >= 4 << 20)
            let db = try env.database(named: "blobs", integerKeys: true, create: false)
            #expect(try env.read { try $0.get(db, key: 1).map { $0.count == big.count && $0.allSatisfy { $0 == 0xAB } } } == true)
        }
    }

    @Test func mapFullCaughtByTheBodyStillGrowsTheMap() throws {
        try withTemporaryDirectory { dir in
            let env = try LMDBEnvironment(path: dir.appendingPathComponent("env").path, initialMapSize: 1 << 20)
            let db = try env.database(named: "blobs", integerKeys: true)
            let big = [UInt8](repeating: 1, count: 2 << 20)
            var caught: [SimDBError] = []
            try env.write { txn in
                do {
                    try big.withUnsafeBytes { try txn.put(db, key: 1, value: $0) }
                } catch let error as SimDBError {
                    caught.append(error)  // swallowed: the write must still not commit a failed txn
                }
            }
            #expect(caught.first?.code == .storage)
            #expect(caught.first?.message.contains("MDB_MAP_FULL") == true)
            #expect(try env.read { try $0.get(db, key: 1)?.count } == big.count)
        }
    }

    @Test func reopeningWithALargerInitialSizeRaisesTheMap() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            do { _ = try LMDBEnvironment(path: path, initialMapSize: 1 << 20) }
            let env = try LMDBEnvironment(path: path, initialMapSize: 8 << 20)
            #expect(env.mapSize == 8 << 20)
        }
    }
}

/// LMDB may commit a file that ends short of its last page (pages a transaction allocated and
/// freed again are never written); simdb grows it after each commit, so a file shorter than its
/// last page can only have been cut, and is refused as truncated instead of faulting (SIGBUS).
@Suite struct LMDBFileLengthTests {
    func lengths(_ env: LMDBEnvironment) throws -> (file: Int, lastPageEnd: Int) {
        var info = MDB_envinfo(), pages = MDB_stat()
        #expect(mdb_env_info(env.env, &info) == 0 && mdb_env_stat(env.env, &pages) == 0)
        let size = try FileManager.default.attributesOfItem(atPath: env.path)[.size] as? Int ?? 0
        return (size, (info.me_last_pgno + 1) * Int(pages.ms_psize))
    }

    @Test(arguments: 1...12) func everyCommitReachesItsLastPage(seed: UInt64) throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            var generator = SplitMix64(seed: seed)
            do {
                let env = try LMDBEnvironment(path: path)
                let db = try env.database(named: "values")
                let big = [UInt8](repeating: 3, count: 4096 * 40)
                for round in 0..<400 {
                    try env.write { txn in
                        for _ in 0..<Int.random(in: 1...20, using: &generator) {
                            let key = Array(String(format: "k%06d", Int.random(in: 0..<300, using: &generator)).utf8)
                            switch Int.random(in: 0..<4, using: &generator) {
                            case 0: _ = try txn.delete(db, key: key)
                            case 1: try txn.put(db, key: key, value: Array(big.prefix(Int.random(in: 64..<264, using: &generator))))
                            default: try txn.put(db, key: key, value: Array(big.prefix(4096 * Int.random(in: 1...40, using: &generator))))
                            }
                        }
                    }
                    let (file, lastPageEnd) = try lengths(env)
                    #expect(file >= lastPageEnd, "seed \(seed), round \(round): \(file) bytes, last page ends at \(lastPageEnd)")
                }
            }
            #expect(throws: Never.self) { try LMDBEnvironment(path: path) }
            // Cut by one page, it is refused, not mapped.
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(truncate(path, off_t(size - 4096)) == 0)
            let error = #expect(throws: SimDBError.self) { try LMDBEnvironment(path: path) }
            #expect(error?.code == .corruptStore && error?.message.contains("truncated") == true)
        }
    }
}
