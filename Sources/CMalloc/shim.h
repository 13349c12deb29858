// Thin shim: glibc's malloc tuning (mallopt), used by the executables only.
#include <malloc.h>
