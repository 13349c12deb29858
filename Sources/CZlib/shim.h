// Thin shim: zlib (gzip reading for the MNIST IDX files).
#include <zlib.h>
