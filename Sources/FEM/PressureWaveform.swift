import Foundation

/// Millimetres of mercury to kilopascals: 1 mmHg = 0.133322 kPa.
public let kilopascalsPerMillimetreOfMercury = 0.133322

/// A lumen pressure waveform over one cardiac cycle: time (s) / pressure (mmHg) pairs,
/// interpolated linearly between the given points.
///
/// The default is a stylised physiological coronary (aortic-root) pressure curve with a 0.8 s
/// cycle (75 beats per minute): end-diastolic 80 mmHg at t = 0, a systolic upstroke to the
/// 120 mmHg peak at t = 0.24 s, the dicrotic notch near 0.38 s and the diastolic decay back to
/// 80 mmHg at t = 0.8 s.
public struct PressureWaveform: Sendable, Codable, Equatable {
    /// Strictly increasing sample times (s).
    public private(set) var times: [Double]
    /// Pressures at `times` (mmHg).
    public private(set) var pressures: [Double]

    /// The default physiological waveform (80/120 mmHg, 0.8 s).
    public static let physiological = try! PressureWaveform(
        times: [0.00, 0.04, 0.08, 0.12, 0.16, 0.20, 0.24, 0.28, 0.32, 0.36, 0.38, 0.40, 0.44, 0.50, 0.60, 0.70, 0.80],
        pressures: [80.0, 84.0, 95.0, 106.0, 114.0, 118.5, 120.0, 118.6, 114.5, 108.0, 104.0, 105.5, 106.0, 102.0, 95.0, 88.0, 80.0]
    )

    /// Creates a waveform; needs at least two points, strictly increasing finite times and finite
    /// non-negative pressures.
    public init(times: [Double], pressures: [Double]) throws(FEMError) {
        guard times.count == pressures.count else {
            throw .invalidWaveform("\(times.count) times but \(pressures.count) pressures")
        }
        guard times.count >= 2 else { throw .invalidWaveform("need at least two time/pressure points") }
        for k in times.indices {
            guard times[k].isFinite, pressures[k].isFinite else { throw .invalidWaveform("point \(k) is not finite") }
            guard pressures[k] >= 0 else { throw .invalidWaveform("negative pressure \(pressures[k]) mmHg at t = \(times[k]) s") }
            if k > 0, !(times[k] > times[k - 1]) {
                throw .invalidWaveform("times must increase strictly (t[\(k - 1)] = \(times[k - 1]), t[\(k)] = \(times[k]))")
            }
        }
        self.times = times
        self.pressures = pressures
    }

    /// Parses "time,pressure" lines (s, mmHg); blank lines and lines starting with '#' are skipped,
    /// as is a first non-comment line that does not parse as numbers (a header).
    public init(csv text: String) throws(FEMError) {
        var t: [Double] = [], p: [Double] = []
        var headerAllowed = true
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" })
            guard fields.count == 2, let time = Double(fields[0]), let pressure = Double(fields[1]) else {
                if headerAllowed {
                    headerAllowed = false
                    continue
                }
                throw .invalidWaveform("line \(number + 1): expected 'time_s,pressure_mmHg', got '\(line)'")
            }
            headerAllowed = false
            t.append(time)
            p.append(pressure)
        }
        try self.init(times: t, pressures: p)
    }

    /// Pressure at time t (mmHg), linear between samples, clamped outside [t_0, t_end].
    public func pressure(at t: Double) -> Double {
        guard !t.isNaN else { return .nan }  // no time, no pressure (a NaN load is refused by the solver)
        if t <= times[0] { return pressures[0] }
        if t >= times[times.count - 1] { return pressures[pressures.count - 1] }
        var hi = times.firstIndex { $0 >= t }!
        if hi == 0 { hi = 1 }
        let s = (t - times[hi - 1]) / (times[hi] - times[hi - 1])
        return pressures[hi - 1] + s * (pressures[hi] - pressures[hi - 1])
    }

    /// Time of the first maximum pressure (the systolic peak), s.
    public var systoleTime: Double { times[pressures.firstIndex(of: pressures.max()!)!] }
    /// The peak (systolic) pressure, mmHg.
    public var systolicPressure: Double { pressures.max()! }
    /// The pressure at the start of the cycle (end-diastole), mmHg.
    public var initialPressure: Double { pressures[0] }
    /// Cycle length t_end - t_0, s.
    public var duration: Double { times[times.count - 1] - times[0] }

    /// The same waveform with pressures scaled so that its peak is `systolic` mmHg and its minimum
    /// `diastolic` mmHg (affine map of the pressure axis).
    public func rescaled(diastolic: Double, systolic: Double) throws(FEMError) -> PressureWaveform {
        let lo = pressures.min()!, hi = pressures.max()!
        guard hi > lo else { throw .invalidWaveform("a constant waveform cannot be rescaled") }
        return try PressureWaveform(times: times, pressures: pressures.map { diastolic + ($0 - lo) / (hi - lo) * (systolic - diastolic) })
    }
}

