// Vector kernels with AVX2 + FMA, chosen at run time, for x86-64 hosts.
//
// SwiftPM compiles Swift for the baseline x86-64 (SSE2), and a package cannot ask for more
// without unsafe flags, which would keep it from being used as a dependency. These functions
// carry their own target attribute instead, and `simdb_kernels_have_avx2()` says whether this
// CPU can run them. Swift's VectorKernels call them when it can and use its own SIMD code
// otherwise (and on other architectures).
#ifndef SIMDB_KERNELS_H
#define SIMDB_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU supports AVX2 and FMA (the functions below may be called), else 0.
int simdb_kernels_have_avx2(void);

/// Σ (aᵢ − bᵢ)², AVX2 + FMA. Call only when simdb_kernels_have_avx2() is 1.
float simdb_squared_l2_avx2(const float *a, const float *b, size_t n);

/// Σ aᵢ bᵢ, AVX2 + FMA. Call only when simdb_kernels_have_avx2() is 1.
float simdb_dot_avx2(const float *a, const float *b, size_t n);

/// out[j] = Σ (qᵢ − base[j·n + i])² for j in 0..<count: one query against `count` vectors
/// stored back to back. AVX2 + FMA; call only when simdb_kernels_have_avx2() is 1.
void simdb_squared_l2_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out);

/// out[j] = Σ qᵢ base[j·n + i] for j in 0..<count. AVX2 + FMA; call only when
/// simdb_kernels_have_avx2() is 1.
void simdb_dot_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out);

/// Σ (qᵢ − stepᵢ·codeᵢ)²: the squared L2 distance from a query to an 8-bit scalar code whose
/// component i decodes to minimumᵢ + stepᵢ·codeᵢ, given q already shifted by the minimum
/// (qᵢ = queryᵢ − minimumᵢ). Portable; uses AVX2 + FMA when `avx2` is 1 (only if
/// simdb_kernels_have_avx2() is 1).
float simdb_sq8_squared_l2(const float *q, const float *step, const uint8_t *code, size_t n, int avx2);

/// Σ wᵢ·codeᵢ: with wᵢ = queryᵢ·stepᵢ, the part of a dot product with a decoded 8-bit code that
/// depends on the code. Portable; AVX2 + FMA when `avx2` is 1.
float simdb_sq8_dot(const float *w, const uint8_t *code, size_t n, int avx2);

/// How simdb_sq8_column scores a column segment: per slot a state byte (0: skip, 1: score the
/// code, anything else: mark for an exact check) and a code of `dimension` bytes.
typedef struct {
    /// For squared L2: the query minus the minimum, with `step`. For dot: queryᵢ·stepᵢ.
    const float *query;
    const float *step;
    size_t dimension;
    /// 1: simdb_sq8_dot; 0: simdb_sq8_squared_l2.
    int dot;
    /// The value written for skipped slots, and for slots to check exactly.
    float absent;
    float check;
} simdb_sq8_column_scan;

/// Scores `count` consecutive slots of a column segment into `out` (see simdb_sq8_column_scan).
void simdb_sq8_column(const simdb_sq8_column_scan *scan, const uint8_t *states, const uint8_t *codes, size_t count,
                      float *out, int avx2);

/// Asks the CPU to start loading the cache line at `address` (a hint; never faults).
static inline void simdb_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
