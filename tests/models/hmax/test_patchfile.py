"""The reference's patch files (MATLAB "universal patch set"): read, write, refuse damage."""

import sys

import numpy as np
import pytest

from glimpse.models.hmax import LoadPatches, Model, Params, SavePatches

sio = pytest.importorskip("scipy.io")


def matlab_matrix(patches):
    """The (k*k*orientations) x n matrix of patches (n, orientations, k, k), element by element
    as the layout states: row ((o * k + x) * k + y) of column j holds patch j's value at
    orientation o, row y, column x."""
    n, bands, k, _ = patches.shape
    matrix = np.empty((k * k * bands, n))
    for j in range(n):
        for o in range(bands):
            for y in range(k):
                for x in range(k):
                    matrix[(o * k + x) * k + y, j] = patches[j, o, y, x]
    return matrix


def write_reference_file(path, patch_sets, dtype=np.float64, sizes_dtype=np.float64):
    cells = np.empty((1, len(patch_sets)), dtype=object)
    sizes = np.empty((4, len(patch_sets)), dtype=sizes_dtype)
    for i, patches in enumerate(patch_sets):
        n, bands, k, _ = patches.shape
        cells[0, i] = matlab_matrix(patches).astype(dtype)
        sizes[:, i] = (k, k, bands, n)
    sio.savemat(path, {"patches": cells, "patchSizes": sizes})


def random_sets(seed=0, sizes=(2, 4, 3), counts=(5, 3, 1), bands=4):
    rng = np.random.default_rng(seed)
    return [rng.random((n, bands, k, k)) * 3 for k, n in zip(sizes, counts)]


@pytest.mark.parametrize("dtype, sizes_dtype", [
    (np.float64, np.float64), (np.float32, np.float64), (np.float64, np.uint8)])
def test_reads_files_written_by_savemat_in_the_reference_layout(tmp_path, dtype, sizes_dtype):
    sets = random_sets()
    path = tmp_path / "universal_patch_set.mat"
    write_reference_file(path, sets, dtype, sizes_dtype)
    loaded = LoadPatches(path)
    assert [p.shape for p in loaded] == [(5, 4, 2, 2), (3, 4, 4, 4), (1, 4, 3, 3)]
    for got, want in zip(loaded, sets):
        assert got.dtype == np.float32 and got.flags.c_contiguous
        # MATLAB doubles are rounded once to float32
        np.testing.assert_array_equal(got, want.astype(dtype).astype(np.float32))


def test_the_layout_transposes_the_spatial_axes(tmp_path):
    # one 2x2 patch of one orientation with distinct values: the matrix column is read
    # row-major as (o, x, y)
    path = tmp_path / "p.mat"
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = np.array([[1.0], [2.0], [3.0], [4.0]])
    sio.savemat(path, {"patches": cells, "patchSizes": np.array([[2.0], [2.0], [1.0], [1.0]])})
    (patches,) = LoadPatches(path)
    np.testing.assert_array_equal(patches[0, 0], [[1.0, 3.0], [2.0, 4.0]])


def test_round_trip_and_what_matlab_sees(tmp_path):
    sets = [p.astype(np.float32) for p in random_sets(1)]
    path = tmp_path / "out.mat"
    SavePatches(path, sets)
    for got, want in zip(LoadPatches(path), sets):
        np.testing.assert_array_equal(got, want)
    raw = sio.loadmat(path)
    assert raw["patchSizes"].dtype == np.float64 and raw["patchSizes"].shape == (4, 3)
    np.testing.assert_array_equal(raw["patchSizes"][:, 1], [4, 4, 4, 3])
    assert raw["patches"].shape == (1, 3)
    for cell, patches in zip(raw["patches"][0], sets):
        assert cell.dtype == np.float64
        np.testing.assert_array_equal(cell, matlab_matrix(patches))


def test_a_single_array_and_integers_are_written(tmp_path):
    path = tmp_path / "one.mat"
    SavePatches(str(path), np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2))
    (patches,) = LoadPatches(str(path))
    np.testing.assert_array_equal(patches, np.arange(24).reshape(2, 3, 2, 2))


def test_patches_from_a_file_feed_the_model(tmp_path):
    sets = [p.astype(np.float32) for p in random_sets(2, sizes=(4, 8), counts=(3, 2))]
    path = tmp_path / "set.mat"
    write_reference_file(path, sets)
    model = Model(params=Params(s2_kwidths=[4, 8]))
    model.s2_kernels = LoadPatches(path)
    for got, want in zip(model.s2_kernels, sets):
        np.testing.assert_array_equal(got, want)


