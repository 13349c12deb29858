// Direct 3x3 convolution kernels (stride 1, zero padding 1) on NCHW images, register-blocked over
// 6 or 4 output channels and 16 (forward) or 8 (weight gradient) pixels. This module is
// compiled for x86-64 with AVX2 and FMA (Package.swift), so SIMD8<Float> is one ymm register and
// addingProduct one vfmadd; Neural calls it only where `DirectConvolution.isAvailable`.
// Generic bodies, specialised here for Float and Double behind non-generic entry points, so the
// Double instantiation that the finite-difference tests check is the same code as the Float one.

import CCPUFeatures

/// Direct 3x3, stride 1, padding 1 convolution kernels for few channels, without im2col.
///
/// Layouts (row-major): a padded image is [C, H + 2, W + 2] with a zero border of one pixel; a
/// packed kernel holds the output channels in consecutive blocks (`blocks(outputChannels:)`: blocks
/// of 6, then of 4), the block of size b starting at channel f as [C, 3, 3, b] at offset 9 C f:
/// packed[9 C f + ((c 3 + u) 3 + v) b + r] = W[f + r, c, u, v] for a kernel W of shape [O, C, 3, 3].
public enum DirectConvolution {
    /// The forward kernel's blocks of output channels for O a multiple of 4: `sixes` blocks of 6
    /// (channels 0..<6 sixes), then `fours` blocks of 4.
    public static func blocks(outputChannels: Int) -> (sixes: Int, fours: Int) {
        let sixes = outputChannels % 6 == 2 ? outputChannels / 6 - 1 : outputChannels / 6
        return (sixes, (outputChannels - 6 * sixes) / 4)
    }

    /// Whether the CPU runs this module's code (AVX2 and FMA on x86-64); checked once.
    public static let isAvailable: Bool = plaquefem_cpu_has_avx2_fma() != 0

    /// Whether the kernels apply to an [H, W] image with O output channels: O a multiple of 4 (the
    /// register block) and W of 16 (tiles of 16 pixels of a row), or W of 8 and H even (tiles of
    /// 8 pixels of two rows).
    public static func supports(outputChannels: Int, height: Int, width: Int) -> Bool {
        outputChannels > 0 && outputChannels % 4 == 0 && height > 0 && width > 0
            && (width % 16 == 0 || (width % 8 == 0 && height % 2 == 0))
    }

    /// Forward of one image: y[o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[c, i + u, j + v],
    /// for output y of shape [O, H, W] (overwritten) and bias b (or 0 when nil).
    public static func forward(
        paddedInput: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        forwardBody(paddedInput, packedWeight, bias, output, inputChannels, outputChannels, height, width)
    }

    /// `forward` in Double.
    public static func forward(
        paddedInput: UnsafePointer<Double>, packedWeight: UnsafePointer<Double>, bias: UnsafePointer<Double>?,
        output: UnsafeMutablePointer<Double>, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        forwardBody(paddedInput, packedWeight, bias, output, inputChannels, outputChannels, height, width)
    }

    /// Weight gradient of `samples` consecutive images:
    /// dW[o, c, u, v] += sum_{n, i, j} dy[n, o, i, j] x_pad[n, c, i + u, j + v], for dy of shape
    /// [samples, O, H, W], padded inputs [samples, C, H + 2, W + 2] and dW of shape [O, C, 3, 3].
    /// Several small images per call share the horizontal sums at the end of each reduction.
    public static func accumulateWeightGradient(
        paddedInput: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        samples: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        weightGradientBody(paddedInput, outputGradient, weightGradient, samples, inputChannels, outputChannels, height, width)
    }

    /// Whether `accumulateWeightGradientFlat` applies: the H (W + 2) positions of a padded-width
    /// image are a whole number of 8-scalar vectors.
    public static func supportsFlatWeightGradient(height: Int, width: Int) -> Bool {
        height > 0 && width > 0 && (height * (width + 2)) % 8 == 0
    }