/// The quasi-static load path: lumen pressures at which equilibrium is solved, in order.
///
/// The image is the stress-free reference, so the first step ramps the pressure from 0 to the
/// waveform's value at t_0 (end-diastole); the following steps follow the waveform in time.
public struct LoadSchedule: Sendable, Codable, Equatable {
    /// One point of the path.
    public struct Point: Sendable, Codable, Equatable {
        /// Cycle time (s); the initial ramp from the unloaded image has time t_0.
        public var time: Double
        /// Lumen pressure (kPa).
        public var pressureKPa: Double
        /// Whether results at this point are kept (the systolic peak always is).
        public var isOutput: Bool
    }

    /// Points after the unloaded reference.
    public var points: [Point]

    /// Follows `waveform` from t_0 to its systolic peak in `steps` equal time steps (default 2),
    /// after the initial ramp from 0 to the end-diastolic pressure. Only the peak is output.
    public static func toSystole(_ waveform: PressureWaveform, steps: Int = 2) throws(FEMError) -> LoadSchedule {
        guard steps >= 1 else { throw .invalidParameter("need at least one time step to systole, got \(steps)") }
        let t0 = waveform.times[0], tp = waveform.systoleTime
        var points = [Point(time: t0, pressureKPa: waveform.initialPressure * kilopascalsPerMillimetreOfMercury, isOutput: tp == t0)]
        if tp > t0 {
            for k in 1...steps {
                let t = t0 + (tp - t0) * Double(k) / Double(steps)
                points.append(Point(time: t, pressureKPa: waveform.pressure(at: t) * kilopascalsPerMillimetreOfMercury, isOutput: k == steps))
            }
        }
        return LoadSchedule(points: points)
    }

    /// Runs the whole cycle in `steps` equal time steps, keeping the results at every time point
    /// (including the systolic peak, inserted if it falls between steps).
    public static func fullCycle(_ waveform: PressureWaveform, steps: Int) throws(FEMError) -> LoadSchedule {
        guard steps >= 1 else { throw .invalidParameter("need at least one time step, got \(steps)") }
        let t0 = waveform.times[0], T = waveform.duration
        var times = (0...steps).map { t0 + T * Double($0) / Double(steps) }
        if !times.contains(waveform.systoleTime) { times.append(waveform.systoleTime); times.sort() }
        return LoadSchedule(points: times.map {
            Point(time: $0, pressureKPa: waveform.pressure(at: $0) * kilopascalsPerMillimetreOfMercury, isOutput: true)
        })
    }

    /// A single step from the unloaded reference to `pressureKPa` (used by verification problems).
    public static func constant(pressureKPa: Double, steps: Int = 1) -> LoadSchedule {
        LoadSchedule(points: (1...max(1, steps)).map {
            Point(time: 0, pressureKPa: pressureKPa * Double($0) / Double(max(1, steps)), isOutput: $0 == max(1, steps))
        })
    }
}
