"""glimpse.sklearn.HmaxFeatures: scikit-learn's conventions, one preparation, pools, seeds."""

import doctest
import pickle
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("sklearn", minversion="1.6")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import glimpse.images.picture  # noqa: E402
import glimpse.sklearn  # noqa: E402
from glimpse import models  # noqa: E402
from glimpse.experiment import ComputeFeatures  # noqa: E402
from glimpse.images import Picture  # noqa: E402
from glimpse.models.ml import Params  # noqa: E402
from glimpse.sklearn import HmaxFeatures  # noqa: E402

#: A small model: the short edge of every image scaled to 32 pixels.
SMALL = dict(image_resize_length=32, num_scales=2, s1_kwidth=5, c1_kwidth=3, c1_sampling=2,
             s2_kwidth=[3, 5])


def _hmax(**kw):
    kw.setdefault("params", dict(SMALL))
    kw.setdefault("n_prototypes", 3)
    kw.setdefault("random_state", 0)
    return HmaxFeatures(**kw)


@pytest.fixture(scope="module")
def images():
    """Ten 8-bit grey images of 12x12 pixels, each with its own bright square."""
    rng = np.random.default_rng(11)
    out = rng.integers(0, 60, (10, 12, 12)).astype(np.uint8)
    for i, image in enumerate(out):
        image[i % 6:i % 6 + 5, (3 * i) % 7:(3 * i) % 7 + 5] = 200 + i
    return out


# Rows of the generic checks' 2D X are images one pixel high; the model's preparation
# scales their short edge to 32 pixels, so every pixel of a row is seen.
@parametrize_with_checks([_hmax(n_prototypes=2, image_shape=(1, -1),
                                params=dict(SMALL, s2_kwidth=[3]))])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_doctests():
    for module in (glimpse.sklearn, glimpse.images.picture):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, module.__name__


def test_every_form_of_x_gives_the_rows_of_the_png_files(tmp_path, images):
    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / ("%d.png" % i)))
        Image.fromarray(image).save(paths[-1])
    fitted = _hmax().fit(paths)
    expected, kept, _ = ComputeFeatures(fitted.model_, paths, ["C2"], pool="serial")
    assert kept.all() and expected.shape == (10, 6) and expected.std() > 0
    forms = {
        "paths": paths,
        "3D uint8": images,
        "3D float": images / 255.0,
        "2D uint8 square rows": images.reshape(10, -1),
        "2D float with image_shape": (images / 255.0).reshape(10, -1),
        "list of arrays": list(images),
        "list of PIL images": [Image.open(p) for p in paths],
        "list of Pictures": [Picture(image) for image in images],
        "mixed list": [paths[0], Image.open(paths[1])] + list(images[2:]),
    }
    for name, X in forms.items():
        est = clone(fitted).set_params(image_shape=(12, 12)) if "image_shape" in name \
            else clone(fitted)
        features = est.fit(X).transform(X)
        assert features.dtype == np.float32, name
        np.testing.assert_array_equal(features, expected, err_msg=name)
        np.testing.assert_array_equal(est.prototypes_[0], fitted.prototypes_[0], err_msg=name)


@pytest.mark.parametrize("algorithm", ["imprint", "uniform", "histogram", "kmeans"])
def test_fit_makes_the_prototypes_of_make_prototypes(tmp_path, images, algorithm):
    from glimpse.experiment import Corpus, Experiment, MakePrototypes

    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / ("%d.png" % i)))
        Image.fromarray(image).save(paths[-1])
    est = _hmax(algorithm=algorithm, random_state=7).fit(paths)
    corpus = Corpus(paths, np.arange(10) % 2, ["a", "b"], train=np.ones(10, bool))
    exp = Experiment(model=models.MakeModel("ml", Params(**SMALL)), corpus=corpus, seed=0)
    expected = MakePrototypes(exp, 3, algorithm, pool="serial", rng=7)
    for mine, theirs in zip(est.prototypes_, expected):
        np.testing.assert_array_equal(mine, theirs)
    if algorithm == "imprint":
        for mine, theirs in zip(est.prototype_locations_, exp.prototype_locations):
            np.testing.assert_array_equal(mine, theirs)


def test_transform_is_compute_features_with_the_fitted_prototypes(images):
    est = _hmax(algorithm="normal").fit(images)
    pictures = [Picture(image) for image in images[::-1]]
    expected, _, _ = ComputeFeatures(est.model_, pictures, ["C2"], pool="serial")
    np.testing.assert_array_equal(est.transform(images[::-1]), expected)
    np.testing.assert_array_equal(est.model_.s2_kernels[1], est.prototypes_[1])
    assert est.prototype_locations_ is None


