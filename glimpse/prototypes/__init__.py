"""Prototypes: sample patches of a layer from a set of images, and imprint S2 prototypes.

Examples
--------
>>> import numpy as np
>>> from glimpse.models.ml import Model, Params
>>> rng = np.random.default_rng(0)
>>> images = [rng.random((70, 70), dtype=np.float32) for _ in range(3)]
>>> model = Model(params=Params(num_scales=2, s2_kwidth=[3]))
>>> (patches, locations), = SamplePatchesFromImages(model, "C1", 3, 5, images, rng=1)
>>> patches.shape, locations.shape
((5, 4, 3, 3), (5, 4))
"""

from __future__ import annotations

import copy
import os
from typing import Any, Sequence

import numpy as np

from ..backends import ACTIVATION_DTYPE, BackendError, InputSizeError
from ..models.base import BuildLayer, LayerSpec, Model, ResolveLayers, SamplePatchesFromData
from ..models.base.model import _note_array_input
from ..util import _checks, _random
from ..util.kernel import ScaleToUnitNorm

__all__ = ["SamplePatchesFromImages", "ImprintS2Prototypes"]


def _describe(image, index):
    if isinstance(image, (str, os.PathLike)):
        return "images[%d] (%s)" % (index, os.fspath(image))
    return "images[%d]" % index


def _locate(err, image, index):
    """Attach ``images[index]``'s index and path to ``err`` (those it does not know yet)."""
    if err.image_index is None:
        err.image_index = index
    if err.image_path is None and isinstance(image, (str, os.PathLike)):
        err.image_path = os.fspath(image)


def _sample_image(task):
    """Build one image's layer and sample its patches for every kernel size (a pool task)."""
    model, layer, image, index, sizes, counts, seed = task
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    try:
        data = BuildLayer(model, layer, image, save_all=False)[layer]
    except BackendError as err:
        if err.source is None:
            err.source = _describe(image, index)
        _locate(err, image, index)
        raise
    if isinstance(data, np.ndarray) and data.ndim == 2:
        data = [data[np.newaxis]]
    elif isinstance(data, (list, tuple)) and data and all(
            isinstance(d, np.ndarray) and d.ndim == 3 for d in data):
        pass
    elif isinstance(data, np.ndarray) and data.ndim == 4:
        data = list(data)
    else:
        raise ValueError("layer %s does not hold maps (a 2D array, or a list over scales of "
                         "(bands, height, width) arrays): patches cannot be sampled from it"
                         % layer.name)
    results = []
    for k, n in zip(sizes, counts):
        try:
            results.append(SamplePatchesFromData(data, k, n, rng=rng, backend=model.backend))
        except InputSizeError as err:
            err.source, err.layer = _describe(image, index), layer
            _locate(err, image, index)
            _note_array_input(err, image)
            raise
    return results


