import Foundation

/// Finds encoders, face detectors and metrics by identifier.
///
/// The command line and the library resolve `--encoder` and `--metric` values here. The shared
/// registry holds the built-in metrics; the `SimDB` module adds simdb's own plugins to it, and a
/// service can register its own before opening a store.
public final class PluginRegistry: @unchecked Sendable {
    /// Builds an encoder; called each time a store opens with that identifier.
    public typealias EncoderFactory = @Sendable () throws -> any Encoder
    /// Builds a face detector; called each time a store or pipeline needs one.
    public typealias DetectorFactory = @Sendable () throws -> any FaceDetector

    /// The registry the command line and ``SimDBCore`` defaults use.
    public static let shared = PluginRegistry()

    private let lock = NSLock()
    private var encoders: [String: EncoderFactory] = [:]
    private var metrics: [String: any DistanceMetric] = [:]
    private var detectors: [String: DetectorFactory] = [:]

    /// Creates a registry holding the built-in metrics `l2`, `cosine` and `ip`.
    public init() {
        for metric: any DistanceMetric in [SquaredL2Metric(), CosineMetric(), InnerProductMetric()] {
            metrics[metric.identifier] = metric
        }
    }

    /// Registers (or replaces) an encoder under its `name/version` identifier.
    /// - Parameters:
    ///   - identifier: `name/version`, for example `pixels/1`.
    ///   - factory: builds the encoder.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the identifier is not `name/version`.
    public func registerEncoder(_ identifier: String, factory: @escaping EncoderFactory) throws {
        try Self.checkIdentifier(identifier, kind: "encoder")
        lock.withLock { encoders[identifier] = factory }
    }

    /// Registers (or replaces) a face detector under its `name/version` identifier.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the identifier is not `name/version`.
    public func registerDetector(_ identifier: String, factory: @escaping DetectorFactory) throws {
        try Self.checkIdentifier(identifier, kind: "detector")
        lock.withLock { detectors[identifier] = factory }
    }

    /// Registers a face detector unless one is already registered under `identifier`.
    /// - Returns: whether it was registered.
    @discardableResult
    public func registerDetectorIfAbsent(_ identifier: String, factory: @escaping DetectorFactory) throws -> Bool {
        guard lock.withLock({ detectors[identifier] == nil }) else { return false }
        try registerDetector(identifier, factory: factory)
        return true
    }

    /// Builds the face detector named `identifier` (exactly: a store records which one framed its vectors).
    /// - Throws: ``SimDBError`` `.notFound` listing what is registered, or what the factory throws
    ///   (a missing cascade file, for instance).
    public func makeDetector(_ identifier: String) throws -> any FaceDetector {
        guard let factory = lock.withLock({ detectors[identifier] }) else {
            throw SimDBError(.notFound,
                "unknown face detector '\(identifier)' (registered: \(detectorIdentifiers.joined(separator: ", ")))")
        }
        return try factory()
    }

    private static func checkIdentifier(_ identifier: String, kind: String) throws {
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SimDBError(.invalidArgument, "\(kind) identifier '\(identifier)' is not of the form name/version")
        }
    }

    /// The metrics every registry holds; they cannot be replaced, since stores persist their meaning.
    public static let builtinMetricIdentifiers: Set<String> = ["l2", "cosine", "ip"]

    /// Registers (or replaces) a user-defined metric under its identifier.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a built-in identifier (`l2`, `cosine`, `ip`).
    public func registerMetric(_ metric: any DistanceMetric) throws {
        guard !Self.builtinMetricIdentifiers.contains(metric.identifier) else {
            throw SimDBError(.invalidArgument, "metric '\(metric.identifier)' is built in and cannot be replaced")
        }
        lock.withLock { metrics[metric.identifier] = metric }
    }

    /// Registers an encoder unless one is already registered under `identifier`.
    /// - Returns: whether it was registered.
    /// - Throws: as ``registerEncoder(_:factory:)``.
    @discardableResult
    public func registerEncoderIfAbsent(_ identifier: String, factory: @escaping EncoderFactory) throws -> Bool {
        guard lock.withLock({ encoders[identifier] == nil }) else { return false }
        try registerEncoder(identifier, factory: factory)
        return true
    }

    /// Builds the encoder named `identifier`.
    ///
    /// A bare name (`pixels`) picks the highest registered version of that name.
    /// - Throws: ``SimDBError`` `.notFound` listing what is registered, or what the factory throws.
    public func makeEncoder(_ identifier: String) throws -> any Encoder {
        let factory: EncoderFactory? = lock.withLock {
            if let exact = encoders[identifier] { return exact }
            let prefix = identifier + "/"
            let versions = encoders.keys.filter { $0.hasPrefix(prefix) }
            let latest = versions.max { a, b in
                let va = Int(a.dropFirst(prefix.count)) ?? 0, vb = Int(b.dropFirst(prefix.count)) ?? 0
                return va != vb ? va < vb : a < b
            }
            return latest.flatMap { encoders[$0] }
        }
        guard let factory else {
            throw SimDBError(.notFound,
                "unknown encoder '\(identifier)' (registered: \(encoderIdentifiers.joined(separator: ", ")))")
        }
        return try factory()
    }

    /// The metric named `identifier`.
    /// - Throws: ``SimDBError`` `.notFound` listing what is registered.
    public func metric(_ identifier: String) throws -> any DistanceMetric {
        guard let metric = lock.withLock({ metrics[identifier] }) else {
            throw SimDBError(.notFound,
                "unknown metric '\(identifier)' (registered: \(metricIdentifiers.joined(separator: ", ")))")
        }
        return metric
    }

    /// Registered encoder identifiers, sorted.
    public var encoderIdentifiers: [String] { lock.withLock { encoders.keys.sorted() } }
    /// Registered face detector identifiers, sorted.
    public var detectorIdentifiers: [String] { lock.withLock { detectors.keys.sorted() } }
    /// Registered metric identifiers, sorted.
    public var metricIdentifiers: [String] { lock.withLock { metrics.keys.sorted() } }
}
