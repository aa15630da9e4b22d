"""The HMAX model: retina, S1 (Gabor), C1 (local max), S2 (prototypes) and C2 (global max)."""

from __future__ import annotations

import contextlib

import numpy as np

from ... import images
from ...backends import ACTIVATION_DTYPE, BackendError, InputSizeError
from ...util.kernel import MakeGaborKernels
from ..base import model as _base
from ..base.layer import LayerSpec, layer_builder
from . import buffers
from .buffers import REUSED_LAYER_BYTES
from .geometry import GetS2ReceptiveField, MinimumRetinaSize, NumScalesSupported
from .geometry import _first_empty_layer
from .kernels import UNIT_NORM_TOLERANCE, CheckKernelArray
from .param import Params, SLayerOp

__all__ = [
    "Layer",
    "State",
    "Model",
    "MinimumRetinaSize",
    "NumScalesSupported",
    "Whiten",
    "GetS2ReceptiveField",
    "REUSED_LAYER_BYTES",
    "UNIT_NORM_TOLERANCE",
]


class Layer(_base.Layer):
    """The layers of the HMAX model: SOURCE, IMAGE, RETINA, S1, C1, S2 and C2.

    Examples
    --------
    >>> Layer.TopLayer() == Layer.C2
    True
    >>> [lyr.name for lyr in (Layer.RETINA, Layer.S1, Layer.C1, Layer.S2, Layer.C2)]
    ['retina', 'S1', 'C1', 'S2', 'C2']
    """

    #: The image after contrast enhancement (the image itself when the retina is off):
    #: a 2D array.
    RETINA = LayerSpec("r", "retina", [_base.Layer.IMAGE])

    #: Gabor responses: a list over scales of maps (orientations, h, w).
    S1 = LayerSpec("s1", "S1", [RETINA])

    #: Local maxima of S1: a list over scales of maps (orientations, h, w).
    C1 = LayerSpec("c1", "C1", [S1])

    #: Prototype responses: a list over scales of lists over S2 kernel widths of maps
    #: (prototypes, h, w).
    S2 = LayerSpec("s2", "S2", [C1])

    #: Global maxima of S2 over positions and scales: a list over S2 kernel widths of
    #: 1D arrays (prototypes,).
    C2 = LayerSpec("c2", "C2", [S2])


class State(_base.State):
    """A state of the HMAX model (see :class:`glimpse.models.base.State`)."""


def Whiten(data: np.ndarray) -> np.ndarray:
    """Whiten a map across its bands.

    Parameters
    ----------
    data : ndarray of real numbers, shape (bands, ...)
        Axis 0 is the band axis.

    Returns
    -------
    ndarray of float32, same shape
        At every position, the vector over bands minus its mean, divided by its
        Euclidean norm, where norms below 1 are taken as 1. `data` is not modified.

    Examples
    --------
    >>> import numpy as np
    >>> Whiten(np.array([[0.0, 3.0], [1.0, 3.0]]))
    array([[-0.5,  0. ],
           [ 0.5,  0. ]], dtype=float32)
    """
    data = np.asarray(data)
    if data.dtype.kind not in "iuf":
        raise TypeError("data must hold real numbers, got dtype %s" % data.dtype)
    if data.ndim < 1 or data.shape[0] == 0:
        raise ValueError("data must have a non-empty band axis (axis 0), got shape %r"
                         % (data.shape,))
    out = np.array(data, dtype=ACTIVATION_DTYPE, copy=True)
    _whiten_in_place(out)
    return out


def _whiten_in_place(out):
    out -= out.mean(axis=0, dtype=np.float32)
    norms = np.sqrt(np.einsum("i...,i...->...", out, out))
    np.maximum(norms, 1, out=norms)
    out /= norms


