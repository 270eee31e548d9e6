"""CTest entry point: runs the binding's unittest suite, or exits 77
(CTest's skip) when this interpreter has no numpy (the binding needs it;
Debian ships it separately as python3-numpy) or there is no OpenCL device."""

import os
import sys
import unittest

try:
    import numpy  # noqa: F401
except ImportError:
    print("python binding tests: skipped: numpy is not installed for %s" % sys.executable)
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import _util  # noqa: E402  (sets a private CLCONV_CACHE_DIR first)
import clconv  # noqa: E402

if not clconv.devices():
    print("python binding tests: skipped: no OpenCL device")
    sys.exit(77)
suite = unittest.defaultTestLoader.discover(here, top_level_dir=here)
result = unittest.TextTestRunner(verbosity=2).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)
