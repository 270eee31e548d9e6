#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/NAME/ (small valid inputs,
plus a few near-misses); run from anywhere, python3 only (no numpy).  The
ONNX seeds are copied from the libonnx-testdata package when it is there.
The files are committed; run this again after changing an input format."""
import os, shutil, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ONNX = "/usr/share/libonnx-testdata/data/node"


def put(name, fname, data):
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- .npy: versions 1.0, 2.0, 3.0 ---------------------------------------------
def npy(major, header, floats, pad=True):
    h = header.encode("latin1" if major < 3 else "utf8")
    pre = 10 if major == 1 else 12
    if pad:
        h += b" " * ((64 - (pre + len(h) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h + struct.pack("<%df" % len(floats), *floats)


D = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"
put("npy", "v1_vector", npy(1, D % "(3,)", [1.0, -2.5, 3.0]))
put("npy", "v1_scalar", npy(1, D % "()", [7.0]))
put("npy", "v1_nchw", npy(1, D % "(1, 2, 2, 2)", [float(i) for i in range(8)]))
put("npy", "v1_empty", npy(1, D % "(0, 5)", []))
put("npy", "v1_long_suffix", npy(1, D % "(2L, 1L)", [0.5, 0.25]))
put("npy", "v1_key_order", npy(1, "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", [1, 2]))
put("npy", "v2_matrix", npy(2, D % "(2, 3)", [1, 2, 3, 4, 5, 6]))
put("npy", "v3_utf8", npy(3, '{"descr": "<f4", "fortran_order": False, "shape": (1, 2)}', [1, 2]))
put("npy", "bad_f8", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", [0, 0]))
put("npy", "bad_fortran", npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", [1, 2]))
put("npy", "bad_truncated", npy(1, D % "(4,)", [1, 2]))

# ---- benchdnn: flag byte (bit 0 deconv, bits 1-2 mb) + text -------------------
bd = {
    "resnet_conv1": (0, 'mb1ic3ih224oc64oh112kh7sh2ph3n"resnet50:conv1"'),
    "resnet_1x1": (0, 'mb1ic64ih56oc64oh56kh1ph0n"resnet50:l1_reduce_first"'),
    "mnv2_dw": (0, 'mb1_g32ic32oc32_ih112kh3ph1n"mnv2:112_dw32"'),
    "mnv2_stem": (2, 'mb1_ic3oc32_ih224oh112kh3sh2ph1n"mnv2:stem_s2"'),
    "deconv_up": (1, 'mb1ic512ih4oc256oh8kh4sh2ph1n"dcgan:up_8"'),
    "conv1d": (0, "ic16iw32oc16ow30kw3"),
    "conv3d": (0, "ic3id16ih112iw112oc64od16oh56ow56kd3kh7kw7sd1sh2sw2pd1ph3pw3"),
    "dilated": (0, "ic8ih20oc8oh16kh3dh1"),
    "batch": (0, "# a batch\n--mb=1,2 --dir=FWD_B --dt=f32\nic3ih8oc4kh3ph1n\"a\" \\\n"
                 "--reset\n--deconv ic4iw5ow10oc2kw2sw2\n--conv ic2ih3oc2kh2\n"),
    "include": (0, "--batch=a\n--batch=b\n"),
    "include_cycle": (0, "--batch=cycle"),
    "include_deep": (0, "--batch=c0"),
    "mb_forced": (6, "mb8ic3ih5oc2kh3"),
}
for name, (flags, text) in bd.items():
    put("benchdnn", name, bytes([flags]) + text.encode())

# TSV suite tables (flag bit 5): the head of shipped suites.
SUITES = os.path.join(HERE, "..", "..", "bench", "suites")
for name, lines in (("smoke", 16), ("dcn", 14), ("r3d_18", 12), ("unet", 12)):
    p = os.path.join(SUITES, name + ".tsv")
    if os.path.isfile(p):
        with open(p, "rb") as f:
            put("benchdnn", "tsv_" + name, b"\x20" + b"".join(f.readlines()[:lines]))

# ---- params: device byte, mode byte (bit 0 apply), text -----------------------
params = [
    (0x00, 0, "direct_oc_block=8,class=gpu"),
    (0x01, 0, "class=cpu,direct_w_block=4,direct_lws_x=16,direct_lws_y=4,direct_lws_z=1"),
    (0x02, 0, "class=other"),
    (0x04, 0, "wino_k_block=8,wino_t_block=4,wino_lws=8"),
    (0x05, 1, "dw_vec=4,dw_rows=2,dw_lws_x=1,dw_lws_y=1,dw_lws_z=64"),
    (0x08, 1, "igemm_mwg=64,igemm_nwg=32,igemm_kwg=16,igemm_mdimc=8,igemm_ndimc=8,igemm_vwn=4,"
              "igemm_sa=1,igemm_sb=0"),
    (0x03, 3, "lws_1d=128,layout_lws_z=16,,"),
    (0x10, 1, "class=gpu"),
    (0x00, 0, "direct_oc_block=33"),
]
for i, (dev, mode, text) in enumerate(params):
    put("params", "p%02d" % i, bytes([dev, mode]) + text.encode())


# ---- desc: the byte layout of fuzz_desc.c's make_desc -------------------------
def desc(rank, transposed=0, bias=0, auto_pad=0, act=0, ab=(), batch=1, groups=1,
         cpg=1, kpg=1, shape=False, axes=()):
    b = [(rank - 1) | transposed << 2 | bias << 3, auto_pad | act << 2]
    if act in (2, 3):
        b += list(ab)
    b += [batch - 1, groups - 1, (cpg - 1) << 1 | (kpg - 1) << 3, 3 if shape else 0]
    for i in range(3):
        a = axes[i] if i < len(axes) else {}
        b += [a.get("in", 1) - 1, a.get("k", 1) - 1, a.get("s", 1) - 1, a.get("d", 1) - 1,
              a.get("pb", 0), a.get("pe", 0), a.get("op", 0)]
        if transposed and shape:
            b += [a.get("os", 1) - 1]
    return bytes(b)


put("desc", "conv2d_3x3", desc(2, bias=1, cpg=2, kpg=3,
                               axes=[{"in": 5, "k": 3, "pb": 1, "pe": 1}] * 2))
put("desc", "conv2d_stride_asym", desc(2, axes=[{"in": 7, "k": 3, "s": 2, "pb": 1, "pe": 2},
                                                {"in": 6, "k": 2, "s": 3, "pe": 1}]))
put("desc", "conv1d_dilated_relu", desc(1, act=1, axes=[{"in": 7, "k": 3, "d": 2}]))
put("desc", "conv3d_groups", desc(3, groups=2, cpg=2, kpg=1,
                                  axes=[{"in": 3, "k": 2}, {"in": 4, "k": 2}, {"in": 3, "k": 1}]))
put("desc", "conv2d_same_upper", desc(2, auto_pad=1, axes=[{"in": 5, "k": 4, "s": 2}] * 2))
put("desc", "conv2d_same_lower_clip", desc(2, auto_pad=2, act=2, ab=(0, 4),
                                          axes=[{"in": 4, "k": 3}] * 2))
put("desc", "deconv2d_stride", desc(2, transposed=1, bias=1,
                                    axes=[{"in": 3, "k": 3, "s": 2, "pb": 1, "op": 1}] * 2))
put("desc", "deconv1d_output_shape", desc(1, transposed=1, shape=True,
                                          axes=[{"in": 4, "k": 3, "s": 2, "os": 10}]))
put("desc", "deconv2d_same_leaky", desc(2, transposed=1, auto_pad=1, act=3, ab=(5, 0),
                                       groups=2, axes=[{"in": 3, "k": 2, "s": 2, "d": 2}] * 2))
put("desc", "deconv3d_valid", desc(3, transposed=1, auto_pad=3,
                                   axes=[{"in": 2, "k": 2}, {"in": 2, "k": 3, "s": 2}, {"in": 2}]))
put("desc", "extreme_int_max", desc(2)[:6] + bytes([232 + 4, 232 + 4, 0, 0, 0, 0, 0]) +
    desc(2)[13:])

# ---- onnx: byte 0 (bit 0: tensor) + a backend node test's files ---------------
def varint(buf, i):
    v, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def tensor_dims(buf):
    """TensorProto.dims (field 1, packed or not) of a small tensor file."""
    dims, i = [], 0
    while i < len(buf):
        tag, i = varint(buf, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            v, i = varint(buf, i)
            if field == 1:
                dims.append(v)
        elif wire == 2:
            n, i = varint(buf, i)
            if field == 1:
                j = i
                while j < i + n:
                    v, j = varint(buf, j)
                    dims.append(v)
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError("wire type %d" % wire)
    return dims


def shape_header(dims):
    """fuzz_onnx.c's conv mode: rank byte, then a byte per dim (< 0xF0)."""
    assert all(d < 0xF0 for d in dims)
    return bytes([len(dims)] + dims)