def test_prototype_locations_index_x(images):
    from glimpse.models.base import BuildLayer

    est = _hmax().fit(images)
    for locations, prototypes in zip(est.prototype_locations_, est.prototypes_):
        assert locations.shape == (3, 4)
        for (i, scale, y, x), proto in zip(locations, prototypes):
            # the prototype is (up to its norm) the C1 patch of image i at that place
            c1 = BuildLayer(est.model_, "C1", Picture(images[i]))[est.model_.LayerClass.C1]
            k = proto.shape[-1]
            patch = c1[scale][:, y:y + k, x:x + k].astype(np.float64)
            np.testing.assert_allclose(proto / np.linalg.norm(proto),
                                       patch / np.linalg.norm(patch), rtol=1e-5)


def test_an_image_that_cannot_be_computed_is_named(tmp_path, images):
    unresized = dict(SMALL, image_resize_method="none", num_scales=1, s2_kwidth=[3])
    with pytest.raises(ValueError, match=r"X\[1\] cannot be computed: .*smaller"):
        _hmax(params=unresized, n_prototypes=20).fit([images[0], np.zeros((4, 4))])
    est = _hmax(params=unresized).fit(list(images))
    X = list(images[:3]) + [np.zeros((4, 4), np.uint8)]
    with pytest.raises(ValueError, match=r"X\[3\] cannot be computed: too small"):
        est.transform(X)
    with pytest.raises(ValueError, match=r"X\[1\] cannot be computed: unreadable"):
        est.transform([images[0], str(tmp_path / "missing.png")])
    bigger = np.zeros((40, 40), np.uint8)
    c1 = _hmax(params=unresized, layers="C1").fit([images[0]])
    with pytest.raises(ValueError, match=r"X\[1\] gives \d+ features where the images fitted"):
        c1.transform([images[0], bigger])
    with pytest.raises(TypeError, match=r"X\[2\]: image must hold real numbers"):
        est.fit([images[0], images[1], np.zeros((3, 3), complex)])
    with pytest.raises(ValueError, match=r"X\[1\]: image must hold finite values"):
        est.transform([images[0], np.full((3, 3), np.nan)])


@pytest.mark.parametrize("X, match", [
    (np.full((3, 16), np.nan), "NaN"),
    (np.zeros((0, 16)), "0 sample"),
    (np.zeros((3, 0)), "0 feature"),
    (np.zeros((3, 5)), "image_shape must be given"),
    (np.zeros((2, 3, 4, 5)), "got a 4D array"),
    (np.full((3, 16), 300), r"X\[0\]: image must hold 8-bit grey levels in \[0, 255\]"),
    (np.full((3, 4, 4), np.inf), "infinity"),
    (np.full((3, 16), 1e300), r"X\[0\]: image must hold values within float32 range"),
])
def test_bad_x_gets_scikit_learns_errors(X, match):
    with pytest.raises(ValueError, match=match):
        _hmax().fit(X)


def test_sparse_x_and_wrong_number_of_features(images):
    from scipy import sparse

    with pytest.raises(TypeError, match="[Ss]parse"):
        _hmax().fit(sparse.csr_matrix(images.reshape(10, -1)))
    est = _hmax().fit(images.reshape(10, -1))
    assert est.n_features_in_ == 144
    with pytest.raises(ValueError, match="X has 100 features, but HmaxFeatures is expecting "
                                         "144 features"):
        est.transform(np.zeros((2, 100)))
    est.fit(images)  # 3D: no number of features
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("image_shape, match", [
    ((12, 13), "must hold the 144 features"), ((-1, -1), "one side may be -1"),
    ((-1, 7), "must hold"), ("abc", r"\(height, width\)"), (12, r"\(height, width\)"),
])
def test_image_shape_must_fit_the_rows(images, image_shape, match):
    with pytest.raises(ValueError, match=match):
        _hmax(image_shape=image_shape).fit(images.reshape(10, -1))


def test_image_shape_with_one_side_inferred(images):
    flat = images.reshape(10, -1)
    expected = _hmax().fit_transform(images)
    np.testing.assert_array_equal(_hmax(image_shape=(12, -1)).fit_transform(flat), expected)
    np.testing.assert_array_equal(_hmax(image_shape=(-1, 12)).fit_transform(flat), expected)


def test_n_jobs_gives_the_rows_of_one_worker(images):
    one = _hmax().fit(images)
    for n_jobs in (2, -1):
        many = _hmax(n_jobs=n_jobs).fit(images)
        for mine, theirs in zip(many.prototypes_, one.prototypes_):
            np.testing.assert_array_equal(mine, theirs)
        np.testing.assert_array_equal(many.transform(images), one.transform(images))
    with pytest.raises(ValueError, match="n_jobs must be a non-zero int"):
        _hmax(n_jobs=0).fit(images)
    with pytest.raises(TypeError, match="n_jobs"):
        _hmax(n_jobs="two").fit(images)