    /// The weight gradient of `accumulateWeightGradient` from a zero-padded output gradient
    /// [samples, O, H + 2, W + 2] (dy_pad[n, o, i + 1, j + 1] = dy[n, o, i, j], zero border): each
    /// image is one run of H (W + 2) positions p = i (W + 2) + j, j < W + 2, with
    /// dW[o, c, u, v] += sum_{n, p} dy_pad[n, o, p + W + 3] x_pad[n, c, p + u (W + 2) + v]; the two
    /// extra columns per row meet the zero border of dy_pad, so no row loop and no tails. The
    /// reads of x_pad reach 2 scalars past the last image's plane: the buffer must have them (zero).
    /// Requires `supportsFlatWeightGradient(height:width:)`.
    public static func accumulateWeightGradientFlat(
        paddedInput: UnsafePointer<Float>, paddedOutputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        samples: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        flatWeightGradientBody(paddedInput, paddedOutputGradient, weightGradient, samples, inputChannels, outputChannels, height, width)
    }

    /// `accumulateWeightGradientFlat` in Double.
    public static func accumulateWeightGradientFlat(
        paddedInput: UnsafePointer<Double>, paddedOutputGradient: UnsafePointer<Double>, weightGradient: UnsafeMutablePointer<Double>,
        samples: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        flatWeightGradientBody(paddedInput, paddedOutputGradient, weightGradient, samples, inputChannels, outputChannels, height, width)
    }

    /// `accumulateWeightGradient` in Double.
    public static func accumulateWeightGradient(
        paddedInput: UnsafePointer<Double>, outputGradient: UnsafePointer<Double>, weightGradient: UnsafeMutablePointer<Double>,
        samples: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) {
        weightGradientBody(paddedInput, outputGradient, weightGradient, samples, inputChannels, outputChannels, height, width)
    }
}

@inline(__always)
private func load<S: SIMDScalar & BinaryFloatingPoint>(_ pointer: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<S>.self)
}

@inline(__always)
private func store<S: SIMDScalar & BinaryFloatingPoint>(_ value: SIMD8<S>, _ pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<S>.self)
}

/// The forward tile loop: output channels in blocks of 6 (then 4, `DirectConvolution.blocks`);
/// for each block and tile of two 8-pixel vectors (16 pixels of row i, or where W is not a multiple
/// of 16, 8 pixels of rows i and i + 1), 12 (or 8) accumulators take 9 C broadcast-multiply-adds
/// each. Blocks of 6 give 12 independent accumulator chains and 4 multiply-adds per vector load of
/// x where blocks of 4 gave 8 (A/B of the kernel alone: about 3 % faster over the U-Net's shapes).
private func forwardBody<S: SIMDScalar & BinaryFloatingPoint>(
    _ x: UnsafePointer<S>, _ packed: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ y: UnsafeMutablePointer<S>,
    _ inputChannels: Int, _ outputChannels: Int, _ height: Int, _ width: Int
) {
    let paddedWidth = width + 2
    let plane = (height + 2) * paddedWidth
    let outputPlane = height * width
    // Where the second vector of a tile starts, in the padded input and in the output.
    let pairsInRow = width % 16 == 0
    let (secondInput, secondOutput) = pairsInRow ? (8, 8) : (paddedWidth, width)
    let (rowStep, columnStep) = pairsInRow ? (1, 16) : (2, 8)
    let (sixes, fours) = DirectConvolution.blocks(outputChannels: outputChannels)
    for block in 0..<(sixes + fours) {
        let (first, size) = block < sixes ? (6 * block, 6) : (6 * sixes + 4 * (block - sixes), 4)
        let weights = packed + first * inputChannels * 9
        for i in Swift.stride(from: 0, to: height, by: rowStep) {
            var j0 = 0
            while j0 < width {
                let source = x + (i &* paddedWidth &+ j0)
                let out = y + (first &* outputPlane &+ i &* width &+ j0)
                if size == 6 {
                    forwardTile6(source, weights, bias, out, first, inputChannels, plane, paddedWidth, outputPlane, secondInput, secondOutput)
                } else {
                    forwardTile4(source, weights, bias, out, first, inputChannels, plane, paddedWidth, outputPlane, secondInput, secondOutput)
                }
                j0 += columnStep
            }
        }
    }
}

