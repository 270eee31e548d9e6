"""Deformable convolution: ONNX DeformConv (opset 19) = torchvision's
deform_conv2d, v1 (no mask) and v2 / DCNv2 (a modulation mask), through
clconv_deform_conv_host and the library's float64 reference.

Argument meanings follow torchvision.ops.deform_conv2d (its order is
input, offset, weight, bias, stride, padding, dilation, mask):
  x       [N, C, H, W]
  offset  [N, 2*offset_groups*kH*kW, oH, oW]: per offset group and tap
          t = kh*kW + kw, channel 2*t holds dy (rows) and 2*t+1 dx (columns)
  w       [K, C/groups, kH, kW]
  b       [K] or None
  mask    [N, offset_groups*kH*kW, oH, oW] or None (v1)
and pads as ONNX's (2*rank begins then ends) or torch's (int / per axis).
"""

import ctypes
import numbers

import numpy as np

from . import _args, _errors, _structs
from ._context import resolve
from ._lib import check, lib
from ._ops import algorithm_code, fptr

_STACK = 5  # as_float32 <- _prepare <- _deform <- deform_conv / reference_deform_conv <- caller


def _int_arg(arg, value, lo):
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise _errors.invalid(arg, "expected an int, got %r" % (value,))
    value = int(value)
    if value < lo:
        raise _errors.invalid(arg, "%d must be >= %d" % (value, lo))
    if value > _args._INT_MAX:
        raise _errors.invalid(arg, "%d does not fit in a C int" % value)
    return value


def _pads(value):
    """An int, (pH, pW) (both sides, like torchvision's padding) or
    (top, left, bottom, right) (ONNX) -> (begins, ends)."""
    if isinstance(value, str):
        raise _errors.invalid("pads", "%r: DeformConv has no auto_pad; expected an int, 2 or "
                              "4 ints" % (value,))
    p = _args.ints("pads", value, 2, lo=0, allow_2rank=True)
    if len(p) == 2:
        return p, list(p)
    return p[:2], p[2:]


def _shape_rule(arg, a, want, what):
    if tuple(a.shape) != tuple(want):
        raise _errors.invalid(arg, "expected shape %s (%s), got %s"
                              % (tuple(want), what, tuple(a.shape)))


def _prepare(x, offset, w, b, mask, strides, pads, dilations, groups, offset_groups,
             activation):
    """(x, offset, w, b, mask as float32 arrays, descriptor, output shape)."""
    x = _args.as_float32("x", x, ndim=4, stacklevel=_STACK)
    offset = _args.as_float32("offset", offset, ndim=4, stacklevel=_STACK)
    w = _args.as_float32("w", w, ndim=4, stacklevel=_STACK)
    if b is not None:
        b = _args.as_float32("b", b, ndim=1, stacklevel=_STACK)
    if mask is not None:
        mask = _args.as_float32("mask", mask, ndim=4, stacklevel=_STACK)
    N, C, H, W = x.shape
    K, Cg, kH, kW = w.shape
    groups = _int_arg("groups", groups, 1)
    if C % groups:
        raise _errors.invalid("groups", "%d does not divide the %d input channels" % (groups, C))
    if K % groups:
        raise _errors.invalid("groups", "%d does not divide the %d output channels (w.shape[0])"
                              % (groups, K))
    if Cg * groups != C:
        raise _errors.invalid("w", "shape %s: DeformConv weights are [K, C/groups, kH, kW] with "
                              "C/groups = %d/%d" % (tuple(w.shape), C, groups))
    taps = kH * kW
    if offset_groups is None:  # torchvision: offset.shape[1] // (2*kH*kW)
        if offset.shape[1] == 0 or offset.shape[1] % (2 * taps):
            raise _errors.invalid("offset", "shape %s: dimension 1 must be a positive multiple "
                                  "of 2*kH*kW = %d" % (tuple(offset.shape), 2 * taps))
        offset_groups = offset.shape[1] // (2 * taps)
    else:
        offset_groups = _int_arg("offset_groups", offset_groups, 1)
        if offset.shape[1] != 2 * offset_groups * taps:
            raise _errors.invalid("offset_groups", "%d does not match offset of shape %s "
                                  "(dimension 1 = 2*offset_groups*kH*kW = %d expected)"
                                  % (offset_groups, tuple(offset.shape),
                                     2 * offset_groups * taps))
    if C % offset_groups:
        raise _errors.invalid("offset_groups", "%d does not divide the %d input channels"
                              % (offset_groups, C))
    d = _structs.DeformConvDesc()
    lib().clconv_deform_conv_desc_init(d)
    d.batch, d.in_channels, d.out_channels = N, C, K
    d.in_size[0], d.in_size[1] = H, W
    d.kernel_size[0], d.kernel_size[1] = kH, kW
    s = _args.ints("strides", strides, 2, lo=1)
    dl = _args.ints("dilations", dilations, 2, lo=1)
    pb, pe = _pads(pads)
    for i in range(2):
        d.strides[i], d.dilations[i] = s[i], dl[i]
        d.pads_begin[i], d.pads_end[i] = pb[i], pe[i]
    d.groups, d.offset_groups = groups, offset_groups
    d.has_bias = 0 if b is None else 1
    d.has_mask = 0 if mask is None else 1
    d.activation, d.activation_alpha, d.activation_beta = _args.activation(activation)
    o = (ctypes.c_int * 2)()
    check(lib().clconv_deform_conv_output_shape(d, o))
    oH, oW = o[0], o[1]
    if b is not None and b.shape[0] != K:
        raise _errors.invalid("b", "expected %d values (output channels), got %d"
                              % (K, b.shape[0]))
    _shape_rule("offset", offset, (N, 2 * offset_groups * taps, oH, oW),
                "[N, 2*offset_groups*kH*kW, oH, oW]")
    if mask is not None:
        _shape_rule("mask", mask, (N, offset_groups * taps, oH, oW),
                    "[N, offset_groups*kH*kW, oH, oW]")
    return x, offset, w, b, mask, d, (N, K, oH, oW)


