#ifndef SIMDB_COPENBLAS_SHIM_H
#define SIMDB_COPENBLAS_SHIM_H

// OpenBLAS's CBLAS interface (libopenblas-dev). Debian's <cblas.h> already declares the
// OpenBLAS thread controls below; repeating a matching prototype is harmless and keeps this
// shim working with CBLAS headers that omit them.
#include <cblas.h>

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#endif
