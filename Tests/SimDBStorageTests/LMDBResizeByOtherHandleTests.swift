import CLMDB
import Foundation
import SimDBCore
import SimDBStorage
import Testing

/// A map grown by another handle on the file (standing in for another process) is adopted.
///
/// The second handle is a raw `MDB_env` opened while the environment is idle. That breaks LMDB's
/// rule of one handle per file per process (its open re-initialises the lock table, and closing
/// it drops the process's `fcntl` locks), which is harmless here: nothing else opens the file.
@Suite struct LMDBResizeByOtherHandleTests {
    private func check(_ code: Int32, _ what: String) throws {
        if code != MDB_SUCCESS { throw SimDBError(.storage, "\(what): \(String(cString: mdb_strerror(code)))") }
    }

    @Test func mapResizedElsewhereIsAdopted() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("env").path
            let env = try LMDBEnvironment(path: path, initialMapSize: 1 << 20)
            let db = try env.database(named: "blobs", integerKeys: true)
            try env.write { txn in try [UInt8](repeating: 1, count: 64).withUnsafeBytes { try txn.put(db, key: 1, value: $0) } }
            #expect(env.mapSize == 1 << 20)

            var handle: OpaquePointer?
            try check(mdb_env_create(&handle), "mdb_env_create")
            guard let other = handle else { return }
            defer { mdb_env_close(other) }
            try check(mdb_env_set_maxdbs(other, 8), "mdb_env_set_maxdbs")
            try check(mdb_env_set_mapsize(other, 8 << 20), "mdb_env_set_mapsize")
            try check(mdb_env_open(other, path, UInt32(MDB_NOSUBDIR | MDB_NOTLS), 0o644), "mdb_env_open")

            let nested = try env.read { _ in
                // Grow the file past this environment's map through the other handle.
                var txnHandle: OpaquePointer?
                try check(mdb_txn_begin(other, nil, 0, &txnHandle), "mdb_txn_begin")
                guard let txn = txnHandle else { throw SimDBError(.internal, "no transaction") }
                var dbi = MDB_dbi()
                try check(mdb_dbi_open(txn, "blobs", UInt32(MDB_INTEGERKEY), &dbi), "mdb_dbi_open")
                var key: UInt64 = 2
                let blob = [UInt8](repeating: 2, count: 3 << 20)
                try blob.withUnsafeBytes { bytes in
                    try withUnsafeMutableBytes(of: &key) { keyBytes in
                        var k = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                        var v = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                        try check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put")
                    }
                }
                try check(mdb_txn_commit(txn), "mdb_txn_commit")
                // A nested read cannot adopt the new size while the outer one is live.
                return Result { try env.read { _ in } }
            }
            let error = #expect(throws: SimDBError.self) { try nested.get() }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("MDB_MAP_RESIZED") == true)

            // A top-level read adopts it and sees the other handle's data.
            #expect(try env.read { try $0.get(db, key: 2)?.count } == 3 << 20)
            #expect(env.mapSize == 8 << 20)
            try env.write { txn in try [UInt8](repeating: 3, count: 64).withUnsafeBytes { try txn.put(db, key: 3, value: $0) } }
            #expect(try env.read { try $0.count(db) } == 3)
        }
    }
}
