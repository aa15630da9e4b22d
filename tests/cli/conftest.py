"""Fixtures of the command-line tests (tiny_corpus is in tests/conftest.py)."""
