#include "simdb_default_model.h"

// Defined in default_model.S, which includes the model file with .incbin.
extern const unsigned char simdb_default_model_start[];
extern const unsigned char simdb_default_model_end[];

const void *simdb_default_model_bytes(void) { return simdb_default_model_start; }

size_t simdb_default_model_size(void) {
    return (size_t)(simdb_default_model_end - simdb_default_model_start);
}
