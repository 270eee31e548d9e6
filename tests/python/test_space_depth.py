"""depth_to_space / space_to_depth (both modes) against the library's
reference and the numpy ONNX reshape/transpose of tests/conformance; they
must be exact (pure data movement)."""

import unittest

import numpy as np

import _util
from _util import onnx_ref

_util.ensure_cache_dir()
import clconv  # noqa: E402


class TestSpaceDepth(unittest.TestCase):

    def test_depth_to_space(self):
        rng = np.random.default_rng(5)
        for mode in ("DCR", "CRD", "dcr"):
            for b, shape in ((2, (2, 8, 3, 5)), (3, (1, 18, 4, 2)), (4, (1, 16, 1, 1))):
                with self.subTest(mode=mode, b=b, shape=shape):
                    x = _util.rand(rng, shape)
                    ref = onnx_ref.ref_space_depth(
                        {"op": "depth_to_space", "block": b, "mode": mode.upper()}, x)
                    y = clconv.depth_to_space(x, b, mode=mode)
                    self.assertEqual(y.dtype, np.float32)
                    np.testing.assert_array_equal(y, ref)
                    np.testing.assert_array_equal(
                        clconv.reference_depth_to_space(x, b, mode=mode), ref)

    def test_default_mode_is_dcr(self):
        x = np.arange(2 * 8 * 2 * 2, dtype=np.float32).reshape(2, 8, 2, 2)
        np.testing.assert_array_equal(clconv.depth_to_space(x, 2),
                                      clconv.depth_to_space(x, 2, mode="DCR"))

    def test_space_to_depth(self):
        rng = np.random.default_rng(6)
        for b, shape in ((2, (2, 3, 4, 6)), (3, (1, 2, 9, 3)), (4, (1, 1, 8, 4))):
            with self.subTest(b=b, shape=shape):
                x = _util.rand(rng, shape)
                ref = onnx_ref.ref_space_depth({"op": "space_to_depth", "block": b}, x)
                np.testing.assert_array_equal(clconv.space_to_depth(x, b), ref)
                np.testing.assert_array_equal(clconv.reference_space_to_depth(x, b), ref)

    def test_round_trip(self):
        """SpaceToDepth is the inverse of DepthToSpace in DCR mode."""
        x = _util.rand(np.random.default_rng(7), (1, 3, 6, 6))
        np.testing.assert_array_equal(clconv.depth_to_space(clconv.space_to_depth(x, 3), 3), x)

    def test_generated_cases(self):
        for c in onnx_ref.space_depth_cases(__import__("random").Random(11), 12):
            with self.subTest(desc=onnx_ref.describe(c) if "id" in c else c["shape"]):
                x = _util.rand(np.random.default_rng(1), c["shape"])
                if c["op"] == "space_to_depth":
                    y = clconv.space_to_depth(x, c["block"])
                else:
                    y = clconv.depth_to_space(x, c["block"], mode=c["mode"])
                np.testing.assert_array_equal(y, onnx_ref.ref_space_depth(c, x))

    def test_bad_arguments(self):
        x = np.zeros((1, 8, 2, 2), np.float32)
        with self.assertRaisesRegex(clconv.InvalidArgument, "mode"):
            clconv.depth_to_space(x, 2, mode="RDC")
        with self.assertRaisesRegex(clconv.InvalidArgument, "blocksize"):
            clconv.depth_to_space(x, 2.0)
        with self.assertRaisesRegex(clconv.InvalidArgument, "blocksize|channels"):
            clconv.depth_to_space(x, 3)  # 8 channels not divisible by 9
        with self.assertRaisesRegex(clconv.InvalidArgument, "height|blocksize"):
            clconv.space_to_depth(np.zeros((1, 1, 5, 4), np.float32), 2)
        with self.assertRaisesRegex(clconv.InvalidArgument, "x: expected 4 dimensions"):
            clconv.space_to_depth(np.zeros((1, 4, 4), np.float32), 2)


if __name__ == "__main__":
    unittest.main()
