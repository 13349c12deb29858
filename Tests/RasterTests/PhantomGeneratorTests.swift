import Foundation
import Testing
@testable import Raster

@Suite("Synthetic IVUS phantoms")
struct PhantomGeneratorTests {
    @Test("SplitMix64 and xoshiro256** reproduce the reference outputs")
    func generators() {
        // SplitMix64 from seed 0: first output of Vigna's reference implementation.
        var splitMix = SplitMix64(seed: 0)
        #expect(splitMix.next() == 0xE220_A839_7B1D_CDAF)
        #expect(splitMix.next() == 0x6E78_9E6A_A1B9_65F4)
        var first = Xoshiro256StarStar(seed: 12_345)
        var second = Xoshiro256StarStar(seed: 12_345)
        var other = Xoshiro256StarStar(seed: 12_346)
        let a = (0..<100).map { _ in first.next() }
        #expect(a == (0..<100).map { _ in second.next() })
        #expect(a != (0..<100).map { _ in other.next() })
        var uniform = Xoshiro256StarStar(seed: 1)
        let values = (0..<10_000).map { _ in uniform.nextUnit() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.01)
    }

    @Test("same seed, same bytes; phantom k is independent of the others; seeds differ")
    func determinism() throws {
        let one = try PhantomGenerator(seed: 7)
        let two = try PhantomGenerator(seed: 7)
        let batch = one.phantoms(in: 0..<6)
        for phantom in batch {
            let again = two.phantom(at: phantom.index)
            #expect(again.mask.original.pixels == phantom.mask.original.pixels)
            #expect(again.parameters == phantom.parameters)
            #expect(try PNGFile.encode(mask: again.mask.original) == PNGFile.encode(mask: phantom.mask.original))
        }
        // Index-addressable: phantom 5 alone equals phantom 5 of the batch.
        #expect(two.phantom(at: 5) == batch[5])
        #expect(two.phantom(at: 5).seed == one.seed(forIndex: 5))
        let otherSeed = try PhantomGenerator(seed: 8)
        #expect(otherSeed.phantom(at: 0).mask.original != batch[0].mask.original)
        #expect(Set((0..<1_000).map(one.seed(forIndex:))).count == 1_000)
        #expect(batch[0].mask.original != batch[1].mask.original)
    }

    @Test("every phantom validates and follows the documented distributions")
    func distributions() throws {
        let generator = try PhantomGenerator(seed: 2024)
        let phantoms = generator.phantoms(in: 0..<60)
        var diameters: [Double] = []
        var burdens: [Double] = []
        for phantom in phantoms {
            let parameters = phantom.parameters
            let mask = phantom.mask
            #expect(phantom.attempts == 1)
            // Validation passed by construction; check it again independently.
            #expect(try phantom.mask.original.validated() == mask)
            #expect(mask.removedSpecks.isEmpty && mask.filledHoles.isEmpty)
            #expect((3...5).contains(parameters.outerDiameter))
            #expect((0.3...0.8).contains(parameters.plaqueBurden))
            #expect((0...1).contains(parameters.eccentricity))
            #expect(parameters.lumenOffset <= parameters.maximumOffset + 1e-12)
            #expect(parameters.minimumGap >= parameters.minimumWallThickness - 1e-3)
            #expect(parameters.minimumWallThickness >= 1.6 * 0.125 - 1e-12)
            // Continuous areas match the drawn diameter and burden exactly.
            #expect(abs(parameters.vesselArea - Double.pi * pow(parameters.outerDiameter, 2) / 4) < 1e-9)
            #expect(abs(1 - parameters.lumenArea / parameters.vesselArea - parameters.plaqueBurden) < 1e-9)
            // The raster is close: vessel area within 6 %, burden within 0.05.
            #expect(abs(mask.vesselArea / parameters.vesselArea - 1) < 0.06)
            #expect(abs(mask.plaqueBurden - parameters.plaqueBurden) < 0.05)
            #expect(mask.minimumWallDistance >= 1.6)
            // The vessel centre stays within the jitter square around the image centre.
            #expect(abs(parameters.outerContour.centerX - 4) <= 0.4 && abs(parameters.outerContour.centerY - 4) <= 0.4)
            diameters.append(parameters.outerDiameter)
            burdens.append(parameters.plaqueBurden)
        }
        // Roughly uniform: means near the centres, both halves of each range populated.
        let meanDiameter = diameters.reduce(0, +) / Double(diameters.count)
        let meanBurden = burdens.reduce(0, +) / Double(burdens.count)
        #expect(abs(meanDiameter - 4) < 0.25)
        #expect(abs(meanBurden - 0.55) < 0.07)
        #expect(diameters.contains { $0 < 3.5 } && diameters.contains { $0 > 4.5 })
        #expect(burdens.contains { $0 < 0.4 } && burdens.contains { $0 > 0.7 })
        #expect(phantoms.contains { $0.parameters.lumenOffset > 0.2 })
    }

    @Test("Fourier contours: radius, area and containment")
    func contours() {
        let circle = FourierContour(centerX: 1, centerY: 2, meanRadius: 0.5, modes: [])
        #expect(circle.contains(x: 1.2, y: 2.2) && !circle.contains(x: 1.6, y: 2))
        #expect(abs(circle.area - Double.pi * 0.25) < 1e-15)
        let wavy = FourierContour(
            centerX: 0, centerY: 0, meanRadius: 2,
            modes: [FourierMode(order: 3, cosine: 0.1, sine: 0), FourierMode(order: 2, cosine: 0, sine: -0.05)])
        #expect(wavy.modes.map(\.order) == [2, 3])
        #expect(abs(wavy.radius(at: 0) - 2.2) < 1e-12)
        #expect(abs(wavy.radius(at: 0.7) - 2 * (1 + 0.1 * cos(2.1) - 0.05 * sin(1.4))) < 1e-12)
        // Area by the polygon (shoelace) matches the closed form.
        let points = wavy.polygon(count: 2_000)
        var shoelace = 0.0
        for index in 0..<points.count {
            let next = points[(index + 1) % points.count]
            shoelace += points[index].x * next.y - next.x * points[index].y
        }
        #expect(abs(abs(shoelace) / 2 - wavy.area) / wavy.area < 1e-5)
        #expect(abs(wavy.equivalentDiameter - 2 * (wavy.area / Double.pi).squareRoot()) < 1e-12)
    }

    @Test("unsupported grids and distributions are typed errors")
    func errors() {
        #expect(throws: PhantomError.self) { try PhantomGenerator(seed: 1, grid: PixelGrid(rows: 32, columns: 32)!) }
        #expect(throws: PhantomError.self) { try PhantomGenerator(seed: 1, grid: PixelGrid(rows: 64, columns: 64, pixelSize: 0.25)!) }
        #expect(throws: PhantomError.self) {
            try PhantomGenerator(seed: 1, distribution: PhantomDistribution(plaqueBurdenRange: 0.3...1.0))
        }
        #expect(throws: PhantomError.self) {
            try PhantomGenerator(seed: 1, distribution: PhantomDistribution(lumenIrregularity: 0.5))
        }
        #expect(throws: PhantomError.self) {
            try PhantomGenerator(seed: 1, validationOptions: MaskValidationOptions(minimumWallDistance: 50))
        }
        // A finer, larger grid works.
        #expect(throws: Never.self) {
            let fine = try PhantomGenerator(seed: 3, grid: PixelGrid(rows: 128, columns: 128, pixelSize: 0.0625)!)
            _ = fine.phantom(at: 0)
        }
    }
}