/// One tile of 6 output channels: packed weights [C, 3, 3, 6] of the block.
@inline(__always)
private func forwardTile6<S: SIMDScalar & BinaryFloatingPoint>(
    _ x: UnsafePointer<S>, _ weights: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ out: UnsafeMutablePointer<S>, _ first: Int,
    _ inputChannels: Int, _ plane: Int, _ paddedWidth: Int, _ outputPlane: Int, _ secondInput: Int, _ secondOutput: Int
) {
    var a0 = SIMD8<S>(repeating: bias?[first] ?? 0), a1 = SIMD8<S>(repeating: bias?[first + 1] ?? 0)
    var a2 = SIMD8<S>(repeating: bias?[first + 2] ?? 0), a3 = SIMD8<S>(repeating: bias?[first + 3] ?? 0)
    var a4 = SIMD8<S>(repeating: bias?[first + 4] ?? 0), a5 = SIMD8<S>(repeating: bias?[first + 5] ?? 0)
    var b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5
    for c in 0..<inputChannels {
        let rows = x + c &* plane
        let w = weights + c &* 54
        for u in 0..<3 {
            let row = rows + u &* paddedWidth
            for v in 0..<3 {
                let x0 = load(row + v), x1 = load(row + (v &+ secondInput))
                let tap = w + (3 * u + v) * 6
                var t = SIMD8<S>(repeating: tap[0]); a0 = a0.addingProduct(x0, t); b0 = b0.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[1]); a1 = a1.addingProduct(x0, t); b1 = b1.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[2]); a2 = a2.addingProduct(x0, t); b2 = b2.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[3]); a3 = a3.addingProduct(x0, t); b3 = b3.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[4]); a4 = a4.addingProduct(x0, t); b4 = b4.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[5]); a5 = a5.addingProduct(x0, t); b5 = b5.addingProduct(x1, t)
            }
        }
    }
    store(a0, out); store(b0, out + secondOutput)
    store(a1, out + outputPlane); store(b1, out + (outputPlane &+ secondOutput))
    store(a2, out + 2 &* outputPlane); store(b2, out + (2 &* outputPlane &+ secondOutput))
    store(a3, out + 3 &* outputPlane); store(b3, out + (3 &* outputPlane &+ secondOutput))
    store(a4, out + 4 &* outputPlane); store(b4, out + (4 &* outputPlane &+ secondOutput))
    store(a5, out + 5 &* outputPlane); store(b5, out + (5 &* outputPlane &+ secondOutput))
}

/// One tile of 4 output channels: packed weights [C, 3, 3, 4] of the block.
@inline(__always)
private func forwardTile4<S: SIMDScalar & BinaryFloatingPoint>(
    _ x: UnsafePointer<S>, _ weights: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ out: UnsafeMutablePointer<S>, _ first: Int,
    _ inputChannels: Int, _ plane: Int, _ paddedWidth: Int, _ outputPlane: Int, _ secondInput: Int, _ secondOutput: Int
) {
    var a0 = SIMD8<S>(repeating: bias?[first] ?? 0), a1 = SIMD8<S>(repeating: bias?[first + 1] ?? 0)
    var a2 = SIMD8<S>(repeating: bias?[first + 2] ?? 0), a3 = SIMD8<S>(repeating: bias?[first + 3] ?? 0)
    var b0 = a0, b1 = a1, b2 = a2, b3 = a3
    for c in 0..<inputChannels {
        let rows = x + c &* plane
        let w = weights + c &* 36
        for u in 0..<3 {
            let row = rows + u &* paddedWidth
            for v in 0..<3 {
                let x0 = load(row + v), x1 = load(row + (v &+ secondInput))
                let tap = w + (3 * u + v) * 4
                var t = SIMD8<S>(repeating: tap[0]); a0 = a0.addingProduct(x0, t); b0 = b0.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[1]); a1 = a1.addingProduct(x0, t); b1 = b1.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[2]); a2 = a2.addingProduct(x0, t); b2 = b2.addingProduct(x1, t)
                t = SIMD8<S>(repeating: tap[3]); a3 = a3.addingProduct(x0, t); b3 = b3.addingProduct(x1, t)
            }
        }
    }
    store(a0, out); store(b0, out + secondOutput)
    store(a1, out + outputPlane); store(b1, out + (outputPlane &+ secondOutput))
    store(a2, out + 2 &* outputPlane); store(b2, out + (2 &* outputPlane &+ secondOutput))
    store(a3, out + 3 &* outputPlane); store(b3, out + (3 &* outputPlane &+ secondOutput))
}

