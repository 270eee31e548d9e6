/* PLACEHOLDER until this algorithm lands: reports CLCONV_UNSUPPORTED. */
#include "internal.h"
#include <stdio.h>
static int not_yet(const clconv_context *c, const conv_problem *p, char *why, size_t n)
{ (void)c; (void)p; snprintf(why, n, "not built in this version"); return 0; }
const clconv_algo clconv_algo_winograd_f2x2 = {CLCONV_ALGO_WINOGRAD_F2X2, "winograd_f2x2", not_yet, NULL, NULL, NULL, NULL};
const clconv_algo clconv_algo_winograd_f4x4 = {CLCONV_ALGO_WINOGRAD_F4X4, "winograd_f4x4", not_yet, NULL, NULL, NULL, NULL};
