import Foundation
import Meshing
import Raster

/// Writes rows of a label file as files other tools open: PNG pictures, NumPy arrays, VTK grids.
public enum LabelFileExport {
    /// Output formats of `plaquefem export`.
    public enum Format: String, Sendable, CaseIterable {
        /// `NNNNN-stress.png`: the mask beside its stress map with a colorbar in kPa (mask only for failed rows).
        case png
        /// `masks.npy` uint8 (n, H, W), `stress.npy` float32 (n, H, W) kPa, `status.npy` int32 (n), `input_index.npy` int64 (n).
        case npy
        /// `NNNNN.vtu`: one quadrilateral per pixel with cell data `mask`, `stress_kPa`, in mm.
        case vtu
    }

    /// Writes rows `rows` of `contents` into `directory` (which must exist) in `format`.
    ///
    /// - Returns: The paths written.
    /// - Throws: `.rowOutOfRange`; `.cannotWrite` with the reason.
    public static func write(_ contents: LabelFileContents, rows: [Int], format: Format,
                             to directory: String) throws(DatasetError) -> [String] {
        for row in rows where !(0..<contents.count).contains(row) {
            throw .rowOutOfRange(path: directory, row: row, count: contents.count)
        }
        let c = contents.configuration
        guard let grid = PixelGrid(rows: c.rows, columns: c.columns, pixelSize: c.pixelSize) else {
            throw .notALabelFile(path: directory, reason: "pixel grid \(c.rows)x\(c.columns) at \(c.pixelSize) mm")
        }
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        do {
            switch format {
            case .png:
                return try rows.map { row in
                    let record = contents.record(row)
                    let mask = try Mask(grid: grid, values: record.mask)
                    let file = path(String(format: "%05d-%@.png", row, record.status == 0 ? "stress" : "mask"))
                    if record.status == 0 {
                        try StressMapPicture(stress: record.stress, grid: grid, wall: mask).writePNG(besideMask: mask, to: file)
                    } else {
                        try PNGFile.write(mask: mask, to: file)
                    }
                    return file
                }
            case .npy:
                let n = contents.pixelsPerMask
                let masks = rows.flatMap { contents.masks[$0 * n..<($0 + 1) * n] }
                let stress = rows.flatMap { contents.stress[$0 * n..<($0 + 1) * n] }
                try NumPyFile.write(try NumPyArray(shape: [rows.count, c.rows, c.columns], storage: .uint8(masks)), to: path("masks.npy"))
                try NumPyFile.write(try NumPyArray(shape: [rows.count, c.rows, c.columns], storage: .float32(stress)), to: path("stress.npy"))
                try NumPyFile.write(vector: .int32(rows.map { contents.status[$0] }), to: path("status.npy"))
                try NumPyFile.write(vector: .int64(rows.map { contents.inputIndices[$0] }), to: path("input_index.npy"))
                return ["masks.npy", "stress.npy", "status.npy", "input_index.npy"].map(path)
            case .vtu:
                return try rows.map { row in
                    let record = contents.record(row)
                    var file = VTUFile(pixelRows: c.rows, columns: c.columns, pixelSize: c.pixelSize)
                    file.cellFields = [.scalar("mask", record.mask.map(Double.init)),
                                       .scalar("stress_kPa", record.stress.map(Double.init))]
                    let name = path(String(format: "%05d.vtu", row))
                    try file.write(to: name)
                    return name
                }
            }
        } catch {
            throw .cannotWrite(path: directory, reason: "\(error)")
        }
    }
}
