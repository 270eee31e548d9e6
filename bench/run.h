/* `clconv-bench run`: the options of one problem, shared by the
 * convolution path (cmd_run.c) and the DepthToSpace / SpaceToDepth path
 * (run_space_depth.c). */
#ifndef CLCONV_BENCH_RUN_H
#define CLCONV_BENCH_RUN_H
#include "clconv.h"
#include "npy.h"
#include "outfile.h"

#define RUN_MAX_LIST 8

typedef struct int_list {
    int n; /* 0: not given */
    int v[RUN_MAX_LIST];
} int_list;

typedef struct run_opts {
    const char *input, *weights, *bias, *output, *device;
    int transposed;
    int_list strides, pads, dilations, output_padding, output_shape;
    long group; /* 0: not given */
    clconv_auto_pad auto_pad;
    int have_auto_pad;
    clconv_activation act;
    float alpha, beta;
    int have_activation;
    clconv_algorithm algo;
    int have_algo;
    long time_reps; /* 0: --time not given */
    int random;
    int_list input_shape, weight_shape;
    unsigned long long seed;
    int check;
    /* DepthToSpace / SpaceToDepth */
    const char *op, *mode;
    long blocksize; /* 0: not given */
} run_opts;

/* An input tensor: loaded from a file or made from a shape with seeded
 * random values; `name` (the file or the option) is used in messages. */
typedef struct run_tensor {
    const char *name;
    npy_array a;
} run_tensor;

/* From --random and a shape list, or from a .npy file; exit code. */
int run_tensor_random(run_tensor *t, const char *name, const int_list *shape,
                      unsigned long long seed);
int run_tensor_load(run_tensor *t, const char *path);

int run_space_depth(const run_opts *o);
/* --op deform_conv: its own options (run_deform.c); argv as cmd_run got it. */
int run_deform(int argc, char **argv);

/* Writes y into `out` (opened before the work, so that an unwritable path
 * fails early) and renames it into place; on failure removes the
 * temporary.  Prints; returns an exit code. */
int run_write_output(bench_outfile *out, int ndim, const size_t *shape, const float *y);

/* Device time line, as both paths print it. */
void run_print_times(int reps, double median_ms, double min_ms, int wall_clock);

#endif
