// Thin shim: OpenBLAS CBLAS interface (declares openblas_set_num_threads).
#include <cblas.h>
