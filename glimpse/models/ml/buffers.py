"""The per-thread buffers the HMAX model writes its S1 and S2 maps into.

The maps of one layer of one image are views of one float32 buffer. A thread keeps its
buffer for each layer (when it holds at most :data:`REUSED_LAYER_BYTES`) and reuses it
for its next image once no map of it is referenced any more.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

from ...backends import ACTIVATION_DTYPE

__all__ = ["REUSED_LAYER_BYTES", "LayerBuffer", "BufferViews", "LayerMaps"]

#: Largest layer, in bytes, whose memory a thread keeps for its next image.
REUSED_LAYER_BYTES = 64 << 20

_per_thread = threading.local()


def LayerBuffer(layer, size):
    """A float32 buffer of at least `size` values for the maps of one layer (S1 or S2).

    The buffer of this thread's previous such layer when nothing refers to it any more
    (no map of it is alive), else a new one, kept for next time when it holds at most
    :data:`REUSED_LAYER_BYTES`. Reusing it spares what freeing a layer's maps at the end
    of an image and allocating them again for the next costs: the allocator gives the
    pages back to the system while the GIL is held, and they are faulted in afresh.
    """
    buffers = _per_thread.__dict__.setdefault("buffers", {})
    # Any map (view) of the buffer still alive adds a reference to it (a view's base is the
    # buffer itself). The count of an unused buffer is measured through the same function
    # at import, so that no interpreter's way of counting is assumed; nothing here holds
    # the buffer while it is counted.
    if layer in buffers and _references(buffers, layer) == _UNUSED:
        if buffers[layer].size >= size:
            return buffers[layer]
    buffer = np.empty(size, ACTIVATION_DTYPE)
    if size * buffer.itemsize <= REUSED_LAYER_BYTES:
        buffers[layer] = buffer
    else:
        buffers.pop(layer, None)
    return buffer


def _references(buffers, key):
    """How many references the array ``buffers[key]`` has, seen from here."""
    return sys.getrefcount(buffers[key])


#: What :func:`_references` gives for an array referred to only by its dictionary.
_UNUSED = _references({"probe": np.empty(1, ACTIVATION_DTYPE)}, "probe")


def BufferViews(buffer, shapes):
    """Consecutive C-contiguous views of `buffer` with the given shapes."""
    views, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(buffer[offset:offset + size].reshape(shape))
        offset += size
    return views


def LayerMaps(layer, shapes):
    """C-contiguous float32 maps of the given shapes, consecutive in this thread's buffer
    for ``layer`` (see :func:`LayerBuffer`)."""
    return BufferViews(LayerBuffer(layer, sum(math.prod(shape) for shape in shapes)), shapes)
