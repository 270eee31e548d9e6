/* Output files that appear whole or not at all: written to a temporary
 * beside the target (same directory, so rename() is atomic) and renamed at
 * commit; any failure removes the temporary.  A failed bench run therefore
 * never leaves a partial .npy or .csv behind, nor replaces an old one. */
#ifndef CLCONV_BENCH_OUTFILE_H
#define CLCONV_BENCH_OUTFILE_H
#include <stddef.h>
#include <stdio.h>

typedef struct bench_outfile {
    FILE *f;
    const char *path;
    char tmp[4096];
} bench_outfile;

/* 0 on success; else -1 and "PATH: problem" in err.  An existing PATH
 * that is not a regular file (a device such as /dev/null, a FIFO, a
 * directory, a socket) is refused: rename() would replace it. */
int outfile_open(bench_outfile *o, const char *path, char *err, size_t err_len);
/* 1 if path is absent or a regular file; else 0 and the reason in err. */
int outfile_target_ok(const char *path, char *err, size_t err_len);
/* 1 if both paths exist and are the same file (device and inode). */
int outfile_same_file(const char *a, const char *b);
/* Closes and renames; on any error removes the temporary. 0 on success. */
int outfile_commit(bench_outfile *o, char *err, size_t err_len);
/* Closes and removes the temporary. */
void outfile_abort(bench_outfile *o);
/* The whole file at once. */
int outfile_write(const char *path, const void *data, size_t len, char *err, size_t err_len);

#endif
