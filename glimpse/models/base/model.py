"""The abstract base model, its state, and the functions that run it."""

from __future__ import annotations

import functools
import os
from typing import Any, Sequence, Union, cast

import numpy as np
from PIL import Image

from ...backends import (
    ACTIVATION_DTYPE,
    AsBackend,
    Backend,
    BackendError,
    InputLoadError,
    InputSizeError,
    InputSource,
)
from ...images.picture import Picture
from ...util import _checks, gimage
from ...util import dataflow
from ...util.dataflow import BuildNode, DependencyError
from . import layer as _layer
from .layer import LayerSpec, layer_builder
from .param import Params, ResizeMethod

#: What MakeState accepts.
StateSource = Union[str, "os.PathLike[str]", Image.Image, Picture, np.ndarray, dataflow.State]
#: What an ``rng`` argument accepts.
RngLike = Union[None, int, np.random.Generator]

__all__ = [
    "Layer",
    "State",
    "Model",
    "PrepareImage",
    "BuildLayer",
    "SamplePatches",
]


class Layer(_layer.Layer):
    """The layers of the base model: SOURCE and IMAGE.

    A model's layer class derives from this one and adds its own layers.
    """

    #: Specifier for the source of the image data. This may be None if the data
    #: was generated programmatically, an InputSource object if the data came
    #: from an image file, or a Picture (an array or PIL image to be prepared).
    SOURCE = LayerSpec("s", "source")

    #: Specifier for the raw input data.
    IMAGE = LayerSpec("i", "image", [SOURCE])


class State(dataflow.State):
    """A dictionary container for the Model state.

    Each model class has its own state class, so it is always clear which
    model generated a given state object.
    """

    #: The model class associated with this state (set below to :class:`Model`).
    ModelClass: type | None = None


def _check_unit_array(data, name="source", copy=True):
    """Validate a 2D floating array with finite values in [0, 1].

    Returns a C-ordered float32 copy, or with ``copy=False`` the array itself when it is
    float32 or float64 (what the resampler reads in place).
    """
    if data.dtype.kind != "f":
        raise ValueError(
            "%s array must have a floating dtype, got %s" % (name, data.dtype)
        )
    if data.ndim != 2:
        raise ValueError("%s array must be 2D (height, width), got shape %s" % (name, data.shape))
    if data.size == 0:
        raise ValueError("%s array is empty (shape %s)" % (name, data.shape))
    lo, hi = data.min(), data.max()  # NaN propagates, infinities show: no isfinite pass
    if not (np.isfinite(lo) and np.isfinite(hi)):
        _checks.finite(data, name)  # the message names the first bad value
    if lo < 0 or hi > 1:
        raise ValueError(
            "%s array values must lie in [0, 1], got range [%g, %g]" % (name, lo, hi)
        )
    if not copy and data.dtype in (np.float32, np.float64):
        return data
    return np.array(data, dtype=ACTIVATION_DTYPE, order="C", copy=True)


#: Added to the message of an InputSizeError whose input was a plain array.
ARRAY_INPUT_NOTE = ("an array is taken as the prepared IMAGE layer, as it is (not resized); wrap "
                    "it in glimpse.images.Picture to have it prepared (resized) as an image "
                    "file is")


def _note_array_input(err, source):
    """Say in `err` how an array is taken, when `source`, a plain array, was too small."""
    if isinstance(err, InputSizeError) and isinstance(source, np.ndarray) \
            and ARRAY_INPUT_NOTE not in (err.msg or ""):
        err.msg = "%s; %s" % (err.msg or err._default_message(), ARRAY_INPUT_NOTE)


def _unresized(data, img):
    """``data`` as a float32 array of its own (never the caller's array ``img``)."""
    if data.dtype == np.uint8:  # an 8-bit grey image's bytes: ImageToArray's values
        return data.astype(ACTIVATION_DTYPE) / ACTIVATION_DTYPE(255.0)
    if data is img:
        return np.array(data, dtype=ACTIVATION_DTYPE, order="C", copy=True)
    return data


