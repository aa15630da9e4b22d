import numpy as np
import pytest

from glimpse.experiment import (Corpus, MakeCorpus, ReadCorpus, ReadCorpusSplit,
                                ReadCorpusSubdirs)


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_read_corpus_sorts_classes_and_images(tmp_path):
    for rel in ["zebra/b.png", "zebra/a.JPG", "ant/x/2.png", "ant/1.png", "ant/notes.txt",
                "ant/figure.pdf", "ant/figure.eps"]:
        _touch(tmp_path / rel)
    (tmp_path / "ant" / "x" / "loop").symlink_to(tmp_path / "ant")  # walked once
    corpus = ReadCorpus(tmp_path)
    assert corpus.class_names == ["ant", "zebra"]
    names = [p[len(str(tmp_path)) + 1:] for p in corpus.paths]
    assert names == ["ant/1.png", "ant/x/2.png", "zebra/a.JPG", "zebra/b.png"]
    assert corpus.labels.tolist() == [0, 0, 1, 1]
    assert corpus.train is None


def test_read_corpus_needs_two_classes(tmp_path):
    _touch(tmp_path / "only" / "a.png")
    with pytest.raises(ValueError, match="two or more"):
        ReadCorpus(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        ReadCorpus(tmp_path / "missing")


def test_subdirs_keep_the_given_order_and_names(tmp_path):
    for rel in ["b/1.png", "a/1.png", "a/2.png"]:
        _touch(tmp_path / rel)
    corpus = ReadCorpusSubdirs([tmp_path / "b", tmp_path / "a"])
    assert corpus.class_names == ["b", "a"] and corpus.labels.tolist() == [0, 1, 1]
    corpus = ReadCorpusSubdirs([tmp_path / "b", tmp_path / "a"], ["pos", "neg"])
    assert corpus.class_names == ["pos", "neg"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        ReadCorpusSubdirs([tmp_path / "a", tmp_path / "empty"])
    with pytest.raises(ValueError, match="class_names"):
        ReadCorpusSubdirs([tmp_path / "a"], ["x", "y"])


def test_split_directories_give_a_fixed_split(tmp_path):
    for rel in ["train/c/1.png", "train/d/1.png", "train/d/2.png", "test/c/3.png", "test/d/4.png"]:
        _touch(tmp_path / rel)
    corpus = ReadCorpusSplit(tmp_path / "train", tmp_path / "test")
    assert corpus.train.tolist() == [True, True, True, False, False]
    assert corpus.labels.tolist() == [0, 1, 1, 0, 1]
    _touch(tmp_path / "test2/other/1.png")
    _touch(tmp_path / "test2/c/1.png")
    with pytest.raises(ValueError, match="same classes"):
        ReadCorpusSplit(tmp_path / "train", tmp_path / "test2")


def test_make_corpus_from_a_list():
    corpus = MakeCorpus(["a.png", "b.png", "c.png"], ["dog", "cat", "dog"])
    assert corpus.class_names == ["cat", "dog"] and corpus.labels.tolist() == [1, 0, 1]
    corpus = MakeCorpus(["a.png", "b.png"], [1, 0], class_names=["x", "y"])
    assert corpus.labels.tolist() == [1, 0]
    with pytest.raises(ValueError, match="one label per path"):
        MakeCorpus(["a.png"], [0, 1])
    with pytest.raises(ValueError, match="not in class_names"):
        MakeCorpus(["a.png"], ["dog"], class_names=["cat"])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        Corpus(["a", "b"], [0, 2], ["x", "y"])


def test_subset_keeps_labels_and_split_aligned():
    corpus = Corpus(["a", "b", "c"], [0, 1, 0], ["x", "y"], train=[True, False, True])
    sub = corpus.subset(np.array([True, False, True]))
    assert sub.paths == ["a", "c"] and sub.labels.tolist() == [0, 0]
    assert sub.train.tolist() == [True, True]
