"""Layers of a model: specifiers, the layer registry, and image <-> layer conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Hashable

from ...images import convert
from ...util.dataflow import Node, node_builder

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = ["LayerSpec", "Layer", "layer_builder", "FromImage", "ToImage"]


class LayerSpec(Node):
    """Describes a single layer in a model.

    Parameters
    ----------
    id_ : hashable
        Model-unique identifier.
    name : str
        Name of the layer.
    depends : list of LayerSpec, optional
        The layers this one is computed from.

    Examples
    --------
    >>> LayerSpec("s", "source")
    LayerSpec(id_='s', name='source', depends=None)
    """

    #: (str) Name of model layer.
    name = None

    def __init__(self, id_: Hashable, name: str, depends: list[LayerSpec] | None = None) -> None:
        super().__init__(id_, depends)
        if not isinstance(name, str):
            raise ValueError("name must be a str, got %r" % (name,))
        self.name = name

    def __repr__(self):
        return "LayerSpec(id_=%r, name=%r, depends=%r)" % (self.id_, self.name, self.depends)


class Layer:
    """The layers of a model, as class attributes holding :class:`LayerSpec` objects.

    This base class holds no layers (as in the 2013 library): a graph built on it holds
    exactly the layers its subclass declares. The base model's layer class,
    :class:`glimpse.models.base.Layer`, adds SOURCE and IMAGE; a model's layer class
    derives from that one and adds its own layers.

    Examples
    --------
    >>> class Edges(Layer):
    ...     RAW = LayerSpec("r", "raw")
    ...     EDGE = LayerSpec("e", "edge", [RAW])
    >>> Edges.AllLayers() == [Edges.EDGE, Edges.RAW] and Edges.TopLayer() == Edges.EDGE
    True
    >>> Layer.AllLayers()
    []
    """

    @classmethod
    def AllLayers(cls) -> list[LayerSpec]:
        """Return all layers, in the order of their attribute names.

        Returns
        -------
        list of LayerSpec

        Examples
        --------
        >>> from glimpse.models.base import Layer
        >>> assert Layer.IMAGE in Layer.AllLayers()
        """
        layers = []
        seen = set()
        for name in sorted(dir(cls)):
            value = getattr(cls, name)
            if isinstance(value, LayerSpec) and value.id_ not in seen:
                seen.add(value.id_)
                layers.append(value)
        return layers

    @classmethod
    def FromId(cls, id_: Hashable | LayerSpec) -> LayerSpec:
        """Look up a LayerSpec object by ID.

        Parameters
        ----------
        id_ : hashable or LayerSpec
            Model-unique layer identifier. A LayerSpec of this model is
            returned as it is.

        Returns
        -------
        LayerSpec

        Raises
        ------
        ValueError
            If no layer of this model has that id.

        Examples
        --------
        >>> from glimpse.models.base import Layer
        >>> assert Layer.FromId(Layer.IMAGE.id_) == Layer.IMAGE
        """
        for layer in cls.AllLayers():
            if isinstance(id_, LayerSpec):
                if layer == id_ and layer.name == id_.name:
                    return layer
            elif _same_id(layer.id_, id_):
                return layer
        raise ValueError("unknown layer id %r for %s" % (id_, cls.__name__))

    @classmethod
    def FromName(cls, name: str | LayerSpec) -> LayerSpec:
        """Look up a LayerSpec object by name (not case sensitive).

        Parameters
        ----------
        name : str or LayerSpec
            Layer name. A LayerSpec of this model is returned as it is.

        Returns
        -------
        LayerSpec

        Raises
        ------
        ValueError
            If no layer of this model has that name.

        Examples
        --------
        >>> from glimpse.models.base import Layer
        >>> assert Layer.FromName("IMAGE") == Layer.IMAGE
        """
        if isinstance(name, LayerSpec):
            return cls.FromId(name)
        if isinstance(name, str):
            wanted = name.lower()
            for layer in cls.AllLayers():
                if str(layer.name).lower() == wanted:
                    return layer
        raise ValueError("unknown layer name %r for %s" % (name, cls.__name__))

    @classmethod
    def IsSublayer(cls, sub_layer: LayerSpec, super_layer: LayerSpec) -> bool:
        """Determine if `super_layer` is computed, directly or not, from `sub_layer`.

        Parameters
        ----------
        sub_layer : LayerSpec
            The earlier layer.
        super_layer : LayerSpec
            The later layer.

        Returns
        -------
        bool

        Examples
        --------
        >>> from glimpse.models.base import Layer
        >>> assert Layer.IsSublayer(Layer.SOURCE, Layer.IMAGE)
        >>> assert not Layer.IsSublayer(Layer.IMAGE, Layer.SOURCE)
        """
        stack = list(super_layer.depends or ())
        seen = set()
        while stack:
            layer = stack.pop()
            if layer == sub_layer:
                return True
            if layer.id_ not in seen:
                seen.add(layer.id_)
                stack.extend(layer.depends or ())
        return False

    @classmethod
    def TopLayer(cls) -> LayerSpec:
        """Determine the top layer in this network.

        The top-most layer is the layer on which no other layer depends. If
        several layers qualify, the first of them in :meth:`AllLayers` is
        returned.

        Returns
        -------
        LayerSpec

        Raises
        ------
        ValueError
            If the class holds no layers, or its layers form a cycle.

        Examples
        --------
        >>> from glimpse.models.base import Layer
        >>> assert Layer.TopLayer() == Layer.IMAGE
        """
        layers = cls.AllLayers()
        if not layers:
            raise ValueError("%s holds no layers, so it has no top layer" % cls.__name__)
        needed = {dep.id_ for layer in layers for dep in layer.depends or ()}
        for layer in layers:
            if layer.id_ not in needed:
                return layer
        raise ValueError("%s has no top layer (its layers form a cycle)" % cls.__name__)


def _same_id(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def layer_builder(layer: LayerSpec) -> Callable[[Callable], Callable]:
    """Mark a model method as the builder of `layer`.

    The method takes one argument per layer in ``layer.depends`` and returns
    the layer's data. Every instance of the model registers it.

    Parameters
    ----------
    layer : LayerSpec
        The layer the method computes.
    """
    if not isinstance(layer, LayerSpec):
        raise ValueError("layer_builder takes a LayerSpec, got %r" % (layer,))
    return node_builder(layer)


def FromImage(img: Image.Image) -> np.ndarray:
    """Convert a PIL image to layer data: a 2D float32 array in [0, 1].

    See :func:`glimpse.images.ImageToArray` for how modes are handled.
    """
    return convert.ImageToArray(img)


def ToImage(data: np.ndarray) -> Image.Image:
    """Convert 2D layer data with values in [0, 1] to an 8-bit greyscale PIL image.

    See :func:`glimpse.images.ArrayToImage`.
    """
    return convert.ArrayToImage(data)
