"""A small standard HMAX model for the model's tests (tiny_corpus is in tests/conftest.py)."""


#: Four S1 sizes in two bands, two patch sizes (one odd): C1 maps of about 10 and 8 pixels
#: on the corpus's 40x40 images, so that a corpus takes a fraction of a second.
SMALL = dict(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4.0, 3.95, 3.9, 3.85],
             c1_kwidths=[8, 10], s2_kwidths=[4, 5])


def small_params(**kw):
    from glimpse.models import MakeParams

    return MakeParams("hmax", **dict(SMALL, **kw))


def small_model(backend=None, **kw):
    from glimpse.models import MakeModel

    return MakeModel("hmax", small_params(**kw), backend=backend)
