import Foundation
import SimDBCore

extension VectorStore {
    /// The `meta` key of the header record.
    static let headerKey = Array("header".utf8)

    /// The header record: what the store holds and which format wrote it.
    ///
    /// Layout, all integers little-endian, 4-byte aligned throughout:
    ///
    /// | bytes | field |
    /// |---|---|
    /// | 0..<8 | magic, ``VectorStore/magic`` (`"SIMDBVEC"`) |
    /// | 8..<12 | format version, `UInt32` |
    /// | 12..<16 | dimension, `UInt32` |
    /// | 16..<20 | encoder identifier length `n` in bytes, `UInt32` |
    /// | 20..<20+n | encoder identifier, UTF-8, zero-padded to a multiple of 4 (`p` bytes) |
    /// | 20+p..<24+p | slots per segment, `UInt32` (version 2 on; see ``SegmentLayout``) |
    ///
    /// These fields keep their place in every format version; later versions may only append, so
    /// any version's header can be read to say what it holds.
    struct Header: Equatable {
        var formatVersion: UInt32
        var dimension: Int
        var encoderIdentifier: String
        /// Slots per segment; 0 in version 1, which stored one vector per record.
        var slotsPerSegment: Int

        /// The record's bytes.
        func encoded() -> [UInt8] {
            let identifier = Array(encoderIdentifier.utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(20 + identifier.count + 3)
            func append<I: FixedWidthInteger>(_ value: I) {
                withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
            }
            append(VectorStore.magic)
            append(formatVersion)
            append(UInt32(dimension))
            append(UInt32(identifier.count))
            bytes.append(contentsOf: identifier)
            while bytes.count % 4 != 0 { bytes.append(0) }
            if formatVersion >= 2 { append(UInt32(slotsPerSegment)) }
            return bytes
        }

        /// Parses a header record.
        /// - Throws: ``SimDBError`` `.corruptStore` for a wrong magic or impossible sizes (or
        ///   `.incompatibleStore` when the record claims another format version and does not parse).
        static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws -> Header {
            guard raw.count >= 8, UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) == VectorStore.magic else {
                throw SimDBError(.corruptStore, "\(path): not a simdb vector file (bad magic)")
            }
            guard raw.count >= 12 else {
                throw SimDBError(.corruptStore, "\(path): vector store header is truncated (\(raw.count) bytes)")
            }
            let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            func damaged(_ reason: String) -> SimDBError {
                version == VectorStore.formatVersion
                    ? SimDBError(.corruptStore, "\(path): vector store header is damaged (\(reason))")
                    : SimDBError(.incompatibleStore,
                        "\(path): vector store format version \(version) is unknown to this simdb, which reads "
                        + "version \(VectorStore.formatVersion); use a simdb release that supports it")
            }
            guard raw.count >= 20 else { throw damaged("\(raw.count) bytes") }
            let dimension = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
            guard dimension > 0 else { throw damaged("dimension 0") }
            guard length > 0, length <= raw.count - 20 else {
                throw damaged("encoder identifier of \(length) bytes in a \(raw.count)-byte record")
            }
            guard let identifier = String(bytes: raw[20 ..< 20 + length], encoding: .utf8) else {
                throw damaged("encoder identifier is not UTF-8")
            }
            var slots = 0
            if version >= 2 {
                let offset = 20 + (length + 3) / 4 * 4
                guard raw.count >= offset + 4 else { throw damaged("no segment size") }
                slots = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                guard slots > 0, slots & (slots - 1) == 0 else { throw damaged("\(slots) slots per segment") }
            }
            return Header(formatVersion: version, dimension: Int(dimension), encoderIdentifier: identifier,
                          slotsPerSegment: slots)
        }

        /// Checks that a stored header (`self`) can serve `expected`.
        /// - Throws: ``SimDBError`` `.incompatibleStore` naming both versions and what to do;
        ///   `.encoderMismatch` naming both encoders and dimensions.
        func verify(against expected: Header, path: String) throws {
            if formatVersion > expected.formatVersion {
                throw SimDBError(.incompatibleStore,
                    "\(path): vector store format version \(formatVersion) is newer than this simdb reads "
                    + "(version \(expected.formatVersion)); upgrade simdb to open it")
            }
            if formatVersion < VectorStore.oldestUpgradableVersion {
                throw SimDBError(.incompatibleStore,
                    "\(path): vector store format version \(formatVersion) is older than this simdb reads "
                    + "(version \(expected.formatVersion)); open it with the simdb release that wrote it, "
                    + "or re-add its templates to a new store")
            }
            if dimension != expected.dimension || encoderIdentifier != expected.encoderIdentifier {
                throw SimDBError(.encoderMismatch,
                    "\(path): store holds vectors of encoder \(encoderIdentifier) (\(dimension)-d); "
                    + "refusing \(expected.encoderIdentifier) (\(expected.dimension)-d)")
            }
        }
    }
}
