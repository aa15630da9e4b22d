"""Type stub for the compiled module ``glimpse._colour`` (csrc/_colour.pyx).

Comments record the C types of the Cython signature. The kernel assumes validated
input; call :meth:`glimpse.backends.base.Backend.LumaBytes`.
"""

import numpy as np
import numpy.typing as npt


def luma(
    rgb: npt.NDArray[np.uint8],  # const unsigned char[:, :, :], (H, W, C >= 3), any strides
    out: npt.NDArray[np.float32],  # float[:, ::1], (H, W)
) -> None: ...
