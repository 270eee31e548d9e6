/* The program disk cache and queue interop.
 *
 * 1. With CLCONV_CACHE_DIR set to a fresh directory, the first context
 *    builds the direct program and writes a binary there (log: "cache
 *    miss", "cache write"); a second context loads it ("cache hit") and
 *    builds nothing.
 * 2. Every file corrupted (truncated, emptied, bytes flipped, garbage,
 *    trailing bytes, a well-formed file whose binary the driver must
 *    reject): the plan still works and is still correct, the file is
 *    rewritten, and the context after that hits again.
 * 3. CLCONV_CACHE=0 and options.disable_disk_cache = 1 write nothing.
 * 4. A context made from the caller's own queue leaves that queue and its
 *    context usable, with their reference counts back where they were.
 * 5. Several processes at once on one fresh cache directory (not yet
 *    created): four writers (this program exec'd again, --cache-process)
 *    make their contexts, wait for one another, then build the same two
 *    programs and write them at the same moment; every result is correct,
 *    none saw a rejected (torn) file or a failed write, no temporary file
 *    is left, the directory is 0700, and a later process loads every
 *    program from the cache ("cache hit" only, as many as there are files).
 *
 * The log lines matched are those of host/program_cache.c:
 *   "clconv: cache hit|miss|rejected FILE [OPTIONS]", "clconv: cache write PATH". */
#define _GNU_SOURCE /* mkdtemp, setenv, nanosleep */
#include "algo_check.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/* ---- log capture --------------------------------------------------------- */

typedef struct {
    int hit, miss, write, rejected, other_cache;
    int write_failed; /* also counted as a write */
    char last[512];
} log_counts;

static void on_log(void *user, const char *msg)
{
    log_counts *c = user;
    if (strstr(msg, "cache write failed"))
        c->write_failed++;
    if (strstr(msg, "cache hit"))
        c->hit++;
    else if (strstr(msg, "cache miss"))
        c->miss++;
    else if (strstr(msg, "cache write"))
        c->write++;
    else if (strstr(msg, "cache rejected"))
        c->rejected++;
    else if (strstr(msg, "cache"))
        c->other_cache++;
    if (strstr(msg, "cache"))
        snprintf(c->last, sizeof c->last, "%s", msg);
}

/* ---- files --------------------------------------------------------------- */

#define MAX_FILES 64
typedef struct {
    int n;
    char path[MAX_FILES][1200];
    long size[MAX_FILES];
    int tmp; /* leftover temporary files */
} dir_list;

