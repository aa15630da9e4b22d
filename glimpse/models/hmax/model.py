"""The standard HMAX model: S1 (16 Gabor sizes), C1 (8 bands), S2 (patch distances) and C2."""

from __future__ import annotations

import numpy as np

from ...backends import ACTIVATION_DTYPE, BackendError, InputSizeError
from ...util import _checks
from ..base import model as _base
from ..base.layer import LayerSpec, layer_builder
from ..ml.model import _naming
from .param import Params

__all__ = ["Layer", "State", "Model", "GaborFilter", "MakeS1Kernels", "MinimumImageSize",
           "BuildLayer"]


class Layer(_base.Layer):
    """The layers of the standard HMAX model: SOURCE, IMAGE, S1, C1, S2 and C2.

    Ids and names are those of the ``ml`` model's layers of the same name.

    Notes
    -----
    C2 is computed from C1 by the backend's fused :meth:`~glimpse.backends.Backend.HmaxC2`
    (S2 values are reduced as they are made, in bounded scratch), so building C2 never
    holds the S2 maps; build S2 to see them.

    Examples
    --------
    >>> Layer.TopLayer() == Layer.C2
    True
    >>> [lyr.name for lyr in (Layer.S1, Layer.C1, Layer.S2, Layer.C2)]
    ['S1', 'C1', 'S2', 'C2']
    >>> Layer.C2.depends == [Layer.C1]
    True
    """

    #: Gabor responses: a list over S1 sizes of maps (orientations, H, W), the image's size.
    S1 = LayerSpec("s1", "S1", [_base.Layer.IMAGE])

    #: Maxima over the S1 sizes of a band and a strided, shifted local pool: a list over
    #: bands of maps (orientations, h_b, w_b).
    C1 = LayerSpec("c1", "C1", [S1])

    #: Patch responses: a list over bands of lists over ``s2_kwidths`` of maps
    #: (patches, h, w).
    S2 = LayerSpec("s2", "S2", [C1])

    #: Best S2 response over positions and bands (the minimum for "euclidean", the maximum
    #: for "gaussian"): a list over ``s2_kwidths`` of 1D arrays (patches,).
    C2 = LayerSpec("c2", "C2", [C1])


class State(_base.State):
    """A state of the standard HMAX model (see :class:`glimpse.models.base.State`)."""


def GaborFilter(size, wavelength, orientation, gamma=0.3, sigma_ratio=0.8) -> np.ndarray:
    """One S1 filter of the standard HMAX model, in float64.

    Parameters
    ----------
    size : int
        Odd side s of the square filter.
    wavelength : float
        The wavelength parameter v (> 0): the grating's wavelength is
        ``lambda = 2 s / v``.
    orientation : float
        Orientation o in degrees.
    gamma : float
        Spatial aspect ratio.
    sigma_ratio : float
        ``sigma = sigma_ratio * lambda``.

    Returns
    -------
    ndarray of float64, shape (size, size)
        With a (rows) and b (columns) running over ``-(s // 2) .. s // 2``,
        ``theta`` the radians of ``o + 90``, ``u = a cos(theta) + b sin(theta)``
        and ``t = -a sin(theta) + b cos(theta)``: the value
        ``exp(-(u**2 + gamma**2 t**2) / (2 sigma**2)) * cos(2 pi u / lambda)``,
        0 where ``sqrt(a**2 + b**2) > s / 2``, minus its mean over the square,
        divided by its Euclidean norm (a filter of norm 0, as a 1x1 one is, is
        returned as zeros).

    Examples
    --------
    >>> g = GaborFilter(7, 4.0, 90)
    >>> g.shape, round(float((g ** 2).sum()), 6), abs(float(g.mean())) < 1e-12
    ((7, 7), 1.0, True)
    """
    size = _checks.integer(size, "size", 1)
    if size % 2 == 0:
        raise ValueError("size must be an odd integer >= 1, got %d" % size)
    wavelength = _checks.real(wavelength, "wavelength", 0, low_open=True)
    orientation = _checks.real(orientation, "orientation")
    gamma = _checks.real(gamma, "gamma", 0, low_open=True)
    sigma_ratio = _checks.real(sigma_ratio, "sigma_ratio", 0, low_open=True)
    lam = 2.0 * size / wavelength
    sigma = sigma_ratio * lam
    theta = np.deg2rad(orientation + 90.0)
    offsets = np.arange(size, dtype=np.float64) - size // 2
    a, b = offsets[:, np.newaxis], offsets[np.newaxis, :]
    u = a * np.cos(theta) + b * np.sin(theta)
    t = -a * np.sin(theta) + b * np.cos(theta)
    g = np.exp(-(u ** 2 + gamma ** 2 * t ** 2) / (2.0 * sigma ** 2)) * np.cos(2.0 * np.pi * u / lam)
    g[np.sqrt(a ** 2 + b ** 2) > size / 2.0] = 0.0
    g -= g.mean()
    norm = np.sqrt((g ** 2).sum())
    if norm > 0:
        g /= norm
    return g


