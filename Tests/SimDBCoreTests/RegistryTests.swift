import Testing
@testable import SimDBCore

/// An encoder that returns each image's first `dimension` samples.
struct FirstSamplesEncoder: Encoder {
    let identifier: String
    let dimension: Int
    var input: ImageInputSpec { ImageInputSpec(width: 2, height: 2, channels: 1) }
    var preferredMetric: String { "cosine" }
    func defaultThreshold(for metric: String) -> Float? { metric == "cosine" ? 0.5 : nil }
    func encode(_ images: [Image]) throws -> EmbeddingBatch {
        for image in images { try validateInput(image) }
        return EmbeddingBatch(dimension: dimension, rows: images.map { Array($0.pixels.prefix(dimension)) })
    }
}

/// A user-defined metric: Manhattan distance.
struct ManhattanMetric: DistanceMetric {
    var identifier: String { "l1" }
    var direction: MetricDirection { .smallerIsCloser }
    func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) }
    }
}

@Suite("Plugin registry")
struct RegistryTests {
    @Test("Built-in metrics are registered")
    func builtins() throws {
        let registry = PluginRegistry()
        #expect(registry.metricIdentifiers == ["cosine", "ip", "l2"])
        #expect(try registry.metric("l2").identifier == "l2")
        #expect(throws: SimDBError.self) { try registry.metric("hamming") }
    }

    @Test("Encoders resolve by exact id or by name to the latest version")
    func encoderVersions() throws {
        let registry = PluginRegistry()
        try registry.registerEncoder("toy/1") { FirstSamplesEncoder(identifier: "toy/1", dimension: 2) }
        try registry.registerEncoder("toy/10") { FirstSamplesEncoder(identifier: "toy/10", dimension: 3) }
        try registry.registerEncoder("toy/2") { FirstSamplesEncoder(identifier: "toy/2", dimension: 4) }
        #expect(try registry.makeEncoder("toy/1").dimension == 2)
        #expect(try registry.makeEncoder("toy").identifier == "toy/10")
        let error = #expect(throws: SimDBError.self) { try registry.makeEncoder("other") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("toy/1") == true)
    }

    @Test("Malformed encoder identifiers are refused", arguments: ["toy", "/1", "toy/", "a/b/c", ""])
    func malformedIdentifiers(identifier: String) {
        let error = #expect(throws: SimDBError.self) {
            try PluginRegistry().registerEncoder(identifier) { FirstSamplesEncoder(identifier: identifier, dimension: 1) }
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("Face detectors register by exact identifier; an unknown one lists what is registered")
    func detectors() throws {
        struct NoFaces: FaceDetector {
            let identifier: String
            func detectFaces(in image: Image) throws -> [DetectedFace] { [] }
        }
        let registry = PluginRegistry()
        #expect(try registry.registerDetectorIfAbsent("none/1") { NoFaces(identifier: "none/1") })
        #expect(try !registry.registerDetectorIfAbsent("none/1") { NoFaces(identifier: "other") })
        #expect(try registry.makeDetector("none/1").identifier == "none/1")
        let error = #expect(throws: SimDBError.self) { try registry.makeDetector("none") }
        #expect(error?.code == .notFound && error?.message.contains("none/1") == true)
        #expect(throws: SimDBError.self) { try registry.registerDetector("bad") { NoFaces(identifier: "bad") } }
        #expect(registry.detectorIdentifiers == ["none/1"])
    }

    @Test("A user-defined metric can be registered and used")
    func customMetric() throws {
        let registry = PluginRegistry()
        try registry.registerMetric(ManhattanMetric())
        #expect(try registry.metric("l1").distance([1, 2], [3, 5]) == 5)
        #expect(registry.metricIdentifiers.contains("l1"))
    }

    @Test("Built-in metrics cannot be replaced; encoders can be registered once if absent")
    func protectedRegistrations() throws {
        struct FakeL2: DistanceMetric {
            var identifier: String { "l2" }
            var direction: MetricDirection { .largerIsCloser }
            func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float { 0 }
        }
        let registry = PluginRegistry()
        let error = #expect(throws: SimDBError.self) { try registry.registerMetric(FakeL2()) }
        #expect(error?.code == .invalidArgument)
        #expect(try registry.metric("l2").direction == .smallerIsCloser)
        #expect(try registry.registerEncoderIfAbsent("toy/1") { FirstSamplesEncoder(identifier: "toy/1", dimension: 2) })
        #expect(try !registry.registerEncoderIfAbsent("toy/1") { FirstSamplesEncoder(identifier: "toy/1", dimension: 3) })
        #expect(try registry.makeEncoder("toy/1").dimension == 2)
    }

    @Test("Encoders check their input size")
    func inputValidation() throws {
        let encoder = FirstSamplesEncoder(identifier: "toy/1", dimension: 2)
        let good = Image(width: 2, height: 2, channels: 1, pixels: [0.1, 0.2, 0.3, 0.4])
        #expect(try encoder.encode([good]).vector(at: 0) == [0.1, 0.2])
        let bad = Image(width: 3, height: 1, channels: 1, pixels: [0, 0, 0])
        #expect(throws: SimDBError.self) { try encoder.encode([bad]) }
        #expect(encoder.name == "toy")
    }

    @Test("Errors are one line")
    func errorsAreOneLine() {
        let error = SimDBError(.badImage, "a.png: bad\nthings")
        #expect(error.message == "a.png: bad things")
        #expect(error.description == error.message)
    }

    @Test("Embedding batches are row-major")
    func batches() {
        let batch = EmbeddingBatch(dimension: 2, rows: [[1, 2], [3, 4], [5, 6]])
        #expect(batch.count == 3)
        #expect(batch.vector(at: 1) == [3, 4])
        #expect(batch.withVector(at: 2) { Array($0) } == [5, 6])
    }
}
