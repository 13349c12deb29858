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

    @Test func strategiesPoolAndTestAreChecked() throws {
        let unknown = try CommandLineTests.run(["experiment", "ivus", "--strategies", "SI,bogus", "--output", "/tmp/unused"])
        #expect(unknown.status != 0 && unknown.error.contains("unknown strategy \"bogus\"") && unknown.error.contains("QBC"),
                "\(unknown.error)")
        let mnist = try CommandLineTests.run(["experiment", "mnist", "--data", "/nonexistent-mnist", "--strategies", "SI", "--quick"])
        #expect(mnist.status != 0 && mnist.error.contains("labeling tool"), "\(mnist.error)")
        let testOnly = try CommandLineTests.run(["experiment", "ivus", "--test", "t.h5", "--output", "/tmp/unused"])
        #expect(testOnly.status != 0 && testOnly.error.contains("--test needs --pool"), "\(testOnly.error)")
        let missing = try CommandLineTests.run(["experiment", "ivus", "--pool", "/nonexistent.h5", "--test", "/nonexistent.h5",
                                                "--output", "/tmp/unused"])
        #expect(missing.status != 0 && missing.error.contains("/nonexistent.h5 does not exist"), "\(missing.error)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/unused"))
    }

    @Test func demoHelpNamesTheOutputs() throws {
        let run = try CommandLineTests.run(["demo", "--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("README.md") && run.output.contains("curves.svg") && run.output.contains("--output"))
    }
}
