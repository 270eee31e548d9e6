"""Plan: repeated runs, out=, weights replacement, find(), and no growth
of resident memory over many create/destroy cycles."""

import os
import unittest

import numpy as np

import _util
from _util import AUTO_TOL, DEFAULT_TOL, onnx_ref, rel_l2

_util.ensure_cache_dir()
import clconv  # noqa: E402


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class TestPlan(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ctx = clconv.Context()

    @classmethod
    def tearDownClass(cls):
        cls.ctx.close()

    def test_reuse_100_identical(self):
        c = _util.case(2, 2, 8, 16, [12, 12], [3, 3], pads_b=[1, 1], pads_e=[1, 1], act="relu")
        x, w, b = _util.case_arrays(c)
        ref = onnx_ref.reference(c, x, w, b)
        with clconv.Plan(x.shape, w.shape, bias=True, pads=1, activation="relu",
                         ctx=self.ctx) as p:
            self.assertEqual(p.output_shape, ref.shape)
            self.assertNotEqual(p.algorithm, "auto")
            self.assertIn(p.algorithm, p.describe())
            self.assertGreaterEqual(p.workspace_bytes, 0)
            self.assertEqual(p.flops, 2.0 * 2 * 16 * 12 * 12 * 8 * 9)
            p.set_weights(w, b)
            first = p(x)
            self.assertLess(rel_l2(first, ref), _util.TOL.get(p.algorithm, DEFAULT_TOL))
            self.assertLess(rel_l2(first, clconv.reference_conv(x, w, b, pads=1,
                                                                activation="relu")), AUTO_TOL)
            out = np.empty(p.output_shape, np.float32)
            for _ in range(100):
                got = p(x, out=out)
                self.assertIs(got, out)
                np.testing.assert_array_equal(out, first)

    def test_every_algorithm_and_transposed(self):
        rng = np.random.default_rng(8)
        x, w = _util.rand(rng, (1, 6, 9, 9)), _util.rand(rng, (6, 4, 3, 3))
        ref = clconv.reference_conv(x, w, strides=2, pads=1, output_padding=1, transposed=True)
        for algo in ("auto", "direct", "gemm", "deconv_d2s"):
            with self.subTest(algo=algo):
                with clconv.Plan(x.shape, w.shape, strides=2, pads=1, output_padding=1,
                                 transposed=True, algo=algo, ctx=self.ctx) as p:
                    if algo != "auto":
                        self.assertEqual(p.algorithm, algo)
                    p.set_weights(w)
                    self.assertLess(rel_l2(p(x), ref), AUTO_TOL)

    def test_set_weights_replaces(self):
        rng = np.random.default_rng(9)
        x, w1, w2 = (_util.rand(rng, s) for s in ((1, 3, 7, 7), (4, 3, 3, 3), (4, 3, 3, 3)))
        with clconv.Plan(x, w1, ctx=self.ctx) as p:  # arrays stand for their shapes
            p.set_weights(w1)
            y1 = p(x)
            p.set_weights(w2)
            self.assertLess(rel_l2(p(x), clconv.reference_conv(x, w2)), AUTO_TOL)
            p.set_weights(w1)
            np.testing.assert_array_equal(p(x), y1)

    def test_plan_errors(self):
        IA = clconv.InvalidArgument
        with clconv.Plan((1, 3, 7, 7), (4, 3, 3, 3), bias=True, ctx=self.ctx) as p:
            with self.assertRaisesRegex(clconv.InvalidState, "set_weights"):
                p(np.zeros((1, 3, 7, 7), np.float32))
            with self.assertRaisesRegex(IA, r"^b: required"):
                p.set_weights(np.zeros((4, 3, 3, 3), np.float32))
            with self.assertRaisesRegex(IA, r"^w: expected shape \(4, 3, 3, 3\)"):
                p.set_weights(np.zeros((4, 3, 3, 2), np.float32), np.zeros(4, np.float32))
            with self.assertRaisesRegex(IA, r"^b: expected shape \(4,\)"):
                p.set_weights(np.zeros((4, 3, 3, 3), np.float32), np.zeros(3, np.float32))
            p.set_weights(np.zeros((4, 3, 3, 3), np.float32), np.ones(4, np.float32))
            with self.assertRaisesRegex(IA, r"^x: expected shape \(1, 3, 7, 7\)"):
                p(np.zeros((1, 3, 7, 8), np.float32))
            x = np.zeros((1, 3, 7, 7), np.float32)
            for bad in (np.zeros((1, 4, 5, 5), np.float64),
                        np.zeros((1, 4, 5, 6), np.float32),
                        np.zeros((1, 4, 5, 10), np.float32)[:, :, :, ::2]):
                with self.assertRaisesRegex(IA, r"^out: must be"):
                    p(x, out=bad)
            np.testing.assert_array_equal(p(x), np.ones((1, 4, 5, 5), np.float32))
        with clconv.Plan((1, 3, 7, 7), (4, 3, 3, 3), ctx=self.ctx) as p:
            with self.assertRaisesRegex(IA, r"^b: the plan was made with bias=False"):
                p.set_weights(np.zeros((4, 3, 3, 3), np.float32), np.zeros(4, np.float32))
        with self.assertRaisesRegex(clconv.Unsupported, "winograd"):
            clconv.Plan((1, 3, 7, 7), (4, 3, 5, 5), algo="winograd_f4x4", ctx=self.ctx)
        with self.assertRaisesRegex(IA, r"^x_shape: "):
            clconv.Plan((1, 3, 0, 7), (4, 3, 3, 3), ctx=self.ctx)
        with self.assertRaisesRegex(IA, "direct_oc_block|params"):
            clconv.Plan((1, 3, 7, 7), (4, 3, 3, 3), algo="direct", params="direct_oc_block=7x",
                        ctx=self.ctx)

    def test_params(self):
        with clconv.Plan((1, 3, 7, 7), (4, 3, 3, 3), algo="direct", params="", ctx=self.ctx) as p:
            self.assertIn("explicit params", p.describe())

    def test_find(self):
        rng = np.random.default_rng(10)
        x, w = _util.rand(rng, (1, 8, 10, 10)), _util.rand(rng, (8, 8, 3, 3))
        results = clconv.find(x.shape, w.shape, pads=1, runs=1, ctx=self.ctx)
        self.assertTrue(results and results[0].ok)
        names = [r.algorithm for r in results]
        self.assertIn("direct", names)
        self.assertEqual(len(names), len(set(names)))
        ok = [r.time_ms for r in results if r.ok]
        self.assertEqual(ok, sorted(ok))
        for r in results:
            self.assertEqual(r.ok, r.error == "")
        with clconv.Plan(x.shape, w.shape, pads=1, algo=results[0], ctx=self.ctx) as p:
            self.assertEqual(p.algorithm, results[0].algorithm)
            p.set_weights(w)
            self.assertLess(rel_l2(p(x), clconv.reference_conv(x, w, pads=1)), AUTO_TOL)
        with self.assertRaisesRegex(clconv.InvalidArgument, "^runs: "):
            clconv.find(x.shape, w.shape, runs=0, ctx=self.ctx)

    def test_no_leak_over_1000_cycles(self):
        """RSS must not grow over 1,000 plan create/run/destroy cycles after
        a warm-up (allocator pools, program cache and PoCL's lazily created
        state settle during the warm-up)."""
        x = np.ones((1, 4, 8, 8), np.float32)
        w = np.ones((4, 4, 3, 3), np.float32)

        def cycle():
            p = clconv.Plan(x.shape, w.shape, pads=1, ctx=self.ctx)
            p.set_weights(w)
            p(x)
            p.close()

        for _ in range(100):
            cycle()
        before = rss_bytes()
        for _ in range(1000):
            cycle()
        grown = rss_bytes() - before
        self.assertLess(grown, 4 << 20, "RSS grew by %.1f MiB" % (grown / 2**20))

    def test_context_close_closes_plans(self):
        ctx = clconv.Context()
        p = clconv.Plan((1, 2, 4, 4), (2, 2, 1, 1), ctx=ctx)
        ctx.close()
        with self.assertRaises(clconv.InvalidState):
            p.describe()


if __name__ == "__main__":
    unittest.main()
