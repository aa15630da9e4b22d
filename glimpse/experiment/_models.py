"""The model registry and imprinting, as the experiment module uses them.

The experiment module reaches models through :func:`glimpse.models.MakeModel` and friends and
imprints through :func:`glimpse.prototypes.SamplePatchesFromImages`. This module is the one
place that does so, so the rest of the module names no model class.
"""

from __future__ import annotations

import numpy as np

from .. import models as _models
from ..models import base as _base

__all__ = ["make_model", "model_name", "model_class", "has_s2", "sample_patches_from_images"]


def model_class(name=None):
    """The model class called `name` (None: the default model)."""
    get = getattr(_models, "GetModelClass", None)
    if get is not None:
        return get(name)
    if name not in (None, "base"):
        raise ValueError("unknown model %r; known: base" % (name,))
    return _base.Model


def make_model(name=None, params=None):
    """A new model of class `name` with `params` (a Params object or a dict of values)."""
    cls = model_class(name)
    if params is None:
        params = cls.ParamClass()
    elif isinstance(params, dict):
        params = cls.ParamClass(**params)
    return cls(params=params)


def model_name(model):
    """The registry name of `model`'s class."""
    for name in ("ml", "base"):
        try:
            cls = model_class(name)
        except (ValueError, KeyError):
            continue
        if type(model) is cls:
            return name
    raise ValueError("model must be a registered glimpse model, got %s" % type(model).__name__)


def has_s2(model):
    """Whether `model` has S2 kernels (prototypes) to imprint."""
    return hasattr(type(model), "s2_kernels")


def _sample_one(job):
    model, layer, sizes, counts, image, seed = job
    rng = np.random.default_rng(seed)
    out = []
    for k in sizes:
        if counts == 0:
            out.append((None, None))
            continue
        patches, locs = _base.SamplePatches(model, layer, counts, k, image, rng=rng)
        out.append((patches, locs))
    return out


def _fallback_sample(model, layer, kernel_sizes, num_kernels, images, rng=None,
                     normalize=False, pool=None):
    # Used only while glimpse.prototypes is missing: the same contract, drawn with
    # SamplePatches per image (each patch's image uniformly, then scale and position).
    rng = np.random.default_rng(rng)
    image_of = rng.integers(len(images), size=num_kernels) if len(images) else np.empty(0, int)
    seeds = rng.integers(2**63, size=len(images))
    counts = np.bincount(image_of, minlength=len(images))
    jobs = [(model, layer, list(kernel_sizes), int(counts[i]), images[i], int(seeds[i]))
            for i in range(len(images)) if counts[i]]
    per_image = pool.map(_sample_one, jobs) if pool is not None else map(_sample_one, jobs)
    per_image = list(per_image)
    used = [i for i in range(len(images)) if counts[i]]
    results = []
    for j, _k in enumerate(kernel_sizes):
        patches = [r[j][0] for r in per_image]
        locs = [np.column_stack([np.full(len(r[j][1]), i), r[j][1]])
                for i, r in zip(used, per_image)]
        p = np.concatenate(patches).astype(np.float32)
        if p.ndim == 3:
            p = p[:, None]
        if normalize:
            norms = np.sqrt((p.reshape(len(p), -1).astype(np.float64) ** 2).sum(1))
            p /= np.maximum(norms, 1e-12).astype(np.float32)[:, None, None, None]
        results.append((p, np.concatenate(locs).astype(np.int64)))
    return results


def sample_patches_from_images(model, layer, kernel_sizes, num_kernels, images, rng=None,
                               normalize=False, pool=None):
    """Imprint: :func:`glimpse.prototypes.SamplePatchesFromImages`."""
    try:
        from ..prototypes import SamplePatchesFromImages
    except ImportError:
        SamplePatchesFromImages = _fallback_sample
    return SamplePatchesFromImages(model, layer, kernel_sizes, num_kernels, images, rng=rng,
                                   normalize=normalize, pool=pool)
