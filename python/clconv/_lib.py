"""Finding and loading libclconv.so, and declaring its C prototypes.

The library is looked up, in order:
  1. $CLCONV_LIBRARY, a path to the .so (what the CTest run uses);
  2. libclconv.so / libclconv.so.0 next to this package (a copy installed
     by hand beside the Python files);
  3. the repository's build/ directory when imported from the source tree
     (python/clconv/../../build/);
  4. the system: ctypes.util.find_library("clconv"), then "libclconv.so.0"
     through the dynamic loader's search path (LD_LIBRARY_PATH, ld.so.cache).
A failure names every place tried and why each failed.  The library is
loaded once per process, on first use, so that `import clconv` works (and
the docs can be read) on a machine without it.
"""

import ctypes
import ctypes.util
import os
import threading

from . import _errors, _structs

_lock = threading.Lock()
_lib = None


def _candidates():
    """(description, name-or-path) pairs in lookup order."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    env = os.environ.get("CLCONV_LIBRARY")
    if env:
        out.append(("$CLCONV_LIBRARY", env))
    for name in ("libclconv.so", "libclconv.so.0"):
        out.append(("next to the package", os.path.join(here, name)))
    repo_build = os.path.normpath(os.path.join(here, "..", "..", "build"))
    if os.path.isfile(os.path.join(repo_build, "..", "include", "clconv.h")):
        out.append(("the repository's build directory",
                    os.path.join(repo_build, "libclconv.so")))
    found = ctypes.util.find_library("clconv")
    if found:
        out.append(("ctypes.util.find_library('clconv')", found))
    out.append(("the dynamic loader's search path", "libclconv.so.0"))
    return out


def _declare(lib):
    """Sets restype/argtypes for every function the binding calls, so that
    ctypes neither truncates pointers to int nor accepts wrong arguments."""
    c_int, c_size_t, c_char_p, c_void_p = ctypes.c_int, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p
    P = ctypes.POINTER
    fp, dp = P(ctypes.c_float), P(ctypes.c_double)
    desc_p, sd_p = P(_structs.ConvDesc), P(_structs.SpaceDepthDesc)
    dd_p = P(_structs.DeformConvDesc)
    protos = {
        "clconv_status_string": (c_char_p, [c_int]),
        "clconv_last_error": (c_char_p, []),
        "clconv_version": (c_char_p, []),
        "clconv_version_number": (ctypes.c_uint, []),
        "clconv_context_options_init": (None, [P(_structs.ContextOptions)]),
        "clconv_device_count": (c_int, [P(c_size_t)]),
        "clconv_device_describe": (c_int, [c_size_t, P(_structs.DeviceInfo)]),
        "clconv_context_create": (c_int, [P(_structs.ContextOptions), P(c_void_p)]),
        "clconv_context_destroy": (None, [c_void_p]),
        "clconv_context_cl_context": (c_void_p, [c_void_p]),
        "clconv_context_queue": (c_void_p, [c_void_p]),
        "clconv_context_device": (c_void_p, [c_void_p]),
        "clconv_context_device_name": (c_char_p, [c_void_p]),
        "clconv_context_tuning_db": (c_char_p, [c_void_p]),
        "clconv_conv_desc_init": (None, [desc_p, c_int]),
        "clconv_conv_output_shape": (c_int, [desc_p, P(c_int)]),
        "clconv_conv_resolved_pads": (c_int, [desc_p, P(c_int), P(c_int)]),
        "clconv_conv_flops": (ctypes.c_double, [desc_p]),
        "clconv_algorithm_count": (c_int, []),
        "clconv_algorithm_name": (c_char_p, [c_int]),
        "clconv_algorithm_from_name": (c_int, [c_char_p, P(c_int)]),
        "clconv_plan_create": (c_int, [c_void_p, desc_p, c_int, P(c_void_p)]),
        "clconv_plan_create_with_params": (c_int, [c_void_p, desc_p, c_int, c_char_p,
                                                   P(c_void_p)]),
        "clconv_plan_create_from_result": (c_int, [c_void_p, desc_p, P(_structs.FindResult),
                                                   P(c_void_p)]),
        "clconv_plan_destroy": (None, [c_void_p]),
        "clconv_plan_algorithm": (c_int, [c_void_p]),
        "clconv_plan_describe": (c_char_p, [c_void_p]),
        "clconv_plan_set_weights_host": (c_int, [c_void_p, fp, fp]),
        "clconv_plan_workspace_size": (c_int, [c_void_p, P(c_size_t)]),
        "clconv_plan_enqueue": (c_int, [c_void_p, c_void_p, c_void_p, c_void_p, ctypes.c_uint,
                                        c_void_p, c_void_p]),
        "clconv_conv_host": (c_int, [c_void_p, desc_p, c_int, fp, fp, fp, fp, P(c_int)]),
        "clconv_tune_options_init": (None, [P(_structs.TuneOptions)]),
        "clconv_find": (c_int, [c_void_p, desc_p, P(_structs.TuneOptions),
                                P(_structs.FindResult), c_int, P(c_int)]),
        "clconv_space_depth_desc_init": (None, [sd_p, c_int]),
        "clconv_space_depth_output_shape": (c_int, [sd_p, P(c_int)]),
        "clconv_space_depth_host": (c_int, [c_void_p, sd_p, fp, fp]),
        "clconv_reference_conv": (c_int, [desc_p, fp, fp, fp, dp]),
        "clconv_reference_space_depth": (c_int, [sd_p, fp, fp]),
        "clconv_deform_conv_desc_init": (None, [dd_p]),
        "clconv_deform_conv_output_shape": (c_int, [dd_p, P(c_int)]),
        "clconv_deform_conv_input_elems": (c_size_t, [dd_p]),
        "clconv_deform_conv_weight_elems": (c_size_t, [dd_p]),
        "clconv_deform_conv_offset_elems": (c_size_t, [dd_p]),
        "clconv_deform_conv_mask_elems": (c_size_t, [dd_p]),
        "clconv_deform_conv_output_elems": (c_size_t, [dd_p]),
        "clconv_deform_conv_flops": (ctypes.c_double, [dd_p]),
        "clconv_deform_conv_host": (c_int, [c_void_p, dd_p, c_int, fp, fp, fp, fp, fp, fp,
                                            P(c_int)]),
        "clconv_reference_deform_conv": (c_int, [dd_p, fp, fp, fp, fp, fp, dp]),
    }
    for name, (restype, argtypes) in protos.items():
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = argtypes


def lib():
    """The loaded, declared and layout-checked library (loaded on first call)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for where, path in _candidates():
            if os.sep in path and not os.path.exists(path):
                tried.append("%s: %s (no such file)" % (where, path))
                continue
            try:
                handle = ctypes.CDLL(path)
                _declare(handle)
            except (OSError, AttributeError) as e:
                tried.append("%s: %s (%s)" % (where, path, e))
                continue
            problems = _structs.check_layouts(handle)
            if problems:
                raise ImportError("clconv: %s does not match this binding's struct layouts: %s"
                                  % (path, "; ".join(problems)))
            handle._clconv_path = path
            _lib = handle
            return _lib
        raise ImportError("clconv: libclconv.so not found; tried:\n  " + "\n  ".join(tried)
                          + "\nBuild the library (cmake --build build) or set CLCONV_LIBRARY "
                          "to the path of libclconv.so.")


def path():
    """The file the library was loaded from."""
    return lib()._clconv_path


def check(status):
    """Raises the Error subclass for a non-zero clconv_status, with the
    calling thread's clconv_last_error() message (ctypes calls run on the
    Python thread that made them, so it is ours)."""
    if status:
        l = lib()
        msg = (l.clconv_last_error() or b"").decode("utf-8", "replace")
        if not msg:
            msg = (l.clconv_status_string(status) or b"").decode("utf-8", "replace")
        raise _errors.error_for(status, msg)


def text(b):
    """C string (bytes or None) to str."""
    return "" if b is None else b.decode("utf-8", "replace")
