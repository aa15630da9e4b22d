"""Small files of each format, written by glimpse.files from made-up arrays."""

import json
import os

import numpy as np
import pytest

from glimpse import files
from glimpse.models import MakeParams

DATA = os.path.join(os.path.dirname(__file__), "data")


def unit_prototypes(rng, shapes):
    """Random prototypes of the given shapes, each of unit norm (as imprinting gives)."""
    out = []
    for shape in shapes:
        p = rng.random(shape, dtype=np.float32) + 0.1
        norms = np.sqrt((p.astype(np.float64) ** 2).sum(axis=(1, 2, 3), keepdims=True))
        out.append(p / norms)
    return [p.astype(np.float32) for p in out]


def prototype_params():
    return MakeParams("ml", num_scales=2, s2_kwidth=[3, 5]).AsDict()


def experiment_record(num_images=80, with_prototypes=True):
    """An experiment of `num_images` images (two classes) with everything a run stores."""
    rng = np.random.default_rng(1)
    n = num_images
    labels = np.arange(n) % 2
    train = np.zeros(n, bool)
    train[::2] = True
    test = np.flatnonzero(~train)
    protos = unit_prototypes(rng, [(2, 4, 3, 3), (3, 4, 5, 5)]) if with_prototypes else None
    locations = None if protos is None else [
        np.array([[i, 0, 1, 2] for i in range(len(p))], np.int64) for p in protos]
    return files.ExperimentFile(
        path="", version=files.VERSION, glimpse_version=None, model="ml",
        params=prototype_params(), seed=11,
        paths=["images/%s/%02d.png" % ("ab"[i % 2], i) for i in range(n)], labels=labels,
        class_names=["a", "b"], corpus_train=None, train_mask=train,
        features=rng.random((n, 5), dtype=np.float32), layers=["C2"],
        prototypes=protos, prototype_locations=locations, prototype_algorithm="imprint",
        skipped=[("images/a/broken.png", "unreadable: not an image")],
        timing={"prototypes": 0.5, "features": 1.5},
        evaluations=[
            files.EvaluationArrays("train_test", "svm", "accuracy", 0.9, 0.9, 0.95, None,
                                   test, labels[test], None),
            files.EvaluationArrays("cross_validation", "svm", "accuracy", 0.8, 0.8, None, 3,
                                   np.arange(n), labels, np.array([0.7, 0.8, 0.9]))])


def write_all(root):
    """One file of each format in `root`; returns their paths by format name."""
    rng = np.random.default_rng(0)
    paths = {name: os.path.join(root, name + ".npz")
             for name in ("patches", "prototypes", "experiment", "features")}
    images = ["a.png", "b.png", "c.png"]
    files.write_patches(
        paths["patches"], rng.random((4, 5, 5), dtype=np.float32),
        np.array([[0, 1, 2], [0, 3, 0], [0, 2, 2], [0, 0, 0]]), np.array([0, 0, 2, 2]),
        images, ["/x/" + p for p in images], [("b.png", "unreadable: truncated")],
        seed=5, num_patches=2, width=5, exact=False,
        params={"image_resize_method": "scale short edge", "image_resize_length": 48,
                "image_resize_aspect_ratio": 1.0})
    protos = unit_prototypes(rng, [(2, 4, 3, 3), (3, 4, 5, 5)])
    files.write_prototypes(
        paths["prototypes"], protos,
        [np.array([[0, 0, 1, 1], [2, 1, 0, 0]]), np.array([[1, 0, 0, 0]] * 3)], images,
        model="ml", params=prototype_params(), seed=9, algorithm="imprint")
    files.write_experiment(paths["experiment"], experiment_record(10))
    files.write_features(
        paths["features"], rng.random((2, 6), dtype=np.float32), np.array([True, False, True]),
        images, [("b.png", "too small: 3x3")], model="ml", params=prototype_params(),
        layers=["C2"], labels=np.array([0, 1, 1]), class_names=["x", "y"])
    return paths


@pytest.fixture(scope="session")
def written(tmp_path_factory):
    """Paths of one freshly written file of each format, by format name (do not modify)."""
    return write_all(str(tmp_path_factory.mktemp("written")))


def members(path):
    """The arrays of an .npz, and its metadata record (or None) as a dict."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = arrays.pop("metadata", None)
    return arrays, None if meta is None else json.loads(str(meta))


def edited(source, target, meta=None, **changes):
    """`source` rewritten to `target` with members changed (None: removed) and the
    metadata record's fields updated from `meta` (a value of ... removes the field)."""
    arrays, record = members(source)
    for name, value in changes.items():
        if value is None:
            arrays.pop(name, None)
        else:
            arrays[name] = value
    if meta is not None:
        for key, value in meta.items():
            if value is ...:
                record.pop(key, None)
            else:
                record[key] = value
    if record is not None:
        arrays["metadata"] = np.array(json.dumps(record))
    np.savez(target, **arrays)
    return str(target)
