// libFuzzer target: waveform CSV files (`solve --waveform`, `PressureWaveform(csv:)`). Compiled
// against the Meshing, Sparse and FEM modules by fuzz/run.sh.
//
// Any input must parse or throw an FEMError; a parsed waveform is sampled, rescaled and turned into
// load schedules as the solver would, each step answering with a value or a typed error.
import FEM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWaveformCSV(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    guard let waveform = try? PressureWaveform(csv: text) else { return 0 }
    let first = waveform.times[0], last = waveform.times[waveform.times.count - 1]
    for t in [first - 1, first, (first + last) / 2, last, last + 1] {
        _ = waveform.pressure(at: t)
    }
    _ = try? waveform.rescaled(diastolic: 80, systolic: 120)
    _ = try? LoadSchedule.toSystole(waveform, steps: 3)
    _ = try? LoadSchedule.fullCycle(waveform, steps: 8)
    return 0
}
