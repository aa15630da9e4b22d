"""Damaged, edited and foreign files: one error, FileFormatError, naming the file in one line."""

import io
import json
import os
import shutil
import sys
import threading
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glimpse import files
from glimpse.experiment import LoadExperiment

from .conftest import edited, experiment_record, members, write_all

READERS = {"patches": files.read_patches, "prototypes": files.read_prototypes,
           "experiment": files.read_experiment, "features": files.read_features}


def refused(read, path, words):
    """`read(path)` raises FileFormatError naming `path`, in one line holding `words`."""
    with pytest.raises(files.FileFormatError) as info:
        read(path)
    err = info.value
    message = str(err)
    assert isinstance(err, ValueError) and err.path == os.fspath(path)
    assert message.startswith("cannot read %s: " % files.quote_path(path)), message
    assert "\n" not in message and words in message, message
    return err


def copy_bytes(source, target, data):
    with open(target, "wb") as f:
        f.write(data(open(source, "rb").read()))
    return str(target)


# ---- the archive -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READERS))
@pytest.mark.parametrize("keep", [0, 10, 200, 0.5, -30])
def test_a_truncated_file(written, tmp_path, name, keep):
    size = os.path.getsize(written[name])
    keep = int(size * keep) if isinstance(keep, float) else keep % size
    path = tmp_path / "cut.npz"
    with open(path, "wb") as f:
        f.write(open(written[name], "rb").read()[:keep])  # what head -c KEEP gives
    err = refused(READERS[name], path, "")
    assert "zip" in err.reason or "damaged" in err.reason


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_npy_file(tmp_path, name):
    np.save(tmp_path / "p.npy", np.zeros((2, 4, 3, 3), np.float32))
    refused(READERS[name], tmp_path / "p.npy", "it is a .npy file (one array), not an .npz")


@pytest.mark.parametrize("name", sorted(READERS))
def test_not_a_file_of_glimpse(tmp_path, name):
    np.savez(tmp_path / "x.npz", x=np.zeros(3))
    refused(READERS[name], tmp_path / "x.npz", "no metadata record")
    (tmp_path / "d.npz").mkdir()
    refused(READERS[name], tmp_path / "d.npz", "it is a directory")
    (tmp_path / "empty.npz").write_bytes(b"")
    refused(READERS[name], tmp_path / "empty.npz", "not an .npz archive")


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        files.read_prototypes(tmp_path / "none.npz")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe.npz")
    errors = []
    reader = threading.Thread(target=lambda: errors.append(
        pytest.raises(files.FileFormatError, files.read_prototypes, tmp_path / "pipe.npz")))
    reader.daemon = True
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert "not a regular file" in str(errors[0].value)


def test_a_newline_in_the_path_stays_on_one_line(written, tmp_path):
    path = tmp_path / "bad\nname.npz"
    np.save(tmp_path / "x.npy", np.zeros(3))
    shutil.copy(tmp_path / "x.npy", path)
    err = refused(files.read_prototypes, path, r"'" + str(tmp_path) + r"/bad\nname.npz'")
    assert err.path == str(path)


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_corrupted_member_fails_its_check(written, tmp_path, name):
    def flip(data):  # a byte of the last member's data (the CRC no longer matches)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.infolist()[-1]
        at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.file_size - 1
        data = bytearray(data)
        data[at] ^= 0xFF
        return bytes(data)

    path = copy_bytes(written[name], tmp_path / "flip.npz", flip)
    # The zip directory may repeat the local header's extra field or not; either way the
    # member cannot be read as written.
    refused(READERS[name], path, "")


