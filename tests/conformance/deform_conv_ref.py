"""Deformable convolution (ONNX DeformConv opset 19 = torchvision
deform_conv2d) in float64 numpy, written from the operator's text and
independent of clconv's C reference: the sampling is vectorised over every
(n, offset group, tap, output pixel) with gathers, and the contraction is
one einsum per group.

deform_conv2d(x, w, offset, mask=None, bias=None, strides=(1, 1),
              pads=(0, 0, 0, 0), dilations=(1, 1), group=1, offset_group=1,
              activation=None)
  x[N][C][H][W], w[K][C/group][kH][kW], offset[N][2*og*kH*kW][oH][oW] (dy, dx
  pairs per tap), mask[N][og*kH*kW][oH][oW]; pads = (top, left, bottom, right);
  activation: None, ("relu",), ("clip", lo, hi) or ("leaky_relu", alpha).
"""
import numpy as np


def output_size(H, W, kH, kW, strides, pads, dilations):
    oH = (H + pads[0] + pads[2] - ((kH - 1) * dilations[0] + 1)) // strides[0] + 1
    oW = (W + pads[1] + pads[3] - ((kW - 1) * dilations[1] + 1)) // strides[1] + 1
    return oH, oW


def deform_conv2d(x, w, offset, mask=None, bias=None, strides=(1, 1), pads=(0, 0, 0, 0),
                  dilations=(1, 1), group=1, offset_group=1, activation=None):
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    N, C, H, W = x.shape
    K, Cg, kH, kW = w.shape
    OG = offset_group
    assert C % group == 0 and K % group == 0 and Cg == C // group and C % OG == 0
    oH, oW = output_size(H, W, kH, kW, strides, pads, dilations)
    off = np.asarray(offset, np.float64).reshape(N, OG, kH, kW, 2, oH, oW)
    # sampling points, shape (N, OG, kH, kW, oH, oW)
    base_y = (np.arange(oH) * strides[0] - pads[0])[None, :] + (np.arange(kH) * dilations[0])[:, None]
    base_x = (np.arange(oW) * strides[1] - pads[1])[None, :] + (np.arange(kW) * dilations[1])[:, None]
    py = base_y[None, None, :, None, :, None] + off[:, :, :, :, 0]
    px = base_x[None, None, None, :, None, :] + off[:, :, :, :, 1]
    with np.errstate(invalid="ignore"):
        inside = (py > -1) & (py < H) & (px > -1) & (px < W)
    py = np.where(inside, py, 0.0)
    px = np.where(inside, px, 0.0)
    y0 = np.floor(py)
    x0 = np.floor(px)
    ly, lx = py - y0, px - x0
    y0 = y0.astype(np.int64)
    x0 = x0.astype(np.int64)
    Cog = C // OG
    xr = x.reshape(N, OG, Cog, H * W)
    L = kH * kW * oH * oW
    col = np.zeros((N, OG, Cog, L))
    for dy in (0, 1):
        for dx in (0, 1):
            yi, xi = y0 + dy, x0 + dx
            wgt = (ly if dy else 1 - ly) * (lx if dx else 1 - lx)
            ok = inside & (yi >= 0) & (yi < H) & (xi >= 0) & (xi < W)
            idx = np.where(ok, np.clip(yi, 0, H - 1) * W + np.clip(xi, 0, W - 1), 0)
            vals = np.take_along_axis(xr, idx.reshape(N, OG, 1, L), axis=3)
            col += np.where(ok, wgt, 0.0).reshape(N, OG, 1, L) * vals
    if mask is not None:
        col *= np.asarray(mask, np.float64).reshape(N, OG, 1, L)
    col = col.reshape(N, group, Cg, kH, kW, oH * oW)
    wg = w.reshape(group, K // group, Cg, kH, kW)
    y = np.einsum("ngcijp,gkcij->ngkp", col, wg).reshape(N, K, oH, oW)
    if bias is not None:
        y = y + np.asarray(bias, np.float64).reshape(1, K, 1, 1)
    if activation:
        if activation[0] == "relu":
            y = np.maximum(y, 0)
        elif activation[0] == "clip":
            y = np.minimum(np.maximum(y, activation[1]), activation[2])
        elif activation[0] == "leaky_relu":
            y = np.where(y >= 0, y, activation[1] * y)
    return y
