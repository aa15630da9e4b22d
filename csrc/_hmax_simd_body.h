/* The loops of _hmax_simd.h, compiled once per instruction set (no include guard: included
 * twice). Parameters: GL_V / GL_VI the float / int vector types of GL_N lanes (only used
 * when GL_VEC), GL_TGT the target attribute, GL_FN(name) the suffixed name. */

#if GL_VEC
#define GL_LOAD(p) ({ GL_V v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define GL_STORE(p, v) do { GL_V w_ = (v); __builtin_memcpy((p), &w_, sizeof w_); } while (0)
/* Lane-wise max(a, b) for finite values, as (a >= b ? a : b). */
#define GL_VMAX(a, b) ((GL_V)(((GL_VI)(a) & ((a) >= (b))) | ((GL_VI)(b) & ((a) < (b)))))

/* exp(xc) for xc already clamped to [GL_EXP_LO, GL_EXP_HI] (see gl_expf). */
GL_TGT GL_ALWAYS_INLINE GL_V GL_FN(gl_exp_core)(GL_V xc) {
    GL_V t = xc * GL_LOG2E, r, p, fn;
    GL_VI n = __builtin_convertvector(t + 128.5f, GL_VI) - 128;
    fn = __builtin_convertvector(n, GL_V);
    GL_EXP_POLY(p, r, xc, fn);
    p = p * (GL_V)(((n >> 1) + 127) << 23);
    return p * (GL_V)(((n - (n >> 1)) + 127) << 23);
}

GL_TGT GL_ALWAYS_INLINE GL_V GL_FN(gl_expv)(GL_V x) {
    const GL_V zero = {0};
    GL_V hi = zero + GL_EXP_HI, lo = zero + GL_EXP_LO, inf = zero + HUGE_VALF;
    GL_VI big = x > hi, small = x < lo;
    GL_V xc = (GL_V)(((GL_VI)x & ~(big | small)) | ((GL_VI)hi & big) | ((GL_VI)lo & small));
    GL_V p = GL_FN(gl_exp_core)(xc);
    return (GL_V)(((GL_VI)p & ~(big | small)) | ((GL_VI)inf & big));
}

/* gl_expv for x <= 0 (the same operations, without the overflow branch). */
GL_TGT GL_ALWAYS_INLINE GL_V GL_FN(gl_expv_neg)(GL_V x) {
    const GL_V zero = {0};
    GL_V lo = zero + GL_EXP_LO;
    GL_VI small = x < lo;
    GL_V p = GL_FN(gl_exp_core)((GL_V)(((GL_VI)x & ~small) | ((GL_VI)lo & small)));
    return (GL_V)((GL_VI)p & ~small);
}
#endif

GL_TGT static void GL_FN(gl_epilogue)(int mode, float *out, gl_ssize ostride, gl_ssize n,
                                      gl_ssize np, const float *vec, const float *ww,
                                      float coef, const float *cols, gl_ssize cstride,
                                      const float *kc, gl_ssize depth, float refine) {
    gl_ssize i, p;
    for (i = 0; i < n; i++) {
        float *o = out + i * ostride;
        int flagged = 0;
        p = 0;
#if GL_VEC
        if (mode == GL_MODE_RBF) {
            const GL_V zero = {0};
            GL_VI any = {0};
            float wi = ww[i];
            for (; p + GL_N <= np; p += GL_N) {
                GL_V s = GL_LOAD(vec + p) + wi;
                GL_V d = s + GL_LOAD(o + p);
                GL_V r;
                d = (GL_V)((GL_VI)d & (d > zero));
                r = GL_FN(gl_expv_neg)(d * coef);  /* d >= 0, coef < 0 */
                any |= (r * s) > refine;
                GL_STORE(o + p, r);
            }
            {
                int j;
                for (j = 0; j < GL_N; j++) flagged |= any[j] != 0;
            }
        } else if (mode == GL_MODE_NORM_RBF) {
            for (; p + GL_N <= np; p += GL_N)
                GL_STORE(o + p, GL_FN(gl_expv)((1.0f - GL_LOAD(o + p) * GL_LOAD(vec + p)) * coef));
        } else {
            for (; p + GL_N <= np; p += GL_N)
                GL_STORE(o + p, GL_LOAD(o + p) * GL_LOAD(vec + p));
        }
#endif
        if (mode == GL_MODE_RBF) {
            for (; p < np; p++) {
                float s = vec[p] + ww[i];
                float d = s + o[p];
                o[p] = gl_expf((d > 0.0f ? d : 0.0f) * coef);
                flagged |= o[p] * s > refine;
            }
            if (flagged && cols != NULL) {
                /* Values whose rounding error (about eps (||x||^2 + ||w||^2) in the distance)
                   may matter: the distance again, as sum (x - w)^2 in float64 from the
                   centred columns and kernels (exact 0 for a window equal to the kernel). */
                const float *k = kc + i * depth;
                for (p = 0; p < np; p++) {
                    float s = vec[p] + ww[i];
                    if (o[p] * s > refine) {
                        double acc = 0.0;
                        gl_ssize d;
                        for (d = 0; d < depth; d++) {
                            double v = (double)cols[d * cstride + p] - (double)(k[d] * -0.5f);
                            acc += v * v;
                        }
                        o[p] = gl_expf((float)(coef * acc));
                    }
                }
            }
        } else if (mode == GL_MODE_NORM_RBF) {
            for (; p < np; p++) o[p] = gl_expf((1.0f - o[p] * vec[p]) * coef);
        } else {
            for (; p < np; p++) o[p] = o[p] * vec[p];
        }
    }
}

