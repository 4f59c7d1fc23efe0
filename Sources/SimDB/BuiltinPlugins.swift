import Foundation
import HaarCascadeDetector
import PixelsEncoder
import SiameseEncoder
import SimDBCore

/// simdb's own plugins, added to a registry when a store opens.
public enum BuiltinPlugins {
    /// The encoder identifiers simdb ships.
    public static let encoders = [DefaultModel.identifier, PixelsEncoder.identifier]
    /// The face detector new stores of face encoders use: OpenCV's frontal face cascade with
    /// the eye cascade, from Debian's `opencv-data` package.
    public static let defaultDetector = HaarFaceDetector.standardIdentifier

    /// The standard cascade detector, read once per process on first use; the older standard
    /// set-ups, which stores created before it record, share its cascades.
    private static let haarDetector = Result { try HaarFaceDetector() }

    /// Registers simdb's encoders and face detectors in `registry` (the metrics are already built in), leaving any
    /// registration the caller made under the same identifier in place. Idempotent.
    public static func install(into registry: PluginRegistry) {
        // The identifier is a compile-time constant of the form name/version, so this cannot fail.
        _ = try? registry.registerEncoderIfAbsent(PixelsEncoder.identifier) { PixelsEncoder() }
        _ = try? registry.registerEncoderIfAbsent(DefaultModel.identifier) { try DefaultModel.shared.get() }
        for identifier in HaarFaceDetector.standardIdentifiers {
            _ = try? registry.registerDetectorIfAbsent(identifier) {
                guard let setUp = try haarDetector.get().standardSetUp(identifier) else {
                    throw SimDBError(.internal, "\(identifier) is not a standard cascade set-up")
                }
                return setUp
            }
        }
    }
}

extension BuiltinPlugins {
    /// Resolves what a user names as an encoder: a registered identifier (`pixels/1`), a bare
    /// name (its latest version), or the path of a model file written by `simdb train`. A model
    /// file's encoder is registered under its identifier, so a store it creates reopens in this
    /// process without the path.
    /// - Throws: ``SimDBError`` `.notFound` when it is none of these, or what loading throws.
    public static func makeEncoder(_ name: String, registry: PluginRegistry) throws -> any Encoder {
        install(into: registry)
        if registry.encoderIdentifiers.contains(name) { return try registry.makeEncoder(name) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), !isDirectory.boolValue {
            let encoder = try SiameseEncoder(contentsOf: name)
            try registry.registerEncoder(encoder.identifier) { encoder }
            return encoder
        }
        return try registry.makeEncoder(name)
    }
}
