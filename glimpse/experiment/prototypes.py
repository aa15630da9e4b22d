"""S2 prototypes for an experiment: imprinted from its training images, or drawn."""

from __future__ import annotations

import time

import numpy as np

from ..backends import InputLoadError, InputSizeError
from ..util import _checks, _random
from ..util.kernel import ScaleToUnitNorm
from . import _models
from ._algorithms import PROTOTYPE_ALGORITHMS
from ._pool import pool_for
from ._sklearn import require_sklearn
from .experiment import SetPrototypes, SplitCorpus
from .features import ResolveLayers

__all__ = ["MakePrototypes", "PROTOTYPE_ALGORITHMS"]

_HISTOGRAM_BINS = 100
#: kmeans clusters this many imprinted patches per prototype.
KMEANS_SAMPLES_PER_PROTOTYPE = 10


def _sample(model, layer, sizes, count, images, seed, pool):
    """Raw (unnormalised) patches of `images` drawn with `seed`, and their locations (rows of
    image index in `images`, scale, y, x), one array of each per width."""
    results = _models.sample_patches_from_images(
        model, layer, sizes, count, images, rng=np.random.default_rng(seed), normalize=False,
        pool=pool)
    return ([np.asarray(p, np.float32) for p, _ in results],
            [np.asarray(loc, np.int64).copy() for _, loc in results])


def _imprint(exp, layer, sizes, num, train, rng, pool):
    """Imprint raw (unnormalised) patches from the training images; unreadable ones are
    dropped and the draw redone."""
    seed = rng.integers(2**63)
    while True:
        images = [exp.corpus.paths[i] for i in train]
        if not images:
            raise ValueError("the experiment has no training image to imprint from%s"
                             % ("" if not exp.skipped else " (%d skipped, the last %s: %s)"
                                % ((len(exp.skipped),) + tuple(exp.skipped[-1]))))
        try:
            patches, locations = _sample(exp.model, layer, sizes, num, images, seed, pool)
        except (InputLoadError, InputSizeError) as err:
            bad = _failed_path(err, images)
            if bad is None:
                raise
            index = exp.corpus.paths.index(bad)
            keep = np.ones(len(exp.corpus), bool)
            keep[index] = False
            kind = "unreadable" if isinstance(err, InputLoadError) else "too small"
            exp.drop_images(keep, {index: "%s: %s" % (kind, err.msg or err)})
            train = np.flatnonzero(exp.train_mask)
            continue
        for loc in locations:  # image index among the training images -> in the corpus
            loc[:, 0] = train[loc[:, 0]]
        return patches, locations


def _failed_path(err, images):
    """The path among ``images`` of the image ``err`` names (its index, else its path)."""
    index = getattr(err, "image_index", None)
    if index is not None and 0 <= index < len(images):
        return images[index]
    path = getattr(err, "image_path", None)
    if path is not None and str(path) in images:
        return str(path)
    return None


def _spec(model, layer, kernel_sizes):
    """(layer, kernel widths, normalise) for imprinting into `model`."""
    if layer is None:
        if not _models.has_s2(model):
            raise ValueError("%s has no S2 prototypes: give layer and kernel_sizes to imprint "
                             "from another layer" % type(model).__name__)
        layer = "C1"
    (layer,) = ResolveLayers(model, [layer])
    if kernel_sizes is None:
        kernel_sizes = _models.s2_widths(model)
        if kernel_sizes is None:
            raise ValueError("kernel_sizes must be given for %s" % type(model).__name__)
    if isinstance(kernel_sizes, (int, np.integer)):
        kernel_sizes = [kernel_sizes]
    kernel_sizes = [int(k) for k in kernel_sizes]
    normalize = bool(getattr(model.params, "s2_kernels_are_normed", False))
    return layer, kernel_sizes, normalize


def MakePrototypes(exp, num_prototypes, algorithm="imprint", pool=None, rng=None, layer=None,
                   kernel_sizes=None):
    """Make S2 prototypes from the experiment's training images and give them to its model.

    Parameters
    ----------
    exp : Experiment
        Its corpus must be set; the train/test split is drawn first if it is not yet
        (:func:`SplitCorpus`), and only training images are used.
    num_prototypes : int
        Prototypes per S2 kernel width (>= 1).
    algorithm : str
        - "imprint": C1 patches at random images, scales and positions
          (:func:`glimpse.prototypes.SamplePatchesFromImages`); their locations are kept.
        - "uniform": values drawn uniformly from [0, 1).
        - "shuffle": imprinted, then the values of each prototype shuffled.
        - "histogram": values drawn from the histogram (100 bins) of the values of as many
          imprinted patches.
        - "normal": each value drawn from a normal distribution with the mean and standard
          deviation of that position (band, row, column) over as many imprinted patches.
        - "kmeans": the centres of scikit-learn's ``MiniBatchKMeans`` over
          ``10 * num_prototypes`` imprinted patches.

        When the model's S2 operation needs unit-norm kernels, each prototype is scaled to
        unit length last.
    pool : None, str or pool object
        Where the imprinting images are computed.
    rng : None, int or Generator
        Default: the experiment's "prototypes" stream, so the same experiment seed gives the
        same prototypes whatever the pool and its size.
    layer, kernel_sizes : optional
        Imprint from another layer or with other widths (default: C1 and the model's
        S2 widths). A model without S2 (the base model) needs both, and keeps the
        patches in the experiment only.

    Returns
    -------
    list of ndarray of float32
        One array (num_prototypes, bands, k, k) per kernel width: the new
        :attr:`Experiment.prototypes`.
    """
    exp.require_corpus()
    num, layer, sizes, normalize = _arguments(exp.model, num_prototypes, algorithm, layer,
                                              kernel_sizes)
    start = time.perf_counter()
    if exp.train_mask is None:
        SplitCorpus(exp)
    train = np.flatnonzero(exp.train_mask)
    rng = exp.rng("prototypes") if rng is None else _random.generator(rng)
    with pool_for(pool) as workers:
        def imprint(count, generator):
            return _imprint(exp, layer, sizes, count, train, generator, workers)

        protos, locations = _make(imprint, algorithm, num, rng, normalize)
    SetPrototypes(exp, protos, locations, algorithm)
    exp.timing["prototypes"] = time.perf_counter() - start
    return protos