static void list_dir(const char *dir, dir_list *l)
{
    memset(l, 0, sizeof *l);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (strstr(e->d_name, ".tmp")) {
            l->tmp++;
            continue;
        }
        if (l->n == MAX_FILES)
            break;
        snprintf(l->path[l->n], sizeof l->path[0], "%s/%s", dir, e->d_name);
        struct stat st;
        l->size[l->n] = stat(l->path[l->n], &st) == 0 ? (long)st.st_size : -1;
        l->n++;
    }
    closedir(d);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[1200];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static unsigned char *read_file(const char *path, long *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n > 0 ? (size_t)*n : 1);
    if (b && fread(b, 1, (size_t)*n, f) != (size_t)*n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static int write_file(const char *path, const unsigned char *b, long n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(b, 1, (size_t)n, f) == (size_t)n;
    return (fclose(f) == 0) && ok;
}

#define FNV_INIT 0xcbf29ce484222325ull
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

typedef enum {
    CORRUPT_TRUNCATE, CORRUPT_EMPTY, CORRUPT_FLIP, CORRUPT_GARBAGE, CORRUPT_TRAILING,
    CORRUPT_BAD_BINARY, CORRUPT_COUNT
} corruption;
static const char *corrupt_names[CORRUPT_COUNT] = {
    "truncated to half", "emptied", "bytes flipped", "garbage", "trailing bytes",
    "well-formed file, binary garbage"};

/* Damages one file; 0 if this kind of damage does not apply (then the
 * reason is printed). */
static int corrupt(const char *path, corruption how, test_rng *r)
{
    long n;
    unsigned char *b = read_file(path, &n);
    if (!b || n < 64) {
        free(b);
        printf("FAIL: cannot read cache file %s\n", path);
        test_failures++;
        return 0;
    }
    int ok = 1;
    switch (how) {
    case CORRUPT_TRUNCATE: ok = write_file(path, b, n / 2); break;
    case CORRUPT_EMPTY: ok = write_file(path, b, 0); break;
    case CORRUPT_FLIP:
        /* bytes in the header, the middle and the end */
        b[9] ^= 0x5A;
        b[n / 2] ^= 0xFF;
        b[n - 1] ^= 0x01;
        ok = write_file(path, b, n);
        break;
    case CORRUPT_GARBAGE:
        for (long i = 0; i < n; i++)
            b[i] = (unsigned char)rng_u32(r);
        ok = write_file(path, b, n);
        break;
    case CORRUPT_TRAILING: {
        unsigned char *c = malloc((size_t)n + 16);
        memcpy(c, b, (size_t)n);
        memset(c + n, 0x42, 16);
        ok = write_file(path, c, n + 16);
        free(c);
        break;
    }
    case CORRUPT_BAD_BINARY: {
        /* White-box (program_cache.c format 2): magic[8] fmt u32 hash u64
         * keylen u32 key bsize u64 bsum u64 binary, bsum the FNV-1a of key
         * and binary.  Replace the binary by garbage with a matching
         * checksum, so only the driver can tell. */
        uint32_t fmt, keylen;
        memcpy(&fmt, b + 8, 4);
        memcpy(&keylen, b + 20, 4);
        long off = 24 + (long)keylen;
        uint64_t bsize;
        if (memcmp(b, "CLCONVPB", 8) || fmt != 2 || off + 16 > n ||
            (memcpy(&bsize, b + off, 8), (long)bsize != n - off - 16)) {
            printf("note: cache file format changed; skipping the '%s' case\n",
                   corrupt_names[how]);
            free(b);
            return 0;
        }
        unsigned char *bin = b + off + 16;
        for (uint64_t i = 0; i < bsize; i++)
            bin[i] = (unsigned char)rng_u32(r);
        uint64_t sum = fnv1a(fnv1a(FNV_INIT, b + 24, keylen), bin, (size_t)bsize);
        memcpy(b + off + 8, &sum, 8);
        ok = write_file(path, b, n);
        break;
    }
    case CORRUPT_COUNT: break;
    }
    free(b);
    if (!ok)
        FAILF("cannot write %s", path);
    return ok;
}

/* ---- helpers ------------------------------------------------------------- */

static void test_desc(clconv_conv_desc *d)
{
    /* Small, and a program variant that compiles quickly. */
    clconv_conv_desc_init(d, 2);
    d->in_channels = 3;
    d->out_channels = 2;
    d->in_size[0] = 5;
    d->in_size[1] = 3;
    d->kernel_size[0] = d->kernel_size[1] = 3;
    d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 1;
    d->activation = CLCONV_ACTIVATION_RELU;
}

static clconv_context *make_ctx(log_counts *lc, const char *cache_dir, int disable)
{
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.log = on_log;
    o.log_user = lc;
    o.cache_dir = cache_dir;
    o.disable_disk_cache = disable;
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&o, &ctx);
    if (st == CLCONV_DEVICE_NOT_FOUND) {
        printf("SKIP: no OpenCL device: %s\n", clconv_last_error());
        exit(TEST_SKIP);
    }
    if (st) {
        printf("FAIL: clconv_context_create: %s\n", clconv_last_error());
        exit(1);
    }
    return ctx;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One context: run the test descriptor once, checked against the
 * reference, and return the cache log of it. */
static void run_once(const char *what, const char *opt_dir, int disable, log_counts *lc)
{
    clconv_conv_desc d;
    test_desc(&d);
    memset(lc, 0, sizeof *lc);
    double t0 = now();
    clconv_context *ctx = make_ctx(lc, opt_dir, disable);
    char label[160];
    snprintf(label, sizeof label, "cache: %s", what);
    if (check_conv(ctx, &d, CLCONV_ALGO_DIRECT, 7, label, NULL) != CHECK_PASS)
        FAILF("%s: the convolution failed or was wrong", what);
    clconv_context_destroy(ctx);
    printf("%-40s %6.2f s  hit %d miss %d write %d rejected %d\n", what, now() - t0, lc->hit,
           lc->miss, lc->write, lc->rejected);
}

/* ---- the disk cache ------------------------------------------------------ */

static void test_disk_cache(void)
{
    char dir[] = "/tmp/clconv-test-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        FAILF("mkdtemp failed");
        return;
    }
    setenv("CLCONV_CACHE_DIR", dir, 1);
    unsetenv("CLCONV_CACHE");
    log_counts lc;
    dir_list l0, l1;

    run_once("cold cache", NULL, 0, &lc);
    list_dir(dir, &l0);
    if (l0.n < 1)
        FAILF("no cache file appeared in %s", dir);
    if (l0.tmp)
        FAILF("%d temporary files left in %s", l0.tmp, dir);
    if (lc.miss < 1 || lc.write < 1 || lc.hit != 0)
        FAILF("cold cache: want a miss and a write and no hit (last: %s)", lc.last);
    if (lc.write != l0.n)
        FAILF("cold cache: %d writes logged, %d files in %s", lc.write, l0.n, dir);

    run_once("warm cache", NULL, 0, &lc);
    if (lc.hit < 1 || lc.miss || lc.write || lc.rejected)
        FAILF("warm cache: want only hits (last: %s)", lc.last);
    list_dir(dir, &l1);
    if (l1.n != l0.n)
        FAILF("warm cache: %d files became %d", l0.n, l1.n);

    test_rng r;
    rng_seed(&r, 99);
    for (int how = 0; how < CORRUPT_COUNT; how++) {
        list_dir(dir, &l0);
        int done = 0;
        for (int i = 0; i < l0.n; i++)
            done += corrupt(l0.path[i], (corruption)how, &r);
        if (!done)
            continue;
        char what[96];
        snprintf(what, sizeof what, "corrupt: %s", corrupt_names[how]);
        run_once(what, NULL, 0, &lc);
        if (lc.hit)
            FAILF("%s: a corrupt file was used (%d hits; last: %s)", what, lc.hit, lc.last);
        if (lc.miss + lc.rejected < done || lc.write < done)
            FAILF("%s: want %d misses/rejections and rewrites (last: %s)", what, done, lc.last);
        list_dir(dir, &l1);
        if (l1.n != l0.n || l1.tmp)
            FAILF("%s: %d files became %d (+%d temporary)", what, l0.n, l1.n, l1.tmp);
        /* rewritten: the next context hits again */
        snprintf(what, sizeof what, "after rewrite (%s)", corrupt_names[how]);
        run_once(what, NULL, 0, &lc);
        if (lc.hit < 1 || lc.miss || lc.write || lc.rejected)
            FAILF("%s: the rewritten file was not used (last: %s)", what, lc.last);
    }

    /* options.cache_dir beats $CLCONV_CACHE_DIR */
    char dir2[] = "/tmp/clconv-test-cache-XXXXXX";
    if (mkdtemp(dir2)) {
        list_dir(dir, &l0);
        run_once("options.cache_dir", dir2, 0, &lc);
        list_dir(dir2, &l1);
        if (l1.n < 1 || lc.write < 1)
            FAILF("options.cache_dir: nothing written to %s", dir2);
        list_dir(dir, &l1);
        if (l1.n != l0.n)
            FAILF("options.cache_dir: $CLCONV_CACHE_DIR was written as well");
        remove_dir(dir2);
    }

    /* CLCONV_CACHE=0: nothing read or written */
    char dir3[] = "/tmp/clconv-test-cache-XXXXXX";
    if (mkdtemp(dir3)) {
        setenv("CLCONV_CACHE_DIR", dir3, 1);
        setenv("CLCONV_CACHE", "0", 1);
        run_once("CLCONV_CACHE=0", NULL, 0, &lc);
        list_dir(dir3, &l1);
        if (l1.n || l1.tmp)
            FAILF("CLCONV_CACHE=0: %d files written to %s", l1.n + l1.tmp, dir3);
        if (lc.hit || lc.miss || lc.write || lc.rejected)
            FAILF("CLCONV_CACHE=0: the disk cache was consulted (last: %s)", lc.last);
        /* ... even with a valid cache directory in the options */
        setenv("CLCONV_CACHE_DIR", dir, 1);
        run_once("CLCONV_CACHE=0 with a warm dir", dir, 0, &lc);
        if (lc.hit || lc.miss || lc.write || lc.rejected)
            FAILF("CLCONV_CACHE=0: the disk cache was consulted (last: %s)", lc.last);
        unsetenv("CLCONV_CACHE");
        setenv("CLCONV_CACHE_DIR", dir3, 1);
        run_once("disable_disk_cache=1", NULL, 1, &lc);
        list_dir(dir3, &l1);
        if (l1.n || l1.tmp)
            FAILF("disable_disk_cache: %d files written to %s", l1.n + l1.tmp, dir3);
        if (lc.hit || lc.miss || lc.write || lc.rejected)
            FAILF("disable_disk_cache: the disk cache was consulted (last: %s)", lc.last);
        remove_dir(dir3);
    }
    /* leave the warm directory for the interop test */
    setenv("CLCONV_CACHE_DIR", dir, 1);
}

