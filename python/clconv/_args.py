"""Turning torch/ONNX-style Python arguments into clconv descriptors.

Array policy (documented in the package docstring):
  - float32 arrays are used as they are when C-contiguous and native-endian,
    else copied into one silently (layout and byte order lose nothing);
  - arrays of another real dtype (float64, float16, integers, bool) are
    converted to float32 with a ConversionWarning naming the argument,
    because float64 -> float32 can round;
  - Python sequences and scalars are converted silently (no dtype to lose);
  - complex, object, string and other arrays, and arrays of the wrong
    number of dimensions, raise InvalidArgument.
"""

import ctypes
import numbers
import warnings

import numpy as np

from . import _errors, _structs
from ._lib import check, lib

_INT_MAX = 2**31 - 1


class ConversionWarning(UserWarning):
    """An input array was converted to float32 (its dtype was not float32)."""


def as_float32(arg, value, ndim=None, stacklevel=4):
    """value as a C-contiguous native float32 ndarray (see the module doc)."""
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "f" and value.dtype.itemsize == 4:
            a = value
        elif kind in "fiub":
            warnings.warn("clconv: %s converted from %s to float32" % (arg, value.dtype),
                          ConversionWarning, stacklevel=stacklevel)
            a = value.astype(np.float32)
        else:
            raise _errors.invalid(arg, "dtype %s is not supported (float32 expected)"
                                  % value.dtype)
    else:
        try:
            a = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError) as e:
            raise _errors.invalid(arg, "cannot be converted to a float32 array (%s)" % e)
    a = np.ascontiguousarray(a, dtype=np.dtype("=f4"))
    if ndim is not None:
        want = ndim if isinstance(ndim, tuple) else (ndim,)
        if a.ndim not in want:
            raise _errors.invalid(arg, "expected %s dimensions, got shape %s"
                                  % (" or ".join(map(str, want)), a.shape))
    for n in a.shape:
        if n > _INT_MAX:
            raise _errors.invalid(arg, "dimension %d exceeds 2^31-1" % n)
    return a


