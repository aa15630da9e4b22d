"""scikit-learn's door to glimpse: :class:`HmaxFeatures`, a transformer of images.

``HmaxFeatures`` learns S2 prototypes from the images it is fitted on and turns every image
into one row of model features (C2 by default), so glimpse fits in a ``Pipeline``,
``cross_val_score``, ``GridSearchCV``, ``clone`` and ``joblib``. It is a frontend over the
experiment functions (:func:`glimpse.experiment.MakePrototypes`'s algorithms and
:func:`glimpse.experiment.IterFeatures`), not a second copy of them.

It needs scikit-learn 1.6 or later: ``pip install 'glimpse-vision[experiment]'``.

Examples
--------
>>> import numpy as np
>>> from glimpse.sklearn import HmaxFeatures
>>> images = np.random.default_rng(0).random((4, 32, 32))
>>> hmax = HmaxFeatures(n_prototypes=3, params={"num_scales": 2}, random_state=0)
>>> hmax.fit_transform(images).shape
(4, 3)
>>> hmax.get_feature_names_out()[:2].tolist()
['c2_w7_p0', 'c2_w7_p1']
"""

from __future__ import annotations

import copy
import math
import numbers
import os

import numpy as np
from PIL import Image

from .experiment._sklearn import INSTALL_HINT

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import (_check_feature_names_in, check_array,
                                          check_is_fitted, validate_data)
except ImportError:  # no scikit-learn, or one older than 1.6 (no validate_data)
    raise ImportError("glimpse.sklearn needs scikit-learn 1.6 or later; install it with: "
                      "pip install -U 'glimpse-vision[experiment]' (%s)"
                      % INSTALL_HINT) from None

from .backends import InputLoadError, InputSizeError
from .experiment import _models
from .experiment.features import IterFeatures, ResolveLayers, _flatten
from .experiment.prototypes import make_prototypes
from .images import Picture
from .models import MODELS
from .models.base import BuildLayer
from .pools import MakePool, default_workers
from .util import _checks

__all__ = ["HmaxFeatures"]


def _is_image(item):
    """Whether a list item is one image (rather than a row of numbers)."""
    return isinstance(item, (str, os.PathLike, Image.Image, Picture)) or (
        isinstance(item, np.ndarray) and item.ndim in (2, 3))


def _ndim(X):
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except (TypeError, ValueError):  # ragged, ...: check_array says what is wrong
            ndim = 2
    return ndim