def MakeS1Kernels(params: Params) -> list[np.ndarray]:
    """The S1 filter banks of the parameters: one float32 array per S1 size.

    Parameters
    ----------
    params : Params
        ``s1_kwidths``, ``s1_wavelengths``, ``s1_orientations``, ``s1_gamma``
        and ``s1_sigma_ratio`` count.

    Returns
    -------
    list of ndarray of float32
        Entry i has shape (orientations, s_i, s_i): :func:`GaborFilter` of
        size ``s1_kwidths[i]`` and wavelength ``s1_wavelengths[i]`` at each
        orientation in order, computed in float64 and rounded once.

    Examples
    --------
    >>> [k.shape for k in MakeS1Kernels(Params())][:2]
    [(4, 7, 7), (4, 9, 9)]
    """
    _check_params(params)
    return [np.stack([GaborFilter(s, v, o, params.s1_gamma, params.s1_sigma_ratio)
                      for o in params.s1_orientations]).astype(ACTIVATION_DTYPE)
            for s, v in zip(params.s1_kwidths, params.s1_wavelengths)]


def _check_params(params):
    if not isinstance(params, Params):
        raise TypeError("params must be a glimpse.models.hmax.Params object, got %s"
                        % type(params).__name__)


def _pooled_side(side, kwidth):
    """Side of a C1 map pooled with `kwidth` from an S1 map of side `side`."""
    return (side + 2 * (kwidth // 2) - kwidth) // (kwidth // 2) + 1


def _band_minimum(kwidth):
    """The smallest S1 side whose pooled map holds a unit of its own: a side of 2, since
    the shift fills the last row and column with zeros."""
    side = 1
    while _pooled_side(side, kwidth) < 2:
        side += 1
    return side


def MinimumImageSize(params: Params) -> int:
    """The side of the smallest square image that gives one C1 unit in every band.

    Parameters
    ----------
    params : Params
        Model parameters; ``c1_kwidths`` counts.

    Returns
    -------
    int
        The smallest side for which every band's pooled map has at least two
        rows and columns, so that after the one-unit shift (which fills the
        last row and column with zeros) each band holds a unit computed from
        the image. Smaller images raise InputSizeError when C1 is built.

    Examples
    --------
    >>> MinimumImageSize(Params())
    11
    """
    _check_params(params)
    return max(_band_minimum(p) for p in params.c1_kwidths)


def _check_patches(value, shapes, widths):
    """Validate S2 patches: one (n, orientations, k, k) array per width, n >= 1, finite.

    Returns read-only float32 C-contiguous copies.
    """
    if isinstance(value, np.ndarray) and len(shapes) == 1 and value.ndim == 4:
        value = [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError("s2_kernels must be a list of %d array(s), one per S2 patch size %r, "
                        "got %s" % (len(shapes), widths, type(value).__name__))
    if len(value) != len(shapes):
        raise ValueError("s2_kernels must hold one array per S2 patch size %r (%d), got %d"
                         % (widths, len(shapes), len(value)))
    result = []
    for i, (patches, shape) in enumerate(zip(value, shapes)):
        name = "s2_kernels[%d]" % i
        array = np.array(_checks.float32_array(patches, name, 4), copy=True)
        if array.shape[1:] != tuple(shape) or array.shape[0] < 1:
            raise ValueError("%s must have shape (n,) + %r with n >= 1 (s2_kwidths[%d] = %d), "
                             "got %r" % (name, tuple(shape), i, shape[-1], array.shape))
        array.flags.writeable = False
        result.append(array)
    return result


class Model(_base.Model):
    """The standard HMAX model (see :mod:`glimpse.models.hmax` for the layers).

    Parameters
    ----------
    backend : backend object or str, optional
        Computes the operations (see :func:`glimpse.backends.MakeBackend`).
    params : Params, optional
        Model parameters (a :class:`glimpse.models.hmax.Params`).

    Notes
    -----
    Every layer is computed by the backend's HMAX operations
    (:meth:`~glimpse.backends.Backend.HmaxS1`, ``HmaxC1``, ``HmaxS2``,
    ``HmaxC2``). ``model.s1_kernels`` are made from the parameters
    (:func:`MakeS1Kernels`); ``model.s2_kernels`` must be set (from a patch
    file, :func:`~glimpse.models.hmax.LoadPatches`) or imprinted with
    :func:`glimpse.prototypes.ImprintS2Prototypes` before S2 or C2 is built.

    Examples
    --------
    >>> import numpy as np
    >>> params = Params(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4, 3.95, 3.9, 3.85],
    ...                 c1_kwidths=[8, 10], s2_kwidths=[4])
    >>> model = Model(params=params)
    >>> state = BuildLayer(model, Layer.C1, np.zeros((40, 48), np.float32))
    >>> [c1.shape for c1 in state[Layer.C1]]
    [(4, 11, 13), (4, 9, 10)]
    """

    LayerClass = Layer
    ParamClass = Params
    StateClass = State

    def __init__(self, backend=None, params=None):
        super().__init__(backend, params)
        self._s1 = None  # (parameter key, kernels) of the S1 filters made last
        self._s2_kernels = None
        self._s2_key = None  # the patch shapes the S2 kernels were validated against

    # ---- kernels ---------------------------------------------------------------------------

    def _s1_key(self):
        p = self.params
        return (tuple(p.s1_kwidths), tuple(p.s1_wavelengths), tuple(p.s1_orientations),
                p.s1_gamma, p.s1_sigma_ratio)

    @property
    def s1_kernels(self) -> list[np.ndarray]:
        """The S1 filters (:func:`MakeS1Kernels` of the parameters), read-only float32.

        Made on first use, and again when the S1 parameters change.
        """
        key = self._s1_key()
        if self._s1 is None or self._s1[0] != key:
            kernels = MakeS1Kernels(self.params)
            for k in kernels:
                k.flags.writeable = False
            self._s1 = (key, kernels)
        return list(self._s1[1])

    @property
    def s2_kernels(self) -> list[np.ndarray] | None:
        """The S2 patches: a list over ``params.s2_kwidths`` of float32 arrays, or None.

        Entry i has shape (n_i, orientations, k_i, k_i) with k_i =
        ``params.s2_kwidths[i]`` and n_i >= 1. Assigned values are validated
        (one array per size, a single array being accepted when there is one
        size; those shapes; finite values within float32's range) and stored as
        read-only float32 copies.
        """
        return None if self._s2_kernels is None else list(self._s2_kernels)

    @s2_kernels.setter
    def s2_kernels(self, value):
        if value is None:
            self._s2_kernels = self._s2_key = None
            return
        p = self.params
        self._s2_kernels = _check_patches(value, p.s2_kernel_shapes, p.s2_kwidths)
        self._s2_key = p.s2_kernel_shapes

    def _patches(self, layer):
        """The S2 patches, checked against the current parameters."""
        if self._s2_kernels is None:
            raise BackendError(
                "the model has no S2 patches: set model.s2_kernels (for example from a patch "
                "file, glimpse.models.hmax.LoadPatches) or imprint them with "
                "glimpse.prototypes.ImprintS2Prototypes before building %s" % layer.name,
                layer=layer)
        p = self.params
        if self._s2_key != p.s2_kernel_shapes:  # the parameters changed since assignment
            with _naming(layer):
                self._s2_kernels = _check_patches(self._s2_kernels, p.s2_kernel_shapes,
                                                  p.s2_kwidths)
            self._s2_key = p.s2_kernel_shapes
        return self._s2_kernels

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)
        arrays = list(self._s2_kernels or ()) + (list(self._s1[1]) if self._s1 else [])
        for array in arrays:
            array.flags.writeable = False

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        a, b = self._s2_kernels, other._s2_kernels
        same_s2 = (a is None) == (b is None) and (a is None or (
            len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y)
                                     for x, y in zip(a, b))))
        return (self.backend == other.backend and self.params == other.params
                and self.__dict__.get("_callbacks") == other.__dict__.get("_callbacks")
                and same_s2)

    __hash__ = object.__hash__

    # ---- builders --------------------------------------------------------------------------

    @layer_builder(Layer.S1)
    def BuildS1(self, image):
        """Correlate the image with every S1 filter bank (HmaxS1)."""
        with _naming(Layer.S1):
            return self.backend.HmaxS1(image, self.s1_kernels)

    @layer_builder(Layer.C1)
    def BuildC1(self, s1_maps):
        """Pool the S1 maps of every band: max over its sizes, then a strided max (HmaxC1)."""
        p = self.params
        per = p.c1_band_sizes
        with _naming(Layer.C1):
            if not isinstance(s1_maps, (list, tuple)) or len(s1_maps) != len(p.s1_kwidths):
                raise ValueError("the S1 layer must be a list of %d maps (one per S1 size), "
                                 "got %s" % (len(p.s1_kwidths), _checks.show(s1_maps)))
            shape = np.shape(s1_maps[0])[-2:]
        if len(shape) == 2:
            for band, kwidth in enumerate(p.c1_kwidths):
                if min(_pooled_side(side, kwidth) for side in shape) < 2:
                    need = _band_minimum(kwidth)
                    raise InputSizeError(
                        "the image is %dx%d, too small for one C1 unit in band %d "
                        "(c1_kwidths[%d] = %d): it must be at least %dx%d"
                        % (shape[0], shape[1], band, band, kwidth, need, need),
                        layer=Layer.C1, scale=band)
        maps = []
        for band, kwidth in enumerate(p.c1_kwidths):
            with _naming(Layer.C1, band):
                maps.append(self.backend.HmaxC1(list(s1_maps[band * per:(band + 1) * per]),
                                                kwidth))
        return maps

    @layer_builder(Layer.S2)
    def BuildS2(self, c1_maps):
        """Compare every C1 band with the patches of every size (HmaxS2)."""
        patches = self._patches(Layer.S2)
        p = self.params
        activation = p.s2_activation.value
        maps = []
        for band, c1 in enumerate(c1_maps):
            with _naming(Layer.S2, band):
                maps.append([self.backend.HmaxS2(c1, kernels, activation, p.s2_sigma)
                             for kernels in patches])
        return maps

    @layer_builder(Layer.C2)
    def BuildC2(self, c1_maps):
        """For every patch, its best S2 response over positions and bands (HmaxC2).

        The minimum for "euclidean", the maximum for "gaussian"; S2 maps are not
        kept.
        """
        patches = self._patches(Layer.C2)
        p = self.params
        activation = p.s2_activation.value
        with _naming(Layer.C2):
            return [self.backend.HmaxC2(list(c1_maps), kernels, activation, p.s2_sigma)
                    for kernels in patches]


State.ModelClass = Model

#: Build layers of a model (the base model's function, re-exported).
BuildLayer = _base.BuildLayer
