#include "simdb_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

// Called once: Swift keeps the answer in VectorKernels.hasAVX2.
int simdb_kernels_have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma")))
static inline float horizontal_sum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 0x55));
    return _mm_cvtss_f32(sum);
}

__attribute__((target("avx2,fma")))
static inline float squared_l2(const float *a, const float *b, size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        acc0 = _mm256_fmadd_ps(d0, d0, acc0);
        acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    }
    if (i + 8 <= n) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        acc0 = _mm256_fmadd_ps(d0, d0, acc0);
        i += 8;
    }
    float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

__attribute__((target("avx2,fma")))
static inline float dot(const float *a, const float *b, size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    if (i + 8 <= n) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        i += 8;
    }
    float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma")))
float simdb_squared_l2_avx2(const float *a, const float *b, size_t n) { return squared_l2(a, b, n); }

__attribute__((target("avx2,fma")))
float simdb_dot_avx2(const float *a, const float *b, size_t n) { return dot(a, b, n); }

__attribute__((target("avx2,fma")))
void simdb_squared_l2_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out) {
    for (size_t j = 0; j < count; j++) out[j] = squared_l2(q, base + j * n, n);
}

__attribute__((target("avx2,fma")))
void simdb_dot_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out) {
    for (size_t j = 0; j < count; j++) out[j] = dot(q, base + j * n, n);
}

// Eight codes widened to floats.
__attribute__((target("avx2,fma")))
static inline __m256 widen8(const uint8_t *code) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)code)));
}

// Four accumulators: the exact scan's column kernel runs this once per stored vector.
__attribute__((target("avx2,fma")))
static float sq8_squared_l2_avx2(const float *q, const float *step, const uint8_t *code, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i), widen8(code + i), _mm256_loadu_ps(q + i));
        __m256 d1 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i + 8), widen8(code + i + 8), _mm256_loadu_ps(q + i + 8));
        __m256 d2 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i + 16), widen8(code + i + 16), _mm256_loadu_ps(q + i + 16));
        __m256 d3 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i + 24), widen8(code + i + 24), _mm256_loadu_ps(q + i + 24));
        a0 = _mm256_fmadd_ps(d0, d0, a0);
        a1 = _mm256_fmadd_ps(d1, d1, a1);
        a2 = _mm256_fmadd_ps(d2, d2, a2);
        a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i), widen8(code + i), _mm256_loadu_ps(q + i));
        a0 = _mm256_fmadd_ps(d, d, a0);
    }
    float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) {
        float d = q[i] - step[i] * (float)code[i];
        sum += d * d;
    }
    return sum;
}

__attribute__((target("avx2,fma")))
static float sq8_dot_avx2(const float *w, const uint8_t *code, size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), widen8(code + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), widen8(code + i + 8), acc1);
    }
    float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) sum += w[i] * (float)code[i];
    return sum;
}

#else

int simdb_kernels_have_avx2(void) { return 0; }
float simdb_squared_l2_avx2(const float *a, const float *b, size_t n) { (void)a; (void)b; (void)n; return 0; }
float simdb_dot_avx2(const float *a, const float *b, size_t n) { (void)a; (void)b; (void)n; return 0; }
void simdb_squared_l2_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out) {
    (void)q; (void)base; (void)n;
    for (size_t j = 0; j < count; j++) out[j] = 0;
}
void simdb_dot_batch_avx2(const float *q, const float *base, size_t count, size_t n, float *out) {
    (void)q; (void)base; (void)n;
    for (size_t j = 0; j < count; j++) out[j] = 0;
}

#endif

// The 8-bit code kernels: portable loops (the compiler vectorises them for the baseline), or
// the AVX2 forms above where the caller found AVX2.
float simdb_sq8_squared_l2(const float *q, const float *step, const uint8_t *code, size_t n, int avx2) {
#if defined(__x86_64__)
    if (avx2) return sq8_squared_l2_avx2(q, step, code, n);
#endif
    (void)avx2;
    float sum = 0;
    for (size_t i = 0; i < n; i++) {
        float d = q[i] - step[i] * (float)code[i];
        sum += d * d;
    }
    return sum;
}

float simdb_sq8_dot(const float *w, const uint8_t *code, size_t n, int avx2) {
#if defined(__x86_64__)
    if (avx2) return sq8_dot_avx2(w, code, n);
#endif
    (void)avx2;
    float sum = 0;
    for (size_t i = 0; i < n; i++) sum += w[i] * (float)code[i];
    return sum;
}

// The column scan: one call per column segment; each slot's state byte says whether to skip
// it, to mark it for an exact check, or to score its code.
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void sq8_column_avx2(const simdb_sq8_column_scan *scan, const uint8_t *states, const uint8_t *codes,
                            size_t count, float *out) {
    const size_t n = scan->dimension;
    for (size_t r = 0; r < count; r++) {
        const uint8_t *code = codes + r * n;
        switch (states[r]) {
        case 1: out[r] = scan->dot ? sq8_dot_avx2(scan->query, code, n) : sq8_squared_l2_avx2(scan->query, scan->step, code, n); break;
        case 0: out[r] = scan->absent; break;
        default: out[r] = scan->check; break;
        }
    }
}
#endif

void simdb_sq8_column(const simdb_sq8_column_scan *scan, const uint8_t *states, const uint8_t *codes, size_t count,
                      float *out, int avx2) {
#if defined(__x86_64__)
    if (avx2) {
        sq8_column_avx2(scan, states, codes, count, out);
        return;
    }
#endif
    const size_t n = scan->dimension;
    for (size_t r = 0; r < count; r++) {
        const uint8_t *code = codes + r * n;
        switch (states[r]) {
        case 1:
            out[r] = scan->dot ? simdb_sq8_dot(scan->query, code, n, 0) : simdb_sq8_squared_l2(scan->query, scan->step, code, n, 0);
            break;
        case 0: out[r] = scan->absent; break;
        default: out[r] = scan->check; break;
        }
    }
}
