import ArgumentParser
import FEM
import Foundation
import Datasets
import Labeling
import Meshing
import Raster
import Storage

extension StressMeasure: ExpressibleByArgument {}

/// `plaquefem label`: segmentation masks in, systolic stress maps out.
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label vessel-wall masks or border contours with their systolic stress maps (finite elements).",
        discussion: """
            INPUT is any mix of PNG files (nonzero = wall) and .npy files (2D, or 3D stacks), or HDF5 \
            files with an (N, H, W) dataset (--dataset, default 'masks'). Each mask is validated, its \
            wall meshed with smooth sub-pixel borders, solved as an incompressible hyperelastic wall \
            under the pulsatile lumen pressure up to systole, and the stress sampled at the wall pixel \
            centres. A mask that fails gets status != 0 and its reason; the batch carries on.
            Example: plaquefem phantoms --count 20 --seed 1 --output masks.h5 && plaquefem label masks.h5 --output labels.h5 --png pictures

            Contour input (instead of masks): --lumen and --eem name files of rows 'frame, x, y[, z]' \
            (tab, comma, semicolon or space separated; x, y in mm, or in pixels with \
            --contour-pixel-spacing), one closed polyline per frame, as IVUS analysis software exports \
            them. Each frame's wall is meshed from the contours themselves, and the map is written on a \
            --grid-size square grid: by default centred on the frame's EEM, with one field of view for \
            the whole file (the largest EEM extent plus --margin on each side, or --field-of-view); or \
            at one fixed --grid-origin with --pixel-size. /masks holds the wall rasterised at the pixel \
            centres, /grid_origin_mm each row's grid corner, /source the frame number and files.
            Example: plaquefem label --lumen diastolic_contours.csv --eem eem_diastolic_contours.csv --output pullback.h5 --png pictures

            Plaque components from masks: with --components every mask is a class mask, one code per \
            pixel: 0 outside the wall, 1 fibrous, 2 lipid / necrotic core, 3 calcium (.npy and HDF5 \
            integers, grey PNG values 0-3), or a palette/RGB PNG in the VH-IVUS colours (black outside, \
            dark green fibrous, light green fibro-fatty = fibrous, red necrotic core = lipid, white dense \
            calcium; within an RGB distance of 60). Each component gets its own material (--material).
            Example: plaquefem phantoms --components --count 20 --seed 1 --output classes.h5 && plaquefem label --components classes.h5 --output labels.h5
            """
    )

    @Argument(help: "Mask files (.png, .npy, .h5); none with --lumen/--eem.")
    var inputs: [String] = []
    @Option(help: "Output HDF5 file. If it exists and was written by the same inputs and options, labeling resumes after its last committed row.")
    var output: String
    @Option(help: "Pixel size (mm) of mask input (default 0.125), or of the fixed grid of --grid-origin.")
    var pixelSize: Double?
    @Option(help: "Mask input: lateral resolution of the scanner (mm); mask borders keep no shape finer than twice it (default 0.2 for IVUS; about 0.02 for OCT; 0: off). Binds only on masks with pixels finer than about 0.05 mm.")
    var scannerResolution: Double = MaskMeshingOptions().scannerResolution
    @Option(help: "Contour input: lumen borders, rows 'frame, x, y[, z]'.")
    var lumen: String?
    @Option(help: "Contour input: EEM (outer wall) borders, same layout as --lumen.")
    var eem: String?
    @Option(help: "Contour input: pixels per side of each stress map.")
    var gridSize: Int = 64
    @Option(help: "Contour input: margin on each side of the default field of view, as a fraction of the largest EEM extent.")
    var margin: Double = 0.1
    @Option(help: "Contour input: side (mm) of the square field of view, centred on each frame's EEM.")
    var fieldOfView: Double?
    @Option(help: "Contour input: one fixed top-left grid corner 'X,Y' (mm) for every frame (needs --pixel-size).")
    var gridOrigin: String?
    @Option(help: "Contour input: the contours are in pixels of this size (mm) instead of mm.")
    var contourPixelSpacing: Double?
    @Option(help: "Parallel labeling jobs (default: one per core).")
    var jobs: Int = min(64, ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Stress measure: max-principal or von-mises.")
    var stress: StressMeasure = .maximumPrincipal
    @Option(help: "Also write each stress map as a PNG (mask | map with colorbar) into this folder.")
    var png: String?
    @Option(help: "Dataset holding the masks in HDF5 input.")
    var dataset: String = "masks"
    @Option(help: "Time steps from end-diastole to systole.")
    var steps: Int = 1
    @Option(help: "Label only shard K of N (inputs with index % N == K - 1), e.g. 2/8; 'auto' takes K and N from the Slurm array task (SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _STEP). Combine with 'plaquefem merge'.")
    var shard: String?
    @Option(help: ArgumentHelp("Seconds between commits of finished rows (a killed run keeps every committed row).", visibility: .hidden))
    var commitInterval: Double = 2
    @Flag(help: "Replace an existing output file instead of resuming it.")
    var overwrite = false
    @Option(help: ArgumentHelp(
        "Take the image as the loaded state at this lumen pressure (mmHg, or 'diastolic' for the waveform's first): find the unloaded geometry, load it to systole.",
        discussion: "Default: the image is stress free (the paper's setting). Frames without an unloaded geometry get status 310."))
    var imagePressure: String?
    @Option(help: "Factor on c1 and D1 of the wall and its components (D2 unchanged).")
    var stiffnessScale: Double = 1
    @Option(help: ArgumentHelp(
        "Calibrate one stiffness factor for the whole file so that the mean lumen-area change to systole is this fraction (e.g. 0.05).",
        discussion: "The change is from the image pressure (with --image-pressure) or from zero load. The factor multiplies c1 and D1 and is recorded in the file."))
    var calibrateAreaChange: Double?
    @Option(help: ArgumentHelp(
        "Contour input: calibrate to the systolic lumens of the same sites (a contour file like --lumen); the target is each pair's imaged lumen-area change.",
        discussion: "Frames pair by their z position (nearest within half the frame spacing). Per file, the target is the mean change of all pairs; a lumen that shrinks from diastole to systole cannot be produced by lumen pressure and is refused."))
    var calibrateToSystole: String?
    @Option(help: "Calibrate one factor for the whole file ('file', default) or one per frame ('per-frame', each frame its own target; a frame that cannot be calibrated gets status 320).")
    var calibration: CalibrationMode = .file
    @Option(help: "Frames (evenly spread over the input) that a per-file calibration solves.")
    var calibrationFrames: Int = 3
    @Option(help: "Flag labels whose lumen area grows by more than this fraction from the image (or zero load) to systole.")
    var plausibleAreaChange: Double = LabelingOptions.defaultPlausibleLumenAreaChange
    @Option(help: "Seconds one mask may take from validation (and its own calibration) to the end of the solve, checked inside the mesher and the solver; a mask past it is recorded with status 500 and labeling goes on. Default: no limit. Not stored with the options (a resumed run may use another).")
    var timeLimit: Double?
    @OptionGroup var solver: SolverOptionGroup

    // Plaque components (contour input): outlines that get their own material (--material NAME=C1,D1,D2).
    @Option(help: "Contour input: calcium outlines inside the wall, same layout as --lumen (frames without one are one-material).")
    var calcium: String?
    @Option(help: "Contour input: lipid / necrotic-core outlines, same layout as --lumen.")
    var lipid: String?
    @Flag(help: "Mask input: the masks are class masks (0 outside, 1 fibrous, 2 lipid, 3 calcium; or VH-IVUS colours); lipid and calcium get their own material.")
    var components = false
    @Option(help: "Class masks in VH-IVUS colours (--components): the class of fibro-fatty tissue (light green), fibrous (default) or lipid.")
    var fibroFatty: FibroFattyClass?

    /// The class VH-IVUS fibro-fatty tissue takes (`ComponentPalette.virtualHistology(fibroFattyCode:)`).
    enum FibroFattyClass: String, ExpressibleByArgument, CaseIterable {
        case fibrous, lipid

        var code: UInt8 { self == .fibrous ? ClassMask.fibrousCode : ClassMask.lipidCode }
    }

    func validate() throws {
        if fibroFatty != nil, !components { throw ValidationError("--fibro-fatty applies to class masks in colours (--components)") }
        if let pixelSize { guard pixelSize > 0, pixelSize.isFinite else { throw ValidationError("--pixel-size must be positive") } }
        let contours = lumen != nil || eem != nil
        if contours {
            guard lumen != nil, eem != nil else { throw ValidationError("contour input needs both --lumen and --eem") }
            guard inputs.isEmpty else { throw ValidationError("give mask files or --lumen/--eem, not both") }
            guard !components else { throw ValidationError("--components reads class masks; contour input takes --calcium and --lipid") }
            guard (8...4096).contains(gridSize) else { throw ValidationError("--grid-size must be in 8...4096") }
            guard margin >= 0, margin <= 10 else { throw ValidationError("--margin must be in [0, 10]") }
            if let fieldOfView, !(fieldOfView > 0 && fieldOfView.isFinite) { throw ValidationError("--field-of-view must be positive") }
            if let spacing = contourPixelSpacing, !(spacing > 0 && spacing.isFinite) {
                throw ValidationError("--contour-pixel-spacing must be positive")
            }
            if let gridOrigin {
                guard Self.point(gridOrigin) != nil else { throw ValidationError("--grid-origin must be 'X,Y' in mm, e.g. 1.5,-2") }
                guard pixelSize != nil else { throw ValidationError("--grid-origin needs --pixel-size") }
                guard fieldOfView == nil else { throw ValidationError("give --grid-origin or --field-of-view, not both") }
            }
        } else {
            guard !inputs.isEmpty else { throw ValidationError("give mask files, or contour files with --lumen and --eem") }
            guard calcium == nil, lipid == nil else { throw ValidationError("--calcium and --lipid need contour input (--lumen and --eem)") }
        }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be in 1...64") }
        guard (1...100).contains(steps) else { throw ValidationError("--steps must be in 1...100") }
        guard commitInterval >= 0, commitInterval.isFinite else { throw ValidationError("--commit-interval must be >= 0") }
        if let timeLimit { guard timeLimit > 0, !timeLimit.isNaN else { throw ValidationError("--time-limit must be positive (seconds)") } }
        _ = try resolvedShard(environment: ProcessInfo.processInfo.environment)
    }

    /// The shard of `--shard`: nil when absent, K/N as given, or from Slurm's array variables for `auto`.
    func resolvedShard(environment: [String: String]) throws -> LabelFileConfiguration.Shard? {
        guard let shard else { return nil }
        if shard == "auto" {
            do {
                return try LabelFileConfiguration.Shard.slurmArrayTask(environment: environment)
            } catch {
                throw ValidationError("--shard auto: \(error)")
            }
        }
        guard let parsed = LabelFileConfiguration.Shard(shard) else {
            throw ValidationError("--shard must be K/N with 1 <= K <= N, e.g. 1/4, or auto in a Slurm array job")
        }
        return parsed
    }

    static func point(_ text: String) -> Point? {
        let parts = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts.allSatisfy(\.isFinite) else { return nil }
        return Point(parts[0], parts[1])
    }

    /// The job's rows and their shared grid, from mask files or from contour files.
    func readInputs() throws -> (items: [LabelJobItem], grid: PixelGrid) {
        if let lumen, let eem {
            let rule = ContourGridRule(size: gridSize, fieldOfView: fieldOfView, margin: margin,
                                       origin: gridOrigin.flatMap(Self.point), pixelSize: pixelSize)
            let read = try ContourInput.read(lumenPath: lumen, outerPath: eem, unitsInPixels: contourPixelSpacing, rule: rule)
            var frames = read.items
            let componentFiles = [(TissueComponent.lipid, lipid), (.calcium, calcium)].compactMap { c, path in path.map { (c, $0) } }
            if !componentFiles.isEmpty {
                let (attached, unmatched) = try ContourInput.attachComponents(componentFiles, to: &frames, unitsInPixels: contourPixelSpacing)
                stderr("components: \(attached) outlines on \(frames.filter { !$0.components.isEmpty }.count) frames"
                    + (unmatched > 0 ? "; \(unmatched) outlines of frames without lumen/EEM ignored" : ""))
            }
            return (zip(frames, read.sources).map { LabelJobItem(source: $1, input: .frame($0)) }, read.grid)
        }
        let masks = MaskInput.read(inputs, pixelSize: pixelSize ?? PixelGrid.defaultPixelSize, hdf5Dataset: dataset,
                                   classes: components ? .virtualHistology(fibroFattyCode: (fibroFatty ?? .fibrous).code) : nil)
        guard let first = masks.compactMap({ try? $0.mask.get() }).first else {
            throw ValidationError("no readable mask in the input: " + masks.map { "\($0.source): \($0.mask)" }.prefix(3).joined(separator: "; "))
        }
        return (masks.map { LabelJobItem(source: $0.source, input: $0.classMask.map { .classMask($0) } ?? .mask($0.mask)) }, first.grid)
    }

    func run() throws {
        let (items, grid) = try readInputs()
        let contourInput = lumen != nil
        var options = LabelingOptions()
        guard scannerResolution >= 0, scannerResolution.isFinite else { throw ValidationError("--scanner-resolution must be >= 0 (mm)") }
        options.meshing.scannerResolution = scannerResolution
        options.solver = solver.solverOptions(startingFrom: options.solver)
        options.measure = stress
        options.stepsToSystole = steps
        options.imagePressureMmHg = try imagePressureMmHg(waveform: options.waveform)
        options.stiffnessScale = stiffnessScale
        options.plausibleLumenAreaChange = plausibleAreaChange
        var perFrame: PerFrameCalibration?
        if calibrateAreaChange != nil || calibrateToSystole != nil {
            guard calibrateAreaChange == nil || calibrateToSystole == nil else {
                throw ValidationError("give --calibrate-area-change or --calibrate-to-systole, not both")
            }
            let pairs = try calibrateToSystole.map { try systolicPairs($0) }
            switch calibration {
            case .perFrame:
                perFrame = PerFrameCalibration(fraction: calibrateAreaChange, pairs: pairs)
            case .file:
                var target = calibrateAreaChange ?? 0
                if let pairs {
                    let changes = pairs.values.map(\.change)
                    guard !changes.isEmpty else { throw ValidationError("no systolic contour pairs with a diastolic frame (z positions too far apart?)") }
                    target = changes.reduce(0, +) / Double(changes.count)
                    stderr(String(format: "systolic pairs: %d frames, imaged lumen-area change mean %+.2f %% (%d of them shrink)", changes.count,
                                  100 * target, changes.filter { $0 <= 0 }.count))
                }
                options.stiffnessScale = try calibrate(target: target, items: items, options: options)
            }
        }
        options.timeLimit = timeLimit
        if let png { try FileManager.default.createDirectory(atPath: png, withIntermediateDirectories: true) }
        let environment = ProcessInfo.processInfo.environment
        let shard = try resolvedShard(environment: environment)
        if self.shard == "auto", let shard {
            stderr("shard \(shard) from Slurm array task \(environment["SLURM_ARRAY_JOB_ID"] ?? "?")_\(environment["SLURM_ARRAY_TASK_ID"] ?? "?")")
        }
        var configuration = LabelFileConfiguration(rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize,
                                                   options: options, inputCount: items.count, shard: shard)
        configuration.storesGridOrigins = contourInput
        configuration.storesWallMechanics = true
        configuration.storesComponents = calcium != nil || lipid != nil || components
        let selected = items.indices.filter { shard?.contains($0) ?? true }
        let writer: LabelFileWriter
        var done = 0
        if !overwrite && FileManager.default.fileExists(atPath: output) {
            let resumed: (writer: LabelFileWriter, existing: LabelFileContents)
            do {
                resumed = try LabelFileWriter.resume(at: output, configuration: configuration, provenance: .current)
            } catch {
                try Self.refuseIfInUse(error, output)
                if let why = Self.systemReason(error) {
                    throw CLIError("cannot open \(output) to resume labeling: \(why). Nothing was changed; its committed rows "
                        + "stay readable (plaquefem inspect \(output)).")
                }
                guard case .mismatch = error else {
                    throw ValidationError("\(output) exists and cannot be resumed (\(error)); use --overwrite to replace it")
                }
                throw error
            }
            writer = resumed.writer
            try Self.checkResumedRows(resumed.existing, items: items, grid: grid, selected: selected, path: output)
            done = resumed.existing.count
            stderr("resuming \(output): \(done) of \(selected.count) \(contourInput ? "frames" : "masks") already labeled")
        } else {
            do {
                writer = try LabelFileWriter.create(at: output, configuration: configuration, provenance: .current, overwrite: overwrite)
            } catch {
                try Self.refuseIfInUse(error, output)
                if let why = Self.systemReason(error) { throw CLIError("cannot create \(output): \(why)") }
                throw error
            }
        }
        if contourInput {
            stderr(String(format: "contour input: %d frames on %dx%d grids of %.4f mm pixels (field of view %.2f mm)",
                          items.count, grid.rows, grid.columns, grid.pixelSize, grid.width))
        }
        let run = LabelingRun(items: items, indices: Array(selected.dropFirst(done)), grid: grid,
                              labeler: FEMLabeler(options: options), writer: writer, pictures: png, commitInterval: commitInterval,
                              perFrame: perFrame)
        let start = ContinuousClock.now
        run.execute(jobs: jobs)
        if let error = run.writeError {
            // The rows committed before the failure are on disk; closing commits again and may fail too.
            try? writer.close()
            throw CLIError(Self.writeFailure(error, output: output, committed: done + run.committedRows, total: selected.count))
        }
        do {
            try writer.close()
        } catch {
            throw CLIError(Self.writeFailure(error, output: output, committed: done + run.committedRows, total: selected.count))
        }
        let (seconds, atto) = (ContinuousClock.now - start).components
        print(run.summary(seconds: Double(seconds) + Double(atto) * 1e-18, output: output, skipped: done))
    }

    /// The operating system's reason for a storage failure ("No space left on device", ...), if known.
    static func systemReason(_ error: Error) -> String? {
        if case .storage(let storage) = error as? DatasetError { return storage.systemErrorMessage }
        return (error as? StorageError)?.systemErrorMessage
    }

    /// What `label` says when the output cannot be written any more: why, how many rows are safe,
    /// and how to go on.
    static func writeFailure(_ error: Error, output: String, committed: Int, total: Int) -> String {
        let why = systemReason(error) ?? "\(error)"
        return "cannot write \(output): \(why). Labeling stopped; the file keeps its \(committed) committed rows of \(total), "
            + "readable as they are (plaquefem inspect \(output)). Free space (or make the folder writable) and run the same "
            + "command again to resume after them, or choose another --output."
    }

    /// The stiffness factor that gives the mean lumen-area change `target` over `calibrationFrames`
    /// frames spread evenly over all inputs (every shard picks the same frames, so the same factor).
    func calibrate(target: Double, items: [LabelJobItem], options: LabelingOptions) throws -> Double {
        guard calibrationFrames >= 1 else { throw ValidationError("--calibration-frames must be >= 1") }
        let labeler = FEMLabeler(options: options)
        var meshes: [TriangleMesh] = [], used: [String] = []
        let count = min(calibrationFrames, items.count)
        let starts = (0..<count).map { (2 * $0 + 1) * items.count / (2 * count) }
        for start in starts {
            // The first item from `start` on that meshes (and was not taken already).
            for index in start..<items.count where !used.contains(items[index].source) {
                let mesh: TriangleMesh?
                switch items[index].input {
                case .mask(.success(let mask)): mesh = (try? mask.validated(options: options.validation)).flatMap { try? labeler.wallMesh(of: $0).mesh }
                case .classMask(let classes):
                    mesh = (try? classes.wall.validated(options: options.validation)).flatMap { try? labeler.wallMesh(of: $0, classes: classes).mesh }
                case .frame(let frame):
                    if case .success(let borders) = frame.borders, let placement = frame.placement {
                        mesh = try? labeler.wallMesh(of: placement.local(borders)).mesh
                    } else {
                        mesh = nil
                    }
                default: mesh = nil
                }
                if let mesh {
                    meshes.append(mesh)
                    used.append(items[index].source)
                    break
                }
            }
        }
        let start = ContinuousClock.now
        do {
            let result = try StiffnessCalibration(options: options).calibrate(target: target, meshes: meshes)
            let (seconds, atto) = (ContinuousClock.now - start).components
            let m = options.solver.material
            stderr(String(format: "calibrated stiffness factor %.4g (c1 %.1f kPa, D1 %.1f kPa, D2 %g): mean lumen-area change %+.3f %% over %d frames in %d trials, %.1f s",
                          result.scale, result.scale * m.c1, result.scale * m.d1, m.d2, 100 * result.meanAreaChange, meshes.count,
                          result.history.count, Double(seconds) + Double(atto) * 1e-18) + " (" + used.joined(separator: "; ") + ")")
            return result.scale
        } catch {
            throw CLIError("calibration failed: \(error)")
        }
    }

    /// Diastolic frame number -> systolic partner and imaged change, from `--lumen` and `path`.
    func systolicPairs(_ path: String) throws -> [Int: SystolicPairing.Pair] {
        guard let lumen else { throw ValidationError("--calibrate-to-systole needs contour input (--lumen, --eem)") }
        do {
            return SystolicPairing.pair(diastolic: try BorderContourFile.read(at: lumen), systolic: try BorderContourFile.read(at: path))
        } catch {
            throw ValidationError("cannot read systolic contours: \(error)")
        }
    }

    /// `--image-pressure` in mmHg: a number > 0, or 'diastolic' for the waveform's first pressure.
    func imagePressureMmHg(waveform: PressureWaveform) throws -> Double? {
        guard let imagePressure else { return nil }
        if imagePressure == "diastolic" { return waveform.initialPressure }
        guard let value = Double(imagePressure), value > 0, value.isFinite else {
            throw ValidationError("--image-pressure must be a pressure in mmHg > 0 or 'diastolic', got '\(imagePressure)'")
        }
        return value
    }

    /// A clear refusal when `output` is open in another process (two jobs writing one file would
    /// corrupt it; HDF5's file lock tells).
    static func refuseIfInUse(_ error: DatasetError, _ output: String) throws {
        if case .storage(let storage) = error, storage.reason == .inUse {
            throw ValidationError("\(output) is in use by another process (another label job writing it?); "
                + "wait for that job to finish, or write to another --output. Nothing was changed.")
        }
    }

    /// Refuses to resume a file whose rows came from other inputs (same options, other masks).
    static func checkResumedRows(_ existing: LabelFileContents, items: [LabelJobItem], grid: PixelGrid, selected: [Int], path: String) throws {
        guard existing.count <= selected.count else {
            throw DatasetError.mismatch(path: path, reason: "it has \(existing.count) rows, the input only \(selected.count) masks")
        }
        for row in 0..<existing.count {
            let index = selected[row]
            let item = items[index]
            let record = existing.record(row)
            let pixels: [UInt8]
            switch item.input {
            case .mask(let mask): pixels = (try? mask.get())?.pixels ?? [UInt8](repeating: 0, count: existing.pixelsPerMask)
            case .classMask(let classes): pixels = classes.wall.pixels
            case .frame(let frame): pixels = frame.wallPixels(grid: grid)
            }
            guard record.inputIndex == Int64(index), record.source == item.source, record.mask == pixels else {
                throw DatasetError.mismatch(path: path, reason: "row \(row) holds \(record.source), the input's mask \(index) is \(item.source) or differs")
            }
        }
    }
}

