import Foundation
import SimDBCore

/// The parameters of a hierarchical navigable small-world graph (Malkov & Yashunin, 2018).
///
/// `m` and `efConstruction` shape the graph and are fixed when it is built; `efSearch` trades
/// recall for speed and may be changed for every query.
public struct HNSWParameters: Codable, Equatable, Sendable {
    /// Links kept per node on the upper levels; level 0 keeps twice as many.
    public var m: Int
    /// Candidates examined when a node is linked in: larger builds a better graph, more slowly.
    public var efConstruction: Int
    /// Candidates examined per query (at least `k`): larger finds more true neighbours, more slowly.
    public var efSearch: Int
    /// Mixed with each vector id to draw its level, so a graph's shape is reproducible.
    public var seed: UInt64

    /// Creates parameters; the defaults are the usual ones for 64–256-d embeddings.
    public init(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 0x5EED) {
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.seed = seed
    }

    /// The most links a node keeps at `level`.
    @inlinable
    public func maximumLinks(atLevel level: Int) -> Int { level == 0 ? 2 * m : m }

    /// The level a vector is inserted at: `⌊−ln U · 1/ln m⌋` with `U` drawn from the id and seed,
    /// so the same id always lands on the same level, in any order and after any crash.
    public func level(for id: UInt64) -> Int {
        var generator = SplitMix64(seed: id ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        let bits = generator.next() >> 11  // 53 random bits
        let uniform = (Double(bits) + 0.5) / Double(1 << 53)  // in (0, 1)
        return min(Self.maximumLevel, Int(-log(uniform) / log(Double(m))))
    }

    /// No node is placed above this level (a billion vectors at m = 2 need 30).
    public static let maximumLevel = 31

    /// Checks the values.
    /// - Throws: ``SimDBError`` `.invalidArgument` naming the first value out of range.
    public func validate() throws {
        guard (2...256).contains(m) else { throw SimDBError(.invalidArgument, "HNSW m must be between 2 and 256 (got \(m))") }
        guard (1...10_000).contains(efConstruction) else {
            throw SimDBError(.invalidArgument, "HNSW efConstruction must be between 1 and 10000 (got \(efConstruction))")
        }
        guard (1...10_000).contains(efSearch) else {
            throw SimDBError(.invalidArgument, "HNSW efSearch must be between 1 and 10000 (got \(efSearch))")
        }
    }
}
