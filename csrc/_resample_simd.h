/* The inner loops of glimpse._resample (included by csrc/_resample.pyx): the vertical row
 * kernel, the conversion of input rows to float32 and the blocked transpose.
 *
 * Each loop body is compiled for the baseline instruction set (SSE2 on x86-64) and,
 * on x86-64 Linux with GCC or Clang, twice more: for AVX2 (8-float vectors) and for
 * AVX-512 (16-float vectors); the level is chosen at run time with
 * __builtin_cpu_supports, so the wheel stays portable. The loops are plain C that the
 * compiler vectorises across columns: every output is computed by the same float32
 * multiplies and adds in the same order on every path, and no fused multiply-add is used
 * (neither target enables FMA, and the project builds with -ffp-contract=off), so all
 * levels give bit-identical results.
 *
 * The caller (Cython) has checked every size.
 */
#ifndef GLIMPSE_RESAMPLE_SIMD_H
#define GLIMPSE_RESAMPLE_SIMD_H

#include <stddef.h>
#include <string.h>

typedef ptrdiff_t rs_ssize;

/* o[c] = sum_k w[k] * p[k * sstride + c] for c < ncols, k < n, the taps added in order,
 * four per sweep over the row (o is loaded and stored once per four taps). */
#define RS_VROW_BODY                                                                    \
    rs_ssize c, k;                                                                      \
    float w0, w1, w2, w3;                                                               \
    const float *p0, *p1, *p2, *p3;                                                     \
    if (n <= 0) {                                                                       \
        memset(o, 0, (size_t)ncols * sizeof(float));                                    \
        return;                                                                         \
    }                                                                                   \
    w0 = w[0];                                                                          \
    if (n >= 4) {                                                                       \
        p1 = p + sstride;                                                               \
        p2 = p1 + sstride;                                                              \
        p3 = p2 + sstride;                                                              \
        w1 = w[1];                                                                      \
        w2 = w[2];                                                                      \
        w3 = w[3];                                                                      \
        for (c = 0; c < ncols; c++)                                                     \
            o[c] = ((w0 * p[c] + w1 * p1[c]) + w2 * p2[c]) + w3 * p3[c];                \
        k = 4;                                                                          \
    } else {                                                                            \
        for (c = 0; c < ncols; c++)                                                     \
            o[c] = w0 * p[c];                                                           \
        k = 1;                                                                          \
    }                                                                                   \
    while (k + 4 <= n) {                                                                \
        p0 = p + k * sstride;                                                           \
        p1 = p0 + sstride;                                                              \
        p2 = p1 + sstride;                                                              \
        p3 = p2 + sstride;                                                              \
        w0 = w[k];                                                                      \
        w1 = w[k + 1];                                                                  \
        w2 = w[k + 2];                                                                  \
        w3 = w[k + 3];                                                                  \
        for (c = 0; c < ncols; c++)                                                     \
            o[c] = (((o[c] + w0 * p0[c]) + w1 * p1[c]) + w2 * p2[c]) + w3 * p3[c];      \
        k += 4;                                                                         \
    }                                                                                   \
    while (k < n) {                                                                     \
        p0 = p + k * sstride;                                                           \
        w0 = w[k];                                                                      \
        for (c = 0; c < ncols; c++)                                                     \
            o[c] = o[c] + w0 * p0[c];                                                   \
        k += 1;                                                                         \
    }

/* A contiguous row of input as float32: 8-bit samples divided by 255 in float32 (numpy's
 * x / float32(255)), doubles rounded to float32. */
#define RS_U8_BODY                                                                      \
    rs_ssize i;                                                                         \
    for (i = 0; i < n; i++)                                                             \
        out[i] = (float)in[i] / 255.0f;
#define RS_F64_BODY                                                                     \
    rs_ssize i;                                                                         \
    for (i = 0; i < n; i++)                                                             \
        out[i] = (float)in[i];

static void rs_u8_base(const unsigned char *in, rs_ssize n, float *out) {
    RS_U8_BODY
}

static void rs_f64_base(const double *in, rs_ssize n, float *out) {
    RS_F64_BODY
}

static void rs_vrow_base(const float *p, rs_ssize sstride, rs_ssize ncols,
                         const float *w, rs_ssize n, float *o) {
    RS_VROW_BODY
}

#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8) || \
     (defined(__clang__) && __clang_major__ >= 10))
#define RS_DISPATCH 1
#include <immintrin.h>
__attribute__((target("avx2")))
static void rs_u8_avx2(const unsigned char *in, rs_ssize n, float *out) {
    RS_U8_BODY
}

__attribute__((target("avx2")))
static void rs_f64_avx2(const double *in, rs_ssize n, float *out) {
    RS_F64_BODY
}

__attribute__((target("avx2")))
static void rs_vrow_avx2(const float *p, rs_ssize sstride, rs_ssize ncols,
                         const float *w, rs_ssize n, float *o) {
    RS_VROW_BODY
}

#if defined(__clang__)
#define RS_AVX512 __attribute__((target("avx512f,avx512bw")))
#else
#define RS_AVX512 __attribute__((target("avx512f,avx512bw,prefer-vector-width=512")))
#endif
RS_AVX512
static void rs_u8_avx512(const unsigned char *in, rs_ssize n, float *out) {
    RS_U8_BODY
}

