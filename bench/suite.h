/* Benchmark suites: tab-separated layer tables (bench/suites/NAME.tsv), one
 * named layer per row, in the columns of /work/shared/bench-suite.tsv:
 *   name type n cin cout in_d in_h in_w k_d k_h k_w s_d s_h s_w
 *   p_d p_h p_w dil_d dil_h dil_w groups op_d op_h op_w
 * type is conv1d|conv2d|conv3d, deconv1d|deconv2d|deconv3d or deform2d;
 * deconv rows follow torch's conv_transpose: ONNX ConvTranspose with pads p
 * on both sides and output_padding op.  Unused leading axes of a
 * lower-rank layer must be trivial (size 1, kernel 1, stride 1, pad 0,
 * dilation 1, op 0).
 * An optional 25th column, count, says how many times the layer occurs in
 * its network (1 when absent), for whole-network totals.
 * deform2d rows are deformable convolutions (ONNX DeformConv, torchvision
 * deform_conv2d; clconv_deform_conv_desc): 2D, so in_d 1, k_d 1, s_d 1,
 * p_d 0, dil_d 1, and op_d, op_h, op_w all 0 (there is no transposed
 * form).  Their own attributes are two more columns, declared by the
 * header after the 24 (and count, when present):
 *   offset_groups  ONNX offset_group, >= 1, divides cin
 *   mask           0: v1 (no mask), 1: v2 / DCNv2 (modulation mask)
 * Conv and deconv rows of such a file have 0 in both.  A deform2d row of a
 * file without them is v1 with one offset group (the ONNX defaults).
 * '#' starts a comment line; a "#name\t..." header, if present, must list
 * exactly these columns (the 24, then optionally count, then optionally
 * offset_groups and mask), and then every row has as many.  Without a
 * header a row has the 24 columns or those and count. */
#ifndef CLCONV_BENCH_SUITE_H
#define CLCONV_BENCH_SUITE_H
#include "clconv.h"

typedef struct suite_layer {
    char name[64];
    char type[16];
    int line;  /* in the source, for messages */
    int count; /* occurrences in the network (count column), 1 by default */
    /* The convolution; for a deform2d row the ordinary convolution of the
     * same shapes (what it computes with zero offsets and a mask of ones),
     * which must not be run in its place: check `deform`. */
    clconv_conv_desc desc;
    int deform;                          /* 1: a deform2d row */
    clconv_deform_conv_desc deform_desc; /* the problem of a deform2d row */
} suite_layer;

typedef struct suite {
    char label[512];   /* builtin name or path */
    int check_default; /* --check unless told otherwise */
    int n;
    suite_layer *layers;
} suite;

/* bench/suites/NAME.tsv and NAME.benchdnn, embedded at build time (cmake/embed_files.cmake);
 * the table ends with a NULL name. */
typedef struct bench_embedded_file {
    const char *name; /* "smoke.tsv" */
    const char *source;
    size_t length;
} bench_embedded_file;
extern const bench_embedded_file bench_suite_files[];
/* The embedded NAME + ext ("standard", ".tsv"), or NULL. */
const bench_embedded_file *suite_find_builtin(const char *name, const char *ext);

/* Loads a builtin suite by name ("smoke", "standard"), or a file when
 * `what` names one (contains '/' or ends in ".tsv").  Every row is
 * validated with the library; on any problem prints "LABEL:LINE: ..." and
 * returns an exit code (2 for a bad file or row). */
int suite_load(const char *what, suite *s);
void suite_free(suite *s);
/* --layers NAME,PREFIX*,...: sets sel[i] for the selected layers (all of
 * them when spec is NULL); an entry that matches nothing is an error (a
 * typo would otherwise run nothing).  Exit code. */
int suite_select(const suite *s, const char *spec, char *sel);
/* Prints a builtin suite's embedded text; exit code. */
int suite_print_builtin(const char *name);

#endif
