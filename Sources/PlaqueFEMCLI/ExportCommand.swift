import ArgumentParser
import Datasets
import Foundation

extension LabelFileExport.Format: ExpressibleByArgument {}

/// `plaquefem export`: rows of a label file as PNG pictures, NumPy arrays or VTK grids.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export masks and stress maps of a label file as PNG, .npy or .vtu files.",
        discussion: """
            png: NNNNN-stress.png (mask | stress map with a colorbar in kPa), NNNNN-mask.png for failed rows. \
            npy: masks.npy (uint8), stress.npy (float32, kPa), status.npy, input_index.npy. \
            vtu: NNNNN.vtu, one quadrilateral per pixel (mm, image upright) with cell data mask and stress_kPa, for ParaView.
            Example: plaquefem export labels.h5 --format png --output pictures --index 0 5 7
            """
    )

    @Argument(help: "A label file.")
    var file: String
    @Option(help: "png, npy or vtu.")
    var format: LabelFileExport.Format
    @Option(help: "Output folder (created if missing).")
    var output: String
    @Option(parsing: .upToNextOption, help: "Row indices to export (default: all rows).")
    var index: [Int] = []

    func run() throws {
        let contents = try LabelFileReader.read(at: file)
        for row in index where !(0..<contents.count).contains(row) {
            throw DatasetError.rowOutOfRange(path: file, row: row, count: contents.count)
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let rows = index.isEmpty ? Array(0..<contents.count) : index
        let written = try LabelFileExport.write(contents, rows: rows, format: format, to: output)
        print("exported \(rows.count) rows of \(file) as \(format.rawValue): \(written.count) files in \(output)")
    }
}