/// The weight-gradient loop: for each block of 4 output channels, input channel c and kernel row u,
/// twelve accumulators (4 channels x 3 kernel columns) sum dy x_pad over the images, 8 pixels at a time.
private func weightGradientBody<S: SIMDScalar & BinaryFloatingPoint>(
    _ x: UnsafePointer<S>, _ dy: UnsafePointer<S>, _ dw: UnsafeMutablePointer<S>,
    _ samples: Int, _ inputChannels: Int, _ outputChannels: Int, _ height: Int, _ width: Int
) {
    let paddedWidth = width + 2
    let plane = (height + 2) * paddedWidth
    let outputPlane = height * width
    let (inputSample, outputSample) = (inputChannels * plane, outputChannels * outputPlane)
    for block in 0..<(outputChannels / 4) {
        for c in 0..<inputChannels {
            for u in 0..<3 {
                var a0 = SIMD8<S>(), a1 = SIMD8<S>(), a2 = SIMD8<S>()
                var b0 = SIMD8<S>(), b1 = SIMD8<S>(), b2 = SIMD8<S>()
                var c0 = SIMD8<S>(), c1 = SIMD8<S>(), c2 = SIMD8<S>()
                var d0 = SIMD8<S>(), d1 = SIMD8<S>(), d2 = SIMD8<S>()
                for n in 0..<samples {
                    for i in 0..<height {
                        let row = x + n * inputSample + c * plane + (i + u) * paddedWidth
                        let gradientRow = dy + n * outputSample + 4 * block * outputPlane + i * width
                        var j = 0
                        while j < width {
                            let x0 = load(row + j), x1 = load(row + j + 1), x2 = load(row + j + 2)
                            let g0 = load(gradientRow + j), g1 = load(gradientRow + outputPlane + j)
                            let g2 = load(gradientRow + 2 * outputPlane + j), g3 = load(gradientRow + 3 * outputPlane + j)
                            a0 = a0.addingProduct(g0, x0); a1 = a1.addingProduct(g0, x1); a2 = a2.addingProduct(g0, x2)
                            b0 = b0.addingProduct(g1, x0); b1 = b1.addingProduct(g1, x1); b2 = b2.addingProduct(g1, x2)
                            c0 = c0.addingProduct(g2, x0); c1 = c1.addingProduct(g2, x1); c2 = c2.addingProduct(g2, x2)
                            d0 = d0.addingProduct(g3, x0); d1 = d1.addingProduct(g3, x1); d2 = d2.addingProduct(g3, x2)
                            j += 8
                        }
                    }
                }
                let target = dw + (4 * block * inputChannels + c) * 9 + 3 * u
                let stride = inputChannels * 9
                target[0] += a0.sum(); target[1] += a1.sum(); target[2] += a2.sum()
                target[stride] += b0.sum(); target[stride + 1] += b1.sum(); target[stride + 2] += b2.sum()
                target[2 * stride] += c0.sum(); target[2 * stride + 1] += c1.sum(); target[2 * stride + 2] += c2.sum()
                target[3 * stride] += d0.sum(); target[3 * stride + 1] += d1.sum(); target[3 * stride + 2] += d2.sum()
            }
        }
    }
}

