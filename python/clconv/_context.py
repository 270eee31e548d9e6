"""Devices and contexts.

A Context owns one clconv_context (a cl_context, an in-order queue and the
program cache).  Calls without ctx= share one default Context created on
first use with the library's defaults ($CLCONV_DEVICE, else the first GPU,
else the first device) and closed at interpreter exit; that is the only
module-level state.
"""

import atexit
import ctypes
import threading
import weakref
from dataclasses import dataclass

from . import _errors, _structs
from ._lib import check, lib, text


@dataclass(frozen=True)
class Device:
    """One OpenCL device as clconv numbers it; `id` is what Context(device=)
    and $CLCONV_DEVICE take."""
    id: str
    type: str
    name: str
    platform: str
    version: str
    driver: str
    is_default: bool
    platform_index: int
    device_index: int


def devices():
    """The OpenCL devices clconv can open, read anew on every call ([] when
    there is no OpenCL platform)."""
    l = lib()
    n = ctypes.c_size_t(0)
    check(l.clconv_device_count(ctypes.byref(n)))
    out = []
    for i in range(n.value):
        info = _structs.DeviceInfo()
        check(l.clconv_device_describe(i, ctypes.byref(info)))
        out.append(Device(id=text(info.id), type=text(info.type), name=text(info.name),
                          platform=text(info.platform_name), version=text(info.version),
                          driver=text(info.driver), is_default=bool(info.is_default),
                          platform_index=info.platform_index, device_index=info.device_index))
    return out


def _device_string(device):
    if device is None:
        return None
    if isinstance(device, Device):
        return device.id
    if isinstance(device, int) and not isinstance(device, bool):
        devs = devices()
        if not 0 <= device < len(devs):
            raise _errors.invalid("device", "index %d out of range (%d devices)"
                                  % (device, len(devs)))
        return devs[device].id
    if isinstance(device, str):
        return device
    raise _errors.invalid("device", "expected None, a Device, an index or a string, got %r"
                          % (device,))


class Context:
    """An OpenCL device opened by clconv (context manager; close() releases
    the cl_context, the queue, the programs and every Plan made on it).

    device:    None (library default), a Device, an index into devices(),
               "P:D", or a case-insensitive substring of the device or
               platform name.
    cache_dir: program binary cache (None: $CLCONV_CACHE_DIR, else
               ~/.cache/clconv); the library refuses directories others
               can write to, e.g. /tmp itself.
    params:    tuning parameters "name=value,..." (README, "Tuning parameters").
    """

    def __init__(self, device=None, cache_dir=None, params=None):
        self._handle = None
        self._plans = weakref.WeakSet()
        self._lock = threading.Lock()
        opts = _structs.ContextOptions()
        l = lib()
        l.clconv_context_options_init(ctypes.byref(opts))
        # Keep the encoded strings alive for the duration of the call.
        keep = {}
        for field, value in (("device", _device_string(device)), ("cache_dir", cache_dir),
                             ("params", params)):
            if value is not None:
                if not isinstance(value, str):
                    value = str(value)  # os.PathLike and the like
                keep[field] = value.encode()
                setattr(opts, field, keep[field])
        h = ctypes.c_void_p()
        check(l.clconv_context_create(ctypes.byref(opts), ctypes.byref(h)))
        self._handle = h.value

    @property
    def handle(self):
        """The clconv_context pointer (an int); InvalidState once closed."""
        if not self._handle:
            raise _errors.InvalidState(_errors.INVALID_STATE, "Context: used after close()")
        return self._handle

    @property
    def device_name(self):
        """"platform name / device name"."""
        return text(lib().clconv_context_device_name(self.handle))

    @property
    def tuning_db(self):
        """The user tuning database's path ("" if none)."""
        return text(lib().clconv_context_tuning_db(self.handle))

    @property
    def cl_context(self):
        return lib().clconv_context_cl_context(self.handle)

    @property
    def queue(self):
        return lib().clconv_context_queue(self.handle)

    @property
    def closed(self):
        return not self._handle

    def _register(self, plan):
        self._plans.add(plan)

    def close(self):
        """Closes the plans made on this context, then the context itself
        (a clconv plan must not outlive its context).  Idempotent."""
        with self._lock:
            if not self._handle:
                return
            for p in list(self._plans):
                p.close()
            lib().clconv_context_destroy(self._handle)
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
            return "<clconv.Context closed>"
        return "<clconv.Context %s>" % self.device_name


_default = None
_default_lock = threading.Lock()


def default_context():
    """The shared Context used when ctx=None (created on first use)."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = Context()
        return _default


def resolve(ctx):
    return default_context() if ctx is None else ctx


@atexit.register
def _close_default():
    # Release the OpenCL objects while the interpreter (and the ICD) are
    # still fully alive, rather than from a late finaliser.
    global _default
    if _default is not None:
        _default.close()
        _default = None
