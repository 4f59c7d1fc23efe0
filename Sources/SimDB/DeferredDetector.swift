import Foundation
import SimDBCore

/// A store's face detector, built from the registry the first time a picture must be searched:
/// opening a store for `list`, `info` or `audit` reads no cascade file, and one that cannot be
/// built (its cascade file is missing) fails only what must find a face, with the error that
/// building it threw.
final class DeferredDetector: FaceDetector, @unchecked Sendable {
    let identifier: String
    private let registry: PluginRegistry
    private let lock = NSLock()
    private var built: Result<any FaceDetector, any Error>?

    init(identifier: String, registry: PluginRegistry) {
        self.identifier = identifier
        self.registry = registry
    }

    func detectFaces(in image: Image) throws -> [DetectedFace] {
        let detector = lock.withLock {
            if let built { return built }
            let result = Result { try registry.makeDetector(identifier) }
            built = result
            return result
        }
        return try detector.get().detectFaces(in: image)
    }
}