/// The shared state of a labeling batch: workers label masks in parallel; finished rows are
/// written in input order as soon as every earlier row is done.
final class LabelingRun: @unchecked Sendable {
    private let items: [LabelJobItem]
    /// Input indices to label, in output order.
    private let indices: [Int]
    private let grid: PixelGrid
    private let labeler: FEMLabeler
    private let writer: LabelFileWriter
    private let pictures: String?
    private let commitInterval: Duration
    private let perFrame: PerFrameCalibration?
    private let lock = NSLock()
    private var written = 0
    private var pending: [Int: Row] = [:]
    private var done = 0
    private var failures: [String: Int] = [:]
    /// The first failure of each kind in full, with its input: the kind alone ("meshing failed:
    /// invalid mask") does not say what was wrong.
    private var firstFailures: [String: String] = [:]
    private var timings: [LabelTimings] = []
    private var peaks: [Float] = []
    private var areaChanges: [Double] = []
    private var implausible: [String] = []
    private var componentNotes: [String] = []
    private let progress: ProgressBar
    private var lastCommit = ContinuousClock.now
    private(set) var writeError: Error?
    /// Rows of this run committed to the file (survive a kill or a later write failure).
    private(set) var committedRows = 0

    init(items: [LabelJobItem], indices: [Int], grid: PixelGrid, labeler: FEMLabeler, writer: LabelFileWriter, pictures: String?,
         commitInterval: Double, perFrame: PerFrameCalibration? = nil) {
        self.items = items
        self.indices = indices
        self.grid = grid
        self.labeler = labeler
        self.writer = writer
        self.pictures = pictures
        self.commitInterval = .milliseconds(Int(commitInterval * 1000))
        self.perFrame = perFrame
        progress = ProgressBar(total: indices.count, label: "labeling")
    }