/* One output of the correlation, in the order every path uses. */
GL_TGT GL_ALWAYS_INLINE float GL_FN(gl_corr1)(const float *data, gl_ssize H, gl_ssize W,
                                              gl_ssize B, const float *k, gl_ssize kh,
                                              gl_ssize kw, gl_ssize y, gl_ssize x) {
    float acc = 0.0f;
    gl_ssize b, ky, kx;
    for (b = 0; b < B; b++)
        for (ky = 0; ky < kh; ky++) {
            const float *src = data + (b * H + y + ky) * W + x;
            const float *wk = k + (b * kh + ky) * kw;
            for (kx = 0; kx < kw; kx++) acc = acc + wk[kx] * src[kx];
        }
    return acc;
}

#if GL_VEC
/* Four kernels share every input load; a strip of 2 * GL_N output columns of each stays in
 * registers over the whole window. Stores only the first nk kernels' sums. */
GL_TGT GL_ALWAYS_INLINE void GL_FN(gl_corr_strip)(
        const float *data, gl_ssize H, gl_ssize W, gl_ssize B, const float *k0,
        const float *k1, const float *k2, const float *k3, gl_ssize kh, gl_ssize kw,
        gl_ssize y, gl_ssize x0, float *o0, float *o1, float *o2, float *o3, int nk) {
    const GL_V zero = {0};
    GL_V a0 = zero, a1 = zero, a2 = zero, a3 = zero, c0 = zero, c1 = zero, c2 = zero,
         c3 = zero;
    gl_ssize b, ky, kx, off;
    for (b = 0; b < B; b++)
        for (ky = 0; ky < kh; ky++) {
            const float *src = data + (b * H + y + ky) * W + x0;
            off = (b * kh + ky) * kw;
            for (kx = 0; kx < kw; kx++) {
                float w0 = k0[off + kx], w1 = k1[off + kx], w2 = k2[off + kx],
                      w3 = k3[off + kx];
                GL_V s = GL_LOAD(src + kx), t = GL_LOAD(src + kx + GL_N);
                a0 = a0 + s * w0;
                c0 = c0 + t * w0;
                a1 = a1 + s * w1;
                c1 = c1 + t * w1;
                a2 = a2 + s * w2;
                c2 = c2 + t * w2;
                a3 = a3 + s * w3;
                c3 = c3 + t * w3;
            }
        }
    GL_STORE(o0 + x0, a0);
    GL_STORE(o0 + x0 + GL_N, c0);
    if (nk > 1) { GL_STORE(o1 + x0, a1); GL_STORE(o1 + x0 + GL_N, c1); }
    if (nk > 2) { GL_STORE(o2 + x0, a2); GL_STORE(o2 + x0 + GL_N, c2); }
    if (nk > 3) { GL_STORE(o3 + x0, a3); GL_STORE(o3 + x0 + GL_N, c3); }
}
#endif

