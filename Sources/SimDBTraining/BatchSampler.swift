import SimDBCore

/// Draws P×K batches: P identities, K images of each, so every anchor has positives and
/// negatives in its own batch (the batch layout online triplet mining needs).
///
/// An epoch visits every identity that has at least two images once, in a seeded random order,
/// P at a time. An identity with fewer than K images contributes all of them and repeats some
/// (augmentation makes the repeats differ).
public struct BatchSampler: Sendable {
    /// Identities per batch.
    public let identities: Int
    /// Images per identity.
    public let imagesPerIdentity: Int
    /// The images of each eligible identity, as indices into the training set.
    private let groups: [[Int]]

    /// Creates a sampler.
    /// - Parameters:
    ///   - labels: the identity of each training image.
    ///   - identities: P, at least 2.
    ///   - imagesPerIdentity: K, at least 2.
    /// - Throws: ``SimDBError`` `.invalidArgument` when fewer than P identities have two images.
    public init(labels: [Int], identities: Int, imagesPerIdentity: Int) throws {
        guard identities >= 2, imagesPerIdentity >= 2 else {
            throw SimDBError(.invalidArgument, "a batch needs at least 2 identities × 2 images, got \(identities)x\(imagesPerIdentity)")
        }
        var byLabel: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byLabel[label, default: []].append(index) }
        groups = byLabel.keys.sorted().compactMap { byLabel[$0] }.filter { $0.count >= 2 }
        guard groups.count >= identities else {
            throw SimDBError(.invalidArgument,
                "only \(groups.count) identities have two or more images; a batch needs \(identities)")
        }
        self.identities = identities
        self.imagesPerIdentity = imagesPerIdentity
    }

    /// Identities with at least two images.
    public var eligibleIdentities: Int { groups.count }

    /// Full batches per epoch.
    public var batchesPerEpoch: Int { groups.count / identities }

    /// One epoch of batches, each `P·K` training-image indices, identity by identity.
    public func epoch(using generator: inout some RandomNumberGenerator) -> [[Int]] {
        let order = Array(0..<groups.count).shuffled(using: &generator)
        return (0..<batchesPerEpoch).map { batch in
            order[batch * identities ..< (batch + 1) * identities].flatMap { group in
                pick(from: groups[group], using: &generator)
            }
        }
    }

    private func pick(from images: [Int], using generator: inout some RandomNumberGenerator) -> [Int] {
        let shuffled = images.shuffled(using: &generator)
        if shuffled.count >= imagesPerIdentity { return Array(shuffled.prefix(imagesPerIdentity)) }
        var picked = shuffled
        while picked.count < imagesPerIdentity {
            picked.append(shuffled[Int.random(in: 0..<shuffled.count, using: &generator)])
        }
        return picked
    }
}
