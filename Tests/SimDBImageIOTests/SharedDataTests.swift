import Foundation
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing

extension SharedData {
    /// The first file whose name ends with `suffix`, descending into the first folder (in sorted
    /// order) at each level under `folder`.
    static func firstFile(under folder: String, suffix: String) -> URL? {
        var directory = root.appendingPathComponent(folder)
        let manager = FileManager.default
        while let names = try? manager.contentsOfDirectory(atPath: directory.path).sorted() {
            if let file = names.first(where: { $0.hasSuffix(suffix) }) {
                return directory.appendingPathComponent(file)
            }
            guard let next = names.first(where: { !$0.hasPrefix(".") && !$0.contains(".") }) else { return nil }
            directory = directory.appendingPathComponent(next)
        }
        return nil
    }
}

@Suite("Real data sets in ../shared/data",
       .enabled(if: SharedData.available, "../shared/data (beside the repository) is absent"))
struct SharedDataTests {
    let decoder = ImageDecoder()

    @Test("ORL PGM: 92x112, 1 channel, samples equal to the file's bytes / 255")
    func orl() throws {
        let url = SharedData.root.appendingPathComponent("orl/s1/1.pgm")
        let image = try decoder.decode(contentsOf: url)
        #expect(image.width == 92 && image.height == 112 && image.channels == 1)
        let bytes = try [UInt8](Data(contentsOf: url))
        #expect(image.pixels == bytes.suffix(92 * 112).map { Float($0) / 255 })
    }

    @Test("Extended Yale B PNG: 168x192, 1 channel, not blank")
    func yale() throws {
        let url = try #require(SharedData.firstFile(under: "extended-yaleb", suffix: ".png"))
        let image = try decoder.decode(contentsOf: url)
        #expect(image.width == 168 && image.height == 192 && image.channels == 1)
        #expect(Set(image.pixels).count > 16)
    }

    @Test("LFW JPEG: 150x150, 3 channels, in colour")
    func lfw() throws {
        let url = try #require(SharedData.firstFile(under: "lfw-train", suffix: ".jpg"))
        let image = try decoder.decode(contentsOf: url)
        #expect(image.width == 150 && image.height == 150 && image.channels == 3)
        let colourful = stride(from: 0, to: image.pixels.count, by: 3).contains {
            abs(image.pixels[$0] - image.pixels[$0 + 2]) > 0.05
        }
        #expect(colourful)
        let input = image.prepared(for: ImageInputSpec(width: 32, height: 32, channels: 1, fit: .centerCrop))
        #expect(input.width == 32 && input.height == 32 && input.channels == 1)
    }

    @Test("Omniglot PNG: 105x105, 1-bit, decoded to samples of exactly 0 and 1")
    func omniglot() throws {
        let url = try #require(SharedData.firstFile(under: "omniglot-background", suffix: ".png"))
        let bytes = try [UInt8](Data(contentsOf: url))
        #expect(bytes.count > 25 && bytes[24] == 1)  // IHDR bit depth
        let image = try decoder.decode(bytes, name: url.lastPathComponent)
        #expect(image.width == 105 && image.height == 105 && image.channels == 1)
        #expect(Set(image.pixels) == [0, 1])
    }
}
