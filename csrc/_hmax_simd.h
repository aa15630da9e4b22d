/* Inner loops of glimpse._hmax that must vectorise (included by csrc/_hmax.pyx).
 *
 * The loops live in _hmax_simd_body.h, which is compiled once for the baseline instruction
 * set with 4-float vectors (SSE2 on x86-64) and, on x86-64 Linux with GCC or Clang, twice
 * more: for AVX2 with 8-float vectors and for AVX-512 with 16-float vectors. The level is
 * chosen at run time with __builtin_cpu_supports, so the wheel stays portable (no -march).
 * The loops use the compilers' portable vector extensions; other compilers get plain
 * scalar loops. No fused multiply-add is used (the project builds with -ffp-contract=off)
 * and every output is computed by the same operations in the same order on every path, so
 * all levels give bit-identical results.
 *
 * All functions trust their arguments: the Cython caller has checked every size.
 */
#ifndef GLIMPSE_HMAX_SIMD_H
#define GLIMPSE_HMAX_SIMD_H

#include <stddef.h>
#include <string.h>
#include <math.h>

typedef ptrdiff_t gl_ssize;

#if defined(__GNUC__) || defined(__clang__)
#define GL_VEC 1
typedef float gl_vf4 __attribute__((vector_size(16)));
typedef int gl_vi4 __attribute__((vector_size(16)));
typedef float gl_vf8 __attribute__((vector_size(32)));
typedef int gl_vi8 __attribute__((vector_size(32)));
typedef float gl_vf16 __attribute__((vector_size(64)));
typedef int gl_vi16 __attribute__((vector_size(64)));
#define GL_INLINE static inline
#define GL_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define GL_VEC 0
#if defined(_MSC_VER)
#define GL_INLINE static __inline  /* MSVC's C compiler spells it __inline */
#else
#define GL_INLINE static inline
#endif
#define GL_ALWAYS_INLINE GL_INLINE
#endif

#if GL_VEC && defined(__x86_64__) && defined(__linux__) && \
    ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8) || \
     (defined(__clang__) && __clang_major__ >= 10))
#define GL_DISPATCH 1
/* The instruction set used: 2: AVX-512 (F, DQ, BW, VL), 1: AVX2, 0: baseline; at most
 * gl_isa_cap (lowered by the tests to cover every path on one machine). */
static int gl_isa_cap = 2;
static int gl_isa(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
            known = 2;
        else
            known = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return known < gl_isa_cap ? known : gl_isa_cap;
}
#else
#define GL_DISPATCH 0
static int gl_isa_cap = 0;
static int gl_isa(void) { return 0; }
#endif

/* Cap the instruction set (0 baseline, 1 AVX2, 2 AVX-512); returns the level now in use. */
static int glimpse_isa(int cap) {
    if (cap >= 0) gl_isa_cap = cap;
    return gl_isa();
}

/* ------------------------------------------------------------------------------------------
 * exp for float, accurate to about 2 ulp, branch-free so that it vectorises the same way.
 * Range reduction by Cody-Waite (x = n ln2 + r), Cephes' degree-6 polynomial on r, and 2^n
 * built in the exponent bits as 2^(n >> 1) * 2^(n - (n >> 1)), so that each factor is a
 * normal float for every n in [-126, 128]. Arguments above 88.72 give inf, below -87
 * give 0 (the true value there is below 1.7e-38; clamping there also keeps every
 * intermediate a normal float, as denormals are slow). */
#define GL_EXP_HI 88.72283935546875f
#define GL_EXP_LO -87.0f
#define GL_LOG2E 1.44269504088896341f
#define GL_LN2_HI 0.693359375f
#define GL_LN2_LO -2.12194440e-4f
#define GL_P0 1.9875691500E-4f
#define GL_P1 1.3981999507E-3f
#define GL_P2 8.3334519073E-3f
#define GL_P3 4.1665795894E-2f
#define GL_P4 1.6666665459E-1f
#define GL_P5 5.0000001201E-1f
/* p = exp(r) for the reduced argument r = xc - fn ln2 (scalar and vector code alike). */
#define GL_EXP_POLY(p, r, xc, fn) do { \
        r = (xc) - (fn) * GL_LN2_HI; \
        r = r - (fn) * GL_LN2_LO; \
        p = r * GL_P0 + GL_P1; \
        p = p * r + GL_P2; \
        p = p * r + GL_P3; \
        p = p * r + GL_P4; \
        p = p * r + GL_P5; \
        p = p * (r * r) + r + 1.0f; \
    } while (0)

GL_INLINE float gl_expf(float x) {
    float t, r, p, fn;
    int n;
    union { int i; float f; } u;
    float xc = x > GL_EXP_HI ? GL_EXP_HI : (x < GL_EXP_LO ? GL_EXP_LO : x);
    t = xc * GL_LOG2E;
    n = (int)(t + 128.5f) - 128;               /* round to nearest: t + 128.5 > 0 */
    fn = (float)n;
    GL_EXP_POLY(p, r, xc, fn);
    u.i = ((n >> 1) + 127) << 23;
    p = p * u.f;
    u.i = ((n - (n >> 1)) + 127) << 23;
    p = p * u.f;
    if (x > GL_EXP_HI) p = HUGE_VALF;
    if (x < GL_EXP_LO) p = 0.0f;
    return p;
}

