import SimDBCore
import Testing
@testable import SimDB

@Suite("N-way identification")
struct NWayTests {
    /// Ten identities with 1 enrolment and 2 probes each, on a line; identity 0's probes lie
    /// nearer identity 1's enrolment than its own, so they are wrong exactly when 1 is enrolled.
    func data() -> (labels: [Int], vectors: [[Float]]) {
        var labels: [Int] = [], vectors: [[Float]] = []
        for identity in 0..<10 {
            let centre = Float(identity) * 10
            let probe: Float = identity == 0 ? 8 : centre + 1
            labels += [identity, identity, identity]
            vectors += [[centre], [probe], [probe]]
        }
        return (labels, vectors)
    }

    @Test("all at once, every enrolled identity competes")
    func allAtOnce() {
        let (labels, vectors) = data()
        let result = DatasetEvaluation.nShot(1, way: nil, labels: labels, vectors: vectors, metric: SquaredL2Metric())
        #expect(result.probes == 20)
        #expect(result.accuracy == 0.9)
        let wide = DatasetEvaluation.nShot(1, way: 10, labels: labels, vectors: vectors, metric: SquaredL2Metric())
        #expect(wide.accuracy == 0.9 && wide.probes == 20)
    }

    @Test("2-way episodes only fail when identities 0 and 1 meet (1 episode in 45)")
    func episodes() {
        let (labels, vectors) = data()
        let result = DatasetEvaluation.nShot(1, way: 2, labels: labels, vectors: vectors, metric: SquaredL2Metric())
        #expect(result.probes == DatasetEvaluation.identificationEpisodes * 4)
        let accuracy = try! #require(result.accuracy)
        #expect(accuracy > 0.97 && accuracy < 1, "\(accuracy)")
    }
}
