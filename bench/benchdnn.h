/* oneDNN benchdnn convolution problem descriptors and batch files, read
 * into clconv-bench suites (bench/suite.h) so that the suite runner runs
 * them.  The rules follow benchdnn's own parser (oneDNN
 * tests/benchdnn/conv/conv_aux.cpp and deconv/deconv_aux.cpp: str2desc;
 * common.cpp: sanitize_desc and batch) and oneDNN's consistency check
 * (src/common/convolution.cpp, deconvolution.cpp); bench/benchdnn.c's
 * header comment has the details.
 *
 * Descriptor, e.g. mb2_g1ic3oc64_ih224oh112kh7sh2ph3n"resnet_50:conv1":
 *   g mb ic oc, then [i o k s p d] x [d h w] (input, output, kernel,
 *   stride, begin pad, dilation), each followed by a decimal number, an
 *   optional '_' after each, and last an optional n"name".  Defaults: mb 2,
 *   g 1, stride 1, dilation 0 (benchdnn's dilation d is ONNX's d + 1),
 *   begin pad 0 or, when the output size is given, derived from it; a
 *   missing w copies h (square), missing h and w copy d (cubic); the end
 *   pad follows from the output size.
 *
 * Batch file: whitespace-separated tokens, a token starting with '#'
 * comments out the rest of its line, a token ending in '\' joins the next
 * one; --batch=FILE includes FILE (relative to the including file's
 * directory), --mb=N[,N...] sets the minibatch of the following problems
 * (0: the descriptor's own), --reset forgets it, --conv / --deconv select
 * the driver as on benchdnn's command line; every other --option is
 * benchdnn's (data types, directions, layouts, attributes), reported once
 * and ignored. */
#ifndef CLCONV_BENCH_BENCHDNN_H
#define CLCONV_BENCH_BENCHDNN_H
#include "suite.h"

#include <stddef.h>

/* The largest number a descriptor field or --mb may hold (2^24). */
#define BENCHDNN_MAX_VALUE (1L << 24)
/* How deep --batch= includes may nest. */
#define BENCHDNN_MAX_DEPTH 8

/* A benchdnn convolution descriptor -> clconv_conv_desc (ONNX semantics,
 * has_bias = 1, NCHW float32).  deconv: the descriptor is a deconvolution
 * (ONNX ConvTranspose).  mb > 0 overrides the minibatch (benchdnn's --mb).
 * Returns 0 on success, else -1 with the reason in why, naming the field
 * ("kh: missing kernel size").  name receives the n"..." name without its
 * quotes (truncated to name_len - 1), or "".  Every descriptor that
 * returns 0 also passed clconv_conv_output_shape(), which computes the
 * output size benchdnn computes. */
int benchdnn_parse(const char *text, int deconv, long mb, clconv_conv_desc *d, char *name,
                   size_t name_len, char *why, size_t why_len);

/* Loads problems into a suite (check_default = 1).  what is one
 * descriptor, or several tokens in batch-file syntax, when is_file = 0
 * (--batch= relative to the working directory; messages quote the token),
 * or a batch file's path when is_file = 1 (messages "FILE:LINE: ...").
 * deconv: the driver until a --conv / --deconv token.  mb > 0 overrides
 * the minibatch of every problem, the descriptors' and the files' --mb=
 * alike.  Layer names: the n"name" (made unique within the suite with
 * "#2", "#3"... and truncated to 63 characters), else "pN" for the N-th
 * problem (from 1) of the load; a problem run at several --mb= values
 * gets "@mbB" appended.  A problem that repeats an earlier one exactly
 * (same name and descriptor: what told them apart in benchdnn, --dir=,
 * --dt=..., is ignored) is loaded once, and the count said once.  Returns
 * an exit code: 0, 2 (BENCH_INVALID) for a bad token, file or include
 * (the message names it), 1 when out of memory.  On failure s is empty. */
int benchdnn_load(const char *what, int is_file, int deconv, long mb, suite *s);

/* The same for text already in memory (an embedded suite): label names it
 * in messages ("LABEL:LINE: ...") and in s->label; --batch= is relative to
 * the working directory. */
int benchdnn_load_text(const char *label, const char *text, int deconv, long mb, suite *s);

#endif
