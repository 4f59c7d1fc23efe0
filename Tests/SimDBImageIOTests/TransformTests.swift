import SimDBCore
import SimDBImageIO
import Testing

@Suite("Resizing, cropping and channel conversion")
struct TransformTests {
    static func random(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
        var generator = SplitMix64(seed: seed)
        let pixels = (0..<(width * height * channels)).map { _ in Float.random(in: 0...1, using: &generator) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func mean(_ image: Image) -> Double {
        image.pixels.reduce(0) { $0 + Double($1) } / Double(image.pixels.count)
    }

    @Test("a constant image stays constant at any size", arguments: [(150, 150, 32, 32), (7, 5, 3, 2), (3, 3, 10, 7), (10, 4, 3, 9)])
    func constant(size: (Int, Int, Int, Int)) {
        let image = Image(width: size.0, height: size.1, channels: 3,
                          pixels: [Float](repeating: 0.37, count: size.0 * size.1 * 3))
        let resized = image.resized(width: size.2, height: size.3)
        #expect(resized.width == size.2 && resized.height == size.3 && resized.channels == 3)
        #expect(resized.pixels.allSatisfy { abs($0 - 0.37) < 1e-6 })
    }

    @Test("halving a checkerboard averages every output pixel to 0.5")
    func checkerboard() {
        let pixels = (0..<64).map { Float(($0 % 8 + $0 / 8) % 2) }
        let board = Image(width: 8, height: 8, channels: 1, pixels: pixels)
        let half = board.resized(width: 4, height: 4)
        #expect(half.pixels == [Float](repeating: 0.5, count: 16))
    }

    @Test("shrinking weights source pixels by the exact fraction each output covers")
    func fractionalCoverage() {
        let row = Image(width: 3, height: 1, channels: 1, pixels: [0, 0.3, 0.9])
        let shrunk = row.resized(width: 2, height: 1)
        // Output 0 covers source [0, 1.5), output 1 covers [1.5, 3).
        #expect(abs(shrunk.pixels[0] - 0.1) < 1e-6 && abs(shrunk.pixels[1] - 0.7) < 1e-6)
    }

    @Test("shrinking preserves the mean brightness, even by fractional factors")
    func meanPreserved() {
        let image = Self.random(width: 150, height: 150, channels: 3, seed: 42)
        for (width, height) in [(32, 32), (75, 75), (149, 17)] {
            let resized = image.resized(width: width, height: height)
            #expect(abs(Self.mean(resized) - Self.mean(image)) < 1e-5)
        }
    }

    @Test("resizing to the same size is the identity")
    func identity() {
        let image = Self.random(width: 13, height: 9, channels: 3, seed: 1)
        #expect(image.resized(width: 13, height: 9) == image)
        // One axis unchanged: that axis is copied exactly.
        let column = Image(width: 1, height: 4, channels: 1, pixels: [0.1, 0.2, 0.3, 0.4])
        #expect(column.resized(width: 3, height: 4).pixels == [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.4, 0.4, 0.4])
    }

    @Test("enlarging a 2x2 image interpolates bilinearly between pixel centres")
    func upscale() {
        let image = Image(width: 2, height: 2, channels: 1, pixels: [0, 1, 0, 1])
        let big = image.resized(width: 4, height: 4)
        #expect(big.pixels == [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1])
        let tall = Image(width: 2, height: 2, channels: 1, pixels: [0, 0, 1, 1]).resized(width: 2, height: 4)
        #expect(tall.pixels == [0, 0, 0.25, 0.25, 0.75, 0.75, 1, 1])
    }

    @Test("centre crops keep the largest centred region with the aspect ratio")
    func centreCrop() {
        let wide = Self.random(width: 150, height: 100, channels: 3, seed: 3)
        let square = wide.centerCropped(aspectWidth: 1, aspectHeight: 1)
        #expect(square.width == 100 && square.height == 100)
        #expect(square[0, 0, 1] == wide[25, 0, 1] && square[99, 99, 2] == wide[124, 99, 2])

        let orl = Self.random(width: 92, height: 112, channels: 1, seed: 4)
        let face = orl.centerCropped(aspectWidth: 1, aspectHeight: 1)
        #expect(face.width == 92 && face.height == 92 && face[0, 0, 0] == orl[0, 10, 0])

        let cinema = Self.random(width: 100, height: 100, channels: 1, seed: 5).centerCropped(aspectWidth: 16, aspectHeight: 9)
        #expect(cinema.width == 100 && cinema.height == 56)
        #expect(wide.centerCropped(aspectWidth: 3, aspectHeight: 2) == wide)
    }

    @Test("cropped copies the requested rectangle")
    func crop() {
        let image = Image(width: 3, height: 3, channels: 1, pixels: (0..<9).map { Float($0) / 8 })
        let corner = image.cropped(x: 1, y: 1, width: 2, height: 2)
        #expect(corner.pixels == [4, 5, 7, 8].map { Float($0) / 8 })
    }

    @Test("grey() uses Rec. 601 luma, rgb() replicates, withChannels picks between them")
    func channels() {
        let image = Image(width: 2, height: 1, channels: 3, pixels: [1, 0, 0, 0.2, 0.4, 0.6])
        let grey = image.grey()
        #expect(grey.channels == 1)
        #expect(abs(grey.pixels[0] - 0.299) < 1e-6)
        #expect(abs(grey.pixels[1] - (0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6)) < 1e-6)
        #expect(grey.grey() == grey)
        #expect(grey.rgb().pixels == [grey.pixels[0], grey.pixels[0], grey.pixels[0],
                                      grey.pixels[1], grey.pixels[1], grey.pixels[1]])
        #expect(image.rgb() == image)
        #expect(image.withChannels(1) == grey && image.withChannels(3) == image)
        let white = Image(width: 1, height: 1, channels: 3, pixels: [1, 1, 1])
        #expect(white.grey().pixels == [1])
    }

