/* libFuzzer target: the .npy reader of clconv-bench (bench/npy.c).
 *
 * npy_load reads only regular files, so each input is written to one
 * memfd (a regular file in memory) and loaded through /proc/self/fd/N.
 * A clean error must leave the array zeroed with a message naming the
 * path; a success must describe exactly the bytes after the header, and
 * npy_write of the result must load back to the same array. */
#define _GNU_SOURCE /* memfd_create, open_memstream */
#include "fuzz_check.h"
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int in_fd = -1, back_fd = -1;
static char in_path[64], back_path[64];

static void put(int fd, const void *data, size_t size)
{
    FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
    FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size, "pwrite failed");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    in_fd = memfd_create("fuzz_npy_in", 0);
    back_fd = memfd_create("fuzz_npy_back", 0);
    if (in_fd < 0 || back_fd < 0) {
        perror("fuzz_npy: memfd_create");
        exit(1);
    }
    snprintf(in_path, sizeof in_path, "/proc/self/fd/%d", in_fd);
    snprintf(back_path, sizeof back_path, "/proc/self/fd/%d", back_fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    put(in_fd, data, size);
    npy_array a;
    char err[512];
    memset(err, 0, sizeof err);
    if (npy_load(in_path, &a, err, sizeof err) != 0) {
        FUZZ_CHECK(a.data == NULL && a.ndim == 0 && a.count == 0, "failed load left data");
        FUZZ_CHECK(strncmp(err, in_path, strlen(in_path)) == 0 && err[strlen(in_path)] == ':',
                   "message does not name the file: '%s'", err);
        /* A tiny message buffer must truncate, not overflow. */
        char small[8];
        memset(small, 0x5a, sizeof small);
        FUZZ_CHECK(npy_load(in_path, &a, small, 4) != 0, "second load succeeded");
        FUZZ_CHECK(memchr(small, '\0', 4) != NULL && small[4] == 0x5a, "short err overflow");
        return 0;
    }

    /* Success: the shape, its product, and the data are the file's tail. */
    FUZZ_CHECK(a.ndim >= 0 && a.ndim <= NPY_MAX_DIMS, "ndim %d", a.ndim);
    size_t count = 1;
    for (int i = 0; i < a.ndim; i++)
        count *= a.shape[i]; /* cannot overflow: the file holds count floats */
    FUZZ_CHECK(count == a.count, "count %zu, shape product %zu", a.count, count);
    FUZZ_CHECK(a.data != NULL, "no data");
    FUZZ_CHECK(a.count * sizeof(float) <= size, "count %zu from %zu bytes", a.count, size);
    const size_t bytes = a.count * sizeof(float);
    FUZZ_CHECK(memcmp(a.data, data + size - bytes, bytes) == 0, "data differs from the file");

    char shape[64];
    npy_shape_string(a.ndim, a.shape, shape, (size_t)(size % sizeof shape));
    npy_shape_string(a.ndim, a.shape, shape, sizeof shape);

    /* Round trip through the writer. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    int wrc = npy_write(f, a.ndim, a.shape, a.data);
    fclose(f);
    FUZZ_CHECK(wrc == 0, "npy_write failed for shape %s", shape);
    put(back_fd, buf, len);
    free(buf);
    npy_array b;
    FUZZ_CHECK(npy_load(back_path, &b, err, sizeof err) == 0, "written file does not load: %s",
               err);
    FUZZ_CHECK(b.ndim == a.ndim && b.count == a.count &&
                   memcmp(b.shape, a.shape, sizeof a.shape) == 0,
               "round trip changed the shape %s", shape);
    FUZZ_CHECK(memcmp(a.data, b.data, bytes) == 0, "round trip changed the data");
    npy_free(&b);
    npy_free(&a);
    return 0;
}
