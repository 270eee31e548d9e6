/* PLACEHOLDER until this algorithm lands: reports CLCONV_UNSUPPORTED. */
#include "internal.h"
#include <stdio.h>
static int not_yet(const clconv_context *c, const conv_problem *p, char *why, size_t n)
{ (void)c; (void)p; snprintf(why, n, "not built in this version"); return 0; }
const clconv_algo clconv_algo_gemm = {CLCONV_ALGO_GEMM, "gemm", not_yet, NULL, NULL, NULL, NULL};
