import SimDBCore

/// Closed-set identification accuracy: each probe is given the identity of its nearest gallery
/// embedding.
public enum Identification {
    /// The fraction of probes whose nearest gallery embedding has the probe's label.
    /// - Parameters:
    ///   - gallery: enrolled embeddings with their labels (one or more per identity).
    ///   - probes: embeddings to identify, with their true labels.
    ///   - metric: the comparison.
    /// - Returns: rank-1 accuracy in `0...1`; 0 when there are no probes.
    public static func rankOneAccuracy<Label: Hashable>(
        gallery: [(label: Label, vector: [Float])], probes: [(label: Label, vector: [Float])],
        metric: some DistanceMetric
    ) -> Float {
        guard !probes.isEmpty, !gallery.isEmpty else { return 0 }
        var correct = 0
        for probe in probes {
            var best: (value: Float, label: Label)?
            for entry in gallery {
                let value = metric.distance(probe.vector, entry.vector)
                if best.map({ metric.direction.isCloser(value, than: $0.value) }) ?? true { best = (value, entry.label) }
            }
            if best?.label == probe.label { correct += 1 }
        }
        return Float(correct) / Float(probes.count)
    }
}
