import Foundation
import Learning
import Storage
import Testing

/// `surrogate train --inputs components`, `surrogate evaluate` and `predict` with one input
/// channel per plaque component, on the built binary; and the errors without class information.
@Suite struct ComponentSurrogateCommandTests {
    @Test func componentSurrogateTrainEvaluatePredict() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--components", "--count", "4", "--seed", "5", "--output", path("classes.h5")]).status == 0)
        let label = try CommandLineTests.run(["label", "--components", path("classes.h5"), "--output", path("labels.h5"), "--jobs", "2"])
        #expect(label.status == 0, "\(label.error)")

        let train = try CommandLineTests.run([
            "surrogate", "train", "--data", path("labels.h5"), "--output", path("model.h5"), "--inputs", "components",
            "--epochs", "1", "--batch-size", "2", "--validation-fraction", "0.25", "--seed", "3",
        ])
        #expect(train.status == 0, "\(train.error)")
        #expect(train.error.contains("3 input channels (fibrous, lipid, calcium)"), "\(train.error)")
        let model = try HDF5File.open(at: path("model.h5"))
        #expect(try model.attributes.string("surrogate_inputs") == "components")
        #expect(try model.attributes.scalar("architecture_input_channels", as: Int64.self) == 3)
        #expect(try model.openDataset("encoder/0/weight").shape == [8, 3, 2, 2])
        try model.close()

        let evaluate = try CommandLineTests.run(["surrogate", "evaluate", "--model", path("model.h5"), "--data", path("labels.h5")])
        #expect(evaluate.status == 0, "\(evaluate.error)")
        #expect(evaluate.output.contains("paper (components inputs) surrogate on 4 maps"), "\(evaluate.output)")

