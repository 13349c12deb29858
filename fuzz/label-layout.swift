// libFuzzer target: label files that are valid HDF5 with hostile contents. Byte-level mutations of a
// whole HDF5 file (fuzz/label-file.swift) mostly stop at libhdf5's own checks; here the fuzz bytes
// choose what a file written by another tool could hold: root and /meta attributes (format, version,
// committed_rows, pixel size, options JSON, input count, shard), and each dataset's presence, rank,
// shape, element type and row count. The file is written with the Storage module, then read as
// `inspect`, `merge`, export/training and `label --resume` read it. Compiled against the library
// modules by fuzz/run.sh.
//
// Every file must be read or refused with a DatasetError; a crash, a sanitizer report or a hang is a bug.
import Datasets
import Foundation
import Labeling
import Storage

private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-fuzz-\(getpid())-layout").path
private let path = folder + "/labels.h5"
private let merged = folder + "/merged.h5"
private let provenance = Provenance(softwareVersion: "fuzz", commandLine: "fuzz")
private let defaultOptionsJSON = LabelingOptions().canonicalJSON

/// Reads choices from the fuzz bytes (zeros once they run out).
private struct Choices {
    var bytes: [UInt8]
    var position = 0
    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }
    mutating func flag() -> Bool { byte() & 1 == 1 }
    /// 0..<n
    mutating func pick(_ n: Int) -> Int { Int(byte()) % n }
    /// A small count 0...7 most of the time, now and then an edge value.
    mutating func count() -> Int {
        let b = byte()
        return b < 240 ? Int(b % 8) : [0, 1, 64, 255, 1000, -1, -3, 2][Int(b % 8)]
    }
    mutating func int64() -> Int64 {
        switch pick(8) {
        case 0: return -1
        case 1: return Int64.max
        case 2: return Int64.min
        case 3: return 0
        default: return Int64(count())
        }
    }
    mutating func double() -> Double {
        [0.125, 0, -1, .nan, .infinity, 1e300, .leastNonzeroMagnitude, 0.5][pick(8)]
    }
    mutating func text() -> String {
        let n = pick(12)
        return String(decoding: (0..<n).map { _ in byte() }, as: UTF8.self)
    }
}

/// Creates `name` with rank and row shape from the choices (or the expected ones), `rows` rows.
private func dataset(_ name: String, in file: HDF5File, rows: Int, expectedRow: [Int], _ c: inout Choices) throws {
    guard c.pick(8) != 0 else { return }  // absent now and then
    var row = expectedRow
    if c.pick(4) == 0 { row = (0..<c.pick(3)).map { _ in max(c.count(), 0) } }
    let shape = [max(rows, 0)] + row
    let count = shape.reduce(1, *)
    guard count <= 1 << 16 else { return }
    let unlimited = c.flag()
    switch c.pick(4) {
    case 0:
        let d = try file.createDataset(name, elementType: UInt8.self, shape: shape, maximumRows: unlimited ? .unlimited : .fixed,
                                       chunkRows: unlimited ? 4 : nil, compression: unlimited && c.flag() ? .deflate(level: 1) : .none)
        try d.write((0..<count).map { _ in c.byte() })
    case 1:
        let d = try file.createDataset(name, elementType: Float.self, shape: shape, maximumRows: unlimited ? .unlimited : .fixed,
                                       chunkRows: unlimited ? 4 : nil)
        try d.write((0..<count).map { _ in Float(c.double()) })
    case 2:
        let d = try file.createDataset(name, elementType: Int32.self, shape: shape, maximumRows: unlimited ? .unlimited : .fixed,
                                       chunkRows: unlimited ? 4 : nil)
        try d.write((0..<count).map { _ in Int32(truncatingIfNeeded: c.int64()) })
    default:
        let d = try file.createDataset(name, elementType: Int64.self, shape: shape, maximumRows: unlimited ? .unlimited : .fixed,
                                       chunkRows: unlimited ? 4 : nil)
        try d.write((0..<count).map { _ in c.int64() })
    }
}

