import ArgumentParser
import Foundation
import Raster
import Storage

/// `plaquefem phantoms`: synthetic IVUS vessel-wall masks.
struct PhantomsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantoms",
        abstract: "Generate synthetic IVUS vessel-wall masks (seeded; same seed, same bytes).",
        discussion: """
            Vessel (outer) diameter uniform in 3-5 mm, plaque burden (wall area / vessel area) uniform in \
            0.3-0.8, an eccentric lumen and irregular smooth borders (low Fourier modes), rasterized at \
            64x64 pixels of 0.125 mm; every mask passes validation. Mask k depends only on (seed, k).
            """
    )

    @Option(help: "Number of masks.")
    var count: Int
    @Option(help: "Random seed.")
    var seed: UInt64
    @Option(help: "Output HDF5 file (/masks uint8 (N, 64, 64) plus the generating parameters).")
    var output: String
    @Option(help: "Also write each mask as a PNG into this folder.")
    var png: String?
    @Option(help: "Index of the first mask (to split a set across processes).")
    var start: Int = 0
    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be in 1...1000000") }
        guard start >= 0 else { throw ValidationError("--start must be >= 0") }
        guard overwrite || !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("\(output) exists; use --overwrite to replace it")
        }
    }

    func run() throws {
        let generator = try PhantomGenerator(seed: seed)
        let phantoms = generator.phantoms(in: start..<(start + count))
        let grid = generator.grid
        if let png { try FileManager.default.createDirectory(atPath: png, withIntermediateDirectories: true) }
        let file = try HDF5File.create(at: output, mode: overwrite ? .truncate : .exclusive)
        let masks = try file.createDataset("masks", elementType: UInt8.self, shape: [count, grid.rows, grid.columns],
                                           chunkRows: min(64, count), compression: .deflate(level: 4, shuffle: true))
        try masks.write(phantoms.flatMap { $0.mask.wall.pixels })
        try masks.attributes.set("description", to: "synthetic IVUS vessel-wall masks (1 = wall)")
        let group = try file.createGroup("phantom")
        func column(_ name: String, _ units: String, _ values: [Double]) throws {
            let dataset = try group.createDataset(name, elementType: Double.self, shape: [values.count])
            try dataset.write(values)
            try dataset.attributes.set("units", to: units)
        }
        try column("outer_diameter_mm", "mm", phantoms.map(\.parameters.outerDiameter))
        try column("plaque_burden", "1", phantoms.map(\.parameters.plaqueBurden))
        try column("eccentricity", "1", phantoms.map(\.parameters.eccentricity))
        try column("lumen_offset_mm", "mm", phantoms.map(\.parameters.lumenOffset))
        try column("pixel_plaque_burden", "1", phantoms.map(\.mask.plaqueBurden))
        let seeds = try group.createDataset("seed", elementType: Int64.self, shape: [count])
        try seeds.write(phantoms.map { Int64(bitPattern: $0.seed) })
        try file.setProvenance(format: "plaquefem-masks", version: 1)
        try file.attributes.set("seed", to: Int64(bitPattern: seed))
        try file.attributes.set("first_index", to: Int64(start))
        try file.attributes.set("pixel_size_mm", to: grid.pixelSize)
        try file.attributes.set("distribution_json", to: String(decoding: try sortedJSONEncoder.encode(generator.distribution), as: UTF8.self))
        try file.close()
        if let png {
            for phantom in phantoms {
                try PNGFile.write(mask: phantom.mask.wall, to: (png as NSString).appendingPathComponent(String(format: "phantom-%05d.png", phantom.index)))
            }
        }
        let burdens = phantoms.map(\.mask.plaqueBurden)
        print("wrote \(count) phantoms (seed \(seed), indices \(start)..<\(start + count)) to \(output)"
            + String(format: "; plaque burden %.2f-%.2f", burdens.min() ?? 0, burdens.max() ?? 0))
    }
}