def ints(arg, value, rank, lo=None, allow_2rank=False):
    """An int or a tuple of ints -> a list of `rank` ints (or of 2*rank when
    allow_2rank and the tuple has that length)."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        out = [int(value)] * rank
    else:
        try:
            out = list(value)
        except TypeError:
            raise _errors.invalid(arg, "expected an int or a tuple of ints, got %r" % (value,))
        lengths = (rank, 2 * rank) if allow_2rank else (rank,)
        if len(out) not in lengths:
            raise _errors.invalid(arg, "expected an int or %s ints for rank %d, got %d"
                                  % (" or ".join(map(str, lengths)), rank, len(out)))
        for i, v in enumerate(out):
            if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
                raise _errors.invalid("%s[%d]" % (arg, i), "expected an int, got %r" % (v,))
        out = [int(v) for v in out]
    for i, v in enumerate(out):
        if lo is not None and v < lo:
            raise _errors.invalid("%s[%d]" % (arg, i), "%d must be >= %d" % (v, lo))
        if abs(v) > _INT_MAX:
            raise _errors.invalid("%s[%d]" % (arg, i), "%d does not fit in a C int" % v)
    return out


def pads(value, rank):
    """pads: an int, `rank` ints (each the begin and the end, like torch's
    padding) or 2*rank ints (ONNX: all begins, then all ends).  Also the
    strings "same" / "valid" (torch's padding strings), returned as the
    auto_pad they mean."""
    if isinstance(value, str):
        v = value.lower()
        if v == "same":
            return [0] * rank, [0] * rank, "SAME_UPPER"
        if v == "valid":
            return [0] * rank, [0] * rank, "VALID"
        raise _errors.invalid("pads", "unknown string %r (expected 'same' or 'valid')" % value)
    p = ints("pads", value, rank, lo=0, allow_2rank=True)
    if len(p) == rank:
        return p, list(p), None
    return p[:rank], p[rank:], None


def auto_pad(value):
    if not isinstance(value, str) or value.upper() not in _structs.AUTO_PAD:
        raise _errors.invalid("auto_pad", "%r is not one of %s"
                              % (value, ", ".join(_structs.AUTO_PAD)))
    return value.upper()


def activation(value):
    """None | "relu" | "relu6" | "leaky_relu" (ONNX alpha 0.01) |
    ("clip", lo, hi) | ("leaky_relu", alpha) -> (code, alpha, beta)."""
    if value is None:
        return _structs.ACT_NONE, 0.0, 0.0
    if isinstance(value, str):
        name, params = value.lower(), ()
    elif isinstance(value, (tuple, list)) and value and isinstance(value[0], str):
        name, params = value[0].lower(), tuple(value[1:])
    else:
        raise _errors.invalid("activation", "expected None, a name or a (name, params...) "
                              "tuple, got %r" % (value,))
    for p in params:
        if isinstance(p, bool) or not isinstance(p, (numbers.Real, np.floating, np.integer)):
            raise _errors.invalid("activation", "parameter %r of %s is not a number" % (p, name))
    params = tuple(float(p) for p in params)
    table = {
        ("none", 0): (_structs.ACT_NONE, 0.0, 0.0),
        ("relu", 0): (_structs.ACT_RELU, 0.0, 0.0),
        ("relu6", 0): (_structs.ACT_CLIP, 0.0, 6.0),
        ("leaky_relu", 0): (_structs.ACT_LEAKY_RELU, 0.01, 0.0),
    }
    if (name, len(params)) in table:
        return table[(name, len(params))]
    if name == "clip" and len(params) == 2:
        return _structs.ACT_CLIP, params[0], params[1]
    if name == "leaky_relu" and len(params) == 1:
        return _structs.ACT_LEAKY_RELU, params[0], 0.0
    raise _errors.invalid("activation", "%r: expected None, 'relu', 'relu6', 'leaky_relu', "
                          "('leaky_relu', alpha) or ('clip', lo, hi)" % (value,))


def conv_desc(x_shape, w_shape, has_bias, strides, pads_, dilations, groups, auto_pad_,
              act, transposed, output_padding=0, output_shape=None):
    """A clconv_conv_desc for x of x_shape and w of w_shape; validates the
    shapes against each other (the C library sees only the descriptor, so
    weights of the wrong shape are the binding's to catch)."""
    rank = len(w_shape) - 2
    if not 1 <= rank <= _structs.MAX_RANK:
        raise _errors.invalid("w", "expected 3 to 5 dimensions (rank 1-3), got shape %s"
                              % (tuple(w_shape),))
    if len(x_shape) != rank + 2:
        raise _errors.invalid("x", "expected %d dimensions to match w of shape %s, got shape %s"
                              % (rank + 2, tuple(w_shape), tuple(x_shape)))
    if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, np.integer)):
        raise _errors.invalid("groups", "expected an int, got %r" % (groups,))
    groups = int(groups)
    if groups < 1:
        raise _errors.invalid("groups", "%d must be >= 1" % groups)
    N, C = x_shape[0], x_shape[1]
    if C % groups:
        raise _errors.invalid("groups", "%d does not divide the %d input channels" % (groups, C))
    if transposed:
        if w_shape[0] != C:
            raise _errors.invalid("w", "shape %s: ConvTranspose weights are [C, K/groups, k...] "
                                  "with C = %d (x's channels)" % (tuple(w_shape), C))
        K = w_shape[1] * groups
    else:
        if w_shape[1] * groups != C:
            raise _errors.invalid("w", "shape %s: Conv weights are [K, C/groups, k...] with "
                                  "C/groups = %d/%d" % (tuple(w_shape), C, groups))
        K = w_shape[0]
    d = _structs.ConvDesc()
    lib().clconv_conv_desc_init(d, rank)
    d.batch, d.in_channels, d.out_channels, d.groups = N, C, K, groups
    d.transposed = 1 if transposed else 0
    d.has_bias = 1 if has_bias else 0
    pb, pe, implied = pads(pads_, rank)
    ap = auto_pad(auto_pad_)
    if implied:
        if ap != "NOTSET":
            raise _errors.invalid("pads", "%r conflicts with auto_pad=%r" % (pads_, auto_pad_))
        ap = implied
    elif ap != "NOTSET" and any(pb + pe):
        raise _errors.invalid("pads", "must be 0 when auto_pad is %s (ONNX: one or the other)"
                              % ap)
    d.auto_pad = _structs.AUTO_PAD[ap]
    s = ints("strides", strides, rank, lo=1)
    dl = ints("dilations", dilations, rank, lo=1)
    for i in range(rank):
        d.in_size[i] = x_shape[2 + i]
        d.kernel_size[i] = w_shape[2 + i]
        d.strides[i], d.dilations[i] = s[i], dl[i]
        d.pads_begin[i], d.pads_end[i] = pb[i], pe[i]
    if transposed:
        op = ints("output_padding", output_padding, rank, lo=0)
        for i in range(rank):
            d.output_padding[i] = op[i]
        if output_shape is not None:
            if _len(output_shape) == rank + 2:  # ONNX's full [N, K, spatial...] form
                os_ = ints("output_shape", output_shape, rank + 2, lo=1)
                if os_[0] != N or os_[1] != K:
                    raise _errors.invalid("output_shape", "%s: N, K must be %d, %d"
                                          % (tuple(os_), N, K))
                os_ = os_[2:]
            else:
                os_ = ints("output_shape", output_shape, rank, lo=1)
            for i in range(rank):
                d.output_shape[i] = os_[i]
    else:
        if output_padding not in (0, None) or output_shape is not None:
            raise _errors.invalid("output_padding", "only for conv_transpose")
    d.activation, d.activation_alpha, d.activation_beta = activation(act)
    return d


def _len(v):
    try:
        return len(v)
    except TypeError:
        return -1


def out_shape(desc):
    """(N, K, spatial...) of a validated descriptor (raises with the field)."""
    o = (ctypes.c_int * _structs.MAX_RANK)()
    check(lib().clconv_conv_output_shape(desc, o))
    return (desc.batch, desc.out_channels) + tuple(o[i] for i in range(desc.rank))


def desc_shapes(desc):
    """(x shape, w shape, bias length) that a descriptor expects."""
    r = desc.rank
    ks = tuple(desc.kernel_size[i] for i in range(r))
    x = (desc.batch, desc.in_channels) + tuple(desc.in_size[i] for i in range(r))
    if desc.transposed:
        w = (desc.in_channels, desc.out_channels // desc.groups) + ks
    else:
        w = (desc.out_channels, desc.in_channels // desc.groups) + ks
    return x, w, desc.out_channels
