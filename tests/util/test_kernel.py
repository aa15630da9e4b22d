"""Gabor kernels: the formula of the model description, evaluated independently."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from glimpse.util.kernel import MakeGaborKernel, MakeGaborKernels


def gabor_by_loops(kwidth, theta, gamma=0.6, sigma=None, phi=0.0, lambda_=None, norm=True):
    lambda_ = kwidth / 4 if lambda_ is None else lambda_
    sigma = lambda_ / 2 if sigma is None else sigma
    w = kwidth // 2
    k = np.zeros((kwidth, kwidth))
    for row in range(kwidth):
        for col in range(kwidth):
            Y, X = row - w, col - w
            xp = X * math.cos(theta) + Y * math.sin(theta)
            yp = -X * math.sin(theta) + Y * math.cos(theta)
            k[row, col] = math.sin(2 * math.pi * xp / lambda_ + phi) * math.exp(
                -(xp ** 2 + gamma ** 2 * yp ** 2) / (2 * sigma ** 2))
    if norm:
        k /= math.sqrt((k ** 2).sum())
    return k


@settings(max_examples=40, deadline=None)
@given(kwidth=st.sampled_from([3, 5, 7, 11, 15]), theta=st.floats(-4, 4),
       phi=st.floats(0, 6.3), gamma=st.floats(0.1, 2), norm=st.booleans())
def test_kernel_matches_formula(kwidth, theta, phi, gamma, norm):
    expected = gabor_by_loops(kwidth, theta, gamma=gamma, phi=phi, norm=norm)
    if norm and not np.isfinite(expected).all():
        return
    got = MakeGaborKernel(kwidth, theta, gamma=gamma, phi=phi, scale_norm=norm)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_kernel_orientation_and_defaults():
    # theta = 0: the sinusoid varies along the columns (X); each column is an even
    # function of the row offset, and phase 0 makes the kernel odd in X.
    k = MakeGaborKernel(11, 0.0)
    assert k.shape == (11, 11)
    assert np.isclose((k ** 2).sum(), 1.0)
    np.testing.assert_allclose(k, k[::-1, :], atol=1e-15)
    np.testing.assert_allclose(k, -k[:, ::-1], atol=1e-15)
    assert np.allclose(k[:, 5], 0)
    # theta = pi / 2: the sinusoid varies down the rows.
    k90 = MakeGaborKernel(11, math.pi / 2)
    np.testing.assert_allclose(k90, k.T, atol=1e-12)
    # lambda_ and sigma defaults
    np.testing.assert_allclose(MakeGaborKernel(11, 0.3, phi=1.0),
                               MakeGaborKernel(11, 0.3, phi=1.0, lambda_=2.75, sigma=1.375))
    raw = MakeGaborKernel(11, 0.3, scale_norm=False)
    assert raw[5, 6] == pytest.approx(math.sin(2 * math.pi * math.cos(0.3) / 2.75)
                                      * math.exp(-(math.cos(0.3) ** 2 + 0.36 * math.sin(0.3) ** 2)
                                                 / (2 * 1.375 ** 2)))


def test_kernels_bank_thetas_and_phases():
    bank = MakeGaborKernels(7, 4, 2, True)
    assert bank.shape == (4, 2, 7, 7)
    for i in range(4):
        for j in range(2):
            np.testing.assert_allclose(
                bank[i, j], MakeGaborKernel(7, math.pi / 4 * (i + 0.5), phi=math.pi * j))
    unshifted = MakeGaborKernels(7, 3, 4, False, scale_norm=False)
    for i in range(3):
        for j in range(4):
            np.testing.assert_allclose(
                unshifted[i, j],
                MakeGaborKernel(7, math.pi / 3 * i, phi=2 * math.pi * j / 4, scale_norm=False))
    assert not np.allclose(unshifted[1, 0], MakeGaborKernels(7, 3, 4, True, scale_norm=False)[1, 0])


@pytest.mark.parametrize("kwargs, error", [
    (dict(kwidth=0, theta=0), ValueError),
    (dict(kwidth=2.5, theta=0), TypeError),
    (dict(kwidth=True, theta=0), TypeError),
    (dict(kwidth=5, theta=float("nan")), ValueError),
    (dict(kwidth=5, theta=0, sigma=0), ValueError),
    (dict(kwidth=5, theta=0, lambda_=-1), ValueError),
    (dict(kwidth=1, theta=0), ValueError),  # sin(0) everywhere: no unit-norm kernel
])
def test_kernel_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match="kwidth|theta|sigma|lambda_"):
        MakeGaborKernel(**kwargs)


def test_kernels_rejects_bad_counts():
    with pytest.raises(ValueError, match="num_orientations"):
        MakeGaborKernels(5, 0, 2, True)
    with pytest.raises(TypeError, match="num_phases"):
        MakeGaborKernels(5, 2, "2", True)


def test_scale_to_unit_norm():
    from glimpse.util.kernel import KernelNorms, ScaleToUnitNorm

    rng = np.random.default_rng(3)
    kernels = rng.normal(size=(5, 2, 3, 3)).astype(np.float32)
    kernels[2] = 0
    scaled = ScaleToUnitNorm(kernels)
    assert scaled.dtype == np.float32 and scaled.shape == kernels.shape
    norms = KernelNorms(scaled)
    assert np.allclose(norms[[0, 1, 3, 4]], 1, atol=1e-6) and norms[2] == 0
    # the direction is kept: each kernel is a positive multiple of the original
    ratio = scaled[0] / kernels[0]
    assert np.allclose(ratio, ratio.flat[0]) and ratio.flat[0] > 0
    assert np.array_equal(kernels[2], np.zeros((2, 3, 3)))  # the input is not changed
    assert KernelNorms(np.array([[3, 4], [5, 12]])).tolist() == [5.0, 13.0]
