#!/usr/bin/env python3
"""Independent ONNX-semantics conformance check of `clconv-bench run`.

A seeded set of fp32 Conv / ConvTranspose cases (rank 1-3, every attribute)
and DepthToSpace / SpaceToDepth cases is written as .npy files and run
through `clconv-bench run` with --algo auto, direct, gemm and every
specialised algorithm.  The reference below is float64 numpy written from
the ONNX operator text, not from clconv's host/reference.c, so that a
misreading of ONNX in the library is not repeated here.

Verdict per (case, algorithm) run:
  exit 0  output shape must equal the reference's and the relative L2 error
          must be within the tolerance of the algorithm that ran
          (winograd_f2x2 2e-5, winograd_f4x4 1e-4, every other 1e-5);
          depth_to_space / space_to_depth must be exact.
  exit 3  "this algorithm cannot do the problem": a pass, unless the issue
          says the algorithm must handle the case (see must_handle()).
  other   a failure (every generated case is a valid ONNX problem).

Usage: conformance.py --bench PATH [--seed S] [--cases N | --case-file F]
                      [--algos a,b] [--only ID,..] [--keep DIR] [--jobs J]
                      [--runner 'oclgrind --check-api'] [--max-work M] [--verbose]
Last line: "P passed, F failed"; exit 1 on any failure, 77 without numpy.
"""

import argparse
import itertools
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

try:
    import numpy as np
except ImportError:
    print("conformance: skipped: python3 numpy is not installed (%s)" % sys.executable)
    sys.exit(77)

ALGOS = ["auto", "direct", "gemm", "winograd_f2x2", "winograd_f4x4", "depthwise",
         "dilated_s2b", "deconv_d2s", "igemm"]
# The bounds (relative L2 against float64).
TOLERANCE = {"winograd_f2x2": 2e-5, "winograd_f4x4": 1e-4}
DEFAULT_TOL = 1e-5


# --------------------------------------------------------------------------
# ONNX semantics (float64)
# --------------------------------------------------------------------------

def ext(k, d):
    """Extent of a dilated kernel axis: (k-1)*d + 1."""
    return (k - 1) * d + 1


