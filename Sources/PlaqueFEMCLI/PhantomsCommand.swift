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
            With --components the masks are class masks (0 outside, 1 fibrous, 2 lipid, 3 calcium) for \
            'label --components': the same walls as without, plus a lipid pool under a fibrous cap of \
            0.19-0.5 mm (probability 0.7) and 0-2 calcium deposits of 0.25-0.75 mm anywhere across the \
            wall (docs/labeling.md, 'Component phantoms'); PNGs in the VH-IVUS colours.
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
    @Flag(help: "Class masks with lipid pools and calcium deposits (0 outside, 1 fibrous, 2 lipid, 3 calcium).")
    var components = false

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be in 1...1000000") }
        guard start >= 0 else { throw ValidationError("--start must be >= 0") }
        guard overwrite || !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("\(output) exists; use --overwrite to replace it")
        }
    }

    func run() throws {
        let generator = try PhantomGenerator(seed: seed)
        let componentGenerator = components ? try ComponentPhantomGenerator(walls: generator) : nil
        let withComponents = componentGenerator?.phantoms(in: start..<(start + count))
        let phantoms = withComponents?.map(\.phantom) ?? generator.phantoms(in: start..<(start + count))
        let grid = generator.grid
        if let png { try FileManager.default.createDirectory(atPath: png, withIntermediateDirectories: true) }
        let file = try HDF5File.create(at: output, mode: overwrite ? .truncate : .exclusive)
        let masks = try file.createDataset("masks", elementType: UInt8.self, shape: [count, grid.rows, grid.columns],
                                           chunkRows: min(64, count), compression: .deflate(level: 4, shuffle: true))
        if let withComponents {
            try masks.write(withComponents.flatMap(\.classMask.classes))
            try masks.attributes.set("description", to: "synthetic IVUS class masks (0 outside the wall, 1 fibrous, 2 lipid, 3 calcium)")
        } else {
            try masks.write(phantoms.flatMap { $0.mask.wall.pixels })
            try masks.attributes.set("description", to: "synthetic IVUS vessel-wall masks (1 = wall)")
        }
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
        if let withComponents {
            try column("cap_thickness_mm", "mm (NaN: no lipid pool)", withComponents.map { $0.capThickness ?? .nan })
            try column("lipid_pixels", "pixels", withComponents.map { Double($0.classMask.counts[2]) })
            try column("calcium_pixels", "pixels", withComponents.map { Double($0.classMask.counts[3]) })
            try column("calcium_deposits", "1", withComponents.map { Double($0.calciumDeposits) })
            try file.attributes.set("component_distribution_json",
                                    to: String(decoding: try sortedJSONEncoder.encode(componentGenerator!.distribution), as: UTF8.self))
        }
        let seeds = try group.createDataset("seed", elementType: Int64.self, shape: [count])
        try seeds.write(phantoms.map { Int64(bitPattern: $0.seed) })
        try file.setProvenance(format: "plaquefem-masks", version: 1)
        try file.attributes.set("seed", to: Int64(bitPattern: seed))
        try file.attributes.set("first_index", to: Int64(start))
        try file.attributes.set("pixel_size_mm", to: grid.pixelSize)
        try file.attributes.set("distribution_json", to: String(decoding: try sortedJSONEncoder.encode(generator.distribution), as: UTF8.self))
        try file.close()
        if let png {
            for (k, phantom) in phantoms.enumerated() {
                let path = (png as NSString).appendingPathComponent(String(format: "phantom-%05d.png", phantom.index))
                if let withComponents {
                    try PNGFile.write(ComponentPalette.virtualHistology().picture(of: withComponents[k].classMask), to: path)
                } else {
                    try PNGFile.write(mask: phantom.mask.wall, to: path)
                }
            }
        }
        let burdens = phantoms.map(\.mask.plaqueBurden)
        print("wrote \(count) phantoms (seed \(seed), indices \(start)..<\(start + count)) to \(output)"
            + String(format: "; plaque burden %.2f-%.2f", burdens.min() ?? 0, burdens.max() ?? 0)
            + (withComponents.map { c in
                "; \(c.filter { $0.capThickness != nil }.count) with a lipid pool, \(c.map(\.calciumDeposits).reduce(0, +)) calcium deposits"
            } ?? ""))
    }
}
