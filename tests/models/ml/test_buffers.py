"""The per-thread layer buffers of the HMAX model (glimpse.models.ml.buffers)."""

import threading

import numpy as np

from glimpse.models.ml import buffers


def test_maps_are_consecutive_views_of_one_buffer():
    maps = buffers.LayerMaps("test-views", [(2, 3, 4), (2, 1, 5)])
    assert [m.shape for m in maps] == [(2, 3, 4), (2, 1, 5)]
    assert all(m.dtype == np.float32 and m.flags.c_contiguous for m in maps)
    assert maps[0].base is maps[1].base
    offset = maps[1].__array_interface__["data"][0] - maps[0].__array_interface__["data"][0]
    assert offset == maps[0].nbytes


def test_a_buffer_is_reused_only_once_no_map_of_it_is_alive():
    first = buffers.LayerMaps("test-reuse", [(4, 4)])[0]
    alive = buffers.LayerMaps("test-reuse", [(4, 4)])[0]
    assert not np.shares_memory(first, alive)  # ``first`` still refers to its buffer
    address = alive.__array_interface__["data"][0]
    del alive
    again = buffers.LayerMaps("test-reuse", [(2, 8)])[0]
    assert again.__array_interface__["data"][0] == address


def test_buffers_are_per_thread():
    mine = buffers.LayerBuffer("test-thread", 16)
    address = mine.__array_interface__["data"][0]
    del mine
    seen = []
    thread = threading.Thread(target=lambda: seen.append(buffers.LayerBuffer("test-thread", 16)))
    thread.start()
    thread.join()
    assert seen[0].__array_interface__["data"][0] != address
    assert buffers.LayerBuffer("test-thread", 16).__array_interface__["data"][0] == address


def test_large_layers_are_not_kept(monkeypatch):
    monkeypatch.setattr(buffers, "REUSED_LAYER_BYTES", 64)
    kept = buffers._per_thread.__dict__.setdefault("buffers", {})
    small = buffers.LayerBuffer("test-big", 16)  # 64 bytes: kept for next time
    assert kept["test-big"] is small
    big = buffers.LayerBuffer("test-big", 17)  # 68 bytes: not kept, and forgets the small
    assert big.size == 17 and "test-big" not in kept