RS_AVX512
static void rs_f64_avx512(const double *in, rs_ssize n, float *out) {
    RS_F64_BODY
}

RS_AVX512
static void rs_vrow_avx512(const float *p, rs_ssize sstride, rs_ssize ncols,
                           const float *w, rs_ssize n, float *o) {
    RS_VROW_BODY
}

/* dst[c * ds + r] = src[r * ss + c] for one 8 x 8 tile (the usual unpack, shuffle and
 * lane-permute network). */
__attribute__((target("avx2")))
static inline void rs_tile8(const float *s, rs_ssize ss, float *d, rs_ssize ds) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ss);
    __m256 r2 = _mm256_loadu_ps(s + 2 * ss), r3 = _mm256_loadu_ps(s + 3 * ss);
    __m256 r4 = _mm256_loadu_ps(s + 4 * ss), r5 = _mm256_loadu_ps(s + 5 * ss);
    __m256 r6 = _mm256_loadu_ps(s + 6 * ss), r7 = _mm256_loadu_ps(s + 7 * ss);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(d + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* dst[c * dstride + r] = src[r * sstride + c] for an nr x nc block: strips of 16 columns
 * walked down the rows in 8 x 8 tiles, the edges element by element. */
__attribute__((target("avx2")))
static void rs_transpose_avx2(const float *src, rs_ssize sstride, rs_ssize nr, rs_ssize nc,
                              float *dst, rs_ssize dstride) {
    rs_ssize nr8 = nr - nr % 8, nc8 = nc - nc % 8, cb, ce, r0, c0, r, c;
    for (cb = 0; cb < nc8; cb = ce) {
        ce = cb + 16 < nc8 ? cb + 16 : nc8;
        for (r0 = 0; r0 < nr8; r0 += 8)
            for (c0 = cb; c0 < ce; c0 += 8)
                rs_tile8(src + r0 * sstride + c0, sstride, dst + c0 * dstride + r0, dstride);
        for (r = nr8; r < nr; r++)
            for (c = cb; c < ce; c++)
                dst[c * dstride + r] = src[r * sstride + c];
    }
    for (c = nc8; c < nc; c++)
        for (r = 0; r < nr; r++)
            dst[c * dstride + r] = src[r * sstride + c];
}

/* 2: AVX-512, 1: AVX2, 0: baseline; at most rs_isa_cap (lowered by the tests). */
static int rs_isa_cap = 2;
static int rs_isa_known = -1;
static int rs_isa_level(void) {
    if (rs_isa_known < 0) {
        __builtin_cpu_init();
        rs_isa_known = (__builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw")) ? 2 :
                       __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return rs_isa_known < rs_isa_cap ? rs_isa_known : rs_isa_cap;
}
#else
#define RS_DISPATCH 0
static int rs_isa_cap = 0;
static int rs_isa_level(void) { return 0; }
#endif

/* The level rs_vrow runs at, read once per call of the resampler. */
static int rs_level = -1;

static void rs_vrow(const float *p, rs_ssize sstride, rs_ssize ncols,
                    const float *w, rs_ssize n, float *o) {
#if RS_DISPATCH
    if (rs_level > 1) {
        rs_vrow_avx512(p, sstride, ncols, w, n, o);
        return;
    }
    if (rs_level > 0) {
        rs_vrow_avx2(p, sstride, ncols, w, n, o);
        return;
    }
#endif
    rs_vrow_base(p, sstride, ncols, w, n, o);
}

static void rs_u8(const unsigned char *in, rs_ssize n, float *out) {
#if RS_DISPATCH
    if (rs_level > 1) {
        rs_u8_avx512(in, n, out);
        return;
    }
    if (rs_level > 0) {
        rs_u8_avx2(in, n, out);
        return;
    }
#endif
    rs_u8_base(in, n, out);
}

static void rs_f64(const double *in, rs_ssize n, float *out) {
#if RS_DISPATCH
    if (rs_level > 1) {
        rs_f64_avx512(in, n, out);
        return;
    }
    if (rs_level > 0) {
        rs_f64_avx2(in, n, out);
        return;
    }
#endif
    rs_f64_base(in, n, out);
}

/* The blocked transpose in AVX2 when the level allows it: returns 1 if done, 0 if the
 * caller must do it (baseline). */
static int rs_transpose(const float *src, rs_ssize sstride, rs_ssize nr, rs_ssize nc,
                        float *dst, rs_ssize dstride) {
#if RS_DISPATCH
    if (rs_level > 0) {
        rs_transpose_avx2(src, sstride, nr, nc, dst, dstride);
        return 1;
    }
#endif
    (void)src; (void)sstride; (void)nr; (void)nc; (void)dst; (void)dstride;
    return 0;
}

/* Cap the instruction set (0 baseline, 1 AVX2, 2 AVX-512; -1 leaves it); returns the
 * level in use. */
static int resample_isa(int cap) {
    if (cap >= 0) rs_isa_cap = cap;
    rs_level = rs_isa_level();
    return rs_level;
}

#endif
