import Neural
import Raster

/// How a surrogate's input image is encoded as channels: the `--inputs` option of
/// `surrogate train` and the `surrogate_inputs` attribute of model files.
public enum SurrogateInputEncoding: String, Sendable, Codable, CaseIterable {
    /// One channel, the wall mask (1 in the wall, 0 outside): the paper's input, and the default.
    case mask
    /// One channel per wall class, in the order of `componentCodes`: channel k is 1 where a
    /// class map holds `componentCodes[k]` (1 fibrous, 2 lipid / necrotic core, 3 calcium), else 0.
    /// Their sum is the wall mask (class > 0), so no separate mask channel is added.
    case components

    /// The class codes of the component channels, in channel order: fibrous, lipid, calcium.
    public static let componentCodes: [UInt8] = [ClassMask.fibrousCode, ClassMask.lipidCode, ClassMask.calciumCode]
    /// The names of the component channels, in channel order.
    public static let componentChannelNames = ["fibrous", "lipid", "calcium"]

    /// Input channels of the network: 1 for `mask`, 3 for `components`.
    public var channelCount: Int { self == .mask ? 1 : Self.componentCodes.count }

    /// Whether the inputs must carry class information (class maps, not plain masks).
    public var needsClassMaps: Bool { self == .components }
}

/// A surrogate's input images: wall masks, or class maps (per pixel 0 outside the wall,
/// 1 fibrous, 2 lipid / necrotic core, 3 calcium, as `/components` of label files).
///
/// Every encoding accepts class maps (the mask encoding takes their wall, class > 0); the
/// `components` encoding refuses plain masks, which carry no class information
/// (`LearningError.classMapsRequired`), rather than reading every wall pixel as fibrous.
public struct SurrogateInputs: Sendable, Equatable {
    /// What the images hold.
    public enum Content: String, Sendable {
        /// Wall masks: 1 (or any nonzero value, e.g. a probability) in the wall, 0 outside.
        case masks
        /// Class maps: codes 0...3.
        case classMaps = "class maps"
    }

    /// The images, one channel each (masks or class codes as Float).
    public let images: ImageBatch
    /// What the images hold.
    public let content: Content

    private init(images: ImageBatch, content: Content) {
        self.images = images
        self.content = content
    }

    /// Wall masks (values as the trainer has always taken them: 0/1, used as given).
    public static func masks(_ masks: ImageBatch) -> SurrogateInputs {
        SurrogateInputs(images: masks, content: .masks)
    }

    /// Class maps whose values are the codes 0, 1, 2, 3.
    /// - Throws: `LearningError.invalidBatch` naming the first value that is not a code.
    public static func classMaps(_ classes: ImageBatch) throws(LearningError) -> SurrogateInputs {
        let size = classes.pixelsPerImage
        if let index = classes.values.firstIndex(where: { !($0 == 0 || $0 == 1 || $0 == 2 || $0 == 3) }) {
            throw .invalidBatch("class map \(index / size) holds \(classes.values[index]) at pixel \(index % size); "
                + "class codes are 0 outside the wall, 1 fibrous, 2 lipid, 3 calcium")
        }
        return SurrogateInputs(images: classes, content: .classMaps)
    }

    /// Class maps from bytes (codes 0...3), count x height x width, row-major.
    /// - Throws: `LearningError.invalidBatch` for a wrong count or a value that is not a code.
    public static func classMaps(_ bytes: [UInt8], count: Int, height: Int, width: Int) throws(LearningError) -> SurrogateInputs {
        try classMaps(ImageBatch(count: count, height: height, width: width, values: bytes.map { Float($0) }))
    }

    /// Number of images.
    public var count: Int { images.count }

    /// The wall masks: the masks as given, or 1 where a class map is > 0, else 0.
    public var wallMasks: ImageBatch {
        guard content == .classMaps else { return images }
        return ImageBatch(unchecked: images.count, height: images.height, width: images.width,
                          values: images.values.map { $0 != 0 ? 1 : 0 })
    }

    /// The images at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> SurrogateInputs {
        SurrogateInputs(images: images.selecting(indices), content: content)
    }

    /// The images in `range`.
    public func slice(_ range: Range<Int>) -> SurrogateInputs {
        SurrogateInputs(images: images.slice(range), content: content)
    }

    /// Throws `LearningError.classMapsRequired` when `encoding` needs class maps and these are plain masks.
    func requireClassInformation(for encoding: SurrogateInputEncoding) throws(LearningError) {
        if encoding.needsClassMaps, content == .masks { throw .classMapsRequired("\(images.count) plain wall masks were given") }
    }

    /// The network input [N, C, H, W] of `encoding`: masks as they are (the single-channel path
    /// of every earlier version) or the wall of class maps for `.mask`; one-hot class channels
    /// for `.components`.
    /// - Throws: `LearningError.classMapsRequired` for plain masks and `.components`.
    func tensor(for encoding: SurrogateInputEncoding) throws(LearningError) -> Tensor<Float> {
        try requireClassInformation(for: encoding)
        switch encoding {
        case .mask:
            return content == .masks ? images.tensor() : wallMasks.tensor()
        case .components:
            let codes = SurrogateInputEncoding.componentCodes.map { Float($0) }
            let (channels, plane) = (codes.count, images.pixelsPerImage)
            var values = [Float](repeating: 0, count: images.count * channels * plane)
            for n in 0..<images.count {
                for p in 0..<plane {
                    let code = images.values[n * plane + p]
                    if let channel = codes.firstIndex(of: code) { values[(n * channels + channel) * plane + p] = 1 }
                }
            }
            // The count equals the shape's product by construction.
            return try! Tensor(shape: [images.count, channels, images.height, images.width], scalars: values)
        }
    }
}
