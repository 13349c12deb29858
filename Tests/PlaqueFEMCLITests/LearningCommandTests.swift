import Foundation
import Learning
import Storage
import Testing

/// End-to-end: phantoms -> label -> surrogate train -> predict, and vae train, on the built binary.
@Suite struct LearningCommandTests {

    @Test func labelTrainPredictAndCheckTheModelFromPython() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--count", "4", "--seed", "21", "--output", path("masks.h5")]).status == 0)
        #expect(try CommandLineTests.run(["label", path("masks.h5"), "--output", path("labels.h5"), "--jobs", "2"]).status == 0)

        let train = try CommandLineTests.run([
            "surrogate", "train", "--data", path("labels.h5"), "--output", path("model.h5"), "--epochs", "2",
            "--batch-size", "2", "--validation-fraction", "0.25", "--seed", "3",
        ])
        #expect(train.status == 0, "\(train.error)")
        #expect(train.error.contains("epoch 2/2"), "\(train.error)")
        #expect(train.error.contains("samples/s"))
        #expect(train.output.contains("on 3 masks") && train.output.contains("1 held-out masks"), "\(train.output)")

        let model = try HDF5File.open(at: path("model.h5"))
        #expect(try model.attributes.string("model_kind") == "surrogate")
        #expect(try model.attributes.scalar("stress_scale_kpa", as: Double.self) > 0)
        #expect(try model.openDataset("history/epoch").read(as: Int64.self) == [1, 2])
        #expect(try model.openDataset("history/validation_loss").read(as: Double.self).allSatisfy(\.isFinite))
        try model.close()

        let predict = try CommandLineTests.run([
            "predict", "--model", path("model.h5"), "--input", path("masks.h5"), "--output", path("predicted.h5"),
            "--png", path("pictures"),
        ])
        #expect(predict.status == 0, "\(predict.error)")
        let predicted = try HDF5File.open(at: path("predicted.h5"))
        let stress = try predicted.openDataset("stress")
        #expect(try stress.shape == [4, 64, 64])
        #expect(stress.elementType == .float32)
        #expect(try stress.attributes.string("units") == "kPa")
        let values = try stress.read(as: Float.self)
        // Same model, same masks: the library's prediction in kPa (up to BLAS summation order,
        // which may differ with the thread count of this process).
        let trainer = try SurrogateTrainer.load(path: path("model.h5"))
        let masks = try predicted.openDataset("masks").read(as: UInt8.self)
        let library = try trainer.predict(masks: ImageBatch(masks: masks, count: 4, height: 64, width: 64)).values
        let scale = Float(try #require(trainer.normalization).scale)
        #expect(zip(library, values).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
        try predicted.close()
        #expect(FileManager.default.fileExists(atPath: path("pictures/00003-predicted.png")))

        if !LabelFilePythonTests.skipped {
            let check = try LabelFilePythonTests.runPythonScript("check_model.py", [path("model.h5"), path("predicted.h5")])
            #expect(check.status == 0, "NumPy check of the model failed (pip install h5py numpy, or set PLAQUEFEM_SKIP_PYTHON=1): \(check.error)")
            #expect(check.output.contains("NumPy forward matches plaquefem predict on 4 masks"), "\(check.output)")
        }
    }

    /// The U-Net end to end: train (masked output by default), evaluate, predict (the model file
    /// names its network), and the independent NumPy forward of docs/python/check_model.py
    /// (and docs/pytorch/models.py when torch is installed).
    @Test func unetTrainEvaluatePredictAndCheckFromPython() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--count", "4", "--seed", "22", "--output", path("masks.h5")]).status == 0)
        #expect(try CommandLineTests.run(["label", path("masks.h5"), "--output", path("labels.h5"), "--jobs", "2"]).status == 0)
        let train = try CommandLineTests.run([
            "surrogate", "train", "--data", path("labels.h5"), "--output", path("unet.h5"), "--network", "unet",
            "--epochs", "1", "--batch-size", "2", "--validation-fraction", "0.25", "--seed", "3",
        ])
        #expect(train.status == 0, "\(train.error)")
        #expect(train.error.contains("unet surrogate (483153 parameters, output masked, cosine learning rate)"), "\(train.error)")
        #expect(train.output.contains("wall rel L2 median") && train.output.contains("peak error median"), "\(train.output)")
        let model = try HDF5File.open(at: path("unet.h5"))
        #expect(try model.attributes.string("surrogate_network") == "unet")
        #expect(try model.attributes.scalar("architecture_masked_output", as: Int64.self) == 1)
        try model.close()

