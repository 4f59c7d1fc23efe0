import Foundation
import SimDBImageIO
import SimDBCore
import Testing
@testable import SimDBTraining

@Suite("Batches and augmentation")
struct SamplingTests {
    @Test("P×K batches: P distinct identities, K images each, every eligible identity once per epoch")
    func batches() throws {
        // Identities 0..9 with 1…10 images; identity 0 has one image and is never drawn.
        var labels: [Int] = []
        for identity in 0..<10 { labels += Array(repeating: identity, count: identity + 1) }
        let sampler = try BatchSampler(labels: labels, identities: 3, imagesPerIdentity: 4)
        #expect(sampler.eligibleIdentities == 9)
        #expect(sampler.batchesPerEpoch == 3)
        var rng = SplitMix64(seed: 1)
        let epoch = sampler.epoch(using: &rng)
        var seen: Set<Int> = []
        for batch in epoch {
            #expect(batch.count == 12)
            let identities = stride(from: 0, to: 12, by: 4).map { labels[batch[$0]] }
            #expect(Set(identities).count == 3)
            for (slot, identity) in identities.enumerated() {
                #expect(batch[(slot * 4)..<(slot * 4 + 4)].allSatisfy { labels[$0] == identity })
                seen.insert(identity)
            }
        }
        #expect(seen.count == 9 && !seen.contains(0))
        var again = SplitMix64(seed: 1)
        #expect(sampler.epoch(using: &again) == epoch)
    }

    @Test("Too few identities for a batch is an error")
    func tooFew() {
        #expect(throws: SimDBError.self) { try BatchSampler(labels: [0, 0, 1], identities: 2, imagesPerIdentity: 2) }
        #expect(throws: SimDBError.self) { try BatchSampler(labels: [0, 0, 1, 1], identities: 1, imagesPerIdentity: 2) }
    }

    func gradientSource(width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        for y in 0..<height { for x in 0..<width { pixels.append(Float(x) / Float(width - 1) * 0.5 + Float(y) / Float(height - 1) * 0.5) } }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }

    @Test("No augmentation samples the centre deterministically")
    func plain() {
        let source = gradientSource(width: 52, height: 52)  // 40 × 1.3
        var first = [Float](repeating: 0, count: 40 * 40), second = first
        var rng = SplitMix64(seed: 5)
        first.withUnsafeMutableBufferPointer { Augmentation.none.sample(source, width: 40, height: 40, into: $0, using: &rng) }
        second.withUnsafeMutableBufferPointer { Augmentation.none.sample(source, width: 40, height: 40, into: $0, using: &rng) }
        #expect(first == second)
        // The centre of the source stays the centre: a symmetric gradient averages to 0.5.
        #expect(abs(first.reduce(0, +) / Float(first.count) - 0.5) < 1e-3)
        // Left to right increases.
        #expect(first[20 * 40 + 39] > first[20 * 40])
    }