def conv_pads(c):
    """Explicit (begins, ends) of an ONNX Conv from auto_pad (Operators.md,
    Conv): SAME_* gives output ceil(in/s), total padding
    max(0, (out-1)*s + ext - in), the odd unit at the end for SAME_UPPER and
    at the beginning for SAME_LOWER; VALID pads nothing."""
    r = c["rank"]
    if c["auto_pad"] == "NOTSET":
        return list(c["pads_b"]), list(c["pads_e"])
    if c["auto_pad"] == "VALID":
        return [0] * r, [0] * r
    pb, pe = [], []
    for i in range(r):
        n, s = c["in"][i], c["strides"][i]
        out = -(-n // s)
        total = max(0, (out - 1) * s + ext(c["k"][i], c["dil"][i]) - n)
        small = total // 2
        if c["auto_pad"] == "SAME_UPPER":
            pb.append(small)
            pe.append(total - small)
        else:
            pb.append(total - small)
            pe.append(small)
    return pb, pe


def convt_pads_and_shape(c):
    """(begins, ends, output spatial) of an ONNX ConvTranspose (Operators.md,
    ConvTranspose):
      natural = s*(in-1) + output_padding + ext
      output_shape given, or SAME_* (output_shape = in*s):
        total = natural - output_shape
        SAME_UPPER: begin = total//2, end = total - total//2
        otherwise:  begin = total - total//2, end = total//2
      VALID: no pads; NOTSET: pads as given, out = natural - begin - end.
    total may be negative (output beyond the natural size); '//' is Python's
    floor division, as in onnx/reference (the text's 'total/2' does not say
    how to round a negative odd total)."""
    r = c["rank"]
    pb, pe, out = [], [], []
    for i in range(r):
        s, n = c["strides"][i], c["in"][i]
        natural = s * (n - 1) + c["out_pad"][i] + ext(c["k"][i], c["dil"][i])
        want = None
        if c["out_shape"] is not None:
            want = c["out_shape"][i]
        elif c["auto_pad"] in ("SAME_UPPER", "SAME_LOWER"):
            want = n * s
        if want is not None:
            total = natural - want
            if c["auto_pad"] == "SAME_UPPER":
                b, e = total // 2, total - total // 2
            else:
                b, e = total - total // 2, total // 2
        elif c["auto_pad"] == "VALID":
            b, e = 0, 0
        else:
            b, e = c["pads_b"][i], c["pads_e"][i]
        pb.append(b)
        pe.append(e)
        out.append(natural - b - e)
    return pb, pe, out


def ref_conv(x, w, c):
    """ONNX Conv: y[n, g*Kg+k, o] = sum_{c', kk} xpad[n, g*Cg+c', o*s + kk*d] w[g*Kg+k, c', kk]."""
    G, r = c["group"], c["rank"]
    N, C = x.shape[:2]
    K = w.shape[0]
    ks = w.shape[2:]
    pb, pe = conv_pads(c)
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pb[i], pe[i]) for i in range(r)])
    s, d = c["strides"], c["dil"]
    out = [(xp.shape[2 + i] - ext(ks[i], d[i])) // s[i] + 1 for i in range(r)]
    xg = xp.reshape((N, G, C // G) + xp.shape[2:])
    wg = w.reshape((G, K // G, C // G) + tuple(ks))
    y = np.zeros((N, G, K // G) + tuple(out))
    for kk in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(kk[i] * d[i], kk[i] * d[i] + (out[i] - 1) * s[i] + 1, s[i])
                   for i in range(r))
        patch = xg[(slice(None),) * 3 + sl]
        y += np.einsum("ngc...,gkc->ngk...", patch, wg[(slice(None),) * 3 + kk])
    return y.reshape((N, K) + tuple(out))


def ref_convt(x, w, c):
    """ONNX ConvTranspose: input position i scatters into o = i*s + kk*d - pad_begin.
    The full scatter buffer (length s*(in-1) + ext) is built, then the output
    window [pad_begin, pad_begin + out) is cut from it; positions outside the
    buffer (output_padding, negative pads) receive nothing but bias."""
    G, r = c["group"], c["rank"]
    N, C = x.shape[:2]
    Kg = w.shape[1]
    K = Kg * G
    ks = w.shape[2:]
    s, d = c["strides"], c["dil"]
    pb, pe, out = convt_pads_and_shape(c)
    ins = x.shape[2:]
    full = [s[i] * (ins[i] - 1) + ext(ks[i], d[i]) for i in range(r)]
    buf = np.zeros((N, G, Kg) + tuple(full))
    xg = x.reshape((N, G, C // G) + tuple(ins))
    wg = w.reshape((G, C // G, Kg) + tuple(ks))
    for kk in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(kk[i] * d[i], kk[i] * d[i] + s[i] * (ins[i] - 1) + 1, s[i])
                   for i in range(r))
        buf[(slice(None),) * 3 + sl] += np.einsum("ngc...,gck->ngk...", xg,
                                                  wg[(slice(None),) * 3 + kk])
    buf = buf.reshape((N, K) + tuple(full))
    y = np.zeros((N, K) + tuple(out))
    dst, src = [], []
    for i in range(r):
        lo = max(0, -pb[i])                 # first output index inside the buffer
        hi = min(out[i], full[i] - pb[i])   # one past the last
        if hi <= lo:
            return y
        dst.append(slice(lo, hi))
        src.append(slice(lo + pb[i], hi + pb[i]))
    y[(slice(None),) * 2 + tuple(dst)] = buf[(slice(None),) * 2 + tuple(src)]
    return y


def activate(y, act):
    if act is None or act == "none":
        return y
    if act == "relu":
        return np.maximum(y, 0.0)
    if act == "relu6":
        return np.minimum(np.maximum(y, 0.0), 6.0)
    if act.startswith("clip:"):
        lo, hi = (float(v) for v in act.split(":")[1:])
        return np.minimum(np.maximum(y, lo), hi)
    if act.startswith("leaky_relu"):
        alpha = float(act.split(":")[1]) if ":" in act else 0.01  # ONNX LeakyRelu default
        return np.where(y >= 0, y, alpha * y)
    raise ValueError(act)


def reference(c, x, w, b):
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    y = ref_convt(x64, w64, c) if c["transposed"] else ref_conv(x64, w64, c)
    if b is not None:
        y += b.astype(np.float64).reshape((1, -1) + (1,) * c["rank"])
    # Activation values as the bench parses them: float32.
    return activate(y, c["act"])


def ref_space_depth(c, x):
    """ONNX DepthToSpace (DCR / CRD) and SpaceToDepth, as the reshape /
    transpose sequences written in Operators.md."""
    N, C, H, W = x.shape
    b = c["block"]
    if c["op"] == "space_to_depth":
        t = x.reshape(N, C, H // b, b, W // b, b).transpose(0, 3, 5, 1, 2, 4)
        return t.reshape(N, C * b * b, H // b, W // b)
    if c["mode"] == "DCR":
        t = x.reshape(N, b, b, C // (b * b), H, W).transpose(0, 3, 4, 1, 5, 2)
    else:
        t = x.reshape(N, C // (b * b), b, b, H, W).transpose(0, 1, 4, 2, 5, 3)
    return t.reshape(N, C // (b * b), H * b, W * b)


# --------------------------------------------------------------------------
# Which algorithm must handle which case (the list)
# --------------------------------------------------------------------------

def must_handle(algo, c):
    """None if the algorithm may refuse (exit 3), else the rule that says it
    must run the case.  The issue: winograd_f2x2/f4x4 on 2D 3x3 stride 1
    dilation 1 convolutions; depthwise on groups == input channels;
    dilated_s2b on stride 1 with dilation > 1; deconv_d2s on transposed with
    stride >= 2 and dilation 1; gemm, direct and igemm on everything.  The
    library's header also claims Winograd and dilated_s2b for ConvTranspose,
    which is held to here too."""
    if c["op"] != "conv":
        return None
    s, d = c["strides"], c["dil"]
    if algo in ("auto", "direct", "gemm", "igemm"):
        return "%s runs every case" % algo
    if algo.startswith("winograd"):
        if c["rank"] == 2 and list(c["k"]) == [3, 3] and all(v == 1 for v in s) \
                and all(v == 1 for v in d):
            return "2D 3x3 stride 1 dilation 1" + (" (transposed: header)" if c["transposed"] else "")
        return None
    if algo == "depthwise":
        if c["group"] == c["C"]:
            return "groups == input channels" + (
                " (transposed, stride > 1: issue text; the header says stride 1 only)"
                if c["transposed"] and any(v > 1 for v in s) else "")
        return None
    if algo == "dilated_s2b":
        if all(v == 1 for v in s) and any(v > 1 for v in d):
            return "stride 1, dilation > 1"
        return None
    if algo == "deconv_d2s":
        # The header's reading, stride >= 2 on some axis, which the library
        # also states in its refusals ("needs stride >= 2 on some axis").
        if c["transposed"] and any(v >= 2 for v in s) and all(v == 1 for v in d):
            return "transposed, stride >= 2, dilation 1"
        return None
    return None


# --------------------------------------------------------------------------
# Case generator
# --------------------------------------------------------------------------

def pick_group(rng, C, K, depthwise=False):
    if depthwise:
        return C
    gs = [g for g in range(1, min(C, K) + 1) if C % g == 0 and K % g == 0]
    if len(gs) > 1 and rng.random() < 0.35:
        return rng.choice(gs[1:])
    return 1


def new_case(rng, family):
    r = rng.choices([1, 2, 3], weights=[1, 7, 2])[0]
    if family in ("wino",):
        r = 2
    c = {"op": "conv", "family": family, "rank": r, "transposed": False,
         "auto_pad": "NOTSET", "out_pad": [0] * r, "out_shape": None, "out_shape_full": False,
         "act": None, "bias": rng.random() < 0.6}
    small = r == 3
    c["N"] = rng.choice([1, 1, 1, 2]) if not small else 1
    maxc = 4 if small else 8
    C = rng.randint(1, maxc)
    K = rng.randint(1, maxc)
    maxin = 6 if small else (20 if r == 1 else 11)
    ins = [rng.randint(1, maxin) for _ in range(r)]
    maxk = 3 if small else 5
    k = [rng.randint(1, maxk) for _ in range(r)]
    s = [1] * r
    d = [1] * r
    transposed = False
    depthwise = False

    if family == "conv":
        s = [rng.choice([1, 1, 2, 3]) for _ in range(r)]
        d = [rng.choice([1, 1, 1, 2, 3]) for _ in range(r)]
    elif family == "wino":
        k = [3, 3]
        ins = [rng.randint(1, 14) for _ in range(r)]
        if rng.random() < 0.3:
            C, K = rng.randint(9, 20), rng.randint(9, 20)
        elif rng.random() < 0.15:  # big enough for AUTO to pick Winograd F(4x4)
            C, K = rng.randint(32, 40), rng.randint(32, 40)
            ins = [rng.randint(14, 18) for _ in range(r)]
        transposed = rng.random() < 0.25
        depthwise = rng.random() < 0.15
    elif family == "depthwise":
        depthwise = True
        K = C * rng.choice([1, 1, 2])
        s = [rng.choice([1, 1, 2]) for _ in range(r)]
        d = [rng.choice([1, 1, 2]) for _ in range(r)]
        transposed = rng.random() < 0.3
    elif family == "dilated":
        d = [rng.choice([2, 2, 3]) for _ in range(r)]
        if r > 1 and rng.random() < 0.2:
            d[rng.randrange(r)] = 1  # mixed dilation
        transposed = rng.random() < 0.35
        if rng.random() < 0.15:
            depthwise = True
    elif family == "deconv_s2":
        transposed = True
        s = [rng.choice([2, 2, 3, 4]) for _ in range(r)]
        if r > 1 and rng.random() < 0.15:
            s[rng.randrange(r)] = 1  # mixed stride
        k = [rng.choice([1, 2, 3, 4, 5]) if not small else rng.choice([1, 2, 3, 4]) for _ in range(r)]
    elif family == "deconv":
        transposed = True
        s = [rng.choice([1, 2, 3]) for _ in range(r)]
        d = [rng.choice([1, 1, 2]) for _ in range(r)]
    elif family == "pointwise":
        k = [1] * r
        s = [rng.choice([1, 1, 2]) for _ in range(r)]
        C, K = rng.randint(1, 16), rng.randint(1, 16)
        transposed = rng.random() < 0.2

    if depthwise:
        K = C * rng.choice([1, 1, 2])
    G = pick_group(rng, C, K, depthwise)
    c.update(C=C, K=K, group=G, **{"in": ins, "k": k, "strides": s, "dil": d,
                                   "transposed": transposed})
    e = [ext(k[i], d[i]) for i in range(r)]

    mode = rng.random()
    if not transposed:
        if mode < 0.6:
            c["auto_pad"] = "NOTSET"
            pb, pe = [], []
            for i in range(r):
                hi = e[i] - 1 if rng.random() < 0.9 else e[i] + 1  # sometimes pads past the kernel
                pb.append(rng.randint(0, max(0, hi)))
                pe.append(rng.randint(0, max(0, hi)))
            c["pads_b"], c["pads_e"] = pb, pe
            # Valid only if the padded input holds the dilated kernel.
            for i in range(r):
                need = e[i] - (ins[i] + pb[i] + pe[i])
                if need > 0:
                    ins[i] += need
        else:
            c["auto_pad"] = rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"])
            c["pads_b"] = c["pads_e"] = None
            if c["auto_pad"] == "VALID":
                for i in range(r):
                    ins[i] = max(ins[i], e[i])
    else:
        op = [rng.randint(0, max(s[i], d[i]) - 1) if rng.random() < 0.5 else 0 for i in range(r)]
        c["out_pad"] = op
        c["pads_b"] = c["pads_e"] = None
        if mode < 0.5:
            c["auto_pad"] = "NOTSET"
            pb, pe = [], []
            for i in range(r):
                natural = s[i] * (ins[i] - 1) + op[i] + e[i]
                hi = e[i] - 1 if rng.random() < 0.9 else e[i] + 2  # sometimes past the kernel
                a = rng.randint(0, min(hi, natural - 1) if natural > 1 else 0)
                b = rng.randint(0, max(0, min(hi, natural - 1 - a)))
                pb.append(a)
                pe.append(b)
            c["pads_b"], c["pads_e"] = pb, pe
        elif mode < 0.75:
            # output_shape (NOTSET, or with SAME_* which then picks the split)
            c["auto_pad"] = rng.choice(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER"])
            osz = []
            for i in range(r):
                natural = s[i] * (ins[i] - 1) + op[i] + e[i]
                osz.append(max(1, natural + rng.randint(-3, 2)))
            c["out_shape"] = osz
            c["out_shape_full"] = rng.random() < 0.25
        else:
            c["auto_pad"] = rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"])
        c["in"] = ins

    if rng.random() < 0.3:
        c["act"] = rng.choice(["relu", "relu6", "clip:-0.5:0.75", "clip:0:1.5",
                               "leaky_relu:0.1", "leaky_relu", "leaky_relu:-0.3"])
    return c


def space_depth_cases(rng, n):
    cases = []
    for i in range(n):
        b = rng.choice([2, 2, 3, 4])
        if i % 3 == 2:
            cases.append({"op": "space_to_depth", "family": "s2d", "block": b, "mode": None,
                          "shape": [rng.randint(1, 2), rng.randint(1, 5), b * rng.randint(1, 4),
                                    b * rng.randint(1, 4)]})
        else:
            cases.append({"op": "depth_to_space", "family": "d2s", "block": b,
                          "mode": "DCR" if i % 3 == 0 else "CRD",
                          "shape": [rng.randint(1, 2), b * b * rng.randint(1, 3),
                                    rng.randint(1, 5), rng.randint(1, 5)]})
    return cases


FAMILIES = [("conv", 24), ("wino", 16), ("depthwise", 12), ("dilated", 12),
            ("deconv_s2", 16), ("deconv", 14), ("pointwise", 6)]


def generate(seed, n):
    rng = random.Random(seed)
    n_sd = max(4, n // 30)
    names = [f for f, _ in FAMILIES]
    weights = [w for _, w in FAMILIES]
    cases = []
    while len(cases) < n - n_sd:
        c = new_case(rng, rng.choices(names, weights=weights)[0])
        if c["transposed"]:
            _, _, out = convt_pads_and_shape(c)
            if min(out) < 1:
                continue
        cases.append(c)
    cases += space_depth_cases(rng, n_sd)
    for i, c in enumerate(cases):
        c["id"] = i
        c["seed"] = seed * 100003 + i
    return cases


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def work(c):
    """Multiply-adds of a conv case (for ConvTranspose, per input element)."""
    taps = int(np.prod(c["k"]))
    if c["transposed"]:
        return c["N"] * c["C"] * int(np.prod(c["in"])) * (c["K"] // c["group"]) * taps
    ins = [c["in"][i] + (c["pads_b"][i] + c["pads_e"][i] if c["pads_b"] else 0)
           for i in range(c["rank"])]
    return c["N"] * c["K"] * int(np.prod(ins)) * (c["C"] // c["group"]) * taps


def parse_case_line(line, where):
    """One hand-written case: space-separated key=value items and flags,
    e.g. 'N=2 C=16 K=16 in=19,70 k=3,3 pads=1,1,1,1 bias act=relu
    algos=winograd_f2x2,direct'.  Conv keys: N C K group in k strides dil
    pads (begins then ends) auto_pad out_pad out_shape act; flags: bias,
    transposed, out_shape_full.  DepthToSpace / SpaceToDepth:
    op=depth_to_space|space_to_depth block=B mode=DCR|CRD shape=N,C,H,W.
    algos= limits the algorithms run (default: all that --algos gives);
    params=NAME=V,NAME=V.. adds tuning parameters to CLCONV_PARAMS for the
    case's runs."""
    kv, flags = {}, set()
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            kv[k] = v
        else:
            flags.add(tok)
    iv = lambda k, dflt=None: [int(a) for a in kv[k].split(",")] if k in kv else dflt
    algos = kv.pop("algos", "").split(",") if "algos" in kv else None
    params = kv.pop("params", None)
    op = kv.get("op", "conv")
    if op != "conv":
        c = {"op": op, "family": "file", "block": int(kv["block"]), "mode": kv.get("mode"),
             "shape": iv("shape")}
        return c, algos
    ins = iv("in")
    if not ins:
        raise ValueError("%s: a conv case needs in=" % where)
    r = len(ins)
    pads = iv("pads")
    c = {"op": "conv", "family": "file", "rank": r, "transposed": "transposed" in flags,
         "N": int(kv.get("N", 1)), "C": int(kv.get("C", 1)), "K": int(kv.get("K", 1)),
         "group": int(kv.get("group", 1)), "in": ins, "k": iv("k", [1] * r),
         "strides": iv("strides", [1] * r), "dil": iv("dil", [1] * r),
         "auto_pad": kv.get("auto_pad", "NOTSET"), "out_pad": iv("out_pad", [0] * r),
         "out_shape": iv("out_shape"), "out_shape_full": "out_shape_full" in flags,
         "act": kv.get("act"), "bias": "bias" in flags,
         "pads_b": None, "pads_e": None}
    if params:
        c["params"] = params
    if pads:
        c["pads_b"], c["pads_e"] = pads[:r], pads[r:]
    elif c["auto_pad"] == "NOTSET" and c["out_shape"] is None:
        c["pads_b"], c["pads_e"] = [0] * r, [0] * r
    for key in ("k", "strides", "dil", "out_pad"):
        if len(c[key]) != r:
            raise ValueError("%s: %s has %d values for rank %d" % (where, key, len(c[key]), r))
    return c, algos


def read_case_file(path, seed):
    cases = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            c, algos = parse_case_line(line, "%s:%d" % (path, n))
            c["algos"] = algos
            c["id"] = len(cases)
            c["seed"] = seed * 100003 + c["id"]
            cases.append(c)
    return cases


def ints(v):
    return ",".join(str(int(a)) for a in v)


def describe(c):
    if c["op"] != "conv":
        return "%s b%d%s %s" % (c["op"], c["block"], " " + c["mode"] if c["mode"] else "",
                                "x".join(map(str, c["shape"])))
    t = "T" if c["transposed"] else ""
    parts = ["%sconv%dd" % ("de" if t else "", c["rank"]), "N%d" % c["N"], "C%d" % c["C"],
             "K%d" % c["K"], "in" + "x".join(map(str, c["in"])), "k" + "x".join(map(str, c["k"])),
             "s" + ints(c["strides"]), "d" + ints(c["dil"]), "g%d" % c["group"],
             c["auto_pad"]]
    if c["pads_b"] is not None:
        parts.append("p" + ints(c["pads_b"] + c["pads_e"]))
    if c["transposed"]:
        if any(c["out_pad"]):
            parts.append("op" + ints(c["out_pad"]))
        if c["out_shape"] is not None:
            parts.append("os" + ints(c["out_shape"]))
    if c["bias"]:
        parts.append("bias")
    if c["act"]:
        parts.append(c["act"])
    if c.get("params"):
        parts.append("CLCONV_PARAMS+=" + c["params"])
    return " ".join(parts)


def make_files(c, d):
    """Writes the case's inputs under d; returns (argument list, reference)."""
    rng = np.random.default_rng(c["seed"])
    if c["op"] != "conv":
        x = rng.uniform(-1, 1, c["shape"]).astype(np.float32)
        np.save(os.path.join(d, "X.npy"), x)
        args = ["--op", c["op"], "--blocksize", str(c["block"]), "--input", "X.npy"]
        if c["mode"]:
            args += ["--mode", c["mode"]]
        return args, ref_space_depth(c, x)
    x = rng.uniform(-1, 1, [c["N"], c["C"]] + c["in"]).astype(np.float32)
    if c["transposed"]:
        wshape = [c["C"], c["K"] // c["group"]] + c["k"]
    else:
        wshape = [c["K"], c["C"] // c["group"]] + c["k"]
    w = rng.uniform(-1, 1, wshape).astype(np.float32)
    b = rng.uniform(-1, 1, [c["K"]]).astype(np.float32) if c["bias"] else None
    np.save(os.path.join(d, "X.npy"), x)
    np.save(os.path.join(d, "W.npy"), w)
    args = ["--input", "X.npy", "--weights", "W.npy"]
    if b is not None:
        np.save(os.path.join(d, "B.npy"), b)
        args += ["--bias", "B.npy"]
    if c["transposed"]:
        args.append("--transposed")
    if any(v != 1 for v in c["strides"]):
        args += ["--strides", ints(c["strides"])]
    if any(v != 1 for v in c["dil"]):
        args += ["--dilations", ints(c["dil"])]
    if c["pads_b"] is not None and any(c["pads_b"] + c["pads_e"]):
        args += ["--pads", ints(c["pads_b"] + c["pads_e"])]
    if c["group"] != 1:
        args += ["--group", str(c["group"])]
    if c["transposed"] and any(c["out_pad"]):
        args += ["--output-padding", ints(c["out_pad"])]
    if c["out_shape"] is not None:
        os_ = c["out_shape"]
        if c["out_shape_full"]:
            os_ = [c["N"], c["K"]] + os_
        args += ["--output-shape", ints(os_)]
    if c["auto_pad"] != "NOTSET":
        args += ["--auto-pad", c["auto_pad"]]
    if c["act"]:
        args += ["--activation", c["act"]]
    return args, reference(c, x, w, b)


def rel_l2(y, ref):
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        return float("inf")
    num = float(np.linalg.norm((y - ref).ravel()))
    den = float(np.linalg.norm(ref.ravel()))
    return num / den if den > 0 else num


ALGO_LINE = re.compile(r"^algorithm:\s+(\S+)", re.M)
# What Oclgrind (and its --check-api / --data-races plugins) prints for a
# defect; a clean run prints none of these.
OCLGRIND_ERROR = re.compile(r"^(Oclgrind\b.*|Invalid (read|write|access)\b.*|Uninitiali[sz]ed.*|"
                            r"Work-(group|item) divergence.*|.*data race.*|.*out of bounds.*)$",
                            re.M | re.I)


def run_one(bench, c, d, args, ref, algo, runner=()):
    """Returns (status, message): status 'pass', 'refused' (exit 3, allowed)
    or 'fail'.  runner: a command line the bench runs under (Oclgrind),
    whose error lines fail the run whatever the result."""
    out = "Y_%s.npy" % (algo or "op")
    cmd = list(runner) + [bench, "run"] + args + ["--output", out]
    if algo:
        cmd += ["--algo", algo]
    env = None
    if c.get("params"):
        env = dict(os.environ)
        env["CLCONV_PARAMS"] = ",".join(v for v in (env.get("CLCONV_PARAMS"), c["params"]) if v)
    try:
        p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=600, env=env)
    except subprocess.TimeoutExpired:
        return "fail", "timed out after 600 s", cmd
    if runner:
        bad = OCLGRIND_ERROR.findall(p.stderr)
        if bad:
            first = OCLGRIND_ERROR.search(p.stderr).group(0).strip()
            return "fail", "exit %d, %d error line(s) from %s, first: %s" % (
                p.returncode, len(bad), os.path.basename(runner[0]), first), cmd
    err = (p.stderr.strip().splitlines() or [""])[-1]
    if p.returncode == 3:
        rule = must_handle(algo, c) if algo else None
        if rule:
            return "fail", "exit 3 but must handle (%s): %s" % (rule, err), cmd
        return "refused", err, cmd
    if p.returncode != 0:
        return "fail", "exit %d: %s" % (p.returncode, err), cmd
    try:
        y = np.load(os.path.join(d, out))
    except Exception as e:  # noqa: BLE001 - any unreadable output is a failure
        return "fail", "exit 0 but output unreadable: %s" % e, cmd
    if y.dtype != np.float32:
        return "fail", "output dtype %s, expected float32" % y.dtype, cmd
    if tuple(y.shape) != tuple(ref.shape):
        return "fail", "output shape %s, reference %s" % (tuple(y.shape), tuple(ref.shape)), cmd
    if c["op"] != "conv":
        if not np.array_equal(y, ref.astype(np.float32)):
            return "fail", "not exact: %d elements differ" % int(
                np.sum(y != ref.astype(np.float32))), cmd
        return "pass", "exact", cmd
    m = ALGO_LINE.search(p.stdout)
    ran = m.group(1) if m else None
    if ran is None:
        return "fail", "exit 0 but no 'algorithm:' line in the output", cmd
    if algo != "auto" and ran != algo:
        return "fail", "asked for %s, ran %s" % (algo, ran), cmd
    tol = TOLERANCE.get(ran, DEFAULT_TOL)
    e = rel_l2(y, ref)
    if not e <= tol:
        return "fail", "ran %s: rel L2 %.3g > %.0e" % (ran, e, tol), cmd
    return "pass", "ran %s err %.2g" % (ran, e), cmd


def run_case(bench, c, algos, keep, verbose, runner=()):
    d = tempfile.mkdtemp(prefix="clconv-conf-%d-" % c["id"])
    results = []
    try:
        args, ref = make_files(c, d)
        mine = [a for a in algos if a in c["algos"]] if c.get("algos") else algos
        for a in (mine if c["op"] == "conv" else [None]):
            st, msg, cmd = run_one(bench, c, d, args, ref, a, runner)
            results.append((a, st, msg, cmd))
        if keep and any(st == "fail" for _, st, _, _ in results):
            dst = os.path.join(keep, "case%04d" % c["id"])
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(d, dst)
            d_shown = dst
        else:
            d_shown = None
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return c, results, d_shown


def naive(c, x, w, b):
    """The same ops as slow loops in the gather form (output-centred), for
    --selftest: Conv o -> inputs o*s + kk*d - pb; ConvTranspose o <- inputs
    i with i*s + kk*d - pb == o."""
    r, G = c["rank"], c["group"]
    N, C = x.shape[:2]
    ks = list(w.shape[2:]) + [1] * (3 - r)
    s = list(c["strides"]) + [1] * (3 - r)
    d = list(c["dil"]) + [1] * (3 - r)
    if c["transposed"]:
        pb, _, out = convt_pads_and_shape(c)
        K = w.shape[1] * G
    else:
        pb, _ = conv_pads(c)
        K = w.shape[0]
        out = [(c["in"][i] + conv_pads(c)[0][i] + conv_pads(c)[1][i] - ext(c["k"][i], c["dil"][i]))
               // c["strides"][i] + 1 for i in range(r)]
    pb = list(pb) + [0] * (3 - r)
    ins = list(x.shape[2:]) + [1] * (3 - r)
    out3 = list(out) + [1] * (3 - r)
    x3 = x.reshape(N, C, *ins)
    w3 = w.reshape(w.shape[0], w.shape[1], *ks)
    y = np.zeros((N, K, *out3))
    Cg, Kg = C // G, K // G
    for n, k in itertools.product(range(N), range(K)):
        g = k // Kg
        for o in itertools.product(*[range(v) for v in out3]):
            acc = 0.0
            for cc in range(Cg):
                ci = g * Cg + cc
                for kk in itertools.product(*[range(v) for v in ks]):
                    if not c["transposed"]:
                        idx = [o[a] * s[a] + kk[a] * d[a] - pb[a] for a in range(3)]
                        if all(0 <= idx[a] < ins[a] for a in range(3)):
                            acc += x3[(n, ci) + tuple(idx)] * w3[(k, cc) + kk]
                    else:
                        num = [o[a] + pb[a] - kk[a] * d[a] for a in range(3)]
                        if all(v % s[a] == 0 and 0 <= v // s[a] < ins[a] for a, v in enumerate(num)):
                            idx = tuple(v // s[a] for a, v in enumerate(num))
                            acc += x3[(n, ci) + idx] * w3[(ci, k - g * Kg) + kk]
            y[(n, k) + o] = acc
    y = y.reshape((N, K) + tuple(out))
    if b is not None:
        y += b.reshape((1, -1) + (1,) * r)
    return activate(y, c["act"])


def selftest(seed, n):
    """The vectorised reference against the naive loops on small cases, and
    the auto_pad / output_shape rules on hand-worked examples."""
    bad = checked = 0
    for c in generate(seed, n):
        if c["op"] != "conv":
            continue
        if c["rank"] == 3 or c["N"] * c["C"] * c["K"] * int(np.prod(c["in"])) * int(np.prod(c["k"])) > 4000:
            continue
        rng = np.random.default_rng(c["seed"])
        x = rng.uniform(-1, 1, [c["N"], c["C"]] + c["in"])
        ws = ([c["C"], c["K"] // c["group"]] if c["transposed"] else [c["K"], c["C"] // c["group"]]) + c["k"]
        w = rng.uniform(-1, 1, ws)
        b = rng.uniform(-1, 1, [c["K"]]) if c["bias"] else None
        a, e = reference(c, x, w, b), naive(c, x, w, b)
        checked += 1
        if a.shape != e.shape or not np.allclose(a, e, rtol=1e-12, atol=1e-12):
            bad += 1
            print("selftest FAIL case %d: %s" % (c["id"], describe(c)))
    # ONNX Operators.md examples: Conv SAME_LOWER 5x5 k3 s2 -> pads 1,1 out 3;
    # ConvTranspose 3x3 s3 k3 output_shape 10x8 -> pads 0,0 / 1,1... (total 1
    # and -1: begin = total - total//2).
    c = {"rank": 2, "in": [5, 5], "k": [3, 3], "strides": [2, 2], "dil": [1, 1],
         "auto_pad": "SAME_LOWER", "pads_b": None, "pads_e": None}
    if conv_pads(c) != ([1, 1], [1, 1]):
        bad += 1
        print("selftest FAIL conv SAME_LOWER pads", conv_pads(c))
    c.update(auto_pad="SAME_UPPER", **{"in": [4, 4]}, k=[2, 2])
    if conv_pads(c) != ([0, 0], [0, 0]):  # total max(0, 1*2 + 2 - 4) = 0
        bad += 1
        print("selftest FAIL conv SAME_UPPER pads", conv_pads(c))
    c = {"rank": 2, "in": [3, 3], "k": [3, 3], "strides": [3, 2], "dil": [1, 1],
         "auto_pad": "NOTSET", "out_pad": [0, 0], "out_shape": [10, 8], "pads_b": None,
         "pads_e": None}
    # natural 9 and 7: totals -1 and -1 -> begin = -1 - (-1) = 0, end = -1
    if convt_pads_and_shape(c) != ([0, 0], [-1, -1], [10, 8]):
        bad += 1
        print("selftest FAIL convT output_shape pads", convt_pads_and_shape(c))
    c.update(auto_pad="SAME_UPPER", out_shape=None)  # out 9,6; totals 0, 1 -> (0,0),(0,1)
    if convt_pads_and_shape(c) != ([0, 0], [0, 1], [9, 6]):
        bad += 1
        print("selftest FAIL convT SAME_UPPER", convt_pads_and_shape(c))
    print("selftest: %d cases against naive loops, %d failed" % (checked, bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", help="path to clconv-bench (required)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--algos", default=",".join(ALGOS))
    ap.add_argument("--only", default="", help="comma-separated case ids to run")
    ap.add_argument("--keep", default="", help="copy failing cases' files here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="print the cases and exit")
    ap.add_argument("--verbose", action="store_true", help="one line per run")
    ap.add_argument("--runner", default="",
                    help="run the bench under this command, e.g. 'oclgrind --check-api'; "
                         "any Oclgrind error line fails the run")
    ap.add_argument("--case-file", default="",
                    help="run the hand-written cases of this file instead of generated ones "
                         "(syntax: parse_case_line)")
    ap.add_argument("--max-work", type=float, default=0,
                    help="skip conv cases of more multiply-adds than this (0: no limit), "
                         "to keep a simulator's run short")
    ap.add_argument("--selftest", action="store_true",
                    help="check the reference against naive loops; no bench runs")
    o = ap.parse_args()
    if o.selftest:
        return selftest(o.seed, o.cases)

    algos = [a for a in o.algos.split(",") if a]
    for a in algos:
        if a not in ALGOS:
            print("conformance: unknown algorithm %s (known: %s)" % (a, ",".join(ALGOS)))
            return 2
    cases = read_case_file(o.case_file, o.seed) if o.case_file else generate(o.seed, o.cases)
    if o.only:
        want = {int(v) for v in o.only.split(",")}
        cases = [c for c in cases if c["id"] in want]
    if o.max_work > 0:
        cases = [c for c in cases if c["op"] != "conv" or work(c) <= o.max_work]
    if o.list:
        for c in cases:
            print("case %d [%s] %s" % (c["id"], c["family"], describe(c)))
        return 0
    if not o.bench:
        ap.error("--bench is required")
    bench = os.path.abspath(o.bench)
    if not (os.path.isfile(bench) and os.access(bench, os.X_OK)):
        print("conformance: %s is not an executable" % bench)
        return 2
    keep = os.path.abspath(o.keep) if o.keep else ""
    if keep:
        os.makedirs(keep, exist_ok=True)

    passed = failed = 0
    by_algo = {}
    with ThreadPoolExecutor(max_workers=max(1, o.jobs)) as ex:
        runner = shlex.split(o.runner)
        futs = [ex.submit(run_case, bench, c, algos, keep, o.verbose, runner) for c in cases]
        for f in futs:
            c, results, kept = f.result()
            for a, st, msg, cmd in results:
                key = a or c["op"]
                cnt = by_algo.setdefault(key, [0, 0, 0])
                if st == "fail":
                    failed += 1
                    cnt[2] += 1
                    where = kept or "<tmp>"
                    print("FAIL case %d algo %s seed %d: %s | %s\n     repro: cd %s && %s"
                          % (c["id"], a or "-", o.seed, describe(c), msg, where,
                             " ".join(shlex.quote(v) for v in cmd))
                          + ("" if kept else "\n     (rerun with --seed %d %s "
                             "--only %d --keep DIR to keep the files)"
                             % (o.seed, ("--case-file " + o.case_file) if o.case_file
                                else "--cases %d" % o.cases, c["id"])))
                else:
                    passed += 1
                    cnt[0 if st == "pass" else 1] += 1
                    if o.verbose:
                        print("ok   case %d algo %s: %s | %s" % (c["id"], a or "-", describe(c), msg))
            sys.stdout.flush()
    for k in sorted(by_algo):
        p, r, f = by_algo[k]
        print("  %-14s ran+matched %4d  refused(exit 3) %4d  failed %4d" % (k, p, r, f))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