/* One row of Rbf's kernel preparation: m[d] = -2 (r[d] - c[d]) with the difference rounded
 * to float32 (as the windows are), and the return value sum over d of (r[d] - c[d])^2 with
 * the squares summed in float64, in 8 interleaved partial sums. */
static double glimpse_center_row(const float *r, const float *c, float *m, gl_ssize n) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0}, total = 0.0;
    gl_ssize d = 0;
    int j;
    for (; d + 8 <= n; d += 8)
        for (j = 0; j < 8; j++) {
            float v = r[d + j] - c[d + j];
            m[d + j] = v * -2.0f;
            part[j] += (double)v * v;
        }
    for (j = 0; j < 8; j++) total += part[j];
    for (; d < n; d++) {
        float v = r[d] - c[d];
        m[d] = v * -2.0f;
        total += (double)v * v;
    }
    return total;
}

/* inv[x] = 1 / sqrt(max(sq[x], bias)) in float32 (sq >= 0 holds float64 window norms).
 * The arguments are never negative, so errno is never set: GCC may vectorise the square
 * roots without its errno fallback. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-math-errno")))
#endif
static void glimpse_inv_norms(const double *sq, float *inv, gl_ssize n, double bias) {
    gl_ssize x;
    float fb = (float)bias;
    for (x = 0; x < n; x++) {
        float v = (float)sq[x];
        v = v > fb ? v : fb;
        inv[x] = 1.0f / sqrtf(v);
    }
}

/* Epilogue modes (see glimpse_epilogue). */
#define GL_MODE_RBF 0
#define GL_MODE_NORM_RBF 1
#define GL_MODE_NORM_DOT 2

/* The loops, baseline build. */
#define GL_V gl_vf4
#define GL_VI gl_vi4
#define GL_N 4
#define GL_TGT
#define GL_FN(name) name##_plain
#include "_hmax_simd_body.h"
#undef GL_V
#undef GL_VI
#undef GL_N
#undef GL_TGT
#undef GL_FN

#if GL_DISPATCH
/* The loops, AVX2 build. */
#define GL_V gl_vf8
#define GL_VI gl_vi8
#define GL_N 8
#define GL_TGT __attribute__((target("avx2")))
#define GL_FN(name) name##_avx2
#include "_hmax_simd_body.h"
#undef GL_V
#undef GL_VI
#undef GL_N
#undef GL_TGT
#undef GL_FN
/* The loops, AVX-512 build. */
#define GL_V gl_vf16
#define GL_VI gl_vi16
#define GL_N 16
#define GL_TGT __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define GL_FN(name) name##_avx512
#include "_hmax_simd_body.h"
#undef GL_V
#undef GL_VI
#undef GL_N
#undef GL_TGT
#undef GL_FN
#define GL_PICK(name) (gl_isa() == 2 ? name##_avx512 : gl_isa() == 1 ? name##_avx2 : name##_plain)
#else
#define GL_PICK(name) name##_plain
#endif

/* Epilogue of the matrix-product path, on an (n, np) block of out with row stride ostride:
 *   RBF:      out[i, p] = exp(coef * max(vec[p] + ww[i] + out[i, p], 0))
 *             (out holds -2 <x, w>, vec and ww the squared norms: the sum is ||x - w||^2);
 *             where out[i, p] * (vec[p] + ww[i]) > refine, and cols is not NULL, the
 *             distance is summed again directly from the columns cols (depth, row stride
 *             cstride) and the kernels -2 w in kc (n, depth)
 *   NORM_RBF: out[i, p] = exp(coef * (1 - out[i, p] * vec[p]))
 *   NORM_DOT: out[i, p] = out[i, p] * vec[p]
 */
static void glimpse_epilogue(int mode, float *out, gl_ssize ostride, gl_ssize n, gl_ssize np,
                             const float *vec, const float *ww, float coef,
                             const float *cols, gl_ssize cstride, const float *kc,
                             gl_ssize depth, float refine) {
    GL_PICK(gl_epilogue)(mode, out, ostride, n, np, vec, ww, coef, cols, cstride, kc, depth,
                         refine);
}

/* Direct valid correlation at stride 1 (the S1 case), output rows y0 <= y < y1:
 *   out[i, y, x] = sum over b, ky, kx (in that order) of w[i, b, ky, kx] * d[b, y + ky, x + kx]
 * data (B, H, W), kernels (n, B, kh, kw), out (n, oh, ow), all C-contiguous,
 * oh = H - kh + 1 >= 1, ow = W - kw + 1 >= 1. */
static void glimpse_corr(const float *data, gl_ssize B, gl_ssize H, gl_ssize W,
                         const float *kernels, gl_ssize n, gl_ssize kh, gl_ssize kw,
                         float *out, gl_ssize oh, gl_ssize ow, gl_ssize y0, gl_ssize y1) {
    GL_PICK(gl_corr)(data, B, H, W, kernels, n, kh, kw, out, oh, ow, y0, y1);
}

/* Maximum of a[0:n], n >= 1 (GlobalMax). */
static float glimpse_max(const float *a, gl_ssize n) {
    return GL_PICK(gl_max)(a, n);
}

/* m[j] = max(m[j], a[j]) for j < n (the row pass of LocalMax). */
static void glimpse_vmax(float *m, const float *a, gl_ssize n) {
    GL_PICK(gl_vmax)(m, a, n);
}

#endif /* GLIMPSE_HMAX_SIMD_H */
