import PixelsEncoder
import SimDBCore

/// simdb's own plugins, added to a registry when a store opens.
public enum BuiltinPlugins {
    /// The encoder identifiers simdb ships.
    public static let encoders = [PixelsEncoder.identifier]

    /// Registers simdb's encoders in `registry` (the metrics are already built in), leaving any
    /// registration the caller made under the same identifier in place. Idempotent.
    public static func install(into registry: PluginRegistry) {
        // The identifier is a compile-time constant of the form name/version, so this cannot fail.
        _ = try? registry.registerEncoderIfAbsent(PixelsEncoder.identifier) { PixelsEncoder() }
    }
}
