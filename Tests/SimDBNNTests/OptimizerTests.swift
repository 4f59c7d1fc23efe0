import Testing

@testable import SimDBNN

/// Adam (with decoupled weight decay) and learning-rate schedules.
@Suite struct OptimizerTests {
    @Test func adamMinimisesAQuadratic() {
        let target: [Float] = [3, -2, 0.5, 10]
        let p = Parameter(name: "p", value: Tensor(zeros: [4]), appliesWeightDecay: false)
        let adam = Adam(parameters: [p], schedule: .constant(0.1))
        func loss() -> Float { zip(p.value.scalars, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let initial = loss()
        for _ in 0..<1500 {
            p.zeroGradient()
            for i in 0..<4 { p.gradient[i] = 2 * (p.value[i] - target[i]) }
            adam.update()
        }
        #expect(adam.step == 1500)
        #expect(initial > 100)
        #expect(loss() < 1e-4, "final loss \(loss())")
    }

    @Test func firstStepMovesEachScalarByTheLearningRate() {
        // With m̂ = g and v̂ = g², the first Adam step is −η·g/(|g| + ε) ≈ −η·sign(g).
        let p = Parameter(name: "p", value: Tensor(shape: [3], scalars: [1, 1, 1]), appliesWeightDecay: false)
        p.gradient = Tensor(shape: [3], scalars: [5, -0.01, 0])
        let adam = Adam(parameters: [p], schedule: .constant(0.01))
        adam.update()
        #expect(abs(p.value[0] - 0.99) < 1e-6)
        #expect(abs(p.value[1] - 1.01) < 1e-5)
        #expect(p.value[2] == 1)
    }

    @Test func weightDecayIsDecoupledAndSkipsFlaggedParameters() {
        let decayed = Parameter(name: "weight", value: Tensor(shape: [2], scalars: [2, -4]), appliesWeightDecay: true)
        let kept = Parameter(name: "bias", value: Tensor(shape: [2], scalars: [2, -4]), appliesWeightDecay: false)
        let adam = Adam(parameters: [decayed, kept], schedule: .constant(0.1), weightDecay: 0.5)
        for _ in 0..<3 { adam.update() }  // zero gradients: only decay acts
        let factor: Float = (1 - 0.1 * 0.5) * (1 - 0.1 * 0.5) * (1 - 0.1 * 0.5)
        #expect(abs(decayed.value[0] - 2 * factor) < 1e-6)
        #expect(abs(decayed.value[1] + 4 * factor) < 1e-6)
        #expect(kept.value.scalars == [2, -4])
    }

    @Test func optimiserFollowsItsSchedule() {
        let p = Parameter(name: "p", value: Tensor(zeros: [1]), appliesWeightDecay: false)
        let adam = Adam(parameters: [p], schedule: .warmupCosine(peak: 1, warmupSteps: 4, totalSteps: 10))
        #expect(adam.currentLearningRate == 0.25)
        p.gradient = Tensor(shape: [1], scalars: [1])
        adam.update()
        #expect(abs(p.value[0] + 0.25) < 1e-5)  // the first step used rate 0.25
        #expect(adam.currentLearningRate == 0.5)
    }

    @Test func warmupRampsLinearlyThenCosineReachesTheFloor() {
        let s = LearningRateSchedule.warmupCosine(peak: 1e-3, warmupSteps: 10, totalSteps: 110, floor: 1e-5)
        #expect(abs(s.rate(step: 0) - 1e-4) < 1e-9)
        #expect(abs(s.rate(step: 4) - 5e-4) < 1e-9)
        #expect(abs(s.rate(step: 9) - 1e-3) < 1e-9)
        // Linear: equal increments during warm-up.
        let increments = (0..<9).map { s.rate(step: $0 + 1) - s.rate(step: $0) }
        #expect(increments.allSatisfy { abs($0 - 1e-4) < 1e-9 })
        #expect(abs(s.rate(step: 10) - 1e-3) < 1e-9)  // cosine starts at the peak
        #expect(abs(s.rate(step: 60) - (1e-3 + 1e-5) / 2) < 1e-8)  // half-way: the mean
        #expect(s.rate(step: 100) > s.rate(step: 101))  // still decaying
        #expect(abs(s.rate(step: 110) - 1e-5) < 1e-10)
        #expect(abs(s.rate(step: 5000) - 1e-5) < 1e-10)
        // Monotone after warm-up.
        for step in 10..<110 { #expect(s.rate(step: step) >= s.rate(step: step + 1)) }
    }

    @Test func constantAndWarmupOnlySchedules() {
        #expect(LearningRateSchedule.constant(0.01).rate(step: 0) == 0.01)
        #expect(LearningRateSchedule.constant(0.01).rate(step: 1_000_000) == 0.01)
        let warm = LearningRateSchedule(peak: 0.2, warmupSteps: 2)
        #expect(warm.rate(step: 0) == 0.1)
        #expect(warm.rate(step: 1) == 0.2)
        #expect(warm.rate(step: 500) == 0.2)
    }
}
