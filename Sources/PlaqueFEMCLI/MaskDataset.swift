import Datasets
import Foundation
import Learning
import Raster
import Storage

/// Masks (and, from label files, stress maps) read for training or prediction.
///
/// A label file (`format` = plaquefem-labels) is read with `LabelFileReader`; rows whose
/// `/status` is not 0 are skipped when `labeledOnly`; its `/components` are the class maps.
/// Any other HDF5 file must hold `/masks` (N, H, W) of integers (phantom files, prediction
/// files); it has no stress maps, and class maps only when it is a component phantom file
/// (`phantoms --components`: class codes in `/masks`). With `classes`, the input (.npy, HDF5
/// `/masks`, grey or VH-IVUS palette PNG) is read as class masks the way `label --components`
/// reads it (`MaskInput`).
struct MaskDataset {
    /// The kept masks, values 0/1.
    var masks: ImageBatch
    /// The kept stress maps (kPa), nil for files without labels.
    var stress: ImageBatch?
    /// The kept class maps (codes 0...3 as Float), nil for inputs without class information.
    var classes: ImageBatch?
    /// Whether the file is a label file.
    var isLabelFile = false
    /// Row numbers of the kept masks in the file.
    var rows: [Int]
    /// Rows in the file.
    var fileRowCount: Int
    /// Pixel size (mm) recorded in the file, or the default 0.125 mm.
    var pixelSize: Double

    static func read(path: String, labeledOnly: Bool, classes readsClasses: Bool = false) throws -> MaskDataset {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path) does not exist") }
        let kind = URL(fileURLWithPath: path).pathExtension.lowercased()
        if readsClasses, !["h5", "hdf5"].contains(kind) { return try readClassMasks(path: path) }
        let file = try HDF5File.open(at: path)
        let format = (try? file.attributes.string("format")) ?? ""
        if format == LabelFileWriter.formatName {
            try file.close()
            let contents = try LabelFileReader.read(at: path)
            let c = contents.configuration
            let rows = (0..<contents.count).filter { !labeledOnly || contents.status[$0] == 0 }
            let n = contents.pixelsPerMask
            let masks = rows.flatMap { contents.masks[$0 * n..<($0 + 1) * n] }
            let stress = rows.flatMap { contents.stress[$0 * n..<($0 + 1) * n] }
            let classes = contents.components.map { all in rows.flatMap { all[$0 * n..<($0 + 1) * n] }.map { Float($0) } }
            return MaskDataset(
                masks: try ImageBatch(masks: masks, count: rows.count, height: c.rows, width: c.columns),
                stress: try ImageBatch(count: rows.count, height: c.rows, width: c.columns, values: stress),
                classes: try classes.map { try ImageBatch(count: rows.count, height: c.rows, width: c.columns, values: $0) },
                isLabelFile: true, rows: rows, fileRowCount: contents.count, pixelSize: c.pixelSize)
        }
        // Component phantoms (and class masks asked for with --classes) hold class codes in /masks.
        let componentPhantoms = (try? file.attributes.contains("component_distribution_json")) ?? false
        if readsClasses || componentPhantoms {
            try file.close()
            return try readClassMasks(path: path)
        }
        defer { try? file.close() }
        guard try file.contains("masks") else {
            throw CLIError("\(path) has neither the label-file format nor a /masks dataset")
        }
        let dataset = try file.openDataset("masks")
        let shape = try dataset.shape
        guard shape.count == 3 else { throw CLIError("\(path): /masks has shape \(shape), expected (N, rows, columns)") }
        let values = try dataset.readConverted(as: UInt8.self)
        let pixelSize = (try? file.attributes.scalar("pixel_size_mm", as: Double.self)) ?? PixelGrid.defaultPixelSize
        return MaskDataset(
            masks: try ImageBatch(masks: values, count: shape[0], height: shape[1], width: shape[2]),
            stress: nil, rows: Array(0..<shape[0]), fileRowCount: shape[0], pixelSize: pixelSize)
    }

    /// Class masks read by `MaskInput` as `label --components` reads them (VH-IVUS palette for
    /// colour PNGs); every image must be readable and of one size.
    static func readClassMasks(path: String) throws -> MaskDataset {
        var pixelSize = PixelGrid.defaultPixelSize
        if ["h5", "hdf5"].contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
            let file = try HDF5File.open(at: path)
            pixelSize = (try? file.attributes.scalar("pixel_size_mm", as: Double.self)) ?? pixelSize
            try file.close()
        }
        let items = MaskInput.read([path], pixelSize: pixelSize, hdf5Dataset: "masks", classes: .virtualHistology())
        var classMasks: [ClassMask] = []
        for item in items {
            if case .failure(let failure) = item.mask { throw CLIError("\(item.source) is not a class mask: \(failure)") }
            guard let classes = item.classMask else { throw CLIError("\(item.source) was not read as a class mask") }
            classMasks.append(classes)
        }
        guard let grid = classMasks.first?.grid else { throw CLIError("\(path) holds no class masks") }
        guard classMasks.allSatisfy({ $0.grid.rows == grid.rows && $0.grid.columns == grid.columns }) else {
            throw CLIError("\(path): the class masks differ in size")
        }
        let codes = classMasks.flatMap(\.classes)
        let count = classMasks.count
        return MaskDataset(
            masks: try ImageBatch(masks: codes, count: count, height: grid.rows, width: grid.columns), stress: nil,
            classes: try ImageBatch(count: count, height: grid.rows, width: grid.columns, values: codes.map { Float($0) }),
            rows: Array(0..<count), fileRowCount: count, pixelSize: grid.pixelSize)
    }

    /// The surrogate inputs of `encoding`: the masks (as always) for `.mask`; the class maps
    /// for `.components`.
    /// - Throws: `DatasetError.noComponents` for a label file without `/components`, and
    ///   `LearningError.classMapsRequired` for plain masks, when `encoding` needs class maps.
    func inputs(for encoding: SurrogateInputEncoding, path: String) throws -> SurrogateInputs {
        guard encoding.needsClassMaps else { return .masks(masks) }
        if let classes { return try .classMaps(classes) }
        if isLabelFile { throw DatasetError.noComponents(path: path) }
        throw LearningError.classMapsRequired("\(path) holds plain wall masks in /masks; give a label file with /components, "
            + "a component phantom file (plaquefem phantoms --components), or class masks (.npy, HDF5 /masks, grey or "
            + "VH-IVUS palette PNG) with --classes")
    }
}

/// A seeded split of 0..<count into training and held-out rows (held-out count = round(fraction x count)).
func heldOutSplit(count: Int, fraction: Double, seed: UInt64) -> (training: [Int], validation: [Int]) {
    var generator = Xoshiro256StarStar(seed: seed)
    var order = Array(0..<count)
    // Fisher-Yates spelled out: the standard library's shuffle algorithm is not guaranteed stable across releases.
    for i in stride(from: count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
    }
    let held = Int((fraction * Double(count)).rounded())
    return (order[held...].sorted(), order[..<held].sorted())
}

/// A user-facing error of a command, printed as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Seconds elapsed since `start` (monotonic clock).
func secondsSince(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
