#!/usr/bin/env python3
"""`clconv-bench run --op deform_conv` against deform_conv_ref.py (numpy,
float64) on seeded random cases through .npy files: offset groups 1-4,
groups, strides, dilations, asymmetric pads, kernels 1x1 / 3x3 / 5x5 / 3x2,
v1 and v2, bias, activations, offsets small, large (mostly outside),
integer and zero; relative L2 <= 2e-5.  Then invalid problems: exit 2 with
a message and no output file.  Exit 77 without numpy.

  deform_conv_check.py --bench PATH [--cases N] [--seed S] [--runner CMD]
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("deform_conv_check: skipped: needs numpy")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deform_conv_ref import deform_conv2d, output_size  # noqa: E402

TOL = 2e-5


def random_case(rng):
    kH, kW = [(1, 1), (3, 3), (5, 5), (3, 2), (2, 3)][rng.integers(5)]
    g = int(rng.integers(1, 4))
    og = int(rng.integers(1, 5))
    lcm = g * og // np.gcd(g, og)
    C = int(lcm * rng.integers(1, 3))
    if rng.integers(4) == 0:
        C, g, og = int(rng.choice([1, 3, 7])), 1, 1
    K = int(g * rng.integers(1, 10))
    s = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    d = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    p = [int(v) for v in rng.integers(0, 3, 4)]
    H = max(int(rng.integers(1, 12)), (kH - 1) * d[0] + 1 - p[0] - p[2])
    W = max(int(rng.integers(1, 12)), (kW - 1) * d[1] + 1 - p[1] - p[3])
    return dict(N=int(rng.integers(1, 3)), C=C, K=K, H=H, W=W, kH=kH, kW=kW, s=s, d=d, p=p, g=g,
                og=og, mask=bool(rng.integers(2)), bias=bool(rng.integers(2)),
                act=[None, ("relu",), ("clip", -0.3, 0.4), ("leaky_relu", 0.2)][rng.integers(4)],
                omode=int(rng.integers(4)))


def act_arg(a):
    if a is None:
        return "none"
    if a[0] == "relu":
        return "relu"
    if a[0] == "clip":
        return "clip:%g:%g" % (a[1], a[2])
    return "leaky_relu:%g" % a[1]


def run(bench, runner, args):
    cmd = shlex.split(runner) + [bench, "run", "--op", "deform_conv"] + args
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--runner", default="")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    fails = 0
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        f = lambda n: os.path.join(tmp, n)  # noqa: E731
        for i in range(a.cases):
            c = random_case(rng)
            oH, oW = output_size(c["H"], c["W"], c["kH"], c["kW"], c["s"], c["p"], c["d"])
            T = c["kH"] * c["kW"]
            x = rng.uniform(-1, 1, (c["N"], c["C"], c["H"], c["W"])).astype(np.float32)
            w = rng.uniform(-1, 1, (c["K"], c["C"] // c["g"], c["kH"], c["kW"])).astype(np.float32)
            oshape = (c["N"], 2 * c["og"] * T, oH, oW)
            r = [0.0, 1.5, 3.0 * max(c["H"], c["W"]), 3.0][c["omode"]]
            off = rng.uniform(-r, r, oshape) if c["omode"] != 3 else rng.integers(-3, 4, oshape)
            off = off.astype(np.float32)
            m = rng.uniform(0, 1, (c["N"], c["og"] * T, oH, oW)).astype(np.float32) if c["mask"] else None
            b = rng.uniform(-1, 1, c["K"]).astype(np.float32) if c["bias"] else None
            np.save(f("x.npy"), x)
            np.save(f("w.npy"), w)
            np.save(f("o.npy"), off)
            args = ["--input", f("x.npy"), "--weights", f("w.npy"), "--offset", f("o.npy"),
                    "--output", f("y.npy"), "--strides", "%d,%d" % tuple(c["s"]),
                    "--pads", "%d,%d,%d,%d" % tuple(c["p"]),
                    "--dilations", "%d,%d" % tuple(c["d"]), "--group", str(c["g"]),
                    "--offset-group", str(c["og"]), "--activation", act_arg(c["act"])]
            if m is not None:
                np.save(f("m.npy"), m)
                args += ["--mask", f("m.npy")]
            if b is not None:
                np.save(f("b.npy"), b)
                args += ["--bias", f("b.npy")]
            if os.path.exists(f("y.npy")):
                os.remove(f("y.npy"))
            p = run(a.bench, a.runner, args)
            ref = deform_conv2d(x, w, off, m, b, c["s"], c["p"], c["d"], c["g"], c["og"], c["act"])
            if p.returncode != 0:
                print("FAIL case %d %s: exit %d: %s" % (i, c, p.returncode, p.stderr.strip()))
                fails += 1
                continue
            y = np.load(f("y.npy")).astype(np.float64)
            den = max(np.linalg.norm(ref), 1e-30)
            err = np.linalg.norm(y - ref) / den if y.shape == ref.shape else np.inf
            if not np.isfinite(err):
                err = np.inf
            worst = max(worst, err)
            if not err <= TOL or "Oclgrind" in p.stderr:
                print("FAIL case %d %s: rel L2 %.3g (tol %.0e) %s" % (i, c, err, TOL, p.stderr.strip()))
                fails += 1
        # invalid problems: exit 2, a message, no output file
        x = np.zeros((1, 4, 6, 6), np.float32)
        w = np.zeros((4, 4, 3, 3), np.float32)
        np.save(f("x.npy"), x)
        np.save(f("w.npy"), w)
        bad = {
            "offset shape": (np.zeros((1, 18, 5, 6), np.float32), None, ["--pads", "1,1,1,1"]),
            "offset group": (np.zeros((1, 36, 6, 6), np.float32), None, ["--pads", "1,1,1,1"]),
            "offset_groups 3": (np.zeros((1, 54, 6, 6), np.float32), None,
                                ["--pads", "1,1,1,1", "--offset-group", "3"]),
            "mask shape": (np.zeros((1, 18, 6, 6), np.float32), np.zeros((1, 18, 6, 6), np.float32),
                           ["--pads", "1,1,1,1"]),
            "group": (np.zeros((1, 18, 6, 6), np.float32), None, ["--pads", "1,1,1,1", "--group", "3"]),
            "pads": (np.zeros((1, 18, 6, 6), np.float32), None, ["--pads", "-1,1,1,1"]),
            "strides": (np.zeros((1, 18, 6, 6), np.float32), None, ["--pads", "1,1,1,1", "--strides", "0,1"]),
        }
        for name, (o, m, extra) in bad.items():
            np.save(f("o.npy"), o)
            if os.path.exists(f("bad.npy")):
                os.remove(f("bad.npy"))
            args = ["--input", f("x.npy"), "--weights", f("w.npy"), "--offset", f("o.npy"),
                    "--output", f("bad.npy")] + extra
            if m is not None:
                np.save(f("m.npy"), m)
                args += ["--mask", f("m.npy")]
            p = run(a.bench, a.runner, args)
            if p.returncode != 2 or not p.stderr.strip() or os.path.exists(f("bad.npy")):
                print("FAIL invalid '%s': exit %d, stderr '%s', output left: %s" %
                      (name, p.returncode, p.stderr.strip(), os.path.exists(f("bad.npy"))))
                fails += 1
    print("deform_conv conformance: %d cases, worst rel L2 %.3g (tol %.0e), %d failure(s)" %
          (a.cases, worst, TOL, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
