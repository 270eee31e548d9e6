"""Shared helpers for the binding's tests: the independent numpy ONNX
reference of tests/conformance (imported by path, unmodified), seeded data
and the conformance tolerances."""

import atexit
import importlib.util
import os
import shutil
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(HERE, "..", "conformance", "conformance.py")

_spec = importlib.util.spec_from_file_location("clconv_conformance", CONFORMANCE)
onnx_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_ref)

# The CLI's bounds (tests/conformance/README.md): relative L2 against float64.
TOL = {"winograd_f2x2": 2e-5, "winograd_f4x4": 1e-4}
DEFAULT_TOL = 1e-5
AUTO_TOL = 1e-4  # "auto" may pick Winograd F(4x4)


def rel_l2(y, ref):
    return onnx_ref.rel_l2(np.asarray(y), np.asarray(ref, np.float64))


def rand(rng, shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def ensure_cache_dir():
    """The library refuses a cache directly in /tmp (others can write it);
    give the tests a private one unless the caller chose."""
    if not os.environ.get("CLCONV_CACHE_DIR"):
        d = tempfile.mkdtemp(prefix="clconv-pytest-")
        os.environ["CLCONV_CACHE_DIR"] = d
        atexit.register(shutil.rmtree, d, True)


def case(rank, N, C, K, ins, k, strides=None, dil=None, group=1, pads_b=None, pads_e=None,
         auto_pad="NOTSET", transposed=False, out_pad=None, out_shape=None, act=None,
         bias=True):
    """A case dict in conformance.py's format, for its reference()."""
    return {"op": "conv", "rank": rank, "N": N, "C": C, "K": K, "in": list(ins), "k": list(k),
            "strides": list(strides or [1] * rank), "dil": list(dil or [1] * rank),
            "group": group, "pads_b": list(pads_b or [0] * rank),
            "pads_e": list(pads_e or [0] * rank), "auto_pad": auto_pad,
            "transposed": transposed, "out_pad": list(out_pad or [0] * rank),
            "out_shape": list(out_shape) if out_shape else None, "act": act, "bias": bias}


def act_string(act):
    """The binding's activation argument -> conformance.py's string."""
    if act is None or isinstance(act, str):
        return act
    if act[0] == "clip":
        return "clip:%r:%r" % (float(act[1]), float(act[2]))
    return "leaky_relu:%r" % float(act[1])


def act_arg(s):
    """conformance.py's activation string -> the binding's argument."""
    if s is None or ":" not in s:
        return s
    parts = s.split(":")
    return (parts[0],) + tuple(float(v) for v in parts[1:])


def binding_kwargs(c):
    """The binding's keyword arguments for a conformance case."""
    kw = {"strides": tuple(c["strides"]), "dilations": tuple(c["dil"]), "groups": c["group"],
          "auto_pad": c["auto_pad"], "activation": act_arg(c["act"])}
    if c["pads_b"] is not None:
        kw["pads"] = tuple(c["pads_b"]) + tuple(c["pads_e"])
    if c["transposed"]:
        kw["output_padding"] = tuple(c["out_pad"])
        if c["out_shape"] is not None:
            os_ = list(c["out_shape"])
            if c.get("out_shape_full"):
                os_ = [c["N"], c["K"]] + os_
            kw["output_shape"] = tuple(os_)
    return kw


def case_arrays(c):
    """Seeded x, w, b of a conformance case (as its make_files draws them)."""
    rng = np.random.default_rng(c.get("seed", 1))
    x = rng.uniform(-1, 1, [c["N"], c["C"]] + c["in"]).astype(np.float32)
    if c["transposed"]:
        wshape = [c["C"], c["K"] // c["group"]] + c["k"]
    else:
        wshape = [c["K"], c["C"] // c["group"]] + c["k"]
    w = rng.uniform(-1, 1, wshape).astype(np.float32)
    b = rng.uniform(-1, 1, [c["K"]]).astype(np.float32) if c["bias"] else None
    return x, w, b
