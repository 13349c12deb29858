import COpenBLAS
import Foundation

/// A floating-point scalar that tensors, layers and losses are generic over.
///
/// `Float` is the training precision (GEMM through `cblas_sgemm`); `Double` is used for
/// gradient checks against finite differences (GEMM through `cblas_dgemm`).
public protocol NeuralScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// Returns e^x.
    static func exponential(_ x: Self) -> Self
    /// Returns the natural logarithm ln(x).
    static func logarithm(_ x: Self) -> Self
    /// Returns ln(1 + x), accurate for small x.
    static func logarithmOnePlus(_ x: Self) -> Self
    /// Returns tanh(x).
    static func hyperbolicTangent(_ x: Self) -> Self
    /// Row-major general matrix product C = alpha * op(A) * op(B) + beta * C,
    /// with op(A) of shape [m, k], op(B) of shape [k, n] and C of shape [m, n].
    static func generalMatrixMultiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, leadingDimensionA: Int,
        b: UnsafePointer<Self>, leadingDimensionB: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, leadingDimensionC: Int)
}

extension Float: NeuralScalar {
    /// Returns e^x (`expf`).
    @inlinable public static func exponential(_ x: Float) -> Float { expf(x) }
    /// Returns ln(x) (`logf`).
    @inlinable public static func logarithm(_ x: Float) -> Float { logf(x) }
    /// Returns ln(1 + x) (`log1pf`).
    @inlinable public static func logarithmOnePlus(_ x: Float) -> Float { log1pf(x) }
    /// Returns tanh(x) (`tanhf`).
    @inlinable public static func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }
    /// C = alpha * op(A) * op(B) + beta * C through `cblas_sgemm` (row-major).
    public static func generalMatrixMultiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, leadingDimensionA: Int,
        b: UnsafePointer<Float>, leadingDimensionB: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, leadingDimensionC: Int
    ) {
        BLASThreadDefault.apply()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(leadingDimensionA),
            b, Int32(leadingDimensionB), beta, c, Int32(leadingDimensionC))
    }
}

extension Double: NeuralScalar {
    /// Returns e^x (`exp`).
    @inlinable public static func exponential(_ x: Double) -> Double { exp(x) }
    /// Returns ln(x) (`log`).
    @inlinable public static func logarithm(_ x: Double) -> Double { log(x) }
    /// Returns ln(1 + x) (`log1p`).
    @inlinable public static func logarithmOnePlus(_ x: Double) -> Double { log1p(x) }
    /// Returns tanh(x) (`tanh`).
    @inlinable public static func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }
    /// C = alpha * op(A) * op(B) + beta * C through `cblas_dgemm` (row-major).
    public static func generalMatrixMultiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, leadingDimensionA: Int,
        b: UnsafePointer<Double>, leadingDimensionB: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, leadingDimensionC: Int
    ) {
        BLASThreadDefault.apply()
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(leadingDimensionA),
            b, Int32(leadingDimensionB), beta, c, Int32(leadingDimensionC))
    }
}

/// Sets the number of threads OpenBLAS uses for matrix products (`openblas_set_num_threads`).
///
/// The library's own loops are single-threaded; only GEMM is affected. The default is 1 (set
/// before the first product unless this function was called): right for shared machines, and
/// it keeps results bit-identical from run to run, since products split over threads may round
/// differently.
/// - Parameter count: Number of BLAS threads, at least 1 (smaller values are clamped to 1).
public func setBLASThreadCount(_ count: Int) {
    BLASThreadDefault.apply()
    openblas_set_num_threads(Int32(max(1, count)))
}

/// Sets OpenBLAS to one thread once per process, before the first product or explicit setting
/// (OpenBLAS itself starts with one thread per core).
enum BLASThreadDefault {
    private static let applied: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    static func apply() { _ = applied }
}
