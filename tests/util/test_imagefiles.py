from glimpse.util.imagefiles import RasterExtensions, WalkImages


def test_raster_extensions_leave_out_vector_formats():
    extensions = RasterExtensions()
    assert {".png", ".jpg", ".jpeg", ".gif", ".tif", ".bmp"} <= extensions
    assert not extensions & {".pdf", ".eps", ".wmf"}


def test_walk_is_sorted_recursive_and_follows_links_once(tmp_path):
    for rel in ["b/2.PNG", "b/1.png", "a/z.jpg", "a/doc.pdf", "a/notes.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "a" / "back").symlink_to(tmp_path)  # a loop: each directory walked once
    found = [p[len(str(tmp_path)) + 1:] for p in WalkImages(str(tmp_path))]
    assert found == ["a/z.jpg", "b/1.png", "b/2.PNG"]
