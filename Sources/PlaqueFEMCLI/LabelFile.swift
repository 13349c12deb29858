import FEM
import Foundation
import Labeling
import Storage

/// The HDF5 file `plaquefem label` writes: one row per input mask, appended in input order.
///
/// `/masks` uint8 (N, H, W); `/stress` float32 (N, H, W) with `units` = kPa and `quantity`;
/// `/status` int32 (N), 0 = labeled; `/failure_reason` and `/source` strings (N); root attributes
/// with the format, software version, creation time and command line; `/meta` attributes with
/// every option that decides a label (pixel size, material, waveform, mesh and validation options).
final class LabelFile {
    static let formatName = "plaquefem-labels"
    static let formatVersion: Int64 = 1

    private let file: HDF5File
    private let masks: HDF5Dataset
    private let stress: HDF5Dataset
    private let status: HDF5Dataset
    private let reasons: HDF5StringDataset
    private let sources: HDF5StringDataset
    private let pixelsPerMask: Int

    init(path: String, overwrite: Bool, rows: Int, columns: Int, pixelSize: Double, options: LabelingOptions) throws {
        file = try HDF5File.create(at: path, mode: overwrite ? .truncate : .exclusive)
        pixelsPerMask = rows * columns
        let chunk = max(1, min(64, (1 << 16) / max(1, 4 * pixelsPerMask)))
        masks = try file.createDataset("masks", elementType: UInt8.self, shape: [0, rows, columns], maximumRows: .unlimited,
                                       chunkRows: chunk, compression: .deflate(level: 4, shuffle: true))
        stress = try file.createDataset("stress", elementType: Float.self, shape: [0, rows, columns], maximumRows: .unlimited,
                                        chunkRows: chunk, compression: .deflate(level: 4, shuffle: true))
        status = try file.createDataset("status", elementType: Int32.self, shape: [0], maximumRows: .unlimited, chunkRows: 256)
        reasons = try file.createStringDataset("failure_reason")
        sources = try file.createStringDataset("source")

        try file.setProvenance(format: Self.formatName, version: Self.formatVersion)
        try file.attributes.set("created", to: ISO8601DateFormatter().string(from: Date()))
        try masks.attributes.set("description", to: "vessel-wall masks as given (1 = wall, 0 = background)")
        try stress.attributes.set("units", to: "kPa")
        try stress.attributes.set("quantity", to: options.measure.rawValue)
        try stress.attributes.set("description", to:
            "systolic Cauchy stress at the material point at each wall pixel centre (reference configuration); 0 outside the wall")
        try status.attributes.set("description", to: "0 = labeled; otherwise the failure code, reason in /failure_reason")

        let meta = try file.createGroup("meta")
        let m = meta.attributes
        try m.set("pixel_size_mm", to: pixelSize)
        try m.set("material", to: "modified Mooney-Rivlin, incompressible: W = c1 (I1 - 3) + D1 (exp(D2 (I1 - 3)) - 1)")
        try m.set("c1_kpa", to: options.solver.material.c1)
        try m.set("d1_kpa", to: options.solver.material.d1)
        try m.set("d2", to: options.solver.material.d2)
        try m.set("waveform_time_s", to: options.waveform.times)
        try m.set("waveform_pressure_mmhg", to: options.waveform.pressures)
        try m.set("systolic_pressure_mmhg", to: options.waveform.systolicPressure)
        try m.set("steps_to_systole", to: Int64(options.stepsToSystole))
        try m.set("element", to: "Taylor-Hood P2/P1, isoparametric, plane strain")
        let json = try sortedJSONEncoder.encode(options)
        try m.set("options_json", to: String(decoding: json, as: UTF8.self))
    }

    /// Appends one row; `mask` and `stress` have H x W entries.
    func append(mask: [UInt8], stress values: [Float], status code: Int32, reason: String, source: String) throws {
        try masks.append(rows: mask, count: 1)
        try stress.append(rows: values, count: 1)
        try status.append(rows: [code], count: 1)
        try reasons.append([reason])
        try sources.append([source])
    }

    func flush() throws { try file.flush() }

    func close() throws { try file.close() }
}

extension HDF5File {
    /// Root attributes every file of ours carries: `format`, `format_version`, `software_version`
    /// and the `command_line` that wrote it.
    func setProvenance(format: String, version: Int64) throws {
        try attributes.set("format", to: format)
        try attributes.set("format_version", to: version)
        try attributes.set("software_version", to: PlaqueFEMVersion.string)
        try attributes.set("command_line", to: CommandLine.arguments.joined(separator: " "))
    }
}
