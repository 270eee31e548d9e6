"""The ctypes mirrors match the C structs: the load-time self-check
(init functions write exactly sizeof and the documented defaults), and,
where a C compiler and the generated header are at hand, sizeof/offsetof
of every field compiled from include/clconv.h."""

import ctypes
import os
import shutil
import subprocess
import tempfile
import unittest

import _util

_util.ensure_cache_dir()
import clconv  # noqa: E402
from clconv import _lib, _structs  # noqa: E402

REPO = os.path.normpath(os.path.join(_util.HERE, "..", ".."))
STRUCTS = {
    "clconv_conv_desc": _structs.ConvDesc,
    "clconv_deform_conv_desc": _structs.DeformConvDesc,
    "clconv_context_options": _structs.ContextOptions,
    "clconv_device_info": _structs.DeviceInfo,
    "clconv_space_depth_desc": _structs.SpaceDepthDesc,
    "clconv_tune_options": _structs.TuneOptions,
    "clconv_find_result": _structs.FindResult,
}


def _version_header_dir():
    """The build's include/ (clconv_version.h is generated there)."""
    lib_dir = os.path.dirname(os.path.realpath(clconv.library_path()))
    for d in (os.path.join(lib_dir, "include"), os.path.join(REPO, "build", "include")):
        if os.path.isfile(os.path.join(d, "clconv_version.h")):
            return d
    return None


class TestLayout(unittest.TestCase):

    def test_self_check(self):
        self.assertEqual(_structs.check_layouts(_lib.lib()), [])

    def test_conv_desc_defaults_round_trip(self):
        for rank in (1, 2, 3):
            d = _structs.ConvDesc()
            _lib.lib().clconv_conv_desc_init(d, rank)
            self.assertEqual((d.rank, d.batch, d.groups), (rank, 1, 1))
            self.assertEqual(list(d.strides)[:rank], [1] * rank)
            self.assertEqual(list(d.dilations)[:rank], [1] * rank)
            # The library reads back what ctypes wrote: output shape of a
            # 2-wide kernel over 9 with stride 2 and pads 1, 0 in the last axis.
            d.in_channels, d.out_channels = 3, 5
            for i in range(rank):
                d.in_size[i], d.kernel_size[i] = 9, 2
            d.strides[rank - 1], d.pads_begin[rank - 1] = 2, 1
            o = (ctypes.c_int * 3)()
            _lib.check(_lib.lib().clconv_conv_output_shape(d, o))
            self.assertEqual(list(o)[:rank], [8] * (rank - 1) + [5])
            self.assertEqual(_lib.lib().clconv_conv_flops(d), 2.0 * 5 * 3 * 2 ** rank * 8 ** (rank - 1) * 5)

    def test_deform_conv_desc_defaults_round_trip(self):
        L = _lib.lib()
        d = _structs.DeformConvDesc()
        L.clconv_deform_conv_desc_init(d)
        self.assertEqual((d.rank, d.batch, d.groups, d.offset_groups), (2, 1, 1, 1))
        self.assertEqual((list(d.strides), list(d.dilations)), ([1, 1], [1, 1]))
        self.assertEqual((d.has_mask, d.has_bias), (0, 0))
        # The library reads back every field ctypes wrote: N 2, C 4, K 6,
        # 9x10 input, 3x2 kernel, stride 2 in W, pads (1, 0, 0, 1), 2 groups,
        # 2 offset groups, a mask.
        d.batch, d.in_channels, d.out_channels = 2, 4, 6
        d.in_size[0], d.in_size[1] = 9, 10
        d.kernel_size[0], d.kernel_size[1] = 3, 2
        d.strides[1], d.pads_begin[0], d.pads_end[1] = 2, 1, 1
        d.groups, d.offset_groups, d.has_mask = 2, 2, 1
        o = (ctypes.c_int * 2)()
        _lib.check(L.clconv_deform_conv_output_shape(d, o))
        self.assertEqual(list(o), [8, 5])  # (9+1-3)/1+1, (10+1-2)/2+1
        self.assertEqual(L.clconv_deform_conv_input_elems(d), 2 * 4 * 9 * 10)
        self.assertEqual(L.clconv_deform_conv_weight_elems(d), 6 * 2 * 3 * 2)
        self.assertEqual(L.clconv_deform_conv_offset_elems(d), 2 * (2 * 2 * 6) * 8 * 5)
        self.assertEqual(L.clconv_deform_conv_mask_elems(d), 2 * (2 * 6) * 8 * 5)
        self.assertEqual(L.clconv_deform_conv_output_elems(d), 2 * 6 * 8 * 5)
        self.assertEqual(L.clconv_deform_conv_flops(d), 2.0 * 2 * 6 * 8 * 5 * 2 * 3 * 2)
        d.has_mask = 0
        self.assertEqual(L.clconv_deform_conv_mask_elems(d), 0)
        # The last fields: a clip with min > max is rejected by name.
        d.activation, d.activation_alpha, d.activation_beta = _structs.ACT_CLIP, 1.0, 0.5
        with self.assertRaisesRegex(clconv.InvalidArgument, "activation_alpha"):
            _lib.check(L.clconv_deform_conv_output_shape(d, o))

    def test_offsets_match_the_compiler(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        inc = _version_header_dir()
        if not cc or not inc:
            self.skipTest("no C compiler or no generated clconv_version.h")
        lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "clconv.h"',
                 'int main(void) {']
        for cname, st in STRUCTS.items():
            lines.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
            for fname, _ in st._fields_:
                lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                             % (cname, fname, cname, fname))
        lines.append("return 0; }")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "layout.c"), os.path.join(d, "layout")
            with open(src, "w") as f:
                f.write("\n".join(lines))
            r = subprocess.run([cc, "-std=c11", "-I", os.path.join(REPO, "include"), "-I", inc,
                                src, "-o", exe], capture_output=True, text=True)
            if r.returncode:
                self.skipTest("cannot compile against clconv.h: " + r.stderr[-300:])
            out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
        got = dict(line.rsplit(" ", 1) for line in out.splitlines())
        for cname, st in STRUCTS.items():
            self.assertEqual(int(got[cname]), ctypes.sizeof(st), "sizeof(%s)" % cname)
            for fname, _ in st._fields_:
                self.assertEqual(int(got["%s.%s" % (cname, fname)]), getattr(st, fname).offset,
                                 "offsetof(%s, %s)" % (cname, fname))


if __name__ == "__main__":
    unittest.main()