/* ---- a context from the caller's queue ----------------------------------- */

static cl_uint refcount_q(cl_command_queue q)
{
    cl_uint n = 0;
    if (clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof n, &n, NULL) != CL_SUCCESS)
        FAILF("CL_QUEUE_REFERENCE_COUNT failed");
    return n;
}

static cl_uint refcount_c(cl_context c)
{
    cl_uint n = 0;
    if (clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof n, &n, NULL) != CL_SUCCESS)
        FAILF("CL_CONTEXT_REFERENCE_COUNT failed");
    return n;
}

static void test_from_queue(void)
{
    cl_platform_id plat;
    cl_device_id dev;
    cl_uint np = 0;
    if (clGetPlatformIDs(1, &plat, &np) != CL_SUCCESS || np == 0 ||
        clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS) {
        printf("SKIP: no OpenCL device for the interop test\n");
        exit(TEST_SKIP);
    }
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)plat, 0};
    /* an in-order queue, and an out-of-order one where the device has it
     * (clconv must then chain its own launches with events); each in a
     * context of its own, so that no other queue's lazily dropped
     * references disturb the counts */
    cl_command_queue_properties dev_qp = 0;
    clGetDeviceInfo(dev, CL_DEVICE_QUEUE_PROPERTIES, sizeof dev_qp, &dev_qp, NULL);
    for (int kind = 0; kind < 2; kind++) {
        cl_command_queue_properties qp = kind ? CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE : 0;
        if (kind && !(dev_qp & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)) {
            printf("note: no out-of-order queues on this device\n");
            break;
        }
        const char *kname = kind ? "out-of-order" : "in-order";
        cl_context c = clCreateContext(props, 1, &dev, NULL, NULL, &err);
        if (!c) {
            FAILF("clCreateContext: %d", err);
            return;
        }
        cl_command_queue q = clCreateCommandQueue(c, dev, qp, &err);
        if (!q) {
            FAILF("clCreateCommandQueue(%s): %d", kname, err);
            clReleaseContext(c);
            continue;
        }
        const cl_uint q0 = refcount_q(q), c0 = refcount_c(c);
        for (int round = 0; round < 2; round++) {
            clconv_context *ctx = NULL;
            clconv_status st = clconv_context_create_from_queue(q, NULL, &ctx);
            if (st) {
                FAILF("create_from_queue(%s): %s: %s", kname, clconv_status_string(st),
                      clconv_last_error());
                break;
            }
            if (clconv_context_queue(ctx) != q || clconv_context_cl_context(ctx) != c ||
                clconv_context_device(ctx) != dev)
                FAILF("create_from_queue(%s): the context does not report the caller's handles",
                      kname);
            if (!clconv_context_device_name(ctx) || !*clconv_context_device_name(ctx))
                FAILF("create_from_queue(%s): empty device name", kname);
            clconv_conv_desc d;
            test_desc(&d);
            d.has_bias = 1;
            /* check_conv reads after the plan's event: right on out-of-order queues */
            for (int i = 0; i < 4; i++)
                if (check_conv(ctx, &d, CLCONV_ALGO_DIRECT, 11 + (uint64_t)(10 * kind + i),
                               "from_queue", NULL) != CHECK_PASS)
                    FAILF("create_from_queue(%s): run %d wrong", kname, i);
            clconv_context_destroy(ctx);
            /* PoCL drops the references its finished commands hold on the
             * queue a little after clFinish returns: let them settle. */
            clFinish(q);
            for (int i = 0; i < 200 && (refcount_q(q) != q0 || refcount_c(c) != c0); i++) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            if (refcount_q(q) != q0 || refcount_c(c) != c0)
                FAILF("%s queue, after destroy (round %d): queue refcount %u (was %u), context "
                      "refcount %u (was %u)",
                      kname, round, refcount_q(q), q0, refcount_c(c), c0);
        }
        /* the caller's queue and context still work */
        float h[64], back[64];
        for (int i = 0; i < 64; i++)
            h[i] = (float)i;
        cl_mem m = clCreateBuffer(c, CL_MEM_READ_WRITE, sizeof h, NULL, &err);
        if (!m) {
            FAILF("clCreateBuffer on the caller's context after destroy: %d", err);
        } else {
            cl_event we = NULL;
            err = clEnqueueWriteBuffer(q, m, CL_FALSE, 0, sizeof h, h, 0, NULL, &we);
            if (!err)
                err = clEnqueueReadBuffer(q, m, CL_TRUE, 0, sizeof back, back, 1, &we, NULL);
            if (we)
                clReleaseEvent(we);
            if (!err)
                err = clFinish(q);
            if (err || memcmp(h, back, sizeof h))
                FAILF("the caller's %s queue no longer works after destroy: %d", kname, err);
            clReleaseMemObject(m);
        }
        if (clReleaseCommandQueue(q) != CL_SUCCESS)
            FAILF("clReleaseCommandQueue of the caller's queue failed");
        if (clReleaseContext(c) != CL_SUCCESS)
            FAILF("clReleaseContext of the caller's context failed");
    }
}

