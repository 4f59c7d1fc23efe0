import Foundation
import SimDBCore
import SimDBStorage

extension IndexedVectorStore {
    /// Checks that the vectors and the graph agree, over one snapshot: every slot's id maps back
    /// to it, free slots are marked free, every live slot the graph covers is a node on the
    /// level its id draws and no other slot is, links stay in range and within their limits,
    /// upper levels exist exactly for nodes above level 0, every node's code (when the graph
    /// keeps codes) is its vector's, flagged exactly when clamped, the code column (when it keeps
    /// one) says what the rows say, and the entry point is a node on the highest level. Links to
    /// free slots are allowed (a delete repairs the neighbourhood it finds, and searches skip the rest).
    /// - Parameter limit: stop after this many problems.
    /// - Returns: the problems found, one line each; empty when the store is consistent.
    /// - Throws: ``SimDBError`` when the store cannot be read.
    public func check(limit: Int = 20) throws -> [String] {
        try store.read { reader in
            var problems: [String] = []
            func report(_ problem: String) { if problems.count < limit { problems.append(problem) } }
            let record = try record(in: reader.record(IndexRecord.name))
            var live = 0
            for slot in 0..<reader.slotLimit {
                guard let id = reader.id(at: slot) else { continue }
                live += 1
                if try reader.slot(of: id) != slot { report("slot \(slot) holds id \(id), which maps to another slot") }
            }
            if try live != reader.count() { report("\(live) slots hold ids but the id map has \(try reader.count())") }
            if try live + reader.freeSlotCount() != reader.slotLimit {
                report("\(live) live and \(try reader.freeSlotCount()) free slots do not add up to \(reader.slotLimit)")
            }
            guard let covered = record.coveredSlots else {
                if try reader.pageBytes().index > 0 { report("graph data is stored but the index record has no graph") }
                return problems
            }
            let parameters = record.settings.hnsw
            let storage = StoredHNSWStorage(reader, record: record)
            var top: HNSWEntryPoint?
            var expected = [UInt8](repeating: 0, count: reader.dimension)
            for slot in 0..<reader.slotLimit {
                let node = HNSWNode(slot), id = reader.id(at: slot)
                let inGraph = storage.isLive(node)
                if storage.keepsColumn { checkColumn(storage, node, inGraph: inGraph, report) }
                guard let id, slot < covered else {
                    if inGraph { report("slot \(slot) is a graph node but \(id == nil ? "is free" : "is not covered yet")") }
                    continue
                }
                guard inGraph else {
                    report("slot \(slot) (id \(id)) is not in the graph")
                    continue
                }
                if let quantizer = record.quantizer, let (code, clamped) = storage.code(of: node) {
                    let shouldClamp = expected.withUnsafeMutableBufferPointer {
                        quantizer.encode(reader.vector(at: slot), into: $0.baseAddress!)
                    }
                    if !expected.elementsEqual(UnsafeBufferPointer(start: code, count: expected.count)) || clamped != shouldClamp {
                        report("node \(slot)'s code does not match its vector")
                    }
                }
                let level = storage.level(of: node)
                if level != parameters.level(for: id) { report("node \(slot) is on level \(level), its id draws \(parameters.level(for: id))") }
                if level > top?.level ?? -1 { top = HNSWEntryPoint(node: node, level: level) }
                for current in 0...level {
                    let links = storage.neighbors(of: node, level: current)
                    if links.count > parameters.maximumLinks(atLevel: current) {
                        report("node \(slot) has \(links.count) links on level \(current)")
                    }
                    for link in links where Int(link) >= reader.slotLimit || link == node {
                        report("node \(slot) links to \(link) on level \(current)")
                    }
                }
                let upper = try reader.upperRecord(slot)?.count ?? 0
                if upper != level * (4 + 4 * parameters.maximumLinks(atLevel: 1)) {
                    report("node \(slot) on level \(level) has \(upper) bytes of upper links")
                }
            }
            switch (record.entryPoint, top) {
            case (nil, nil):
                break
            case let (entry?, top?):
                if !storage.isLive(entry.node) || entry.level != top.level || storage.level(of: entry.node) != entry.level {
                    report("the entry point \(entry.node) (level \(entry.level)) is not a node on the top level \(top.level)")
                }
            default:
                report("the entry point is \(record.entryPoint.map { "\($0.node)" } ?? "missing") but the graph has \(top == nil ? "no" : "some") nodes")
            }
            return problems
        }
    }

    /// Whether `node`'s column entry says what its row says: its state, and its code byte for byte.
    private func checkColumn(_ storage: StoredHNSWStorage, _ node: HNSWNode, inGraph: Bool, _ report: (String) -> Void) {
        let entry = storage.columnEntry(of: node)
        guard inGraph, let (code, clamped) = storage.code(of: node) else {
            if let entry, entry.state != StoredHNSWStorage.ColumnState.absent {
                report("slot \(node) is not a graph node but its column entry says it is")
            }
            return
        }
        guard let entry else { return report("node \(node) has no column entry") }
        let state = clamped ? StoredHNSWStorage.ColumnState.clamped : StoredHNSWStorage.ColumnState.coded
        if entry.state != state || memcmp(entry.code, code, storage.dimension) != 0 {
            report("node \(node)'s column entry does not match its row")
        }
    }
}