/// The flat weight-gradient loop (`DirectConvolution.accumulateWeightGradientFlat`): for each
/// block of 4 output channels, input channel c and kernel row u, twelve accumulators (4 channels x
/// 3 kernel columns) run over the H (W + 2) positions of every image, 8 at a time. Index
/// arithmetic wraps (&+, &*): the offsets are far from overflowing, and the checks cost issue slots.
private func flatWeightGradientBody<S: SIMDScalar & BinaryFloatingPoint>(
    _ x: UnsafePointer<S>, _ dy: UnsafePointer<S>, _ dw: UnsafeMutablePointer<S>,
    _ samples: Int, _ inputChannels: Int, _ outputChannels: Int, _ height: Int, _ width: Int
) {
    let paddedWidth = width &+ 2
    let plane = (height &+ 2) &* paddedWidth
    let length = height &* paddedWidth
    let (inputSample, outputSample) = (inputChannels &* plane, outputChannels &* plane)
    // dy_pad[o, i + 1, j + 1] sits at p + W + 3 for p = i (W + 2) + j.
    let gradientStart = paddedWidth &+ 1
    for block in 0..<(outputChannels / 4) {
        for c in 0..<inputChannels {
            for u in 0..<3 {
                var a0 = SIMD8<S>(), a1 = SIMD8<S>(), a2 = SIMD8<S>()
                var b0 = SIMD8<S>(), b1 = SIMD8<S>(), b2 = SIMD8<S>()
                var c0 = SIMD8<S>(), c1 = SIMD8<S>(), c2 = SIMD8<S>()
                var d0 = SIMD8<S>(), d1 = SIMD8<S>(), d2 = SIMD8<S>()
                for n in 0..<samples {
                    let inputOffset: Int = n &* inputSample &+ c &* plane &+ u &* paddedWidth
                    let gradientOffset: Int = n &* outputSample &+ 4 &* block &* plane &+ gradientStart
                    let row = x + inputOffset
                    let g = dy + gradientOffset
                    let (g1, g2, g3) = (g + plane, g + 2 &* plane, g + 3 &* plane)
                    var p = 0
                    while p < length {
                        let x0 = load(row + p), x1 = load(row + (p &+ 1)), x2 = load(row + (p &+ 2))
                        let h0 = load(g + p), h1 = load(g1 + p), h2 = load(g2 + p), h3 = load(g3 + p)
                        a0 = a0.addingProduct(h0, x0); a1 = a1.addingProduct(h0, x1); a2 = a2.addingProduct(h0, x2)
                        b0 = b0.addingProduct(h1, x0); b1 = b1.addingProduct(h1, x1); b2 = b2.addingProduct(h1, x2)
                        c0 = c0.addingProduct(h2, x0); c1 = c1.addingProduct(h2, x1); c2 = c2.addingProduct(h2, x2)
                        d0 = d0.addingProduct(h3, x0); d1 = d1.addingProduct(h3, x1); d2 = d2.addingProduct(h3, x2)
                        p &+= 8
                    }
                }
                let target = dw + ((4 &* block &* inputChannels &+ c) &* 9 &+ 3 &* u)
                let stride = inputChannels &* 9
                target[0] += a0.sum(); target[1] += a1.sum(); target[2] += a2.sum()
                target[stride] += b0.sum(); target[stride + 1] += b1.sum(); target[stride + 2] += b2.sum()
                target[2 * stride] += c0.sum(); target[2 * stride + 1] += c1.sum(); target[2 * stride + 2] += c2.sum()
                target[3 * stride] += d0.sum(); target[3 * stride + 1] += d1.sum(); target[3 * stride + 2] += d2.sum()
            }
        }
    }
}