/* ---- several processes on one fresh cache directory ------------------------ */

#define WRITERS 4
#define PROCESS_DESCS 2

/* What each process runs: two programs of direct.cl (its output-channel
 * block follows K, and is a build option). */
static void process_desc(int i, clconv_conv_desc *d)
{
    test_desc(d);
    if (i == 1) {
        d->out_channels = 8;
        d->has_bias = 1;
    }
}

/* A child of test_processes (this program exec'd again):
 *   --cache-process DIR writer|reader READY_FD GO_FD
 * makes its context on DIR, writes a byte to READY_FD and waits for GO_FD
 * to reach end of file (-1: no wait), then runs the PROCESS_DESCS
 * descriptors checked against the reference, and prints one line of its
 * cache log counts.  A reader must load everything from the cache.  Exit
 * 0 when all held. */
static int cache_process(const char *dir, const char *mode, int ready_fd, int go_fd)
{
    const int reader = !strcmp(mode, "reader");
    unsetenv("CLCONV_CACHE");
    log_counts lc;
    memset(&lc, 0, sizeof lc);
    clconv_context *ctx = make_ctx(&lc, dir, 0);
    if (ready_fd >= 0) {
        const char c = 'r';
        if (write(ready_fd, &c, 1) != 1)
            printf("note: %s %ld: ready pipe: %s\n", mode, (long)getpid(), strerror(errno));
        close(ready_fd);
    }
    if (go_fd >= 0) {
        char c;
        while (read(go_fd, &c, 1) > 0 || errno == EINTR)
            errno = 0;
        close(go_fd);
    }
    const double t0 = now();
    int wrong = 0;
    for (int i = 0; i < PROCESS_DESCS; i++) {
        clconv_conv_desc d;
        process_desc(i, &d);
        char label[96];
        snprintf(label, sizeof label, "cache: %s %ld, descriptor %d", mode, (long)getpid(), i);
        if (check_conv(ctx, &d, CLCONV_ALGO_DIRECT, 21 + (uint64_t)i, label, NULL) != CHECK_PASS)
            wrong++;
    }
    clconv_context_destroy(ctx);
    dir_list l;
    list_dir(dir, &l);
    printf("%s %ld: hit %d miss %d write %d write_failed %d rejected %d; %d files, %d temporary; "
           "%.2f s\n",
           mode, (long)getpid(), lc.hit, lc.miss, lc.write, lc.write_failed, lc.rejected, l.n,
           l.tmp, now() - t0);
    int ok = 1;
    if (wrong) {
        printf("FAIL: %s %ld: %d wrong results\n", mode, (long)getpid(), wrong);
        ok = 0;
    }
    if (lc.rejected || lc.write_failed || lc.other_cache) {
        printf("FAIL: %s %ld: a cache file rejected or a write failed (last: %s)\n", mode,
               (long)getpid(), lc.last);
        ok = 0;
    }
    if (lc.hit + lc.miss + lc.rejected < 1) {
        printf("FAIL: %s %ld: the disk cache was not consulted\n", mode, (long)getpid());
        ok = 0;
    }
    if (reader && (lc.miss || lc.write || lc.hit != l.n || l.tmp)) {
        printf("FAIL: reader %ld: want only hits, one per file (%d files, %d temporary)\n",
               (long)getpid(), l.n, l.tmp);
        ok = 0;
    }
    return ok ? 0 : 1;
}

