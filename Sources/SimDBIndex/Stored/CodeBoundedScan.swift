import CSimDBKernels
import SimDBCore
import SimDBStorage

/// An exact scan that reads the graph's codes first and a vector only when its code says it
/// could enter the top `k`: the same answers as ``ExactSearch``, from about a quarter of the bytes.
///
/// Every node's code decodes to within half a quantisation step of its vector in each component
/// (``ScalarQuantizer``), so the code's distance to the query bounds the vector's:
///
/// - squared L2, by the triangle inequality: `‖q − x‖ ≥ ‖q − x̂‖ − E`, with `E = ½‖step‖`;
/// - inner product: `|q·x − q·x̂| ≤ Σ |qᵢ|·½stepᵢ`.
///
/// The scan reads the graph's code column (8 bits a component, a quarter of the vectors' bytes),
/// one kernel call per column segment, then computes exact distances: first for the `k` slots
/// with the best codes, then for every slot whose bound does not rule it out against the `k`-th
/// best exact distance so far. Clamped codes are always computed. The bounds are widened for
/// float rounding on both sides, so a vector the plain scan would keep is never skipped, ties
/// included. Other metrics (cosine, plugins) scan the vectors.
struct CodeBoundedScan {
    let storage: StoredHNSWStorage
    let quantizer: ScalarQuantizer
    let query: [Float]
    let k: Int
    let threads: Int
    let isIncluded: ((UInt64) -> Bool)?

    /// Whether the scan can bound `metric`'s values from codes.
    static func supports(_ metric: any DistanceMetric) -> Bool {
        metric is SquaredL2Metric || metric is InnerProductMetric
    }

    /// The `k` closest vectors, as ``ExactSearch`` returns them. `metric` must be supported.
    func run(with metric: any DistanceMetric) -> [Neighbor] {
        switch metric {
        case let metric as SquaredL2Metric: return run(metric, bound: .squaredL2(quantizer, query))
        case let metric as InnerProductMetric: return run(metric, bound: .innerProduct(quantizer, query))
        default: preconditionFailure("no code bound for metric \(metric.identifier)")
        }
    }

    private func run<Metric: DistanceMetric>(_ metric: Metric, bound: CodeBound) -> [Neighbor] {
        DispatchQueueConcurrency.topK(segments: storage.columnSegmentCount, threads: threads, k: k,
                                      direction: metric.direction) { scan(metric, bound, segments: $0) }
    }

    private func scan<Metric: DistanceMetric>(_ metric: Metric, _ bound: CodeBound, segments: Range<Int>) -> [Neighbor] {
        let slots = storage.geometry.columnSlots
        let values = UnsafeMutablePointer<Float>.allocate(capacity: max(1, segments.count) * slots)
        defer { values.deallocate() }
        let present = scoreCodes(bound, segments: segments, into: values)
        var top = TopK(k: k, direction: metric.direction)
        query.withUnsafeBufferPointer { q in
            func offer(_ node: HNSWNode) {
                let distance = metric.distance(q, storage.vector(of: node))
                guard top.mightKeep(distance) else { return }
                let id = storage.externalID(of: node)
                guard isIncluded?(id) ?? true else { return }
                top.offer(id: id, distance: distance)
            }
            // The slots with the k best codes first, so that the bound is tight from the start;
            // each is then marked NaN, which no limit admits again.
            var seeds = TopK(k: k, direction: .smallerIsCloser)
            for (_, count, offset) in present {
                for position in offset..<offset + count where seeds.mightKeep(values[position]) {
                    seeds.offer(id: UInt64(position), distance: values[position])
                }
            }
            for seed in seeds.sorted() {
                let position = Int(seed.id)
                offer(HNSWNode((segments.lowerBound + position / slots) * slots + position % slots))
                values[position] = .nan
            }
            var limit = top.worst.map(bound.limit) ?? .infinity
            for (first, count, offset) in present {
                for index in 0..<count where values[offset + index] <= limit {
                    offer(first + HNSWNode(index))
                    if let worst = top.worst { limit = bound.limit(worst: worst) }
                }
            }
        }
        return top.sorted()
    }

