/* Built programs, cached per context in memory and on disk as binaries.
 *
 * A program is keyed by (kernel file, build options); the disk key adds the
 * device, platform, driver and library version and a hash of the sources,
 * so a stale or foreign file can never be used.  Disk files are written to
 * a temporary name and renamed; anything unreadable, truncated, for another
 * key, or rejected by the driver is ignored and rebuilt from source, and
 * so is a file someone else could have written (secure_file.c). */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct program_entry {
    char *file;
    char *options;
    cl_program program;
    program_entry *next;
};

#define CACHE_MAGIC "CLCONVPB"
#define CACHE_FORMAT 2u /* 2: the checksum covers the key text too */
#define MAX_BINARY ((size_t)1 << 30)

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

static const clconv_kernel_source *find_source(const char *name)
{
    for (const clconv_kernel_source *s = clconv_kernel_sources; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

typedef struct {
    char *key;     /* full text key, stored in the file and compared */
    uint64_t hash; /* of key, names the file */
    char name[32]; /* the file's name in the cache directory */
    char path[1200];
} disk_key;

static int disk_key_make(const clconv_context *ctx, const clconv_kernel_source *common,
                         const clconv_kernel_source *src, const char *options, disk_key *k)
{
    uint64_t sh = fnv1a(FNV_INIT, common->source, common->length);
    sh = fnv1a(sh, src->source, src->length);
    size_t n = strlen(ctx->cache_key_device) + strlen(src->name) + strlen(options) + 96;
    k->key = malloc(n);
    if (!k->key)
        return 0;
    snprintf(k->key, n, "%s file=%s options=%s sources=%016llx", ctx->cache_key_device,
             src->name, options, (unsigned long long)sh);
    k->hash = fnv1a(FNV_INIT, k->key, strlen(k->key));
    snprintf(k->name, sizeof k->name, "%016llx.bin", (unsigned long long)k->hash);
    snprintf(k->path, sizeof k->path, "%s/%s", ctx->cache_dir, k->name);
    return 1;
}

static int read_exact(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }

/* The binary stored for k, or NULL (missing, corrupt, foreign, or in a
 * file someone else could have written: secure_file.c). */
static unsigned char *disk_load(clconv_context *ctx, const disk_key *k, size_t *size)
{
    char why[1400] = "";
    FILE *f = NULL;
    int dfd = clconv_secure_dir_open(ctx->cache_dir, ctx->trust_shared_cache, why, sizeof why);
    if (dfd >= 0) {
        int fd = clconv_secure_open_at(dfd, ctx->cache_dir, k->name, ctx->trust_shared_cache, why,
                                       sizeof why);
        close(dfd);
        if (fd >= 0 && !(f = fdopen(fd, "rb")))
            close(fd);
    } else if (access(ctx->cache_dir, F_OK) != 0) {
        why[0] = '\0'; /* no cache directory yet */
    }
    if (!f) {
        if (why[0])
            clconv_log_refusal(ctx, why);
        return NULL;
    }
    unsigned char *bin = NULL;
    char magic[8];
    uint32_t fmt, keylen;
    uint64_t hash, bsize, bsum;
    char *key = NULL;
    if (!read_exact(f, magic, 8) || memcmp(magic, CACHE_MAGIC, 8) || !read_exact(f, &fmt, 4) ||
        fmt != CACHE_FORMAT || !read_exact(f, &hash, 8) || hash != k->hash ||
        !read_exact(f, &keylen, 4) || keylen != strlen(k->key))
        goto bad;
    key = malloc(keylen);
    if (!key || !read_exact(f, key, keylen) || memcmp(key, k->key, keylen))
        goto bad;
    if (!read_exact(f, &bsize, 8) || !read_exact(f, &bsum, 8) || bsize == 0 || bsize > MAX_BINARY)
        goto bad;
    bin = malloc((size_t)bsize);
    /* The checksum covers key and binary: an intact key in front of another
     * entry's binary (a swapped or spliced file) is rejected. */
    if (!bin || !read_exact(f, bin, (size_t)bsize) ||
        fnv1a(fnv1a(FNV_INIT, k->key, keylen), bin, (size_t)bsize) != bsum)
        goto bad;
    if (fgetc(f) != EOF) /* trailing garbage: not ours */
        goto bad;
    free(key);
    fclose(f);
    *size = (size_t)bsize;
    return bin;
bad:
    free(key);
    free(bin);
    fclose(f);
    return NULL;
}

static void disk_store(clconv_context *ctx, const disk_key *k, cl_program prog)
{
    size_t bsize = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bsize, &bsize, NULL) != CL_SUCCESS ||
        bsize == 0 || bsize > MAX_BINARY)
        return;
    unsigned char *bin = malloc(bsize);
    if (!bin)
        return;
    unsigned char *bins[1] = {bin};
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) != CL_SUCCESS) {
        free(bin);
        return;
    }
    /* Private: the directory 0700 (when clconv creates it), the file 0600,
     * written under a fresh name (O_EXCL, no symlink followed) and renamed,
     * all relative to the directory descriptor that was checked: nothing is
     * written where nothing would be read back. */
    char why[1400] = "";
    int dfd = clconv_secure_dir_open_ex(ctx->cache_dir, ctx->trust_shared_cache, 1, why, sizeof why);
    if (dfd < 0) {
        if (why[0])
            clconv_log_refusal(ctx, why);
        free(bin);
        return;
    }
    unsigned rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (unsigned)rand();
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%08x", k->name, (long)getpid(), rnd);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    const int created = fd >= 0;
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    int ok = f != NULL;
    if (f) {
        uint32_t fmt = CACHE_FORMAT, keylen = (uint32_t)strlen(k->key);
        uint64_t b64 = bsize, sum = fnv1a(fnv1a(FNV_INIT, k->key, keylen), bin, bsize);
        ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(&fmt, 4, 1, f) == 1 &&
             fwrite(&k->hash, 8, 1, f) == 1 && fwrite(&keylen, 4, 1, f) == 1 &&
             fwrite(k->key, 1, keylen, f) == keylen && fwrite(&b64, 8, 1, f) == 1 &&
             fwrite(&sum, 8, 1, f) == 1 && fwrite(bin, 1, bsize, f) == bsize;
        ok = (fclose(f) == 0) && ok;
    }
    if (ok && renameat(dfd, tmp, dfd, k->name) == 0)
        clconv_log(ctx, "clconv: cache write %s", k->path);
    else {
        const int e = errno;
        if (created) /* never remove what someone else put there */
            unlinkat(dfd, tmp, 0);
        clconv_log(ctx, "clconv: cache write failed for %s: %s", k->path, strerror(e));
    }
    close(dfd);
    free(bin);
}

