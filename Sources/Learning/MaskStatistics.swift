import Raster

/// The fraction of images whose binarized mask (value >= 0.5) passes mask validation
/// (`Mask.validated(options:)`: one wall ring, one lumen, not touching the border, not too thin).
///
/// Used to judge how many masks decoded from a VAE's latent space are meshable.
/// - Parameters:
///   - images: Probabilities or masks.
///   - pixelSize: Pixel edge length in mm (only used by the grid; validation works in pixels).
///   - options: Validation thresholds.
/// - Returns: valid count / image count (0 for an empty batch).
public func validMaskFraction(
    _ images: ImageBatch, pixelSize: Double = PixelGrid.defaultPixelSize,
    options: MaskValidationOptions = MaskValidationOptions()
) throws(LearningError) -> Double {
    guard images.count > 0 else { return 0 }
    guard let grid = PixelGrid(rows: images.height, columns: images.width, pixelSize: pixelSize) else {
        throw .invalidOption(name: "pixel size", reason: "must be finite and positive, got \(pixelSize) mm")
    }
    let binary = images.binarized()
    let size = images.pixelsPerImage
    var valid = 0
    for image in 0..<images.count {
        guard let mask = try? Mask(grid: grid, values: Array(binary[(image * size)..<((image + 1) * size)])) else { continue }
        if (try? mask.validated(options: options)) != nil { valid += 1 }
    }
    return Double(valid) / Double(images.count)
}
