"""clconv: ONNX Conv / ConvTranspose / DeformConv / DepthToSpace / SpaceToDepth
on OpenCL devices from numpy (ctypes over libclconv.so; no compiler needed).

    import numpy as np, clconv
    x = np.random.rand(1, 3, 32, 32).astype(np.float32)
    w = np.random.rand(8, 3, 3, 3).astype(np.float32)
    y = clconv.conv(x, w, pads=1, activation="relu")      # like F.conv2d + relu
    with clconv.Plan(x.shape, w.shape, pads=1) as p:      # repeated runs
        p.set_weights(w); y = p(x)
    off = np.zeros((1, 2 * 9, 32, 32), np.float32)        # (dy, dx) per tap
    y = clconv.deform_conv(x, off, w, pads=1)             # torchvision deform_conv2d

Arguments mirror torch.nn.functional (ints or per-axis tuples) and ONNX
(pads as 2*rank begins-then-ends, auto_pad, output_shape).

Inputs: float32 arrays are used as they are; non-contiguous or
byte-swapped float32 arrays are copied silently; arrays of another real
dtype (float64, float16, ints, bool) are converted to float32 with a
clconv.ConversionWarning naming the argument; lists convert silently;
complex/object/string arrays and wrong dimension counts raise
clconv.InvalidArgument.  Outputs are new float32 arrays (float64 for the
reference_* functions).

Errors are clconv.Error subclasses (InvalidArgument, Unsupported,
InvalidState, OutOfMemory, OpenCLError, BuildError, DeviceNotFound) with
.status and .message (the library's clconv_last_error()).

The library is found through $CLCONV_LIBRARY, next to this package, in the
source tree's build/, or in the system paths (see clconv._lib).
"""

from ._context import Context, Device, default_context, devices
from ._errors import (BuildError, DeviceNotFound, Error, InvalidArgument, InvalidState,
                      OpenCLError, OutOfMemory, Unsupported)
from ._args import ConversionWarning
from ._deform import deform_conv, reference_deform_conv
from ._ops import (algorithms, conv, conv_transpose, depth_to_space, reference_conv,
                   reference_depth_to_space, reference_space_to_depth, space_to_depth)
from ._plan import FindResult, Plan, find

__version__ = "0.1.0"


def library_version():
    """The version string of the loaded libclconv (may differ from __version__)."""
    from ._lib import lib, text
    return text(lib().clconv_version())


def library_path():
    """The file libclconv was loaded from."""
    from ._lib import path
    return path()


__all__ = [
    "BuildError", "ConversionWarning", "Context", "Device", "DeviceNotFound", "Error",
    "FindResult", "InvalidArgument", "InvalidState", "OpenCLError", "OutOfMemory", "Plan",
    "Unsupported", "algorithms", "conv", "conv_transpose", "default_context",
    "deform_conv", "depth_to_space", "devices", "find", "library_path", "library_version",
    "reference_conv", "reference_deform_conv", "reference_depth_to_space",
    "reference_space_to_depth", "space_to_depth",
]
