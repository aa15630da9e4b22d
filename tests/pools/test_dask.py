"""The dask pool on a real two-worker LocalCluster (worker processes) on loopback."""

import functools
import pickle

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from glimpse.experiment import (ComputeActivation, Experiment, MakePrototypes,  # noqa: E402
                                ReadCorpus, _models)
from glimpse.pools import MakePool  # noqa: E402
from glimpse.pools._dask import DaskPool  # noqa: E402

from ..experiment import conftest as _shared  # noqa: E402

_IMPRINT = {} if _models.has_s2(_shared.small_model()) else {"layer": "image",
                                                             "kernel_sizes": [5]}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield cluster, client


def test_map_is_ordered_and_chunked(cluster):
    _, client = cluster
    pool = DaskPool(client=client, chunksize=3)
    assert pool.workers == 2
    squares = list(pool.map(functools.partial(pow, 2), range(10)))
    assert squares == [2**i for i in range(10)]
    assert list(pool.map(abs, [])) == []
    with pytest.raises(ValueError, match="three"):
        # int, not a function of this module: worker processes cannot import the tests
        list(pool.map(int, ["0", "1", "2", "three", "4", "5"]))
    pool.close()  # a given client stays open
    assert client.status == "running"
    with pytest.raises(ValueError, match="closed"):
        pool.map(abs, [1])


def test_connects_to_a_scheduler_address(cluster):
    local, _ = cluster
    with MakePool("dask", address=local.scheduler_address) as pool:
        assert list(pool.map(abs, [-1, -2])) == [1, 2]
        assert pool.workers == 2
    copy = pickle.loads(pickle.dumps(pool))  # a pool pickles as its configuration
    assert isinstance(copy, DaskPool) and copy._address == local.scheduler_address


def _experiment(root):
    return Experiment(model=_shared.small_model(), corpus=ReadCorpus(root), seed=4)


def test_prototypes_and_features_equal_the_thread_pools_bit_for_bit(cluster, tiny_corpus):
    _, client = cluster
    runs = []
    for pool in (MakePool("threads", workers=2), DaskPool(client=client, chunksize=2)):
        with pool:
            exp = _experiment(tiny_corpus)
            MakePrototypes(exp, 6, "imprint", pool=pool, **_IMPRINT)
            ComputeActivation(exp, pool=pool, block_size=5)
        runs.append(exp)
    threads, dask = runs
    assert dask.prototypes[0].tobytes() == threads.prototypes[0].tobytes()
    assert np.array_equal(dask.prototype_locations[0], threads.prototype_locations[0])
    assert dask.features.tobytes() == threads.features.tobytes()


def test_argument_errors():
    with pytest.raises(ValueError, match="workers must be an integer >= 1, got 0"):
        DaskPool(workers=0)
    with pytest.raises(ValueError, match="not both"):
        DaskPool(client=object(), address="tcp://127.0.0.1:1")
    with pytest.raises(TypeError, match="address must be a str"):
        DaskPool(address=8786)
