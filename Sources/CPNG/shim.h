// Thin shim: libpng 1.6 and zlib.
#include <png.h>
#include <zlib.h>