/* Forks and execs this program as a --cache-process child, its stdout on
 * out_fd; closes `close_fd` (the parent's ends) in the child. */
static pid_t spawn_process(const char *dir, const char *mode, int ready_fd, int go_fd, int out_fd,
                           const int *close_fd, int n_close)
{
    fflush(stdout);
    const pid_t pid = fork();
    if (pid != 0)
        return pid;
    for (int i = 0; i < n_close; i++)
        close(close_fd[i]);
    if (dup2(out_fd, STDOUT_FILENO) < 0)
        _exit(126);
    close(out_fd);
    char rfd[16], gfd[16];
    snprintf(rfd, sizeof rfd, "%d", ready_fd);
    snprintf(gfd, sizeof gfd, "%d", go_fd);
    execl("/proc/self/exe", "test_cache", "--cache-process", dir, mode, rfd, gfd, (char *)NULL);
    _exit(127);
}

/* Reads fd to its end into buf (cut at n - 1) and echoes it. */
static void drain(int fd, char *buf, size_t n)
{
    size_t len = 0;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        fwrite(tmp, 1, (size_t)r, stdout);
        for (ssize_t i = 0; i < r && len + 1 < n; i++)
            buf[len++] = tmp[i];
    }
    buf[len] = '\0';
    close(fd);
}

