import Foundation
import SimDBCore
import SimDBModel
import SimDBNN

/// A training run saved after an epoch: the model, the optimiser's moments and where it stood.
///
/// A directory holding `model.simdbmodel` (a model file), `optimizer.bin` (Adam's first then
/// second moments, float32 little-endian, in parameter order) and `trainer.json` (epochs done,
/// optimiser step, configuration). `simdb train --resume` continues from it exactly.
public enum Checkpoint {
    struct State: Codable {
        var completedEpochs: Int
        var step: Int
        var configuration: TrainingConfiguration
    }

    /// Writes the trainer's state to `directory`, replacing what was there.
    /// - Throws: ``SimDBError`` `.storage` when it cannot be written.
    public static func save(_ trainer: Trainer, header: ModelHeader, to directory: String) throws {
        let manager = FileManager.default
        let temporary = directory + ".partial"
        do {
            try? manager.removeItem(atPath: temporary)
            try manager.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            try ModelFile.write(trainer.network, header: header, to: temporary + "/model.simdbmodel")
            var bytes: [UInt8] = []
            let state = trainer.optimizerState
            for tensor in state.first + state.second {
                for value in tensor.scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: temporary + "/optimizer.bin"))
            let json = try JSONEncoder().encode(State(completedEpochs: trainer.completedEpochs, step: state.step,
                                                      configuration: trainer.configuration))
            try json.write(to: URL(fileURLWithPath: temporary + "/trainer.json"))
            // Swap in the complete checkpoint: a crash leaves the previous one or the new one.
            try? manager.removeItem(atPath: directory)
            try manager.moveItem(atPath: temporary, toPath: directory)
        } catch let error as SimDBError {
            throw error
        } catch {
            throw SimDBError(.storage, "\(directory): cannot write the checkpoint (\(error.localizedDescription))")
        }
    }

    /// Reads a checkpoint: its network, model header, configuration, epochs done and optimiser state.
    /// - Throws: ``SimDBError`` `.corruptStore` for a damaged checkpoint, `.notFound` when absent.
    public static func load(from directory: String) throws
        -> (network: Network, header: ModelHeader, configuration: TrainingConfiguration, completedEpochs: Int, optimizer: OptimizerState)
    {
        guard FileManager.default.fileExists(atPath: directory + "/trainer.json") else {
            throw SimDBError(.notFound, "\(directory): no checkpoint to resume")
        }
        let (network, header) = try ModelFile.read(from: directory + "/model.simdbmodel")
        let state: State
        let moments: Data
        do {
            state = try JSONDecoder().decode(State.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/trainer.json")))
            moments = try Data(contentsOf: URL(fileURLWithPath: directory + "/optimizer.bin"))
        } catch {
            throw SimDBError(.corruptStore, "\(directory): damaged checkpoint (\(error.localizedDescription))")
        }
        let shapes = network.parameters.map(\.value.shape)
        let count = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        guard moments.count == 2 * count * 4 else {
            throw SimDBError(.corruptStore, "\(directory): optimizer.bin holds \(moments.count) bytes, expected \(2 * count * 4)")
        }
        var tensors: [Tensor] = []
        moments.withUnsafeBytes { raw in
            var offset = 0
            for shape in shapes + shapes {
                let n = shape.reduce(1, *)
                let base = offset
                tensors.append(Tensor(shape: shape) { out in
                    for i in 0..<n {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                    }
                })
                offset += 4 * n
            }
        }
        let optimizer = OptimizerState(step: state.step, first: Array(tensors.prefix(shapes.count)),
                                       second: Array(tensors.suffix(shapes.count)))
        return (network, header, state.configuration, state.completedEpochs, optimizer)
    }
}
