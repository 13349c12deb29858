/// Settings of `MaskMesher`.
public struct MaskMeshingOptions: Sendable, Equatable, Codable {
    /// Target edge length h (mm) at the lumen border; nil means 1 x pixel size (finer meshes change
    /// 64x64 stress maps by under 1 % L2, far below what the mask's pixel resolution decides). Triangles are
    /// refined until their circumradius is at most 0.75 h(p) (edges up to about 1.3 h(p)).
    public var targetEdgeLength: Double?
    /// Edge length at the outer border as a multiple of h (>= 1); in between, h(p) grows
    /// linearly with the relative distance from the lumen. 1 gives a uniform mesh. The lumen
    /// border carries the peak stress, so a coarser outer region costs little accuracy: on a
    /// 64 x 64 eccentric plaque the default 2 halves the triangle count and moves the peak
    /// lumen stress by less than 0.01 % against a uniform mesh.
    public var outerEdgeLengthFactor: Double
    /// Smallest interior angle every triangle must reach (degrees); at most 33.
    public var minimumAngle: Double
    /// Standard deviation (pixels) of the Gaussian blur applied to the mask before marching
    /// squares; 0 contours the mask itself. The blur averages the pixel staircase in both
    /// directions, so the 0.5 level follows the underlying smooth border to a fraction of a pixel.
    public var blurSigma: Double
    /// Taubin lambda/mu iteration pairs applied to the marching-squares contours.
    public var smoothingIterations: Int
    /// Refinement gives up with `MeshError.triangulationFailed` beyond this many triangles.
    public var maximumTriangleCount: Int
    /// Shortest wavelength (pixels) kept along a border by a Fourier low-pass after smoothing;
    /// 0 turns the low-pass off. Removes the beats of the pixel staircase that Taubin smoothing
    /// keeps and that otherwise raise spurious stress peaks along the lumen. Default 8 px: a lumen
    /// of 6 px radius keeps its first 5 shape modes. On a 64 x 64 eccentric plaque (cap 4 px) the
    /// peak stress error against the exact geometry drops from +14 % to +5 % (and to -1 % with
    /// `fitsBordersToPixels`, which fits modes down to 0.75 x this wavelength).
    public var minimumBorderWavelength: Double = 8
    /// Whether the borders of a binary mask are refined so that their pixel-centre rasterization
    /// reproduces the mask with the least curvature variation (`PixelBorderFit`: a normal offset
    /// with shortest wavelength 0.75 x `minimumBorderWavelength`, fitted to the pixel centres near
    /// each border; needs the low-pass on). Default true: on a 64 x 64 eccentric plaque the map's
    /// error against the exact geometry drops from 8.6 % to 2.3 % (relative L2). Soft masks skip it,
    /// and so do borders longer than 48 fit wavelengths (about 290 px: masks of 256 px and more across
    /// a vessel), whose staircase is far below their shape's scale and whose fit would cost seconds.
    public var fitsBordersToPixels = true
    /// Most shape modes (wavelengths of the border length / k, k = 1 ... this) the low-pass keeps
    /// along a border, whatever the pixel size. Binds only on borders longer than 24 x 8 = 192 px
    /// (fine masks: 256 px and more across a vessel; never the phantoms, whose borders are at most
    /// about 150 px), where it removes the long beats of the pixel staircase that the pixel fit no
    /// longer removes there. On the 32 frames of the real pullback at 512 x 512 (docs/labeling.md),
    /// 24 modes put the mask-based maps within 0.8 % (median relative L2) and 1.0 % (median peak) of
    /// the contour-based ones; 32 modes 1.0 % and 1.5 %, 48 modes 1.3 % and 3.4 %.
    public var maximumBorderModes = 24
    /// Lateral resolution of the scanner that made the image (mm); 0 turns this floor off. A border
    /// shape mode shorter than two resolution cells (wavelength < 2 x this) is finer than the image
    /// can show, so the low-pass removes it whatever the pixel size: a 512 x 512 mask of a coronary
    /// cross-section has pixels of 0.01-0.02 mm, while IVUS resolves about 0.1-0.15 mm axially and
    /// 0.15-0.4 mm laterally (20-60 MHz catheters), so the modes in between are the pixel staircase,
    /// not anatomy. Default 0.2 mm (IVUS); about 0.02 mm suits OCT. It binds only where 2 x this
    /// exceeds `minimumBorderWavelength` pixels and the border length / `maximumBorderModes`: never on
    /// masks with pixels of 0.05 mm or more (the 64 x 64 phantoms have 0.125 mm).
    public var scannerResolution = 0.2
    /// Element size from the wall's geometry above the pixel floor (`GeometricSizingOptions`):
    /// h(p) = max(pixel-graded h(p), geometric h(p)), used once the geometric lumen edge (lumen
    /// perimeter / n) exceeds two pixels. On 64 x 64 masks it does not (the pixel decides, the meshes
    /// are the pixel-sized ones); at scanner resolution the mesh follows the wall, not the pixels, so
    /// a 512 x 512 mask gives about the mesh its contours give. nil: pixel sizing only. Ignored when
    /// `targetEdgeLength` is set.
    public var geometricSizing: GeometricSizingOptions? = GeometricSizingOptions()