@contextlib.contextmanager
def _naming(layer, scale=None):
    """Make every error raised inside name `layer` and `scale`."""
    try:
        yield
    except BackendError as err:
        if err.layer is None:
            err.layer = layer
        if err.scale is None:
            err.scale = scale
        raise
    except (ValueError, TypeError) as err:
        raise BackendError("%s: %s" % (type(err).__name__, err), layer=layer,
                           scale=scale) from err
    except MemoryError as err:
        where = "layer %s" % layer.name + ("" if scale is None else ", scale %d" % scale)
        raise MemoryError("%s (%s)" % (err or "out of memory", where)) from err


def _too_small(layer, scale, what, shape, need, name):
    return InputSizeError(
        "the %s map is %dx%d, smaller than %s=%d" % (what, shape[0], shape[1], name, need),
        layer=layer, scale=scale)


class Model(_base.Model):
    """The HMAX model (see the module documentation for the layers).

    Parameters
    ----------
    backend : backend object or str, optional
        Computes the operations (see :func:`glimpse.backends.MakeBackend`).
    params : Params, optional
        Model parameters (a :class:`glimpse.models.ml.Params`).

    Notes
    -----
    ``model.s1_kernels`` are generated from the parameters on first use;
    ``model.s2_kernels`` must be set (or imprinted with
    :func:`glimpse.prototypes.ImprintS2Prototypes`) before S2 is built. Both
    are validated on assignment.

    The S1 maps of an image are views of one buffer, and so are its S2 maps.
    A thread keeps that buffer (when it holds at most
    :data:`REUSED_LAYER_BYTES`) and reuses it for its next image once no map
    of it is referenced any more, which spares freeing and faulting in that
    memory for every image.

    Examples
    --------
    >>> import numpy as np
    >>> model = Model(params=Params(num_scales=2))
    >>> model.s1_kernels.shape
    (4, 2, 11, 11)
    >>> state = BuildLayer(model, Layer.C1, np.zeros((64, 64), np.float32))
    >>> [c1.shape for c1 in state[Layer.C1]]
    [(4, 9, 9), (4, 7, 7)]
    """

    LayerClass = Layer
    ParamClass = Params
    StateClass = State

    def __init__(self, backend=None, params=None):
        super().__init__(backend, params)
        self._s1_kernels = None
        self._s1_key = None  # the parameters generated kernels came from; None if user-set
        self._s1_checked = None  # the parameters the S1 kernels were made or validated for
        self._s2_kernels = None
        self._s2_key = None  # the parameters the S2 kernels were validated against

    # ---- kernels ---------------------------------------------------------------------------

    def _s1_generation_key(self):
        p = self.params
        return (p.s1_kwidth, p.s1_num_orientations, p.s1_num_phases, p.s1_shift_orientations,
                p.s1_kernels_are_normed)

    @property
    def s1_kernels(self) -> np.ndarray:
        """The S1 Gabor kernels, float32 (orientations, phases, kwidth, kwidth), read-only.

        Generated from the parameters on first use (and again when those
        parameters change), unit norm for the Norm* operations and raw Gabors
        otherwise. Assigned kernels must have the shape
        ``params.s1_kernel_shape``, finite values and, when
        ``params.s1_kernels_are_normed``, unit norm. Assign None to go back to
        generated kernels.
        """
        key = self._s1_generation_key()
        if self._s1_kernels is None or (self._s1_key is not None and self._s1_key != key):
            p = self.params
            kernels = MakeGaborKernels(p.s1_kwidth, p.s1_num_orientations, p.s1_num_phases,
                                       p.s1_shift_orientations,
                                       scale_norm=p.s1_kernels_are_normed)
            kernels = kernels.astype(ACTIVATION_DTYPE)
            kernels.flags.writeable = False
            self._s1_kernels, self._s1_key = kernels, key
            self._s1_checked = self._s1_validation_key()
        return self._s1_kernels

    @s1_kernels.setter
    def s1_kernels(self, value):
        if value is None:
            self._s1_kernels = self._s1_key = None
            return
        p = self.params
        self._s1_kernels = CheckKernelArray(value, p.s1_kernel_shape,
                                            p.s1_kernels_are_normed, "s1_kernels")
        self._s1_key = None
        self._s1_checked = self._s1_validation_key()

    def _s1_validation_key(self):
        return (self.params.s1_kernel_shape, self.params.s1_kernels_are_normed)

    @property
    def s2_kernels(self) -> list[np.ndarray] | None:
        """The S2 prototypes: a list over ``params.s2_kwidth`` of float32 arrays, or None.

        Entry i has shape (n_i, orientations, k_i, k_i) with k_i =
        ``params.s2_kwidth[i]`` and n_i >= 1. Assigned values are validated:
        one array per width (a single array is accepted when there is one
        width), those shapes, finite values and, when
        ``params.s2_kernels_are_normed``, unit norm per prototype (an all-zero
        prototype, the normalisation of a flat patch, is accepted). They are
        stored as read-only float32 copies.
        """
        return None if self._s2_kernels is None else list(self._s2_kernels)

    @s2_kernels.setter
    def s2_kernels(self, value):
        if value is None:
            self._s2_kernels = self._s2_key = None
            return
        self._s2_kernels = self._checked_s2(value)
        self._s2_key = self._s2_validation_key()

    def _s2_validation_key(self):
        return (self.params.s2_kernel_shapes, self.params.s2_kernels_are_normed)

    def _checked_s2(self, value):
        p = self.params
        shapes = p.s2_kernel_shapes
        if isinstance(value, np.ndarray) and len(shapes) == 1 and value.ndim == 4:
            value = [value]
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError("s2_kernels must be a list of %d array(s), one per S2 kernel width "
                            "%r, got %s" % (len(shapes), p.s2_kwidth, type(value).__name__))
        if len(value) != len(shapes):
            raise ValueError("s2_kernels must hold one array per S2 kernel width %r (%d), got %d"
                             % (p.s2_kwidth, len(shapes), len(value)))
        return [CheckKernelArray(v, shape, p.s2_kernels_are_normed, "s2_kernels[%d]" % i,
                                 leading=True)
                for i, (v, shape) in enumerate(zip(value, shapes))]

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)
        for array in [self._s1_kernels] + list(self._s2_kernels or ()):
            if array is not None:
                array.flags.writeable = False

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented

        def same(a, b):
            if a is None or b is None:
                return a is b
            return a.shape == b.shape and bool(np.array_equal(a, b))

        s2a, s2b = self._s2_kernels, other._s2_kernels
        return (self.backend == other.backend and self.params == other.params
                and self.__dict__.get("_callbacks") == other.__dict__.get("_callbacks")
                and same(self.s1_kernels, other.s1_kernels)
                and (s2a is None) == (s2b is None)
                and (s2a is None or (len(s2a) == len(s2b)
                                     and all(same(a, b) for a, b in zip(s2a, s2b)))))

    __hash__ = object.__hash__

    # ---- builders --------------------------------------------------------------------------

    def NumScales(self, retina_shape) -> int:
        """The number of scales used for a retina of this shape.

        ``params.num_scales``, or when that is 0 :func:`NumScalesSupported`.

        Raises
        ------
        InputSizeError
            When ``num_scales`` is 0 and not even the first level gives an S2
            unit; it names the first layer that would be empty, at scale 0.
        """
        p = self.params
        if p.num_scales:
            return p.num_scales
        count = NumScalesSupported(p, retina_shape)
        if count == 0:
            layer_name = _first_empty_layer(p, tuple(retina_shape))
            raise InputSizeError(
                "num_scales=0 and the retina (%dx%d) is too small for one %s unit at the first "
                "scale (it must be at least %dx%d)"
                % (retina_shape[0], retina_shape[1], layer_name, MinimumRetinaSize(p),
                   MinimumRetinaSize(p)),
                layer=getattr(Layer, layer_name), scale=0)
        return count

    @layer_builder(Layer.RETINA)
    def BuildRetina(self, image):
        """Enhance the contrast of the image (or return it as is when the retina is off)."""
        p = self.params
        if not p.retina_enabled:
            return image
        with _naming(Layer.RETINA):
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError("the image layer must be 2D, got shape %r" % (image.shape,))
            if min(image.shape) < p.retina_kwidth:
                raise _too_small(Layer.RETINA, None, "image", image.shape, p.retina_kwidth,
                                 "retina_kwidth")
            return self.backend.ContrastEnhance(image, p.retina_kwidth, p.retina_bias)

    @layer_builder(Layer.S1)
    def BuildS1(self, retina):
        """Gabor-filter every level of the scale pyramid of the retina."""
        p = self.params
        with _naming(Layer.S1):
            retina = np.asarray(retina)
            if retina.ndim != 2:
                raise ValueError("the retina layer must be 2D, got shape %r" % (retina.shape,))
            num_scales = self.NumScales(retina.shape)
            kernels = self.s1_kernels
            if kernels.shape != p.s1_kernel_shape:
                raise ValueError("model.s1_kernels has shape %r, but the parameters need %r"
                                 % (kernels.shape, p.s1_kernel_shape))
            # the kernels were made or validated for the parameters; again here only when
            # the parameters changed since (generated ones are remade above when they do)
            if self._s1_checked != self._s1_validation_key():
                kernels = CheckKernelArray(kernels, p.s1_kernel_shape,
                                           p.s1_kernels_are_normed, "model.s1_kernels")
            shrinking = len(images.ScalePyramidShapes(retina.shape, num_scales,
                                                      1.0 / p.scale_factor))
            if shrinking < num_scales:
                raise InputSizeError(
                    "the pyramid of a %dx%d retina shrinks for %d levels only (scale_factor "
                    "%g), fewer than num_scales=%d" % (retina.shape[0], retina.shape[1],
                                                       shrinking, p.scale_factor, num_scales),
                    layer=Layer.S1, scale=shrinking)
            pyramid = images.MakeScalePyramid(retina, num_scales, 1.0 / p.scale_factor,
                                              backend=self.backend)
        op = p.s1_operation
        orientations, phases = p.s1_num_orientations, p.s1_num_phases
        if op is SLayerOp.NORM_DOT_PRODUCT:
            bank = np.ascontiguousarray(kernels[:, :1])  # phase 0 only
        else:
            bank = kernels.reshape(orientations * phases, 1, p.s1_kwidth, p.s1_kwidth)
        scratch = None  # responses of every phase, reused by every scale (level 0 is largest)
        outs = None  # else the maps themselves, in one buffer (see buffers.LayerBuffer)
        if op is not SLayerOp.NORM_DOT_PRODUCT and phases > 1:
            h, w = self.backend.OutputMapShapeForInput(p.s1_kwidth, p.s1_kwidth, p.s1_sampling,
                                                       *pyramid[0].shape)
            scratch = np.empty(len(bank) * h * w, ACTIVATION_DTYPE)
        elif all(min(level.shape) >= p.s1_kwidth for level in pyramid):
            shapes = [(len(bank),) + self.backend.OutputMapShapeForInput(
                p.s1_kwidth, p.s1_kwidth, p.s1_sampling, *level.shape) for level in pyramid]
            with _naming(Layer.S1):
                outs = buffers.LayerMaps("S1", shapes)
        maps = []
        for scale, level in enumerate(pyramid):
            if min(level.shape) < p.s1_kwidth:
                raise _too_small(Layer.S1, scale, "pyramid level", level.shape, p.s1_kwidth,
                                 "s1_kwidth")
            with _naming(Layer.S1, scale):
                out = None if outs is None else outs[scale]
                if scratch is not None:
                    h, w = self.backend.OutputMapShapeForInput(
                        p.s1_kwidth, p.s1_kwidth, p.s1_sampling, *level.shape)
                    out = scratch[:len(bank) * h * w].reshape(len(bank), h, w)
                out = self.backend.SOperation(SLayerOp(op).value, level[np.newaxis], bank,
                                              p.s1_bias, p.s1_beta, p.s1_sampling, out,
                                              kernels_checked=True)
            if op is SLayerOp.NORM_DOT_PRODUCT:
                np.abs(out, out=out)
            elif phases > 1:
                out = out.reshape((orientations, phases) + out.shape[1:]).max(axis=1)
            maps.append(out)
        return maps

    @layer_builder(Layer.C1)
    def BuildC1(self, s1_maps):
        """Pool every S1 map with a local maximum (and whiten it when ``c1_whiten``)."""
        p = self.params
        maps = []
        for scale, s1 in enumerate(s1_maps):
            if min(s1.shape[-2:]) < p.c1_kwidth:
                raise _too_small(Layer.C1, scale, "S1", s1.shape[-2:], p.c1_kwidth, "c1_kwidth")
            with _naming(Layer.C1, scale):
                out = self.backend.LocalMax(s1, p.c1_kwidth, scaling=p.c1_sampling)
            if p.c1_whiten:
                _whiten_in_place(out)
            maps.append(out)
        return maps

    @layer_builder(Layer.S2)
    def BuildS2(self, c1_maps):
        """Match every C1 map against the prototypes of every S2 kernel width."""
        p = self.params
        if self._s2_kernels is None:
            raise BackendError(
                "the model has no S2 prototypes: set model.s2_kernels or imprint them with "
                "glimpse.prototypes.ImprintS2Prototypes before building S2", layer=Layer.S2)
        prototypes = self._s2_kernels
        if self._s2_key != self._s2_validation_key():  # the parameters changed since assignment
            with _naming(Layer.S2):
                prototypes = self._checked_s2(prototypes)
        op = SLayerOp(p.s2_operation).value
        shapes = self._s2_shapes(c1_maps, prototypes)
        if shapes is not None:  # all the maps in one buffer (see buffers.LayerBuffer)
            with _naming(Layer.S2):
                outs = iter(buffers.LayerMaps("S2", shapes))
        maps = []
        for scale, c1 in enumerate(c1_maps):
            per_width = []
            for i, kernels in enumerate(prototypes):
                k = kernels.shape[-1]
                if min(c1.shape[-2:]) < k:
                    raise _too_small(Layer.S2, scale, "C1", c1.shape[-2:], k,
                                     "s2_kwidth[%d]" % i)
                out = None if shapes is None else next(outs)
                with _naming(Layer.S2, scale):
                    # the prototypes were validated on assignment (or just above)
                    per_width.append(self.backend.SOperation(
                        op, c1, kernels, p.s2_bias, p.s2_beta, p.s2_sampling, out,
                        kernels_checked=True))
            maps.append(per_width)
        return maps

    def _s2_shapes(self, c1_maps, prototypes):
        """The shape of every S2 map (scales, then widths), or None when a C1 map is not a
        3D array (the operation then says what is wrong with it)."""
        p = self.params
        shapes = []
        for c1 in c1_maps:
            if not isinstance(c1, np.ndarray) or c1.ndim != 3:
                return None
            for kernels in prototypes:
                n, _, kh, kw = kernels.shape
                shapes.append((n,) + self.backend.OutputMapShapeForInput(
                    kh, kw, p.s2_sampling, c1.shape[1], c1.shape[2]))
        return shapes

    @layer_builder(Layer.C2)
    def BuildC2(self, s2_maps):
        """For every S2 kernel width, the maximum over positions and scales."""
        if not s2_maps:
            raise BackendError("the S2 layer has no scales", layer=Layer.C2)
        result = []
        for i in range(len(s2_maps[0])):
            best = top = None
            for scale, per_width in enumerate(s2_maps):
                with _naming(Layer.C2, scale):
                    top = self.backend.GlobalMax(per_width[i], out=top)
                if best is None:
                    best, top = top, None
                else:
                    np.maximum(best, top, out=best)
            result.append(best)
        return result


State.ModelClass = Model

#: Build layers of a model (the base model's function, re-exported).
BuildLayer = _base.BuildLayer
