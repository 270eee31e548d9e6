"""The few OpenCL calls a Plan needs to keep its input and output on the
device between runs: create/release a buffer, blocking write/read.

libOpenCL.so.1 is already in the process (libclconv links it); it is opened
by name so the ICD loader is the same one clconv uses.  Everything else
OpenCL stays inside the C library.
"""

import ctypes
import threading

from . import _errors

CL_SUCCESS = 0
CL_MEM_READ_WRITE = 1 << 0
CL_TRUE = 1

_lock = threading.Lock()
_cl = None


def cl():
    global _cl
    with _lock:
        if _cl is None:
            try:
                h = ctypes.CDLL("libOpenCL.so.1")
            except OSError:
                h = ctypes.CDLL("libOpenCL.so")
            vp, sz, u = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint
            h.clCreateBuffer.restype = vp
            h.clCreateBuffer.argtypes = [vp, ctypes.c_uint64, sz, vp, ctypes.POINTER(ctypes.c_int)]
            h.clReleaseMemObject.restype = ctypes.c_int
            h.clReleaseMemObject.argtypes = [vp]
            for name in ("clEnqueueWriteBuffer", "clEnqueueReadBuffer"):
                f = getattr(h, name)
                f.restype = ctypes.c_int
                f.argtypes = [vp, vp, u, sz, sz, vp, u, vp, vp]
            h.clFinish.restype = ctypes.c_int
            h.clFinish.argtypes = [vp]
            _cl = h
        return _cl


def _fail(call, err):
    status = _errors.OUT_OF_MEMORY if err in (-4, -5, -6, -61) else _errors.OPENCL_ERROR
    return _errors.error_for(status, "%s failed: OpenCL error %d" % (call, err))


class Buffer:
    """A read-write cl_mem of a fixed byte size, released by close()."""

    def __init__(self, cl_context, nbytes):
        err = ctypes.c_int(0)
        self.nbytes = max(int(nbytes), 4)  # a zero-size buffer is invalid in OpenCL
        self.handle = cl().clCreateBuffer(cl_context, CL_MEM_READ_WRITE, self.nbytes, None,
                                          ctypes.byref(err))
        if err.value != CL_SUCCESS or not self.handle:
            self.handle = None
            raise _fail("clCreateBuffer(%d bytes)" % self.nbytes, err.value)

    def write(self, queue, array):
        """Blocking upload of a C-contiguous float32 array."""
        err = cl().clEnqueueWriteBuffer(queue, self.handle, CL_TRUE, 0, array.nbytes,
                                        array.ctypes.data, 0, None, None)
        if err != CL_SUCCESS:
            raise _fail("clEnqueueWriteBuffer", err)

    def read(self, queue, array):
        """Blocking download into a C-contiguous float32 array; on an
        in-order queue this also waits for the commands before it."""
        err = cl().clEnqueueReadBuffer(queue, self.handle, CL_TRUE, 0, array.nbytes,
                                       array.ctypes.data, 0, None, None)
        if err != CL_SUCCESS:
            raise _fail("clEnqueueReadBuffer", err)

    def close(self):
        if self.handle:
            cl().clReleaseMemObject(self.handle)
            self.handle = None
