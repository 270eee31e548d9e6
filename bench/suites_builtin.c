/* GENERATED from bench/suites/smoke.tsv and standard.tsv, which are the
 * source of truth: edit them, then regenerate with the command in
 * bench/README.md ("Suites").  Embedded so that the binary runs its named
 * suites from any directory, installed or not; `clconv-bench suite --suite
 * NAME --print` prints the embedded text for a diff against the file.
 * One string per line keeps every literal far below C's 4095-byte minimum. */
#include "suite.h"
#include <stddef.h>

static const char *const smoke_lines[] = {
    "# clconv smoke suite: small layers, one or two per algorithm family, for CI (PoCL on 2 CPU cores: well under a minute, program builds included).",
    "# Sources: hand-made shapes that mirror the standard suite's families: 3x3 stride 1 and 2, 1x1, depthwise (MobileNet-v2), grouped (ResNeXt), atrous (DeepLab), k4s2 and k3s2 upsamplers (DCGAN, U-Net), 3D (C3D), and odd sizes that leave partial tiles.",
    "# type: conv2d | deconv2d (transposed conv, torch conv_transpose semantics) | conv3d",
    "# in_d/in_h/in_w: INPUT spatial size. For 2D layers the depth fields are 1 (k_d=1, s_d=1, p_d=0, dil_d=1, op_d=0).",
    "# Weights (torch layout): conv = [cout][cin/groups][k_d][k_h][k_w]; deconv = [cin][cout/groups][k_d][k_h][k_w].",
    "# op_* = output_padding (deconv only). Output sizes are derived, never stored.",
    "#name\ttype\tn\tcin\tcout\tin_d\tin_h\tin_w\tk_d\tk_h\tk_w\ts_d\ts_h\ts_w\tp_d\tp_h\tp_w\tdil_d\tdil_h\tdil_w\tgroups\top_d\top_h\top_w",
    "smoke_3x3\tconv2d\t1\t16\t16\t1\t32\t32\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "smoke_3x3_odd\tconv2d\t1\t7\t10\t1\t13\t17\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "smoke_3x3s2\tconv2d\t1\t16\t32\t1\t32\t32\t1\t3\t3\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "smoke_1x1\tconv2d\t1\t32\t64\t1\t16\t16\t1\t1\t1\t1\t1\t1\t0\t0\t0\t1\t1\t1\t1\t0\t0\t0",
    "smoke_dw\tconv2d\t1\t32\t32\t1\t28\t28\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t32\t0\t0\t0",
    "smoke_g4\tconv2d\t1\t32\t32\t1\t14\t14\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t4\t0\t0\t0",
    "smoke_dil2\tconv2d\t1\t16\t16\t1\t20\t20\t1\t3\t3\t1\t1\t1\t0\t2\t2\t1\t2\t2\t1\t0\t0\t0",
    "smoke_up_k4s2\tdeconv2d\t1\t16\t8\t1\t8\t8\t1\t4\t4\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "smoke_up_k3s2\tdeconv2d\t1\t8\t8\t1\t7\t7\t1\t3\t3\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t1\t1",
    "smoke_3d\tconv3d\t1\t8\t8\t6\t10\t10\t3\t3\t3\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    NULL,
};

static const char *const standard_lines[] = {
    "# clconv benchmark layer suite (the standard set every bench run reports). Batch (n) 1, fp32, NCHW / NCDHW, cross-correlation (deep-learning convention).",
    "# Sources: ResNet-50 (r50_), MobileNet-v2 depthwise (mv2_), ResNeXt-50 32x4d grouped (rx50_), DeepLab-v3 atrous (dl_), DCGAN generator and a k3s2 upsampler (dcgan_, up_), C3D and 3D U-Net (c3d_, unet3d_).",
    "# type: conv2d | deconv2d (transposed conv, torch conv_transpose semantics) | conv3d",
    "# in_d/in_h/in_w: INPUT spatial size. For 2D layers the depth fields are 1 (k_d=1, s_d=1, p_d=0, dil_d=1, op_d=0).",
    "# Weights (torch layout): conv = [cout][cin/groups][k_d][k_h][k_w]; deconv = [cin][cout/groups][k_d][k_h][k_w].",
    "# op_* = output_padding (deconv only). Output sizes are derived, never stored.",
    "#name\ttype\tn\tcin\tcout\tin_d\tin_h\tin_w\tk_d\tk_h\tk_w\ts_d\ts_h\ts_w\tp_d\tp_h\tp_w\tdil_d\tdil_h\tdil_w\tgroups\top_d\top_h\top_w",
    "r50_conv1\tconv2d\t1\t3\t64\t1\t224\t224\t1\t7\t7\t1\t2\t2\t0\t3\t3\t1\t1\t1\t1\t0\t0\t0",
    "r50_3x3_56\tconv2d\t1\t64\t64\t1\t56\t56\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "r50_3x3_28\tconv2d\t1\t128\t128\t1\t28\t28\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "r50_3x3_14\tconv2d\t1\t256\t256\t1\t14\t14\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "r50_3x3_7\tconv2d\t1\t512\t512\t1\t7\t7\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "r50_1x1_56\tconv2d\t1\t64\t256\t1\t56\t56\t1\t1\t1\t1\t1\t1\t0\t0\t0\t1\t1\t1\t1\t0\t0\t0",
    "r50_1x1_14\tconv2d\t1\t1024\t256\t1\t14\t14\t1\t1\t1\t1\t1\t1\t0\t0\t0\t1\t1\t1\t1\t0\t0\t0",
    "mv2_dw_112\tconv2d\t1\t32\t32\t1\t112\t112\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t32\t0\t0\t0",
    "mv2_dw_56s2\tconv2d\t1\t144\t144\t1\t56\t56\t1\t3\t3\t1\t2\t2\t0\t1\t1\t1\t1\t1\t144\t0\t0\t0",
    "mv2_dw_14\tconv2d\t1\t384\t384\t1\t14\t14\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t384\t0\t0\t0",
    "rx50_g32_56\tconv2d\t1\t128\t128\t1\t56\t56\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t32\t0\t0\t0",
    "rx50_g32_14\tconv2d\t1\t512\t512\t1\t14\t14\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t32\t0\t0\t0",
    "dl_d2\tconv2d\t1\t256\t256\t1\t33\t33\t1\t3\t3\t1\t1\t1\t0\t2\t2\t1\t2\t2\t1\t0\t0\t0",
    "dl_d6\tconv2d\t1\t256\t256\t1\t33\t33\t1\t3\t3\t1\t1\t1\t0\t6\t6\t1\t6\t6\t1\t0\t0\t0",
    "dcgan_up1\tdeconv2d\t1\t512\t256\t1\t8\t8\t1\t4\t4\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "dcgan_up2\tdeconv2d\t1\t256\t128\t1\t16\t16\t1\t4\t4\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "up_k3s2\tdeconv2d\t1\t64\t64\t1\t28\t28\t1\t3\t3\t1\t2\t2\t0\t1\t1\t1\t1\t1\t1\t0\t1\t1",
    "c3d_3a\tconv3d\t1\t64\t128\t8\t28\t28\t3\t3\t3\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    "unet3d_32\tconv3d\t1\t32\t32\t32\t32\t32\t3\t3\t3\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0\t0\t0",
    NULL,
};

const suite_builtin suite_builtins[] = {
    {"smoke", smoke_lines, 1},
    {"standard", standard_lines, 0},
    {NULL, NULL, 0},
};
