"""Images: what a model takes as its input picture.

:class:`Picture` hands an array (or a PIL image) to a model as a picture to be prepared,
as an image file is.
"""

from .picture import Picture

__all__ = ["Picture"]
