import Foundation
import SimDBCore
import SimDBStorage
import Testing

@Suite struct VectorStoreTests {
    @Test func vectorsRoundTripBitwise() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("vectors").path
            let dimension = 6
            let special: [Float] = [-0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                    -.leastNormalMagnitude, 1.0 / 3.0]
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
            #expect(scanned.sorted() == ids.sorted())
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

    @Test func removedSlotsAreReusedAndScansSkipThem() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 4, encoderIdentifier: "test/1")
            let ids = Array(UInt64(1)...10)
            try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: 4))
            try store.remove(ids: [3, 7])
            let (slots, free) = try store.read { reader in (try ids.map { try reader.slot(of: $0) }, try reader.freeSlotCount()) }
            #expect(slots[2] == nil && slots[6] == nil && free == 2)
            try store.put(ids: [20, 21, 22], vectors: testBatch(ids: [20, 21, 22], dimension: 4))
            try store.read { reader in
                // The two holes are filled, lowest first; the third vector goes to the end.
                #expect(try reader.slot(of: 20) == 2 && reader.slot(of: 21) == 6 && reader.slot(of: 22) == 10)
                #expect(try reader.slotLimit == 11 && reader.freeSlotCount() == 0)
                var seen: [UInt64: [UInt32]] = [:]
                try reader.forEachVector { id, vector in seen[id] = bits(vector) }
                #expect(seen.count == 11 && seen[3] == nil && seen[7] == nil)
                for id in ids.filter({ $0 != 3 && $0 != 7 }) + [20, 21, 22] {
                    #expect(seen[id] == bits(testVector(id: id, dimension: 4)))
                }
            }
        }
    }

    @Test func nonFiniteVectorsAreRefusedAndFreedSlotsReadAsNaN() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 2, encoderIdentifier: "test/1")
            for bad: Float in [.nan, .infinity, -.infinity] {
                let error = #expect(throws: SimDBError.self) {
                    try store.put(ids: [1, 2], vectors: EmbeddingBatch(dimension: 2, values: [0, 1, bad, 0]))
                }
                #expect(error?.code == .invalidArgument)
            }
            #expect(try store.count() == 0)
            try store.put(ids: [1, 2], vectors: EmbeddingBatch(dimension: 2, values: [0, 1, 2, 3]))
            try store.remove(ids: [1])
            try store.read { reader in
                #expect(reader.vector(at: 0).allSatisfy(\.isNaN) && reader.id(at: 0) == nil)
                #expect(Array(reader.vector(at: 1)) == [2, 3])
            }
        }
    }

    @Test func segmentsAreContiguousAndAligned() throws {
        try withTemporaryDirectory { dir in
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 128, encoderIdentifier: "test/1")
            #expect(store.layout.slotsPerSegment == 256)
            let ids = Array(UInt64(1)...600)
            try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: 128))
            try store.read { reader in
                #expect(reader.vectorTable.count == 3)
                for slot in 0..<600 {
                    let vector = reader.vector(at: slot)
                    #expect(Int(bitPattern: vector.baseAddress) % 16 == 0)
                    if slot % 256 != 0 {
                        // Neighbouring slots of one segment are adjacent in memory.
                        #expect(reader.vector(at: slot - 1).baseAddress! + 128 == vector.baseAddress!)
                    }
                }
            }
        }
    }

    @Test func version1StoreIsUpgradedInPlace() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            let ids: [UInt64] = [5, 1, 900]
            do {  // What simdb's first format wrote: a header of version 1 and one record per vector.
                let env = try LMDBEnvironment(path: path)
                let meta = try env.database(named: "meta")
                let vectors = try env.database(named: "vectors", integerKeys: true)
                let header = Array("SIMDBVEC".utf8) + [1, 0, 0, 0] + [3, 0, 0, 0] + [4, 0, 0, 0] + Array("ab/1".utf8)
                try env.write { txn in
                    try txn.put(meta, key: Array("header".utf8), value: header)
                    for id in ids {
                        try testVector(id: id, dimension: 3).withUnsafeBytes { try txn.put(vectors, key: id, value: $0) }
                    }
                }
            }
            let store = try VectorStore(path: path, dimension: 3, encoderIdentifier: "ab/1")
            #expect(try VectorStore.readHeader(path: path)?.formatVersion == 2)
            #expect(try store.count() == 3)
            try store.read { reader in
                for id in ids {
                    let vector = try reader.vector(id)
                    #expect(vector.map(bits) == bits(testVector(id: id, dimension: 3)))
                }
            }
        }
    }

    @Test func wrongSegmentSizeIsCorrupt() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("v").path
            let store = try VectorStore(path: path, dimension: 4, encoderIdentifier: "test/1")
            try store.put(ids: [1], vectors: testBatch(ids: [1], dimension: 4))
            let segments = try store.environment.database(named: "segments", integerKeys: true, create: false)
            try store.environment.write { txn in
                try [UInt8](repeating: 0, count: 12).withUnsafeBytes { try txn.put(segments, key: 0, value: $0) }
            }
            let error = #expect(throws: SimDBError.self) { try store.read { try $0.count() } }
            #expect(error?.code == .corruptStore)
            #expect(error?.message.contains("segment 0 has 12 bytes") == true)
        }
    }
}
