import Foundation
import Testing
@testable import Raster

@Suite("Colormap and colorbar scale")
struct ColormapTests {
    @Test("viridis matches entries of the standard 256-entry table within one 8-bit level")
    func viridisReference() {
        // (index, R, G, B) from the standard table, scaled to 8 bits.
        let reference: [(Int, Int, Int, Int)] = [
            (0, 68, 1, 84), (64, 59, 82, 139), (128, 33, 145, 140), (192, 94, 201, 98), (255, 253, 231, 37),
        ]
        for (index, red, green, blue) in reference {
            let color = Colormap.viridis.color(atFraction: Double(index) / 255)
            #expect(abs(Int(color.red) - red) <= 1 && abs(Int(color.green) - green) <= 1 && abs(Int(color.blue) - blue) <= 1,
                    "entry \(index): \(color)")
        }
    }

    @Test("viridis lightness increases monotonically (perceptual ordering)")
    func monotoneLightness() {
        func linear(_ value: UInt8) -> Double {
            let c = Double(value) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        var previous = -1.0
        for step in 0...255 {
            let color = Colormap.viridis.color(atFraction: Double(step) / 255)
            let luminance = 0.2126 * linear(color.red) + 0.7152 * linear(color.green) + 0.0722 * linear(color.blue)
            #expect(luminance >= previous - 5e-4, "step \(step)")  // the 8-bit table itself dips by 3e-4 once
            previous = luminance
        }
    }

    @Test("values map through [minimum, maximum] with clamping; gray map is linear")
    func mapping() {
        let viridis = Colormap.viridis
        #expect(viridis.color(for: 50, minimum: 0, maximum: 100) == viridis.color(atFraction: 0.5))
        #expect(viridis.color(for: -10, minimum: 0, maximum: 100) == viridis.color(atFraction: 0))
        #expect(viridis.color(for: 1e9, minimum: 0, maximum: 100) == viridis.color(atFraction: 1))
        #expect(viridis.color(for: 5, minimum: 3, maximum: 3) == viridis.color(atFraction: 0))
        #expect(viridis.color(atFraction: .nan) == viridis.color(atFraction: 0))
        #expect(Colormap.gray.color(atFraction: 0.5) == RGBColor(gray: 128))
    }

    @Test("colorbar scales use nice steps and cover the data")
    func scales() {
        let scale = ColorbarScale(lower: 0, upper: 137.2)
        #expect(scale.minimum == 0 && scale.maximum == 150 && scale.step == 50)
        #expect(scale.ticks == [0, 50, 100, 150])
        #expect(scale.label(for: 100) == "100")
        let small = ColorbarScale(lower: 0, upper: 0.83)
        #expect(small.step == 0.2 && small.maximum == 1.0 && small.decimals == 1)
        #expect(small.label(for: 0.4) == "0.4")
        let negative = ColorbarScale(lower: -12, upper: 31)
        #expect(negative.minimum <= -12 && negative.maximum >= 31 && negative.ticks.count <= 6)
        #expect(negative.label(for: -10) == "-10")
        let flat = ColorbarScale(lower: 5, upper: 5)
        #expect(flat.minimum <= 5 && flat.maximum >= 6)
        let broken = ColorbarScale(lower: .nan, upper: .infinity)
        #expect(broken.ticks.count >= 2)
        for upper in [0.001, 0.7, 3, 9.99, 42, 250, 999, 12_345] {
            let scale = ColorbarScale(lower: 0, upper: upper)
            #expect(scale.maximum >= upper && scale.ticks.count >= 2 && scale.ticks.count <= 6, "upper \(upper)")
        }
    }

    @Test("bitmap font widths and unknown characters")
    func font() {
        #expect(BitmapFont.width(of: "kPa", scale: 2) == (3 * 6 - 1) * 2)
        #expect(BitmapFont.height(scale: 3) == 21)
        for character in "0123456789.-kPa " { #expect(BitmapFont.supports(character)) }
        #expect(!BitmapFont.supports("Z"))
        var image = RasterImage(width: 20, height: 10, filledWith: .white)
        BitmapFont.draw("1", into: &image, x: 0, y: 0, scale: 1, color: .black)
        // '1' has its stem in column 2: rows 0...6.
        #expect(image.color(x: 2, y: 3) == .black && image.color(x: 0, y: 3) == .white)
    }
}
