import Foundation
import SimDBCore
import SimDBEvaluation
import SimDBModel
import SimDBNN

/// What to train with.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The loss: `triplet` or `contrastive`.
    public enum LossKind: String, Codable, Sendable, CaseIterable {
        case triplet
        case contrastive
    }

    public var loss: LossKind = .triplet
    /// α for triplet (squared distance), m for contrastive (distance).
    public var margin: Float = 0.2
    /// Triplet mining after the warm-up epochs.
    public var mining: String = TripletLoss.Mining.semiHard.rawValue
    public var epochs = 30
    /// P identities × K images per batch.
    public var identitiesPerBatch = 10
    public var imagesPerIdentity = 5
    /// Peak learning rate, reached after one epoch of linear warm-up, then cosine decay.
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-4
    /// Epochs of semi-hard mining before hard mining starts (only with hard mining).
    public var warmupEpochs = 2
    public var seed: UInt64 = 1
    public var augment = true
    /// The largest zoom of the augmentation (``Augmentation/maximumScale``); `nil` for its default.
    /// A wide range teaches the network faces framed tighter or looser than the training sets'.
    public var maximumZoom: Float?
    /// Validation (and so calibration) embeds each image with its mirror image, as the written
    /// model will (``ModelHeader/mirrorAverage``); `nil` means no.
    public var mirrorAverage: Bool?

    public init() {}
}

/// One epoch's summary.
public struct EpochReport: Sendable {
    public var epoch: Int
    public var meanLoss: Float
    /// Mean fraction of triplets or pairs with a non-zero loss.
    public var activeFraction: Float
    /// Validation equal-error rate, when a validation set is given.
    public var validationEER: Float?
    /// Batches found collapsed (every embedding on one point).
    public var collapsedBatches: Int
    /// Mining used (triplet loss).
    public var mining: String
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// Trains a network with a metric-learning loss on P×K batches: forward, loss, backward, AdamW.
public final class Trainer {
    public let network: Network
    public let configuration: TrainingConfiguration
    public let optimizer: Adam
    private let train: TrainingSet
    private let validation: TrainingSet?
    private let sampler: BatchSampler
    /// Epochs completed, including those of a resumed run.
    public private(set) var completedEpochs = 0
    private var switchedToSemiHard = false

