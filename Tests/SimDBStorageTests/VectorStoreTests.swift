import Foundation
import SimDBCore
import SimDBStorage
import Testing

@Suite struct VectorStoreTests {
    @Test func vectorsRoundTripBitwiseInIdOrder() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("vectors").path
            let dimension = 6
            let special: [Float] = [-0.0, .infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                    Float(bitPattern: 0x7FC0_1234), 1.0 / 3.0]
            let ids: [UInt64] = [900, 3, 1 << 33, 17, 256, 1]
            var rows = ids.map { testVector(id: $0, dimension: dimension) }
            rows[0] = special
            let batch = EmbeddingBatch(dimension: dimension, rows: rows)
            let expected = Dictionary(uniqueKeysWithValues: zip(ids, rows.map(bits)))

            let store = try VectorStore(path: path, dimension: dimension, encoderIdentifier: "test/1")
            try store.put(ids: ids, vectors: batch)
            #expect(try store.count() == ids.count)

            var scanned: [UInt64] = []
            try store.read { reader in
                #expect(reader.dimension == dimension)
                try reader.forEachVector { id, vector in
                    scanned.append(id)
                    #expect(bits(vector) == expected[id])
                }
                for id in ids {
                    #expect(try reader.vector(id).map(bits) == expected[id])
                }
                #expect(try reader.vector(2) == nil)
                #expect(try reader.ids() == ids.sorted())
                #expect(try reader.count() == ids.count)
            }
            #expect(scanned == ids.sorted())
        }
    }

    @Test func countContainsAndIdempotentRemove() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 4, encoderIdentifier: "test/1")
            try store.put(ids: [1, 2, 3], vectors: testBatch(ids: [1, 2, 3], dimension: 4))
            #expect(try store.contains(2))
            #expect(try !store.contains(4))
            try store.remove(ids: [2, 4])
            #expect(try !store.contains(2))
            #expect(try store.count() == 2)
            try store.remove(ids: [2, 4])
            try store.remove(ids: [])
            #expect(try store.count() == 2)
            #expect(try store.read { try $0.ids() } == [1, 3])
        }
    }

    @Test func putReplacesAndLastDuplicateWins() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 2, encoderIdentifier: "test/1")
            try store.put(ids: [7], vectors: EmbeddingBatch(dimension: 2, values: [1, 1]))
            try store.put(ids: [7, 7], vectors: EmbeddingBatch(dimension: 2, values: [2, 2, 3, 3]))
            #expect(try store.count() == 1)
            #expect(try store.read { try $0.vector(7).map(Array.init) } == [3, 3])
        }
    }

    @Test func reopenPersists() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            let ids: [UInt64] = Array(1 ... 50)
            do {
                let store = try VectorStore(path: path, dimension: 16, encoderIdentifier: "test/1")
                try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: 16))
                try store.remove(ids: [25])
            }
            let store = try VectorStore(path: path, dimension: 16, encoderIdentifier: "test/1")
            #expect(try store.count() == 49)
            try store.read { reader in
                for id in ids {
                    let stored = try reader.vector(id).map(bits)
                    #expect(stored == (id == 25 ? nil : bits(testVector(id: id, dimension: 16))))
                }
            }
        }
    }

    @Test func rejectedBatchesWriteNothing() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 4, encoderIdentifier: "test/1")
            let wrongDimension = #expect(throws: SimDBError.self) {
                try store.put(ids: [1], vectors: testBatch(ids: [1], dimension: 3))
            }
            #expect(wrongDimension?.code == .invalidArgument)
            #expect(wrongDimension?.message.contains("3-d") == true)
            let wrongCount = #expect(throws: SimDBError.self) {
                try store.put(ids: [1, 2, 3], vectors: testBatch(ids: [1, 2], dimension: 4))
            }
            #expect(wrongCount?.code == .invalidArgument)
            #expect(try store.count() == 0)
        }
    }

    @Test func mapGrowsUnderManyBatches() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("big").path
            let dimension = 128, total = 20_000, batchSize = 1_000
            do {
                let store = try VectorStore(path: path, dimension: dimension, encoderIdentifier: "test/1",
                                            initialMapSize: 1 << 20)
                #expect(store.mapSize == 1 << 20)
                for start in stride(from: 0, to: total, by: batchSize) {
                    let ids = (start ..< start + batchSize).map { UInt64($0) * 3 + 1 }
                    try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: dimension))
                }
                #expect(try store.count() == total)
                #expect(store.mapSize >= total * dimension * 4)
            }
            let store = try VectorStore(path: path, dimension: dimension, encoderIdentifier: "test/1",
                                        initialMapSize: 1 << 20)
            #expect(store.mapSize >= total * dimension * 4)
            var seen = 0, mismatches = 0
            try store.read { reader in
                try reader.forEachVector { id, vector in
                    if id != UInt64(seen) * 3 + 1 || bits(vector) != bits(testVector(id: id, dimension: dimension)) {
                        mismatches += 1
                    }
                    seen += 1
                }
            }
            #expect(seen == total)
            #expect(mismatches == 0)
        }
    }

    @Test func vectorsAreServedInPlace() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 1024, encoderIdentifier: "test/1")
            let ids: [UInt64] = Array(1 ... 20)
            try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: 1024))
            let small = try VectorStore(path: dir.appendingPathComponent("s").path, dimension: 128, encoderIdentifier: "test/1")
            try small.put(ids: ids, vectors: testBatch(ids: ids, dimension: 128))
            for candidate in [store, small] {
                try candidate.read { reader in
                    for id in ids {
                        let first = try reader.vector(id), second = try reader.vector(id)
                        // A copy would get a new address each time; a view of the map does not.
                        #expect(first?.baseAddress != nil && first?.baseAddress == second?.baseAddress)
                        #expect(first.map { Int(bitPattern: $0.baseAddress) % 4 } == 0)
                    }
                    var scanned: [UnsafePointer<Float>?] = []
                    try reader.forEachVector { _, vector in scanned.append(vector.baseAddress) }
                    #expect(try scanned == ids.map { try reader.vector($0)?.baseAddress })
                }
            }
        }
    }

    @Test func misalignedValuesAreCopiedAndWrongSizesAreCorrupt() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            let dimension = 4
            let store = try VectorStore(path: path, dimension: dimension, encoderIdentifier: "test/1")
            let env = try LMDBEnvironment.shared(path: path)
            #expect(env === store.environment)
            let vectors = try env.database(named: "vectors", integerKeys: true)
            // A 2-byte value makes an 18-byte node, which shifts the nodes placed after it on the
            // page by 2 bytes: the later values are no longer 4-byte aligned.
            try env.write { txn in try [UInt8](repeating: 0, count: 2).withUnsafeBytes { try txn.put(vectors, key: 100, value: $0) } }
            let ids: [UInt64] = [1, 2, 3, 4, 5]
            try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: dimension))
            let misaligned = try env.read { txn in
                try ids.filter { id in try txn.get(vectors, key: id).map { Int(bitPattern: $0.baseAddress) % 4 != 0 } == true }
            }
            #expect(!misaligned.isEmpty, "LMDB placed every value aligned; the copy path is not exercised")
            var scanned: [UInt64] = []
            let error = #expect(throws: SimDBError.self) {
                try store.read { reader in
                    for id in ids {
                        let vector = try reader.vector(id)
                        #expect(vector.map { Int(bitPattern: $0.baseAddress) % 4 } == 0)
                        #expect(vector.map(bits) == bits(testVector(id: id, dimension: dimension)))
                    }
                    try reader.forEachVector { id, vector in
                        #expect(Int(bitPattern: vector.baseAddress) % 4 == 0)
                        #expect(bits(vector) == bits(testVector(id: id, dimension: dimension)))
                        scanned.append(id)
                    }
                }
            }
            #expect(error?.code == .corruptStore)
            #expect(error?.message.contains("vector 100 has 2 bytes") == true)
            #expect(scanned == ids)
            let lookup = #expect(throws: SimDBError.self) { try store.read { try $0.vector(100) } }
            #expect(lookup?.code == .corruptStore)
        }
    }
}
