import COpenBLAS

#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS thread count (CHOLMOD's supernodal factorization runs on BLAS). Default we use: 1.
///
/// The setting is process-wide. With a count of 1 the OpenMP parallel regions inside
/// CHOLMOD's supernodal factorization are serialized as well: Debian's CHOLMOD asks for a
/// fixed 4 OpenMP threads whatever `OMP_NUM_THREADS` says, which on a 2-core machine made
/// the numeric factorization of a 2D FEM matrix about twice as slow.
public enum BLASThreads {
    /// Sets the number of OpenBLAS threads, clamped to at least 1.
    ///
    /// `count == 1` also sets OpenMP's max-active-levels to 0, so every OpenMP parallel
    /// region in the process (CHOLMOD's included) runs on the calling thread;
    /// `count > 1` restores the max-active-levels found before the first call.
    public static func set(_ count: Int) {
        let count = max(1, count)
        openblas_set_num_threads(Int32(clamping: count))
        OpenMP.shared.serialize(count == 1)
    }

    /// The number of threads OpenBLAS currently uses.
    public static var count: Int {
        Int(openblas_get_num_threads())
    }
}

/// OpenMP runtime entry points, looked up at run time in the already loaded runtime
/// (CHOLMOD links libgomp), so that no extra link dependency is needed. Absent runtime: no-op.
private final class OpenMP: @unchecked Sendable {
    static let shared = OpenMP()

    private typealias SetLevels = @convention(c) (Int32) -> Void
    private typealias GetLevels = @convention(c) () -> Int32

    private let setMaxActiveLevels: SetLevels?
    private let originalMaxActiveLevels: Int32?

    private init() {
        #if canImport(Glibc)
        // A null handle is RTLD_DEFAULT: search every loaded object.
        let setter = dlsym(nil, "omp_set_max_active_levels")
        let getter = dlsym(nil, "omp_get_max_active_levels")
        if let setter, let getter {
            setMaxActiveLevels = unsafeBitCast(setter, to: SetLevels.self)
            originalMaxActiveLevels = unsafeBitCast(getter, to: GetLevels.self)()
            return
        }
        #endif
        setMaxActiveLevels = nil
        originalMaxActiveLevels = nil
    }

    func serialize(_ serial: Bool) {
        guard let setMaxActiveLevels, let originalMaxActiveLevels else { return }
        setMaxActiveLevels(serial ? 0 : originalMaxActiveLevels)
    }
}
