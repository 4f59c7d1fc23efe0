import Foundation
import Logging
import PixelsEncoder
import SimDBCatalog
import SimDBCore
import SimDBImageIO
import SimDBIndex
import SimDBStorage

/// An open simdb store: the library's entry point.
///
/// A store is a directory holding `catalog.sqlite` (people, templates, audit log) and
/// `vectors.mdb` (the embeddings, in LMDB). It is created on first open with an encoder and a
/// metric, which it then enforces. Every operation appends an audit row.
///
/// ```swift
/// let store = try Store(path: "faces")
/// try store.add([.file("alice-1.png"), .file("alice-2.png")], to: "alice")
/// let answer = try store.query(.file("probe.png"), k: 5)
/// print(answer.decision.id ?? "unknown")
/// ```
///
/// A `Store` is `Sendable`: many threads may query one instance at once. Writes from any number
/// of threads and processes are serialised by the store's writer lock.
public final class Store: Sendable {
    /// The encoder new stores use when none is given.
    public static let defaultEncoder = DefaultModel.identifier
    /// The file names inside a store directory.
    public static let catalogFileName = "catalog.sqlite"
    /// The LMDB file holding the vectors.
    public static let vectorsFileName = "vectors.mdb"
    /// The writer lock file.
    public static let lockFileName = "writer.lock"
    /// The lock file every open store shares and compaction takes alone.
    public static let accessLockFileName = "access.lock"

    /// How to open a store.
    public struct Options: Sendable {
        /// The encoder: required to match an existing store; used to create a new one
        /// (``Store/defaultEncoder`` when `nil`). A bare name (`pixels`) means its latest version.
        public var encoder: String?
        /// The metric: required to match an existing store; for a new one, the encoder's preferred
        /// metric when `nil`.
        public var metric: String?
        /// Where encoders and metrics are looked up; simdb's own plugins are added to it.
        public var registry: PluginRegistry
        /// Limits for decoding images.
        public var decoder: ImageDecoder
        /// Who is recorded in the audit log; the operating-system user when `nil`.
        public var actor: String?
        /// Whether to create the store if the directory holds none.
        public var create: Bool
        /// Whether pictures are searched for faces when the store records a detector; `false`
        /// hands the encoder whole pictures (`--no-detect`, for images already cut to a face),
        /// and a store created so records no detector: it frames whole pictures for good.
        public var detect: Bool = true
        /// Where the store reports recoveries (`notice`) and operations (`debug`).
        public var logger: Logger

        /// Creates options; every parameter has a sensible default.
        public init(encoder: String? = nil, metric: String? = nil, registry: PluginRegistry = .shared,
                    decoder: ImageDecoder = ImageDecoder(), actor: String? = nil, create: Bool = true,
                    logger: Logger = Logger(label: "simdb")) {
            self.encoder = encoder
            self.metric = metric
            self.registry = registry
            self.decoder = decoder
            self.actor = actor
            self.create = create
            self.logger = logger
        }
    }

    /// The store directory.
    public let path: String
    /// What the store was created with.
    public let info: StoreInfo
    /// The store's encoder.
    public var encoder: any Encoder { pipeline.encoder }
    /// The store's metric.
    public let metric: any DistanceMetric
    /// Who is recorded in the audit log.
    public let actor: String
    /// The path from image to embedding, with the store's encoder.
    public let pipeline: EmbeddingPipeline
    let catalog: Catalog
    let vectors: VectorStore
    /// The vectors with their index: every vector write goes through it.
    let index: IndexedVectorStore
    let writerLock: WriterLock
    /// Held shared while the store is open (`nil` inside ``compact(path:options:)``, which holds it alone).
    let access: AccessLock?
    let logger: Logger

