"""deform_conv / reference_deform_conv (ONNX DeformConv = torchvision
deform_conv2d, v1 and v2) against the library's float64 reference and
against tests/conformance/deform_conv_ref.py, an independent numpy
implementation (imported by path, unmodified); argument errors."""

import importlib.util
import os
import unittest
import warnings

import numpy as np

import _util
from _util import rel_l2

_util.ensure_cache_dir()
import clconv  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "clconv_deform_conv_ref", os.path.join(_util.HERE, "..", "conformance", "deform_conv_ref.py"))
deform_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deform_ref)

TOL = 2e-5      # float32 device result vs float64 references (relative L2)
REF_TOL = 1e-7  # the two float64 references against each other


def dcase(N=1, C=4, K=6, H=9, W=8, k=(3, 3), strides=(1, 1), pads=(1, 1, 1, 1), dil=(1, 1),
          groups=1, og=1, mask=False, bias=True, act=None, seed=1, spread=2.5):
    return dict(N=N, C=C, K=K, H=H, W=W, k=tuple(k), strides=tuple(strides), pads=tuple(pads),
                dil=tuple(dil), groups=groups, og=og, mask=mask, bias=bias, act=act, seed=seed,
                spread=spread)


# name: case.  Offsets are uniform in (-spread, spread), so many samples land
# between pixels, near the borders and outside the image.
CASES = {
    "v1": dcase(N=2),
    "v2": dcase(N=2, mask=True),
    "v1_og2": dcase(og=2),
    "v2_og2": dcase(og=2, mask=True, seed=2),
    "groups2": dcase(C=4, K=6, groups=2),
    "groups2_og2_v2": dcase(C=4, K=4, groups=2, og=2, mask=True, seed=3),
    "og4_depthwise_like": dcase(C=4, K=4, groups=4, og=4, mask=True, seed=4),
    "stride2": dcase(H=11, W=10, strides=(2, 2), mask=True, seed=5),
    "stride_2x1": dcase(H=11, W=10, strides=(2, 1), seed=6),
    "dilation2": dcase(H=12, W=11, dil=(2, 2), pads=(2, 2, 2, 2), seed=7),
    "dilation_1x2_v2": dcase(H=10, W=12, dil=(1, 2), pads=(1, 2, 1, 2), mask=True, seed=8),
    "asym_pads": dcase(H=7, W=8, pads=(0, 2, 3, 1), seed=9),
    "asym_pads_v2_og2": dcase(H=7, W=8, pads=(2, 0, 1, 3), og=2, mask=True, seed=10),
    "no_pads_no_bias": dcase(pads=(0, 0, 0, 0), bias=False, seed=11),
    "kernel_3x2": dcase(k=(3, 2), pads=(1, 0, 1, 1), og=2, mask=True, seed=12),
    "kernel_1x1": dcase(k=(1, 1), pads=(0, 0, 0, 0), C=6, K=5, og=3, seed=13),
    "relu": dcase(act="relu", mask=True, seed=14),
    "relu6": dcase(act="relu6", spread=1.0, seed=15),
    "clip": dcase(act=("clip", -0.5, 0.75), seed=16),
    "leaky": dcase(act=("leaky_relu", 0.125), og=2, seed=17),
    "large_offsets": dcase(H=6, W=7, spread=8.0, mask=True, seed=18),
    "combined": dcase(N=2, C=6, K=4, H=13, W=12, k=(3, 3), strides=(2, 2), dil=(2, 1),
                      pads=(2, 1, 0, 2), groups=2, og=3, mask=True, act="relu", seed=19),
}


def out_size(c):
    return deform_ref.output_size(c["H"], c["W"], c["k"][0], c["k"][1], c["strides"],
                                  c["pads"], c["dil"])