def test_random_state_int_generator_and_randomstate(images):
    def prototypes(random_state):
        return np.concatenate([p.ravel() for p in _hmax(random_state=random_state)
                               .fit(images).prototypes_])

    np.testing.assert_array_equal(prototypes(5), prototypes(5))
    assert not np.array_equal(prototypes(5), prototypes(6))
    np.testing.assert_array_equal(prototypes(np.random.default_rng(8)),
                                  prototypes(np.random.default_rng(8)))
    np.testing.assert_array_equal(prototypes(np.random.RandomState(8)),
                                  prototypes(np.random.RandomState(8)))
    generator = np.random.default_rng(8)
    first = prototypes(generator)
    assert not np.array_equal(prototypes(generator), first)  # the Generator advanced
    assert not np.array_equal(prototypes(None), prototypes(None))
    with pytest.raises(TypeError, match="random_state must be"):
        prototypes("seed")
    with pytest.raises(ValueError, match="random_state"):
        prototypes(-1)


def test_pickle_fitted_and_clone_unfitted(images):
    est = _hmax(params=Params(**SMALL)).fit(images)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(images), est.transform(images))
    fresh = clone(est)
    assert not hasattr(fresh, "model_") and fresh.get_params()["n_prototypes"] == 3
    with pytest.raises(NotFittedError):
        fresh.transform(images)
    assert est.params is not est.model_.params  # the Params were copied


def test_feature_names_and_pandas_output(images):
    pd = pytest.importorskip("pandas")
    est = _hmax().set_output(transform="pandas")
    frame = est.fit_transform(images)
    names = ["c2_w3_p0", "c2_w3_p1", "c2_w3_p2", "c2_w5_p0", "c2_w5_p1", "c2_w5_p2"]
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == names
    assert list(est.get_feature_names_out()) == names
    crop = dict(SMALL, image_resize_method="scale and crop")
    both = _hmax(params=crop, layers=["C2", "C1"]).fit(images)
    out = both.get_feature_names_out()
    from glimpse.models.base import BuildLayer

    c1 = BuildLayer(both.model_, "C1", Picture(images[0]))[both.model_.LayerClass.C1]
    c1_size = sum(m.size for m in c1)
    assert list(out[:6]) == names and list(out[6:]) == ["c1_%d" % i for i in range(c1_size)]
    assert both.transform(images[:2]).shape == (2, 6 + c1_size)
    flat = _hmax().fit(pd.DataFrame(images.reshape(10, -1)).add_prefix("px"))
    assert flat.feature_names_in_[0] == "px0"
    with pytest.raises(ValueError, match="input_features"):
        flat.get_feature_names_out(["a", "b"])


def test_pipeline_and_grid_search(images):
    y = np.arange(10) % 2
    X = np.concatenate([images, images[:, ::-1]])
    y = np.concatenate([y, y])
    pipe = make_pipeline(_hmax(), StandardScaler(), LinearSVC())
    search = GridSearchCV(pipe, {"hmaxfeatures__n_prototypes": [1, 2]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["hmaxfeatures__n_prototypes"] in (1, 2)
    assert search.predict(X[:4]).shape == (4,)


def test_models_come_from_the_registry(images):
    base = HmaxFeatures(model="base", layers="IMAGE", params={
        "image_resize_length": 8, "image_resize_method": "scale and crop"})
    rows = base.fit_transform(images[:2])
    assert base.prototypes_ == [] and rows.shape == (2, 64)
    assert list(base.get_feature_names_out()[:2]) == ["image_0", "image_1"]
    with pytest.raises(ValueError, match="model name must be one of .*, got 'nope'"):
        HmaxFeatures(model="nope").fit(images)
    with pytest.raises(TypeError, match="model must be a model name"):
        HmaxFeatures(model=3).fit(images)


@pytest.mark.skipif("hmax" not in models.MODELS,
                    reason="glimpse.models has no 'hmax' model in this build")
def test_hmax_model(images):
    # the standard model does not resize by default, and its C1 bands must be as wide as
    # its patches: four S1 sizes, two bands and 4-pixel patches on images scaled to 32
    params = dict(image_resize_method="scale short edge", image_resize_length=32,
                  s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4.0, 3.95, 3.9, 3.85],
                  c1_kwidths=[8, 10], s2_kwidths=[4])
    est = HmaxFeatures(model="hmax", params=params, n_prototypes=2, random_state=0).fit(images)
    rows = est.transform(images[:3])
    assert rows.shape == (3, 2) and np.isfinite(rows).all()
    np.testing.assert_array_equal(HmaxFeatures(model="hmax", params=params, n_prototypes=2,
                                               random_state=0, n_jobs=2
                                               ).fit(images).transform(images[:3]), rows)


def test_import_without_scikit_learn_names_the_install_command():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "try:\n    import glimpse.sklearn\n"
            "except ImportError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install" in out and "glimpse-vision[experiment]" in out
