import ArgumentParser
import Foundation
import Learning
import Raster
import Storage

/// `plaquefem predict`: stress maps of a trained surrogate.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict stress maps (kPa) of masks with a trained surrogate.",
        discussion: """
            Input: a label file or any HDF5 file with /masks (N, 64, 64), e.g. from plaquefem phantoms. \
            Output: /stress float32 (N, 64, 64) in kPa (evaluation mode: batch normalization uses its running \
            statistics), /masks uint8 copied. The model file names its network (surrogate_network: paper or unet). \
            Unless the model masks its output (architecture_masked_output = 1, the U-Net's default), pixels outside \
            the wall are predicted like any other pixel; multiply by the mask to compare with labels, which are 0 \
            outside the wall. A model trained with --inputs components (surrogate_inputs = components) needs class maps: \
            a label file's /components, a component phantom file (phantoms --components), or, with --classes, class masks \
            read as 'label --components' reads them (.npy, HDF5 /masks, grey PNG codes 0-3 or a VH-IVUS palette PNG); \
            plain masks are refused. The class maps used are copied to /components.
            Example: plaquefem predict --model surrogate.h5 --input phantoms.h5 --output predicted.h5 --png pictures
            """
    )

    static let formatName = "plaquefem-predictions"
    static let formatVersion: Int64 = 1

    @Option(help: "Surrogate model file (plaquefem surrogate train output).")
    var model: String
    @Option(help: "HDF5 file with /masks (with --classes also .npy or .png class masks).")
    var input: String
    @Flag(help: "Read the input as class masks (0 outside, 1 fibrous, 2 lipid, 3 calcium), as 'label --components' does.")
    var classes = false
    @Option(help: "Output HDF5 file.")
    var output: String
    @Option(help: "Also write NNNNN-predicted.png (mask | predicted stress in kPa) into this folder.")
    var png: String?
    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        guard overwrite || !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("\(output) exists; use --overwrite to replace it")
        }
    }

    func run() throws {
        let trainer = try SurrogateTrainer.load(path: model)
        let dataset = try MaskDataset.read(path: input, labeledOnly: false, classes: classes)
        let inputs = try dataset.inputs(for: trainer.inputEncoding, path: input)
        let start = DispatchTime.now()
        let predicted = try trainer.predict(inputs: inputs)
        let seconds = secondsSince(start)
        let (count, rows, columns) = (predicted.count, predicted.height, predicted.width)

        let file = try HDF5File.create(at: output, mode: overwrite ? .truncate : .exclusive)
        try file.setProvenance(format: Self.formatName, version: Self.formatVersion)
        try file.attributes.set("model", to: model)
        try file.attributes.set("input", to: input)
        try file.attributes.set("stress_scale_kpa", to: trainer.normalization?.scale ?? .nan)
        try file.attributes.set("surrogate_network", to: trainer.architecture.rawValue)
        try file.attributes.set("masked_output", to: Int64(trainer.network.masksOutput ? 1 : 0))
        if trainer.inputEncoding != .mask { try file.attributes.set("surrogate_inputs", to: trainer.inputEncoding.rawValue) }
        try file.attributes.set("pixel_size_mm", to: dataset.pixelSize)
        let chunk = max(1, min(64, count))
        let masks = try file.createDataset("masks", elementType: UInt8.self, shape: [count, rows, columns],
                                           chunkRows: chunk, compression: .deflate(level: 4, shuffle: true))
        try masks.write(dataset.masks.binarized())
        try masks.attributes.set("description", to: "input masks (1 = wall)")
        let classMaps = inputs.content == .classMaps ? inputs.images.values.map { UInt8($0) } : nil
        if let classMaps {
            let components = try file.createDataset("components", elementType: UInt8.self, shape: [count, rows, columns],
                                                    chunkRows: chunk, compression: .deflate(level: 4, shuffle: true))
            try components.write(classMaps)
            try components.attributes.set("description", to: "input class maps (0 outside, 1 fibrous, 2 lipid, 3 calcium)")
        }
        let stress = try file.createDataset("stress", elementType: Float.self, shape: [count, rows, columns],
                                            chunkRows: chunk, compression: .deflate(level: 4, shuffle: true))
        try stress.write(predicted.values)
        try stress.attributes.set("units", to: "kPa")
        try stress.attributes.set("description", to: "surrogate prediction (evaluation mode) of the systolic stress map")
        try file.close()

        if let png {
            try FileManager.default.createDirectory(atPath: png, withIntermediateDirectories: true)
            guard let grid = PixelGrid(rows: rows, columns: columns, pixelSize: dataset.pixelSize) else {
                throw CLIError("invalid pixel grid \(rows)x\(columns) at \(dataset.pixelSize) mm")
            }
            let n = rows * columns
            let bytes = dataset.masks.binarized()
            for k in 0..<count {
                let mask = try Mask(grid: grid, values: Array(bytes[k * n..<(k + 1) * n]))
                let path = (png as NSString).appendingPathComponent(String(format: "%05d-predicted.png", k))
                var picture = try StressMapPicture(stress: Array(predicted.values[k * n..<(k + 1) * n]), grid: grid, wall: mask)
                picture.classes = classMaps.map { Array($0[k * n..<(k + 1) * n]) }
                try picture.writePNG(besideMask: mask, to: path)
            }
        }
        print(String(format: "predicted %d stress maps in %.2f s (%.0f masks/s); wrote %@", count, seconds,
                     Double(count) / max(seconds, 1e-9), output))
    }
}