    func execute(jobs: Int) {
        BatchLabeler.forEachConcurrently(count: indices.count, jobs: jobs) { position in
            // Once the output cannot be written, labeling the rest would only waste time.
            guard lock.withLock({ writeError == nil }) else { return }
            finish(position, labelItem(indices[position]))
        }
    }

    /// One finished row before it is written.
    private struct Row {
        var mask: [UInt8]
        var stress: [Float]
        var code: Int32
        var reason: String
        var gridOrigin: [Double]?
        var label: StressLabel?
        /// The class map of a labeled row of a wall with components.
        var components: [UInt8]?
        /// `/wall_mechanics` of a labeled row (kept when `label` is dropped).
        var wallMechanics: [Double]?
        /// What the class-mask front end dropped or filled (specks, holes), for the summary.
        var notes: [String] = []
        var mechanics: [Double]? { label.map { Self.columns($0.mechanics) } ?? wallMechanics }

        static func columns(_ m: WallMechanics) -> [Double] {
            [m.lumenAreaChange, m.unloadedLumenFraction ?? .nan, m.unloadingMismatch ?? .nan, m.stiffnessScale]
        }
    }

    private func labelItem(_ index: Int) -> Row {
        let zeros = [Float](repeating: 0, count: grid.count)
        let noMask = [UInt8](repeating: 0, count: grid.count)
        switch items[index].input {
        case .mask(.failure(let failure)):
            return Row(mask: noMask, stress: zeros, code: failure.code, reason: failure.description)
        case .mask(.success(let mask)):
            return labelMask(mask, classes: nil, index: index)
        case .classMask(let classes):
            return labelMask(classes.wall, classes: classes, index: index)
        case .frame(let frame):
            // No usable borders: no grid either; NaN says so in /grid_origin_mm.
            let origin = frame.placement.map { [$0.originX, $0.originY] } ?? [.nan, .nan]
            guard case .success(let borders) = frame.borders, let placement = frame.placement else {
                let failure: LabelingFailure
                switch frame.borders {
                case .failure(let error): failure = .invalidContours(error)
                case .success: failure = .invalidContours(.invalidGrid(frame: frame.frame, reason: "no field of view"))
                }
                return Row(mask: noMask, stress: zeros, code: failure.code, reason: failure.description, gridOrigin: origin)
            }
            do {
                // One deadline for the item: a per-frame calibration counts against the time limit too.
                let deadline = Deadline(seconds: labeler.options.timeLimit)
                let target = perFrame.map { $0.fraction ?? $0.pairs?[frame.frame]?.change }
                let labeler = try frameLabeler(target: target, frame: frame.frame, deadline: deadline) {
                    let offset = Point(-placement.originX, -placement.originY)
                    let outlines = frame.components.map { ComponentOutline(component: $0.component, points: $0.points.map { $0 + offset }) }
                    return try? self.labeler.wallMesh(of: placement.local(borders), components: outlines, deadline: deadline).mesh
                }
                let label = try labeler.label(borders, on: placement, components: frame.components, deadline: deadline)
                writePicture(label, mask: label.wall, index: index)
                return Row(mask: label.wall.pixels, stress: label.stress, code: 0, reason: "", gridOrigin: origin, label: label,
                           components: label.components)
            } catch {
                return Row(mask: frame.wallPixels(grid: grid), stress: zeros, code: error.code, reason: error.description, gridOrigin: origin)
            }
        }
    }

