// Direct 3x3 convolution kernels (stride 1, zero padding 1) on NCHW images, register-blocked over
// 4 output channels and 16 (forward) or 8 (weight gradient) pixels of one row. This module is
// compiled for x86-64 with AVX2 and FMA (Package.swift), so SIMD8<Float> is one ymm register and
// addingProduct one vfmadd; Neural calls it only where `DirectConvolution.isAvailable`.
// Generic bodies, specialised here for Float and Double behind non-generic entry points, so the
// Double instantiation that the finite-difference tests check is the same code as the Float one.

import CCPUFeatures

/// Direct 3x3, stride 1, padding 1 convolution kernels for few channels, without im2col.
///
/// Layouts (row-major): a padded image is [C, H + 2, W + 2] with a zero border of one pixel; a
/// packed kernel is [O / 4, C, 3, 3, 4] with packed[((b C + c) 9 + 3 u + v) 4 + r] = W[4 b + r, c, u, v]
/// for a kernel W of shape [O, C, 3, 3].
public enum DirectConvolution {
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

/// The forward tile loop: for each block of 4 output channels and tile of two 8-pixel vectors (16
/// pixels of row i, or where W is not a multiple of 16, 8 pixels of rows i and i + 1), eight
/// accumulators (4 channels x 2 vectors) take 9 C broadcast-multiply-adds each.
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
    for block in 0..<(outputChannels / 4) {
        let weights = packed + block * inputChannels * 36
        let b0 = SIMD8<S>(repeating: bias?[4 * block] ?? 0), b1 = SIMD8<S>(repeating: bias?[4 * block + 1] ?? 0)
        let b2 = SIMD8<S>(repeating: bias?[4 * block + 2] ?? 0), b3 = SIMD8<S>(repeating: bias?[4 * block + 3] ?? 0)
        for i in Swift.stride(from: 0, to: height, by: rowStep) {
            var j0 = 0
            while j0 < width {
                var a0 = b0, a1 = b0, c0 = b1, c1 = b1, d0 = b2, d1 = b2, e0 = b3, e1 = b3
                for c in 0..<inputChannels {
                    let rows = x + c * plane + i * paddedWidth + j0
                    let w = weights + c * 36
                    for u in 0..<3 {
                        let row = rows + u * paddedWidth
                        for v in 0..<3 {
                            let x0 = load(row + v), x1 = load(row + v + secondInput)
                            let tap = w + (3 * u + v) * 4
                            let w0 = SIMD8<S>(repeating: tap[0]), w1 = SIMD8<S>(repeating: tap[1])
                            let w2 = SIMD8<S>(repeating: tap[2]), w3 = SIMD8<S>(repeating: tap[3])
                            a0 = a0.addingProduct(x0, w0); a1 = a1.addingProduct(x1, w0)
                            c0 = c0.addingProduct(x0, w1); c1 = c1.addingProduct(x1, w1)
                            d0 = d0.addingProduct(x0, w2); d1 = d1.addingProduct(x1, w2)
                            e0 = e0.addingProduct(x0, w3); e1 = e1.addingProduct(x1, w3)
                        }
                    }
                }
                let out = y + 4 * block * outputPlane + i * width + j0
                store(a0, out); store(a1, out + secondOutput)
                store(c0, out + outputPlane); store(c1, out + outputPlane + secondOutput)
                store(d0, out + 2 * outputPlane); store(d1, out + 2 * outputPlane + secondOutput)
                store(e0, out + 3 * outputPlane); store(e1, out + 3 * outputPlane + secondOutput)
                j0 += columnStep
            }
        }
    }
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
