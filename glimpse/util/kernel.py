"""Kernels: Gabor kernels for the S1 layer of HMAX-style models, and unit-norm scaling."""

from __future__ import annotations

import math

import numpy as np

from . import _checks

__all__ = ["MakeGaborKernel", "MakeGaborKernels", "KernelNorms", "ScaleToUnitNorm"]


def MakeGaborKernel(kwidth, theta, gamma=0.6, sigma=None, phi=0, lambda_=None, scale_norm=True):
    """Make one square Gabor kernel.

    Parameters
    ----------
    kwidth : int
        Width (and height) of the kernel, >= 1. An odd width gives the kernel
        a centre pixel.
    theta : float
        Orientation in radians.
    gamma : float
        Aspect ratio of the Gaussian envelope (finite).
    sigma : float, optional
        Width of the envelope, > 0. Default: ``lambda_ / 2``.
    phi : float
        Phase offset in radians.
    lambda_ : float, optional
        Wavelength of the sinusoid, > 0. Default: ``kwidth / 4``.
    scale_norm : bool
        Whether to scale the kernel to unit Euclidean norm.

    Returns
    -------
    ndarray of float64, shape (kwidth, kwidth)
        With ``w = kwidth // 2`` and Y, X the row and column offsets ``-w..w``
        (Y varies down the rows), ``Xp = X cos(theta) + Y sin(theta)``,
        ``Yp = -X sin(theta) + Y cos(theta)``, the kernel is
        ``sin(2 pi Xp / lambda_ + phi) * exp(-(Xp**2 + gamma**2 Yp**2) / (2 sigma**2))``.
        For an even width the offsets are ``-w..w-1``.

    Raises
    ------
    TypeError, ValueError
        For a non-integer or non-positive `kwidth`, a non-finite angle or
        non-positive `sigma` / `lambda_`, or a kernel of zero norm when
        `scale_norm` is true (it cannot be scaled to unit norm).

    Examples
    --------
    >>> k = MakeGaborKernel(11, 0.0)
    >>> k.shape, round(float((k ** 2).sum()), 6)
    ((11, 11), 1.0)
    """
    kwidth = _checks.integer(kwidth, "kwidth", 1)
    theta = _checks.real(theta, "theta")
    gamma = _checks.real(gamma, "gamma")
    phi = _checks.real(phi, "phi")
    if lambda_ is None:
        lambda_ = kwidth / 4.0
    else:
        lambda_ = _checks.real(lambda_, "lambda_", 0, low_open=True)
    sigma = lambda_ / 2.0 if sigma is None else _checks.real(sigma, "sigma", 0, low_open=True)
    w = kwidth // 2
    offsets = np.arange(-w, kwidth - w, dtype=np.float64)
    Y, X = np.meshgrid(offsets, offsets, indexing="ij")
    Xp = X * math.cos(theta) + Y * math.sin(theta)
    Yp = -X * math.sin(theta) + Y * math.cos(theta)
    kernel = np.sin(2 * math.pi * Xp / lambda_ + phi) * np.exp(
        -(Xp ** 2 + gamma ** 2 * Yp ** 2) / (2 * sigma ** 2))
    if scale_norm:
        norm = math.sqrt(float((kernel ** 2).sum()))
        if not norm > 0:
            raise ValueError("the Gabor kernel (kwidth=%d, theta=%g, phi=%g) is zero everywhere "
                             "and cannot be scaled to unit norm" % (kwidth, theta, phi))
        kernel /= norm
    return kernel


def MakeGaborKernels(kwidth, num_orientations, num_phases, shift_orientations, **kw):
    """Make a bank of Gabor kernels over orientations and phases.

    Parameters
    ----------
    kwidth : int
        Width of each kernel.
    num_orientations : int
        Number of orientations, >= 1.
    num_phases : int
        Number of phases, >= 1.
    shift_orientations : bool
        Whether to shift the orientations by half a step.
    **kw
        Passed to :func:`MakeGaborKernel` (`gamma`, `sigma`, `lambda_`,
        `scale_norm`).

    Returns
    -------
    ndarray of float64, shape (num_orientations, num_phases, kwidth, kwidth)
        Entry ``[i, j]`` has ``theta_i = pi / num_orientations * (i + o)``, where
        ``o = 0.5`` when `shift_orientations` and 0 otherwise, and
        ``phi_j = 2 pi j / num_phases``.

    Examples
    --------
    >>> MakeGaborKernels(11, 4, 2, True).shape
    (4, 2, 11, 11)
    """
    kwidth = _checks.integer(kwidth, "kwidth", 1)
    num_orientations = _checks.integer(num_orientations, "num_orientations", 1)
    num_phases = _checks.integer(num_phases, "num_phases", 1)
    if "theta" in kw or "phi" in kw:
        raise TypeError("MakeGaborKernels sets theta and phi itself; do not pass them")
    offset = 0.5 if shift_orientations else 0.0
    out = np.empty((num_orientations, num_phases, kwidth, kwidth), np.float64)
    for i in range(num_orientations):
        theta = math.pi / num_orientations * (i + offset)
        for j in range(num_phases):
            out[i, j] = MakeGaborKernel(kwidth, theta, phi=2 * math.pi * j / num_phases, **kw)
    return out


def KernelNorms(kernels) -> np.ndarray:
    """The Euclidean norm of every kernel of a stack, computed in float64.

    Parameters
    ----------
    kernels : array_like of real numbers, shape (n, ...)
        Axis 0 counts the kernels.

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> KernelNorms(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [5.0, 0.0]
    """
    flat = np.asarray(kernels).reshape(len(kernels), -1).astype(np.float64)
    return np.sqrt(np.einsum("ij,ij->i", flat, flat))


def ScaleToUnitNorm(kernels) -> np.ndarray:
    """Every kernel of a stack scaled to unit Euclidean norm (an all-zero kernel stays zero).

    Parameters
    ----------
    kernels : array_like of real numbers, shape (n, ...)
        Axis 0 counts the kernels.

    Returns
    -------
    ndarray of float32, same shape
        A new array: each kernel divided by its norm (:func:`KernelNorms`), in float64,
        then rounded to float32.

    Examples
    --------
    >>> ScaleToUnitNorm(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    kernels = np.asarray(kernels)
    norms = KernelNorms(kernels)
    norms[norms == 0] = 1
    flat = kernels.reshape(len(kernels), -1).astype(np.float64) / norms[:, None]
    return flat.astype(np.float32).reshape(kernels.shape)
