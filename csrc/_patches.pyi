"""Type stub of the compiled patch kernels (csrc/_patches.pyx).

The comments give the C type each argument is converted to. The kernels assume
validated input; call :func:`glimpse.models.base.SamplePatchesFromData`.
"""

import numpy as np
import numpy.typing as npt

#: Outputs of at least this many bytes are written with streaming stores...
STREAM_THRESHOLD: int  # Python int, read at every call
#: ... when the scales they are read from span at most this many bytes.
STREAM_SOURCE_LIMIT: int  # Python int, read at every call


def gather(
    scales: list[npt.NDArray[np.float32] | npt.NDArray[np.float64]],  # list (buffers, read-only ok)
    locations: npt.NDArray[np.intp],  # const Py_ssize_t[:, ::1], (N, 3) rows of (s, y, x)
    width: int,  # Py_ssize_t
    out: npt.NDArray[np.float32],  # float[:, ::1], (N, bands * width * width)
) -> None: ...


def sample(
    scales: list[npt.NDArray[np.float32] | npt.NDArray[np.float64]],  # list (buffers, read-only ok)
    width: int,  # Py_ssize_t
    generator: np.random.Generator,  # object; its bit_generator's capsule and lock are used
    locations: npt.NDArray[np.intp],  # Py_ssize_t[:, ::1], (N, 3), filled with (s, y, x)
    out: npt.NDArray[np.float32],  # float[:, ::1], (N, bands * width * width)
) -> None: ...
