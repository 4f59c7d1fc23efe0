import Crypto
import Foundation
import GRDB
import SimDBCore

/// The audit log's hash chain: every row carries `hash = SHA-256(previous row's hash ‖ row)`,
/// the first row chaining from 32 zero bytes, so that editing, deleting or reordering a row
/// breaks the chain from that row on.
///
/// A row is hashed as SQLite stores it, column by column in a fixed order (``columns``): each
/// value as a type tag and its bytes (integers and doubles as 8 little-endian bytes, text as its
/// UTF-8 length and bytes, NULL as its tag alone). Hashing the stored values, not the Swift
/// ones, makes the hash independent of how dates or doubles are formatted. Rows are appended
/// inside the write transaction that inserts them, which SQLite serialises, so two processes
/// never chain from the same row.
///
/// The chain is tamper-evident, not tamper-proof: someone who can write the file can recompute
/// every hash after an edit. Keep the head (``AuditVerification/head``) elsewhere to detect that.
package enum AuditChain {
    /// The columns a row's hash covers, in order (everything but the hash).
    static let columns = ["id", "time", "action", "actor", "person_id", "input_sha256", "status", "top_match",
                          "distance", "decision", "threshold", "duration_ms", "detail"]

    /// The previous hash of the first row.
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// Inserts `entry` and its hash, chained to the newest row, inside `db`'s transaction.
    static func append(_ entry: inout AuditEntry, in db: Database) throws {
        let previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")
        entry.hash = nil
        try entry.insert(db)
        guard let id = entry.id,
              let row = try Row.fetchOne(db, sql: selectRow + " FROM audit_log WHERE id = ?", arguments: [id]) else {
            throw SimDBError(.internal, "the audit row just written cannot be read back")
        }
        let hash = digest(row, previous: try previous.map(bytes(hex:)) ?? genesis).lowercaseHex
        try db.execute(sql: "UPDATE audit_log SET hash = ? WHERE id = ?", arguments: [hash, id])
        entry.hash = hash
    }

    /// Hashes every row that has no hash yet, in id order: rows written before the chain existed.
    static func seal(_ db: Database) throws {
        var previous = genesis
        let rows = try Row.fetchCursor(db, sql: selectRow + ", hash FROM audit_log ORDER BY id")
        var updates: [(Int64, String)] = []
        while let row = try rows.next() {
            if let stored: String = row["hash"] {
                previous = try bytes(hex: stored)
                continue
            }
            let hash = digest(row, previous: previous)
            updates.append((row["id"], hash.lowercaseHex))
            previous = hash
        }
        for (id, hash) in updates {
            try db.execute(sql: "UPDATE audit_log SET hash = ? WHERE id = ?", arguments: [hash, id])
        }
    }

    /// Walks the whole log in id order and reports every place the chain breaks.
    static func verify(_ db: Database, limit: Int) throws -> AuditVerification {
        var problems: [String] = []
        func report(_ problem: String) { if problems.count < limit { problems.append(problem) } }
        var previous = genesis
        var lastID: Int64 = 0
        var count = 0
        let rows = try Row.fetchCursor(db, sql: selectRow + ", hash FROM audit_log ORDER BY id")
        while let row = try rows.next() {
            count += 1
            let id: Int64 = row["id"]
            if id != lastID + 1 {
                report(lastID + 1 == id - 1 ? "audit row \(lastID + 1) is missing"
                                            : "audit rows \(lastID + 1)…\(id - 1) are missing")
            }
            let stored: String? = row["hash"]
            let expected = digest(row, previous: previous)
            if stored != expected.lowercaseHex {
                report(stored == nil ? "audit row \(id) has no hash"
                                     : "audit row \(id) does not match its hash: it was edited, or rows before it were removed or reordered")
            }
            // Go on from the stored hash, so that one edited row is reported once.
            if let stored, let decoded = try? bytes(hex: stored) { previous = decoded } else { previous = expected }
            lastID = id
        }
        let issued = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
        if issued > lastID {
            report(issued == lastID + 1 ? "audit row \(issued) is missing (the newest)"
                                        : "audit rows \(lastID + 1)…\(issued) are missing (the newest)")
        }
        return AuditVerification(rows: count, head: count == 0 ? nil : previous.lowercaseHex, problems: problems)
    }

    private static var selectRow: String {
        "SELECT " + columns.joined(separator: ", ")
    }

    /// SHA-256 of `previous` then each hashed column of `row`.
    static func digest(_ row: Row, previous: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        for column in columns {
            let value: DatabaseValue = row[column]
            switch value.storage {
            case .null:
                hasher.update(data: [0])
            case .int64(let integer):
                hasher.update(data: [1])
                withUnsafeBytes(of: integer.littleEndian) { hasher.update(bufferPointer: $0) }
            case .double(let double):
                hasher.update(data: [2])
                withUnsafeBytes(of: double.bitPattern.littleEndian) { hasher.update(bufferPointer: $0) }
            case .string(let text):
                let utf8 = Array(text.utf8)
                hasher.update(data: [3])
                withUnsafeBytes(of: UInt64(utf8.count).littleEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(data: utf8)
            case .blob(let data):
                hasher.update(data: [4])
                withUnsafeBytes(of: UInt64(data.count).littleEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(data: data)
            }
        }
        return Array(hasher.finalize())
    }

    static func bytes(hex: String) throws -> [UInt8] {
        let utf8 = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while utf8.count == 64, index < 64, let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) {
            bytes.append(high << 4 | low)
            index += 2
        }
        guard bytes.count == 32 else { throw SimDBError(.corruptStore, "an audit hash is not 64 hex digits") }
        return bytes
    }
}

/// What ``Catalog/verifyAudit(limit:)`` found.
public struct AuditVerification: Sendable, Equatable {
    /// Rows in the log.
    public var rows: Int
    /// The newest row's hash (`nil` for an empty log): note it elsewhere to detect a log
    /// rewritten from scratch.
    public var head: String?
    /// Where the chain breaks, one line each (at most the limit asked for); empty when intact.
    public var problems: [String]

    /// Whether the chain is intact.
    public var intact: Bool { problems.isEmpty }
}

extension Catalog {
    /// Recomputes the audit log's hash chain and reports where it breaks.
    /// - Parameter limit: stop listing problems after this many.
    package func verifyAudit(limit: Int = 20) throws -> AuditVerification {
        try read { db in try AuditChain.verify(db, limit: limit) }
    }
}
