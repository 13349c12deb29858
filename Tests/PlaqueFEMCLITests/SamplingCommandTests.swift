import Foundation
import Testing

/// `experiment` and `demo`: argument checks and clear errors, on the built binary.
@Suite struct SamplingCommandTests {
    static func run(_ arguments: [String], removing variable: String) throws -> CommandLineTests.Run {
        try CommandLineTests.run(CommandLineTests.executable, arguments,
                                 environment: ProcessInfo.processInfo.environment.filter { $0.key != variable })
    }

    @Test func mnistNeedsADataDirectory() throws {
        let run = try Self.run(["experiment", "mnist", "--quick"], removing: "PLAQUEFEM_MNIST")
        #expect(run.status != 0)
        #expect(run.error.contains("--data") && run.error.contains("PLAQUEFEM_MNIST"), "\(run.error)")
        let missing = try CommandLineTests.run(["experiment", "mnist", "--data", "/nonexistent-mnist", "--quick"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("/nonexistent-mnist/train-images-idx3-ubyte[.gz]: no such file"), "\(missing.error)")
    }

    @Test func ivusRejectsOptionsOutOfRange() throws {
        let rounds = try CommandLineTests.run(["experiment", "ivus", "--rounds", "0", "--output", "/tmp/unused"])
        #expect(rounds.status != 0 && rounds.error.contains("rounds"), "\(rounds.error)")
        let pool = try CommandLineTests.run(["experiment", "ivus", "--pool-size", "100", "--output", "/tmp/unused"])
        #expect(pool.status != 0 && pool.error.contains("the random baseline needs 400 pool phantoms"), "\(pool.error)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/unused"))
    }

    @Test func demoHelpNamesTheOutputs() throws {
        let run = try CommandLineTests.run(["demo", "--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("README.md") && run.output.contains("curves.svg") && run.output.contains("--output"))
    }
}