def PrepareImage(img: Image.Image | Picture | np.ndarray, params: Params,
                 backend: Backend | None = None) -> np.ndarray:
    """Prepare an image for input into the model.

    Parameters
    ----------
    img : PIL.Image.Image or glimpse.images.Picture or 2D ndarray of float
        Input data. An image of any Pillow mode (colour is reduced to luma,
        see :func:`glimpse.util.gimage.ImageToArray`), a Picture (prepared as
        its image), or an array with finite values in [0, 1].
    params : Params
        Parameters controlling image transformation.
    backend : glimpse.backends.Backend, optional
        Resizes the image (default: :func:`glimpse.backends.MakeBackend`'s); a model
        passes its own.

    Returns
    -------
    ndarray of float32, shape (height, width)
        Image layer data with values in [0, 1].

    Raises
    ------
    TypeError
        If `img` is neither an image nor an array, or `params` is not a Params.
    ValueError
        If an array input is not 2D floating data in [0, 1], or the resized image would
        have more than ``PIL.Image.MAX_IMAGE_PIXELS`` pixels or its resize need more
        memory than this process may use ("image refused as too large"; from a file, an
        :class:`InputLoadError` naming it).

    Notes
    -----
    The image is converted to float first, resized in float (bicubic when the
    width grows, Lanczos otherwise) and then clipped to [0, 1], so an 8-bit
    image is quantised only once. With ``params.image_resize_method``:

    - 'none': the image is returned unchanged (as float32 data);
    - 'scale short edge', 'scale long edge', 'scale width', 'scale height':
      that edge becomes ``params.image_resize_length`` and the other keeps
      the aspect ratio, truncated: ``other * length // edge``;
    - 'scale and crop': the output is (w, int(w / rho)) with
      w = ``image_resize_length`` and rho = ``image_resize_aspect_ratio``,
      obtained by scaling the short edge (relative to that shape) and
      cropping the centre of the long one.

    See :func:`glimpse.util.gimage.ScaleImage` and
    :func:`glimpse.util.gimage.ScaleAndCropImage`.
    """
    if not isinstance(params, Params):
        raise TypeError("params must be a Params object, got %s" % type(params).__name__)
    return _prepare(img, params, AsBackend(backend), 1)


def _resample_target(params, width, height):
    """The size an image of (width, height) is resampled to (before any crop), or None."""
    method = ResizeMethod(params.image_resize_method)
    if method is ResizeMethod.NONE:
        return None
    length = params.image_resize_length
    if method is ResizeMethod.SCALE_AND_CROP:
        size = gimage.ScaledSize((width, height), method.value, length,
                                 params.image_resize_aspect_ratio)
        return gimage.ScaleAndCropSize((width, height), size)[0]
    return gimage.ScaledSize((width, height), method.value, length)


#: The decoded image stays at least this many times the resample target on each side when
#: a JPEG decoder reduces it (closer to the target, the layer moves by up to 0.26).
DRAFT_MARGIN = 4