private func strings(_ name: String, in file: HDF5File, rows: Int, _ c: inout Choices, values: [String]) throws {
    guard c.pick(8) != 0 else { return }
    let d = try file.createStringDataset(name)
    try d.append((0..<max(rows, 0)).map { _ in c.flag() ? values[c.pick(values.count)] : c.text() })
}

private func write(_ c: inout Choices) throws {
    let file = try HDF5File.create(at: path, mode: .truncate)
    defer { try? file.close() }
    let a = file.attributes
    try a.set("format", to: c.pick(8) == 0 ? c.text() : LabelFileWriter.formatName)
    try a.set("format_version", to: c.pick(4) == 0 ? c.int64() : Int64(1 + c.pick(2)))
    if c.flag() { try a.set("committed_rows", to: c.pick(4) == 0 ? c.int64() : Int64(c.count())) }
    if c.flag() { try a.set("software_version", to: c.text()) }
    let rows = max(c.count(), 0), height = max(c.count(), 0), width = max(c.count(), 0)
    let latent = c.flag() ? max(c.count(), 0) : nil
    func n() -> Int { c.pick(4) == 0 ? max(c.count(), 0) : rows }
    // /masks decides the configuration; the others follow it unless the choices say otherwise.
    if c.pick(8) != 0 {
        let masksShape = c.pick(6) == 0 ? (0..<c.pick(5)).map { _ in max(c.count(), 0) } : [rows, height, width]
        if !masksShape.isEmpty, masksShape.reduce(1, *) <= 1 << 16 {
            let d = try file.createDataset("masks", elementType: UInt8.self, shape: masksShape, maximumRows: .unlimited, chunkRows: 2)
            try d.write((0..<masksShape.reduce(1, *)).map { _ in c.byte() & 1 })
        }
    }
    try dataset("stress", in: file, rows: n(), expectedRow: [height, width], &c)
    if try file.contains("stress"), c.pick(4) != 0 {
        let s = try file.openDataset("stress").attributes
        try s.set("quantity", to: c.flag() ? "max-principal" : c.text())
        try s.set("units", to: "kPa")
    }
    try dataset("status", in: file, rows: n(), expectedRow: [], &c)
    if c.flag() { try dataset("input_index", in: file, rows: n(), expectedRow: [], &c) }
    try strings("failure_reason", in: file, rows: n(), &c, values: ["", "invalid mask: no lumen"])
    try strings("source", in: file, rows: n(), &c, values: ["a.png", "b.h5[3]"])
    if let latent { try dataset("latent", in: file, rows: n(), expectedRow: [latent], &c) }
    if c.flag() {
        try dataset("round", in: file, rows: n(), expectedRow: [], &c)
        try strings("origin", in: file, rows: n(), &c, values: ["pool", "synthesized"])
    }
    if c.flag() { try dataset("grid_origin_mm", in: file, rows: n(), expectedRow: [2], &c) }
    if c.pick(8) != 0 {
        let meta = try file.createGroup("meta").attributes
        if c.pick(8) != 0 { try meta.set("options_json", to: c.pick(4) == 0 ? c.text() : defaultOptionsJSON) }
        if c.pick(8) != 0 { try meta.set("pixel_size_mm", to: c.double()) }
        if c.flag() { try meta.set("input_count", to: c.int64()) }
        if c.flag() {
            try meta.set("shard_index", to: c.int64())
            if c.pick(4) != 0 { try meta.set("shard_count", to: c.int64()) }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLabelLayout(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var choices = Choices(bytes: [UInt8](UnsafeRawBufferPointer(start: data, count: count)))
    do { try write(&choices) } catch { return 0 }
    _ = try? LabelFileSummary(path: path)
    if let contents = try? LabelFileReader.read(at: path) {
        for k in 0..<contents.count { _ = contents.record(k) }
    }
    _ = try? LabelFileMerger.merge([path, path], into: merged, provenance: provenance, overwrite: true)
    if let configuration = try? LabelFileReader.configuration(at: path),
       let resumed = try? LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance) {
        try? resumed.writer.close()
    }
    return 0
}
