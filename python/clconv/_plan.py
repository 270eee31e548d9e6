"""Plans (one layer planned once, run many times) and find().

A Plan holds a clconv_plan, its transformed weights (set_weights uses
clconv_plan_set_weights_host) and two device buffers for the input and the
output, so a call costs one upload, the kernels and one download: no
re-planning, no program lookup and no buffer allocation per call.
"""

import ctypes
import threading
from dataclasses import dataclass, field

import numpy as np

from . import _args, _errors, _opencl, _structs
from ._context import resolve
from ._lib import check, lib, text
from ._ops import algorithm_code, algorithm_name, fptr


def _shape(arg, v):
    """A shape tuple from a tuple of ints or from an array's .shape."""
    s = getattr(v, "shape", v)
    try:
        s = tuple(int(n) for n in s)
    except (TypeError, ValueError):
        raise _errors.invalid(arg, "expected a shape (tuple of ints) or an array, got %r" % (v,))
    if any(n < 1 for n in s):
        raise _errors.invalid(arg, "shape %s: every size must be >= 1" % (s,))
    return s


def make_desc(x_shape, w_shape, bias, transposed, strides, pads, dilations, groups, auto_pad,
              activation, output_padding, output_shape):
    xs, ws = _shape("x_shape", x_shape), _shape("w_shape", w_shape)
    return _args.conv_desc(xs, ws, bool(bias), strides, pads, dilations, groups, auto_pad,
                           activation, bool(transposed), output_padding, output_shape)


@dataclass(frozen=True)
class FindResult:
    """One algorithm's outcome in find(): ok, time_ms (median), the
    parameters timed, whether they came from the tuning database, and for
    an algorithm that could not run, the reason (error).  Pass it as
    Plan(..., algo=result) to plan with exactly that configuration."""
    algorithm: str
    ok: bool
    time_ms: float
    workspace_bytes: int
    params: str
    tuned: bool
    error: str
    _raw: bytes = field(repr=False, compare=False, default=b"")


