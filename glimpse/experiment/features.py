"""Feature vectors: model layers flattened into one row per image."""

from __future__ import annotations

import functools
import os

import numpy as np

from ..backends import InputLoadError, InputSizeError
from ..models.base import BuildLayer, ResolveLayers
from ..models.base.layer import LayerSpec
from ..util import _checks, npz
from ..util._progress import ProgressBar
from ._pool import pool_for

__all__ = ["ExtractFeatures", "ResolveLayers", "IterFeatures", "ComputeFeatures",
           "WriteFeatures", "NothingComputedError", "DEFAULT_BLOCK_SIZE"]

#: Images handed to the pool at once, and so the most feature rows held at a time besides
#: the output (see :func:`IterFeatures`).
DEFAULT_BLOCK_SIZE = 128


def _flatten(value, parts):
    if isinstance(value, np.ndarray):
        parts.append(value.reshape(-1))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _flatten(item, parts)
    else:
        raise TypeError("a layer's value must be an array or a list of arrays, got %s"
                        % type(value).__name__)


def _row(layers, state):
    parts = []
    for layer in layers:
        if layer not in state:
            raise ValueError("state has no %s layer" % layer.name)
        _flatten(state[layer], parts)
    if not parts:
        return np.empty(0, np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


def ExtractFeatures(layers, states):
    """Flatten the given layers of each state into one feature vector per state.

    Parameters
    ----------
    layers : sequence of LayerSpec
        The layers to use, in the order their values are concatenated.
    states : sequence of State
        Model states that hold every layer of `layers` (as :func:`BuildLayer` leaves them).

    Returns
    -------
    ndarray of float32, shape (len(states), num_features)
        Row i is state i's vector. The order of the values in a row: the layers in the order
        given; within a layer, its value flattened depth first (a list of arrays, such as
        one map per scale or one C2 vector per S2 kernel width, in list order), each array in
        C order (for a map: band, then row, then column).

    Raises
    ------
    ValueError
        If a state lacks a layer, or the states give vectors of different lengths (layers
        whose size depends on the image size need images prepared to one size).
    """
    if isinstance(layers, LayerSpec):
        layers = [layers]
    rows = [_row(layers, state) for state in states]
    if not rows:
        return np.empty((0, 0), np.float32)
    sizes = {len(r) for r in rows}
    if len(sizes) > 1:
        raise ValueError("states give feature vectors of different lengths %s: the layers' "
                         "sizes depend on the image size" % sorted(sizes))
    return np.stack(rows)


def _image_features(model, layers, image):
    """Features of one image, or the reason it was skipped. Runs in a pool worker."""
    try:
        state = BuildLayer(model, layers, image, save_all=False)
    except InputLoadError as err:
        return None, "unreadable: %s" % (err.msg or err)
    except InputSizeError as err:
        return None, "too small: %s" % (err.msg or err)
    return _row(layers, state), None


def _block_size(block_size):
    if block_size is None:
        return DEFAULT_BLOCK_SIZE
    return _checks.integer(block_size, "block_size", 1)


def IterFeatures(model, images, layers, pool=None, block_size=None, progress=False):
    """Compute feature vectors image by image, in order, in bounded memory.

    Parameters
    ----------
    model : Model
        The model (with its prototypes set if the layers need them).
    images : sequence
        Image paths (or anything :func:`BuildLayer` accepts).
    layers : sequence of str or LayerSpec
        The layers to flatten (see :func:`ExtractFeatures`).
    pool : None, str or pool object
        Where the images are computed (see :mod:`glimpse.pools`). A pool made here from a
        name (or the default) is closed at the end.
    block_size : int, optional
        Images handed to the pool at once (default :data:`DEFAULT_BLOCK_SIZE`).
    progress : bool
        Show a progress bar (tqdm, on stderr).

    Yields
    ------
    index : int
        The image's position in `images`, increasing.
    features : ndarray of float32 or None
        Its feature vector, or None when the image was skipped.
    reason : str or None
        Why the image was skipped ("unreadable: ..." or "too small: ...").

    Notes
    -----
    Memory: the images are handed to the pool `block_size` at a time, and a block's
    results are yielded before the next block starts, so at most `block_size` feature
    vectors are held at once (besides what the caller keeps), plus one model state per
    worker while it computes. The results depend only on the model and the images, never
    on the pool or its size.
    """
    layers = ResolveLayers(model, layers, "layers")
    block = _block_size(block_size)
    images = list(images)
    func = functools.partial(_image_features, model, layers)
    with pool_for(pool) as workers, ProgressBar(len(images), bool(progress), unit="image",
                                                leave=False) as bar:
        kw = {"progress": bar.update} if progress else {}
        for start in range(0, len(images), block):
            results = workers.map(func, images[start:start + block], **kw)
            for offset, (row, reason) in enumerate(results):
                yield start + offset, row, reason


def ComputeFeatures(model, images, layers, pool=None, block_size=None, progress=False):
    """Feature vectors of a list of images, skipping those that cannot be computed.

    Parameters are those of :func:`IterFeatures`.

    Returns
    -------
    features : ndarray of float32, shape (num_kept, num_features)
        One row per image that was computed, in order.
    kept : ndarray of bool, shape (len(images),)
        Which images have a row.
    skipped : list of (int, str)
        The index of each skipped image and the reason.
    """
    rows, kept, skipped = [], np.zeros(len(images), bool), []
    for index, row, reason in IterFeatures(model, images, layers, pool, block_size, progress):
        if row is None:
            skipped.append((index, reason))
        else:
            if rows and len(row) != len(rows[0]):
                raise ValueError("image %s gives %d features where earlier images gave %d: "
                                 "the layers' sizes depend on the image size"
                                 % (images[index], len(row), len(rows[0])))
            rows.append(row)
            kept[index] = True
    if not rows:
        return np.empty((0, 0), np.float32), kept, skipped
    return np.stack(rows), kept, skipped


class NothingComputedError(ValueError):
    """Every image was skipped: no feature vector was computed.

    Attributes
    ----------
    skipped : list of (int, str)
        The index of each image and why it was skipped.
    """

    def __init__(self, images, skipped):
        first = ("; the first, %s: %s" % (images[skipped[0][0]], skipped[0][1])
                 if skipped else "")
        super().__init__("no image could be computed: %d skipped%s" % (len(skipped), first))
        self.skipped = list(skipped)


def WriteFeatures(path, model, images, layers, pool=None, block_size=None, progress=False,
                  extra=None, labels=None, class_names=None):
    """Compute feature vectors and write them to an ``.npz`` file as they arrive.

    Rows go to a scratch file beside `path` as they are computed, so memory stays bounded
    whatever the number of images (see :func:`IterFeatures`); the ``.npz`` is then written
    atomically, the features copied into it in slices of at most
    :data:`glimpse.util.npz.CHUNK_BYTES` (:class:`glimpse.util.npz.RowSpool`).

    Parameters
    ----------
    path : str
        The output ``.npz``.
    model, images, layers, pool, block_size, progress
        As for :func:`IterFeatures`.
    extra : dict of str to array, optional
        More arrays to store in the file. Arrays named ``labels`` and ``class_names``
        are taken as the arguments of those names.
    labels : array of int, optional
        The class of each image, an index into `class_names`.
    class_names : sequence of str, optional
        The name of each class.

    Returns
    -------
    kept : ndarray of bool, shape (len(images),)
    skipped : list of (int, str)

    Raises
    ------
    ValueError
        If the layers or the arguments are not valid, or the images give feature vectors
        of different lengths; nothing is written then.
    NothingComputedError
        A ValueError: every image was skipped. Nothing is written, and a file already at
        `path` is left as it was.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file is a ``glimpse.features`` file (:func:`glimpse.files.write_features`): its
    ``metadata`` record names the model, its parameters, the layers and the class names;
    its arrays are ``features`` (float32, one row per kept image), ``kept`` (bool, one per
    image), ``image_paths`` (all images), ``skipped_paths``, ``skipped_reasons``,
    ``labels`` (when given) and the arrays of `extra`.
    """
    from .. import files
    from . import _models

    layers = ResolveLayers(model, layers)
    extra = dict(extra or {})
    if labels is None:
        labels = extra.pop("labels", None)
    if class_names is None and "class_names" in extra:
        class_names = [str(c) for c in extra.pop("class_names")]
    images = list(images)
    kept = np.zeros(len(images), bool)
    skipped = []
    spool = None  # made with the first row, whose length every row must have
    try:
        for index, row, reason in IterFeatures(model, images, layers, pool, block_size,
                                               progress):
            if row is None:
                skipped.append((index, reason))
                continue
            if spool is None:
                spool = npz.RowSpool((len(row),), np.float32,
                                     os.path.dirname(os.path.abspath(path)), name=path)
            elif len(row) != spool.row_shape[0]:
                raise ValueError("image %s gives %d features where earlier images gave %d"
                                 % (images[index], len(row), spool.row_shape[0]))
            spool.append(np.asarray(row, np.float32)[None])
            kept[index] = True
        if images and not kept.any():  # before the replace: the file there stays as it was
            raise NothingComputedError(images, skipped)
        files.write_features(
            path, np.zeros((0, 0), np.float32) if spool is None else spool, kept,
            images, [(images[i], r) for i, r in skipped], model=_models.model_name(model),
            params=model.params.AsDict(), layers=[x.name for x in layers], labels=labels,
            class_names=class_names, extra=extra)
    finally:
        if spool is not None:
            spool.close()
    return kept, skipped
