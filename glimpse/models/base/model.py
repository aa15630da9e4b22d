"""The abstract base model, its state, and the functions that run it."""

from __future__ import annotations

import functools
import os
from typing import Any, Sequence, Union, cast

import numpy as np
from PIL import Image

from ...backends import AsBackend, Backend, BackendError, InputLoadError, InputSizeError
from ...images import prepare as _prepare
from ...images.decode import InputSource
from ...images.picture import Picture
from ...util import _checks
from ...util import dataflow
from ...util.dataflow import BuildNode, DependencyError
from . import layer as _layer
from .layer import LayerSpec, layer_builder
from .param import Params

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
    "ResolveLayers",
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


#: Added to the message of an InputSizeError whose input was a plain array.
ARRAY_INPUT_NOTE = ("an array is taken as the prepared IMAGE layer, as it is (not resized); wrap "
                    "it in glimpse.images.Picture to have it prepared (resized) as an image "
                    "file is")


def _note_array_input(err, source):
    """Say in `err` how an array is taken, when `source`, a plain array, was too small."""
    if isinstance(err, InputSizeError) and isinstance(source, np.ndarray) \
            and ARRAY_INPUT_NOTE not in (err.msg or ""):
        err.msg = "%s; %s" % (err.msg or err._default_message(), ARRAY_INPUT_NOTE)


def PrepareImage(img: Image.Image | Picture | np.ndarray, params: Params,
                 backend: Backend | None = None) -> np.ndarray:
    """Prepare an image for input into the model.

    Parameters
    ----------
    img : PIL.Image.Image or glimpse.images.Picture or 2D ndarray of float
        Input data. An image of any Pillow mode (colour is reduced to luma,
        see :func:`glimpse.images.ImageToArray`), a Picture (prepared as
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

    See :func:`glimpse.images.ScaleImage` and
    :func:`glimpse.images.ScaleAndCropImage`.
    """
    if not isinstance(params, Params):
        raise TypeError("params must be a Params object, got %s" % type(params).__name__)
    return _prepare.Prepare(img, params, AsBackend(backend))


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
            state[self.LayerClass.IMAGE] = _prepare.UnitArray(source)
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
            img, scale = input_.CreateGreyImage(functools.partial(_prepare.MaxDraftScale,
                                                                  self.params))
        try:
            return _prepare.Prepare(img, self.params, self.backend, scale, exact=input_.exact)
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


def _lookup(model, layer):
    """The layer of ``model`` that ``layer`` names, or None."""
    classes = model.LayerClass
    if isinstance(layer, str):
        for find in (classes.FromName, classes.FromId):
            try:
                return find(layer)
            except ValueError:
                pass
        return _registered(model, layer, True) or _registered(model, layer, False)
    if isinstance(layer, LayerSpec):
        try:
            return classes.FromId(layer)
        except ValueError:
            return _registered(model, layer.id_, False)
    return None


def ResolveLayers(model: Model, layers: LayerSpec | str | Sequence[LayerSpec | str],
                  name: str = "layer") -> list[LayerSpec]:
    """The layers of a model that a caller names.

    The one lookup of layers by name: every function that takes a layer argument
    resolves it here.

    Parameters
    ----------
    model : Model
        The model whose layers are looked up.
    layers : LayerSpec or str, or a sequence of them
        Each a layer name (not case sensitive), a layer id or a LayerSpec of the model's
        :attr:`~Model.LayerClass`, or the name, id or LayerSpec of a node registered on
        the model (:meth:`~glimpse.util.dataflow.DataFlow.Register`).
    name : str
        The argument's name, for messages.

    Returns
    -------
    list of LayerSpec
        One per entry of ``layers`` (one for a single layer), in order.

    Raises
    ------
    ValueError
        If ``layers`` is empty or an entry names no layer of the model.

    Examples
    --------
    >>> [lyr.name for lyr in ResolveLayers(Model(), ["IMAGE", "s"])]
    ['image', 'source']
    """
    single = not isinstance(layers, (tuple, list))
    wanted = (layers,) if single else tuple(layers)
    if not wanted:
        raise ValueError("%s must name at least one layer, got %r" % (name, layers))
    resolved = []
    for layer in wanted:
        found = _lookup(model, layer)
        if found is None:
            known = ", ".join(sorted(lyr.name for lyr in model.LayerClass.AllLayers()))
            got = ("LayerSpec %r" % (layer.name,) if isinstance(layer, LayerSpec)
                   else _checks.show(layer))
            raise ValueError("%s must be a layer of %s (%s) or a node registered on the model, "
                             "got %s" % (name, type(model).__name__, known, got))
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
    layers = ResolveLayers(model, layer)
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
    state : State or str or os.PathLike or PIL.Image.Image or Picture or 2D ndarray
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
    layers = ResolveLayers(model, layer)
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
