"""The model agrees with an independent float64 reading of its description, layer by layer.

S1 and C1 within 2e-5 and S2 and C2 within 1e-4 of each layer's largest value, for both
activations, on images of several shapes (square or not) and several parameter sets.
"""

import numpy as np
import pytest

from glimpse.backends import MakeBackend
from glimpse.models.hmax import BuildLayer, Layer, MakeS1Kernels, Model, Params

from . import reference

S1_C1_TOLERANCE = 2e-5
S2_C2_TOLERANCE = 1e-4


def smooth_image(shape, seed):
    """A random image with structure at several scales, values in [0, 1]."""
    rng = np.random.default_rng(seed)
    img = rng.random(shape)
    for _ in range(2):
        img = (img + np.roll(img, 1, 0) + np.roll(img, 1, 1) + np.roll(img, (1, 1), (0, 1))) / 4
    img = (img - img.min()) / (img.max() - img.min())
    return img.astype(np.float32)


PARAMS = {
    # four sizes, two bands, an even and an odd patch size
    "small": dict(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4.0, 3.95, 3.9, 3.85],
                  c1_kwidths=[8, 10], s2_kwidths=[4, 5]),
    # three sizes per band, odd pools, three orientations, other Gabor shapes
    "odd": dict(s1_kwidths=[5, 7, 9, 11, 13, 15], s1_wavelengths=[4.2, 4.0, 3.8, 3.6, 3.4, 3.2],
                c1_kwidths=[7, 9], c1_band_sizes=3, s1_orientations=[0.0, 60.0, 120.0],
                s1_gamma=0.5, s1_sigma_ratio=0.6, s2_kwidths=[2, 3], s2_sigma=0.7),
    # the reference's own parameters
    "default": dict(),
}

CASES = [("small", (40, 40), 0), ("small", (37, 52), 1), ("odd", (45, 31), 2),
         ("default", (64, 72), 3)]


def patch_sets(c1, widths, rng):
    """Per width: a patch cut from each band of `c1` (up to three; exact matches exist),
    then three random ones."""
    sets = []
    for k in widths:
        cut = []
        for band in c1:
            if band.shape[1] >= k and band.shape[2] >= k:
                y = rng.integers(0, band.shape[1] - k + 1)
                x = rng.integers(0, band.shape[2] - k + 1)
                cut.append(band[:, y:y + k, x:x + k])
        noise = rng.random((3, c1[0].shape[0], k, k)) * max(float(c1[0].max()), 0.1)
        sets.append(np.concatenate([np.stack(cut[:3]), noise]).astype(np.float32))
    return sets


def assert_layer_close(got, want, tolerance, name):
    """Every map of `got` within `tolerance` times the largest |value| of the whole layer."""
    want = [np.asarray(w, np.float64) for w in want]
    scale = max(float(np.abs(w).max()) for w in want if w.size)
    assert scale > 0, name
    assert len(got) == len(want), name
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == np.float32 and g.shape == w.shape, "%s[%d]" % (name, i)
        error = float(np.abs(g - w).max()) if w.size else 0.0
        assert error <= tolerance * scale, "%s[%d]: error %g, largest value %g" % (
            name, i, error, scale)


@pytest.fixture(scope="module", params=["cython", "numpy"])
def backend(request):
    return MakeBackend(request.param)


def test_s1_filters_are_the_formula():
    for name in ("small", "odd", "default"):
        params = Params(**PARAMS[name])
        for got, want in zip(MakeS1Kernels(params), reference.s1_filters(params)):
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)


@pytest.mark.parametrize("name, shape, seed", CASES)
@pytest.mark.parametrize("activation", ["euclidean", "gaussian"])
def test_layers_agree_with_the_reference(backend, name, shape, seed, activation):
    params = Params(s2_activation=activation, **PARAMS[name])
    image = smooth_image(shape, seed)
    s1 = reference.s1(image, params)
    c1 = reference.c1(s1, params)
    model = Model(backend, params)
    model.s2_kernels = patch_sets(c1, params.s2_kwidths, np.random.default_rng(seed))
    s2 = reference.s2(c1, model.s2_kernels, params)
    c2 = reference.c2(s2, params)

    state = BuildLayer(model, (Layer.S2, Layer.C2), image)
    got = {layer: state[layer] for layer in (Layer.S1, Layer.C1, Layer.S2, Layer.C2)}
    assert len(got[Layer.S1]) == len(params.s1_kwidths)
    assert len(got[Layer.C1]) == params.num_bands == len(got[Layer.S2])
    assert len(got[Layer.C2]) == len(params.s2_kwidths)
    assert_layer_close(got[Layer.S1], s1, S1_C1_TOLERANCE, "S1")
    assert_layer_close(got[Layer.C1], c1, S1_C1_TOLERANCE, "C1")
    assert_layer_close([m for per_band in got[Layer.S2] for m in per_band],
                       [m for per_band in s2 for m in per_band], S2_C2_TOLERANCE, "S2")
    assert_layer_close(got[Layer.C2], c2, S2_C2_TOLERANCE, "C2")
    assert [len(v) for v in got[Layer.C2]] == [len(p) for p in model.s2_kernels]


def test_c2_takes_the_best_match_of_each_activation():
    # the patches cut from the image match it exactly somewhere: distance 0 / Gaussian 1
    params = Params(**PARAMS["small"])
    image = smooth_image((40, 44), 5)
    c1 = BuildLayer(Model(params=params), Layer.C1, image)[Layer.C1]
    patches = patch_sets(c1, params.s2_kwidths, np.random.default_rng(5))
    values = {}
    for activation in ("euclidean", "gaussian"):
        params.s2_activation = activation
        model = Model(params=params)
        model.s2_kernels = patches
        values[activation] = BuildLayer(model, Layer.C2, image)[Layer.C2]
    for euclidean, gaussian in zip(values["euclidean"], values["gaussian"]):
        cut = len(c1)  # one patch cut from each band, then noise
        np.testing.assert_allclose(euclidean[:cut], 0, atol=1e-3)
        np.testing.assert_allclose(gaussian[:cut], 1, atol=1e-6)
        assert euclidean[cut:].min() > 0.01 and gaussian[cut:].max() < 1
        # the Gaussian of the smallest distance is the largest Gaussian
        np.testing.assert_allclose(gaussian, np.exp(-euclidean.astype(np.float64) ** 2 / 2),
                                   rtol=1e-4, atol=1e-6)
