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

    Notes
    -----
    ``str(err)`` names the source path, the layer and the scale whenever they
    are known. The attributes may be filled in after the error is raised (for
    example, :func:`glimpse.models.base.BuildLayer` attaches the state's
    source).
    """

    def __init__(self, msg=None, source=None, layer=None, scale=None):
        super().__init__(msg)
        self.msg = msg
        self.source = source
        self.layer = layer
        self.scale = scale

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
    """

    def __init__(self, source=None, msg=None, layer=None, scale=None):
        super().__init__(msg=msg, source=source, layer=layer, scale=scale)

    def _default_message(self):
        return "could not load input image"