def _max_draft_scale(params, width, height):
    """How much a decoder may reduce an image of (width, height) for ``params``."""
    target = _resample_target(params, width, height)
    if target is None:
        return 1
    return max(1, min(width // (DRAFT_MARGIN * target[0]),
                      height // (DRAFT_MARGIN * target[1])))


def _prepare(img, params, backend, scale, exact=True):
    """PrepareImage of an image that is the original reduced ``scale`` times on each side.

    The output size and crop are computed from the original's size; the resampler maps
    the whole reduced image onto them, which covers the same area (``scale`` divides the
    original's sides). An 8-bit grey image is resampled from its bytes (the backend
    divides by 255 as it reads them: no full-size float copy), with the same result.
    Unless ``exact``, a colour image's grey is the backend's luma of its 8-bit samples
    (``LumaBytes``: one pass, no float copies of the channels), within a few float32
    ulps of :func:`glimpse.util.gimage.ImageToArray`'s.
    """
    data8 = None
    if isinstance(img, Picture):
        img = img.image
    if isinstance(img, Image.Image):
        data8 = gimage.ImageToBytes(img)
        if data8 is not None:
            data = data8
        else:
            rgb = None if exact else gimage.ImageToColourBytes(img)
            data = gimage.ImageToArray(img) if rgb is None else backend.LumaBytes(rgb)
    elif isinstance(img, np.ndarray):
        data = _check_unit_array(img, "img", copy=False)
    else:
        raise TypeError("img must be a PIL image or a 2D array, got %s" % type(img).__name__)
    method = ResizeMethod(params.image_resize_method)
    height, width = data.shape
    height, width = height * scale, width * scale
    resample = backend.Resample if data8 is None else backend.ResampleBytes
    if method is ResizeMethod.NONE:
        return _unresized(data, img)
    length = params.image_resize_length
    if method is ResizeMethod.SCALE_AND_CROP:
        size = gimage.ScaledSize(
            (width, height), method.value, length, params.image_resize_aspect_ratio
        )
        scaled, box = gimage.ScaleAndCropSize((width, height), size)
        _checks.prepared_image(size, backend.ResampleScratchBytes(
            *data.shape, *scaled, box=box), Image.MAX_IMAGE_PIXELS)
        out = resample(data, scaled[0], scaled[1], box=box)
    else:
        size = gimage.ScaledSize((width, height), method.value, length)
        if size == data.shape[::-1]:
            return _unresized(data, img)
        _checks.prepared_image(size, backend.ResampleScratchBytes(*data.shape, *size),
                               Image.MAX_IMAGE_PIXELS)
        out = resample(data, *size)
    return np.clip(out, 0.0, 1.0, out=out)


class Model(dataflow.DataFlow):
    """Abstract base class for a Glimpse model.

    Parameters
    ----------
    backend : glimpse.backends.Backend or str, optional
        Computes every layer; a name is passed to
        :func:`glimpse.backends.MakeBackend`. Default: ``MakeBackend()``.
        A :class:`Params` object given here is taken as `params`
        (``Model(params)``).
    params : Params, optional
        Model parameters, an instance of :attr:`ParamClass`. Default:
        ``ParamClass()``.

    Raises
    ------
    ValueError
        If `params` is not an instance of :attr:`ParamClass`, or `backend` names no
        backend.
    TypeError
        If `backend` is neither a Backend, a name nor None.
    """

    #: The datatype associated with layer descriptors for this model.
    LayerClass = Layer

    #: The type of the parameter collection associated with this model.
    ParamClass = Params

    #: The datatype associated with network states for this model.
    StateClass = State

    def __init__(self, backend: Any = None, params: Params | None = None) -> None:
        super().__init__()
        if params is None and isinstance(backend, Params):
            backend, params = None, backend
        backend = AsBackend(backend)
        if params is None:
            params = self.ParamClass()
        elif not isinstance(params, self.ParamClass):
            raise ValueError(
                "params must be a %s object for %s, got %s"
                % (self.ParamClass.__name__, type(self).__name__, type(params).__name__)
            )
        self.backend = backend
        self.params = params

    def MakeState(self, source: StateSource, copy: bool = False) -> State:
        """Create a model state wrapper for the given image source.

        Parameters
        ----------
        source : str or os.PathLike or PIL.Image.Image or Picture or 2D ndarray or State
            A path gives a state holding an :class:`InputSource` as its SOURCE
            layer (read lazily). An image gives a state holding its IMAGE
            layer, prepared with :func:`PrepareImage`. A
            :class:`glimpse.images.Picture` is held as the SOURCE layer and
            prepared as the IMAGE layer is built, as a file is. A 2D floating
            array with finite values in [0, 1] is taken as the IMAGE layer (as
            float32, not resized: wrap it in a Picture to have it prepared). A
            state of :attr:`StateClass` is returned as it is.
        copy : bool
            If `source` is already a state, whether to return a shallow copy.

        Returns
        -------
        State
            An instance of :attr:`StateClass`.

        Raises
        ------
        ValueError
            For anything else, naming what was wrong.
        """
        if isinstance(source, dataflow.State):
            if not isinstance(source, self.StateClass):
                raise ValueError(
                    "source state is a %s, but %s uses %s"
                    % (type(source).__name__, type(self).__name__, self.StateClass.__name__)
                )
            return source.copy() if copy else source
        state = self.StateClass()
        if isinstance(source, (str, os.PathLike)):
            state[self.LayerClass.SOURCE] = InputSource(source)
        elif isinstance(source, (InputSource, Picture)):
            state[self.LayerClass.SOURCE] = source
        elif isinstance(source, Image.Image):
            state[self.LayerClass.IMAGE] = PrepareImage(source, self.params, self.backend)
        elif isinstance(source, np.ndarray):
            state[self.LayerClass.IMAGE] = _check_unit_array(source)
        else:
            raise ValueError(
                "source must be a path, a PIL image, a Picture, a 2D array with values in "
                "[0, 1] or a state, got %s" % type(source).__name__
            )
        return state

    @layer_builder(Layer.IMAGE)
    def BuildImageFromInput(self, input_):
        """Read and prepare the IMAGE layer from the SOURCE layer."""
        if input_ is None:
            raise BackendError("state has no image source to build the image layer from")
        if not isinstance(input_, InputSource):
            return PrepareImage(input_, self.params, self.backend)
        if input_.exact:
            img, scale = input_.CreateImage(), 1
        else:
            img, scale = input_.CreateGreyImage(functools.partial(_max_draft_scale,
                                                                  self.params))
        try:
            return _prepare(img, self.params, self.backend, scale, exact=input_.exact)
        except ValueError as err:  # the file's content: NaN in a float image, ...
            raise InputLoadError(input_, msg="cannot use image: %s" % err) from None

    def __repr__(self):
        return "%s(backend=%r, params=%r)" % (type(self).__name__, self.backend, self.params)


State.ModelClass = Model


def _registered(model, wanted, by_name):
    """The node registered on ``model`` (``Register``) with that id, or that name."""
    for node in model.RegisteredNodes():
        if by_name:
            name = getattr(node, "name", None)
            if isinstance(name, str) and name.lower() == wanted.lower():
                return node
        elif _layer._same_id(node.id_, wanted):
            return node
    return None


def _resolve_layers(model, layer):
    single = not isinstance(layer, (tuple, list))
    layers = (layer,) if single else tuple(layer)
    if not layers:
        raise ValueError("layer must name at least one layer")
    resolved = []
    for lyr in layers:
        if isinstance(lyr, str):
            try:
                found = model.LayerClass.FromName(lyr)
            except ValueError:
                try:
                    found = model.LayerClass.FromId(lyr)
                except ValueError:
                    found = _registered(model, lyr, True) or _registered(model, lyr, False)
        elif isinstance(lyr, LayerSpec):
            try:
                found = model.LayerClass.FromId(lyr)
            except ValueError:
                found = _registered(model, lyr.id_, False)
        else:
            raise ValueError("layer must be a LayerSpec or a layer name of %s, got %s"
                             % (type(model).__name__, _checks.show(lyr)))
        if found is None:
            raise ValueError("unknown layer %r for %s: not in %s and not registered on the "
                             "model" % (lyr, type(model).__name__, model.LayerClass.__name__))
        resolved.append(found)
    return resolved


def BuildLayer(
    model: Model,
    layer: LayerSpec | str | Sequence[LayerSpec | str],
    state: StateSource,
    save_all: bool = True,
) -> State:
    """Apply the model through to the given layer.

    Parameters
    ----------
    model : Model
        The model to run.
    layer : LayerSpec or tuple of LayerSpec
        Output layer(s) to compute (layer names are accepted too).
    state : State or str or os.PathLike or PIL.Image.Image or Picture or 2D ndarray
        Initial model state, or anything :meth:`Model.MakeState` accepts.
    save_all : bool
        Whether the result keeps every computed layer, or only the requested
        layers and the SOURCE layer.

    Returns
    -------
    State
        A new state (of the model's :attr:`~Model.StateClass`) containing the
        requested layers. The input state is not modified.

    Raises
    ------
    ValueError
        If a layer is unknown to the model, or the state lacks the data
        needed to compute it.
    InputLoadError
        If the source image cannot be read (the error names its path).
    BackendError
        If a layer cannot be computed; the state's source is attached.

    Examples
    --------
    >>> from glimpse import glab
    >>> model = Model()
    >>> input_state = model.MakeState(glab.GetExampleImage())
    >>> output_state = BuildLayer(model, Layer.IMAGE, input_state)
    >>> assert Layer.IMAGE in output_state
    """
    if not isinstance(model, Model):
        raise TypeError("model must be a Model, got %s" % type(model).__name__)
    layers = _resolve_layers(model, layer)
    given, state = state, model.MakeState(state)
    try:
        out = BuildNode(model, layers, state)
    except DependencyError as err:
        missing = getattr(err.node, "name", None) or getattr(err.node, "id_", err.node)
        wanted = ", ".join(lyr.name for lyr in layers)
        raise ValueError(
            "cannot compute layer %s: the state has no %s layer and no way to build it"
            % (wanted, missing)
        ) from None
    except BackendError as err:
        if err.source is None:
            err.source = state.get(model.LayerClass.SOURCE)
        _note_array_input(err, given)
        raise
    if not save_all:
        keep = {lyr.id_ for lyr in layers} | {model.LayerClass.SOURCE.id_}
        for key in [k for k in out.keys() if k not in keep]:
            del out[key]
    return cast(State, out)


def SamplePatches(
    model: Model,
    layer: LayerSpec | str,
    num_patches: int,
    patch_size: int,
    state: StateSource,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Extract patches from the given layer for a single image.

    Patches are sampled from random locations and scales.

    Parameters
    ----------
    model : Model
        The model to run.
    layer : LayerSpec
        Layer from which to extract patches.
    num_patches : int
        Number of patches to extract.
    patch_size : int
        Spatial extent of patches.
    state : State or str or os.PathLike or PIL.Image.Image or 2D ndarray
        Input state (or anything :meth:`Model.MakeState` accepts) for which
        layer activity is computed.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same patches.

    Returns
    -------
    patches : ndarray of float32, shape (num_patches, bands..., patch_size, patch_size)
    locations : ndarray of int, shape (num_patches, 3)
        Rows of (scale, y, x): the patch's top-left corner.

    Raises
    ------
    TypeError
        If `model` is not a Model.
    ValueError
        If `layer` is unknown to the model or is the SOURCE layer (which holds
        no array).
    InputSizeError
        If the layer is spatially smaller than `patch_size`; the error carries
        the source, the layer and the first scale that is too small.

    See Also
    --------
    SamplePatchesFromData
    """
    if not isinstance(model, Model):
        raise TypeError("model must be a Model, got %s" % type(model).__name__)
    layers = _resolve_layers(model, layer)
    if len(layers) != 1:
        raise ValueError("layer must be a single layer, got %r" % (layer,))
    (layer,) = layers
    if layer == model.LayerClass.SOURCE:
        raise ValueError("layer must hold activity maps to sample patches from, got the %s "
                         "layer, which holds the input's source (a path), not an array; "
                         "sample from %s or a later layer"
                         % (layer.name, model.LayerClass.IMAGE.name))
    given, state = state, BuildLayer(model, layer, state, save_all=False)
    try:
        return model.backend.SampleGatherPatches(state[layer], patch_size, num_patches, rng=rng)
    except InputSizeError as err:
        err.source = state.get(model.LayerClass.SOURCE)
        err.layer = layer
        _note_array_input(err, given)
        raise