static int wait_ok(pid_t pid, const char *what)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    FAILF("%s %ld: %s %d", what, (long)pid, WIFEXITED(status) ? "exit status" : "signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

static void test_processes(void)
{
    char base[] = "/tmp/clconv-test-cache-XXXXXX";
    if (!mkdtemp(base)) {
        FAILF("mkdtemp failed");
        return;
    }
    char dir[sizeof base + 16];
    snprintf(dir, sizeof dir, "%s/shared", base); /* made by the writers, racing */
    const double t0 = now();
    int ready[2], go[2], out[2];
    if (pipe(ready) || pipe(go) || pipe(out)) {
        FAILF("pipe: %s", strerror(errno));
        return;
    }
    const int parent_ends[3] = {ready[0], go[1], out[0]};
    pid_t pids[WRITERS];
    int n = 0;
    for (; n < WRITERS; n++)
        if ((pids[n] = spawn_process(dir, "writer", ready[1], go[0], out[1], parent_ends, 3)) < 0) {
            FAILF("fork: %s", strerror(errno));
            break;
        }
    close(ready[1]);
    close(go[0]);
    close(out[1]);
    /* every writer has its context: let them build at once */
    int n_ready = 0;
    char c;
    ssize_t r;
    while (n_ready < n && ((r = read(ready[0], &c, 1)) > 0 || (r < 0 && errno == EINTR)))
        n_ready += r > 0;
    close(ready[0]);
    close(go[1]);
    if (n_ready != n)
        FAILF("processes: %d of %d writers got ready", n_ready, n);
    static char text[16384];
    drain(out[0], text, sizeof text);
    int all_ok = n == WRITERS;
    for (int i = 0; i < n; i++)
        all_ok &= wait_ok(pids[i], "writer");
    int builders = 0, writes = 0, lines = 0;
    for (const char *p = text; (p = strstr(p, "writer ")); p++) {
        long pid;
        int hit, miss, write;
        if (sscanf(p, "writer %ld: hit %d miss %d write %d", &pid, &hit, &miss, &write) == 4) {
            lines++;
            builders += miss > 0;
            writes += write;
        }
    }
    if (lines != n)
        FAILF("processes: %d writer reports for %d writers", lines, n);
    if (builders < 1 || writes < 1)
        FAILF("processes: no writer built or wrote anything (%d built, %d writes)", builders,
              writes);
    dir_list l;
    list_dir(dir, &l);
    struct stat sb;
    if (stat(dir, &sb) != 0 || (sb.st_mode & 077))
        FAILF("processes: %s missing or not private (mode %o)", dir, (unsigned)(sb.st_mode & 0777));
    if (l.n < 1 || l.tmp)
        FAILF("processes: %d cache files, %d temporary files left in %s", l.n, l.tmp, dir);
    printf("%-40s %6.2f s  %d writers, %d built from source at once, %d writes, %d files\n",
           "processes: concurrent writers", now() - t0, n, builders, writes, l.n);

    /* a later process: everything from the cache */
    if (all_ok && !pipe(out)) {
        const double t1 = now();
        const pid_t pid = spawn_process(dir, "reader", -1, -1, out[1], &out[0], 1);
        close(out[1]);
        drain(out[0], text, sizeof text);
        if (pid < 0)
            FAILF("fork: %s", strerror(errno));
        else if (wait_ok(pid, "reader"))
            printf("%-40s %6.2f s\n", "processes: a later reader", now() - t1);
    }
    remove_dir(dir);
    rmdir(base);
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "--cache-process"))
        return cache_process(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    const char *keep = getenv("CLCONV_CACHE_DIR");
    char *saved = keep ? strdup(keep) : NULL;
    test_disk_cache();
    test_processes();
    const char *warm = getenv("CLCONV_CACHE_DIR");
    char *warm_dir = warm ? strdup(warm) : NULL;
    test_from_queue();
    if (warm_dir)
        remove_dir(warm_dir);
    free(warm_dir);
    if (saved)
        setenv("CLCONV_CACHE_DIR", saved, 1);
    free(saved);
    if (test_failures) {
        printf("test_cache: %d failures\n", test_failures);
        return 1;
    }
    printf("test_cache: all passed\n");
    return 0;
}
