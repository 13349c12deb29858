import ArgumentParser
import Labeling
import Datasets
import Foundation
import Storage

/// `plaquefem inspect`: what an HDF5 file of ours holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show counts, shapes, units, failures by reason and provenance of an HDF5 file.",
        discussion: """
            Label files (written by 'label', 'merge', experiments) get a summary: rows, labeled and failed \
            with the reasons, peak stress, pixel size, shard, options. Any other HDF5 file gets a listing of \
            its groups, datasets (shape, type) and attributes.
            Example: plaquefem inspect labels.h5 --json
            """
    )

    @Argument(help: "An HDF5 file.")
    var file: String
    @Flag(help: "Print JSON (sorted keys) instead of text.")
    var json = false

    func run() throws {
        let format = try Self.format(of: file)
        if format == LabelFileWriter.formatName {
            let summary = try LabelFileSummary(path: file)
            if json {
                print(String(decoding: try sortedJSONEncoder.encode(summary), as: UTF8.self))
            } else {
                print(Self.text(summary))
            }
        } else {
            let listing = try HDF5Listing(path: file)
            if json {
                print(String(decoding: try sortedJSONEncoder.encode(listing), as: UTF8.self))
            } else {
                print(listing.text)
            }
        }
    }

    /// The `format` root attribute, or nil.
    static func format(of path: String) throws -> String? {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        return try file.attributes.contains("format") ? try? file.attributes.string("format") : nil
    }

    static func text(_ s: LabelFileSummary) -> String {
        var lines = [
            "\(s.path): \(s.format) version \(s.formatVersion), written by PlaqueFEM \(s.softwareVersion) on \(s.created)",
            "  command: \(s.commandLine)",
            "  rows: \(s.count) masks of \(s.rows)x\(s.columns) pixels at \(s.pixelSizeMillimetres) mm; "
                + "\(s.labeled) labeled, \(s.failed) failed",
            "  stress: \(s.quantity) in \(s.units)",
        ]
        if let low = s.peakStressMinimum, let median = s.peakStressMedian, let high = s.peakStressMaximum {
            lines.append(String(format: "  peak stress per mask: min %.1f, median %.1f, max %.1f %@", low, median, high, s.units))
        }
        if let inputs = s.inputCount {
            lines.append("  job: \(inputs) inputs" + (s.shard.map { ", this file is shard \($0)" } ?? ""))
        }
        if let d = s.latentDimension { lines.append("  latent codes: dimension \(d)") }
        if s.contourInput { lines.append("  contour input: one grid per frame, corners in /grid_origin_mm") }
        if let median = s.lumenAreaChangeMedian, let implausible = s.implausibleLabels {
            let options = LabelingOptions(canonicalJSON: s.optionsJSON)
            lines.append(String(format: "  lumen area change to systole: median %+.1f %%; %d labels above %.0f %% (implausible)", 100 * median, implausible,
                                100 * (options?.plausibleLumenAreaChange ?? LabelingOptions.defaultPlausibleLumenAreaChange)))
            if let options, options.imagePressureMmHg != nil || options.stiffnessScale != 1 {
                lines.append(String(format: "  image taken as loaded at %@; stiffness factor %.4g",
                                    options.imagePressureMmHg.map { String(format: "%.0f mmHg", $0) } ?? "no pressure (stress free)",
                                    options.stiffnessScale))
            }
        }
        if let rounds = s.samplesPerRound {
            lines.append("  samples per round: " + rounds.sorted { Int($0.key)! < Int($1.key)! }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        if let origins = s.samplesPerOrigin {
            lines.append("  origin: " + origins.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for (reason, count) in s.failuresByReason.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            lines.append("  failed \(count)x: status \(reason)")
        }
        lines.append("  options: \(s.optionsJSON)")
        return lines.joined(separator: "\n")
    }
}

/// Groups, datasets and attributes of any HDF5 file.
struct HDF5Listing: Encodable {
    struct Object: Encodable {
        var path: String
        var kind: String
        var shape: [Int]?
        var type: String?
        var attributes: [String: String]
    }

    var file: String
    var objects: [Object]

    init(path: String) throws {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        self.file = path
        var objects = [Object(path: "/", kind: "group", attributes: try Self.attributes(file.attributes))]
        func visit(_ group: HDF5Group, _ prefix: String) throws {
            for child in try group.children().sorted(by: { $0.name < $1.name }) {
                let path = prefix + child.name
                switch child.kind {
                case .group:
                    let sub = try group.openGroup(child.name)
                    objects.append(Object(path: path, kind: "group", attributes: try Self.attributes(sub.attributes)))
                    try visit(sub, path + "/")
                case .dataset:
                    if let strings = try? group.openStringDataset(child.name) {
                        objects.append(Object(path: path, kind: "dataset", shape: [try strings.count], type: "string",
                                              attributes: try Self.attributes(strings.attributes)))
                    } else {
                        let dataset = try group.openDataset(child.name)
                        objects.append(Object(path: path, kind: "dataset", shape: try dataset.shape, type: "\(dataset.elementType)",
                                              attributes: try Self.attributes(dataset.attributes)))
                    }
                case .other:
                    objects.append(Object(path: path, kind: "other", attributes: [:]))
                }
            }
        }
        try visit(file.root, "/")
        self.objects = objects
    }

    static func attributes(_ attributes: HDF5Attributes) throws -> [String: String] {
        var values: [String: String] = [:]
        for name in try attributes.names() {
            do {
                switch try attributes.value(name) {
                case .integer(let v): values[name] = "\(v)"
                case .integers(let v): values[name] = "\(v)"
                case .real(let v): values[name] = "\(v)"
                case .reals(let v): values[name] = v.count > 8 ? "[\(v.count) values]" : "\(v)"
                case .string(let v): values[name] = v
                case .strings(let v): values[name] = "\(v)"
                }
            } catch where error.reason == .typeMismatch(expected: .float64, found: .unsupported) {
                values[name] = "(unsupported type)"
            } catch {
                // A damaged attribute is shown with its reason; the rest of the file is still listed.
                values[name] = "(unreadable: \(error.detail.isEmpty ? "\(error.reason)" : error.detail))"
            }
        }
        return values
    }

    var text: String {
        var lines = ["\(file):"]
        for object in objects {
            var line = "  \(object.path)"
            if let shape = object.shape, let type = object.type { line += "  \(type) \(shape)" }
            lines.append(line)
            for (name, value) in object.attributes.sorted(by: { $0.key < $1.key }) {
                lines.append("      @\(name) = \(value.count > 200 ? String(value.prefix(200)) + "..." : value)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
