"""Progress bars outside the command line (glimpse.util._progress)."""

import io
import sys

from glimpse.util import _progress


def test_a_bar_not_shown_prints_nothing_and_imports_no_tqdm(monkeypatch):
    monkeypatch.delitem(sys.modules, "tqdm.auto", raising=False)
    with _progress.ProgressBar(5, False) as bar:
        bar.update(3)
    assert isinstance(bar, _progress.NoBar) and "tqdm.auto" not in sys.modules


def test_a_shown_bar_counts_without_a_monitor_thread():
    out = io.StringIO()
    with _progress.ProgressBar(4, True, file=out, unit="image", leave=True) as bar:
        bar.update(4)
    assert type(bar).monitor_interval == 0 and bar.monitor is None
    assert "4/4" in out.getvalue()