    @Test("Flips mirror; photometric changes stay in range; draws differ")
    func random() {
        let source = gradientSource(width: 52, height: 52)
        let flipOnly = Augmentation(flip: true, maximumShift: 0, maximumScale: 0, maximumBrightness: 0, maximumContrast: 0)
        var rng = SplitMix64(seed: 11)
        var sawMirror = false, sawPlain = false
        for _ in 0..<20 {
            var view = [Float](repeating: 0, count: 40 * 40)
            view.withUnsafeMutableBufferPointer { flipOnly.sample(source, width: 40, height: 40, into: $0, using: &rng) }
            if view[20 * 40] > view[20 * 40 + 39] { sawMirror = true } else { sawPlain = true }
        }
        #expect(sawMirror && sawPlain)
        var a = [Float](repeating: 0, count: 40 * 40), b = a
        a.withUnsafeMutableBufferPointer { Augmentation().sample(source, width: 40, height: 40, into: $0, using: &rng) }
        b.withUnsafeMutableBufferPointer { Augmentation().sample(source, width: 40, height: 40, into: $0, using: &rng) }
        #expect(a != b)
        #expect(a.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("RGB sources are written channel-planar")
    func planar() {
        let pixels = [Float]((0..<(46 * 46)).map { _ -> [Float] in [0.2, 0.5, 0.9] }.joined())
        let source = Image(width: 46, height: 46, channels: 3, pixels: pixels)
        var view = [Float](repeating: 0, count: 3 * 8 * 8)
        var rng = SplitMix64(seed: 2)
        view.withUnsafeMutableBufferPointer { Augmentation.none.sample(source, width: 8, height: 8, into: $0, using: &rng) }
        #expect(view[0..<64].allSatisfy { abs($0 - 0.2) < 1e-6 })
        #expect(view[64..<128].allSatisfy { abs($0 - 0.5) < 1e-6 })
        #expect(view[128..<192].allSatisfy { abs($0 - 0.9) < 1e-6 })
    }
}

@Suite("Training and inference see the same pixels")
struct TrainingInferenceAgreementTests {
    /// A smooth, asymmetric face-sized picture.
    func picture(width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels.append(0.5 + 0.4 * sin(Float(x) / 9) * cos(Float(y) / 13))
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }

    @Test("the plain centre sample of a training source matches the encoder's prepared input", arguments: [1.0, 0.8] as [Float])
    func centreSampleMatchesInference(crop: Float) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-agree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = picture(width: 92, height: 112)
        let file = directory.appendingPathComponent("face.pgm")
        try Data(ImageEncoder.pgm(original)).write(to: file)

        let spec = ImageInputSpec(width: 32, height: 32, channels: 1, fit: .centerCrop, crop: crop)
        let set = try TrainingSet.load(identities: [("a", [file.path])], input: spec)
        var view = [Float](repeating: 0, count: 32 * 32)
        var rng = SplitMix64(seed: 1)
        view.withUnsafeMutableBufferPointer { Augmentation.none.sample(set.sources[0], width: 32, height: 32, into: $0, using: &rng) }
        let inference = try ImageDecoder().decode(contentsOf: file).prepared(for: spec)
        let largest = zip(view, inference.pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(largest < 0.03, "training sees other pixels than inference (largest difference \(largest))")
    }

    @Test("for an encoder of faces, the plain centre sample of a source matches the face the pipeline cuts")
    func faceSampleMatchesInference() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-agree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = picture(width: 160, height: 120)
        let file = directory.appendingPathComponent("scene.pgm")
        try Data(ImageEncoder.pgm(original)).write(to: file)
        let face = DetectedFace(box: PixelBox(x: 50, y: 30, width: 48, height: 48), score: 9,
                                eyes: (left: (x: 62, y: 48), right: (x: 86, y: 52)))

        let spec = ImageInputSpec(width: 32, height: 32, channels: 1, fit: .centerCrop, crop: 0.9).withFaceMargin(0.1)
        let set = try TrainingSet.load(identities: [("a", [file.path])], input: spec, detector: FixedFaces(faces: [face]))
        var view = [Float](repeating: 0, count: 32 * 32)
        var rng = SplitMix64(seed: 1)
        view.withUnsafeMutableBufferPointer { Augmentation.none.sample(set.sources[0], width: 32, height: 32, into: $0, using: &rng) }
        let inference = try ImageDecoder().decode(contentsOf: file).preparedFace(face, for: spec)
        let largest = zip(view, inference.pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(largest < 0.05, "training sees other pixels than inference (largest difference \(largest))")
        let whole = try TrainingSet.load(identities: [("a", [file.path])], input: spec, detector: FixedFaces(faces: []))
        #expect(whole.sources[0] != set.sources[0], "a picture with no face is fitted whole")
    }
}

/// A detector that finds the same faces in every picture.
private struct FixedFaces: FaceDetector {
    let identifier = "fixed/1"
    let faces: [DetectedFace]
    func detectFaces(in image: Image) throws -> [DetectedFace] { faces }
}
