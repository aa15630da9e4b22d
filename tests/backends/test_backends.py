import pickle

import numpy as np
import pytest
from PIL import Image

from glimpse.backends import (
    ACTIVATION_DTYPE,
    BackendError,
    CythonBackend,
    InputLoadError,
    InputSizeError,
    InputSource,
    MakeBackend,
)


def test_activation_dtype():
    assert ACTIVATION_DTYPE is np.float32


def test_make_backend_default_and_env(monkeypatch):
    monkeypatch.delenv("GLIMPSE_BACKEND", raising=False)
    assert isinstance(MakeBackend(), CythonBackend)
    monkeypatch.setenv("GLIMPSE_BACKEND", "CYTHON")
    assert isinstance(MakeBackend(), CythonBackend)
    monkeypatch.setenv("GLIMPSE_BACKEND", "nope")
    with pytest.raises(ValueError, match="GLIMPSE_BACKEND must be one of .*got 'nope'"):
        MakeBackend()
    with pytest.raises(ValueError,
                       match="backend name must be one of 'cython', 'base', 'numpy', got 'other'"):
        MakeBackend("other")
    with pytest.raises(TypeError):
        MakeBackend(3)


def test_backend_error_message_names_context():
    err = BackendError("boom", source=InputSource("/x/y.png"), layer="image", scale=2)
    assert str(err) == "boom (source /x/y.png, layer image, scale 2)"
    assert str(BackendError()) == "backend error"
    size = InputSizeError(scale=3)
    assert isinstance(size, BackendError) and isinstance(size, ValueError)
    assert "scale 3" in str(size)
    copy = pickle.loads(pickle.dumps(size))
    assert type(copy) is InputSizeError and copy.scale == 3 and str(copy) == str(size)


def test_input_source_equality_and_load(tmp_path):
    path = tmp_path / "a.png"
    Image.new("L", (4, 3), 7).save(path)
    src = InputSource(path)
    assert src == InputSource(str(path)) and hash(src) == hash(InputSource(str(path)))
    assert src != InputSource(tmp_path / "b.png")
    img = src.CreateImage()
    assert img.size == (4, 3)
    assert pickle.loads(pickle.dumps(src)) == src
    with pytest.raises(TypeError):
        InputSource(3)


def test_input_source_errors_name_path(tmp_path):
    missing = tmp_path / "missing.png"
    with pytest.raises(InputLoadError, match="missing.png"):
        InputSource(missing).CreateImage()
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(InputLoadError, match="bad.png") as info:
        InputSource(bad).CreateImage()
    assert info.value.source == InputSource(bad)
    truncated = tmp_path / "trunc.png"
    Image.new("L", (64, 64), 3).save(tmp_path / "full.png")
    truncated.write_bytes((tmp_path / "full.png").read_bytes()[:60])
    with pytest.raises(InputLoadError, match="trunc.png"):
        InputSource(truncated).CreateImage()


def test_decompression_bomb_is_input_load_error(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("L", (100, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(InputLoadError, match="big.png"):
        InputSource(path).CreateImage()


def test_as_backend():
    from glimpse.backends import AsBackend, NumpyBackend

    backend = NumpyBackend()
    assert AsBackend(backend) is backend
    assert type(AsBackend("numpy")) is NumpyBackend and type(AsBackend("base")) is CythonBackend
    for bad in (3, NumpyBackend, object()):
        with pytest.raises(TypeError, match="backend must be a glimpse.backends.Backend"):
            AsBackend(bad)
    with pytest.raises(ValueError, match="backend name must be one of .*got 'nope'"):
        AsBackend("nope")


def test_backend_errors_carry_the_image_index_and_path():
    err = BackendError("boom")
    assert err.image_index is None and err.image_path is None
    # the path of an InputSource, unless one is given; filled in after the fact too
    err.source = InputSource("/x/y.png")
    assert err.image_path == "/x/y.png"
    err.image_path, err.image_index = "/x/z.png", 4
    assert err.image_path == "/x/z.png" and err.image_index == 4
    assert str(err) == "boom (source /x/y.png)"  # the message is unchanged
    load = InputLoadError(InputSource("/a.png"), msg="no", image_index=2)
    size = InputSizeError("small", source="images[1]", image_index=1, image_path="b.png")
    assert (load.image_index, load.image_path) == (2, "/a.png")
    assert (size.image_index, size.image_path) == (1, "b.png")
    for original in (err, load, size):
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is type(original) and str(copy) == str(original)
        assert (copy.image_index, copy.image_path) == (original.image_index,
                                                       original.image_path)


def test_an_unreadable_file_names_its_path(tmp_path):
    missing = str(tmp_path / "missing.png")
    with pytest.raises(InputLoadError) as info:
        InputSource(missing).CreateImage()
    assert info.value.image_path == missing and info.value.image_index is None
