/* TEMPORARY during development: algorithms not yet written report
 * CLCONV_UNSUPPORTED.  Each is removed from here when its algo_*.c lands. */
#include "internal.h"
#include <stdio.h>

static int not_yet(const clconv_context *c, const conv_problem *p, char *why, size_t n)
{
    (void)c; (void)p;
    snprintf(why, n, "this algorithm is not built in this version");
    return 0;
}
#define PLACEHOLDER(sym, ID, NAME) \
    const clconv_algo sym = {ID, NAME, not_yet, NULL, NULL, NULL, NULL};
PLACEHOLDER(clconv_algo_gemm, CLCONV_ALGO_GEMM, "gemm")
PLACEHOLDER(clconv_algo_winograd_f2x2, CLCONV_ALGO_WINOGRAD_F2X2, "winograd_f2x2")
PLACEHOLDER(clconv_algo_winograd_f4x4, CLCONV_ALGO_WINOGRAD_F4X4, "winograd_f4x4")
PLACEHOLDER(clconv_algo_depthwise, CLCONV_ALGO_DEPTHWISE, "depthwise")
PLACEHOLDER(clconv_algo_dilated_s2b, CLCONV_ALGO_DILATED_S2B, "dilated_s2b")
PLACEHOLDER(clconv_algo_deconv_d2s, CLCONV_ALGO_DECONV_D2S, "deconv_d2s")