def SamplePatchesFromImages(
    model: Model,
    layer: LayerSpec | str,
    kernel_sizes: int | Sequence[int],
    num_kernels: int | Sequence[int],
    images: Sequence[Any],
    rng: None | int | np.random.Generator = None,
    normalize: bool = False,
    pool: Any = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sample patches of a layer from a set of images (imprinting).

    Parameters
    ----------
    model : Model
        The model whose layer is sampled.
    layer : LayerSpec or str
        The layer, e.g. ``Layer.C1`` or ``"C1"``. Its value must be a list over
        scales of maps (bands, height, width), or a 2D array (one band).
    kernel_sizes : int or sequence of int
        Patch widths, >= 1.
    num_kernels : int or sequence of int
        Patches per kernel size (one count for all sizes, or one per size), >= 0.
    images : sequence
        Anything :meth:`Model.MakeState` accepts: paths, PIL images,
        :class:`glimpse.images.Picture` objects (arrays prepared as pictures),
        2D arrays in [0, 1] (taken as the IMAGE layer), states.
    rng : None, int or numpy.random.Generator
        Source of randomness (see below); the same seed gives the same patches.
    normalize : bool
        Scale every patch to unit Euclidean norm (a patch of zeros stays zero).
    pool : object with an ordered ``map(func, items)``, optional
        Runs the per-image work (e.g. a process pool); None runs it here.
        The result does not depend on the pool.

    Returns
    -------
    list of (patches, locations), one pair per kernel size
        ``patches``: float32, (num_kernels, bands, k, k). ``locations``: intp,
        (num_kernels, 4), rows of (image index, scale, y, x) with (y, x) the
        patch's top-left corner in the map of that scale.

    Raises
    ------
    InputSizeError
        If a map of a chosen image is smaller than a kernel size; it names the
        image and the layer.
    BackendError
        (including :class:`~glimpse.backends.InputLoadError` and ``InputSizeError``)
        If an image cannot be read or computed: its ``image_index`` is the image's
        index in ``images``, its ``image_path`` the image's path when it has one.
    ValueError, TypeError
        For bad arguments.

    Notes
    -----
    Draw order (the reproducibility contract). With ``g =
    numpy.random.default_rng(rng)``:

    1. for each kernel size in order, the images of its patches:
       ``g.integers(0, len(images), size=num_kernels[j])`` (uniform);
    2. one child seed per image, in image order:
       ``g.integers(0, 2**32, size=(len(images), 4), dtype=uint32)``;
    3. every image chosen at least once builds its layer once and, with
       ``default_rng(SeedSequence(seed[i]))``, samples its patches for each
       kernel size in order with :func:`SamplePatchesFromData` (scale
       uniform, then the corner uniform within that scale);
    4. row r of size j's output is the next patch, in that image's order, of
       the image drawn for row r.

    Each image uses only its own seed, so pools of any kind and size give the
    same result.
    """
    if not isinstance(model, Model):
        raise TypeError("model must be a glimpse Model, got %s" % type(model).__name__)
    (layer,) = ResolveLayers(model, [layer])
    sizes = _checks.integers(kernel_sizes, "kernel_sizes", 1)
    counts = _checks.integers(num_kernels, "num_kernels", 0, length=len(sizes))
    if isinstance(images, (str, bytes, os.PathLike)) or not hasattr(images, "__len__"):
        raise TypeError("images must be a sequence of images, got %s" % type(images).__name__)
    images = list(images)
    if not images and any(counts):
        raise ValueError("images must hold at least one image to sample patches from")
    if pool is not None and not callable(getattr(pool, "map", None)):
        raise TypeError("pool must have a map(func, items) method, got %s"
                        % type(pool).__name__)
    generator = _random.generator(rng)
    if getattr(model, "s2_kernels", None) is not None and not _needs_s2(model, layer):
        model = copy.copy(model)  # the tasks need not carry the prototypes to a pool's workers
        model.s2_kernels = None
    n_images = len(images)
    chosen = [generator.integers(0, n_images, size=n) if n else np.zeros(0, np.intp)
              for n in counts]
    seeds = generator.integers(0, 2 ** 32, size=(n_images, 4), dtype=np.uint32)
    per_image = np.zeros((n_images, len(sizes)), np.intp)
    for j, idx in enumerate(chosen):
        per_image[:, j] = np.bincount(idx, minlength=n_images)
    needed = [i for i in range(n_images) if per_image[i].any()]
    tasks = [(model, layer, images[i], i, sizes, [int(c) for c in per_image[i]],
              [int(s) for s in seeds[i]]) for i in needed]
    if pool is None:
        outputs = [_sample_image(task) for task in tasks]
    else:
        outputs = list(pool.map(_sample_image, tasks))
    if len(outputs) != len(tasks):
        raise ValueError("pool.map returned %d results for %d images" % (len(outputs), len(tasks)))
    by_image = dict(zip(needed, outputs))
    results = []
    for j, (k, idx) in enumerate(zip(sizes, chosen)):
        n = len(idx)
        bands = None
        patches = None
        locations = np.empty((n, 4), np.intp)
        for i in needed:
            rows = np.flatnonzero(idx == i)
            if not len(rows):
                continue
            p, loc = by_image[i][j]
            p = p.reshape((len(rows), -1, k, k))
            if patches is None:
                bands = p.shape[1]
                patches = np.empty((n, bands, k, k), ACTIVATION_DTYPE)
            elif p.shape[1] != bands:
                raise ValueError("images[%d] gives %d bands in layer %s, the others %d"
                                 % (i, p.shape[1], layer.name, bands))
            patches[rows] = p
            locations[rows, 0] = i
            locations[rows, 1:] = loc
        if patches is None:
            patches = np.empty((0, _bands_hint(model, layer), k, k), ACTIVATION_DTYPE)
        if normalize and n:
            patches = ScaleToUnitNorm(patches)
        results.append((patches, locations))
    return results


def _needs_s2(model, layer):
    """Whether `layer` is computed with the S2 prototypes: S2, C2 (which a model may compute
    from C1 directly) or a layer built on either."""
    classes = model.LayerClass
    for name in ("S2", "C2"):
        top = getattr(classes, name, None)
        if top is not None and (layer == top or classes.IsSublayer(top, layer)):
            return True
    return False


def _bands_hint(model, layer):
    """Bands of `layer` when no patch was drawn (orientations for S1/C1, else 1)."""
    if getattr(layer, "id_", None) in ("s1", "c1"):
        return int(getattr(model.params, "s1_num_orientations", 1))
    return 1


def ImprintS2Prototypes(model, images, num_prototypes, rng=None, pool=None):
    """Imprint S2 prototypes from C1 patches of training images into ``model.s2_kernels``.

    Parameters
    ----------
    model : glimpse.models.ml.Model or glimpse.models.hmax.Model
        The model; one prototype set per entry of ``params.s2_kernel_shapes`` (the
        ``ml`` model's ``s2_kwidth``, the ``hmax`` model's ``s2_kwidths``).
    images : sequence
        Training images (paths, PIL images, :class:`glimpse.images.Picture`
        objects, 2D arrays in [0, 1] taken as the IMAGE layer, states).
    num_prototypes : int or sequence of int
        Prototypes per S2 kernel width (one count for all, or one per width), >= 1.
    rng : None, int or numpy.random.Generator
        Source of randomness (see :func:`SamplePatchesFromImages`).
    pool : object with an ordered ``map(func, items)``, optional
        Runs the per-image work; the result does not depend on it.

    Returns
    -------
    list of ndarray
        Per S2 kernel width, the locations (num_prototypes, 4) of the
        prototypes: (image index, scale, y, x) in the C1 layer (for the ``hmax``
        model, whose C1 bands play the role of scales: (image index, band, y, x)).

    Notes
    -----
    Prototypes are scaled to unit norm when ``params.s2_kernels_are_normed``.
    """
    if not hasattr(type(model), "s2_kernels") or not isinstance(model, Model):
        raise TypeError("model must be a glimpse model with S2 prototypes (s2_kernels), got %s"
                        % type(model).__name__)
    widths = [shape[-1] for shape in model.params.s2_kernel_shapes]
    counts = _checks.integers(num_prototypes, "num_prototypes", 1, length=len(widths))
    results = SamplePatchesFromImages(model, model.LayerClass.C1, widths, counts, images,
                                      rng=rng, normalize=model.params.s2_kernels_are_normed,
                                      pool=pool)
    model.s2_kernels = [patches for patches, _ in results]
    return [locations for _, locations in results]
