"""The sample corpora "easy", "moderate" and "hard", generated deterministically.

Each corpus is drawn by numpy and Pillow from a fixed seed (no download, nothing shipped),
written once as PNG files to a cache directory and read from there afterwards:

- "easy": circles against crosses (plus signs), centred, of similar size, on a lightly
  noisy background.
- "moderate": the same two shapes at random positions, sizes, contrasts and (for crosses)
  rotations, among clutter (random line segments and arcs) and stronger noise.
- "hard": textures of short line segments that differ only in their orientation statistics:
  orientations concentrated around a random direction ("aligned") against uniformly spread
  orientations ("isotropic"); the number, length and placement of segments are drawn alike.

Every corpus has two classes of :data:`IMAGES_PER_CLASS` greyscale images of
:data:`IMAGE_SIZE` x :data:`IMAGE_SIZE` pixels.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["SAMPLE_CORPORA", "GetSampleCorpus", "SampleCorpusDir", "IMAGE_SIZE",
           "IMAGES_PER_CLASS"]

#: Side of every image of a sample corpus, in pixels.
IMAGE_SIZE = 128
#: Images in each class of a sample corpus.
IMAGES_PER_CLASS = 40
#: Bumped whenever the drawing changes, so stale caches are not reused.
_VERSION = 1


def _noise(rng, sigma, size=IMAGE_SIZE):
    return rng.normal(0.0, sigma, (size, size))


def _finish(canvas, rng, sigma):
    data = np.asarray(canvas, dtype=np.float64) + _noise(rng, sigma)
    return Image.fromarray(np.clip(np.rint(data), 0, 255).astype(np.uint8), "L")


def _circle(draw, cx, cy, r, width, fill):
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=fill, width=width)


def _cross(draw, cx, cy, r, width, fill, angle=0.0):
    for a in (angle, angle + np.pi / 2):
        dx, dy = r * np.cos(a), r * np.sin(a)
        draw.line([cx - dx, cy - dy, cx + dx, cy + dy], fill=fill, width=width)


def _easy(rng, label):
    canvas = Image.new("L", (IMAGE_SIZE, IMAGE_SIZE), 128)
    draw = ImageDraw.Draw(canvas)
    c = IMAGE_SIZE / 2
    cx, cy = c + rng.uniform(-6, 6), c + rng.uniform(-6, 6)
    r = rng.uniform(26, 36)
    width = int(rng.integers(3, 6))
    if label == 0:
        _circle(draw, cx, cy, r, width, 230)
    else:
        _cross(draw, cx, cy, r, width, 230)
    return _finish(canvas, rng, 8.0)


def _moderate(rng, label):
    canvas = Image.new("L", (IMAGE_SIZE, IMAGE_SIZE), int(rng.integers(90, 166)))
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(4, 9))):  # clutter: segments and arcs
        x, y = rng.uniform(0, IMAGE_SIZE, 2)
        fill = int(rng.integers(0, 256))
        if rng.random() < 0.5:
            a, length = rng.uniform(0, np.pi), rng.uniform(6, 18)
            draw.line([x, y, x + length * np.cos(a), y + length * np.sin(a)], fill=fill,
                      width=int(rng.integers(1, 4)))
        else:
            r, start = rng.uniform(5, 12), rng.uniform(0, 360)
            draw.arc([x - r, y - r, x + r, y + r], start, start + rng.uniform(40, 140),
                     fill=fill, width=int(rng.integers(1, 4)))
    r = rng.uniform(14, 34)
    cx, cy = rng.uniform(r + 2, IMAGE_SIZE - r - 2, 2)
    width = int(rng.integers(2, 6))
    fill = int(rng.choice([20, 40, 215, 235]))
    if label == 0:
        _circle(draw, cx, cy, r, width, fill)
    else:
        _cross(draw, cx, cy, r, width, fill, angle=rng.uniform(0, np.pi / 2))
    return _finish(canvas, rng, 18.0)


def _hard(rng, label):
    canvas = Image.new("L", (IMAGE_SIZE, IMAGE_SIZE), 128)
    draw = ImageDraw.Draw(canvas)
    n = int(rng.integers(50, 80))
    if label == 0:
        theta = rng.uniform(0, np.pi) + rng.vonmises(0.0, 2.0, n) / 2
    else:
        theta = rng.uniform(0, np.pi, n)
    for a in theta:
        x, y = rng.uniform(-8, IMAGE_SIZE + 8, 2)
        half = rng.uniform(5, 9)
        dx, dy = half * np.cos(a), half * np.sin(a)
        draw.line([x - dx, y - dy, x + dx, y + dy], fill=int(rng.choice([30, 225])), width=2)
    return _finish(canvas, rng, 12.0)


#: The sample corpora: name -> (class names, drawing function).
SAMPLE_CORPORA = {
    "easy": (("circle", "cross"), _easy),
    "moderate": (("circle", "cross"), _moderate),
    "hard": (("aligned", "isotropic"), _hard),
}


def _cache_root():
    root = os.environ.get("GLIMPSE_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
        root = os.path.join(base, "glimpse")
    return root


def SampleCorpusDir(name):
    """Where sample corpus `name` is (or would be) cached.

    The cache root is ``$GLIMPSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/glimpse``, else
    ``~/.cache/glimpse``; when that cannot be written, a directory under the system's
    temporary directory is used.
    """
    _check_name(name)
    return os.path.join(_cache_root(), "corpora", "%s-v%d" % (name, _VERSION))


def _check_name(name):
    if name not in SAMPLE_CORPORA:
        raise ValueError("corpus name must be one of %s, got %r"
                         % (", ".join(SAMPLE_CORPORA), name))


def _write(name, directory):
    class_names, draw = SAMPLE_CORPORA[name]
    index = list(SAMPLE_CORPORA).index(name)
    for label, cls in enumerate(class_names):
        os.makedirs(os.path.join(directory, cls))
        for i in range(IMAGES_PER_CLASS):
            rng = np.random.default_rng([index, label, i])
            draw(rng, label).save(os.path.join(directory, cls, "%s_%03d.png" % (cls, i)))


def GetSampleCorpus(name):
    """The directory of sample corpus `name`, generating it on first use.

    Parameters
    ----------
    name : str
        "easy", "moderate" or "hard".

    Returns
    -------
    str
        A directory laid out as ``<class>/<images>``: read it with
        :func:`glimpse.experiment.ReadCorpus`.
    """
    target = SampleCorpusDir(name)
    if os.path.isdir(target):
        return target
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError:
        target = os.path.join(tempfile.gettempdir(), "glimpse-%s" % os.getuid(), "corpora",
                              os.path.basename(target))
        if os.path.isdir(target):
            return target
        os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".%s." % os.path.basename(target),
                           dir=os.path.dirname(target))
    try:
        _write(name, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not os.path.isdir(target):  # not another process that got there first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
