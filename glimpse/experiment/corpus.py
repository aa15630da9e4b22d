"""Corpora: image paths with class labels, read from directories or given as lists."""

from __future__ import annotations

import os

import numpy as np

from ..util import _checks
from ..util.fileio import quote_path
from ..util.imagefiles import WalkImages

__all__ = [
    "Corpus",
    "ReadCorpus",
    "ReadCorpusSubdirs",
    "ReadCorpusSplit",
    "MakeCorpus",
]


class Corpus:
    """A list of images with class labels.

    Parameters
    ----------
    paths : sequence of str
        Image files.
    labels : sequence of int
        The class of each image, an index into `class_names`.
    class_names : sequence of str
        The name of each class.
    train : sequence of bool, optional
        A fixed train/test split (True for a training image), as given by separate train and
        test directories. None: the experiment draws the split.

    Attributes
    ----------
    paths : list of str
    labels : ndarray of int64, shape (n,)
    class_names : list of str
    train : ndarray of bool, shape (n,), or None
    """

    def __init__(self, paths, labels, class_names, train=None):
        paths = [os.fspath(p) for p in paths]
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) != len(paths):
            raise ValueError("labels must be one label per path (%d), got shape %s"
                             % (len(paths), labels.shape))
        if len(labels) and labels.dtype.kind not in "iu":
            raise ValueError("labels must be integers, got dtype %s" % labels.dtype)
        class_names = [str(c) for c in class_names]
        if len(set(class_names)) != len(class_names):
            raise ValueError("class_names must be distinct, got %r" % (class_names,))
        if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
            raise ValueError("labels must lie in [0, %d), got range [%d, %d]"
                             % (len(class_names), labels.min(), labels.max()))
        if train is not None:
            train = np.asarray(train, dtype=bool)
            if train.shape != labels.shape:
                raise ValueError("train must have one flag per path (%d), got shape %s"
                                 % (len(paths), train.shape))
        self.paths = paths
        self.labels = labels.astype(np.int64)
        self.class_names = class_names
        self.train = train

    def __len__(self):
        return len(self.paths)

    def subset(self, keep):
        """The corpus restricted to the images where the boolean mask `keep` is True."""
        keep = np.asarray(keep, dtype=bool)
        return Corpus([p for p, k in zip(self.paths, keep) if k], self.labels[keep],
                      self.class_names, None if self.train is None else self.train[keep])

    def __repr__(self):
        return "Corpus(%d images, classes %s)" % (len(self), self.class_names)


def _images_in(directory):
    """Image files under `directory`, sorted (:func:`glimpse.util.imagefiles.WalkImages`)."""
    if not os.path.isdir(directory):
        raise ValueError("corpus directory %s does not exist or is not a directory"
                         % quote_path(directory))
    return WalkImages(directory)


def _class_dirs(root):
    if not os.path.isdir(root):
        raise ValueError("corpus directory %s does not exist or is not a directory"
                         % quote_path(root))
    names = sorted(d for d in os.listdir(root)
                   if not d.startswith(".") and os.path.isdir(os.path.join(root, d)))
    if len(names) < 2:
        raise ValueError("corpus %s must hold a sub-directory per class (two or more), "
                         "got %d" % (quote_path(root), len(names)))
    return [os.path.join(root, n) for n in names]


def ReadCorpusSubdirs(class_dirs, class_names=None):
    """Read a corpus from one directory per class.

    Parameters
    ----------
    class_dirs : sequence of str
        One directory per class, in label order; each is walked recursively for image files
        (by extension), sorted by path.
    class_names : sequence of str, optional
        Default: the directories' base names.

    Returns
    -------
    Corpus
    """
    class_dirs = [os.fspath(d) for d in class_dirs]
    if class_names is None:
        class_names = [os.path.basename(os.path.normpath(d)) for d in class_dirs]
    if len(class_names) != len(class_dirs):
        raise ValueError("class_names must name each of the %d directories, got %d"
                         % (len(class_dirs), len(class_names)))
    paths, labels = [], []
    for label, directory in enumerate(class_dirs):
        images = _images_in(directory)
        if not images:
            raise ValueError("class directory %s holds no image files" % quote_path(directory))
        paths.extend(images)
        labels.extend([label] * len(images))
    return Corpus(paths, labels, class_names)


def ReadCorpus(root):
    """Read a corpus laid out as ``root/<class>/<images>``.

    Parameters
    ----------
    root : str
        A directory holding one sub-directory per class; classes are the sub-directories'
        names, sorted (label i is the i-th name), and each is walked recursively for image
        files, sorted by path.

    Returns
    -------
    Corpus
    """
    return ReadCorpusSubdirs(_class_dirs(os.fspath(root)))


def ReadCorpusSplit(train_root, test_root):
    """Read a corpus with a fixed split: ``train_root/<class>/...`` and ``test_root/<class>/...``.

    Both directories must hold the same class sub-directories.

    Returns
    -------
    Corpus
        Training images first, with :attr:`Corpus.train` set.
    """
    train = ReadCorpus(train_root)
    test = ReadCorpus(test_root)
    if train.class_names != test.class_names:
        raise ValueError("train and test corpora must have the same classes, got %s and %s"
                         % (train.class_names, test.class_names))
    return Corpus(train.paths + test.paths, np.concatenate([train.labels, test.labels]),
                  train.class_names, [True] * len(train) + [False] * len(test))


def MakeCorpus(paths, labels, class_names=None):
    """A corpus from a list of images and their labels (no directory layout needed).

    Parameters
    ----------
    paths : sequence of str
    labels : sequence of str or int
        Class names (classes are then the sorted distinct names) or integer labels (>= 0);
        floats are refused, never truncated.
    class_names : sequence of str, optional
        For integer labels: the class names (default "0", "1", ...).

    Raises
    ------
    ValueError
        If `labels` are not one integer or class name per path, or name a class not in
        `class_names`.
    """
    labels = _checks.labels(labels, "labels")
    if len(labels) != len(paths):
        raise ValueError("labels must be one label per path (%d), got %d"
                         % (len(paths), len(labels)))
    if labels and isinstance(labels[0], str):
        if class_names is None:
            class_names = sorted(set(labels))
        index = {c: i for i, c in enumerate(class_names)}
        missing = sorted(set(labels) - set(index))
        if missing:
            raise ValueError("labels %s are not in class_names %s" % (missing, class_names))
        labels = [index[x] for x in labels]
    else:
        labels = np.asarray(labels, dtype=np.int64) if labels else np.empty(0, np.int64)
        if class_names is None:
            class_names = [str(i) for i in range(int(labels.max()) + 1 if len(labels) else 0)]
    return Corpus(paths, labels, class_names)
