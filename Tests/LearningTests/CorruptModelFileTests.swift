import Foundation
import Learning
import Storage
import Testing

/// Model files whose architecture attributes are damaged: loading answers with a typed error
/// before building the network.
@Suite struct CorruptModelFileTests {
    /// Found while fuzzing model files (fuzz/run.sh model-file): a VAE file whose
    /// architecture_image_height and _width read 2^30 made `VAETrainer.load` build a network of
    /// 2^60 weights and abort in the allocator ("failed to allocate ... bytes"); 100,000 x 100,000
    /// would have asked for 120 GB. Such files are now `notAModelFile`.
    @Test(arguments: [Int64(1) << 30, 100_000])
    func aHugeVAEArchitectureIsRefusedBeforeAllocating(_ side: Int64) throws {
        let path = temporaryPath("huge-vae.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try VAETrainer(seed: 5, imageHeight: 8, imageWidth: 8, latentDimension: 2, hiddenSize: 16).save(to: path, softwareVersion: "test")
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("architecture_image_height", to: side)
        try file.attributes.set("architecture_image_width", to: side)
        try file.close()
        let result = Result { () throws(LearningError) in try VAETrainer.load(path: path) }
        guard case .failure(.notAModelFile(let why)) = result else {
            Issue.record("expected notAModelFile, got \(result)")
            return
        }
        #expect(why.contains("parameters"))
    }
}
