"""Bad arguments raise the right clconv.Error subclass, naming the argument
or descriptor field; input conversion follows the documented policy."""

import unittest
import warnings

import numpy as np

import _util

_util.ensure_cache_dir()
import clconv  # noqa: E402

X = np.zeros((1, 4, 8, 8), np.float32)
W = np.zeros((6, 4, 3, 3), np.float32)


class TestErrors(unittest.TestCase):

    def raises(self, exc, pattern, fn, *a, **kw):
        with self.assertRaisesRegex(exc, pattern) as cm:
            fn(*a, **kw)
        self.assertIsInstance(cm.exception, clconv.Error)
        self.assertEqual(cm.exception.message, str(cm.exception))
        return cm.exception

    def test_hierarchy(self):
        self.assertTrue(issubclass(clconv.InvalidArgument, ValueError))
        self.assertTrue(issubclass(clconv.OutOfMemory, MemoryError))
        for cls, status in ((clconv.InvalidArgument, 1), (clconv.Unsupported, 2),
                            (clconv.InvalidState, 3), (clconv.OutOfMemory, 4),
                            (clconv.OpenCLError, 5), (clconv.BuildError, 6),
                            (clconv.DeviceNotFound, 7)):
            self.assertTrue(issubclass(cls, clconv.Error))
            self.assertIs(type(clconv._errors.error_for(status, "m")), cls)

    def test_python_side_arguments(self):
        IA = clconv.InvalidArgument
        e = self.raises(IA, r"^activation: ", clconv.conv, X, W, activation="gelu")
        self.assertEqual(e.status, 1)
        self.raises(IA, r"^activation: ", clconv.conv, X, W, activation=("clip", 0))
        self.raises(IA, r"^activation: ", clconv.conv, X, W, activation=("leaky_relu", "a"))
        self.raises(IA, r"^activation: ", clconv.conv, X, W, activation=3)
        self.raises(IA, r"^strides: .*2 ints for rank 2, got 3", clconv.conv, X, W,
                    strides=(1, 1, 1))
        self.raises(IA, r"^strides\[1\]: 0 must be >= 1", clconv.conv, X, W, strides=(1, 0))
        self.raises(IA, r"^dilations\[0\]: expected an int", clconv.conv, X, W,
                    dilations=(1.5, 1))
        self.raises(IA, r"^pads: .*2 or 4 ints", clconv.conv, X, W, pads=(1, 1, 1))
        self.raises(IA, r"^pads\[0\]: -1 must be >= 0", clconv.conv, X, W, pads=-1)
        self.raises(IA, r"^pads: must be 0 when auto_pad", clconv.conv, X, W, pads=1,
                    auto_pad="SAME_UPPER")
        self.raises(IA, r"^auto_pad: ", clconv.conv, X, W, auto_pad="SAME")
        self.raises(IA, r"^groups: 3 does not divide", clconv.conv, X, W, groups=3)
        self.raises(IA, r"^groups: ", clconv.conv, X, W, groups=0)
        self.raises(IA, r"^w: shape", clconv.conv, X, np.zeros((6, 3, 3, 3), np.float32))
        self.raises(IA, r"^x: expected 4 dimensions", clconv.conv, X[0], W)
        self.raises(IA, r"^x: expected 3 or 4 or 5 dimensions", clconv.conv, X[0, 0], W)
        self.raises(IA, r"^b: expected 6 values", clconv.conv, X, W, np.zeros(5, np.float32))
        self.raises(IA, r"^b: expected 1 dimensions", clconv.conv, X, W,
                    np.zeros((6, 1), np.float32))
        self.raises(IA, r"^algo: unknown algorithm 'fast'", clconv.conv, X, W, algo="fast")
        self.raises(IA, r"^x: dtype complex64", clconv.conv, X.astype(np.complex64), W)
        self.raises(IA, r"^x: dtype object", clconv.conv, X.astype(object), W)
        self.raises(IA, r"^output_padding: expected", clconv.conv_transpose, X,
                    np.zeros((4, 2, 3, 3), np.float32), output_padding=(1, 1, 1))
        self.raises(IA, r"^output_shape: .*N, K must be 1, 2", clconv.conv_transpose, X,
                    np.zeros((4, 2, 3, 3), np.float32), output_shape=(1, 3, 10, 10))

    def test_library_side_fields(self):
        """Errors the C library finds carry its clconv_last_error() text."""
        IA = clconv.InvalidArgument
        self.raises(IA, r"output_padding\[0\] = 2", clconv.conv_transpose, X,
                    np.zeros((4, 2, 3, 3), np.float32), output_padding=2)
        # A kernel larger than the padded input.
        self.raises(IA, r"clconv_conv_output_shape", clconv.conv, X[:, :, :2, :2], W)
        e = self.raises(clconv.Unsupported, r"depthwise", clconv.conv, X, W, algo="depthwise")
        self.assertEqual(e.status, 2)
        self.raises(clconv.Unsupported, r"winograd", clconv.conv, X, W, strides=2,
                    algo="winograd_f2x2")
        self.raises(clconv.DeviceNotFound, r"no-such-device", clconv.Context,
                    device="no-such-device")
        self.raises(IA, r"params|nonsense", clconv.Context, params="nonsense=1")

    def test_conversions(self):
        ref = clconv.conv(X + 1, W + 1)
        for dtype in (np.float64, np.float16, np.int32, np.uint8):
            with self.subTest(dtype=dtype):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    y = clconv.conv((X + 1).astype(dtype), W + 1)
                self.assertEqual([str(c.message) for c in caught],
                                 ["clconv: x converted from %s to float32" % np.dtype(dtype)])
                self.assertIs(caught[0].category, clconv.ConversionWarning)
                self.assertEqual(caught[0].filename, __file__)  # points at the caller
                np.testing.assert_array_equal(y, ref)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # Non-contiguous, byte-swapped float32 and nested lists: silent.
            big = np.ones((1, 4, 16, 16), np.float32)
            np.testing.assert_array_equal(clconv.conv(big[:, :, ::2, ::2], W + 1), ref)
            np.testing.assert_array_equal(clconv.conv((X + 1).astype(">f4"), W + 1), ref)
            np.testing.assert_array_equal(clconv.conv((X + 1).tolist(), W + 1), ref)
            wt = np.ascontiguousarray((W + 1).transpose(3, 2, 1, 0)).transpose(3, 2, 1, 0)
            np.testing.assert_array_equal(clconv.conv(X + 1, wt), ref)

    def test_closed_objects(self):
        ctx = clconv.Context()
        ctx.close()
        ctx.close()  # idempotent
        self.raises(clconv.InvalidState, "after close", clconv.conv, X, W, ctx=ctx)
        with clconv.Context() as ctx:
            p = clconv.Plan(X.shape, W.shape, ctx=ctx)
        self.raises(clconv.InvalidState, "after close", lambda: p.algorithm)


if __name__ == "__main__":
    unittest.main()
