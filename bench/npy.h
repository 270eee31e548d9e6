/* NumPy .npy files of float32, the tensor exchange format of clconv-bench.
 *
 * Reads versions 1.0, 2.0 and 3.0 with dtype '<f4' in C order; anything
 * else (another dtype, Fortran order, a truncated or garbled header, a data
 * size that does not match the shape, a shape whose size overflows) is a
 * clean error whose message names the file and the problem.  Writes version
 * 1.0 through a temporary file in the same directory that is renamed at
 * the end, so a failed write never leaves a partial file behind. */
#ifndef CLCONV_BENCH_NPY_H
#define CLCONV_BENCH_NPY_H
#include <stddef.h>
#include <stdio.h>

#define NPY_MAX_DIMS 8

typedef struct npy_array {
    int ndim; /* 0 for a scalar */
    size_t shape[NPY_MAX_DIMS];
    size_t count; /* product of shape (1 for a scalar) */
    float *data;  /* malloc'ed, count floats */
} npy_array;

/* 0 on success; else -1 and a message "PATH: problem" in err. */
int npy_load(const char *path, npy_array *a, char *err, size_t err_len);
/* 0 on success; else -1, a message in err, and no file at path (nor a
 * temporary) was created or changed. */
int npy_save(const char *path, int ndim, const size_t *shape, const float *data, char *err,
             size_t err_len);
void npy_free(npy_array *a);
/* Writes a whole version 1.0 file to an open stream (see outfile.h for the
 * atomic temporary); 0 on success. */
int npy_write(FILE *f, int ndim, const size_t *shape, const float *data);

/* "1x3x224x224" for messages. */
void npy_shape_string(int ndim, const size_t *shape, char *buf, size_t n);

#endif
