import Datasets
import Testing

/// `label --shard auto`: the shard of a Slurm array task from Slurm's environment variables.
@Suite struct SlurmArrayShardTests {
    typealias Shard = LabelFileConfiguration.Shard

    /// The variables Slurm sets in a task of `--array=MIN-MAX[:STEP]` (as sbatch documents them).
    static func task(_ id: Int, min: Int, max: Int, step: Int = 1, count: Int) -> [String: String] {
        ["SLURM_JOB_ID": "\(1000 + id)", "SLURM_ARRAY_JOB_ID": "1000", "SLURM_ARRAY_TASK_ID": "\(id)",
         "SLURM_ARRAY_TASK_COUNT": "\(count)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_MAX": "\(max)",
         "SLURM_ARRAY_TASK_STEP": "\(step)"]
    }

    @Test func arraysFromOneGiveTheTaskIdAsTheShard() throws {
        for id in 1...4 {
            #expect(try Shard.slurmArrayTask(environment: Self.task(id, min: 1, max: 4, count: 4)) == Shard(index: id, count: 4))
        }
    }

    @Test func arraysFromZeroOrLaterAreShiftedByTheirFirstIndex() throws {
        for id in 0...3 {
            #expect(try Shard.slurmArrayTask(environment: Self.task(id, min: 0, max: 3, count: 4)) == Shard(index: id + 1, count: 4))
        }
        #expect(try Shard.slurmArrayTask(environment: Self.task(12, min: 10, max: 13, count: 4)) == Shard(index: 3, count: 4))
    }

    @Test func steppedArraysMapEveryTaskToItsOwnShard() throws {
        // --array=0-6:2 runs tasks 0, 2, 4, 6.
        let shards = try [0, 2, 4, 6].map { try Shard.slurmArrayTask(environment: Self.task($0, min: 0, max: 6, step: 2, count: 4)) }
        #expect(shards == (1...4).map { Shard(index: $0, count: 4) })
    }

    @Test func missingMinimumAndStepDefaultToOne() throws {
        let environment = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "5"]
        #expect(try Shard.slurmArrayTask(environment: environment) == Shard(index: 3, count: 5))
    }

    @Test func outsideAnArrayJobIsATypedError() {
        #expect(throws: SlurmArrayError.notAnArrayJob(inSlurmJob: false)) { try Shard.slurmArrayTask(environment: [:]) }
        #expect(throws: SlurmArrayError.notAnArrayJob(inSlurmJob: true)) {
            try Shard.slurmArrayTask(environment: ["SLURM_JOB_ID": "17"])
        }
        #expect(SlurmArrayError.notAnArrayJob(inSlurmJob: false).description.contains("--shard K/N"))
    }

    @Test func missingOrMalformedVariablesAreNamed() {
        #expect(throws: SlurmArrayError.invalidVariable(name: "SLURM_ARRAY_TASK_COUNT", value: nil)) {
            try Shard.slurmArrayTask(environment: ["SLURM_ARRAY_TASK_ID": "1"])
        }
        var environment = Self.task(1, min: 1, max: 4, count: 4)
        environment["SLURM_ARRAY_TASK_ID"] = "one"
        #expect(throws: SlurmArrayError.invalidVariable(name: "SLURM_ARRAY_TASK_ID", value: "one")) {
            try Shard.slurmArrayTask(environment: environment)
        }
        environment = Self.task(1, min: 1, max: 4, count: 4)
        environment["SLURM_ARRAY_TASK_MIN"] = "-1"
        #expect(throws: SlurmArrayError.invalidVariable(name: "SLURM_ARRAY_TASK_MIN", value: "-1")) {
            try Shard.slurmArrayTask(environment: environment)
        }
    }

    @Test func inconsistentValuesAreRefused() throws {
        // An index list such as --array=1,3,8 (measured: COUNT=3, MIN=1, MAX=8, STEP=1).
        #expect(throws: SlurmArrayError.self) { try Shard.slurmArrayTask(environment: Self.task(3, min: 1, max: 8, count: 3)) }
        // A task outside its array, or between the steps of a stepped array.
        #expect(throws: SlurmArrayError.self) { try Shard.slurmArrayTask(environment: Self.task(5, min: 1, max: 4, count: 4)) }
        #expect(throws: SlurmArrayError.self) { try Shard.slurmArrayTask(environment: Self.task(3, min: 0, max: 6, step: 2, count: 4)) }
        #expect(throws: SlurmArrayError.self) { try Shard.slurmArrayTask(environment: Self.task(0, min: 0, max: 0, step: 0, count: 1)) }
        #expect(throws: SlurmArrayError.self) { try Shard.slurmArrayTask(environment: Self.task(0, min: 0, max: 0, count: 0)) }
        // sbatch --array=3: a rerun of task 3, whose N the variables do not tell (measured: COUNT=1, MIN=MAX=3).
        #expect(throws: SlurmArrayError.singleTaskAboveOne(index: 3)) {
            try Shard.slurmArrayTask(environment: Self.task(3, min: 3, max: 3, count: 1))
        }
        #expect(SlurmArrayError.singleTaskAboveOne(index: 3).description.contains("--shard 3/N"))
        #expect(try Shard.slurmArrayTask(environment: Self.task(1, min: 1, max: 1, count: 1)) == Shard(index: 1, count: 1))
        #expect(try Shard.slurmArrayTask(environment: Self.task(0, min: 0, max: 0, count: 1)) == Shard(index: 1, count: 1))
        let error = SlurmArrayError.unsupportedArray(reason: "x")
        #expect(error.description.contains("--array=1-N"))
    }
}
