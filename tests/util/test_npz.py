"""glimpse.util.npz.savez writes what numpy.savez writes, without copying the arrays."""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glimpse.util import npz
from glimpse.util.fileio import atomic_write

DTYPES = ["bool", "int8", "uint8", ">i2", "<i4", "int64", "uint64", "float16", "float32",
          ">f8", "complex64", "complex128", "U1", "U7", "S5", "datetime64[s]",
          "timedelta64[ms]", "V3", [("a", "<i4"), ("b", "U2", (2,))]]


def _load(data):
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def _same(got, arrays):
    assert list(got) == list(arrays)
    for key, value in arrays.items():
        want = np.asarray(value)
        assert got[key].dtype == want.dtype, key
        assert got[key].shape == want.shape, key
        assert got[key].tobytes() == np.ascontiguousarray(want).tobytes(), key


def _written(arrays):
    out = io.BytesIO()
    npz.savez(out, **arrays)
    return out.getvalue()


def _numpy_written(arrays):
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def _members(data):
    """Each member's name and bytes (the zip's dates and offsets aside)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, i.compress_type, zf.read(i)) for i in zf.infolist()]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (4, 3), (2, 3, 4)])
def test_same_members_as_numpy(dtype, shape):
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, int(np.prod(shape)) * np.dtype(dtype).itemsize, np.uint8)
    array = raw.view(dtype).reshape(shape) if np.dtype(dtype).kind not in "U" \
        else np.full(shape, "ab\u00e9\u4e2d", dtype)
    arrays = {"x": array, "fortran": np.asfortranarray(array),
              "strided": array[..., ::2] if array.ndim else array}
    data = _written(arrays)
    assert _members(data) == _members(_numpy_written(arrays))
    _same(_load(data), arrays)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=4, min_side=0,
                                                        max_side=6)),
       st.sampled_from(["c", "f", "step", "reverse", "transpose"]))
def test_round_trip_any_layout(array, layout):
    if layout == "f":
        array = np.asfortranarray(array)
    elif layout == "step" and array.ndim:
        array = array[::2]
    elif layout == "reverse" and array.ndim:
        array = array[::-1]
    elif layout == "transpose":
        array = array.T
    data = _written({"a": array, "b": np.float32(1.5)})
    assert _members(data) == _members(_numpy_written({"a": array, "b": np.float32(1.5)}))
    _same(_load(data), {"a": array, "b": np.float32(1.5)})


def test_large_arrays_are_written_in_slices(monkeypatch):
    monkeypatch.setattr(npz, "CHUNK_BYTES", 1000)
    sizes = []
    real_open = zipfile.ZipFile.open

    def recording_open(self, name, mode="r", **kw):
        member = real_open(self, name, mode, **kw)
        write = member.write

        def counted(data):
            sizes.append((type(data), memoryview(data).nbytes))
            return write(data)

        member.write = counted
        return member

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    big = np.arange(10_000, dtype=np.float32).reshape(100, 100)
    data = _written({"c": big, "f": np.asfortranarray(big), "s": big[:, ::3]})
    pieces = [n for kind, n in sizes if kind is memoryview]
    assert max(pieces) <= 1000 and sum(pieces) == big.nbytes * 2 + big[:, ::3].nbytes
    _same(_load(data), {"c": big, "f": np.asfortranarray(big), "s": big[:, ::3]})


def test_strings_scalars_and_order():
    arrays = dict(z=np.int64(3), paths=np.array(["a/b.jpg", "\u00e9t\u00e9.png"]),
                  empty=np.array([], dtype=str), name=np.array("scale and crop"),
                  flag=np.bool_(True), ratio=1.5, listed=[1, 2, 3])
    got = _load(_written(arrays))
    _same(got, arrays)
    assert str(got["name"]) == "scale and crop" and got["paths"][1] == "\u00e9t\u00e9.png"


def test_a_path_is_written_as_given(tmp_path):
    path = tmp_path / "out.data"
    npz.savez(path, x=np.arange(4))
    with np.load(path) as f:
        assert f["x"].tolist() == [0, 1, 2, 3]


_NEW_STYLE = ([np.array(["a", "bc"], dtype=np.dtypes.StringDType())]
              if hasattr(np.dtypes, "StringDType") else [])  # numpy >= 2


@pytest.mark.parametrize("value", [np.array([1, "a"], dtype=object),
                                   np.zeros(2, [("a", "i4"), ("b", "O")]),
                                   [{}, None]] + _NEW_STYLE)
def test_python_objects_are_refused_before_writing(tmp_path, value):
    out = io.BytesIO()
    with pytest.raises(ValueError, match="array bad must hold numbers"):
        npz.savez(out, good=np.arange(3), bad=value)
    assert out.getvalue() == b""


def test_an_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "p.npz"
    npz.savez(path, previous=np.arange(10))
    before = path.read_bytes()
    calls = []

    def interrupted(array):
        for piece in real(array):
            calls.append(len(piece))
            yield piece
            raise KeyboardInterrupt

    real = npz._slices
    monkeypatch.setattr(npz, "_slices", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path) as f:
            npz.savez(f, patches=np.ones((300, 11, 11), np.float32), more=np.arange(5))
    assert calls and path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.npz"]


@pytest.mark.parametrize("dtype", ["float32", ">i2", "U3", [("a", "<i4"), ("b", "S2")],
                                   [("\u00e9t\u00e9\u4e2d", "<f4")]], ids=str)
@pytest.mark.parametrize("row_shape", [(), (0,), (3, 2)])
@pytest.mark.filterwarnings("ignore:Stored array in format 3.0")  # non-latin-1 field names
def test_spooled_rows_are_the_array(tmp_path, dtype, row_shape):
    rng = np.random.default_rng(1)
    blocks = []
    with npz.RowSpool(row_shape, dtype, directory=tmp_path) as spool:
        for k in [3, 0, 1, 5]:
            raw = rng.integers(0, 256, k * int(np.prod(row_shape)) * np.dtype(dtype).itemsize,
                               np.uint8).view(np.dtype(dtype)).reshape((k,) + row_shape)
            if np.dtype(dtype).kind == "U":
                raw = np.full((k,) + row_shape, "x\u00e9", dtype)
            block = np.asfortranarray(raw)  # any layout is taken
            spool.append(block)
            blocks.append(raw)
        assert len(spool) == 9 and spool.shape == (9,) + row_shape
        array = np.concatenate(blocks).astype(np.dtype(dtype))  # keeps a byte order
        data = _written({"before": np.arange(2), "rows": spool, "after": np.float32(2)})
        again = _written({"rows": spool})  # a spool can be written twice
    expect = {"before": np.arange(2), "rows": array, "after": np.float32(2)}
    assert _members(data) == _members(_numpy_written(expect))
    _same(_load(data), expect)
    _same(_load(again), {"rows": array})
    assert list(tmp_path.iterdir()) == []  # the spool's file never had a name


def test_spooled_rows_are_read_in_slices(tmp_path, monkeypatch):
    monkeypatch.setattr(npz, "CHUNK_BYTES", 4096)
    rows = np.arange(30_000, dtype=np.float32).reshape(-1, 10)
    with npz.RowSpool((10,), np.float32, directory=tmp_path) as spool:
        for start in range(0, len(rows), 700):
            spool.append(rows[start:start + 700])
        pieces = [len(p) for p in spool._slices()]
        assert max(pieces) == 4096 and sum(pieces) == rows.nbytes
        _same(_load(_written({"rows": spool})), {"rows": rows})


def test_spool_refuses_other_rows(tmp_path):
    with npz.RowSpool((2, 2), np.float32, directory=tmp_path) as spool:
        with pytest.raises(ValueError, match=r"rows must be an array \(k,\) \+ \(2, 2\) of "
                                             r"float32, got \(1, 2, 3\) of float32"):
            spool.append(np.zeros((1, 2, 3), np.float32))
        with pytest.raises(ValueError, match="got \\(1, 2, 2\\) of float64"):
            spool.append(np.zeros((1, 2, 2)))
        assert len(spool) == 0
    with npz.RowSpool((), np.float32, directory=tmp_path) as spool:
        # a 0-d array is not a block of rows, even when the rows are scalars
        with pytest.raises(ValueError, match=r"rows must be an array \(k,\) \+ \(\) of "
                                             r"float32, got \(\) of float32"):
            spool.append(np.float32(1))
        spool.append(np.ones(3, np.float32))
        assert len(spool) == 3
        _same(_load(_written({"rows": spool})), {"rows": np.ones(3, np.float32)})
    with pytest.raises(ValueError, match="dtype must hold numbers"):
        npz.RowSpool((2,), object)
    with pytest.raises(ValueError, match="row_shape must hold sizes >= 0"):
        npz.RowSpool((2, -1), np.float32)


def test_a_failed_append_adds_nothing_and_names_the_output(tmp_path, monkeypatch):
    with npz.RowSpool((3,), np.int32, directory=tmp_path, name="out.npz") as spool:
        spool.append(np.ones((2, 3), np.int32))
        real = spool._file

        class Full:
            def __getattr__(self, attr):
                return getattr(real, attr)

            def write(self, data):
                real.write(bytes(data)[:5])  # a part is written, then the disk is full
                raise OSError(28, "No space left on device")

        spool._file = Full()
        with pytest.raises(OSError, match="No space left on device: 'out.npz'"):
            spool.append(np.full((4, 3), 7, np.int32))
        spool._file = real
        spool.append(np.full((1, 3), 9, np.int32))
        got = _load(_written({"a": spool}))["a"]
    assert got.tolist() == [[1, 1, 1], [1, 1, 1], [9, 9, 9]]
