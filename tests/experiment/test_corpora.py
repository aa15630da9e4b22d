import hashlib

import numpy as np
import pytest
from PIL import Image

from glimpse.experiment import SAMPLE_CORPORA, GetSampleCorpus, ReadCorpus
from glimpse.experiment import corpora


def _digest(root):
    corpus = ReadCorpus(root)
    h = hashlib.sha256()
    for path in corpus.paths:
        with Image.open(path) as img:
            h.update(img.tobytes())
    return h.hexdigest(), corpus


@pytest.mark.parametrize("name", sorted(SAMPLE_CORPORA))
def test_sample_corpora_are_deterministic(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GLIMPSE_CACHE_DIR", str(tmp_path / "one"))
    first, corpus = _digest(GetSampleCorpus(name))
    monkeypatch.setenv("GLIMPSE_CACHE_DIR", str(tmp_path / "two"))
    second, _ = _digest(GetSampleCorpus(name))
    assert first == second
    assert corpus.class_names == list(SAMPLE_CORPORA[name][0])
    assert np.bincount(corpus.labels).tolist() == [corpora.IMAGES_PER_CLASS] * 2
    with Image.open(corpus.paths[0]) as img:
        assert img.size == (corpora.IMAGE_SIZE,) * 2 and img.mode == "L"


def test_cached_corpus_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("GLIMPSE_CACHE_DIR", str(tmp_path))
    root = GetSampleCorpus("easy")
    marker = tmp_path / "corpora" / "easy-v1" / "circle" / "circle_000.png"
    stamp = marker.stat().st_mtime_ns
    assert GetSampleCorpus("easy") == root and marker.stat().st_mtime_ns == stamp
    assert not [p for p in (tmp_path / "corpora").iterdir() if p.name.startswith(".")]


def test_unwritable_cache_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GLIMPSE_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(corpora.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    root = GetSampleCorpus("easy")
    assert root.startswith(str(tmp_path / "tmp"))
    assert len(ReadCorpus(root)) == 2 * corpora.IMAGES_PER_CLASS


def test_unknown_name():
    with pytest.raises(ValueError, match="corpus name must be one of easy, moderate, hard"):
        GetSampleCorpus("trivial")


def test_classes_differ_in_the_way_described():
    """easy: a circle's pixels lie on a ring, a cross's along two lines through the centre."""
    c = corpora.IMAGE_SIZE // 2
    circle = np.asarray(corpora._easy(np.random.default_rng(1), 0), float)
    cross = np.asarray(corpora._easy(np.random.default_rng(1), 1), float)
    assert circle[c - 3:c + 3, c - 3:c + 3].mean() < 160 < cross[c - 3:c + 3, c - 3:c + 3].mean()