    /// The row of a mask, or of a class mask (`classes`, whose wall `mask` is).
    private func labelMask(_ mask: Mask, classes: ClassMask?, index: Int) -> Row {
        guard mask.grid.rows == grid.rows, mask.grid.columns == grid.columns else {
            return Row(mask: [UInt8](repeating: 0, count: grid.count), stress: [Float](repeating: 0, count: grid.count), code: InputFailure.wrongSize,
                       reason: "mask is \(mask.grid.rows)x\(mask.grid.columns), the batch is \(grid.rows)x\(grid.columns)")
        }
        do {
            // One deadline for the item: a per-frame calibration counts against the time limit too.
            let deadline = Deadline(seconds: labeler.options.timeLimit)
            let labeler = try frameLabeler(target: perFrame.map { $0.fraction }, frame: nil, deadline: deadline) {
                guard let validated = try? mask.validated(options: self.labeler.options.validation) else { return nil }
                if let classes { return try? self.labeler.wallMesh(of: validated, classes: classes, deadline: deadline).mesh }
                return try? self.labeler.wallMesh(of: validated, deadline: deadline).mesh
            }
            let label: StressLabel
            if let classes { label = try labeler.label(classes, deadline: deadline) } else { label = try labeler.label(mask, deadline: deadline) }
            writePicture(label, mask: mask, index: index)
            return Row(mask: mask.pixels, stress: label.stress, code: 0, reason: "", label: label, components: classes == nil ? nil : label.components,
                       notes: label.componentNotes.map { "\(items[index].source): \($0)" })
        } catch {
            return Row(mask: mask.pixels, stress: [Float](repeating: 0, count: grid.count), code: error.code, reason: error.description)
        }
    }

