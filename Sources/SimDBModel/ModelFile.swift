import Foundation
import SimDBCore
import SimDBNN

/// A trained encoder on disk: what it is, how it was made, and its weights.
///
/// Layout, all integers little-endian (docs/model-format.md):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic, ASCII `SIMDBMDL` |
/// | 8 | 4 | format version (1) |
/// | 12 | 4 | header length `h` |
/// | 16 | `h` | header: UTF-8 JSON (``ModelHeader``), zero-padded to a multiple of 4 |
/// | … | 4·n or 2·n | the state tensors' values in ``Network/stateNames`` order, float32 or float16 |
/// | end − 4 | 4 | CRC-32 of every byte before it |
///
/// Loading reads the file once, checks magic, version, sizes and checksum, and copies the
/// weights in bulk; nothing is parsed per weight.
public enum ModelFile {
    /// `SIMDBMDL` read as a little-endian integer.
    public static let magic: UInt64 = 0x4C44_4D42_444D_4953
    /// The format version this build writes and reads.
    public static let formatVersion: UInt32 = 1
    /// Files larger than this are refused before they are read.
    public static let maximumSize = 512 << 20

    /// How weights are stored.
    public enum Storage: String, Codable, Sendable {
        case float32
        case float16
    }

    /// Writes `network` with `header` (its `tensors` and `architecture` are filled in here).
    /// - Throws: ``SimDBError`` `.storage` when the file cannot be written.
    public static func write(_ network: Network, header: ModelHeader, to path: String) throws {
        var header = header
        header.architecture = network.architecture
        header.tensors = zip(network.stateNames, network.state).map { TensorInfo(name: $0, shape: $1.shape) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var json = Array(try encoder.encode(header))
        while json.count % 4 != 0 { json.append(0) }
        var bytes: [UInt8] = []
        func append<I: FixedWidthInteger>(_ value: I) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(magic)
        append(formatVersion)
        append(UInt32(json.count))
        bytes += json
        for tensor in network.state {
            for value in tensor.scalars {
                switch header.storage {
                case .float32: append(value.bitPattern)
                case .float16: append(Float16(value).bitPattern)
                }
            }
        }
        let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
        append(crc)
        try AtomicFile.write(bytes, to: path)
    }

    /// Reads a model file and builds its network.
    /// - Throws: ``SimDBError`` `.corruptStore` for a damaged or truncated file (wrong magic,
    ///   impossible sizes, checksum mismatch, header that does not describe the weights),
    ///   `.incompatibleStore` for another format version, `.badImage`-free `.notFound` when the
    ///   file is missing.
    public static func read(from path: String) throws -> (network: Network, header: ModelHeader) {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumSize {
                throw SimDBError(.corruptStore, "\(path): \(size) bytes is too large for a model file")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as SimDBError {
            throw error
        } catch {
            throw SimDBError(.notFound, "\(path): cannot read the model file")
        }
        return try data.withUnsafeBytes { raw in try read(bytes: raw, name: path) }
    }

    /// Builds a network from a model file's bytes already in memory (for example linked into the
    /// binary), with the same checks as ``read(from:)``.
    /// - Parameters:
    ///   - raw: the whole file.
    ///   - name: what error messages call it.
    /// - Throws: ``SimDBError`` as ``read(from:)``.
    public static func read(bytes raw: UnsafeRawBufferPointer, name path: String) throws -> (network: Network, header: ModelHeader) {
        func damaged(_ why: String) -> SimDBError { SimDBError(.corruptStore, "\(path): damaged model file (\(why))") }
        guard raw.count >= 8, UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) == magic else {
            throw SimDBError(.corruptStore, "\(path): not a simdb model file (bad magic)")
        }
        guard raw.count >= 20 else {
            throw damaged("truncated to \(raw.count) bytes")
        }
        let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == formatVersion else {
            throw SimDBError(.incompatibleStore,
                "\(path): model format \(version); this simdb reads format \(formatVersion) (retrain or use a matching simdb)")
        }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 4, as: UInt32.self))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 4)])) == stored else {
            throw damaged("checksum mismatch")
        }
        let headerLength = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard headerLength <= raw.count - 20 else { throw damaged("header longer than the file") }
        let json = Data(UnsafeRawBufferPointer(rebasing: raw[16..<(16 + headerLength)]).prefix { $0 != 0 })
        let header: ModelHeader
        do {
            header = try JSONDecoder().decode(ModelHeader.self, from: json)
        } catch {
            throw damaged("unreadable header")
        }
        guard let architecture = header.architecture else { throw damaged("no architecture") }
        let network: Network
        do { network = try architecture.buildForLoading() } catch { throw damaged("\(error)") }
        let expected = zip(network.stateNames, network.state).map { TensorInfo(name: $0, shape: $1.shape) }
        guard header.tensors == expected else { throw damaged("tensors do not match the architecture") }
        let width = header.storage == .float32 ? 4 : 2
        let count = expected.reduce(0) { $0 + $1.shape.reduce(1, *) }
        var offset = 16 + headerLength
        guard raw.count - 4 - offset == count * width else { throw damaged("weights are \(raw.count - 4 - offset) bytes, expected \(count * width)") }
        var tensors: [Tensor] = []
        for info in expected {
            let n = info.shape.reduce(1, *)
            let base = offset
            tensors.append(Tensor(shape: info.shape) { out in
                if header.storage == .float32 && isLittleEndianHost {
                    // The file's layout is the host's: one bulk copy.
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[base..<(base + 4 * n)]))
                    return
                }
                for i in 0..<n {
                    switch header.storage {
                    case .float32:
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                    case .float16:
                        out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))))
                    }
                }
            })
            offset += n * width
        }
        try network.setState(tensors)
        return (network, header)
    }
}

/// Whether this machine stores numbers little-endian, as model files do.
private let isLittleEndianHost = 1.littleEndian == 1

/// A stored tensor's name and shape.
public struct TensorInfo: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int]
}

/// What a model file says about itself.
public struct ModelHeader: Codable, Equatable, Sendable {
    /// The encoder identifier, `name/version` (for example `siamese-cnn/1`).
    public var encoder: String
    /// Calibrated decision thresholds by metric identifier.
    public var thresholds: [String: Float]
    /// The metric the thresholds were calibrated for first, and new stores use by default.
    public var preferredMetric: String
    /// Whether the encoder embeds each image together with its mirror image
    /// (``Network/embed(_:mirrorAverage:)``); absent means no.
    public var mirrorAverage: Bool?
    /// Thresholds by metric that decided the most validation pairs correctly with genuine and
    /// impostor pairs weighing the same (``SimDBCore/Encoder/balancedThreshold(for:)``).
    public var balancedThresholds: [String: Float]?
    /// How the weights are stored.
    public var storage: ModelFile.Storage
    /// Free-form notes on how the model was made (data, command, epochs, figures).
    public var training: [String: String]
    /// Filled in when written: the design and the stored tensors.
    public var architecture: Architecture?
    public var tensors: [TensorInfo]

    /// Creates a header.
    public init(encoder: String, thresholds: [String: Float] = [:], preferredMetric: String = "l2",
                storage: ModelFile.Storage = .float32, training: [String: String] = [:]) {
        self.encoder = encoder
        self.thresholds = thresholds
        self.preferredMetric = preferredMetric
        self.storage = storage
        self.training = training
        self.architecture = nil
        self.tensors = []
    }
}
