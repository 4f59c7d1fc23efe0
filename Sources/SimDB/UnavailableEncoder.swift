import SimDBCore

/// Stands in for a store's encoder when it cannot be found (a model file not named this time):
/// the store still lists, counts and audits, and anything that must encode fails with `reason`.
struct UnavailableEncoder: Encoder {
    let identifier: String
    let dimension: Int
    let reason: String
    var input: ImageInputSpec { ImageInputSpec(width: 1, height: 1, channels: 1) }
    var preferredMetric: String { "l2" }
    func defaultThreshold(for metric: String) -> Float? { nil }
    func encode(_ images: [Image]) throws -> EmbeddingBatch {
        throw SimDBError(.notFound, reason)
    }
}
