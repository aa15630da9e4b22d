"""Errors raised while a model computes its layers."""

from __future__ import annotations

__all__ = ["BackendError", "InputSizeError", "InputLoadError"]


class BackendError(Exception):
    """An error raised while computing a layer of a model.

    Parameters
    ----------
    msg : str, optional
        What went wrong.
    source : InputSource or str, optional
        The input being processed, when known.
    layer : LayerSpec or str, optional
        The layer being computed, when known.
    scale : int, optional
        The scale being processed, when known.
    image_index : int, optional
        The index of the image in the sequence of images a function was given, when
        known (for example :func:`glimpse.prototypes.SamplePatchesFromImages` sets it).
    image_path : str, optional
        The path of the image file, when known. When not given, the ``image_path`` of
        ``source`` (an :class:`glimpse.images.InputSource`), if it has one.

    Attributes
    ----------
    msg, source, layer, scale, image_index
        As given (None when unknown).
    image_path : str or None
        As given, else ``source.image_path`` when the source has one, else None.

    Notes
    -----
    ``str(err)`` names the source path, the layer and the scale whenever they
    are known. The attributes may be filled in after the error is raised (for
    example, :func:`glimpse.models.base.BuildLayer` attaches the state's
    source). Code that needs to know which image failed reads ``image_index`` and
    ``image_path``, never the message.
    """

    def __init__(self, msg=None, source=None, layer=None, scale=None, image_index=None,
                 image_path=None):
        super().__init__(msg)
        self.msg = msg
        self.source = source
        self.layer = layer
        self.scale = scale
        self.image_index = image_index
        self.image_path = image_path

    @property
    def image_path(self):
        """The path of the image file, or None when unknown (see the class notes)."""
        path = self.__dict__.get("_image_path")
        if path is None:
            path = getattr(self.source, "image_path", None)
        return path

    @image_path.setter
    def image_path(self, value):
        self.__dict__["_image_path"] = value

    def __str__(self):
        parts = []
        if self.source is not None:
            parts.append("source %s" % getattr(self.source, "image_path", self.source))
        if self.layer is not None:
            parts.append("layer %s" % getattr(self.layer, "name", self.layer))
        if self.scale is not None:
            parts.append("scale %s" % self.scale)
        text = self.msg if self.msg is not None else self._default_message()
        if parts:
            text = "%s (%s)" % (text, ", ".join(parts))
        return text

    def _default_message(self):
        return "backend error"

    def __reduce__(self):
        return (_rebuild_error, (type(self), self.__dict__.copy()))


def _rebuild_error(cls, state):
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("msg"))
    err.__dict__.update(state)
    return err


class InputSizeError(BackendError, ValueError):
    """The input is too small for the requested operation.

    ``scale`` is the index of the first scale that is too small, when known.
    Also a :class:`ValueError`, so code that guards against bad values catches
    it too.
    """

    def _default_message(self):
        return "input is too small"


class InputLoadError(BackendError):
    """The input image could not be read.

    Parameters
    ----------
    source : InputSource or str, optional
        The input whose file could not be read.
    msg : str, optional
        Why it could not be read.
    layer, scale, image_index, image_path : optional
        As for :class:`BackendError`.
    """

    def __init__(self, source=None, msg=None, layer=None, scale=None, image_index=None,
                 image_path=None):
        super().__init__(msg=msg, source=source, layer=layer, scale=scale,
                         image_index=image_index, image_path=image_path)

    def _default_message(self):
        return "could not load input image"