def _deform(reference, x, offset, w, b, mask, strides, pads, dilations, groups, offset_groups,
            activation, algo, ctx):
    x, offset, w, b, mask, d, oshape = _prepare(x, offset, w, b, mask, strides, pads,
                                                dilations, groups, offset_groups, activation)
    if reference:
        y = np.empty(oshape, np.float64)
        check(lib().clconv_reference_deform_conv(
            ctypes.byref(d), fptr(x), fptr(w), fptr(b), fptr(offset), fptr(mask),
            y.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        return y
    code = algorithm_code(algo)
    ctx = resolve(ctx)
    y = np.empty(oshape, np.float32)
    check(lib().clconv_deform_conv_host(ctx.handle, ctypes.byref(d), code, fptr(x), fptr(w),
                                        fptr(b), fptr(offset), fptr(mask), fptr(y), None))
    return y


def deform_conv(x, offset, w, b=None, mask=None, strides=1, pads=0, dilations=1, groups=1,
                offset_groups=None, activation=None, algo="auto", ctx=None):
    """ONNX DeformConv (torchvision.ops.deform_conv2d) of x [N, C, H, W] with
    w [K, C/groups, kH, kW], sampling offsets offset
    [N, 2*offset_groups*kH*kW, oH, oW] ((dy, dx) per tap), optional bias b [K]
    and optional modulation mask [N, offset_groups*kH*kW, oH, oW] (DCNv2);
    returns a new float32 array [N, K, oH, oW].

    strides, dilations: an int or (h, w).
    pads: an int, (h, w) (both sides, like torchvision's padding) or
          (top, left, bottom, right) (ONNX's begins, then ends).
    offset_groups: inferred from offset.shape[1] // (2*kH*kW) when None
          (as torchvision does), else checked against it.
    activation: as for conv(), fused after the bias.
    algo: "auto" or "direct" (other algorithms raise Unsupported).

    The first four positional arguments are torchvision's (input, offset,
    weight, bias); after them the orders differ, so pass the rest by name.
    """
    return _deform(False, x, offset, w, b, mask, strides, pads, dilations, groups,
                   offset_groups, activation, algo, ctx)


def reference_deform_conv(x, offset, w, b=None, mask=None, strides=1, pads=0, dilations=1,
                          groups=1, offset_groups=None, activation=None):
    """The library's CPU reference of deform_conv (double sampling and
    accumulation, float64 output), same arguments; no OpenCL device involved."""
    return _deform(True, x, offset, w, b, mask, strides, pads, dilations, groups,
                   offset_groups, activation, None, None)