    /// The labeler of one item: the batch's, or, with per-frame calibration, one whose stiffness
    /// factor gives this item's own target (`target`: nil without per-frame calibration; .some(nil)
    /// when the item has none).
    /// `deadline` bounds the calibration (status 500, stage calibration, past it).
    private func frameLabeler(target: Double??, frame: Int?, deadline: Deadline, mesh: () -> TriangleMesh?) throws(LabelingFailure) -> FEMLabeler {
        guard let target else { return labeler }
        guard let target else {
            throw .calibration(.noTarget("no systolic contour of the same site" + (frame.map { " for frame \($0)" } ?? "")))
        }
        // A mask that does not mesh fails in labeling with its own reason.
        guard let wall = mesh() else { return labeler }
        do {
            let result = try StiffnessCalibration(options: labeler.options).calibrate(target: target, meshes: [wall], deadline: deadline)
            var options = labeler.options
            options.stiffnessScale = result.scale
            return FEMLabeler(options: options)
        } catch .timeLimitExceeded(let seconds) {
            throw .timeLimitExceeded(seconds: seconds, stage: .calibration)
        } catch {
            throw .calibration(error)
        }
    }

    private func writePicture(_ label: StressLabel, mask: Mask, index: Int) {
        guard let pictures else { return }
        let path = (pictures as NSString).appendingPathComponent(pictureName(index) + ".png")
        if var picture = try? StressMapPicture(stress: label.stress, grid: grid, wall: label.wall) {
            picture.classes = label.components
            try? picture.writePNG(besideMask: mask, to: path)
        }
    }

