"""ctypes mirrors of the structs in include/clconv.h.

These are field-by-field ports, in header order, with the header's C types
(C enums are int on every ABI clconv builds for).  ctypes applies the same
alignment rules as the C compiler, so the layouts match as long as the
field lists do.  The header promises structs only grow at the end, so a
newer library stays compatible with these as long as its *_init functions
only write what this copy knows; check_layouts() (run when the library is
loaded) verifies that each init function writes exactly sizeof(Structure)
bytes and the documented defaults, which catches a field added, removed or
retyped on either side.
"""

import ctypes

MAX_RANK = 3

_i3 = ctypes.c_int * MAX_RANK

# clconv_auto_pad
AUTO_PAD = {"NOTSET": 0, "SAME_UPPER": 1, "SAME_LOWER": 2, "VALID": 3}
# clconv_activation
ACT_NONE, ACT_RELU, ACT_CLIP, ACT_LEAKY_RELU = 0, 1, 2, 3
# clconv_space_depth_op / clconv_depth_to_space_mode
DEPTH_TO_SPACE, SPACE_TO_DEPTH = 0, 1
MODE = {"DCR": 0, "CRD": 1}

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)
PROGRESS_FN = LOG_FN


class ConvDesc(ctypes.Structure):
    """clconv_conv_desc."""
    _fields_ = [
        ("rank", ctypes.c_int),
        ("batch", ctypes.c_int),
        ("in_channels", ctypes.c_int),
        ("out_channels", ctypes.c_int),
        ("in_size", _i3),
        ("kernel_size", _i3),
        ("strides", _i3),
        ("dilations", _i3),
        ("pads_begin", _i3),
        ("pads_end", _i3),
        ("auto_pad", ctypes.c_int),
        ("groups", ctypes.c_int),
        ("transposed", ctypes.c_int),
        ("output_padding", _i3),
        ("output_shape", _i3),
        ("has_bias", ctypes.c_int),
        ("activation", ctypes.c_int),
        ("activation_alpha", ctypes.c_float),
        ("activation_beta", ctypes.c_float),
    ]


class DeformConvDesc(ctypes.Structure):
    """clconv_deform_conv_desc (rank 2 only: its arrays have 2 entries)."""
    _fields_ = [
        ("rank", ctypes.c_int),
        ("batch", ctypes.c_int),
        ("in_channels", ctypes.c_int),
        ("out_channels", ctypes.c_int),
        ("in_size", ctypes.c_int * 2),
        ("kernel_size", ctypes.c_int * 2),
        ("strides", ctypes.c_int * 2),
        ("dilations", ctypes.c_int * 2),
        ("pads_begin", ctypes.c_int * 2),
        ("pads_end", ctypes.c_int * 2),
        ("groups", ctypes.c_int),
        ("offset_groups", ctypes.c_int),
        ("has_mask", ctypes.c_int),
        ("has_bias", ctypes.c_int),
        ("activation", ctypes.c_int),
        ("activation_alpha", ctypes.c_float),
        ("activation_beta", ctypes.c_float),
    ]


class ContextOptions(ctypes.Structure):
    """clconv_context_options."""
    _fields_ = [
        ("device", ctypes.c_char_p),
        ("cache_dir", ctypes.c_char_p),
        ("disable_disk_cache", ctypes.c_int),
        ("enable_profiling", ctypes.c_int),
        ("log", LOG_FN),
        ("log_user", ctypes.c_void_p),
        ("params", ctypes.c_char_p),
        ("tuning_db", ctypes.c_char_p),
        ("trust_shared_cache", ctypes.c_int),
        ("disable_system_tuning", ctypes.c_int),
    ]


class DeviceInfo(ctypes.Structure):
    """clconv_device_info."""
    _fields_ = [
        ("id", ctypes.c_char * 24),
        ("platform_index", ctypes.c_uint),
        ("device_index", ctypes.c_uint),
        ("platform", ctypes.c_void_p),
        ("device", ctypes.c_void_p),
        ("type", ctypes.c_char * 16),
        ("name", ctypes.c_char * 256),
        ("platform_name", ctypes.c_char * 256),
        ("version", ctypes.c_char * 128),
        ("driver", ctypes.c_char * 128),
        ("is_default", ctypes.c_int),
    ]


class SpaceDepthDesc(ctypes.Structure):
    """clconv_space_depth_desc."""
    _fields_ = [
        ("op", ctypes.c_int),
        ("batch", ctypes.c_int),
        ("channels", ctypes.c_int),
        ("height", ctypes.c_int),
        ("width", ctypes.c_int),
        ("blocksize", ctypes.c_int),
        ("mode", ctypes.c_int),
    ]


class TuneOptions(ctypes.Structure):
    """clconv_tune_options."""
    _fields_ = [
        ("runs", ctypes.c_int),
        ("budget_seconds", ctypes.c_double),
        ("save", ctypes.c_int),
        ("progress", PROGRESS_FN),
        ("progress_user", ctypes.c_void_p),
    ]


