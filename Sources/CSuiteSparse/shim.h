// Thin shim: SuiteSparse headers as shipped by Debian's libsuitesparse-dev.
#include <suitesparse/cholmod.h>
#include <suitesparse/umfpack.h>
