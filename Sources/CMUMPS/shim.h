// Thin shim: sequential MUMPS (double precision) as shipped by Debian's libmumps-seq-dev.
// The control and information arrays of DMUMPS_STRUC_C import into Swift as tuples, so these
// one-line accessors take MUMPS's 1-based indices, as the MUMPS user guide writes them.
#include <dmumps_c.h>

static inline void plaquefem_mumps_set_icntl(DMUMPS_STRUC_C *id, int i, int value) { id->icntl[i - 1] = value; }
static inline int plaquefem_mumps_icntl(const DMUMPS_STRUC_C *id, int i) { return id->icntl[i - 1]; }
static inline void plaquefem_mumps_set_cntl(DMUMPS_STRUC_C *id, int i, double value) { id->cntl[i - 1] = value; }
static inline int plaquefem_mumps_infog(const DMUMPS_STRUC_C *id, int i) { return id->infog[i - 1]; }
static inline double plaquefem_mumps_rinfog(const DMUMPS_STRUC_C *id, int i) { return id->rinfog[i - 1]; }
/// MUMPS's value of comm_fortran for "the default communicator" (the sequential library ignores it).
static inline int plaquefem_mumps_use_comm_world(void) { return -987654; }
