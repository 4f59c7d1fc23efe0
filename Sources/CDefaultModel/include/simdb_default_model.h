#ifndef SIMDB_DEFAULT_MODEL_H
#define SIMDB_DEFAULT_MODEL_H

#include <stddef.h>

/// The bytes of the default face model (model/face.simdbmodel), linked into the binary so that
/// it is found wherever the binary is copied. They live in read-only data for the process's life.
const void *simdb_default_model_bytes(void);

/// The size of the default face model in bytes.
size_t simdb_default_model_size(void);

#endif