    /// Creates options; the defaults suit 64 x 64 masks of 0.125 mm pixels.
    public init(targetEdgeLength: Double? = nil, outerEdgeLengthFactor: Double = 2, minimumAngle: Double = 25, blurSigma: Double = 1, smoothingIterations: Int = 20, maximumTriangleCount: Int = 40_000) {
        self.targetEdgeLength = targetEdgeLength
        self.outerEdgeLengthFactor = outerEdgeLengthFactor
        self.minimumAngle = minimumAngle
        self.blurSigma = blurSigma
        self.smoothingIterations = smoothingIterations
        self.maximumTriangleCount = maximumTriangleCount
    }

    /// The edge length h (mm) used for pixel size `pixelSize` (mm).
    public func edgeLength(pixelSize: Double) -> Double { targetEdgeLength ?? pixelSize }

    /// Checks ranges; throws `MeshError.invalidMask` naming the bad option.
    public func validate() throws(MeshError) {
        if let h = targetEdgeLength, !(h > 0 && h.isFinite) {
            throw .invalidMask("target edge length must be positive and finite, got \(h) mm")
        }
        guard outerEdgeLengthFactor >= 1, outerEdgeLengthFactor <= 10 else {
            throw .invalidMask("outer edge length factor must be in [1, 10], got \(outerEdgeLengthFactor)")
        }
        guard minimumAngle > 0, minimumAngle <= 33 else {
            throw .invalidMask("minimum angle must be in (0, 33] degrees, got \(minimumAngle)")
        }
        guard blurSigma >= 0, blurSigma <= 4 else { throw .invalidMask("blur sigma must be in [0, 4] pixels, got \(blurSigma)") }
        guard smoothingIterations >= 0 else { throw .invalidMask("smoothing iterations must be >= 0, got \(smoothingIterations)") }
        guard maximumBorderModes >= 4 else { throw .invalidMask("maximum border modes must be >= 4, got \(maximumBorderModes)") }
        guard scannerResolution >= 0, scannerResolution.isFinite else {
            throw .invalidMask("scanner resolution must be >= 0 and finite, got \(scannerResolution) mm")
        }
        try geometricSizing?.validate()
        guard maximumTriangleCount > 0 else { throw .invalidMask("maximum triangle count must be positive, got \(maximumTriangleCount)") }
    }
}

extension MaskMeshingOptions {
    private enum CodingKeys: String, CodingKey {
        case targetEdgeLength, outerEdgeLengthFactor, minimumAngle, blurSigma, smoothingIterations, maximumTriangleCount
        case minimumBorderWavelength, fitsBordersToPixels, geometricSizing, maximumBorderModes, scannerResolution
    }

    /// Decodes options; `fitsBordersToPixels`, `geometricSizing`, `maximumBorderModes` and
    /// `scannerResolution`, absent from files labeled before they existed, read as false, nil, no cap
    /// and no floor (what those files were labeled with).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            targetEdgeLength: try c.decodeIfPresent(Double.self, forKey: .targetEdgeLength),
            outerEdgeLengthFactor: try c.decode(Double.self, forKey: .outerEdgeLengthFactor),
            minimumAngle: try c.decode(Double.self, forKey: .minimumAngle), blurSigma: try c.decode(Double.self, forKey: .blurSigma),
            smoothingIterations: try c.decode(Int.self, forKey: .smoothingIterations),
            maximumTriangleCount: try c.decode(Int.self, forKey: .maximumTriangleCount))
        minimumBorderWavelength = try c.decode(Double.self, forKey: .minimumBorderWavelength)
        fitsBordersToPixels = try c.decodeIfPresent(Bool.self, forKey: .fitsBordersToPixels) ?? false
        // Files labeled before geometric sizing existed were sized by the pixel alone.
        geometricSizing = try c.decodeIfPresent(GeometricSizingOptions.self, forKey: .geometricSizing)
        maximumBorderModes = try c.decodeIfPresent(Int.self, forKey: .maximumBorderModes) ?? 1_000_000
        scannerResolution = try c.decodeIfPresent(Double.self, forKey: .scannerResolution) ?? 0
    }
}
