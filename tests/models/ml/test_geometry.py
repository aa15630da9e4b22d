"""The model's geometry, tested directly: output sizes, scale counts, receptive fields."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from glimpse.backends.base import OutputSide
from glimpse.images import MakeScalePyramid, ScalePyramidShapes
from glimpse.models.ml import (GetS2ReceptiveField, MinimumRetinaSize, NumScalesSupported,
                               Params)
from glimpse.models.ml import geometry


def windows_that_fit(size, k, s):
    """Count the strided windows of width k that fit in `size`, by walking them."""
    count, start = 0, 0
    while start + k <= size:
        count, start = count + 1, start + s
    return count


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 60), k=st.integers(1, 15), s=st.integers(1, 7))
def test_output_size_counts_every_window_that_fits(size, k, s):
    assert OutputSide(size, k, s) == windows_that_fit(size, k, s)


def test_output_size_decision_keeps_the_last_window():
    # H=15, k=5, s=5: three windows fit; the 2013 formula (H - k + 1) // s gave two.
    assert OutputSide(15, 5, 5) == 3
    assert (15 - 5 + 1) // 5 == 2
    # at stride 1 both agree
    assert all(OutputSide(h, 5, 1) == h - 5 + 1 for h in range(5, 30))


def test_default_geometry_numbers():
    p = Params()
    assert MinimumRetinaSize(p) == 51  # 7 C1 units <- (7-1)*5+11 = 41 S1 <- 41-1+11 = 51
    assert MinimumRetinaSize(Params(s2_kwidth=[4, 9], c1_sampling=2)) == (8 * 2 + 11) - 1 + 11
    chain = geometry._level_chain(p, (220, 293))
    assert chain == {"S1": (210, 283), "C1": (40, 55), "S2": (34, 49)}


small_params = st.builds(
    Params,
    s1_kwidth=st.sampled_from([1, 3, 5]), s1_sampling=st.integers(1, 3),
    c1_kwidth=st.integers(1, 5), c1_sampling=st.integers(1, 4),
    s2_kwidth=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    s2_sampling=st.integers(1, 3), scale_factor=st.sampled_from([2 ** 0.25, 2 ** 0.5, 1.5]),
    retina_enabled=st.booleans(), retina_kwidth=st.sampled_from([1, 3, 5]),
)


def supports_s2(p, shape):
    h, w = shape
    for k, s in ((p.s1_kwidth, p.s1_sampling), (p.c1_kwidth, p.c1_sampling),
                 (max(p.s2_kwidth), p.s2_sampling)):
        h, w = windows_that_fit(h, k, s), windows_that_fit(w, k, s)
    return h >= 1 and w >= 1


@settings(max_examples=40, deadline=None)
@given(p=small_params, h=st.integers(1, 70), w=st.integers(1, 70))
def test_num_scales_supported_matches_the_real_pyramid(p, h, w):
    count = NumScalesSupported(p, (h, w))
    shrinking = len(ScalePyramidShapes((h, w), 40, 1 / p.scale_factor))
    levels = MakeScalePyramid(np.zeros((h, w), np.float32), shrinking, 1 / p.scale_factor)
    expected = 0
    for i, level in enumerate(levels):
        if i and level.shape == levels[i - 1].shape:
            break  # the level no longer shrinks
        if not supports_s2(p, level.shape):
            break
        expected += 1
    assert count == expected
    if count:
        assert supports_s2(p, levels[count - 1].shape)


@settings(max_examples=40, deadline=None)
@given(p=small_params)
def test_minimum_retina_size_is_the_smallest_square_with_one_s2_unit(p):
    m = MinimumRetinaSize(p)
    assert NumScalesSupported(p, m) >= 1
    assert NumScalesSupported(p, m - 1) == 0


def test_num_scales_examples():
    p = Params()
    assert NumScalesSupported(p, 51) == 1 and NumScalesSupported(p, 50) == 0
    assert NumScalesSupported(p, (51, 500)) == 1
    assert NumScalesSupported(p, (220, 293)) == 9
    # sides of 3 or less map to themselves: the count stops there
    tiny = Params(s1_kwidth=1, c1_kwidth=1, c1_sampling=1, s2_kwidth=1)
    assert NumScalesSupported(tiny, 3) == 1
    assert NumScalesSupported(tiny, 4) == 2  # 4 -> 3 -> 3
    with pytest.raises(TypeError):
        NumScalesSupported(p, "big")
    with pytest.raises(TypeError, match="params"):
        NumScalesSupported({}, 100)


def s2_field_by_sets(p, y, k2, retina_len, level_len, image_len):
    """Receptive field of S2 row y by propagating sets of rows through each stage."""
    c1 = set(range(y * p.s2_sampling, y * p.s2_sampling + k2))
    s1 = {r for a in c1 for r in range(a * p.c1_sampling, a * p.c1_sampling + p.c1_kwidth)}
    level = {r for a in s1 for r in range(a * p.s1_sampling, a * p.s1_sampling + p.s1_kwidth)}
    # level row r spans the retina interval [r * R / L, (r + 1) * R / L)
    retina = set()
    for r in level:
        lo = math.floor(r * retina_len / level_len)
        hi = math.ceil((r + 1) * retina_len / level_len)
        retina.update(range(lo, hi))
    if p.retina_enabled:
        image = {r for a in retina for r in range(a, a + p.retina_kwidth)}
    else:
        image = retina
    image = {r for r in image if 0 <= r < image_len}
    return min(image), max(image) + 1


@settings(max_examples=40, deadline=None)
@given(p=small_params, h=st.integers(20, 80), w=st.integers(20, 80), scale=st.integers(0, 3),
       data=st.data())
def test_receptive_field_matches_set_propagation(p, h, w, scale, data):
    image_shape = (h, w)
    retina = geometry._retina_shape(p, image_shape)
    level = geometry._pyramid_shapes(retina, scale + 1, p)[scale]
    ki = data.draw(st.integers(0, len(p.s2_kwidth) - 1))
    s2 = geometry._level_chain(p, level, p.s2_kwidth[ki])["S2"]
    if min(s2) == 0:
        with pytest.raises(ValueError, match="not a unit"):
            GetS2ReceptiveField(p, scale, 0, 0, ki, image_shape=image_shape)
        return
    y = data.draw(st.integers(0, s2[0] - 1))
    x = data.draw(st.integers(0, s2[1] - 1))
    top, bottom, left, right = GetS2ReceptiveField(p, scale, y, x, ki, image_shape=image_shape)
    k2 = p.s2_kwidth[ki]
    assert (top, bottom) == s2_field_by_sets(p, y, k2, retina[0], level[0], h)
    assert (left, right) == s2_field_by_sets(p, x, k2, retina[1], level[1], w)


def test_receptive_field_examples_and_decisions():
    p = Params()
    # S2 unit 0 sees C1 rows [0, 7), S1 rows [0, 41), level rows [0, 51): exactly the
    # smallest retina, not one S2 unit more (2013 ended the box one unit too late).
    assert GetS2ReceptiveField(p, 0, 0, 0) == (0, 51, 0, 51)
    assert GetS2ReceptiveField(p, 0, 3, 0) == (15, 66, 0, 51)
    # the retina widens the box by retina_kwidth - 1 (2013 ignored it)
    assert GetS2ReceptiveField(Params(retina_enabled=True), 0, 3, 0) == (15, 80, 0, 65)
    # scale 4 is twice smaller: the box doubles
    assert GetS2ReceptiveField(p, 4, 1, 1) == (10, 112, 10, 112)
    # with real sizes the box is clipped to the image
    assert GetS2ReceptiveField(p, 0, 0, 0, image_shape=(51, 60)) == (0, 51, 0, 51)
    # level 8 of a 220x293 retina is 55x73: its rows [0, 51) are retina rows [0, 204)
    assert GetS2ReceptiveField(p, 8, 0, 0, image_shape=(220, 293)) == (0, 204, 0, 205)
    p2 = Params(s2_kwidth=[3, 7])
    assert GetS2ReceptiveField(p2, 0, 0, 0, kwidth_offset=0) == (0, 31, 0, 31)
    with pytest.raises(ValueError, match="kwidth_offset"):
        GetS2ReceptiveField(p2, 0, 0, 0, kwidth_offset=2)
    with pytest.raises(ValueError, match="not a unit"):
        GetS2ReceptiveField(p, 0, 5, 0, image_shape=(55, 55))
    with pytest.raises(ValueError, match="y must be"):
        GetS2ReceptiveField(p, 0, -1, 0)
    with pytest.raises(TypeError, match="scale"):
        GetS2ReceptiveField(p, 1.5, 0, 0)
