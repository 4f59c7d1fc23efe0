import SimDBCore
import SimDBNN

/// A built network: its architecture, its layers, and every tensor a model file stores.
public final class Network {
    /// The design it was built from.
    public let architecture: Architecture
    /// The layers.
    public let body: Sequential
    /// The length of the embeddings it produces.
    public let embeddingDimension: Int

    init(architecture: Architecture, body: Sequential, embeddingDimension: Int) {
        self.architecture = architecture
        self.body = body
        self.embeddingDimension = embeddingDimension
    }

    /// The learnable parameters, in a stable order.
    public var parameters: [Parameter] { body.parameters }

    /// Every tensor that defines the network's behaviour, named `layerIndex.name`: parameters,
    /// then batch-normalisation running statistics. A model file stores exactly these.
    public var stateNames: [String] {
        var names: [String] = []
        for (index, layer) in body.layers.enumerated() {
            names += layer.parameters.map { "\(index).\($0.name)" }
            if layer is BatchNorm { names += ["\(index).running_mean", "\(index).running_variance"] }
        }
        return names
    }

    /// The state tensors, in the order of ``stateNames``.
    public var state: [Tensor] {
        var tensors: [Tensor] = []
        for layer in body.layers {
            tensors += layer.parameters.map(\.value)
            if let norm = layer as? BatchNorm { tensors += [norm.runningMean, norm.runningVariance] }
        }
        return tensors
    }

    /// Replaces the state tensors.
    /// - Throws: ``SimDBError`` `.corruptStore`-free `.invalidArgument` when counts or shapes differ.
    public func setState(_ tensors: [Tensor]) throws {
        var remaining = tensors[...]
        func take(_ expected: [Int], _ name: String) throws -> Tensor {
            guard let next = remaining.popFirst(), next.shape == expected else {
                throw SimDBError(.invalidArgument, "model state does not match the architecture at \(name)")
            }
            return next
        }
        for (index, layer) in body.layers.enumerated() {
            for parameter in layer.parameters {
                parameter.value = try take(parameter.value.shape, "\(index).\(parameter.name)")
            }
            if let norm = layer as? BatchNorm {
                norm.runningMean = try take(norm.runningMean.shape, "\(index).running_mean")
                norm.runningVariance = try take(norm.runningVariance.shape, "\(index).running_variance")
            }
        }
        guard remaining.isEmpty else { throw SimDBError(.invalidArgument, "model state has more tensors than the architecture") }
    }

    /// Embeds a batch of network inputs (`N × C × H × W`, samples in 0…1), inference mode.
    /// - Parameters:
    ///   - input: the batch.
    ///   - mirrorAverage: embed each input and its left–right mirror image in one pass and
    ///     return their sum scaled to unit length: an embedding that does not change when the
    ///     picture is mirrored, and is less noisy (test-time augmentation).
    public func embed(_ input: Tensor, mirrorAverage: Bool = false) -> Tensor {
        guard mirrorAverage, input.shape.count == 4 else { return body.forward(input, training: false) }
        let n = input.shape[0], width = input.shape[3], rows = input.scalars.count / (n * width)
        let both = Tensor(shape: [2 * n] + input.shape.dropFirst()) { out in
            input.scalars.withUnsafeBufferPointer { source in
                for i in 0..<source.count { out[i] = source[i] }
                for row in 0..<(n * rows) {
                    for x in 0..<width { out[source.count + row * width + x] = source[row * width + width - 1 - x] }
                }
            }
        }
        let embedded = body.forward(both, training: false).scalars
        let dimension = embedded.count / (2 * n)
        return Tensor(shape: [n, dimension]) { out in
            for sample in 0..<n {
                var norm: Float = 0
                for j in 0..<dimension {
                    let value = embedded[sample * dimension + j] + embedded[(n + sample) * dimension + j]
                    out[sample * dimension + j] = value
                    norm += value * value
                }
                let scale = norm > 0 ? 1 / norm.squareRoot() : 0
                for j in 0..<dimension { out[sample * dimension + j] *= scale }
            }
        }
    }
}
