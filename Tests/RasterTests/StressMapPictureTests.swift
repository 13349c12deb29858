import Foundation
import Testing
@testable import Raster

@Suite("Stress map pictures")
struct StressMapPictureTests {
    /// A smooth fake stress field on a validated mask: the Lame hoop stress of a thick-walled
    /// tube under 16 kPa, sigma = p ri^2 / (ro^2 - ri^2) (1 + ro^2 / r^2), with r measured from
    /// `center` (mm) and ri, ro the lumen and vessel equal-area radii; 0 outside the wall.
    static func fakeStress(_ mask: ValidatedMask, center: (x: Double, y: Double)) -> [Double] {
        let innerRadius = (mask.lumenArea / Double.pi).squareRoot()
        let outerRadius = (mask.vesselArea / Double.pi).squareRoot()
        let pressure = 16.0
        let grid = mask.grid
        return (0..<grid.count).map { index in
            guard mask.classes[index] == .wall else { return 0 }
            let pixel = grid.pixel(at: index)
            let point = grid.center(row: pixel.row, column: pixel.column)
            let r2 = max(innerRadius * innerRadius, pow(point.x - center.x, 2) + pow(point.y - center.y, 2))
            return pressure * innerRadius * innerRadius / (outerRadius * outerRadius - innerRadius * innerRadius)
                * (1 + outerRadius * outerRadius / r2)
        }
    }

    @Test("rendering: size, colours of outside and wall pixels, colorbar, and PNG round trip")
    func render() throws {
        let mask = try TestSupport.ring(inner: 9, outer: 17).validated()
        let stress = Self.fakeStress(mask, center: (4.0625, 4.0625))
        let picture = try StressMapPicture(stress: stress, grid: mask.grid, wall: mask.wall)
        let image = picture.render()
        #expect(image.channels == .rgb)
        #expect(image.height > 64 * 6 && image.width > 64 * 6 + 40)
        let scale = picture.colorbarScale
        #expect(scale.minimum == 0 && scale.maximum >= stress.max()!)
        let layout = picture.layout(besideMask: false)
        #expect(layout.width == image.width && layout.height == image.height && layout.maskX == nil)
        #expect(layout.panelWidth == 384 && layout.panelHeight == 384)
        // Pixel (0, 0) is outside; pixel (32, 44) is wall.
        #expect(image.color(x: layout.mapX + 3, y: layout.panelY + 3) == picture.outsideColor)
        let index = 32 * 64 + 44
        let expected = Colormap.viridis.color(for: stress[index], minimum: scale.minimum, maximum: scale.maximum)
        #expect(image.color(x: layout.mapX + 44 * 6 + 3, y: layout.panelY + 32 * 6 + 3) == expected)
        #expect(picture.outsideColor != Colormap.viridis.color(atFraction: 0))
        // Colorbar: top row is (nearly) the maximum colour, bottom row the minimum colour.
        #expect(image.color(x: layout.barX + 5, y: layout.panelY) == Colormap.viridis.color(atFraction: 1 - 0.5 / 384))
        #expect(image.color(x: layout.barX + 5, y: layout.panelY + 383) == Colormap.viridis.color(atFraction: 0.5 / 384))
        let bytes = try PNGFile.encode(image)
        #expect(try PNGFile.readImage(data: bytes) == image)
        let side = picture.render(besideMask: mask.original)
        let sideLayout = picture.layout(besideMask: true)
        let maskX = try #require(sideLayout.maskX)
        #expect(side.width == sideLayout.width && side.height == image.height && side.width > image.width + 384)
        #expect(side.color(x: maskX + 3, y: sideLayout.panelY + 3) == .black)
        #expect(side.color(x: maskX + 44 * 6 + 3, y: sideLayout.panelY + 32 * 6 + 3) == .white)
        #expect(side.color(x: sideLayout.mapX + 44 * 6 + 3, y: sideLayout.panelY + 32 * 6 + 3) == expected)
    }

    @Test("without a mask, zero and non-finite pixels are outside; explicit range and scale")
    func optionsAndErrors() throws {
        let grid = PixelGrid(rows: 4, columns: 4)!
        var stress = [Double](repeating: 0, count: 16)
        stress[5] = 10
        stress[6] = .nan
        var picture = try StressMapPicture(stress: stress, grid: grid)
        picture.scale = 2
        picture.range = 0...20
        #expect(picture.isWall(5) && !picture.isWall(0) && !picture.isWall(6))
        #expect(picture.colorbarScale.maximum == 20)
        let image = picture.render()
        #expect(image.width > 8 && image.height > 8)
        #expect(throws: RasterError.self) { try StressMapPicture(stress: [1, 2, 3] as [Double], grid: grid) }
        let wrongMask = TestSupport.ring(inner: 2, outer: 4)
        #expect(throws: RasterError.self) { try StressMapPicture(stress: stress, grid: grid, wall: wrongMask) }
        let floats = try StressMapPicture(stress: stress.map(Float.init), grid: grid)
        #expect(floats.stress[5] == 10)
    }

    @Test("pictures for inspection: ring, eccentric phantoms, mask | stress map")
    func pictures() throws {
        let directory = TestSupport.pictureDirectory()
        let ring = try TestSupport.ring(inner: 9, outer: 17).validated()
        try StressMapPicture(stress: Self.fakeStress(ring, center: (4.0625, 4.0625)), grid: ring.grid, wall: ring.wall)
            .writePNG(to: directory + "/ring-stress.png")
        let generator = try PhantomGenerator(seed: 2024)
        let thick = generator.phantoms(in: 0..<20).filter { $0.parameters.plaqueBurden > 0.55 }.prefix(2)
        for phantom in [generator.phantom(at: 0)] + thick {
            let index = phantom.index
            let lumen = phantom.parameters.lumenContour
            let picture = try StressMapPicture(
                stress: Self.fakeStress(phantom.mask, center: (lumen.centerX, lumen.centerY)),
                grid: phantom.mask.grid, wall: phantom.mask.wall)
            try picture.writePNG(besideMask: phantom.mask.original, to: directory + "/phantom-\(index)-mask-stress.png")
            try PNGFile.write(mask: phantom.mask.original, to: directory + "/phantom-\(index)-mask.png")
        }
        #expect(FileManager.default.fileExists(atPath: directory + "/phantom-0-mask-stress.png"))
    }
}