    private func pictureName(_ index: Int) -> String {
        if case .frame(let frame) = items[index].input { return String(format: "%05d-frame-%d-stress", index, frame.frame) }
        let stem = (items[index].source as NSString).deletingPathExtension
            .replacingOccurrences(of: "[", with: "-").replacingOccurrences(of: "]", with: "")
        return String(format: "%05d-", index) + stem + "-stress"
    }

    private func finish(_ position: Int, _ result: Row) {
        lock.withLock {
            var stored = result
            stored.label = nil
            stored.wallMechanics = result.mechanics
            pending[position] = stored
            done += 1
            if let label = result.label {
                timings.append(label.timings)
                peaks.append(label.peak)
                areaChanges.append(label.mechanics.lumenAreaChange)
                if !label.mechanics.isPlausible { implausible.append(items[indices[position]].source) }
                componentNotes += result.notes
            } else {
                let key = result.reason.split(separator: ":").prefix(2).joined(separator: ":")
                failures[key, default: 0] += 1
                if firstFailures[key] == nil, result.reason != key { firstFailures[key] = "\(items[indices[position]].source): \(result.reason)" }
            }
            // Write the contiguous prefix of finished rows, in input order.
            while writeError == nil, let row = pending.removeValue(forKey: written) {
                do {
                    let index = indices[written]
                    try writer.append(LabelRecord(mask: row.mask, stress: row.stress, status: row.code, reason: row.reason,
                                                  source: items[index].source, inputIndex: Int64(index), gridOrigin: row.gridOrigin,
                                                  wallMechanics: row.wallMechanics, components: row.components))
                    written += 1
                    // Committed rows survive a kill; committing every 2 s bounds the loss without a flush per row.
                    if ContinuousClock.now - lastCommit >= commitInterval {
                        try writer.commit()
                        lastCommit = ContinuousClock.now
                        committedRows = written
                    }
                } catch {
                    writeError = error
                }
            }
            progress.update(done: done, failed: failures.values.reduce(0, +))
        }
    }

