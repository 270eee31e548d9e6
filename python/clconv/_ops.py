"""One-shot operations: conv, conv_transpose, depth_to_space,
space_to_depth, and the library's float64 reference.

conv/conv_transpose go through clconv_conv_host (plan, upload, run,
download, release in one call): simple and right for scripts and checks.
For repeated runs of one layer use Plan, which keeps the plan, the weights
and the device buffers.
"""

import ctypes

import numpy as np

from . import _args, _errors, _structs
from ._context import resolve
from ._lib import check, lib

_FP = ctypes.POINTER(ctypes.c_float)


def fptr(a):
    return None if a is None else a.ctypes.data_as(_FP)


def algorithm_code(algo):
    """"auto", "direct", ... (or the enum value) -> clconv_algorithm."""
    if algo is None:
        return 0
    if isinstance(algo, int) and not isinstance(algo, bool):
        if not 0 <= algo < lib().clconv_algorithm_count():
            raise _errors.invalid("algo", "%d is not an algorithm number" % algo)
        return algo
    if not isinstance(algo, str):
        raise _errors.invalid("algo", "expected a name such as 'auto' or 'direct', got %r"
                              % (algo,))
    code = ctypes.c_int(0)
    if lib().clconv_algorithm_from_name(algo.encode(), ctypes.byref(code)):
        raise _errors.invalid("algo", "unknown algorithm %r (known: %s)"
                              % (algo, ", ".join(algorithms())))
    return code.value


def algorithm_name(code):
    n = lib().clconv_algorithm_name(code)
    return n.decode() if n else str(code)


def algorithms():
    """The algorithm names of the loaded library, "auto" first."""
    return [algorithm_name(i) for i in range(lib().clconv_algorithm_count())]


def prepare(x, w, b, transposed, **kw):
    """(x, w, b as float32 arrays, descriptor, output shape)."""
    x = _args.as_float32("x", x, ndim=(3, 4, 5), stacklevel=5)
    w = _args.as_float32("w", w, ndim=(3, 4, 5), stacklevel=5)
    if b is not None:
        b = _args.as_float32("b", b, ndim=1, stacklevel=5)
    desc = _args.conv_desc(x.shape, w.shape, b is not None, transposed=transposed, **kw)
    if b is not None and b.shape[0] != desc.out_channels:
        raise _errors.invalid("b", "expected %d values (output channels), got %d"
                              % (desc.out_channels, b.shape[0]))
    return x, w, b, desc, _args.out_shape(desc)


def _run(x, w, b, transposed, algo, ctx, **kw):
    x, w, b, desc, oshape = prepare(x, w, b, transposed, **kw)
    code = algorithm_code(algo)
    ctx = resolve(ctx)
    y = np.empty(oshape, np.float32)
    check(lib().clconv_conv_host(ctx.handle, ctypes.byref(desc), code, fptr(x), fptr(w),
                                 fptr(b), fptr(y), None))
    return y


def conv(x, w, b=None, strides=1, pads=0, dilations=1, groups=1, auto_pad="NOTSET",
         activation=None, algo="auto", ctx=None):
    """ONNX Conv (torch.nn.functional.conv1d/2d/3d) of x [N, C, spatial...]
    with w [K, C/groups, k...] and optional bias b [K]; returns a new float32
    array [N, K, out...].

    strides, dilations: an int or one per spatial axis.
    pads: an int, one per axis (both sides, like torch's padding), or
          2*rank (ONNX: all begins, then all ends); "same"/"valid" as torch.
    auto_pad: "NOTSET", "SAME_UPPER", "SAME_LOWER" or "VALID" (ONNX).
    activation: None, "relu", "relu6", "leaky_relu" (alpha 0.01),
          ("leaky_relu", alpha) or ("clip", lo, hi), fused after the bias.
    algo: "auto" or a name from clconv.algorithms().
    """
    return _run(x, w, b, False, algo, ctx, strides=strides, pads_=pads, dilations=dilations,
                groups=groups, auto_pad_=auto_pad, act=activation)


