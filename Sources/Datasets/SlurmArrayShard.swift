/// Why `label --shard auto` found no shard in the environment.
public enum SlurmArrayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// SLURM_ARRAY_TASK_ID is not set: not a task of a Slurm array job. `inSlurmJob` when
    /// SLURM_JOB_ID is set (a plain, non-array job).
    case notAnArrayJob(inSlurmJob: Bool)
    /// A variable is missing or not an integer (the variable's name and value, nil when missing).
    case invalidVariable(name: String, value: String?)
    /// The variables do not describe one task of an evenly spaced array MIN-MAX[:STEP] with
    /// COUNT tasks (e.g. a list such as `--array=1,3,8`).
    case unsupportedArray(reason: String)
    /// A one-task array whose index is above 1 (`sbatch --array=3`): how one reruns task 3 of a
    /// larger array, whose number of shards the variables do not tell.
    case singleTaskAboveOne(index: Int)

    /// What went wrong and what to do instead, for the user.
    public var description: String {
        switch self {
        case .notAnArrayJob(let inSlurmJob):
            return (inSlurmJob ? "this Slurm job is not an array job" : "not running in a Slurm array job")
                + " (SLURM_ARRAY_TASK_ID is not set): submit with sbatch --array=1-N, or give --shard K/N"
        case .invalidVariable(let name, let value):
            return value.map { "\(name)=\($0) is not a non-negative integer" } ?? "\(name) is not set"
        case .singleTaskAboveOne(let index):
            return "a one-task array with index \(index) (sbatch --array=\(index)) looks like a rerun of task \(index) of a larger "
                + "array, and Slurm's variables do not say that array's size: give --shard \(index)/N with its N instead of auto"
        case .unsupportedArray(let reason):
            return "unsupported array for --shard auto: \(reason); use an evenly spaced array such as --array=1-N or 0-(N-1), "
                + "or give --shard K/N"
        }
    }
}

extension LabelFileConfiguration.Shard {
    /// The shard of a Slurm array task, from Slurm's array variables (`label --shard auto`).
    ///
    /// Supported arrays are evenly spaced, `--array=MIN-MAX[:STEP]` (a `%` limit on running tasks
    /// changes nothing): N = SLURM_ARRAY_TASK_COUNT and K = (ID - MIN) / STEP + 1, so `--array=1-4`,
    /// `--array=0-3` and `--array=0-6:2` each give shards 1/4 ... 4/4. SLURM_ARRAY_TASK_MIN defaults to 1
    /// and SLURM_ARRAY_TASK_STEP to 1 when absent; SLURM_ARRAY_TASK_MAX, when present, must agree
    /// with MIN, STEP and COUNT. Lists of indices (`--array=1,3,8`) are refused, and so is a one-task
    /// array whose index is above 1 (`--array=3`, a rerun of one task: the array's N is unknown).
    /// - Parameter environment: the process environment (e.g. `ProcessInfo.processInfo.environment`).
    /// - Throws: `SlurmArrayError` when the variables are missing or do not describe such an array.
    public static func slurmArrayTask(environment: [String: String]) throws(SlurmArrayError) -> Self {
        guard environment["SLURM_ARRAY_TASK_ID"] != nil else {
            throw .notAnArrayJob(inSlurmJob: environment["SLURM_JOB_ID"] != nil)
        }
        func integer(_ name: String, default fallback: Int? = nil) throws(SlurmArrayError) -> Int {
            guard let text = environment[name] else {
                guard let fallback else { throw .invalidVariable(name: name, value: nil) }
                return fallback
            }
            guard let value = Int(text), value >= 0 else {
                throw .invalidVariable(name: name, value: text)
            }
            return value
        }
        let id = try integer("SLURM_ARRAY_TASK_ID")
        let count = try integer("SLURM_ARRAY_TASK_COUNT")
        let minimum = try integer("SLURM_ARRAY_TASK_MIN", default: 1)
        let step = try integer("SLURM_ARRAY_TASK_STEP", default: 1)
        guard count >= 1 else { throw .unsupportedArray(reason: "SLURM_ARRAY_TASK_COUNT=\(count)") }
        guard step >= 1 else { throw .unsupportedArray(reason: "SLURM_ARRAY_TASK_STEP=\(step)") }
        // `sbatch --array=3` (one task, index above 1) is how one reruns task 3 of a larger array:
        // shard 1/1 would label the whole job into task 3's file.
        guard count > 1 || minimum <= 1 else { throw .singleTaskAboveOne(index: id) }
        let last = minimum + (count - 1) * step
        if environment["SLURM_ARRAY_TASK_MAX"] != nil {
            let maximum = try integer("SLURM_ARRAY_TASK_MAX")
            guard maximum == last else {
                throw .unsupportedArray(reason: "\(count) tasks from \(minimum) in steps of \(step) end at \(last), "
                    + "but SLURM_ARRAY_TASK_MAX=\(maximum) (an index list or an uneven step?)")
            }
        }
        guard id >= minimum, id <= last, (id - minimum) % step == 0 else {
            throw .unsupportedArray(reason: "SLURM_ARRAY_TASK_ID=\(id) is not one of \(minimum)-\(last)"
                + (step > 1 ? ":\(step)" : ""))
        }
        guard let shard = Self(index: (id - minimum) / step + 1, count: count) else {
            throw .unsupportedArray(reason: "no shard for task \(id) of \(count)")
        }
        return shard
    }
}