class FindResult(ctypes.Structure):
    """clconv_find_result."""
    _fields_ = [
        ("algorithm", ctypes.c_int),
        ("status", ctypes.c_int),
        ("time_ms", ctypes.c_double),
        ("workspace_bytes", ctypes.c_size_t),
        ("params", ctypes.c_char * 256),
        ("tuned", ctypes.c_int),
    ]


_SENTINEL = 0xA5
_SLACK = 64


def _init_into_guarded(struct_type, init):
    """Runs init(pointer) on a buffer sizeof(struct_type) + slack bytes long,
    pre-filled with a sentinel; returns (struct copy, bytes written past
    sizeof).  The init functions memset their whole C struct, so any slack
    byte overwritten means the C struct is larger than the mirror."""
    size = ctypes.sizeof(struct_type)
    buf = (ctypes.c_ubyte * (size + _SLACK))(*([_SENTINEL] * (size + _SLACK)))
    init(ctypes.cast(buf, ctypes.POINTER(struct_type)))
    past = sum(1 for i in range(size, size + _SLACK) if buf[i] != _SENTINEL)
    return struct_type.from_buffer_copy(bytes(buf[:size])), past


def check_layouts(lib):
    """Verifies the mirrors against the loaded library's init functions.
    Returns a list of problems (empty when the layouts agree)."""
    problems = []

    def expect(name, got, want):
        if got != want:
            problems.append("%s = %r, expected %r" % (name, got, want))

    for rank in (1, 2, 3):
        d, past = _init_into_guarded(ConvDesc, lambda p: lib.clconv_conv_desc_init(p, rank))
        expect("clconv_conv_desc: bytes past sizeof written", past, 0)
        expect("clconv_conv_desc.rank", d.rank, rank)
        expect("clconv_conv_desc.batch", d.batch, 1)
        expect("clconv_conv_desc.groups", d.groups, 1)
        expect("clconv_conv_desc.strides", list(d.strides)[:rank], [1] * rank)
        expect("clconv_conv_desc.dilations", list(d.dilations)[:rank], [1] * rank)
        for f in ("in_channels", "out_channels", "auto_pad", "transposed", "has_bias",
                  "activation", "activation_alpha", "activation_beta"):
            expect("clconv_conv_desc." + f, getattr(d, f), 0)
        for f in ("pads_begin", "pads_end", "output_padding", "output_shape", "in_size",
                  "kernel_size"):
            expect("clconv_conv_desc." + f, list(getattr(d, f))[:rank], [0] * rank)
    dd, past = _init_into_guarded(DeformConvDesc, lib.clconv_deform_conv_desc_init)
    expect("clconv_deform_conv_desc: bytes past sizeof written", past, 0)
    expect("clconv_deform_conv_desc.rank", dd.rank, 2)
    expect("clconv_deform_conv_desc.batch", dd.batch, 1)
    expect("clconv_deform_conv_desc.groups", dd.groups, 1)
    expect("clconv_deform_conv_desc.offset_groups", dd.offset_groups, 1)
    expect("clconv_deform_conv_desc.strides", list(dd.strides), [1, 1])
    expect("clconv_deform_conv_desc.dilations", list(dd.dilations), [1, 1])
    for f in ("in_channels", "out_channels", "has_mask", "has_bias", "activation",
              "activation_alpha", "activation_beta"):
        expect("clconv_deform_conv_desc." + f, getattr(dd, f), 0)
    for f in ("in_size", "kernel_size", "pads_begin", "pads_end"):
        expect("clconv_deform_conv_desc." + f, list(getattr(dd, f)), [0, 0])
    o, past = _init_into_guarded(ContextOptions, lib.clconv_context_options_init)
    expect("clconv_context_options: bytes past sizeof written", past, 0)
    expect("clconv_context_options zeroed", bytes(o), bytes(ctypes.sizeof(ContextOptions)))
    for op in (DEPTH_TO_SPACE, SPACE_TO_DEPTH):
        s, past = _init_into_guarded(SpaceDepthDesc,
                                     lambda p: lib.clconv_space_depth_desc_init(p, op))
        expect("clconv_space_depth_desc: bytes past sizeof written", past, 0)
        expect("clconv_space_depth_desc.op", s.op, op)
        expect("clconv_space_depth_desc.batch", s.batch, 1)
        expect("clconv_space_depth_desc.mode", s.mode, MODE["DCR"])
    t, past = _init_into_guarded(TuneOptions, lib.clconv_tune_options_init)
    expect("clconv_tune_options: bytes past sizeof written", past, 0)
    expect("clconv_tune_options.runs", t.runs, 5)
    expect("clconv_tune_options.save", t.save, 1)
    expect("clconv_tune_options.budget_seconds", t.budget_seconds, 0.0)
    return problems