    /// Creates a trainer.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the data cannot fill a batch or the
    ///   network does not take the data's input.
    public init(network: Network, configuration: TrainingConfiguration, train: TrainingSet, validation: TrainingSet?) throws {
        guard network.architecture.input == train.input else {
            throw SimDBError(.invalidArgument, "training images are prepared for \(train.input), the network takes \(network.architecture.input)")
        }
        self.network = network
        self.configuration = configuration
        self.train = train
        self.validation = validation
        sampler = try BatchSampler(labels: train.labels, identities: configuration.identitiesPerBatch,
                                   imagesPerIdentity: configuration.imagesPerIdentity)
        // One epoch of warm-up, shorter when the whole run is one epoch.
        let totalSteps = max(sampler.batchesPerEpoch * configuration.epochs, 2)
        let warmupSteps = min(sampler.batchesPerEpoch, totalSteps - 1)
        optimizer = Adam(parameters: network.parameters,
                         schedule: .warmupCosine(peak: configuration.learningRate, warmupSteps: warmupSteps,
                                                 totalSteps: totalSteps,
                                                 floor: configuration.learningRate / 100),
                         weightDecay: configuration.weightDecay)
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { sampler.batchesPerEpoch }

    /// Continues from a checkpoint's epoch count and optimiser state.
    public func restore(completedEpochs: Int, optimizerState: OptimizerState) throws {
        guard optimizerState.first.count == optimizer.firstMoments.count,
              zip(optimizerState.first, optimizer.firstMoments).allSatisfy({ $0.shape == $1.shape }) else {
            throw SimDBError(.invalidArgument, "checkpoint optimiser state does not match the network")
        }
        self.completedEpochs = completedEpochs
        optimizer.step = optimizerState.step
        optimizer.firstMoments = optimizerState.first
        optimizer.secondMoments = optimizerState.second
    }

    /// The optimiser's state, for checkpoints.
    public var optimizerState: OptimizerState {
        OptimizerState(step: optimizer.step, first: optimizer.firstMoments, second: optimizer.secondMoments)
    }

    /// The loss for `epoch` (0-based): hard mining waits for the warm-up and gives way to
    /// semi-hard for good once a batch is seen collapsed.
    func loss(epoch: Int) -> (any EmbeddingLoss, String) {
        switch configuration.loss {
        case .contrastive:
            return (ContrastiveLoss(margin: configuration.margin), "pairs")
        case .triplet:
            var mining = TripletLoss.Mining(rawValue: configuration.mining) ?? .semiHard
            if mining == .hard && (epoch < configuration.warmupEpochs || switchedToSemiHard) { mining = .semiHard }
            return (TripletLoss(margin: configuration.margin, mining: mining), mining.rawValue)
        }
    }

    /// Trains one epoch.
    /// - Parameter progress: called after each batch with (batch, batches, running mean loss).
    public func runEpoch(progress: ((Int, Int, Float) -> Void)? = nil) -> EpochReport {
        let epoch = completedEpochs
        var rng = SplitMix64(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        let batches = sampler.epoch(using: &rng)
        let (loss, mining) = loss(epoch: epoch)
        let augmentation = configuration.augment
            ? Augmentation(maximumScale: configuration.maximumZoom ?? Augmentation().maximumScale) : .none
        let start = Date()
        var totalLoss: Float = 0, totalActive: Float = 0, collapsed = 0
        for (index, batch) in batches.enumerated() {
            let input = Self.views(of: batch, in: train, augmentation: augmentation, using: &rng)
            network.body.zeroGradients()
            let embeddings = network.body.forward(input, training: true)
            let result = loss.evaluate(embeddings: embeddings.scalars, labels: batch.map { train.labels[$0] },
                                       dimension: network.embeddingDimension)
            _ = network.body.backward(Tensor(shape: embeddings.shape, scalars: result.gradient))
            optimizer.update()
            totalLoss += result.loss
            totalActive += result.statistics.activeFraction
            if result.statistics.isCollapsed {
                collapsed += 1
                switchedToSemiHard = true
            }
            progress?(index + 1, batches.count, totalLoss / Float(index + 1))
        }
        completedEpochs += 1
        let seconds = Date().timeIntervalSince(start)
        let count = Float(max(batches.count, 1))
        return EpochReport(epoch: epoch + 1, meanLoss: totalLoss / count, activeFraction: totalActive / count,
                           validationEER: validationEER(), collapsedBatches: collapsed, mining: mining, seconds: seconds,
                           imagesPerSecond: Double(batches.count * sampler.identities * sampler.imagesPerIdentity) / max(seconds, 1e-9))
    }

    /// Embeds a set without augmentation (the centre view), in inference mode.
    public func embed(_ set: TrainingSet) -> [[Float]] {
        var rng = SplitMix64(seed: 0)
        var result: [[Float]] = []
        for start in stride(from: 0, to: set.sources.count, by: 64) {
            let rows = start..<min(start + 64, set.sources.count)
            let input = Self.views(of: Array(rows), in: set, augmentation: .none, using: &rng)
            let embeddings = network.embed(input, mirrorAverage: configuration.mirrorAverage ?? false)
            for row in 0..<rows.count {
                result.append(Array(embeddings.scalars[(row * network.embeddingDimension)..<((row + 1) * network.embeddingDimension)]))
            }
        }
        return result
    }

    /// Validation pairs: every genuine pair and up to 200,000 impostor pairs (a seeded sample
    /// beyond), scored by squared L2; `nil` without a validation set of two identities or more.
    public func validationVerification() -> Verification? {
        guard let validation, Set(validation.labels).count >= 2 else { return nil }
        let vectors = embed(validation)
        let metric = SquaredL2Metric()
        let pairs = PairSampling.pairs(labels: validation.labels, maximumImpostors: 200_000, seed: 99).map { a, b in
            ScoredPair(score: metric.distance(vectors[a], vectors[b]), genuine: validation.labels[a] == validation.labels[b])
        }
        guard pairs.contains(where: \.genuine), pairs.contains(where: { !$0.genuine }) else { return nil }
        return Verification(pairs)
    }

    /// One network input batch: a view of each listed image, `N × C × H × W`.
    static func views(of images: [Int], in set: TrainingSet, augmentation: Augmentation,
                      using generator: inout SplitMix64) -> Tensor {
        let spec = set.input, viewSize = spec.channels * spec.width * spec.height
        return Tensor(shape: [images.count, spec.channels, spec.height, spec.width]) { out in
            for (row, image) in images.enumerated() {
                augmentation.sample(set.sources[image], width: spec.width, height: spec.height,
                                    into: UnsafeMutableBufferPointer(rebasing: out[(row * viewSize)..<((row + 1) * viewSize)]),
                                    using: &generator)
            }
        }
    }

    private func validationEER() -> Float? {
        validationVerification()?.equalErrorRate.rate
    }
}

/// Adam's state, saved in checkpoints so a resumed run continues exactly.
public struct OptimizerState {
    public var step: Int
    public var first: [Tensor]
    public var second: [Tensor]
}
