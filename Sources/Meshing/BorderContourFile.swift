import Foundation

/// Why border contours could not be read or used; every case that concerns one frame names it.
public enum ContourError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or decoded as text.
    case unreadableFile(path: String, reason: String)
    /// A row that is not `frame, x, y[, z]` with numeric fields (1-based line number).
    case malformedLine(path: String, line: Int, reason: String)
    /// A frame's contour has fewer distinct points than a closed border needs.
    case tooFewPoints(frame: Int, border: String, count: Int)
    /// A coordinate is NaN or infinite.
    case notFinite(frame: Int, border: String)
    /// A border crosses itself (segments i and j of its polyline).
    case selfIntersection(frame: Int, border: String, segments: (Int, Int))
    /// The lumen is not strictly inside the outer border (they touch, cross, or the lumen lies outside).
    case lumenNotInside(frame: Int, reason: String)
    /// The frame has one border but not the other.
    case missingBorder(frame: Int, border: String)
    /// A pixel grid that cannot hold the frame (non-positive size, the wall outside the field of view).
    case invalidGrid(frame: Int, reason: String)

    public static func == (lhs: ContourError, rhs: ContourError) -> Bool { lhs.description == rhs.description }

    /// A stable number per case (label files store 400 + this code in `/status`).
    public var code: Int {
        switch self {
        case .unreadableFile: 1
        case .malformedLine: 2
        case .tooFewPoints: 3
        case .notFinite: 4
        case .selfIntersection: 5
        case .lumenNotInside: 6
        case .missingBorder: 7
        case .invalidGrid: 8
        }
    }

    /// The frame the error concerns, if any.
    public var frame: Int? {
        switch self {
        case .unreadableFile, .malformedLine: nil
        case .tooFewPoints(let frame, _, _), .notFinite(let frame, _), .selfIntersection(let frame, _, _),
             .lumenNotInside(let frame, _), .missingBorder(let frame, _), .invalidGrid(let frame, _):
            frame
        }
    }

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "cannot read contour file \(path): \(reason)"
        case .malformedLine(let path, let line, let reason): "\(path) line \(line): \(reason)"
        case .tooFewPoints(let frame, let border, let count):
            "frame \(frame): the \(border) contour has \(count) distinct points, a closed border needs at least \(BorderContour.minimumPointCount)"
        case .notFinite(let frame, let border): "frame \(frame): the \(border) contour has a coordinate that is not a finite number"
        case .selfIntersection(let frame, let border, let segments):
            "frame \(frame): the \(border) contour crosses itself (segments \(segments.0) and \(segments.1))"
        case .lumenNotInside(let frame, let reason): "frame \(frame): the lumen is not strictly inside the EEM (\(reason))"
        case .missingBorder(let frame, let border): "frame \(frame): no \(border) contour for this frame"
        case .invalidGrid(let frame, let reason): "frame \(frame): \(reason)"
        }
    }
}

/// One border of one frame as IVUS analysis software exports it: a closed polyline in the image
/// plane (mm, or pixels before `scaled(by:)`).
public struct BorderContour: Sendable, Equatable {
    /// Fewest distinct points of a closed border.
    public static let minimumPointCount = 8

    /// The frame number of the pullback.
    public var frame: Int
    /// The polyline's points in file order; a last point that repeats the first is dropped.
    public var points: [Point]
    /// The position along the pullback (mm) of the frame, when the file has a z column.
    public var position: Double?

    /// A contour.
    public init(frame: Int, points: [Point], position: Double? = nil) {
        self.frame = frame
        self.points = points
        self.position = position
    }

    /// The contour with every coordinate multiplied by `factor` (pixel units to mm).
    public func scaled(by factor: Double) -> BorderContour {
        BorderContour(frame: frame, points: points.map { factor * $0 }, position: position)
    }
}

/// Reads border contour files: rows `frame, x, y[, z]`, tab-, comma-, semicolon- or
/// space-separated, one file per border kind (lumen, EEM), the rows of a frame forming one closed
/// polyline in order (the export layout of IVUS analysis software, e.g. the multimoda-rs examples).
///
/// Accepted: a last point that repeats the first or not; a header line whose fields are not numbers
/// (first non-empty line only); `#` comment lines; empty lines; Windows line ends. The frame column
/// may be written as a float with an integral value (`13.0`). A frame's rows need not be contiguous,
/// but each frame keeps its rows in file order.
public enum BorderContourFile {
    /// Parses the text of a contour file; `path` names it in errors. Frames in increasing order.
    ///
    /// Throws `ContourError.malformedLine` for a row with fewer than 3 fields, a field that is not a
    /// number, or a frame number that is not an integer; never traps.
    public static func parse(_ text: String, path: String) throws(ContourError) -> [BorderContour] {
        var byFrame: [Int: (points: [Point], position: Double?)] = [:]
        var sawData = false
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == "," || $0 == ";" || $0 == " " })
            let numbers = fields.map { Double($0) }
            if numbers.contains(where: { $0 == nil }) {
                // A header: the first content line, and no field of it a number.
                if !sawData, numbers.allSatisfy({ $0 == nil }) {
                    sawData = true
                    continue
                }
                throw .malformedLine(path: path, line: lineNumber, reason: "expected numbers 'frame, x, y[, z]', got '\(line.prefix(80))'")
            }
            sawData = true
            guard fields.count >= 3 else {
                throw .malformedLine(path: path, line: lineNumber, reason: "expected 'frame, x, y[, z]', got \(fields.count) fields")
            }
            let frameValue = numbers[0]!
            guard frameValue.isFinite, frameValue == frameValue.rounded(), abs(frameValue) < 1e9 else {
                throw .malformedLine(path: path, line: lineNumber, reason: "frame number \(fields[0]) is not an integer")
            }
            let frame = Int(frameValue)
            let point = Point(numbers[1]!, numbers[2]!)
            byFrame[frame, default: ([], nil)].points.append(point)
            if fields.count >= 4, byFrame[frame]!.position == nil { byFrame[frame]!.position = numbers[3]! }
        }
        return byFrame.keys.sorted().map { frame in
            var points = byFrame[frame]!.points
            if points.count > 1, points[points.count - 1] == points[0] { points.removeLast() }
            return BorderContour(frame: frame, points: points, position: byFrame[frame]!.position)
        }
    }

    /// Reads and parses the contour file at `path`.
    public static func read(at path: String) throws(ContourError) -> [BorderContour] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw .unreadableFile(path: path, reason: "not a text file")
        }
        if text.utf8.contains(0) { throw .unreadableFile(path: path, reason: "binary data (NUL bytes), not a text file") }
        return try parse(text, path: path)
    }
}