static clconv_status build_log_fail(clconv_context *ctx, cl_program prog, const char *file,
                                    const char *options, cl_int err)
{
    char log[1600] = "";
    size_t n = 0;
    clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, &n);
    log[sizeof log - 1] = '\0';
    clconv_log(ctx, "clconv: build of %s failed:\n%s", file, log);
    return clconv_fail(CLCONV_BUILD_ERROR, "clconv: building kernels/%s with \"%s\" failed (%s): %s",
                       file, options, clconv_cl_error_name(err), log);
}

/* from_disk: may load the binary from the disk cache (else source only,
 * and the disk entry is rewritten). */
static clconv_status build_program(clconv_context *ctx, const char *file, const char *options,
                                   int from_disk, cl_program *out)
{
    const clconv_kernel_source *common = find_source("common.cl"), *src = find_source(file);
    if (!common || !src)
        return clconv_fail(CLCONV_BUILD_ERROR, "clconv: kernel file %s is not embedded", file);
    char full[2048];
    snprintf(full, sizeof full, "%s %s", CLCONV_COMMON_OPTIONS, options);
    disk_key k = {0};
    int use_disk = ctx->disk_cache && disk_key_make(ctx, common, src, full, &k);
    cl_int err;
    cl_program prog = NULL;
    if (use_disk && from_disk) {
        size_t bsize;
        unsigned char *bin = disk_load(ctx, &k, &bsize);
        if (bin) {
            const unsigned char *bins[1] = {bin};
            cl_int bstatus;
            prog = clCreateProgramWithBinary(ctx->cl_ctx, 1, &ctx->device, &bsize, bins, &bstatus,
                                             &err);
            free(bin);
            if (prog && (bstatus != CL_SUCCESS ||
                         clBuildProgram(prog, 1, &ctx->device, full, NULL, NULL) != CL_SUCCESS)) {
                clReleaseProgram(prog);
                prog = NULL;
            }
            clconv_log(ctx, "clconv: cache %s %s [%s]", prog ? "hit" : "rejected", file, options);
        } else {
            clconv_log(ctx, "clconv: cache miss %s [%s]", file, options);
        }
    }
    if (!prog) {
        const char *srcs[2] = {common->source, src->source};
        size_t lens[2] = {common->length, src->length};
        prog = clCreateProgramWithSource(ctx->cl_ctx, 2, srcs, lens, &err);
        if (!prog) {
            free(k.key);
            return clconv_cl_fail("clconv: program", "clCreateProgramWithSource", err);
        }
        err = clBuildProgram(prog, 1, &ctx->device, full, NULL, NULL);
        if (err != CL_SUCCESS) {
            clconv_status st = build_log_fail(ctx, prog, file, full, err);
            clReleaseProgram(prog);
            free(k.key);
            return st;
        }
        if (use_disk)
            disk_store(ctx, &k, prog);
    }
    free(k.key);
    *out = prog;
    return CLCONV_SUCCESS;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

clconv_status clconv_get_program(clconv_context *ctx, const char *file, const char *options,
                                 cl_program *program)
{
    if (!options)
        options = "";
    clconv_status st = CLCONV_SUCCESS;
    pthread_mutex_lock(&ctx->lock);
    program_entry *e;
    for (e = ctx->programs; e; e = e->next)
        if (!strcmp(e->file, file) && !strcmp(e->options, options))
            break;
    if (!e) {
        /* Built under the lock: two plans needing one program build it once. */
        cl_program prog;
        st = build_program(ctx, file, options, 1, &prog);
        if (!st) {
            e = calloc(1, sizeof *e);
            if (e && (e->file = dup_str(file)) && (e->options = dup_str(options))) {
                e->program = prog;
                e->next = ctx->programs;
                ctx->programs = e;
            } else {
                if (e) {
                    free(e->file);
                    free(e);
                    e = NULL;
                }
                clReleaseProgram(prog);
                st = clconv_fail(CLCONV_OUT_OF_MEMORY, "clconv: out of host memory");
            }
        }
    }
    /* Retained for the caller: another thread may replace the entry's
     * program (rebuild_from_source) while this one creates a kernel. */
    if (e) {
        cl_int err = clRetainProgram(e->program);
        if (err == CL_SUCCESS)
            *program = e->program;
        else
            st = clconv_cl_fail("clconv", "clRetainProgram", err);
    }
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

/* A program loaded from the disk cache whose kernels cannot be created
 * (a binary the driver accepted but cannot use): rebuilt from source,
 * replacing the in-memory entry and the disk file, so the error is not
 * permanent. */
static clconv_status rebuild_from_source(clconv_context *ctx, const char *file,
                                         const char *options, cl_program *program)
{
    pthread_mutex_lock(&ctx->lock);
    program_entry *e;
    for (e = ctx->programs; e; e = e->next)
        if (!strcmp(e->file, file) && !strcmp(e->options, options))
            break;
    cl_program prog = NULL;
    clconv_status st = build_program(ctx, file, options, 0, &prog);
    if (!st && e) {
        /* kernels made from the old program keep it alive until released */
        clReleaseProgram(e->program);
        e->program = prog;
    } else if (!st) {
        clReleaseProgram(prog);
        st = clconv_fail(CLCONV_BUILD_ERROR, "clconv: program %s vanished from the cache", file);
    }
    if (!st) {
        cl_int err = clRetainProgram(prog); /* the caller's reference, as above */
        if (err == CL_SUCCESS)
            *program = prog;
        else
            st = clconv_cl_fail("clconv", "clRetainProgram", err);
    }
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

clconv_status clconv_create_kernel(clconv_context *ctx, const char *file, const char *options,
                                   const char *name, cl_kernel *kernel)
{
    if (!options)
        options = "";
    cl_program prog;
    clconv_status st = clconv_get_program(ctx, file, options, &prog);
    if (st)
        return st;
    cl_int err;
    *kernel = clCreateKernel(prog, name, &err);
    clReleaseProgram(prog); /* a kernel keeps its program alive */
    if (!*kernel && err != CL_OUT_OF_HOST_MEMORY && err != CL_OUT_OF_RESOURCES &&
        ctx->disk_cache) {
        clconv_log(ctx, "clconv: kernel %s of a cached %s: %s; rebuilding from source", name, file,
                   clconv_cl_error_name(err));
        if ((st = rebuild_from_source(ctx, file, options, &prog)))
            return st;
        *kernel = clCreateKernel(prog, name, &err);
        clReleaseProgram(prog);
    }
    if (!*kernel) {
        if (err == CL_OUT_OF_HOST_MEMORY || err == CL_OUT_OF_RESOURCES)
            return clconv_fail(CLCONV_OUT_OF_MEMORY, "clconv: kernel %s in %s: clCreateKernel: %s",
                               name, file, clconv_cl_error_name(err));
        return clconv_fail(CLCONV_BUILD_ERROR, "clconv: kernel %s in %s: clCreateKernel: %s", name,
                           file, clconv_cl_error_name(err));
    }
    return CLCONV_SUCCESS;
}

void clconv_program_cache_release(clconv_context *ctx)
{
    program_entry *e = ctx->programs;
    while (e) {
        program_entry *next = e->next;
        clReleaseProgram(e->program);
        free(e->file);
        free(e->options);
        free(e);
        e = next;
    }
    ctx->programs = NULL;
}