def _generator(random_state):
    """A numpy Generator for `random_state` (None, int, Generator or RandomState)."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32, size=4, dtype=np.uint32))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.default_rng(_checks.integer(random_state, "random_state", 0))
    raise TypeError("random_state must be None, an int, a numpy Generator or a RandomState, "
                    "got %s" % _checks.show(random_state))


def _workers(n_jobs):
    """The number of threads for `n_jobs`, as scikit-learn means it (None: 1, -1: all)."""
    if n_jobs is None:
        return 1
    n_jobs = _checks.integer(n_jobs, "n_jobs")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a non-zero int or None, got 0")
    return n_jobs if n_jobs > 0 else max(1, default_workers() + 1 + n_jobs)


def _row_shape(image_shape, n_features):
    """(height, width) of the images whose pixels are the rows of a 2D X."""
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError("image_shape must be given for a 2D X whose rows are not square "
                             "images: got %d features, not a square number" % n_features)
        return side, side
    try:
        height, width = (int(s) for s in image_shape)
    except (TypeError, ValueError):
        raise ValueError("image_shape must be (height, width), got %s"
                         % _checks.show(image_shape)) from None
    if height == -1 and width > 0 and n_features % width == 0:
        height = n_features // width
    elif width == -1 and height > 0 and n_features % height == 0:
        width = n_features // height
    if height <= 0 or width <= 0 or height * width != n_features:
        raise ValueError("image_shape must hold the %d features of a row of X (one side may "
                         "be -1), got %s" % (n_features, _checks.show(image_shape)))
    return height, width


def _picture(image, index):
    """``Picture(image)``, its errors naming ``X[index]``."""
    try:
        return Picture(image)
    except (TypeError, ValueError) as err:
        raise type(err)("X[%d]: %s" % (index, err)) from None


def _pictures(X, shape):
    """One Picture per row (2D X, image `shape`) or per item (3D X) of the array X."""
    return [_picture(image.reshape(shape), i) for i, image in enumerate(X)]


def _feature_names(layers, state, prototypes):
    """The name of each value of a feature row computed from `state`."""
    names = []
    for layer in layers:
        value, prefix = state[layer], layer.name.lower()
        if isinstance(value, list) and len(value) == len(prototypes) and all(
                np.ndim(v) == 1 and len(v) == len(p) for v, p in zip(value, prototypes)):
            for p in prototypes:  # one value per prototype, per S2 width
                names.extend("%s_w%d_p%d" % (prefix, p.shape[-1], i) for i in range(len(p)))
        else:
            parts = []
            _flatten(value, parts)
            names.extend("%s_%d" % (prefix, i) for i in range(sum(len(p) for p in parts)))
    return np.asarray(names, dtype=object)


class HmaxFeatures(TransformerMixin, BaseEstimator):
    """Model features of images, with S2 prototypes learned from the images in `fit`.

    Parameters
    ----------
    model : str, default="ml"
        A model name :mod:`glimpse.models` knows (its registry ``MODELS``).
    params : None, dict or Params, default=None
        The model's parameters: None for its defaults, a dict of values, or a Params object
        of the model (copied).
    n_prototypes : int, default=10
        Prototypes per S2 kernel width.
    algorithm : str, default="imprint"
        How the prototypes are made: any of
        :data:`glimpse.experiment.PROTOTYPE_ALGORITHMS` (see
        :func:`glimpse.experiment.MakePrototypes`).
    layers : str or list of str, default="C2"
        The layer(s) whose values make a row, in order (see
        :func:`glimpse.experiment.ExtractFeatures`). Layers whose size depends on the image
        size (S1, C1, S2) need images prepared to one size (``params`` with
        ``image_resize_method="scale and crop"``).
    image_shape : None or (int, int), default=None
        (height, width) of the images whose pixels are the rows of a 2D `X`; one side may
        be -1 (inferred from the other, as in ``numpy.reshape``). None: the rows must be
        square images (a square number of features, as 8x8 or 28x28 digits are).
    n_jobs : None or int, default=None
        Threads of glimpse's thread pool (:class:`glimpse.pools.ThreadPool`) computing the
        images. None: one (in the calling thread); -1: one per CPU this process may use
        (-2: all but one, ...). The results do not depend on it, bit for bit.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Draws the prototypes. The same int, or a Generator or RandomState in the same state,
        gives the same prototypes (a Generator or RandomState is advanced by `fit`); None
        draws fresh ones at every `fit`.

    Attributes
    ----------
    model_ : Model
        The fitted model, holding the prototypes (its ``s2_kernels``).
    prototypes_ : list of ndarray of float32
        One array (n_prototypes, bands, k, k) per S2 kernel width (empty for a model
        without S2 prototypes).
    prototype_locations_ : list of ndarray of int64, or None
        For imprinted prototypes, rows of (index of the image in the X given to `fit`,
        scale, y, x) per width; None for the other algorithms.
    n_features_in_ : int
        The number of values of a row of `X`, when `fit` was given a 2D `X`.
    feature_names_in_ : ndarray of str
        The column names of `X`, when `fit` was given a DataFrame with string columns.

    Notes
    -----
    What `X` may be, in `fit` and `transform`:

    - a 3D array (n_images, height, width): of floats, grey intensities with 0 black and 1
      white (values outside [0, 1] are clipped to it, as a Pillow mode 'F' image's are),
      or of uint8 (or other integers in [0, 255]): 8-bit grey levels;
    - a 2D array (n_images, height * width) of such values, each row an image flattened
      in C order (see `image_shape`);
    - a list of images of any sizes: 2D arrays (as above), PIL images, paths of image
      files, :class:`glimpse.images.Picture` objects.

    Every form goes through the model's image preparation (``params.image_resize_method``:
    by default the short edge is scaled to 220 pixels), so one picture gives the same
    row whether it arrives as a file, a PIL image or an array (see
    :class:`glimpse.images.Picture`).

    An image that cannot be computed (unreadable, or too small for the model) makes
    `transform` raise a ValueError naming its index, as does an image whose row has
    another length than those of the images `fit` saw.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import LinearSVC
    >>> digits = load_digits()
    >>> X, y = digits.images[:40] / 16, digits.target[:40]  # floats in [0, 1]
    >>> pipe = make_pipeline(HmaxFeatures(n_prototypes=5, params={"num_scales": 3},
    ...                                   random_state=0), StandardScaler(), LinearSVC())
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    def __init__(self, model="ml", params=None, n_prototypes=10, algorithm="imprint",
                 layers="C2", image_shape=None, n_jobs=None, random_state=None):
        self.model = model
        self.params = params
        self.n_prototypes = n_prototypes
        self.algorithm = algorithm
        self.layers = layers
        self.image_shape = image_shape
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]  # every row is float32
        return tags

    def _make_model(self):
        if not isinstance(self.model, str):
            raise TypeError("model must be a model name, one of %s, got %s"
                            % (", ".join(sorted(MODELS)),
                               _checks.show(self.model)))
        params = self.params
        if params is not None and not isinstance(params, dict):
            params = copy.deepcopy(params)
        return _models.make_model(self.model, params)

    def _pool(self):
        workers = _workers(self.n_jobs)
        return MakePool("serial") if workers == 1 else MakePool("threads", workers=workers)

    def _images(self, X, reset):
        """The images of `X`, as BuildLayer takes them; checks X as scikit-learn does."""
        if isinstance(X, (list, tuple)) and len(X) and all(_is_image(x) for x in X):
            if reset:
                self._forget_input_features()
            return [_picture(item, i) if isinstance(item, np.ndarray) else item
                    for i, item in enumerate(X)]
        ndim = _ndim(X)
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype="numeric", order="C")
            if reset:
                self._forget_input_features()
            return _pictures(X, X.shape[1:])
        if ndim > 3:
            raise ValueError("X must be a 2D array of flattened images, a 3D array (n_images, "
                             "height, width) or a list of images, got a %dD array" % ndim)
        X = validate_data(self, X, reset=reset, dtype="numeric", order="C")
        return _pictures(X, _row_shape(self.image_shape, X.shape[1]))

    def _forget_input_features(self):
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self, name):
                delattr(self, name)

    def fit(self, X, y=None):
        """Learn the S2 prototypes from the images of `X`.

        Parameters
        ----------
        X : array-like or list of images
            See the class notes.
        y : None
            Ignored.

        Returns
        -------
        self : HmaxFeatures
            Fitted.

        Raises
        ------
        ValueError
            For bad input or parameters, or an image that cannot be computed (named by
            its index).
        """
        images = self._images(X, reset=True)
        model = self._make_model()
        layers = ResolveLayers(model, self.layers)
        rng = _generator(self.random_state)
        prototypes, locations = [], None
        with self._pool() as pool:
            if _models.has_s2(model):
                try:
                    prototypes, locations = make_prototypes(
                        model, images, self.n_prototypes, self.algorithm, pool=pool, rng=rng)
                except (InputLoadError, InputSizeError) as err:
                    raise ValueError("X[%s] cannot be computed: %s"
                                     % (getattr(err, "image_index", "?"), err)) from None
                model.s2_kernels = prototypes
            try:  # the layout of a row, from the first image
                state = BuildLayer(model, layers, images[0], save_all=False)
            except (InputLoadError, InputSizeError) as err:
                raise ValueError("X[0] cannot be computed: %s" % err) from None
        self.model_ = model
        self.prototypes_ = prototypes
        self.prototype_locations_ = locations
        self._layers = layers
        self._names_out = _feature_names(layers, state, prototypes)
        return self

    def transform(self, X):
        """Compute the feature row of every image of `X`.

        Parameters
        ----------
        X : array-like or list of images
            See the class notes.

        Returns
        -------
        ndarray of float32, shape (n_images, n_features_out)
            Row i is the features of image i.

        Raises
        ------
        ValueError
            For bad input, or an image that cannot be computed or gives a row of another
            length than the fitted images did (named by its index).
        """
        check_is_fitted(self)
        images = self._images(X, reset=False)
        width = len(self._names_out)
        out = np.empty((len(images), width), np.float32)
        with self._pool() as pool:
            for index, row, reason in IterFeatures(self.model_, images, self._layers,
                                                   pool=pool):
                if row is None:
                    raise ValueError("X[%d] cannot be computed: %s" % (index, reason))
                if len(row) != width:
                    raise ValueError(
                        "X[%d] gives %d features where the images fitted gave %d: the "
                        "layers' sizes depend on the image size (prepare the images to one "
                        "size with params image_resize_method='scale and crop')"
                        % (index, len(row), width))
                out[index] = row
        return out

    def get_feature_names_out(self, input_features=None):
        """The name of each output feature: layer, S2 width and prototype (``c2_w7_p0``).

        Parameters
        ----------
        input_features : array-like of str, optional
            Checked against the input features seen in `fit`, else unused.

        Returns
        -------
        ndarray of str (object)
            Values of a C2-like layer (one per prototype per S2 width) are named
            ``<layer>_w<width>_p<index>``; values of other layers ``<layer>_<index>``, in
            the order of a row.
        """
        check_is_fitted(self)
        if hasattr(self, "n_features_in_"):
            _check_feature_names_in(self, input_features)
        return self._names_out.copy()
