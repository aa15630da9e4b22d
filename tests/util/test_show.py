"""Tiled pictures: the grid layout, per-map scaling, and the caption row."""

import numpy as np
import pytest

from glimpse.util.show import (BACKGROUND, CAPTION_HEIGHT, GAP, LayerRows, ShowKernels,
                               ShowLayer, TileMaps)


def tile(image, r, c, cell_h, cell_w):
    a = np.asarray(image)
    y = CAPTION_HEIGHT + GAP + r * (cell_h + GAP)
    x = GAP + c * (cell_w + GAP)
    return a[y:y + cell_h, x:x + cell_w]


def test_grid_layout_and_per_map_scaling():
    rng = np.random.default_rng(0)
    rows = [[rng.random((6, 8)) * 100, rng.random((6, 8)) - 7], [rng.random((3, 4))]]
    img = TileMaps(rows, zoom=2)
    cell_h, cell_w = 12, 16
    assert img.mode == "L"
    assert img.size == (GAP + 2 * (cell_w + GAP), CAPTION_HEIGHT + GAP + 2 * (cell_h + GAP))
    for r, row in enumerate(rows):
        for c, m in enumerate(row):
            t = tile(img, r, c, cell_h, cell_w)
            h, w = 2 * m.shape[0], 2 * m.shape[1]
            expected = np.round((m - m.min()) * 255 / (m.max() - m.min()))
            np.testing.assert_array_equal(t[:h:2, :w:2], expected)
            np.testing.assert_array_equal(t[1:h:2, 1:w:2], expected)  # zoomed blocks
            assert t[:h, :w].min() == 0 and t[:h, :w].max() == 255
            assert (t[h:, :] == BACKGROUND).all() and (t[:, w:] == BACKGROUND).all()
    # the empty cell of the short row is background, as are the gaps
    assert (tile(img, 1, 1, cell_h, cell_w) == BACKGROUND).all()
    a = np.asarray(img)
    assert (a[CAPTION_HEIGHT:CAPTION_HEIGHT + GAP] == BACKGROUND).all()
    assert (a[:, :GAP] == BACKGROUND).all()


def test_caption_row_and_constant_maps():
    img = TileMaps([[np.full((5, 5), 3.0)]], caption="S1 maps")
    a = np.asarray(img)
    assert img.width > 5 + 2 * GAP  # widened for the caption
    assert a[:CAPTION_HEIGHT].max() > 200  # caption text drawn in white
    assert (a[:, -GAP:] == BACKGROUND).all()  # and it fits
    assert (tile(img, 0, 0, 5, 5) == 128).all()
    blank = np.asarray(TileMaps([[np.zeros((5, 5))]], caption=""))
    assert (blank[:CAPTION_HEIGHT] == BACKGROUND).all()


def test_layer_rows():
    s1 = [np.ones((4, 20, 22)), np.ones((4, 16, 18))]
    rows, what = LayerRows(s1)
    assert [len(r) for r in rows] == [4, 4] and rows[1][3].shape == (16, 18)
    assert "scales" in what and "bands" in what
    s2 = [[np.ones((30, 5, 5)), np.ones((30, 3, 3))], [np.ones((30, 2, 2)), np.ones((30, 1, 1))]]
    rows, what = LayerRows(s2, max_columns=7)
    assert [len(r) for r in rows] == [7, 7, 7, 7] and "prototypes" in what
    assert LayerRows(np.zeros((3, 3)))[0][0][0].shape == (3, 3)
    with pytest.raises(ValueError, match="data must be"):
        LayerRows([np.ones(5)])
    img = ShowLayer("C1", s1)
    assert img.height == CAPTION_HEIGHT + GAP + 2 * (20 + GAP)
    assert img.width >= GAP + 4 * (22 + GAP)
    assert (tile(img, 1, 3, 20, 22)[:16, :18] == 128).all()


def test_show_kernels_transposes():
    k = np.arange(2 * 3 * 5 * 5, dtype=float).reshape(2, 3, 5, 5)
    img = ShowKernels(k, caption="", zoom=1, transpose=True)  # rows: axis 1, columns: axis 0
    assert img.size == (GAP + 2 * (5 + GAP), CAPTION_HEIGHT + GAP + 3 * (5 + GAP))
    with pytest.raises(ValueError, match="4D"):
        ShowKernels(k[0])
    with pytest.raises(ValueError, match="zoom"):
        TileMaps([[k[0, 0]]], zoom=0)
    with pytest.raises(ValueError, match="at least one map"):
        TileMaps([[]])
    with pytest.raises(ValueError, match="finite"):
        TileMaps([[np.full((2, 2), np.nan)]])


def test_counts_are_integers_in_the_shared_wording():
    maps = [[np.ones((3, 3))]]
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="zoom must be an integer, got %r" % (bad,)):
            TileMaps(maps, zoom=bad)
        with pytest.raises(TypeError, match="max_columns must be an integer, got %r" % (bad,)):
            LayerRows(np.zeros((3, 3)), max_columns=bad)
    with pytest.raises(ValueError, match="zoom must be an integer >= 1, got 0"):
        TileMaps(maps, zoom=0)
    with pytest.raises(ValueError, match="max_columns must be an integer >= 1, got 0"):
        LayerRows(np.zeros((3, 3)), max_columns=0)