def test_a_failed_write_keeps_the_earlier_file(tmp_path):
    path = tmp_path / "keep.mat"
    SavePatches(path, [np.ones((1, 4, 2, 2))])
    before = path.read_bytes()
    with pytest.raises(ValueError, match="finite"):
        SavePatches(path, [np.full((1, 4, 2, 2), np.nan)])
    assert path.read_bytes() == before


def damaged(tmp_path, variables):
    path = tmp_path / "damaged.mat"
    sio.savemat(path, variables)
    return path


def cell(*matrices):
    cells = np.empty((1, len(matrices)), dtype=object)
    for i, m in enumerate(matrices):
        cells[0, i] = m
    return cells


SIZES = np.array([[2.0], [2.0], [4.0], [3.0]])


@pytest.mark.parametrize("variables, message", [
    ({"patchSizes": SIZES}, "has no variable 'patches'"),
    ({"patches": cell(np.ones((16, 3)))}, "has no variable 'patchSizes'"),
    ({"x": 1}, "has no variable 'patches' or 'patchSizes'"),
    ({"patches": cell(np.ones((16, 3))), "patchSizes": SIZES[:3]},
     "patchSizes must be a 4 x m numeric matrix, got a 3 x 1"),
    ({"patches": cell(np.ones((16, 3))), "patchSizes": np.array(["abcd"])},
     "patchSizes must be a 4 x m numeric matrix"),
    ({"patches": cell(np.ones((16, 2))), "patchSizes": SIZES},
     r"patches\{1\} must be a 16 x 3 numeric matrix .* got a 16 x 2 float64 matrix"),
    ({"patches": cell(np.ones((16, 3)), np.ones((16, 3))), "patchSizes": SIZES},
     "patches must be a 1 x 1 cell"),
    ({"patches": np.ones((16, 3)), "patchSizes": SIZES}, "patches must be a 1 x 1 cell"),
    ({"patches": cell(np.ones((16, 3))), "patchSizes": np.array([[2.0], [3.0], [4.0], [3.0]])},
     "must describe square patches"),
    ({"patches": cell(np.ones((16, 3))), "patchSizes": np.array([[2.0], [2.0], [4.0], [2.5]])},
     "must hold positive integers"),
    ({"patches": cell(np.ones((16, 3))), "patchSizes": np.array([[2.0], [2.0], [0.0], [3.0]])},
     "must hold positive integers"),
    ({"patches": cell(np.full((16, 3), np.nan)), "patchSizes": SIZES}, "finite values"),
    ({"patches": cell(np.full((16, 3), 1e300)), "patchSizes": SIZES}, "float32's range"),
    ({"patches": cell(np.array(["x" * 3] * 16)), "patchSizes": SIZES}, "numeric matrix"),
])
def test_damaged_files_raise_one_line_value_errors(tmp_path, variables, message):
    path = damaged(tmp_path, variables)
    with pytest.raises(ValueError, match=message) as info:
        LoadPatches(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"not a MATLAB file at all\n" * 20,
                                     b"MATLAB 5.0 MAT-file" + b"\x00" * 200])
def test_files_that_are_not_matlab_files(tmp_path, content):
    path = tmp_path / "bad.mat"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.mat") as info:
        LoadPatches(path)
    assert "\n" not in str(info.value)


def test_a_truncated_file(tmp_path):
    path = tmp_path / "cut.mat"
    SavePatches(path, random_sets(3))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="cut.mat") as info:
        LoadPatches(path)
    assert "\n" not in str(info.value)


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        LoadPatches(tmp_path / "nowhere.mat")


@pytest.mark.parametrize("patches, error, message", [
    ("patches.mat", TypeError, "patches must be a non-empty list"),
    ([], TypeError, "patches must be a non-empty list"),
    ([np.ones((2, 4, 3, 2))], ValueError, r"patches\[0\] must have shape"),
    ([np.ones((0, 4, 2, 2))], ValueError, r"patches\[0\] must have shape"),
    ([np.ones((4, 2, 2))], ValueError, r"patches\[0\] must be 4D"),
    ([np.ones((1, 4, 2, 2), complex)], TypeError, r"patches\[0\] must hold real numbers"),
    ([np.full((1, 4, 2, 2), np.inf)], ValueError, r"patches\[0\] must hold finite values"),
])
def test_save_refuses_bad_patches(tmp_path, patches, error, message):
    path = tmp_path / "x.mat"
    with pytest.raises(error, match=message):
        SavePatches(path, patches)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_without_scipy_the_error_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    for call in (lambda: LoadPatches(tmp_path / "a.mat"),
                 lambda: SavePatches(tmp_path / "a.mat", [np.ones((1, 4, 2, 2))])):
        with pytest.raises(ImportError, match=r"pip install 'glimpse-vision\[hmax\]'"):
            call()
    assert list(tmp_path.iterdir()) == []
