import Datasets
import Foundation
import Learning
import Raster
import Storage

/// Masks (and, from label files, stress maps) read for training or prediction.
///
/// A label file (`format` = plaquefem-labels) is read with `LabelFileReader`; rows whose
/// `/status` is not 0 are skipped when `labeledOnly`. Any other HDF5 file must hold `/masks`
/// (N, H, W) of integers (phantom files, prediction files); it has no stress maps.
struct MaskDataset {
    /// The kept masks, values 0/1.
    var masks: ImageBatch
    /// The kept stress maps (kPa), nil for files without labels.
    var stress: ImageBatch?
    /// Row numbers of the kept masks in the file.
    var rows: [Int]
    /// Rows in the file.
    var fileRowCount: Int
    /// Pixel size (mm) recorded in the file, or the default 0.125 mm.
    var pixelSize: Double

    static func read(path: String, labeledOnly: Bool) throws -> MaskDataset {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path) does not exist") }
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
            return MaskDataset(
                masks: try ImageBatch(masks: masks, count: rows.count, height: c.rows, width: c.columns),
                stress: try ImageBatch(count: rows.count, height: c.rows, width: c.columns, values: stress),
                rows: rows, fileRowCount: contents.count, pixelSize: c.pixelSize)
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
