import Foundation
import SimDBCore

/// The vectors a benchmark runs on: base vectors (stored under ids `0..<n`), queries, and the
/// true nearest neighbours of each query (base row numbers, closest first), when known.
public struct BenchmarkData: Sendable {
    /// The vectors stored, row `i` under id `i`.
    public var base: EmbeddingBatch
    /// The vectors searched for.
    public var queries: EmbeddingBatch
    /// Per query, the base rows of its true nearest neighbours, closest first; `nil` to have the
    /// benchmark find them with the exact scan.
    public var truth: [[Int32]]?

    /// Bundles vectors already in memory.
    public init(base: EmbeddingBatch, queries: EmbeddingBatch, truth: [[Int32]]?) {
        self.base = base
        self.queries = queries
        self.truth = truth
    }

    /// Reads ANN-benchmarks files: `.fvecs` base and queries, optional `.ivecs` ground truth.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the files do not fit together, or what
    ///   reading them throws.
    public static func files(base: String, queries: String, truth: String?) throws -> BenchmarkData {
        let data = BenchmarkData(base: try VecsFile.readFvecs(path: base), queries: try VecsFile.readFvecs(path: queries),
                                 truth: try truth.map { try VecsFile.readIvecs(path: $0) })
        guard data.base.count > 0, data.queries.count > 0 else {
            throw SimDBError(.invalidArgument, "the base and query files must hold at least one vector each")
        }
        guard data.queries.dimension == data.base.dimension else {
            throw SimDBError(.invalidArgument,
                "\(queries) holds \(data.queries.dimension)-d vectors but \(base) holds \(data.base.dimension)-d ones")
        }
        if let rows = data.truth {
            guard rows.count == data.queries.count else {
                throw SimDBError(.invalidArgument, "\(truth ?? ""): \(rows.count) rows for \(data.queries.count) queries")
            }
            guard rows.allSatisfy({ $0.allSatisfy { $0 >= 0 && Int($0) < data.base.count } }) else {
                throw SimDBError(.invalidArgument, "\(truth ?? ""): a neighbour is not a row of \(base)")
            }
        }
        return data
    }

    /// Clustered unit vectors, the shape of face embeddings: `x = normalise(c + N(0, σ² I))`
    /// around `clusters` centres `c` uniform on the unit sphere, queries drawn the same way.
    /// (Uniform random vectors are a degenerate case on which every graph index collapses.)
    public static func clustered(count: Int, queries: Int, dimension: Int, clusters: Int = 1_000,
                                 sigma: Float = 0.08, seed: UInt64 = 1) -> BenchmarkData {
        var rng = SplitMix64(seed: seed)
        var spare: Float?
        func gaussian() -> Float {
            if let value = spare {
                spare = nil
                return value
            }
            let u = Float.random(in: Float.ulpOfOne..<1, using: &rng), v = Float.random(in: 0..<1, using: &rng)
            let radius = (-2 * log(u)).squareRoot()
            spare = radius * sin(2 * .pi * v)
            return radius * cos(2 * .pi * v)
        }
        func normalise(_ x: inout ArraySlice<Float>) {
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for index in x.indices { x[index] /= norm }
        }
        var centres = [Float](repeating: 0, count: max(1, clusters) * dimension)
        for row in 0..<max(1, clusters) {
            for column in 0..<dimension { centres[row * dimension + column] = gaussian() }
            normalise(&centres[row * dimension ..< (row + 1) * dimension])
        }
        func draw(_ n: Int) -> EmbeddingBatch {
            var values = [Float](repeating: 0, count: n * dimension)
            for row in 0..<n {
                let centre = Int(rng.next() % UInt64(max(1, clusters))) * dimension
                for column in 0..<dimension {
                    values[row * dimension + column] = centres[centre + column] + sigma * gaussian()
                }
                normalise(&values[row * dimension ..< (row + 1) * dimension])
            }
            return EmbeddingBatch(dimension: dimension, values: values)
        }
        let base = draw(count)
        return BenchmarkData(base: base, queries: draw(queries), truth: nil)
    }
}
