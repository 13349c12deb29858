import Datasets
import Foundation
import Labeling
import Storage
import Testing

/// A fresh temporary path.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-datasets-tests")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("\(name)-\(UUID().uuidString).h5").path
}

let provenance = Provenance(softwareVersion: "test", commandLine: "swift test")

/// Row k of a small synthetic job: distinct masks and stresses per row.
func record(_ k: Int, pixels: Int = 16, latent: Int? = nil, tracksRounds: Bool = false) -> LabelRecord {
    LabelRecord(
        mask: (0..<pixels).map { UInt8(($0 + k) % 2) }, stress: (0..<pixels).map { Float($0 * 10 + k) },
        status: k % 3 == 2 ? 103 : 0, reason: k % 3 == 2 ? "invalid mask: no lumen" : "", source: "mask-\(k).png",
        inputIndex: Int64(k), latent: latent.map { d in (0..<d).map { Float(k) + Float($0) / 10 } },
        round: tracksRounds ? Int32(k / 2 + 1) : nil, origin: tracksRounds ? (k.isMultiple(of: 2) ? .pool : .synthesized) : nil)
}

@Test func labelFileRoundTripsEveryColumn() throws {
    let path = temporaryPath("roundtrip")
    let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(),
                                               latentDimension: 3, tracksRounds: true, inputCount: 5)
    let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
    for k in 0..<5 { try writer.append(record(k, latent: 3, tracksRounds: true)) }
    try writer.close()

    let contents = try LabelFileReader.read(at: path)
    #expect(contents.count == 5)
    #expect(contents.configuration == configuration)
    #expect(contents.quantity == "max-principal")
    for k in 0..<5 { #expect(contents.record(k) == record(k, latent: 3, tracksRounds: true)) }
}

@Test func rowsThatDoNotFitTheLayoutAreRefused() throws {
    let path = temporaryPath("layout")
    let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions())
    let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
    #expect(throws: DatasetError.self) { try writer.append(record(0, pixels: 9)) }
    #expect(throws: DatasetError.self) { try writer.append(record(0, latent: 3)) }
    try writer.close()
    #expect(try LabelFileReader.read(at: path).count == 0)
}

@Test func resumeCutsBackToTheCommittedRowsAndAppends() throws {
    let path = temporaryPath("resume")
    let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(), inputCount: 6)
    let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
    for k in 0..<3 { try writer.append(record(k)) }
    try writer.commit()
    // Rows 3 and 4 reach the file without a commit, as when a process is killed between commits.
    try writer.append(record(3))
    try writer.append(record(4))
    try writer.close()
    let file = try HDF5File.open(at: path, mode: .readWrite)
    try file.attributes.set("committed_rows", to: Int64(3))
    try file.close()

    let (resumed, existing) = try LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance)
    #expect(existing.count == 3)
    #expect(resumed.count == 3)
    for k in 3..<6 { try resumed.append(record(k)) }
    try resumed.close()
    let contents = try LabelFileReader.read(at: path)
    #expect(contents.count == 6)
    for k in 0..<6 { #expect(contents.record(k) == record(k)) }
}

@Test func resumeRefusesADifferentConfiguration() throws {
    let path = temporaryPath("mismatch")
    let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(), inputCount: 6)
    try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance).close()

    var otherOptions = LabelingOptions()
    otherOptions.stepsToSystole = 5
    var other = configuration
    other.options = otherOptions
    other.pixelSize = 0.1
    do {
        _ = try LabelFileWriter.resume(at: path, configuration: other, provenance: provenance)
        Issue.record("resume accepted different options")
    } catch {
        guard case .mismatch(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
        #expect(reason.contains("pixel size"))
        #expect(reason.contains("labeling options"))
        #expect(reason.contains("stepsToSystole: 1 vs 5"), "\(reason)")
    }
    var sharded = configuration
    sharded.shard = LabelFileConfiguration.Shard(index: 1, count: 2)
    #expect(throws: DatasetError.self) { try LabelFileWriter.resume(at: path, configuration: sharded, provenance: provenance) }
}

@Test func readingAFileOfAnotherKindNamesTheReason() throws {
    let path = temporaryPath("other")
    let file = try HDF5File.create(at: path)
    try file.attributes.set("format", to: "something-else")
    try file.close()
    do {
        _ = try LabelFileReader.read(at: path)
        Issue.record("read a foreign file")
    } catch {
        guard case .notALabelFile(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
        #expect(reason.contains("format"))
    }
    #expect(throws: DatasetError.self) { try LabelFileReader.read(at: temporaryPath("missing")) }
}

@Test func optionDifferencesNameTheirPaths() {
    var other = LabelingOptions()
    other.solver.factorizationReuseThreshold = 0
    other.meshing.minimumAngle = 30
    #expect(LabelingOptions().differences(from: other).sorted()
        == ["meshing.minimumAngle: 25 vs 30", "solver.factorizationReuseThreshold: 0.001 vs 0"])
    #expect(LabelingOptions().differences(from: LabelingOptions()).isEmpty)
    #expect(LabelingOptions().differences(from: other, limit: 1).count == 1)
}

@Test func shardsSplitInputsRoundRobin() {
    let shard = LabelFileConfiguration.Shard("2/3")
    #expect(shard?.index == 2 && shard?.count == 3)
    #expect((0..<9).filter { shard!.contains($0) } == [1, 4, 7])
    #expect(LabelFileConfiguration.Shard("4/3") == nil)
    #expect(LabelFileConfiguration.Shard("0/3") == nil)
    #expect(LabelFileConfiguration.Shard("x") == nil)
}

@Test func optionsOfFilesLabeledBeforeTheBorderFitDecodeWithTheFitOff() throws {
    let current = LabelingOptions()
    #expect(LabelingOptions(canonicalJSON: current.canonicalJSON) == current)
    let old = current.canonicalJSON.replacingOccurrences(of: "\"fitsBordersToPixels\":true,", with: "")
    #expect(old != current.canonicalJSON)
    let decoded = try #require(LabelingOptions(canonicalJSON: old))
    #expect(decoded.meshing.fitsBordersToPixels == false)
    #expect(decoded.meshing.minimumBorderWavelength == current.meshing.minimumBorderWavelength)
}

@Test func componentsAreReadWhenTheFileHasThem() throws {
    let path = temporaryPath("components")
    var configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions())
    configuration.storesComponents = true
    let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
    let classes: [[UInt8]] = [(0..<16).map { UInt8($0 % 4) }, (0..<16).map { UInt8(($0 + 1) % 4) }]
    for k in 0..<2 {
        var row = record(k)
        row.components = classes[k]
        try writer.append(row)
    }
    try writer.close()
    let contents = try LabelFileReader.read(at: path)
    #expect(contents.components == classes[0] + classes[1])
    #expect(try contents.requireComponents(path: path) == classes[0] + classes[1])

    let plainPath = temporaryPath("no-components")
    let plain = try LabelFileWriter.create(at: plainPath, configuration: LabelFileConfiguration(
        rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions()), provenance: provenance)
    try plain.append(record(0))
    try plain.close()
    let without = try LabelFileReader.read(at: plainPath)
    #expect(without.components == nil)
    #expect { try without.requireComponents(path: plainPath) } throws: { error in
        guard case DatasetError.noComponents(let named) = error else { return false }
        let text = "\(error)"
        return named == plainPath && text.contains(plainPath) && text.contains("label --components") && text.contains("phantoms --components")
    }
}