        // From the label file's /components (the class of the element each pixel's stress was taken in),
        // and from the component phantoms themselves (the class masks as drawn).
        for (input, output) in [(path("labels.h5"), path("p-labels.h5")), (path("classes.h5"), path("p-classes.h5"))] {
            let predict = try CommandLineTests.run(["predict", "--model", path("model.h5"), "--input", input, "--output", output,
                                                    "--png", path("pictures")])
            #expect(predict.status == 0, "\(predict.error)")
        }
        let fromLabels = try HDF5File.open(at: path("p-labels.h5"))
        let stress = try fromLabels.openDataset("stress").read(as: Float.self)
        let classes = try fromLabels.openDataset("components").read(as: UInt8.self)
        #expect(try fromLabels.attributes.string("surrogate_inputs") == "components")
        try fromLabels.close()
        let fromPhantoms = try HDF5File.open(at: path("p-classes.h5"))
        let phantomStress = try fromPhantoms.openDataset("stress").read(as: Float.self)
        let phantomClasses = try fromPhantoms.openDataset("components").read(as: UInt8.self)
        try fromPhantoms.close()
        let drawn = try HDF5File.open(at: path("classes.h5"))
        #expect(try drawn.openDataset("masks").read(as: UInt8.self) == phantomClasses)
        try drawn.close()
        #expect(classes.contains(2) || classes.contains(3))
        #expect(FileManager.default.fileExists(atPath: path("pictures/00003-predicted.png")))
        // The library's prediction of the same class maps.
        let trainer = try SurrogateTrainer.load(path: path("model.h5"))
        let library = try trainer.predict(inputs: .classMaps(classes, count: 4, height: 64, width: 64)).values
        let scale = Float(try #require(trainer.normalization).scale)
        #expect(zip(library, stress).allSatisfy { abs($0 - $1) <= 1e-5 * scale })

        // Class masks in an HDF5 file that does not say so: refused as plain masks, read with --classes.
        let copy = path("unmarked.h5")
        try FileManager.default.copyItem(atPath: path("classes.h5"), toPath: copy)
        let unmarked = try HDF5File.open(at: copy, mode: .readWrite)
        try unmarked.attributes.remove("component_distribution_json")
        try unmarked.close()
        let refused = try CommandLineTests.run(["predict", "--model", path("model.h5"), "--input", copy, "--output", path("r.h5")])
        #expect(refused.status != 0)
        #expect(refused.error.contains("needs class maps") && refused.error.contains("--classes"), "\(refused.error)")
        let withClasses = try CommandLineTests.run(["predict", "--model", path("model.h5"), "--input", copy, "--classes",
                                                    "--output", path("c.h5")])
        #expect(withClasses.status == 0, "\(withClasses.error)")
        let readAsClasses = try HDF5File.open(at: path("c.h5"))
        #expect(try readAsClasses.openDataset("stress").read(as: Float.self) == phantomStress)
        try readAsClasses.close()

        if !LabelFilePythonTests.skipped {
            let check = try LabelFilePythonTests.runPythonScript("check_model.py", [path("model.h5"), path("p-labels.h5")])
            #expect(check.status == 0, "NumPy check of the component model failed: \(check.error)")
            #expect(check.output.contains("3 input channel(s)") && check.output.contains("matches plaquefem predict on 4 masks"),
                    "\(check.output)")
        }
    }

    @Test func componentInputsNeedClassInformation() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--count", "3", "--seed", "6", "--output", path("masks.h5")]).status == 0)
        #expect(try CommandLineTests.run(["label", path("masks.h5"), "--output", path("plain.h5"), "--jobs", "2"]).status == 0)

        // Training with --inputs components on a one-material label file names the file and the remedy.
        let train = try CommandLineTests.run([
            "surrogate", "train", "--data", path("plain.h5"), "--output", path("model.h5"), "--inputs", "components", "--epochs", "1",
        ])
        #expect(train.status != 0)
        #expect(train.error.contains(path("plain.h5")) && train.error.contains("has no /components"), "\(train.error)")
        #expect(train.error.contains("label --components") && train.error.contains("phantoms --components"), "\(train.error)")
        #expect(!FileManager.default.fileExists(atPath: path("model.h5")))

        // A component model: plain masks and a label file without /components are refused.
        #expect(try CommandLineTests.run(["phantoms", "--components", "--count", "3", "--seed", "7", "--output", path("classes.h5")]).status == 0)
        #expect(try CommandLineTests.run(["label", "--components", path("classes.h5"), "--output", path("labels.h5"), "--jobs", "2"]).status == 0)
        let trained = try CommandLineTests.run([
            "surrogate", "train", "--data", path("labels.h5"), "--output", path("model.h5"), "--inputs", "components",
            "--epochs", "1", "--batch-size", "2", "--validation-fraction", "0",
        ])
        #expect(trained.status == 0, "\(trained.error)")
        let plainMasks = try CommandLineTests.run(["predict", "--model", path("model.h5"), "--input", path("masks.h5"), "--output", path("p.h5")])
        #expect(plainMasks.status != 0)
        #expect(plainMasks.error.contains("plain wall masks") && plainMasks.error.contains("no class information"), "\(plainMasks.error)")
        #expect(!FileManager.default.fileExists(atPath: path("p.h5")))
        let evaluate = try CommandLineTests.run(["surrogate", "evaluate", "--model", path("model.h5"), "--data", path("plain.h5")])
        #expect(evaluate.status != 0)
        #expect(evaluate.error.contains("has no /components"), "\(evaluate.error)")

        // The default mask model reads the same class-mask files as walls.
        let maskModel = try CommandLineTests.run([
            "surrogate", "train", "--data", path("labels.h5"), "--output", path("mask.h5"), "--epochs", "1", "--batch-size", "2",
            "--validation-fraction", "0",
        ])
        #expect(maskModel.status == 0, "\(maskModel.error)")
        #expect(try CommandLineTests.run(["predict", "--model", path("mask.h5"), "--input", path("classes.h5"), "--output", path("m.h5")]).status == 0)
    }
}