    /// Scores every slot of the column `segments` on its code into `values`, `columnSlots`
    /// values per segment: NaN for slots not in the graph, −∞ for clamped codes (computed on
    /// their vectors).
    /// - Returns: the segments that exist: first node, slots below the slot limit, offset in `values`.
    private func scoreCodes(_ bound: CodeBound, segments: Range<Int>,
                            into values: UnsafeMutablePointer<Float>) -> [(HNSWNode, Int, Int)] {
        let slots = storage.geometry.columnSlots
        let avx2: Int32 = VectorKernels.hasAVX2 ? 1 : 0
        var present: [(HNSWNode, Int, Int)] = []
        present.reserveCapacity(segments.count)
        bound.prepared.withUnsafeBufferPointer { prepared in
            quantizer.step.withUnsafeBufferPointer { step in
                var kernel = simdb_sq8_column_scan(query: prepared.baseAddress, step: step.baseAddress,
                                                   dimension: quantizer.dimension, dot: bound.isDot ? 1 : 0,
                                                   absent: .nan, check: -.infinity)
                for (index, segment) in segments.enumerated() {
                    guard let (states, codes, first, count) = storage.columnSegment(segment), count > 0 else { continue }
                    let offset = index * slots
                    simdb_sq8_column(&kernel, states, codes, count, values + offset, avx2)
                    present.append((first, count, offset))
                }
            }
        }
        return present
    }
}

/// How a code's score bounds the exact value: the kernel's input, and the largest kernel value
/// a row may have and still hold a vector that reaches the current `k`-th best.
private struct CodeBound {
    /// The query as the kernel takes it.
    let prepared: [Float]
    let isDot: Bool
    /// Squared L2: the bound `E` on ‖x − x̂‖. Inner product: the constant `Σ qᵢ·minimumᵢ`
    /// (the kernel returns `−Σ qᵢ·stepᵢ·codeᵢ`), plus the bound on |q·x − q·x̂|.
    let slack: Float
    /// Relative rounding allowance on the computed sums.
    let epsilon: Float

    /// Rounding allowance on a sum of `dimension` float products: generous against the worst case.
    private static func epsilon(_ dimension: Int) -> Float {
        max(1e-4, 4 * Float(dimension) * Float.ulpOfOne)
    }

    static func squaredL2(_ quantizer: ScalarQuantizer, _ query: [Float]) -> CodeBound {
        var squared: Float = 0
        var prepared = [Float](repeating: 0, count: query.count)
        for i in query.indices {
            let (minimum, step) = (quantizer.minimum[i], quantizer.step[i])
            prepared[i] = query[i] - minimum
            // Half a step (with the encoder's own rounding), plus the kernel's rounding of q − min − step·c.
            let error = 0.5005 * step + 4 * Float.ulpOfOne * (abs(query[i]) + abs(minimum) + 256 * step)
            squared += error * error
        }
        return CodeBound(prepared: prepared, isDot: false, slack: squared.squareRoot() * 1.001,
                         epsilon: epsilon(query.count))
    }

    static func innerProduct(_ quantizer: ScalarQuantizer, _ query: [Float]) -> CodeBound {
        var prepared = [Float](repeating: 0, count: query.count)
        var offset: Float = 0, error: Float = 0, magnitude: Float = 0
        for i in query.indices {
            let (minimum, step) = (quantizer.minimum[i], quantizer.step[i])
            prepared[i] = -query[i] * step
            offset += query[i] * minimum
            error += abs(query[i]) * 0.5005 * step
            magnitude += abs(query[i]) * (abs(minimum) + 256 * step)
        }
        // Both sums (the code's and the exact dot) round by at most ε·magnitude; so does the offset.
        return CodeBound(prepared: prepared, isDot: true, slack: offset + error + 3 * epsilon(query.count) * magnitude,
                         epsilon: 0)
    }

    /// Squared L2: `(√worst + E)²`, widened; inner product: `offset + bound − worst`.
    func limit(worst: Float) -> Float {
        if isDot { return slack - worst }
        let reach = max(0, worst).squareRoot() * (1 + epsilon) + slack
        return reach * reach * (1 + epsilon)
    }
}