class Plan:
    """A planned Conv/ConvTranspose for fixed shapes and attributes.

    Plan(x_shape, w_shape, bias=False, strides=1, pads=0, dilations=1,
         groups=1, auto_pad="NOTSET", activation=None, transposed=False,
         output_padding=0, output_shape=None, algo="auto", params=None,
         ctx=None)
    x_shape / w_shape: shapes (or arrays whose shapes are taken); the other
    arguments as clconv.conv / conv_transpose.  algo: a name, or a
    FindResult from clconv.find().  params: "name=value,..." tuning
    parameters for this plan only (no database lookup).
    Then set_weights(w, b) once and call plan(x) any number of times.
    """

    def __init__(self, x_shape, w_shape, bias=False, strides=1, pads=0, dilations=1, groups=1,
                 auto_pad="NOTSET", activation=None, transposed=False, output_padding=0,
                 output_shape=None, algo="auto", params=None, ctx=None):
        self._handle = None
        self._bufs = []
        self._lock = threading.Lock()
        self._weights_set = False
        self._desc = make_desc(x_shape, w_shape, bias, transposed, strides, pads, dilations,
                               groups, auto_pad, activation, output_padding, output_shape)
        self.output_shape = _args.out_shape(self._desc)
        self.input_shape, self.weight_shape, _ = _args.desc_shapes(self._desc)
        self.has_bias = bool(bias)
        self._ctx = resolve(ctx)
        l = lib()
        h = ctypes.c_void_p()
        dp = ctypes.byref(self._desc)
        if isinstance(algo, FindResult):
            if params is not None:
                raise _errors.invalid("params", "not with a FindResult (it has its own)")
            raw = _structs.FindResult.from_buffer_copy(algo._raw)
            check(l.clconv_plan_create_from_result(self._ctx.handle, dp, ctypes.byref(raw),
                                                   ctypes.byref(h)))
        elif params is not None:
            check(l.clconv_plan_create_with_params(self._ctx.handle, dp, algorithm_code(algo),
                                                   str(params).encode(), ctypes.byref(h)))
        else:
            check(l.clconv_plan_create(self._ctx.handle, dp, algorithm_code(algo),
                                       ctypes.byref(h)))
        self._handle = h.value
        self._ctx._register(self)
        try:
            self._x = _opencl.Buffer(self._ctx.cl_context, 4 * int(np.prod(self.input_shape)))
            self._bufs.append(self._x)
            self._y = _opencl.Buffer(self._ctx.cl_context, 4 * int(np.prod(self.output_shape)))
            self._bufs.append(self._y)
        except BaseException:
            self.close()
            raise

    @property
    def handle(self):
        if not self._handle:
            raise _errors.InvalidState(_errors.INVALID_STATE, "Plan: used after close()")
        return self._handle

    @property
    def algorithm(self):
        """The algorithm the plan runs (never "auto")."""
        return algorithm_name(lib().clconv_plan_algorithm(self.handle))

    def describe(self):
        """One line: algorithm, tiles, work-group and where the choice came from."""
        return text(lib().clconv_plan_describe(self.handle))

    @property
    def workspace_bytes(self):
        """Scratch memory each run needs (the plan allocates and keeps it)."""
        n = ctypes.c_size_t(0)
        check(lib().clconv_plan_workspace_size(self.handle, ctypes.byref(n)))
        return n.value

    @property
    def flops(self):
        """2 x multiply-adds of the direct method (clconv_conv_flops)."""
        return lib().clconv_conv_flops(ctypes.byref(self._desc))

    def set_weights(self, w, b=None):
        """Loads (and transforms, once) weights of shape weight_shape and,
        iff the plan was made with bias=True, a bias of output_shape[1]."""
        w = _args.as_float32("w", w, stacklevel=3)
        if w.shape != self.weight_shape:
            raise _errors.invalid("w", "expected shape %s, got %s" % (self.weight_shape, w.shape))
        if self.has_bias:
            if b is None:
                raise _errors.invalid("b", "required: the plan was made with bias=True")
            b = _args.as_float32("b", b, stacklevel=3)
            if b.shape != (self.output_shape[1],):
                raise _errors.invalid("b", "expected shape %s, got %s"
                                      % ((self.output_shape[1],), b.shape))
        elif b is not None:
            raise _errors.invalid("b", "the plan was made with bias=False")
        with self._lock:
            check(lib().clconv_plan_set_weights_host(self.handle, fptr(w), fptr(b)))
            self._weights_set = True

    def __call__(self, x, out=None):
        """Runs the plan on x (shape input_shape); writes into out (a
        C-contiguous float32 array of output_shape) or a new array, and
        returns it."""
        x = _args.as_float32("x", x, stacklevel=3)
        if x.shape != self.input_shape:
            raise _errors.invalid("x", "expected shape %s, got %s" % (self.input_shape, x.shape))
        if out is None:
            out = np.empty(self.output_shape, np.float32)
        elif not (isinstance(out, np.ndarray) and out.dtype == np.float32
                  and out.flags.c_contiguous and out.flags.writeable
                  and out.dtype.isnative and out.shape == self.output_shape):
            raise _errors.invalid("out", "must be a writeable C-contiguous float32 array of "
                                  "shape %s" % (self.output_shape,))
        if not self._weights_set:
            raise _errors.InvalidState(_errors.INVALID_STATE,
                                       "Plan: set_weights() must come before a run")
        with self._lock:
            ctx = self._ctx
            queue = ctx.queue
            self._x.write(queue, x)
            check(lib().clconv_plan_enqueue(self.handle, self._x.handle, self._y.handle, None,
                                            0, None, None))
            self._y.read(queue, out)  # blocking, after the plan on the in-order queue
        return out

    def close(self):
        """Releases the plan and its device buffers.  Idempotent."""
        for b in self._bufs:
            b.close()
        self._bufs = []
        if self._handle:
            lib().clconv_plan_destroy(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        if not self._handle:
            return "<clconv.Plan closed>"
        return "<clconv.Plan %s %s -> %s>" % (self.algorithm, self.input_shape, self.output_shape)


def find(x_shape, w_shape, bias=False, strides=1, pads=0, dilations=1, groups=1,
         auto_pad="NOTSET", activation=None, transposed=False, output_padding=0,
         output_shape=None, runs=5, ctx=None):
    """Times every algorithm that can run the layer (each checked against
    the reference first, with its database or default parameters); returns
    FindResults fastest first, those that could not run last.  Nothing is
    tuned or saved."""
    desc = make_desc(x_shape, w_shape, bias, transposed, strides, pads, dilations, groups,
                     auto_pad, activation, output_padding, output_shape)
    _args.out_shape(desc)  # validation errors name the field
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise _errors.invalid("runs", "expected an int >= 1, got %r" % (runs,))
    l = lib()
    opts = _structs.TuneOptions()
    l.clconv_tune_options_init(ctypes.byref(opts))
    opts.runs, opts.save = runs, 0
    n = l.clconv_algorithm_count()
    results = (_structs.FindResult * n)()
    count = ctypes.c_int(0)
    check(l.clconv_find(resolve(ctx).handle, ctypes.byref(desc), ctypes.byref(opts), results, n,
                        ctypes.byref(count)))
    out = []
    for r in results[:count.value]:
        err = "" if r.status == 0 else "%s: %s" % (
            type(_errors.error_for(r.status, "")).__name__,
            text(l.clconv_status_string(r.status)))
        out.append(FindResult(algorithm=algorithm_name(r.algorithm), ok=r.status == 0,
                              time_ms=r.time_ms, workspace_bytes=r.workspace_bytes,
                              params=text(r.params), tuned=bool(r.tuned), error=err,
                              _raw=bytes(r)))
    return out