    @Test("prepared(for:) gives the spec's size and channels, cropping before resizing for .centerCrop")
    func prepared() {
        // 300x100: black, white, black thirds.
        let pixels = (0..<(300 * 100)).map { (100..<200).contains($0 % 300) ? Float(1) : 0 }
        let image = Image(width: 300, height: 100, channels: 1, pixels: pixels)
        let cropped = image.prepared(for: ImageInputSpec(width: 10, height: 10, channels: 3, fit: .centerCrop))
        #expect(cropped.width == 10 && cropped.height == 10 && cropped.channels == 3)
        #expect(cropped.pixels.allSatisfy { abs($0 - 1) < 1e-6 })
        let stretched = image.prepared(for: ImageInputSpec(width: 12, height: 8, channels: 1, fit: .stretch))
        #expect(stretched.width == 12 && stretched.height == 8 && stretched.channels == 1)
        #expect(stretched[0, 0, 0] == 0 && abs(stretched[6, 4, 0] - 1) < 1e-6)
        #expect(abs(Self.mean(stretched) - 1.0 / 3) < 1e-6)
    }
}

@Suite("Centre regions")
struct CenterRegionTests {
    let image = Image(width: 4, height: 4, channels: 1, pixels: (0..<16).map { Float($0) / 15 })

    @Test("a fraction below 1 is the centred crop")
    func cropsBelowOne() {
        #expect(image.centerRegion(fraction: 0.5) == image.cropped(x: 1, y: 1, width: 2, height: 2))
        #expect(image.centerRegion(fraction: 1) == image)
    }

    @Test("a fraction above 1 widens the image by repeating its edges")
    func padsAboveOne() {
        let wide = image.centerRegion(fraction: 1.5)
        #expect(wide.width == 6 && wide.height == 6)
        #expect(wide.cropped(x: 1, y: 1, width: 4, height: 4) == image)
        #expect(wide.pixels[0] == image.pixels[0] && wide.pixels[5] == image.pixels[3])
        #expect(wide.pixels[35] == image.pixels[15])
    }

    @Test("prepared(for:) applies the spec's crop after fitting")
    func preparedCrops() {
        let spec = ImageInputSpec(width: 2, height: 2, channels: 1, fit: .centerCrop, crop: 0.5)
        #expect(image.prepared(for: spec) == image.cropped(x: 1, y: 1, width: 2, height: 2))
    }
}
