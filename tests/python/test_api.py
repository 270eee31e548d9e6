"""devices(), Context, the default context, version and library lookup."""

import os
import subprocess
import sys
import tempfile
import shutil
import unittest

import numpy as np

import _util

_util.ensure_cache_dir()
import clconv  # noqa: E402

PKG = os.path.dirname(os.path.abspath(clconv.__file__))


class TestApi(unittest.TestCase):

    def test_devices(self):
        devs = clconv.devices()
        self.assertGreaterEqual(len(devs), 1)
        self.assertEqual(sum(d.is_default for d in devs), 1)
        for d in devs:
            self.assertRegex(d.id, r"^\d+:\d+$")
            self.assertIn(d.type, ("GPU", "CPU", "accelerator", "other"))
            self.assertTrue(d.name and d.platform and d.version.startswith("OpenCL"))

    def test_context_on_each_device(self):
        x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32)
        for i, d in enumerate(clconv.devices()):
            for spec in (d, d.id, i):
                with self.subTest(device=spec):
                    with clconv.Context(device=spec) as ctx:
                        self.assertIn(d.name, ctx.device_name)
                        self.assertIn("Context", repr(ctx))
                        np.testing.assert_array_equal(clconv.conv(x, w, ctx=ctx),
                                                      np.full((1, 3, 3, 3), 18, np.float32))
                    self.assertTrue(ctx.closed)
        with self.assertRaisesRegex(clconv.InvalidArgument, "^device: index"):
            clconv.Context(device=len(clconv.devices()))
        with self.assertRaisesRegex(clconv.InvalidArgument, "^device: "):
            clconv.Context(device=1.5)

    def test_cache_dir_and_params(self):
        with tempfile.TemporaryDirectory() as d:
            with clconv.Context(cache_dir=os.path.join(d, "cache"), params="class=gpu") as ctx:
                y = clconv.conv(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 2, 2), np.float32),
                                ctx=ctx)
                self.assertEqual(float(y.sum()), 36.0)

    def test_default_context(self):
        a = clconv.default_context()
        self.assertIs(a, clconv.default_context())
        self.assertFalse(a.closed)

    def test_version(self):
        self.assertRegex(clconv.library_version(), r"^\d+\.\d+\.\d+$")
        self.assertTrue(os.path.exists(clconv.library_path()))
        self.assertIn("auto", clconv.algorithms())

    def _import_copy(self, env_lib, extra_env=None):
        """Imports a copy of the package outside the source tree, in a
        child process, with CLCONV_LIBRARY=env_lib; returns (rc, output)."""
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(PKG, os.path.join(d, "clconv"),
                            ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
            env = dict(os.environ, PYTHONPATH=d, LD_LIBRARY_PATH="")
            env.pop("CLCONV_LIBRARY", None)
            if env_lib:
                env["CLCONV_LIBRARY"] = env_lib
            env.update(extra_env or {})
            r = subprocess.run([sys.executable, "-c",
                                "import clconv; print(clconv.library_path())"],
                               capture_output=True, text=True, env=env, cwd=d)
            return r.returncode, r.stdout + r.stderr

    def test_lookup_environment_variable(self):
        rc, out = self._import_copy(clconv.library_path())
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.strip(), clconv.library_path())

    def test_lookup_failure_names_every_place(self):
        rc, out = self._import_copy("/nonexistent/libclconv.so")
        if rc == 0:
            self.skipTest("a libclconv is installed system-wide: " + out.strip())
        self.assertIn("$CLCONV_LIBRARY: /nonexistent/libclconv.so (no such file)", out)
        self.assertIn("next to the package", out)
        self.assertIn("the dynamic loader's search path: libclconv.so.0", out)

    def test_lookup_next_to_package(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(PKG, os.path.join(d, "clconv"),
                            ignore=shutil.ignore_patterns("__pycache__"))
            target = os.path.join(d, "clconv", "libclconv.so")
            shutil.copy(os.path.realpath(clconv.library_path()), target)
            env = dict(os.environ, PYTHONPATH=d)
            env.pop("CLCONV_LIBRARY", None)
            r = subprocess.run([sys.executable, "-c", "import clconv; print(clconv.library_path())"],
                               capture_output=True, text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), target)


if __name__ == "__main__":
    unittest.main()