def make_prototypes(model, images, num_prototypes, algorithm="imprint", pool=None, rng=None,
                    layer=None, kernel_sizes=None):
    """:func:`MakePrototypes` without an experiment: prototypes made from a list of images.

    Parameters
    ----------
    model : Model
        The model whose prototypes are made (they are not given to it).
    images : sequence
        Anything :func:`glimpse.models.base.BuildLayer` accepts (paths, PIL images,
        :class:`glimpse.images.Picture` objects, ...); all are imprinting images.
    num_prototypes, algorithm, pool, layer, kernel_sizes
        As for :func:`MakePrototypes`.
    rng : None, int or Generator
        Source of randomness: the same seed, or a Generator in the same state, gives the
        same prototypes whatever the pool.

    Returns
    -------
    prototypes : list of ndarray of float32
        One array (num_prototypes, bands, k, k) per kernel width.
    locations : list of ndarray of int64, or None
        For "imprint": rows of (index in `images`, scale, y, x) per width.

    Raises
    ------
    InputLoadError, InputSizeError
        If a chosen image cannot be read or is too small; the error's source names it
        (``images[i]``). Unlike :func:`MakePrototypes`, no image is dropped.
    """
    num, layer, sizes, normalize = _arguments(model, num_prototypes, algorithm, layer,
                                              kernel_sizes)
    images = list(images)
    rng = _random.generator(rng)
    with pool_for(pool) as workers:
        def imprint(count, generator):
            return _sample(model, layer, sizes, count, images, generator.integers(2**63),
                           workers)

        return _make(imprint, algorithm, num, rng, normalize)


def _arguments(model, num_prototypes, algorithm, layer, kernel_sizes):
    """The checked (num, layer, kernel widths, normalise) of a prototype request."""
    if algorithm not in PROTOTYPE_ALGORITHMS:
        raise ValueError("algorithm must be one of %s, got %r"
                         % (", ".join(PROTOTYPE_ALGORITHMS), algorithm))
    num = _checks.integer(num_prototypes, "num_prototypes", 1)
    if algorithm == "kmeans":
        require_sklearn()
    return (num,) + _spec(model, layer, kernel_sizes)


def _make(imprint, algorithm, num, rng, normalize):
    """Prototypes (C-ordered float32, unit norm when `normalize`) and imprint locations;
    ``imprint(count, rng)`` gives `count` raw patches per width and their locations."""
    sample_count = num * KMEANS_SAMPLES_PER_PROTOTYPE if algorithm == "kmeans" else num
    locations = None
    if algorithm == "uniform":
        shapes = _imprinted_shapes(imprint)
        protos = [rng.random((num,) + shape, dtype=np.float32) for shape in shapes]
    else:
        patches, locs = imprint(sample_count, rng)
        if algorithm == "imprint":
            protos, locations = patches, locs
        elif algorithm == "shuffle":
            protos = [rng.permuted(p.reshape(len(p), -1), axis=1).reshape(p.shape)
                      for p in patches]
        elif algorithm == "histogram":
            protos = [_from_histogram(p, num, rng) for p in patches]
        elif algorithm == "normal":
            protos = [(rng.standard_normal(p.shape) * p.std(axis=0) + p.mean(axis=0))
                      .astype(np.float32) for p in patches]
        else:
            protos = [_kmeans(p, num, rng) for p in patches]
    if normalize:
        protos = [ScaleToUnitNorm(p) for p in protos]
    return [np.ascontiguousarray(p, np.float32) for p in protos], locations


def _imprinted_shapes(imprint):
    """The shape (bands, k, k) of one patch per width, from one imprinted patch."""
    patches, _ = imprint(1, np.random.default_rng(0))
    return [p.shape[1:] for p in patches]


def _from_histogram(patches, num, rng):
    values = patches.reshape(-1).astype(np.float64)
    counts, edges = np.histogram(values, bins=_HISTOGRAM_BINS)
    size = num * int(np.prod(patches.shape[1:]))
    bins = rng.choice(len(counts), size=size, p=counts / counts.sum())
    drawn = edges[bins] + rng.random(size) * (edges[bins + 1] - edges[bins])
    return drawn.astype(np.float32).reshape((num,) + patches.shape[1:])


def _kmeans(patches, num, rng):
    from sklearn.cluster import MiniBatchKMeans

    flat = patches.reshape(len(patches), -1).astype(np.float64)
    km = MiniBatchKMeans(n_clusters=num, n_init=3, random_state=int(rng.integers(2**31)))
    km.fit(flat)
    return km.cluster_centers_.astype(np.float32).reshape((num,) + patches.shape[1:])
