"""The HMAX model's kernels: the checks an S1 or S2 kernel array passes once, when it is set.

The model hands the checked arrays to its backend with
:meth:`glimpse.backends.Backend.SOperation` and ``kernels_checked=True``, which does not
read their values again on every image.
"""

from __future__ import annotations

import numpy as np

from ...backends import ACTIVATION_DTYPE
from ...util.kernel import KernelNorms

__all__ = ["UNIT_NORM_TOLERANCE", "CheckKernelArray"]

#: Largest |norm - 1| accepted for a kernel that must have unit norm.
UNIT_NORM_TOLERANCE = 1e-4


def CheckKernelArray(value, shape, normed, name, leading=False):
    """Validate a kernel array; return it as a read-only float32 C-contiguous copy.

    With ``leading``, `shape` is the shape of one kernel and axis 0 counts them
    (at least one).
    """
    if value is None:
        raise TypeError("%s must be an array, got None" % name)
    try:
        array = np.array(value, copy=True)
    except (TypeError, ValueError) as err:
        raise TypeError("%s cannot be read as an array: %s" % (name, err)) from None
    if array.dtype.kind not in "iuf":
        raise TypeError("%s must hold real numbers, got dtype %s" % (name, array.dtype))
    expected = tuple(shape)
    got = array.shape[1:] if leading else array.shape
    if array.ndim != len(expected) + (1 if leading else 0) or got != expected:
        want = "(n,) + %r with n >= 1" % (expected,) if leading else repr(expected)
        raise ValueError("%s must have shape %s, got %r" % (name, want, array.shape))
    if leading and array.shape[0] < 1:
        raise ValueError("%s must hold at least one kernel, got shape %r" % (name, array.shape))
    array = np.ascontiguousarray(array, dtype=ACTIVATION_DTYPE)
    if not np.isfinite(array).all():
        raise ValueError("%s must hold finite values" % name)
    if normed:
        # one norm per kernel: axis 0 counts them, or (S1) the last two axes hold one
        norms = KernelNorms(array if leading else array.reshape((-1,) + array.shape[-2:]))
        # an all-zero kernel is what normalising a flat patch gives: accepted as it is
        bad = np.flatnonzero((np.abs(norms - 1) > UNIT_NORM_TOLERANCE) & (norms != 0))
        if bad.size:
            raise ValueError("%s must have unit norm (the operation expects it), but kernel %d "
                             "has norm %g" % (name, bad[0], norms[bad[0]]))
    array.flags.writeable = False
    return array