def _zip_with(path, source, name, header, payload=b"", compress=zipfile.ZIP_STORED):
    """The members of `source`, but `name` made of `header` and `payload`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", compression=compress) as z:
        for info in old.infolist():
            if info.filename != name + ".npy":
                z.writestr(info.filename, old.read(info))
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, header)
        z.writestr(name + ".npy", buffer.getvalue() + payload)
    return str(path)


def test_a_huge_declared_shape_is_refused_before_allocating(written, tmp_path):
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**9, 10**9)}
    path = _zip_with(tmp_path / "huge.npz", written["features"], "features", header,
                     b"\0" * 16)
    refused(files.read_features, path, "features declares the shape (1000000000, "
                                       "1000000000) of float32 (4000000000000000000 bytes) "
                                       "but holds 16 bytes")
    path = _zip_with(tmp_path / "huge2.npz", written["features"], "features", header,
                     b"\0" * 16, zipfile.ZIP_DEFLATED)
    refused(files.read_features, path, "but holds 16 bytes")


def test_a_member_declaring_more_than_the_file_holds(written, tmp_path):
    def lie(data):  # the last member's sizes in the zip directory, made huge
        data = bytearray(data)
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
            info = z.infolist()[-1]
        end = data.rfind(b"PK\x01\x02")  # the last member's entry in the directory
        assert data[end + 46:end + 46 + len(info.filename)] == info.filename.encode()
        data[end + 20:end + 28] = (2**31).to_bytes(4, "little") * 2
        return bytes(data)

    path = copy_bytes(written["features"], tmp_path / "lie.npz", lie)
    refused(files.read_features, path, "")


def test_objects_and_other_npy_versions(written, tmp_path):
    header = {"descr": "|O", "fortran_order": False, "shape": (2,)}
    path = _zip_with(tmp_path / "obj.npz", written["features"], "kept", header, b"\0" * 16)
    refused(files.read_features, path, "kept holds Python objects")


def test_a_member_twice(written, tmp_path):
    path = tmp_path / "twice.npz"
    shutil.copy(written["features"], path)
    with zipfile.ZipFile(path, "a") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        z.writestr("kept.npy", b"")
    refused(files.read_features, path, "member 'kept' appears twice")


# ---- the metadata record ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READERS))
@pytest.mark.parametrize("value, words", [
    ("{nope", "metadata is not JSON"),
    ("[1, 2]", "metadata must be a JSON object, got a list"),
    ("[" * 100000 + "]" * 100000, "metadata nests lists or objects 100000 deep, more than 32"),
    ('{"a": ' + "[" * 50 + "]" * 50 + "}", "nests lists or objects 51 deep"),
    (json.dumps({"format": "glimpse.nothing", "version": 2}), "metadata format must be one of"),
    (json.dumps({"format": "glimpse.patches", "version": 3}),
     "glimpse.patches version 3 was written by a newer glimpse; this glimpse reads up to "
     "version 2"),
    (json.dumps({"format": "glimpse.features", "version": "2"}), "version must be an integer"),
    (json.dumps({"format": "glimpse.features", "version": 1}), "version 1 is not a layout"),
])
def test_a_bad_metadata_record(written, tmp_path, name, value, words):
    arrays, _ = members(written[name])
    np.savez(tmp_path / "m.npz", metadata=np.array(value), **arrays)
    refused(READERS[name], tmp_path / "m.npz", words)


def test_metadata_must_be_one_string(written, tmp_path):
    arrays, _ = members(written["patches"])
    np.savez(tmp_path / "m.npz", metadata=np.zeros(3), **arrays)
    refused(files.read_patches, tmp_path / "m.npz", "metadata must be one string")


def test_deep_json_is_refused_below_the_recursion_limit(written, tmp_path):
    depth = sys.getrecursionlimit() * 10
    arrays, _ = members(written["experiment"])
    np.savez(tmp_path / "m.npz", metadata=np.array('{"params": ' + "[" * depth + "]" * depth
                                                   + "}"), **arrays)
    refused(LoadExperiment, tmp_path / "m.npz", "more than 32")


# ---- experiments: every inconsistency refused ------------------------------------------------


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """A stored experiment of 80 images, with prototypes and two evaluations."""
    path = tmp_path_factory.mktemp("experiment") / "e.npz"
    files.write_experiment(path, experiment_record(80))
    return str(path)


@pytest.mark.parametrize("meta, changes, words", [
    ({"model": ...}, {}, "metadata has no model"),
    ({"params": ...}, {}, "metadata has no params"),
    ({"seed": ...}, {}, "metadata has no seed"),
    ({"model": "nothing"}, {}, "model name must be one of 'ml', 'hmax', 'base', got 'nothing'"),
    ({"params": [1, 2]}, {}, "params must be a JSON object, got a list"),
    ({"params": {"bogus": 1}}, {}, "unknown parameter(s) bogus"),
    ({"params": {"num_scales": -4}}, {}, "num_scales"),
    ({"seed": -1}, {}, "seed must be an integer in [0, 9223372036854775807], got -1"),
    ({"seed": 2.5}, {}, "seed must be an integer, got 2.5"),
    ({"seed": True}, {}, "seed must be an integer, got True"),
    ({"class_names": None}, {}, "class_names must be a list of strings, got null"),
    ({"class_names": ["a", 3]}, {}, "class_names[1] must be a string, got 3"),
    ({"class_names": ["a", "a"]}, {}, "class_names must be distinct"),
    ({"class_names": ["a"]}, {}, "labels must hold class indices in [0, 1), got 1"),
    ({"skipped": "x"}, {}, "skipped must be a list of [path, reason] pairs, got a string"),
    ({"skipped": [["a", 1]]}, {}, "skipped[0] must be a [path, reason] pair of strings"),
    ({"timing": [1]}, {}, "timing must be a JSON object, got a list"),
    ({"timing": {"features": "slow"}}, {}, "timing['features'] must be a real number"),
    ({"layers": "C2"}, {}, "layers must be a list of strings, got a string"),
    ({"prototype_algorithm": 3}, {}, "prototype_algorithm must be a string, got 3"),
    ({"num_prototype_widths": 3}, {}, "member prototypes_2 is missing"),
    ({"num_prototype_widths": 1}, {}, "prototypes_1 is present but num_prototype_widths is 1"),
    ({"num_prototype_widths": "2"}, {}, "num_prototype_widths must be an integer"),
    ({"evaluations": {}}, {}, "evaluations must be a list, got an object"),
    ({"evaluations": [{"kind": "guess", "metric": "accuracy"}]}, {}, "must have kind in"),
    ({"evaluations": [{"kind": "train_test", "metric": "accuracy", "learner": "svm",
                       "score": None, "accuracy": 1.0}]}, {}, "evaluations[0].score"),
    ({"evaluations": []}, {}, "evaluation_0_test_indices is present but the metadata lists 0"),
    ({}, {"labels": None}, "member labels is missing"),
    ({}, {"paths": None}, "labels is present but paths (the corpus) is missing"),
    ({}, {"evaluation_0_test_indices": None}, "member evaluation_0_test_indices is missing"),
    ({}, {"evaluation_1_predictions": None}, "member evaluation_1_predictions is missing"),
    ({}, {"evaluation_1_fold_scores": None}, "member evaluation_1_fold_scores is missing"),
    ({}, {"evaluation_1_fold_scores": np.ones(2)}, "evaluation_1_fold_scores must be a real "
                                                   "array of shape (3,), got float64 of shape "
                                                   "(2,)"),
    ({}, {"prototypes_1": None}, "member prototypes_1 is missing"),
    ({}, {"prototype_locations_1": None}, "holds 1 of the 2 location arrays"),
    ({}, {"train_mask": np.arange(80)}, "train_mask must be a bool array of shape (80,), got "
                                        "int64 of shape (80,)"),
    ({}, {"train_mask": np.ones(79, bool)}, "train_mask must be a bool array of shape (80,), "
                                            "got bool of shape (79,)"),
    ({}, {"corpus_train": np.ones(80)}, "corpus_train must be a bool array of shape (80,)"),
    ({}, {"features": np.ones((3, 5), np.float32)}, "features must be a floating-point array "
                                                    "of shape (80, *), got float32 of shape "
                                                    "(3, 5)"),
    ({}, {"features": np.ones(80, np.float32)}, "features must be a floating-point array"),
    ({}, {"labels": np.ones(80)}, "labels must be an integer array of shape (80,), got float64"),
    ({}, {"labels": np.ones(3, int)}, "labels must be an integer array of shape (80,)"),
    ({}, {"labels": np.full(80, -1)}, "labels must hold class indices in [0, 2), got -1"),
    ({}, {"paths": np.arange(80)}, "paths must be a string array of shape (*,), got int64"),
    ({}, {"evaluation_0_test_indices": np.array([0, 80])},
     "evaluation_0_test_indices must hold image indices in [0, 80), got 80"),
    ({}, {"evaluation_0_predictions": np.zeros(3, int)},
     "evaluation_0_predictions must be an integer array of shape (40,)"),
    ({}, {"evaluation_0_predictions": np.full(40, 5)},
     "evaluation_0_predictions must hold class indices in [0, 2), got 5"),
    ({}, {"prototypes_0": np.ones((2, 4, 3), np.float32)}, "prototypes_0 must be a real array "
                                                           "of shape (*, *, *, *)"),
    ({}, {"prototypes_1": np.ones((2, 3, 5, 5), np.float32)}, "prototypes_1 must be a real "
                                                              "array of shape (*, 4, *, *)"),
    ({}, {"prototypes_0": np.full((2, 4, 3, 3), np.nan, np.float32)}, "finite"),
    ({}, {"prototypes_1": np.full((3, 4, 7, 7), 1 / 14, np.float32),
          "prototype_locations_1": np.zeros((3, 4), int)},
     "the prototypes do not fit the model parameters"),
    ({}, {"prototype_locations_0": np.zeros((2, 3), int)},
     "prototype_locations_0 must be an integer array of shape (2, 4)"),
    ({}, {"prototype_locations_0": np.array([[81, 0, 0, 0]] * 2)},
     "prototype_locations_0 must hold image indices in [0, 81), got 81"),
])
def test_load_experiment_refuses_an_inconsistent_file(experiment, tmp_path, meta, changes,
                                                      words):
    path = edited(experiment, tmp_path / "bad.npz", meta, **changes)
    refused(LoadExperiment, path, words)
    refused(files.read_experiment, path, words)


def test_an_experiment_without_corpus_has_no_corpus_arrays(experiment, tmp_path):
    path = edited(experiment, tmp_path / "e.npz", paths=None, labels=None, train_mask=None,
                  features=None)
    refused(LoadExperiment, path, "evaluations are present but paths (the corpus) is missing")


def test_prototypes_of_an_experiment_are_checked_too(experiment, tmp_path):
    path = edited(experiment, tmp_path / "e.npz", {"params": [1]})
    refused(files.read_prototypes, path, "params must be a JSON object, got a list")
    path = edited(experiment, tmp_path / "e.npz", {"params": {"bogus": 1}})
    refused(files.read_prototypes, path, "unknown parameter(s) bogus")


# ---- prototypes, patches and features files --------------------------------------------------


@pytest.mark.parametrize("meta, changes, words", [
    ({"params": [1, 2]}, {}, "params must be a JSON object, got a list"),
    ({"params": {"bogus_param": 1}}, {}, "unknown parameter(s) bogus_param"),
    ({"params": {"s2_kwidth": [3]}}, {}, "the prototypes do not fit the model parameters"),
    ({"num_prototype_widths": 0}, {}, "num_prototype_widths must be an integer >= 1, got 0"),
    ({"seed": "x"}, {}, "seed must be an integer, got 'x'"),
    ({}, {"prototypes_0": None}, "member prototypes_0 is missing"),
    ({}, {"prototypes_0": np.zeros((0, 4, 3, 3), np.float32)}, "must be a non-empty array"),
    ({}, {"prototypes_0": np.array([["x"]])}, "prototypes_0 must be a real array"),
    ({}, {"image_paths": None}, "member image_paths is missing"),
    ({}, {"prototype_locations_0": np.array([[3, 0, 0, 0]] * 2)},
     "prototype_locations_0 must hold image indices in [0, 3), got 3"),
    ({}, {"prototype_locations_0": np.array([[0, -1, 0, 0]] * 2)}, "got -1"),
    ({}, {"prototype_locations_0": np.array([[2**64 - 1, 0, 0, 0]] * 2, np.uint64)},
     "must hold integers below 2**63"),
])
def test_a_bad_prototypes_file(written, tmp_path, meta, changes, words):
    path = edited(written["prototypes"], tmp_path / "p.npz", meta, **changes)
    refused(files.read_prototypes, path, words)
    refused(lambda p: files.read_prototypes(p, bare=True), path, words)


@pytest.mark.parametrize("params, words", [
    ("[1, 2]", "params must be a JSON object, got a list"),
    ("[" * 5000 + "]" * 5000, "params nests lists or objects more than 32 deep"),
    ('{"oops": 1}', "unknown parameter(s) oops"),
    ("{", "params is not JSON"),
])
def test_a_bad_prototypes_file_of_glimpse_0_1(tmp_path, params, words):
    source = os.path.join(os.path.dirname(__file__), "data", "prototypes-0.1.0.npz")
    path = edited(source, tmp_path / "p.npz", params=np.array(params))
    refused(files.read_prototypes, path, words)


@pytest.mark.parametrize("meta, changes, words", [
    ({"width": 0}, {}, "width must be an integer >= 1, got 0"),
    ({"width": 4}, {}, "patches must be a floating-point array of shape (4, 4, 4)"),
    ({"num_patches": 3}, {}, "patches must be num_patches (3) per image, got 4 rows"),
    ({"exact": 1}, {}, "exact must be true or false, got 1"),
    ({"params": {"image_resize_method": "bogus"}}, {}, "image_resize_method"),
    ({"model": ...}, {}, "metadata has no model"),
    ({}, {"locations": np.zeros((4, 2), int)},
     "locations must be an integer array of shape (*, 3)"),
    ({}, {"locations": np.full((4, 3), -2)}, "locations must hold coordinates >= 0, got -2"),
    ({}, {"image_index": np.zeros(3, int)}, "image_index must be an integer array of shape (4,)"),
    ({}, {"image_index": np.full(4, 3)}, "image_index must hold image indices in [0, 3), got 3"),
    ({}, {"image_realpaths": np.array(["a"])}, "image_realpaths must be a string array of "
                                               "shape (3,)"),
    ({}, {"skipped_reasons": np.array([], str)}, "skipped_reasons must be a string array of "
                                                 "shape (1,)"),
    ({}, {"patches": None}, "member patches is missing"),
])
def test_a_bad_patches_file(written, tmp_path, meta, changes, words):
    path = edited(written["patches"], tmp_path / "p.npz", meta, **changes)
    refused(files.read_patches, path, words)


@pytest.mark.parametrize("changes, words", [
    (dict(width=np.float64(6.5)), "width must be an integer, got 6.5"),
    (dict(width=np.zeros(2)), "width must be a single value"),
    (dict(resize_method=np.array("bogus")), "image_resize_method"),
    (dict(aspect_ratio=np.float64("nan")), "image_resize_aspect_ratio"),
    (dict(resize_length=None), "member resize_length is missing"),
    (dict(image_paths=np.zeros(4)), "image_paths must be a string array"),
])
def test_a_bad_patches_file_of_glimpse_0_1(tmp_path, changes, words):
    source = os.path.join(os.path.dirname(__file__), "data", "patches-0.1.0.npz")
    refused(files.read_patches, edited(source, tmp_path / "p.npz", **changes), words)


@pytest.mark.parametrize("meta, changes, words", [
    ({"layers": None}, {}, "layers must be a list of strings, got null"),
    ({"class_names": ["x"]}, {}, "labels must hold class indices in [0, 1), got 1"),
    ({}, {"features": np.ones((3, 6), np.float32)}, "features must have one row per kept "
                                                    "image (2), got 3 rows"),
    ({}, {"kept": np.ones(3, int)}, "kept must be a bool array"),
    ({}, {"kept": np.ones(3, bool)}, "features must have one row per kept image (3)"),
    ({}, {"skipped_paths": np.array([], str)}, "skipped_paths must be a string array of "
                                               "shape (1,)"),
    ({}, {"labels": np.zeros(2, int)}, "labels must be an integer array of shape (3,)"),
    ({}, {"image_paths": None}, "member image_paths is missing"),
])
def test_a_bad_features_file(written, tmp_path, meta, changes, words):
    path = edited(written["features"], tmp_path / "f.npz", meta, **changes)
    refused(files.read_features, path, words)


def test_features_files_keep_extra_arrays(tmp_path):
    files.write_features(tmp_path / "f.npz", np.zeros((1, 2), np.float32), np.array([True]),
                         ["a"], [], model="ml", params={}, layers=["C2"],
                         extra={"note": np.arange(3)})
    assert files.read_features(tmp_path / "f.npz").extra["note"].tolist() == [0, 1, 2]


# ---- any damage ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    paths = write_all(str(tmp_path_factory.mktemp("pristine")))
    return {name: open(path, "rb").read() for name, path in paths.items()}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(READERS)), data=st.data())
def test_any_damage_reads_or_is_one_error(pristine, tmp_path, name, data):
    raw = bytearray(pristine[name])
    how = data.draw(st.sampled_from(["cut", "flip", "zero"]))
    if how == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        at = data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4))
        for i in at:
            raw[i] = 0 if how == "zero" else raw[i] ^ data.draw(st.integers(1, 255))
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(raw))
    try:
        READERS[name](path)
    except files.FileFormatError as err:
        assert err.path == str(path) and "\n" not in str(err)
        assert str(err).startswith("cannot read %s: " % path)


def test_a_bare_npy_is_checked_as_an_npz_member_is(tmp_path):
    path = tmp_path / "huge.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 4, 3, 3)})
        f.write(b"\0" * 64)
    refused(lambda p: files.read_prototypes(p, bare=True), path,
            "the array declares the shape (1000000000, 4, 3, 3) of float32 (144000000000 "
            "bytes) but holds 64 bytes")
    path.write_bytes(np.lib.format.MAGIC_PREFIX + b"\x01\x00\x04\x00{'d")
    refused(lambda p: files.read_prototypes(p, bare=True), path, "damaged .npy file")
    np.save(tmp_path / "obj.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    refused(lambda p: files.read_prototypes(p, bare=True), tmp_path / "obj.npy",
            "the array holds Python objects")
