import NeuralKernels

/// Geometry of a 2-D sliding window over a batch of NCHW images.
///
/// The window grid has outputHeight x outputWidth positions; position (oy, ox) with kernel
/// offset (ki, kj) reads image pixel (oy * strideHeight - paddingHeight + ki,
/// ox * strideWidth - paddingWidth + kj), zero outside the image.
struct WindowGeometry: Sendable {
    var channels: Int
    var height: Int
    var width: Int
    var kernelHeight: Int
    var kernelWidth: Int
    var strideHeight: Int
    var strideWidth: Int
    var paddingHeight: Int
    var paddingWidth: Int
    var outputHeight: Int
    var outputWidth: Int

    /// Rows of the column matrix: channels * kernelHeight * kernelWidth.
    var columnRows: Int { channels * kernelHeight * kernelWidth }
    /// Window positions per image: outputHeight * outputWidth.
    var positions: Int { outputHeight * outputWidth }
}

/// im2col: columns[(c, ki, kj), n * P + (oy, ox)] = image[n, c, iy, ix] (0 when padded),
/// a [C * kh * kw, N * P] row-major matrix for P = outputHeight * outputWidth; with `outputRows`
/// only the window rows oy in that band (P = its count * outputWidth, oy counted from its start).
/// Dispatches to `imageToColumnsBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func imageToColumns<Scalar: NeuralScalar>(
    _ image: UnsafePointer<Scalar>, batch: Int, geometry g: WindowGeometry, outputRows: Range<Int>? = nil,
    columns: UnsafeMutablePointer<Scalar>
) {
    let band = outputRows ?? 0..<g.outputHeight
    if Scalar.self == Float.self {
        imageToColumnsBody(image.cast(), batch: batch, geometry: g, outputRows: band, columns: columns.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        imageToColumnsBody(image.cast(), batch: batch, geometry: g, outputRows: band, columns: columns.cast(), as: Double.self)
    } else {
        imageToColumnsBody(image, batch: batch, geometry: g, outputRows: band, columns: columns, as: Scalar.self)
    }
}

func imageToColumnsBody<Scalar: NeuralScalar>(
    _ image: UnsafePointer<Scalar>, batch: Int, geometry g: WindowGeometry, outputRows band: Range<Int>,
    columns: UnsafeMutablePointer<Scalar>, as type: Scalar.Type
) {
    let positions = band.count * g.outputWidth
    let rowLength = batch * positions
    let imageSize = g.height * g.width
    for c in 0..<g.channels {
        for ki in 0..<g.kernelHeight {
            for kj in 0..<g.kernelWidth {
                let row = columns + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * rowLength
                // Valid ox range for stride 1: 0 <= ox - pw + kj < width.
                let lower = min(g.outputWidth, max(0, g.paddingWidth - kj))
                let upper = max(lower, min(g.outputWidth, g.width + g.paddingWidth - kj))
                for n in 0..<batch {
                    let source = image + (n * g.channels + c) * imageSize
                    let destination = row + n * positions
                    for oy in band {
                        let iy = oy * g.strideHeight - g.paddingHeight + ki
                        let target = destination + (oy - band.lowerBound) * g.outputWidth
                        if iy < 0 || iy >= g.height {
                            target.update(repeating: 0, count: g.outputWidth)
                            continue
                        }
                        let sourceRow = source + iy * g.width
                        if g.strideWidth == 1 {
                            if lower > 0 { target.update(repeating: 0, count: lower) }
                            if upper > lower {
                                target.advanced(by: lower).update(from: sourceRow + (lower - g.paddingWidth + kj), count: upper - lower)
                            }
                            if upper < g.outputWidth { target.advanced(by: upper).update(repeating: 0, count: g.outputWidth - upper) }
                        } else {
                            for ox in 0..<g.outputWidth {
                                let ix = ox * g.strideWidth - g.paddingWidth + kj
                                target[ox] = (ix >= 0 && ix < g.width) ? sourceRow[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}

/// col2im, the adjoint of `imageToColumns`: image[n, c, iy, ix] += columns[(c, ki, kj), n * P + (oy, ox)]
/// for every window position reading that pixel. `image` must be initialised (usually zeros).
/// With `outputRows`, `columns` holds only that band of window rows, as `imageToColumns` writes it.
/// Dispatches to `accumulateColumnsToImageBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func accumulateColumnsToImage<Scalar: NeuralScalar>(
    _ columns: UnsafePointer<Scalar>, batch: Int, geometry g: WindowGeometry, outputRows: Range<Int>? = nil,
    image: UnsafeMutablePointer<Scalar>
) {
    let band = outputRows ?? 0..<g.outputHeight
    if Scalar.self == Float.self {
        accumulateColumnsToImageBody(columns.cast(), batch: batch, geometry: g, outputRows: band, image: image.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        accumulateColumnsToImageBody(columns.cast(), batch: batch, geometry: g, outputRows: band, image: image.cast(), as: Double.self)
    } else {
        accumulateColumnsToImageBody(columns, batch: batch, geometry: g, outputRows: band, image: image, as: Scalar.self)
    }
}

func accumulateColumnsToImageBody<Scalar: NeuralScalar>(
    _ columns: UnsafePointer<Scalar>, batch: Int, geometry g: WindowGeometry, outputRows band: Range<Int>,
    image: UnsafeMutablePointer<Scalar>, as type: Scalar.Type
) {
    let positions = band.count * g.outputWidth
    let rowLength = batch * positions
    let imageSize = g.height * g.width
    for c in 0..<g.channels {
        for ki in 0..<g.kernelHeight {
            for kj in 0..<g.kernelWidth {
                let row = columns + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * rowLength
                let lower = min(g.outputWidth, max(0, g.paddingWidth - kj))
                let upper = max(lower, min(g.outputWidth, g.width + g.paddingWidth - kj))
                for n in 0..<batch {
                    let destination = image + (n * g.channels + c) * imageSize
                    let source = row + n * positions
                    for oy in band {
                        let iy = oy * g.strideHeight - g.paddingHeight + ki
                        if iy < 0 || iy >= g.height { continue }
                        let sourceRow = source + (oy - band.lowerBound) * g.outputWidth
                        let targetRow = destination + iy * g.width
                        if g.strideWidth == 1 {
                            if upper > lower {
                                addInPlace(targetRow + (lower + kj - g.paddingWidth), sourceRow + lower, count: upper - lower)
                            }
                        } else {
                            for ox in 0..<g.outputWidth {
                                let ix = ox * g.strideWidth - g.paddingWidth + kj
                                if ix >= 0 && ix < g.width { targetRow[ix] += sourceRow[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Window rows per band of the per-sample convolution path: bands of whole rows whose column
/// matrix (`columnRows` x band positions) has at most about `columnBandScalars` scalars, so that it
/// stays in the core's L2 cache between im2col, BLAS's packing and col2im.
func columnBandRows(_ g: WindowGeometry) -> Int {
    max(1, min(g.outputHeight, columnBandScalars / max(1, g.columnRows * g.outputWidth)))
}

/// The scalar budget of one band's column matrix (see `columnBandRows`).
let columnBandScalars = 131_072

/// Pixels of the images that one call of `DirectConvolution.accumulateWeightGradient` takes
/// together (at least one image): small images share the horizontal sums, the group's data stays in L1/L2.
/// 512 rather than 1024: at 8 x 8 with 128 channels, four channels of 16 images' padded dy and one
/// channel of x (32 KB) filled L1; with 8 images the flat kernel ran 10-20 % faster (A/B of the kernel alone).
let weightGradientGroupPixels = 512

/// Widest image whose weight gradient takes `DirectConvolution.accumulateWeightGradientFlat`: for
/// 8 x 8 and 16 x 16 images it saves the per-row loop overhead of rows of one or two vectors (in
/// an A/B run of the kernels alone, 8 x 8: 57-59 -> 62-63 GFLOP/s, and faster at 16 x 16 under load);
/// at 32 x 32 and 64 x 64 its 2 extra columns per row cost more than they save.
let flatWeightGradientMaximumWidth = 16

/// A zeroed workspace for one padded image [channels, H + 2, W + 2] (its border stays zero; each
/// sample rewrites only the interior), reallocated only when the size changes; 8 zero scalars
/// follow it, which the flat weight gradient reads past the last plane (times a zero gradient).
func preparePaddedWorkspace<Scalar: NeuralScalar>(_ workspace: inout [Scalar], channels: Int, geometry g: WindowGeometry) {
    let count = channels * (g.height + 2) * (g.width + 2) + 8
    if workspace.count != count { workspace = zeroedArray(count: count) }
}

/// Copies an image [channels, H, W] into the interior of a padded [channels, H + 2, W + 2] one.
/// Dispatches to `copyIntoPaddedBody` specialised for Float or Double: unspecialised, each row's
/// copy went through the runtime's generic array assignment, a call per row of 8 to 64 scalars.
@inline(__always)
func copyIntoPadded<Scalar: NeuralScalar>(
    _ image: UnsafePointer<Scalar>, channels: Int, geometry g: WindowGeometry, padded: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        copyIntoPaddedBody(image.cast(), channels: channels, height: g.height, width: g.width, padded: padded.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        copyIntoPaddedBody(image.cast(), channels: channels, height: g.height, width: g.width, padded: padded.cast(), as: Double.self)
    } else {
        copyIntoPaddedBody(image, channels: channels, height: g.height, width: g.width, padded: padded, as: Scalar.self)
    }
}

func copyIntoPaddedBody<Scalar: NeuralScalar>(
    _ image: UnsafePointer<Scalar>, channels: Int, height: Int, width: Int, padded: UnsafeMutablePointer<Scalar>, as type: Scalar.Type
) {
    let paddedWidth = width + 2
    for c in 0..<channels {
        for i in 0..<height {
            let source = image + (c * height + i) * width
            let target = padded + (c * (height + 2) + i + 1) * paddedWidth + 1
            var j = 0
            while j + 8 <= width {
                store8(load8(source + j), target + j)
                j += 8
            }
            while j < width {
                target[j] = source[j]
                j += 1
            }
        }
    }
}

/// Packs a [out, in, 3, 3] kernel for `DirectConvolution`, blocks of b = 6 or 4 channels from f
/// (`DirectConvolution.blocks`): packed[9 C f + (c 9 + t) b + r] = W[f + r, c, t] (C = in); with
/// `adjoint`, the kernel of the input-gradient convolution (blocks over the input channels, the
/// kernel flipped): packed[9 O f + (o 9 + t) b + r] = W[o, f + r, 8 - t].
/// Dispatches to `packDirectKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func packDirectKernel<Scalar: NeuralScalar>(
    _ weight: UnsafePointer<Scalar>, outputChannels: Int, inputChannels: Int, adjoint: Bool, packed: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        packDirectKernelBody(weight.cast(), outputChannels: outputChannels, inputChannels: inputChannels, adjoint: adjoint, packed: packed.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        packDirectKernelBody(weight.cast(), outputChannels: outputChannels, inputChannels: inputChannels, adjoint: adjoint, packed: packed.cast(), as: Double.self)
    } else {
        packDirectKernelBody(weight, outputChannels: outputChannels, inputChannels: inputChannels, adjoint: adjoint, packed: packed, as: Scalar.self)
    }
}

func packDirectKernelBody<Scalar: NeuralScalar>(
    _ weight: UnsafePointer<Scalar>, outputChannels: Int, inputChannels: Int, adjoint: Bool, packed: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    // Blocks run over the channels the kernel writes (out; in for the adjoint), c over those it reads.
    let (written, read) = adjoint ? (inputChannels, outputChannels) : (outputChannels, inputChannels)
    let (sixes, fours) = DirectConvolution.blocks(outputChannels: written)
    for block in 0..<(sixes + fours) {
        let (first, size) = block < sixes ? (6 * block, 6) : (6 * sixes + 4 * (block - sixes), 4)
        for c in 0..<read {
            for t in 0..<9 {
                for r in 0..<size {
                    let source = adjoint ? (c * inputChannels + first + r) * 9 + 8 - t : ((first + r) * inputChannels + c) * 9 + t
                    packed[9 * read * first + (c * 9 + t) * size + r] = weight[source]
                }
            }
        }
    }
}

/// `DirectConvolution.forward` for Float or Double (the only scalars `Conv2d` sends it).
@inline(__always)
func runDirectForward<Scalar: NeuralScalar>(
    _ padded: UnsafePointer<Scalar>, _ packed: UnsafePointer<Scalar>, _ bias: UnsafePointer<Scalar>?, _ output: UnsafeMutablePointer<Scalar>,
    inputChannels: Int, outputChannels: Int, geometry g: WindowGeometry
) {
    if Scalar.self == Float.self {
        DirectConvolution.forward(
            paddedInput: padded.cast() as UnsafePointer<Float>, packedWeight: packed.cast(), bias: bias.map { $0.cast() },
            output: output.cast(), inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    } else if Scalar.self == Double.self {
        DirectConvolution.forward(
            paddedInput: padded.cast() as UnsafePointer<Double>, packedWeight: packed.cast(), bias: bias.map { $0.cast() },
            output: output.cast(), inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    }
}

/// `DirectConvolution.accumulateWeightGradient` for Float or Double.
@inline(__always)
func runDirectWeightGradient<Scalar: NeuralScalar>(
    _ padded: UnsafePointer<Scalar>, _ outputGradient: UnsafePointer<Scalar>, _ weightGradient: UnsafeMutablePointer<Scalar>,
    samples: Int, inputChannels: Int, outputChannels: Int, geometry g: WindowGeometry
) {
    if Scalar.self == Float.self {
        DirectConvolution.accumulateWeightGradient(
            paddedInput: padded.cast() as UnsafePointer<Float>, outputGradient: outputGradient.cast(), weightGradient: weightGradient.cast(),
            samples: samples, inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    } else if Scalar.self == Double.self {
        DirectConvolution.accumulateWeightGradient(
            paddedInput: padded.cast() as UnsafePointer<Double>, outputGradient: outputGradient.cast(), weightGradient: weightGradient.cast(),
            samples: samples, inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    }
}

/// `DirectConvolution.accumulateWeightGradientFlat` for Float or Double.
@inline(__always)
func runDirectWeightGradientFlat<Scalar: NeuralScalar>(
    _ padded: UnsafePointer<Scalar>, _ paddedGradient: UnsafePointer<Scalar>, _ weightGradient: UnsafeMutablePointer<Scalar>,
    samples: Int, inputChannels: Int, outputChannels: Int, geometry g: WindowGeometry
) {
    if Scalar.self == Float.self {
        DirectConvolution.accumulateWeightGradientFlat(
            paddedInput: padded.cast() as UnsafePointer<Float>, paddedOutputGradient: paddedGradient.cast(), weightGradient: weightGradient.cast(),
            samples: samples, inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    } else if Scalar.self == Double.self {
        DirectConvolution.accumulateWeightGradientFlat(
            paddedInput: padded.cast() as UnsafePointer<Double>, paddedOutputGradient: paddedGradient.cast(), weightGradient: weightGradient.cast(),
            samples: samples, inputChannels: inputChannels, outputChannels: outputChannels, height: g.height, width: g.width)
    }
}

/// Between the tap-major tiles of a transposed convolution whose windows do not overlap (k = s)
/// and its output image: image[o, k i + u, k j + v] = tiles[(o k + u) k + v, i W + j] + bias[o]
/// for an [H, W] input grid, or with `gathering` the reverse, tiles[...] = image[...] (bias unused).
/// Dispatches to `interleaveTapsBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func interleaveTaps<Scalar: NeuralScalar>(
    _ tiles: UnsafeMutablePointer<Scalar>, channels: Int, kernelSize: Int, height: Int, width: Int,
    bias: UnsafePointer<Scalar>?, image: UnsafeMutablePointer<Scalar>, gathering: Bool
) {
    if Scalar.self == Float.self {
        interleaveTapsBody(tiles.cast(), channels: channels, kernelSize: kernelSize, height: height, width: width,
                           bias: bias.map { $0.cast() }, image: image.cast(), gathering: gathering, as: Float.self)
    } else if Scalar.self == Double.self {
        interleaveTapsBody(tiles.cast(), channels: channels, kernelSize: kernelSize, height: height, width: width,
                           bias: bias.map { $0.cast() }, image: image.cast(), gathering: gathering, as: Double.self)
    } else {
        interleaveTapsBody(tiles, channels: channels, kernelSize: kernelSize, height: height, width: width,
                           bias: bias, image: image, gathering: gathering, as: Scalar.self)
    }
}

func interleaveTapsBody<Scalar: NeuralScalar>(
    _ tiles: UnsafeMutablePointer<Scalar>, channels: Int, kernelSize k: Int, height: Int, width: Int,
    bias: UnsafePointer<Scalar>?, image: UnsafeMutablePointer<Scalar>, gathering: Bool, as type: Scalar.Type
) {
    let (outputWidth, positions) = (k * width, height * width)
    for o in 0..<channels {
        let shift = bias?[o] ?? 0
        for u in 0..<k {
            for v in 0..<k {
                let tile = tiles + ((o * k + u) * k + v) * positions
                for i in 0..<height {
                    let tileRow = tile + i * width
                    let imageRow = image + (o * k * height + k * i + u) * outputWidth + v
                    if gathering {
                        for j in 0..<width { tileRow[j] = imageRow[k * j] }
                    } else {
                        for j in 0..<width { imageRow[k * j] = tileRow[j] + shift }
                    }
                }
            }
        }
    }
}

/// Swaps the two leading axes: destination[j, i, p] = source[i, j, p] for source of shape
/// [outer, middle, inner] (NCHW [N, C, P] <-> channel-major [C, N, P]).
/// Dispatches to `swapLeadingAxesBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func swapLeadingAxes<Scalar: NeuralScalar>(
    _ source: UnsafePointer<Scalar>, outer: Int, middle: Int, inner: Int, destination: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        swapLeadingAxesBody(source.cast(), outer: outer, middle: middle, inner: inner, destination: destination.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        swapLeadingAxesBody(source.cast(), outer: outer, middle: middle, inner: inner, destination: destination.cast(), as: Double.self)
    } else {
        swapLeadingAxesBody(source, outer: outer, middle: middle, inner: inner, destination: destination, as: Scalar.self)
    }
}

func swapLeadingAxesBody<Scalar: NeuralScalar>(
    _ source: UnsafePointer<Scalar>, outer: Int, middle: Int, inner: Int, destination: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    for i in 0..<outer {
        for j in 0..<middle {
            (destination + (j * outer + i) * inner).update(from: source + (i * middle + j) * inner, count: inner)
        }
    }
}

/// Adds bias[c] to every scalar of data[a, c, p] for data of shape [outer, channels, inner].
/// Dispatches to `addChannelBiasBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func addChannelBias<Scalar: NeuralScalar>(
    _ data: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>, outer: Int, channels: Int, inner: Int
) {
    if Scalar.self == Float.self {
        addChannelBiasBody(data.cast(), bias: bias.cast(), outer: outer, channels: channels, inner: inner, as: Float.self)
    } else if Scalar.self == Double.self {
        addChannelBiasBody(data.cast(), bias: bias.cast(), outer: outer, channels: channels, inner: inner, as: Double.self)
    } else {
        addChannelBiasBody(data, bias: bias, outer: outer, channels: channels, inner: inner, as: Scalar.self)
    }
}

func addChannelBiasBody<Scalar: NeuralScalar>(
    _ data: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>, outer: Int, channels: Int, inner: Int,
    as type: Scalar.Type
) {
    for a in 0..<outer {
        for c in 0..<channels {
            let row = data + (a * channels + c) * inner
            let value = bias[c]
            for p in 0..<inner { row[p] += value }
        }
    }
}

/// sums[c] += sum over a, p of data[a, c, p] for data of shape [outer, channels, inner]; `inLanes`
/// sums each row in eight lanes (`vectorSum`), about eight times faster than the running sum, whose
/// rounding the paper's network keeps (its training stays bitwise as before).
/// Dispatches to `accumulateChannelSumsBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func accumulateChannelSums<Scalar: NeuralScalar>(
    _ data: UnsafePointer<Scalar>, outer: Int, channels: Int, inner: Int, sums: UnsafeMutablePointer<Scalar>, inLanes: Bool = false
) {
    if Scalar.self == Float.self {
        accumulateChannelSumsBody(data.cast(), outer: outer, channels: channels, inner: inner, sums: sums.cast(), inLanes: inLanes, as: Float.self)
    } else if Scalar.self == Double.self {
        accumulateChannelSumsBody(data.cast(), outer: outer, channels: channels, inner: inner, sums: sums.cast(), inLanes: inLanes, as: Double.self)
    } else {
        accumulateChannelSumsBody(data, outer: outer, channels: channels, inner: inner, sums: sums, inLanes: inLanes, as: Scalar.self)
    }
}

func accumulateChannelSumsBody<Scalar: NeuralScalar>(
    _ data: UnsafePointer<Scalar>, outer: Int, channels: Int, inner: Int, sums: UnsafeMutablePointer<Scalar>, inLanes: Bool,
    as type: Scalar.Type
) {
    for a in 0..<outer {
        for c in 0..<channels {
            let row = data + (a * channels + c) * inner
            if inLanes {
                sums[c] += vectorSum(row, count: inner)
                continue
            }
            var total: Scalar = 0
            for p in 0..<inner { total += row[p] }
            sums[c] += total
        }
    }
}