def arrays(c):
    """Seeded x, offset, w, b, mask of a case."""
    rng = np.random.default_rng(c["seed"])
    kH, kW = c["k"]
    oH, oW = out_size(c)
    x = _util.rand(rng, (c["N"], c["C"], c["H"], c["W"]))
    w = _util.rand(rng, (c["K"], c["C"] // c["groups"], kH, kW))
    b = _util.rand(rng, (c["K"],)) if c["bias"] else None
    off = (rng.uniform(-1, 1, (c["N"], 2 * c["og"] * kH * kW, oH, oW))
           * c["spread"]).astype(np.float32)
    m = (rng.uniform(0, 1, (c["N"], c["og"] * kH * kW, oH, oW)).astype(np.float32)
         if c["mask"] else None)
    return x, off, w, b, m


def kwargs(c):
    return dict(strides=c["strides"], pads=c["pads"], dilations=c["dil"], groups=c["groups"],
                offset_groups=c["og"], activation=c["act"])


def numpy_ref(c, x, off, w, b, m):
    act = c["act"]
    if act == "relu":
        act = ("relu",)
    elif act == "relu6":
        act = ("clip", 0.0, 6.0)
    return deform_ref.deform_conv2d(x, w, off, mask=m, bias=b, strides=c["strides"],
                                    pads=c["pads"], dilations=c["dil"], group=c["groups"],
                                    offset_group=c["og"], activation=act)


class TestDeformConv(unittest.TestCase):

    def test_cases(self):
        for name, c in CASES.items():
            with self.subTest(case=name):
                x, off, w, b, m = arrays(c)
                ref = numpy_ref(c, x, off, w, b, m)
                lib_ref = clconv.reference_deform_conv(x, off, w, b, mask=m, **kwargs(c))
                self.assertEqual(lib_ref.dtype, np.float64)
                self.assertEqual(lib_ref.shape, (c["N"], c["K"]) + out_size(c))
                self.assertEqual(lib_ref.shape, ref.shape)
                self.assertLess(rel_l2(lib_ref, ref), REF_TOL,
                                name + ": reference_deform_conv vs deform_conv_ref.py")
                for algo in ("auto", "direct"):
                    y = clconv.deform_conv(x, off, w, b, mask=m, algo=algo, **kwargs(c))
                    self.assertEqual(y.dtype, np.float32)
                    self.assertEqual(y.shape, ref.shape)
                    self.assertLessEqual(rel_l2(y, ref), TOL,
                                         "%s %s vs deform_conv_ref.py" % (name, algo))
                    self.assertLessEqual(rel_l2(y, lib_ref), TOL,
                                         "%s %s vs reference_deform_conv" % (name, algo))

    def test_zero_offsets_equal_conv(self):
        """With zero offsets (and no mask, or a mask of ones) DeformConv is Conv."""
        for name in ("v1", "groups2", "stride2", "dilation2", "asym_pads", "kernel_3x2",
                     "relu", "combined"):
            with self.subTest(case=name):
                c = CASES[name]
                x, off, w, b, _ = arrays(c)
                off = np.zeros_like(off)
                ckw = dict(strides=c["strides"], pads=c["pads"], dilations=c["dil"],
                           groups=c["groups"], activation=c["act"])
                conv = clconv.conv(x, w, b, **ckw)
                conv_ref = clconv.reference_conv(x, w, b, **ckw)
                y = clconv.deform_conv(x, off, w, b, **kwargs(c))
                self.assertEqual(y.shape, conv.shape)
                self.assertLessEqual(rel_l2(y, conv_ref), TOL)
                self.assertLessEqual(rel_l2(y, conv), TOL)
                self.assertLess(rel_l2(clconv.reference_deform_conv(x, off, w, b, **kwargs(c)),
                                       conv_ref), 1e-12)
                ones = np.ones((c["N"], c["og"] * c["k"][0] * c["k"][1]) + y.shape[2:],
                               np.float32)
                y2 = clconv.deform_conv(x, off, w, b, mask=ones, **kwargs(c))
                self.assertLessEqual(rel_l2(y2, conv_ref), TOL)

    def test_mask_of_ones_is_v1(self):
        c = CASES["v1_og2"]
        x, off, w, b, _ = arrays(c)
        ones = np.ones((c["N"], c["og"] * 9) + out_size(c), np.float32)
        v1 = clconv.reference_deform_conv(x, off, w, b, **kwargs(c))
        v2 = clconv.reference_deform_conv(x, off, w, b, mask=ones, **kwargs(c))
        np.testing.assert_array_equal(v1, v2)
        self.assertLessEqual(rel_l2(clconv.deform_conv(x, off, w, b, mask=ones, **kwargs(c)),
                                    v1), TOL)

    def test_torchvision_style_arguments(self):
        """ints and (h, w) pairs mean what torchvision's stride/padding/dilation
        do; offset_groups is inferred from offset.shape[1] as torchvision does."""
        c = CASES["v2_og2"]
        x, off, w, b, m = arrays(c)
        full = clconv.deform_conv(x, off, w, b, mask=m, strides=(1, 1), pads=(1, 1, 1, 1),
                                  dilations=(1, 1), offset_groups=2)
        np.testing.assert_array_equal(clconv.deform_conv(x, off, w, b, mask=m, strides=1,
                                                         pads=1, dilations=1), full)
        np.testing.assert_array_equal(clconv.deform_conv(x, off, w, b, m, 1, (1, 1), (1, 1)),
                                      full)
        # (pH, pW) pads both sides, like torchvision's padding.
        c2 = CASES["stride_2x1"]
        x2, off2, w2, b2, _ = arrays(c2)
        rng = np.random.default_rng(20)
        off2 = rng.uniform(-2, 2, (1, 18, 6, 8)).astype(np.float32)  # pads (1, 0): 6x8 out
        a = clconv.deform_conv(x2, off2, w2, b2, strides=(2, 1), pads=(1, 0))
        np.testing.assert_array_equal(
            a, clconv.deform_conv(x2, off2, w2, b2, strides=(2, 1), pads=(1, 0, 1, 0)))
        ref = deform_ref.deform_conv2d(x2, w2, off2, bias=b2, strides=(2, 1), pads=(1, 0, 1, 0))
        self.assertLessEqual(rel_l2(a, ref), TOL)

    def test_readme_example(self):
        x = np.ones((1, 3, 8, 8), np.float32)
        w = np.ones((4, 3, 3, 3), np.float32)
        y = clconv.deform_conv(x, np.zeros((1, 18, 8, 8), np.float32), w, pads=1)
        self.assertEqual(y.shape, (1, 4, 8, 8))
        self.assertEqual(float(y[0, 0, 4, 4]), 27.0)
        self.assertEqual(float(y[0, 0, 0, 0]), 12.0)
        # Every tap shifted half a pixel right: interior columns average two
        # ones, the last column reads half outside the image.
        off = np.zeros((1, 18, 6, 6), np.float32)  # no pads: 6x6 out
        off[:, 1::2] = 0.5
        y = clconv.deform_conv(x, off, w)
        self.assertEqual(y.shape, (1, 4, 6, 6))
        self.assertAlmostEqual(float(y[0, 0, 0, 0]), 27.0, places=4)
        self.assertAlmostEqual(float(y[0, 0, 0, 5]), 27.0 - 3 * 3 * 0.5, places=4)

    def test_conversions(self):
        c = CASES["v2"]
        x, off, w, b, m = arrays(c)
        want = clconv.deform_conv(x, off, w, b, mask=m, pads=1)
        want_ref = clconv.reference_deform_conv(x, off, w, b, mask=m, pads=1)
        for arg in ("offset", "mask"):
            with self.subTest(arg=arg):
                a = {"offset": off, "mask": m}
                a[arg] = a[arg].astype(np.float64)
                for fn, expected in ((clconv.deform_conv, want),
                                     (clconv.reference_deform_conv, want_ref)):
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        y = fn(x, a["offset"], w, b, mask=a["mask"], pads=1)
                    self.assertEqual([str(w_.message) for w_ in caught],
                                     ["clconv: %s converted from float64 to float32" % arg])
                    self.assertIs(caught[0].category, clconv.ConversionWarning)
                    self.assertEqual(caught[0].filename, __file__)  # points at the caller
                    np.testing.assert_array_equal(y, expected)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            big = np.zeros(off.shape[:2] + (off.shape[2] * 2, off.shape[3]), np.float32)
            big[:, :, ::2] = off
            np.testing.assert_array_equal(
                clconv.deform_conv(x, big[:, :, ::2], w, b, mask=m.tolist(), pads=1), want)


X = np.zeros((1, 4, 8, 8), np.float32)
W = np.zeros((6, 4, 3, 3), np.float32)
OFF = np.zeros((1, 18, 8, 8), np.float32)    # one offset group, pads 1
MASK = np.zeros((1, 9, 8, 8), np.float32)


class TestDeformErrors(unittest.TestCase):

    def raises(self, exc, pattern, fn, *a, **kw):
        with self.assertRaisesRegex(exc, pattern) as cm:
            fn(*a, **kw)
        self.assertIsInstance(cm.exception, clconv.Error)
        self.assertEqual(cm.exception.status, 1 if exc is clconv.InvalidArgument else 2)
        return cm.exception

    def test_offset_and_mask_shapes(self):
        IA = clconv.InvalidArgument
        for fn in (clconv.deform_conv, clconv.reference_deform_conv):
            with self.subTest(fn=fn.__name__):
                self.raises(IA, r"^offset: .*multiple of 2\*kH\*kW = 18", fn, X,
                            OFF[:, :17], W, pads=1)
                self.raises(IA, r"^offset: .*multiple of 2\*kH\*kW = 18", fn, X,
                            OFF[:, :0], W, pads=1)
                self.raises(IA, r"^offset: expected shape \(1, 18, 8, 8\)", fn, X,
                            OFF[:, :, :7], W, pads=1)
                self.raises(IA, r"^offset: expected shape \(1, 18, 6, 6\)", fn, X, OFF, W)
                self.raises(IA, r"^offset: expected shape \(1, 18, 8, 8\)", fn, X,
                            np.zeros((2, 18, 8, 8), np.float32), W, pads=1)
                self.raises(IA, r"^offset: expected 4 dimensions", fn, X, OFF[0], W, pads=1)
                self.raises(IA, r"^mask: expected shape \(1, 9, 8, 8\)", fn, X, OFF, W,
                            mask=np.zeros((1, 18, 8, 8), np.float32), pads=1)
                self.raises(IA, r"^mask: expected shape \(1, 9, 8, 8\)", fn, X, OFF, W,
                            mask=MASK[:, :, :, :7], pads=1)
                self.raises(IA, r"^mask: expected shape \(1, 18, 8, 8\)", fn, X,
                            np.zeros((1, 36, 8, 8), np.float32), W, mask=MASK, pads=1)
                self.raises(IA, r"^mask: expected 4 dimensions", fn, X, OFF, W, mask=MASK[0],
                            pads=1)

    def test_offset_groups(self):
        IA = clconv.InvalidArgument
        for fn in (clconv.deform_conv, clconv.reference_deform_conv):
            with self.subTest(fn=fn.__name__):
                self.raises(IA, r"^offset_groups: 2 does not match offset of shape "
                            r"\(1, 18, 8, 8\)", fn, X, OFF, W, pads=1, offset_groups=2)
                self.raises(IA, r"^offset_groups: 1 does not match", fn, X,
                            np.zeros((1, 36, 8, 8), np.float32), W, pads=1, offset_groups=1)
                # Inferred (3 from 54 channels) or given, 3 must divide C = 4.
                off3 = np.zeros((1, 54, 8, 8), np.float32)
                self.raises(IA, r"^offset_groups: 3 does not divide the 4 input channels", fn,
                            X, off3, W, pads=1)
                self.raises(IA, r"^offset_groups: 3 does not divide", fn, X, off3, W, pads=1,
                            offset_groups=3)
                self.raises(IA, r"^offset_groups: 0 must be >= 1", fn, X, OFF, W, pads=1,
                            offset_groups=0)
                self.raises(IA, r"^offset_groups: expected an int", fn, X, OFF, W, pads=1,
                            offset_groups=1.0)

    def test_other_arguments(self):
        IA = clconv.InvalidArgument
        dc = clconv.deform_conv
        self.raises(IA, r"^x: expected 4 dimensions", dc, X[None], OFF, W, pads=1)
        self.raises(IA, r"^w: expected 4 dimensions", dc, X, OFF, W[0], pads=1)
        self.raises(IA, r"^w: shape \(6, 3, 3, 3\)", dc, X, OFF,
                    np.zeros((6, 3, 3, 3), np.float32), pads=1)
        self.raises(IA, r"^groups: 3 does not divide", dc, X, OFF, W, pads=1, groups=3)
        self.raises(IA, r"^groups: 4 does not divide the 6 output", dc, X, OFF,
                    np.zeros((6, 1, 3, 3), np.float32), pads=1, groups=4)
        self.raises(IA, r"^groups: 0 must be >= 1", dc, X, OFF, W, pads=1, groups=0)
        self.raises(IA, r"^b: expected 6 values", dc, X, OFF, W, np.zeros(5, np.float32),
                    pads=1)
        self.raises(IA, r"^pads: .*no auto_pad", dc, X, OFF, W, pads="same")
        self.raises(IA, r"^pads: .*2 or 4 ints", dc, X, OFF, W, pads=(1, 1, 1))
        self.raises(IA, r"^pads\[2\]: -1 must be >= 0", dc, X, OFF, W, pads=(1, 1, -1, 1))
        self.raises(IA, r"^strides\[1\]: 0 must be >= 1", dc, X, OFF, W, strides=(1, 0))
        self.raises(IA, r"^dilations: .*2 ints for rank 2", dc, X, OFF, W, dilations=(1, 1, 1))
        self.raises(IA, r"^activation: ", dc, X, OFF, W, pads=1, activation="gelu")
        self.raises(IA, r"^algo: unknown algorithm 'fast'", dc, X, OFF, W, pads=1, algo="fast")
        self.raises(IA, r"^offset: dtype complex64", dc, X, OFF.astype(np.complex64), W, pads=1)
        # Found by the library, which names the field.
        self.raises(IA, r"kernel_size\[0\]", dc, X[:, :, :2, :2], OFF, W)
        self.raises(clconv.Unsupported, r".", dc, X, OFF, W, pads=1, algo="gemm")


if __name__ == "__main__":
    unittest.main()
