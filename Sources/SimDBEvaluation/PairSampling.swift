import SimDBCore

/// Which pairs of a labelled set to compare for verification figures.
public enum PairSampling {
    /// Every same-label (genuine) pair, and every different-label (impostor) pair while there are
    /// at most `maximumImpostors` of them; beyond that, a seeded sample of `maximumImpostors`
    /// impostor pairs (drawn with replacement), so large sets stay affordable.
    /// - Parameters:
    ///   - labels: one label per item.
    ///   - maximumImpostors: the most impostor pairs returned.
    ///   - seed: seeds the sample.
    /// - Returns: index pairs `(a, b)` with `a ≠ b`; genuine pairs first.
    public static func pairs(labels: [Int], maximumImpostors: Int, seed: UInt64) -> [(Int, Int)] {
        let n = labels.count
        var genuine: [(Int, Int)] = []
        for a in 0..<n {
            for b in (a + 1)..<max(a + 1, n) where labels[a] == labels[b] { genuine.append((a, b)) }
        }
        let impostorCount = n * (n - 1) / 2 - genuine.count
        if impostorCount <= maximumImpostors {
            var all = genuine
            all.reserveCapacity(genuine.count + impostorCount)
            for a in 0..<n {
                for b in (a + 1)..<max(a + 1, n) where labels[a] != labels[b] { all.append((a, b)) }
            }
            return all
        }
        var rng = SplitMix64(seed: seed)
        var sampled = genuine
        sampled.reserveCapacity(genuine.count + maximumImpostors)
        while sampled.count < genuine.count + maximumImpostors {
            let a = Int.random(in: 0..<n, using: &rng), b = Int.random(in: 0..<n, using: &rng)
            if labels[a] != labels[b] { sampled.append((a, b)) }
        }
        return sampled
    }
}
