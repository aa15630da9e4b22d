"""Fixtures of the command-line tests: the experiment commands run on the experiments' corpus."""

from ..experiment.conftest import tiny_corpus  # noqa: F401 (a fixture, used by name)