    /// Opens the store at `path`, creating it if needed, and finishes any write a crash interrupted.
    /// - Parameters:
    ///   - path: the store directory.
    ///   - options: encoder, metric and limits.
    /// - Throws: ``SimDBError``: `.invalidArgument` when `path` is a file or a directory that is not
    ///   a store; `.encoderMismatch` when `options` name another encoder or metric than the store's;
    ///   `.notFound` for an unknown plugin; `.corruptStore`, `.incompatibleStore` or `.storage` when
    ///   the files are damaged, too new or unreadable.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(path: path, options: options, sharedAccess: true)
    }

    /// Opens the store; `sharedAccess` false when the caller holds the access lock exclusively.
    init(path: String, options: Options, sharedAccess: Bool) throws {
        self.path = path
        BuiltinPlugins.install(into: options.registry)
        let requested = try options.encoder.map { try BuiltinPlugins.makeEncoder($0, registry: options.registry) }
        if try Self.needsCreation(path, create: options.create) {
            let encoder = try requested ?? options.registry.makeEncoder(Self.defaultEncoder)
            let metric = try options.registry.metric(options.metric ?? encoder.preferredMetric)
            // An encoder of faces gets the standard detector, and the store records it; created
            // without detection, the store frames whole pictures for good.
            let detector = encoder.input.faceMargin == nil || !options.detect ? nil : BuiltinPlugins.defaultDetector
            try Self.create(path, info: StoreInfo(encoder: encoder.identifier, dimension: encoder.dimension,
                                                  metric: metric.identifier, detector: detector))
        }
        // Waits while a compaction replaces the files.
        access = sharedAccess ? try AccessLock(path: Self.file(path, Self.accessLockFileName), exclusive: false) : nil
        catalog = try Catalog(path: Self.file(path, Self.catalogFileName))
        // A store is published whole with its record, so a catalog without one was damaged.
        guard let existing = try catalog.storeInfo() else {
            // Before creation was atomic, a creation killed early left a catalog with nothing in it.
            let advice = try catalog.templateRowCount() == 0
                ? "it holds no templates: an unfinished creation, which can be deleted" : "restore the store from a backup"
            throw SimDBError(.corruptStore, "\(catalog.path): damaged catalog (its store record is missing); \(advice)")
        }
        info = existing
        // A creation killed between renaming the catalog in and removing its staging directory
        // leaves that (empty) directory inside the store.
        StagedDirectory.removeAbandoned(in: URL(fileURLWithPath: path), prefix: ".partial-")
        if let requested, requested.identifier != info.encoder {
            throw SimDBError(.encoderMismatch,
                "\(path): store uses encoder \(info.encoder) (\(info.dimension)-d); refusing \(requested.identifier) (\(requested.dimension)-d)")
        }
        if let metric = options.metric, metric != info.metric {
            throw SimDBError(.encoderMismatch, "\(path): store uses metric \(info.metric); refusing \(metric)")
        }
        let encoder: any Encoder
        do {
            encoder = try requested ?? options.registry.makeEncoder(info.encoder)
        } catch let error as SimDBError where error.code == .notFound {
            // Listing, counting and auditing need no encoder; encoding says what is missing.
            encoder = UnavailableEncoder(identifier: info.encoder, dimension: info.dimension,
                reason: "\(path): store uses encoder \(info.encoder), which is not built in; pass --encoder with its model file")
        }
        guard encoder.dimension == info.dimension else {
            throw SimDBError(.corruptStore,
                "\(path): store records \(info.dimension)-d vectors but encoder \(info.encoder) makes \(encoder.dimension)-d ones")
        }
        let metric = try options.registry.metric(info.metric)
        self.metric = metric
        let vectorsPath = Self.file(path, Self.vectorsFileName)
        // Stores created before creation was atomic may lack a vector file; one with templates may not.
        if try VectorStore.readHeader(path: vectorsPath) == nil, try catalog.templateRowCount() > 0 {
            throw SimDBError(.corruptStore,
                "\(vectorsPath): missing or empty, but the catalog lists templates; restore the store from a backup")
        }
        vectors = try VectorStore(path: vectorsPath, dimension: info.dimension, encoderIdentifier: info.encoder)
        index = IndexedVectorStore(store: vectors, metric: metric)
        pipeline = EmbeddingPipeline(encoder: encoder, decoder: options.decoder, detector: options.detect
                                     ? info.detector.map { DeferredDetector(identifier: $0, registry: options.registry) } : nil)
        actor = options.actor ?? Self.currentUser()
        writerLock = WriterLock(path: Self.file(path, Self.lockFileName))
        logger = options.logger
        // Finish what a dead writer left; if a writer holds the lock it is alive and owns the
        // intents, so readers do not wait for it (every write recovers first anyway).
        if try catalog.hasIncompleteIntents() {
            _ = try writerLock.withLockIfAvailable { try recover() }
        }
    }

    /// The threshold used when a query or verification gives none.
    public var defaultThreshold: Float? { encoder.defaultThreshold(for: metric.identifier) }

    static func file(_ directory: String, _ name: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }

    /// Whether `path` holds no store yet and one should be created; throws when it holds
    /// something else, or nothing and `create` is false. What a creation killed inside an
    /// existing directory leaves (its staging directory, a vector file with no catalog beside
    /// it, lock files) does not count as something else.
    private static func needsCreation(_ path: String, create: Bool) throws -> Bool {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SimDBError(.invalidArgument, "\(path): exists and is not a directory, so it cannot be a store")
            }
            if manager.fileExists(atPath: file(path, catalogFileName)) { return false }
            let contents = (try? manager.contentsOfDirectory(atPath: path)) ?? []
            if !contents.allSatisfy(isCreationLeftover) {
                throw SimDBError(.invalidArgument, "\(path): directory is not empty and holds no simdb store")
            }
        }
        guard create else { throw SimDBError(.notFound, "\(path): no simdb store here") }
        return true
    }

    private static func isCreationLeftover(_ name: String) -> Bool {
        name.hasPrefix(".partial-")
            || [vectorsFileName, vectorsFileName + "-lock", lockFileName, accessLockFileName].contains(name)
    }

    /// Creates a store at `path` so that a crash leaves no store or a whole one: its catalog (with
    /// `info`) and vector file are built privately, flushed, and renamed into place.
    ///
    /// A new directory is built beside `path` and renamed to it. In an existing empty directory
    /// (perhaps a mount point, or the working directory, which must stay), the files are built
    /// in it and renamed into place under the access lock, the catalog last: its presence is what
    /// makes the directory a store. When another process creates the store first, it is used.
    private static func create(_ path: String, info: StoreInfo) throws {
        let directory = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path) else {
            let staged = try StagedDirectory(beside: directory)
            try build(in: staged, info: info)
            if try !staged.publish(replacingEmptyDirectory: true) {
                _ = try needsCreation(path, create: false)  // refuses what is not a store
            }
            return
        }
        let creating = try AccessLock(path: file(path, accessLockFileName), exclusive: true)
        try withExtendedLifetime(creating) {
            guard try needsCreation(path, create: true) else { return }  // created while we waited
            for leftover in [vectorsFileName, vectorsFileName + "-lock"] { unlink(file(path, leftover)) }
            let staged = try StagedDirectory(inside: directory)
            try build(in: staged, info: info)
            try staged.moveIntoPlace([vectorsFileName, catalogFileName])
        }
    }

    /// Writes a new store's catalog and vector file into `staged`, and closes them.
    private static func build(in staged: StagedDirectory, info: StoreInfo) throws {
        _ = try Catalog(path: staged.file(catalogFileName)).initialize(info)
        _ = try VectorStore(path: staged.file(vectorsFileName), dimension: info.dimension,
                            encoderIdentifier: info.encoder)
    }

    /// The operating-system user: the account name of the effective user id, else `$USER`,
    /// else `uid:N`.
    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            let account = String(cString: name)
            if !account.isEmpty { return account }
        }
        if let name = ProcessInfo.processInfo.environment["USER"], !name.isEmpty { return name }
        return "uid:\(geteuid())"
    }
}