def conv_transpose(x, w, b=None, strides=1, pads=0, dilations=1, groups=1, auto_pad="NOTSET",
                   activation=None, algo="auto", ctx=None, output_padding=0, output_shape=None):
    """ONNX ConvTranspose (torch.nn.functional.conv_transpose1d/2d/3d) of x
    [N, C, spatial...] with w [C, K/groups, k...]; returns float32 [N, K, out...].

    Arguments as conv(), plus output_padding (an int or one per axis) and
    output_shape (the spatial sizes, or ONNX's full [N, K, spatial...];
    it overrides pads, split as ONNX does by auto_pad).
    """
    return _run(x, w, b, True, algo, ctx, strides=strides, pads_=pads, dilations=dilations,
                groups=groups, auto_pad_=auto_pad, act=activation,
                output_padding=output_padding, output_shape=output_shape)


def reference_conv(x, w, b=None, strides=1, pads=0, dilations=1, groups=1, auto_pad="NOTSET",
                   activation=None, transposed=False, output_padding=0, output_shape=None):
    """The library's CPU reference (double accumulation, float64 output) of
    conv (transposed=False) or conv_transpose (transposed=True), with the
    same arguments; no OpenCL device involved."""
    kw = dict(strides=strides, pads_=pads, dilations=dilations, groups=groups,
              auto_pad_=auto_pad, act=activation)
    if transposed:
        kw.update(output_padding=output_padding, output_shape=output_shape)
    elif output_padding not in (0, None) or output_shape is not None:
        raise _errors.invalid("output_padding", "only with transposed=True")
    x, w, b, desc, oshape = prepare(x, w, b, bool(transposed), **kw)
    y = np.empty(oshape, np.float64)
    check(lib().clconv_reference_conv(ctypes.byref(desc), fptr(x), fptr(w), fptr(b),
                                      y.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
    return y


def _space_depth(x, blocksize, op, mode, ctx, reference):
    x = _args.as_float32("x", x, ndim=4, stacklevel=4)
    if isinstance(blocksize, bool) or not isinstance(blocksize, (int, np.integer)):
        raise _errors.invalid("blocksize", "expected an int, got %r" % (blocksize,))
    d = _structs.SpaceDepthDesc()
    lib().clconv_space_depth_desc_init(ctypes.byref(d), op)
    d.batch, d.channels, d.height, d.width = x.shape
    d.blocksize = int(blocksize)
    if op == _structs.DEPTH_TO_SPACE:
        if not isinstance(mode, str) or mode.upper() not in _structs.MODE:
            raise _errors.invalid("mode", "%r is not 'DCR' or 'CRD'" % (mode,))
        d.mode = _structs.MODE[mode.upper()]
    o = (ctypes.c_int * 4)()
    check(lib().clconv_space_depth_output_shape(ctypes.byref(d), o))
    y = np.empty(tuple(o), np.float32)
    if reference:
        check(lib().clconv_reference_space_depth(ctypes.byref(d), fptr(x), fptr(y)))
    else:
        check(lib().clconv_space_depth_host(resolve(ctx).handle, ctypes.byref(d), fptr(x),
                                            fptr(y)))
    return y


def depth_to_space(x, blocksize, mode="DCR", ctx=None):
    """ONNX DepthToSpace of x [N, C, H, W] -> [N, C/b², H·b, W·b]; mode
    "DCR" (ONNX default) or "CRD" (torch.nn.functional.pixel_shuffle)."""
    return _space_depth(x, blocksize, _structs.DEPTH_TO_SPACE, mode, ctx, False)


def space_to_depth(x, blocksize, ctx=None):
    """ONNX SpaceToDepth of x [N, C, H, W] -> [N, C·b², H/b, W/b]."""
    return _space_depth(x, blocksize, _structs.SPACE_TO_DEPTH, None, ctx, False)


def reference_depth_to_space(x, blocksize, mode="DCR"):
    """The library's CPU reference of depth_to_space."""
    return _space_depth(x, blocksize, _structs.DEPTH_TO_SPACE, mode, None, True)


def reference_space_to_depth(x, blocksize):
    """The library's CPU reference of space_to_depth."""
    return _space_depth(x, blocksize, _structs.SPACE_TO_DEPTH, None, None, True)