    func summary(seconds: Double, output: String, skipped: Int) -> String {
        let failed = failures.values.reduce(0, +)
        var out = skipped > 0 ? "skipped \(skipped) masks labeled before; " : ""
        out += "labeled \(indices.count - failed) of \(indices.count) masks in \(String(format: "%.1f", seconds)) s "
        out += "(\(String(format: "%.2f", Double(indices.count) / max(seconds, 1e-9))) masks/s); wrote \(output)\n"
        if !timings.isEmpty {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            out += String(format: "per mask (median): validate %.1f ms, mesh %.1f ms, solve %.1f ms, rasterize %.1f ms, total %.1f ms\n",
                          1000 * median(timings.map(\.validate)), 1000 * median(timings.map(\.mesh)), 1000 * median(timings.map(\.solve)),
                          1000 * median(timings.map(\.rasterize)), 1000 * median(timings.map(\.total)))
            out += String(format: "peak stress: median %.1f kPa, max %.1f kPa\n", Double(peaks.sorted()[peaks.count / 2]), Double(peaks.max()!))
            out += String(format: "lumen area change to systole: median %+.1f %%, max %+.1f %%; %d of %d labels above %.0f %% (flagged implausible)\n",
                          100 * median(areaChanges), 100 * areaChanges.max()!, implausible.count, areaChanges.count,
                          100 * labeler.options.plausibleLumenAreaChange)
            if !implausible.isEmpty {
                out += "warning: \(implausible.count) labels inflate the lumen beyond the plausible bound (not physiological; "
                    + "see docs/labeling.md, 'Physical labels'): " + implausible.prefix(5).joined(separator: ", ")
                    + (implausible.count > 5 ? ", ..." : "") + "\n"
            }
        }
        if !componentNotes.isEmpty {
            out += "warning: \(componentNotes.count) component regions changed on the way to outlines (see docs/labeling.md, 'Class masks'): "
                + componentNotes.prefix(5).joined(separator: "; ") + (componentNotes.count > 5 ? "; ..." : "") + "\n"
        }
        for (reason, count) in failures.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            out += "failed \(count)x: \(reason)\n"
            if let first = firstFailures[reason] { out += "    first: \(first)\n" }
        }
        return out
    }
}

/// `--calibration`: one stiffness factor for the file, or one per frame.
enum CalibrationMode: String, ExpressibleByArgument, CaseIterable {
    case file
    case perFrame = "per-frame"
}

/// Per-frame calibration targets: one fraction for every frame, or each contour frame's imaged
/// change to its systolic partner.
struct PerFrameCalibration: Sendable {
    var fraction: Double?
    var pairs: [Int: SystolicPairing.Pair]?
}