        let evaluate = try CommandLineTests.run([
            "surrogate", "evaluate", "--model", path("unet.h5"), "--data", path("labels.h5"), "--csv", path("errors.csv"),
        ])
        #expect(evaluate.status == 0, "\(evaluate.error)")
        #expect(evaluate.output.contains("unet surrogate on 4 maps"), "\(evaluate.output)")
        let csv = try String(contentsOfFile: path("errors.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("map,wall_rel_l2,peak_error\n") && csv.split(separator: "\n").count == 5, "\(csv)")

        let predict = try CommandLineTests.run(["predict", "--model", path("unet.h5"), "--input", path("masks.h5"), "--output", path("p.h5")])
        #expect(predict.status == 0, "\(predict.error)")
        let predicted = try HDF5File.open(at: path("p.h5"))
        let stress = try predicted.openDataset("stress").read(as: Float.self)
        let masks = try predicted.openDataset("masks").read(as: UInt8.self)
        #expect(try predicted.attributes.string("surrogate_network") == "unet")
        try predicted.close()
        #expect(zip(stress, masks).allSatisfy { $1 != 0 || $0 == 0 }, "masked output: 0 outside the wall")
        #expect(zip(stress, masks).contains { $1 != 0 && $0 > 0 })

        if !LabelFilePythonTests.skipped {
            let check = try LabelFilePythonTests.runPythonScript("check_model.py", [path("unet.h5"), path("p.h5")])
            #expect(check.status == 0, "NumPy check of the U-Net failed (pip install h5py numpy, or set PLAQUEFEM_SKIP_PYTHON=1): \(check.error)")
            #expect(check.output.contains("model file OK (unet)") && check.output.contains("matches plaquefem predict on 4 masks"),
                    "\(check.output)")
        }
    }

    @Test func vaeTrainWritesWeightsAndLatentCodes() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--count", "5", "--seed", "2", "--output", path("masks.h5")]).status == 0)
        let run = try CommandLineTests.run([
            "vae", "train", "--data", path("masks.h5"), "--output", path("vae.h5"), "--epochs", "1",
            "--validation-fraction", "0.2", "--prior-samples", "10", "--seed", "4", "--latent-dimension", "2",
        ])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("held-out Dice") && run.output.contains("of 10 prior samples"), "\(run.output)")
        let file = try HDF5File.open(at: path("vae.h5"))
        #expect(try file.openDataset("latent").shape == [5, 2])
        #expect(try file.openDataset("latent_rows").read(as: Int64.self) == [0, 1, 2, 3, 4])
        let dice = try file.attributes.scalar("held_out_dice", as: Double.self)
        #expect(dice >= 0 && dice <= 1)
        let trainer = try VAETrainer.load(from: file)
        #expect(trainer.latentDimension == 2 && trainer.epochsCompleted == 1)
        try file.close()
    }

    @Test func wrongInputsGiveClearErrors() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "2", "--output", path("masks.h5")]).status == 0)
        let unlabeled = try CommandLineTests.run(["surrogate", "train", "--data", path("masks.h5"), "--output", path("m.h5")])
        #expect(unlabeled.status != 0)
        #expect(unlabeled.error.contains("has no stress maps"), "\(unlabeled.error)")
        let fraction = try CommandLineTests.run(["surrogate", "train", "--data", path("masks.h5"), "--output", path("m.h5"),
                                                 "--validation-fraction", "1.5"])
        #expect(fraction.status != 0 && fraction.error.contains("--validation-fraction"))
        let notAModel = try CommandLineTests.run(["predict", "--model", path("masks.h5"), "--input", path("masks.h5"),
                                                  "--output", path("p.h5")])
        #expect(notAModel.status != 0)
        #expect(notAModel.error.contains("not a plaquefem model file"), "\(notAModel.error)")
    }
}
