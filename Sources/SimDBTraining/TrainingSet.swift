import Foundation
import SimDBCore
import SimDBImageIO

/// Labelled training images, decoded once and kept in memory at the augmentation source size.
public struct TrainingSet: Sendable {
    /// The network input every image is prepared for.
    public let input: ImageInputSpec
    /// The prepared images: ``Augmentation/sourceMargin`` times the input size.
    public let sources: [Image]
    /// The identity of each image, an index into ``identityNames``.
    public let labels: [Int]
    /// Identity names, made unique across folders (`folder:name` when several folders are given).
    public let identityNames: [String]

    /// The source size for `input`: slightly larger, so augmentation finds real pixels.
    public static func sourceSize(for input: ImageInputSpec) -> (width: Int, height: Int) {
        (Int((Float(input.width) * Augmentation.sourceMargin).rounded()),
         Int((Float(input.height) * Augmentation.sourceMargin).rounded()))
    }

    /// Creates a set from prepared images.
    public init(input: ImageInputSpec, sources: [Image], labels: [Int], identityNames: [String]) {
        precondition(sources.count == labels.count, "one label per image")
        self.input = input
        self.sources = sources
        self.labels = labels
        self.identityNames = identityNames
    }

    /// Reads every image of the identity folders `images`, identity by identity.
    /// - Parameters:
    ///   - identities: per identity, its name and image paths.
    ///   - input: the network input to prepare for.
    ///   - decoder: decoding limits.
    ///   - detector: for an encoder of faces (`input.faceMargin` set), finds the face to cut
    ///     from each picture, the largest as the embedding pipeline picks it; a picture without
    ///     one is fitted whole.
    ///   - progress: called after each identity with (done, total).
    /// - Throws: ``SimDBError`` naming the first unreadable image.
    public static func load(identities: [(name: String, files: [String])], input: ImageInputSpec,
                            decoder: ImageDecoder = ImageDecoder(), detector: (any FaceDetector)? = nil,
                            progress: ((Int, Int) -> Void)? = nil) throws -> TrainingSet {
        let size = sourceSize(for: input)
        // The source covers sourceMargin times the input's region, so the augmentation's plain
        // centre sample sees exactly what inference sees.
        let sourceSpec = ImageInputSpec(width: size.width, height: size.height, channels: input.channels,
                                        fit: input.fit, crop: input.crop * Augmentation.sourceMargin)
        // A face's square is (1 + 2 × margin) box widths; the source's is sourceMargin times that.
        let faceSpec = input.faceMargin.map { sourceSpec.withFaceMargin(((1 + 2 * $0) * Augmentation.sourceMargin - 1) / 2) }
        var sources: [Image] = [], labels: [Int] = []
        for (label, identity) in identities.enumerated() {
            for file in identity.files {
                let image = try decoder.decode(contentsOf: URL(fileURLWithPath: file))
                if let faceSpec, let found = try detector?.facesLargestFirst(in: image).first {
                    sources.append(image.preparedFace(found, for: faceSpec))
                } else {
                    sources.append(image.prepared(for: sourceSpec))
                }
                labels.append(label)
            }
            progress?(label + 1, identities.count)
        }
        return TrainingSet(input: input, sources: sources, labels: labels, identityNames: identities.map(\.name))
    }

    /// Splits off a seeded fraction of the identities (never of the images) for validation.
    /// - Returns: training and validation sets whose identities are disjoint.
    public func split(validationFraction: Double, seed: UInt64) -> (train: TrainingSet, validation: TrainingSet) {
        var rng = SplitMix64(seed: seed)
        let order = Array(identityNames.indices).shuffled(using: &rng)
        let held = Set(order.prefix(Int((Double(identityNames.count) * validationFraction).rounded())))
        return (subset { !held.contains($0) }, subset { held.contains($0) })
    }

    private func subset(_ keep: (Int) -> Bool) -> TrainingSet {
        let kept = identityNames.indices.filter(keep)
        let relabel = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        let rows = labels.indices.filter { relabel[labels[$0]] != nil }
        return TrainingSet(input: input, sources: rows.map { sources[$0] }, labels: rows.compactMap { relabel[labels[$0]] },
                           identityNames: kept.map { identityNames[$0] })
    }
}
