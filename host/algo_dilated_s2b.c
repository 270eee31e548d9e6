/* PLACEHOLDER until this algorithm lands: reports CLCONV_UNSUPPORTED. */
#include "internal.h"
#include <stdio.h>
static int not_yet(const clconv_context *c, const conv_problem *p, char *why, size_t n)
{ (void)c; (void)p; snprintf(why, n, "not built in this version"); return 0; }
const clconv_algo clconv_algo_dilated_s2b = {CLCONV_ALGO_DILATED_S2B, "dilated_s2b", not_yet, NULL, NULL, NULL, NULL};
