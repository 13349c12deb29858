// Thin shim: the compiler's CPU feature test, for choosing the AVX2 kernels of NeuralKernels at run time.
#ifndef PLAQUEFEM_CPU_FEATURES_H
#define PLAQUEFEM_CPU_FEATURES_H

/// 1 when the CPU executes AVX2 and FMA instructions (x86-64), or on other architectures, else 0.
static inline int plaquefem_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 1;
#endif
}

#endif