GL_TGT static void GL_FN(gl_corr)(const float *data, gl_ssize B, gl_ssize H, gl_ssize W,
                                  const float *kernels, gl_ssize n, gl_ssize kh, gl_ssize kw,
                                  float *out, gl_ssize oh, gl_ssize ow, gl_ssize y0,
                                  gl_ssize y1) {
    gl_ssize ksize = B * kh * kw, osize = oh * ow, i0, y, x, i;
    for (i0 = 0; i0 < n; i0 += 4) {
        int nk = (int)(n - i0 < 4 ? n - i0 : 4);
        /* Missing kernels of a short group repeat the first one; their sums are not stored. */
        const float *k0 = kernels + i0 * ksize;
        const float *k1 = nk > 1 ? k0 + ksize : k0;
        const float *k2 = nk > 2 ? k0 + 2 * ksize : k0;
        const float *k3 = nk > 3 ? k0 + 3 * ksize : k0;
        for (y = y0; y < y1; y++) {
            float *o0 = out + i0 * osize + y * ow;
            float *o1 = o0 + osize, *o2 = o0 + 2 * osize, *o3 = o0 + 3 * osize;
            x = 0;
#if GL_VEC
            if (ow >= 2 * GL_N) {
                for (; x + 2 * GL_N <= ow; x += 2 * GL_N)
                    GL_FN(gl_corr_strip)(data, H, W, B, k0, k1, k2, k3, kh, kw, y, x,
                                         o0, o1, o2, o3, nk);
                if (x < ow) {
                    /* The last strip overlaps the previous one: the overlapping sums are
                       recomputed in the same order, so they are stored unchanged. */
                    GL_FN(gl_corr_strip)(data, H, W, B, k0, k1, k2, k3, kh, kw, y,
                                         ow - 2 * GL_N, o0, o1, o2, o3, nk);
                    x = ow;
                }
            }
#else
            (void)k1; (void)k2; (void)k3; (void)o1; (void)o2; (void)o3;
#endif
            for (; x < ow; x++)
                for (i = 0; i < nk; i++)
                    out[(i0 + i) * osize + y * ow + x] =
                        GL_FN(gl_corr1)(data, H, W, B, k0 + i * ksize, kh, kw, y, x);
        }
    }
}

GL_TGT static float GL_FN(gl_max)(const float *a, gl_ssize n) {
    gl_ssize i = 0;
    float m = a[0];
#if GL_VEC
    if (n >= 4 * GL_N) {
        GL_V m0 = GL_LOAD(a), m1 = GL_LOAD(a + GL_N), m2 = GL_LOAD(a + 2 * GL_N),
             m3 = GL_LOAD(a + 3 * GL_N);
        int j;
        for (i = 4 * GL_N; i + 4 * GL_N <= n; i += 4 * GL_N) {
            GL_V v0 = GL_LOAD(a + i), v1 = GL_LOAD(a + i + GL_N),
                 v2 = GL_LOAD(a + i + 2 * GL_N), v3 = GL_LOAD(a + i + 3 * GL_N);
            m0 = GL_VMAX(m0, v0);
            m1 = GL_VMAX(m1, v1);
            m2 = GL_VMAX(m2, v2);
            m3 = GL_VMAX(m3, v3);
        }
        m0 = GL_VMAX(m0, m1);
        m2 = GL_VMAX(m2, m3);
        m0 = GL_VMAX(m0, m2);
        for (j = 0; j < GL_N; j++)
            if (m0[j] > m) m = m0[j];
    }
#endif
    for (; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}

GL_TGT static void GL_FN(gl_vmax)(float *m, const float *a, gl_ssize n) {
    gl_ssize j = 0;
#if GL_VEC
    for (; j + GL_N <= n; j += GL_N) {
        GL_V x = GL_LOAD(m + j), v = GL_LOAD(a + j);
        GL_STORE(m + j, GL_VMAX(x, v));
    }
#endif
    for (; j < n; j++)
        if (a[j] > m[j]) m[j] = a[j];
}

#if GL_VEC
#undef GL_LOAD
#undef GL_STORE
#undef GL_VMAX
#endif