if os.path.isdir(ONNX):
    for case in ("test_conv_with_strides_and_asymmetric_padding", "test_convtranspose_pads",
                 "test_convtranspose_output_shape", "test_conv_with_autopad_same",
                 "test_convtranspose_3d", "test_depthtospace_crd_mode_example"):
        p = os.path.join(ONNX, case)
        if not os.path.isdir(p):
            continue
        with open(os.path.join(p, "model.onnx"), "rb") as f:
            model = f.read()
        put("onnx", case + ".model", b"\x00" + model)
        shapes = []
        for t in ("input_0.pb", "input_1.pb"):
            q = os.path.join(p, "test_data_set_0", t)
            if os.path.isfile(q) and os.path.getsize(q) < 4096:
                with open(q, "rb") as f:
                    tensor = f.read()
                put("onnx", case + "." + t, b"\x01" + tensor)
                shapes.append(tensor_dims(tensor))
        # conv mode (byte 0 bit 1): X and W shapes, no bias, then the model
        if "_conv" in case and len(shapes) == 2:
            put("onnx", case + ".conv", b"\x02" + shape_header(shapes[0]) +
                shape_header(shapes[1]) + b"\x00" + model)
else:
    print("make_corpus.py: %s missing; onnx seeds not written" % ONNX, file=sys.stderr)
