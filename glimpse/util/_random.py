"""Random numbers: the one way an ``rng`` argument becomes a Generator, and fresh seeds.

Every random draw in glimpse comes from a :class:`numpy.random.Generator` that the caller
passed (or that was made from the seed the caller passed, or from a fresh seed that is
then recorded).
"""

from __future__ import annotations

import numpy as np

from ._checks import show

__all__ = ["MAX_SEED", "generator", "fresh_seed"]

#: The largest seed glimpse records (seeds are written as signed 64-bit integers).
MAX_SEED = 2**63 - 1


def generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` as a numpy Generator, as :func:`numpy.random.default_rng` makes it.

    Parameters
    ----------
    rng : None, int, sequence of int, numpy.random.SeedSequence, BitGenerator or Generator
        None draws fresh entropy; an int (>= 0) or a SeedSequence seeds a new Generator;
        a Generator is returned as it is (its stream continues).
    name : str
        The argument's name, for messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError, ValueError
        "NAME must be None, a non-negative int seed or a numpy.random.Generator, got
        VALUE (why)", for anything numpy refuses (a negative seed, a float, ...).

    Examples
    --------
    >>> generator(3).integers(10) == generator(3).integers(10)
    True
    """
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as err:
        raise type(err)("%s must be None, a non-negative int seed or a numpy.random.Generator, "
                        "got %s (%s)" % (name, show(rng), err)) from None


def fresh_seed() -> int:
    """A seed drawn from fresh OS entropy, in ``[0, MAX_SEED]``, to record and reuse.

    Returns
    -------
    int
        ``numpy.random.SeedSequence().entropy`` reduced modulo ``2**63``.
    """
    return int(np.random.SeedSequence().entropy % (MAX_SEED + 1))
