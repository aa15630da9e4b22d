"""MakePrototypes finds the image an error is about from the error's attributes, not its text."""

from glimpse.backends import InputLoadError, InputSizeError
from glimpse.experiment import prototypes

IMAGES = ["/c/a.png", "/c/b.png", "/c/ab.png"]


def test_the_index_names_the_image_whatever_the_message_says():
    err = InputSizeError("images[0] (/c/a.png) is too small", source="images[0] (/c/a.png)",
                         image_index=2)
    assert prototypes._failed_path(err, IMAGES) == "/c/ab.png"


def test_the_path_names_the_image_when_the_index_is_unknown():
    assert prototypes._failed_path(InputLoadError("/c/b.png", msg="bad"), IMAGES) is None
    err = InputLoadError(msg="bad", image_path="/c/b.png")
    assert prototypes._failed_path(err, IMAGES) == "/c/b.png"


def test_a_message_alone_names_no_image():
    err = InputLoadError(source="images[1] (/c/b.png)", msg="cannot read /c/a.png")
    assert prototypes._failed_path(err, IMAGES) is None
    err.image_index = 5  # not an index of these images
    assert prototypes._failed_path(err, IMAGES) is None
