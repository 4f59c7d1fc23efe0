import SimDBCore
import SimDBStorage

/// 8-bit scalar codes of vectors: component `i` of a code decodes to `minimum[i] + step[i] · code[i]`.
///
/// A stored graph keeps each node's code in its level-0 row, beside its links, so a search walks
/// the graph reading one row per node: a quarter of the vector's bytes, in the cache lines it
/// reads for the links anyway. The walk ranks by distances to decoded codes; the candidates it
/// keeps are then ranked again by their exact vectors (``HNSWGraph/search(_:k:efSearch:scratch:where:walkingWith:)``).
///
/// The range of each component is learned from the vectors stored when the graph is built,
/// widened by a tenth on each side for later vectors. A vector with a component outside it
/// still gets a (clamped) code, but its row is flagged and searches score it on its vector, so
/// drift costs speed, not recall; `simdb index status` counts such nodes and `simdb index
/// rebuild` learns the range again.
struct ScalarQuantizer: Codable, Equatable {
    /// Per component: the value code 0 stands for.
    var minimum: [Float]
    /// Per component: the value one code step adds.
    var step: [Float]

    var dimension: Int { minimum.count }

    /// The share of the learned range added on each side for vectors stored later.
    static let margin: Float = 0.1

    /// Codes spanning each component's range over `vectors`, widened by ``margin``; `[-1, 1]`
    /// for every component when there are no vectors.
    init(dimension: Int, learningFrom vectors: (((UnsafeBufferPointer<Float>) -> Void) -> Void)) {
        var low = [Float](repeating: .infinity, count: dimension)
        var high = [Float](repeating: -.infinity, count: dimension)
        vectors { vector in
            for i in 0..<dimension {
                low[i] = min(low[i], vector[i])
                high[i] = max(high[i], vector[i])
            }
        }
        minimum = []
        step = []
        for i in 0..<dimension {
            let (lo, hi) = low[i] <= high[i] ? (low[i], high[i]) : (-1, 1)
            let widen = (hi - lo) * Self.margin
            minimum.append(lo - widen)
            let range = hi - lo + 2 * widen
            step.append(range > 0 ? range / 255 : 1)
        }
    }

    /// The quantizer of the vectors stored in `source`'s live slots.
    init(learningFrom source: some SegmentedVectorsReading) {
        let dimension = source.layout.dimension
        self.init(dimension: dimension) { body in
            for slot in 0..<source.slotLimit where source.id(at: slot) != nil {
                body(source.vector(at: slot))
            }
        }
    }

    /// Writes the code of `vector` (clamped to the range) to `code`.
    /// - Returns: whether a component was clamped (the code is then not within half a step).
    @discardableResult
    func encode(_ vector: UnsafeBufferPointer<Float>, into code: UnsafeMutablePointer<UInt8>) -> Bool {
        var clamped = false
        for i in 0..<dimension {
            let level = ((vector[i] - minimum[i]) / step[i]).rounded()
            if !(0...255).contains(level) { clamped = true }
            code[i] = UInt8(min(255, max(0, level.isNaN ? 0 : level)))
        }
        return clamped
    }

    /// Writes the vector `code` stands for to `vector`.
    func decode(_ code: UnsafePointer<UInt8>, into vector: UnsafeMutablePointer<Float>) {
        for i in 0..<dimension { vector[i] = minimum[i] + step[i] * Float(code[i]) }
    }
}

/// The vectors of a store by slot, as a reader and a writer both serve them: what a quantizer
/// learns from and a consistency check compares codes with.
protocol SegmentedVectorsReading: SegmentedVectors {
    func id(at slot: Int) -> UInt64?
    func vector(at slot: Int) -> UnsafeBufferPointer<Float>
}

extension VectorReader: SegmentedVectorsReading {}
extension VectorWriter: SegmentedVectorsReading {}
