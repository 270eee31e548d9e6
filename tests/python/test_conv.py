"""conv / conv_transpose / reference_conv against the library's float64
reference and against tests/conformance's independent numpy ONNX
reference."""

import unittest

import numpy as np

import _util
from _util import AUTO_TOL, DEFAULT_TOL, case, onnx_ref, rel_l2

_util.ensure_cache_dir()
import clconv  # noqa: E402

# name: case.  Each runs with algo "auto" and "direct".
CASES = {
    "1d": case(1, 2, 3, 4, [17], [3], pads_b=[1], pads_e=[1]),
    "1d_stride_dil": case(1, 1, 4, 6, [20], [3], strides=[2], dil=[2], pads_b=[2], pads_e=[0]),
    "2d_3x3": case(2, 2, 8, 16, [12, 11], [3, 3], pads_b=[1, 1], pads_e=[1, 1]),
    "2d_strides": case(2, 1, 3, 5, [13, 9], [3, 2], strides=[2, 3]),
    "2d_dilations": case(2, 1, 4, 4, [14, 14], [3, 3], dil=[2, 3], pads_b=[2, 3], pads_e=[2, 3]),
    "2d_groups": case(2, 1, 8, 12, [9, 9], [3, 3], group=4, pads_b=[1, 1], pads_e=[1, 1]),
    "2d_depthwise": case(2, 2, 6, 6, [10, 8], [3, 3], group=6, pads_b=[1, 1], pads_e=[1, 1]),
    "2d_depthwise_mult": case(2, 1, 4, 8, [9, 9], [5, 5], group=4, strides=[2, 2],
                              pads_b=[2, 2], pads_e=[2, 2]),
    "2d_asym_pads": case(2, 1, 3, 4, [7, 8], [3, 3], pads_b=[0, 2], pads_e=[3, 1]),
    "2d_1x1": case(2, 2, 16, 8, [6, 5], [1, 1], bias=False),
    "2d_same_upper": case(2, 1, 3, 4, [9, 8], [4, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
    "2d_same_lower": case(2, 1, 3, 4, [9, 8], [4, 3], strides=[2, 1], auto_pad="SAME_LOWER"),
    "2d_valid": case(2, 1, 3, 4, [9, 8], [4, 3], auto_pad="VALID"),
    "2d_relu": case(2, 1, 3, 4, [8, 8], [3, 3], act="relu"),
    "2d_relu6": case(2, 1, 3, 4, [8, 8], [3, 3], act="relu6"),
    "2d_clip": case(2, 1, 3, 4, [8, 8], [3, 3], act="clip:-0.5:0.75"),
    "2d_leaky": case(2, 1, 3, 4, [8, 8], [3, 3], act="leaky_relu:0.1"),
    "2d_leaky_default": case(2, 1, 3, 4, [8, 8], [3, 3], act="leaky_relu"),
    "3d": case(3, 1, 3, 4, [5, 6, 7], [3, 3, 3], pads_b=[1, 1, 1], pads_e=[1, 0, 1]),
    "3d_strides_groups": case(3, 1, 4, 4, [6, 6, 6], [2, 3, 2], strides=[2, 1, 2], group=2),
    "t1d": case(1, 1, 3, 4, [9], [3], strides=[2], transposed=True, out_pad=[1], bias=False),
    "t2d": case(2, 1, 4, 6, [6, 5], [3, 3], strides=[2, 2], pads_b=[1, 0], pads_e=[0, 1],
                transposed=True),
    "t2d_output_padding": case(2, 2, 4, 4, [5, 5], [3, 3], strides=[3, 2], out_pad=[2, 1],
                               pads_b=[1, 1], pads_e=[1, 1], transposed=True),
    "t2d_dil_groups": case(2, 1, 6, 9, [6, 6], [3, 2], dil=[2, 1], group=3, transposed=True),
    "t2d_depthwise": case(2, 1, 5, 5, [7, 7], [3, 3], group=5, strides=[2, 2],
                          transposed=True, act="relu"),
    "t2d_output_shape": case(2, 1, 4, 3, [5, 6], [3, 3], strides=[2, 2], out_shape=[10, 13],
                             transposed=True),
    "t2d_output_shape_past": case(2, 1, 4, 3, [5, 6], [3, 3], strides=[2, 2],
                                  out_shape=[14, 11], auto_pad="SAME_UPPER", transposed=True),
    "t2d_same_lower": case(2, 1, 3, 3, [5, 4], [3, 3], strides=[2, 2], auto_pad="SAME_LOWER",
                           transposed=True),
    "t3d": case(3, 1, 2, 3, [3, 4, 3], [2, 3, 2], strides=[2, 1, 2], out_pad=[1, 0, 0],
                transposed=True),
}


def run_binding(c, x, w, b, algo, reference=False):
    kw = _util.binding_kwargs(c)
    if reference:
        return clconv.reference_conv(x, w, b, transposed=c["transposed"], **kw)
    fn = clconv.conv_transpose if c["transposed"] else clconv.conv
    if not c["transposed"]:
        kw.pop("output_padding", None)
    return fn(x, w, b, algo=algo, **kw)


class TestConv(unittest.TestCase):

    def check_case(self, name, c, algos=("auto", "direct")):
        x, w, b = _util.case_arrays(c)
        ref = onnx_ref.reference(c, x, w, b)
        lib_ref = run_binding(c, x, w, b, None, reference=True)
        self.assertEqual(lib_ref.dtype, np.float64)
        self.assertEqual(lib_ref.shape, ref.shape, name)
        # Both accumulate in float64; activation parameters are float32 in
        # the C descriptor (0.1f != 0.1), hence not 1e-15.
        self.assertLess(rel_l2(lib_ref, ref), 1e-7, name + ": reference_conv vs numpy ONNX")
        for algo in algos:
            y = run_binding(c, x, w, b, algo)
            self.assertEqual(y.dtype, np.float32)
            self.assertEqual(y.shape, ref.shape, "%s %s" % (name, algo))
            tol = AUTO_TOL if algo == "auto" else DEFAULT_TOL
            self.assertLess(rel_l2(y, ref), tol, "%s %s vs numpy ONNX" % (name, algo))
            self.assertLess(rel_l2(y, lib_ref), tol, "%s %s vs reference_conv" % (name, algo))

    def test_cases(self):
        for name, c in CASES.items():
            with self.subTest(case=name):
                self.check_case(name, c)

    def test_specialised_algorithms(self):
        """Named algorithms on the cases each is made for."""
        for algo, name in (("winograd_f2x2", "2d_3x3"), ("winograd_f4x4", "2d_3x3"),
                           ("gemm", "2d_groups"), ("depthwise", "2d_depthwise"),
                           ("dilated_s2b", "2d_dilations"), ("deconv_d2s", "t2d")):
            with self.subTest(algo=algo):
                c = CASES[name]
                x, w, b = _util.case_arrays(c)
                y = run_binding(c, x, w, b, algo)
                self.assertLess(rel_l2(y, onnx_ref.reference(c, x, w, b)),
                                _util.TOL.get(algo, DEFAULT_TOL))

    def test_generated_cases(self):
        """A seeded slice of the conformance generator's cases, through the
        binding with algo auto (the CLI test runs all of them per algorithm)."""
        cases = [c for c in onnx_ref.generate(20240601, 120) if c["op"] == "conv"]
        for c in cases:
            with self.subTest(case=c["id"], desc=onnx_ref.describe(c)):
                x, w, b = _util.case_arrays(c)
                ref = onnx_ref.reference(c, x, w, b)
                y = run_binding(c, x, w, b, "auto")
                self.assertEqual(y.shape, ref.shape)
                self.assertLess(rel_l2(y, ref), AUTO_TOL)

    def test_torch_style_arguments(self):
        """Ints and rank tuples mean the same as ONNX's per-axis lists."""
        rng = np.random.default_rng(3)
        x, w = _util.rand(rng, (1, 3, 9, 10)), _util.rand(rng, (4, 3, 3, 3))
        a = clconv.conv(x, w, strides=2, pads=1, dilations=1)
        b = clconv.conv(x, w, strides=(2, 2), pads=(1, 1, 1, 1), dilations=(1, 1))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(clconv.conv(x, w, pads=(1, 2)),
                                      clconv.conv(x, w, pads=(1, 2, 1, 2)))
        np.testing.assert_array_equal(clconv.conv(x, w, pads="same"),
                                      clconv.conv(x, w, auto_pad="SAME_UPPER"))
        np.testing.assert_array_equal(clconv.conv(x, w, pads="valid"), clconv.conv(x, w))
        np.testing.assert_array_equal(clconv.conv(x, w, activation="relu6"),
                                      clconv.conv(x, w, activation=("clip", 0, 6)))

    def test_output_shape_full_form(self):
        rng = np.random.default_rng(4)
        x, w = _util.rand(rng, (2, 4, 5, 6)), _util.rand(rng, (4, 3, 3, 3))
        a = clconv.conv_transpose(x, w, strides=2, output_shape=(10, 12))
        b = clconv.conv_transpose(x, w, strides=2, output_shape=(2, 3, 10, 12))
        self.assertEqual(a.shape, (2, 3, 10, 12))
        np.testing.assert_array_equal(a, b)

    def test_readme_example(self):
        y = clconv.conv(np.ones((1, 3, 8, 8), np.float32), np.ones((4, 3, 3, 3), np.float32),
                        pads=1)
        self.assertEqual(y.shape, (1, 4, 8, 8))
        self.assertEqual(float(y[0, 0, 4, 4]), 27.0)
        self.assertEqual(float(y[0, 0, 0, 0]), 12.0)


if __name__ == "__main__":
    unittest.main()
