/* The user tuning database: a text file per device, one line per
 * (problem, algorithm) with the fastest correct parameters clconv_tune
 * found and their median time (format in include/clconv.h).  Read once per
 * context on first use; written atomically (temporary file + rename) under
 * an flock on "<path>.lock", re-reading the file first so that two
 * processes tuning at once keep each other's lines. */
#define _GNU_SOURCE /* flock, mkstemp */
#include "internal.h"
#include "kernel_sources.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_MAGIC "# clconv tuning database 1"

struct tuning_entry {
    char key[224];
    clconv_algorithm algo;
    char params[256];
    double ms;
    conv_problem p; /* the key's fields, for the nearest-neighbour lookup */
    int parsed;     /* p is valid */
};

#define KEY_FMT "%s_N%d_C%d_K%d_G%d_i%dx%dx%d_k%dx%dx%d_s%dx%dx%d_d%dx%dx%d_pb%dx%dx%d_o%dx%dx%d"

void clconv_problem_key(const conv_problem *p, char *buf, size_t n)
{
    /* Every field that changes what the kernels do; bias and activation
     * are a fused epilogue and do not change the ranking. */
    snprintf(buf, n, KEY_FMT, p->transposed ? "deconv" : "conv", p->N, p->C, p->K, p->G, p->in[0], p->in[1],
             p->in[2], p->k[0], p->k[1], p->k[2], p->s[0], p->s[1], p->s[2], p->d[0], p->d[1],
             p->d[2], p->pb[0], p->pb[1], p->pb[2], p->out[0], p->out[1], p->out[2]);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

void clconv_tuning_db_setup(clconv_context *ctx, const clconv_context_options *o)
{
    const char *path = o ? o->tuning_db : NULL;
    if (!path)
        path = getenv("CLCONV_TUNING_DB");
    if (path) {
        if (strlen(path) >= sizeof ctx->tuning_db) {
            clconv_log(ctx, "clconv: tuning database path longer than %zu bytes; none used",
                       sizeof ctx->tuning_db - 1);
            path = "";
        }
        snprintf(ctx->tuning_db, sizeof ctx->tuning_db, "%s", path);
        return;
    }
    if (!ctx->cache_dir[0]) {
        ctx->tuning_db[0] = '\0';
        return;
    }
    snprintf(ctx->tuning_db, sizeof ctx->tuning_db, "%s/tuning-%016llx.txt", ctx->cache_dir,
             (unsigned long long)fnv1a64(ctx->cache_key_device));
}

/* Parses one entry line; 0 if it is not one. */
static int parse_line(char *line, tuning_entry *e)
{
    char *f[5];
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line; n < 5;) {
        f[n++] = s;
        char *tab = strchr(s, '\t');
        if (!tab)
            break;
        *tab = '\0';
        s = tab + 1;
    }
    if (n != 4 || !*f[0] || strlen(f[0]) >= sizeof e->key || strlen(f[2]) >= sizeof e->params)
        return 0;
    if (clconv_algorithm_from_name(f[1], &e->algo) || e->algo == CLCONV_ALGO_AUTO)
        return 0;
    char *end;
    e->ms = strtod(f[3], &end);
    if (*end || !(e->ms > 0))
        return 0;
    snprintf(e->key, sizeof e->key, "%s", f[0]);
    snprintf(e->params, sizeof e->params, "%s", f[2]);
    /* The key's fields back (KEY_FMT, with the op word split off). */
    conv_problem *q = &e->p;
    memset(q, 0, sizeof *q);
    const char *rest = strchr(e->key, '_');
    e->parsed = rest && sscanf(rest, "_N%d_C%d_K%d_G%d_i%dx%dx%d_k%dx%dx%d_s%dx%dx%d_d%dx%dx%d"
                                     "_pb%dx%dx%d_o%dx%dx%d",
                               &q->N, &q->C, &q->K, &q->G, &q->in[0], &q->in[1], &q->in[2],
                               &q->k[0], &q->k[1], &q->k[2], &q->s[0], &q->s[1], &q->s[2],
                               &q->d[0], &q->d[1], &q->d[2], &q->pb[0], &q->pb[1], &q->pb[2],
                               &q->out[0], &q->out[1], &q->out[2]) == 22 &&
                q->N > 0 && q->C > 0 && q->K > 0 && q->G > 0 && q->out[0] > 0 &&
                q->out[1] > 0 && q->out[2] > 0;
    q->transposed = strncmp(e->key, "deconv_", 7) == 0;
    return 1;
}

/* Reads path into a fresh array (NULL, 0 if it is missing).  Lines of
 * another device, and corrupt lines, are skipped and logged. */
#define DB_MAX_BYTES ((off_t)64 << 20)

/* dfd >= 0: the file is name in that (checked) directory, dir its path for
 * messages; else path.  *refused (if not NULL): the file exists but was not
 * read (someone else could have written it, or it is too large). */
static tuning_entry *read_db(const clconv_context *ctx, const char *path, int dfd,
                             const char *dir, const char *name, int *count, int *is_foreign,
                             int *refused)
{
    *count = 0;
    if (is_foreign)
        *is_foreign = 0;
    if (refused)
        *refused = 0;
    char why[1400] = "";
    FILE *f = NULL;
    if (dfd >= 0) {
        int fd = clconv_secure_open_at(dfd, dir, name, ctx->trust_shared_cache, why, sizeof why);
        if (fd >= 0 && !(f = fdopen(fd, "rb")))
            close(fd);
    } else {
        f = clconv_secure_fopen_read(path, ctx->trust_shared_cache, why, sizeof why);
    }
    struct stat fst;
    if (f && fstat(fileno(f), &fst) == 0 && fst.st_size > DB_MAX_BYTES) {
        snprintf(why, sizeof why, "%s is larger than %lld bytes", path, (long long)DB_MAX_BYTES);
        fclose(f);
        f = NULL;
    }
    if (!f) {
        if (why[0]) {
            clconv_log_refusal((clconv_context *)ctx, why);
            if (refused)
                *refused = 1;
        }
        return NULL;
    }
    tuning_entry *v = NULL;
    int cap = 0, lineno = 0, bad = 0, foreign = 0;
    char *line = NULL; /* whole lines (getline): a long line is one corrupt line, never pieces */
    size_t line_cap = 0;
    char want_dev[2100];
    snprintf(want_dev, sizeof want_dev, "# device: %s", ctx->cache_key_device);
    while (getline(&line, &line_cap, f) > 0) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, DB_MAGIC, strlen(DB_MAGIC)) != 0) {
                clconv_log(ctx, "clconv: tuning database %s: not a clconv tuning database; ignored",
                           path);
                foreign = 1;
                break;
            }
            continue;
        }
        if (lineno == 2) {
            line[strcspn(line, "\r\n")] = '\0';
            if (strcmp(line, want_dev) != 0) {
                clconv_log(ctx, "clconv: tuning database %s: measured on another device, "
                           "driver or clconv version; ignored", path);
                foreign = 1;
                break;
            }
            continue;
        }
        if (line[0] == '#' || line[0] == '\n')
            continue;
        tuning_entry e;
        if (strlen(line) >= 1024 || !parse_line(line, &e)) {
            if (!bad++)
                clconv_log(ctx, "clconv: tuning database %s: line %d is corrupt; skipped", path,
                           lineno);
            continue;
        }
        if (*count == cap) {
            int nc = cap ? cap * 2 : 32;
            tuning_entry *nv = realloc(v, (size_t)nc * sizeof *nv);
            if (!nv)
                break;
            v = nv;
            cap = nc;
        }
        v[(*count)++] = e;
    }
    free(line);
    fclose(f);
    if (is_foreign)
        *is_foreign = foreign;
    if (foreign) {
        free(v);
        *count = 0;
        return NULL;
    }
    if (bad > 1)
        clconv_log(ctx, "clconv: tuning database %s: %d corrupt lines skipped", path, bad);
    return v;
}

static int has_key(const tuning_entry *v, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].key, key))
            return 1;
    return 0;
}

/* Whether every word of a system file's "# match:" line occurs in the
 * device's name (case-insensitive). */
static int system_file_matches(const clconv_context *ctx, const char *text)
{
    const char *m = strstr(text, "\n# match:");
    if (!m)
        return 0;
    m += strlen("\n# match:");
    const char *end = strchr(m, '\n');
    if (!end)
        return 0;
    int words = 0;
    while (m < end) {
        while (m < end && *m == ' ')
            m++;
        const char *w = m;
        while (m < end && *m != ' ')
            m++;
        if (m == w)
            break;
        char word[128];
        snprintf(word, sizeof word, "%.*s", (int)(m - w), w);
        if (!clconv_contains_nocase(ctx->device_name, word))
            return 0;
        words++;
    }
    return words > 0;
}

/* The system database (the .tsv files of tuning/, compiled in): the entries of files
 * that match this device, for problems the user database does not have. */
static void merge_system(clconv_context *ctx)
{
    const int n_user = ctx->n_tuning;
    for (const clconv_kernel_source *f = clconv_system_tuning; f->name; f++) {
        if (!system_file_matches(ctx, f->source))
            continue;
        const char *s = f->source;
        while (*s) {
            const char *nl = strchr(s, '\n');
            const size_t len = nl ? (size_t)(nl - s) : strlen(s);
            char line[1024];
            tuning_entry e;
            if (len < sizeof line && *s != '#') {
                memcpy(line, s, len);
                line[len] = '\0';
                if (parse_line(line, &e) && !has_key(ctx->tuning, n_user, e.key)) {
                    tuning_entry *nv =
                        realloc(ctx->tuning, (size_t)(ctx->n_tuning + 1) * sizeof *nv);
                    if (!nv)
                        return;
                    ctx->tuning = nv;
                    nv[ctx->n_tuning++] = e;
                }
            }
            s += len + (nl ? 1 : 0);
        }
        clconv_log(ctx, "clconv: system tuning database %s applies to this device", f->name);
    }
}

/* Loads the database into the context once: the user file, then the
 * system entries it lacks.  Called with ctx->lock held. */
static void ensure_loaded(clconv_context *ctx)
{
    if (ctx->tuning_loaded)
        return;
    ctx->tuning_loaded = 1;
    if (ctx->tuning_db[0])
        ctx->tuning = read_db(ctx, ctx->tuning_db, -1, NULL, NULL, &ctx->n_tuning, NULL, NULL);
    /* The system entries were measured with the device's own class of
     * parameters: a context forced to another class (the tests run the GPU
     * set on PoCL) gets its heuristics, not a CPU's measurements. */
    if (!ctx->no_system_tuning && !ctx->params.class_forced)
        merge_system(ctx);
}

int clconv_tuning_lookup(clconv_context *ctx, const conv_problem *p, clconv_algorithm algo,
                         clconv_algorithm *found, char *params, size_t n)
{
    char key[224];
    clconv_problem_key(p, key, sizeof key);
    int hit = 0;
    double best = 0;
    pthread_mutex_lock(&ctx->lock);
    ensure_loaded(ctx);
    for (int i = 0; i < ctx->n_tuning; i++) {
        const tuning_entry *e = &ctx->tuning[i];
        if (strcmp(e->key, key) != 0 || (algo != CLCONV_ALGO_AUTO && e->algo != algo))
            continue;
        if (hit && e->ms >= best)
            continue;
        hit = 1;
        best = e->ms;
        *found = e->algo;
        snprintf(params, n, "%s", e->params);
    }
    pthread_mutex_unlock(&ctx->lock);
    return hit;
}

/* How far apart two problems of one family are: log2 distance over batch,
 * channels per group and output size; -1 if they are not of one family
 * (ConvTranspose or not, kernel, strides, dilations, depthwise or grouped
 * or dense must all agree). */
static double family_distance(const conv_problem *a, const conv_problem *b)
{
    if (a->transposed != b->transposed || (a->G == a->C) != (b->G == b->C) ||
        (a->G > 1) != (b->G > 1))
        return -1;
    for (int i = 0; i < 3; i++)
        if (a->k[i] != b->k[i] || a->s[i] != b->s[i] || a->d[i] != b->d[i])
            return -1;
    double da = (double)a->out[0] * a->out[1] * a->out[2];
    double db = (double)b->out[0] * b->out[1] * b->out[2];
    return fabs(log2((double)a->N / b->N)) + fabs(log2((double)(a->C / a->G) / (b->C / b->G))) +
           fabs(log2((double)(a->K / a->G) / (b->K / b->G))) + 0.5 * fabs(log2(da / db));
}

int clconv_tuning_nearest(clconv_context *ctx, const conv_problem *p, clconv_algorithm algo,
                          double max_distance, clconv_algorithm *found, char *params, size_t n,
                          char *key, size_t nkey)
{
    int hit = 0;
    double best_d = 0, best_ms = 0;
    pthread_mutex_lock(&ctx->lock);
    ensure_loaded(ctx);
    for (int i = 0; i < ctx->n_tuning; i++) {
        const tuning_entry *e = &ctx->tuning[i];
        if (!e->parsed || (algo != CLCONV_ALGO_AUTO && e->algo != algo))
            continue;
        const double d = family_distance(p, &e->p);
        if (d < 0 || d > max_distance)
            continue;
        /* nearest problem first; among one problem's entries, the fastest */
        if (hit && (d > best_d || (d == best_d && e->ms >= best_ms)))
            continue;
        hit = 1;
        best_d = d;
        best_ms = e->ms;
        *found = e->algo;
        snprintf(params, n, "%s", e->params);
        snprintf(key, nkey, "%s", e->key);
    }
    pthread_mutex_unlock(&ctx->lock);
    return hit;
}

/* Adds or replaces e in v (same key and algorithm). */
static int upsert(tuning_entry **v, int *count, const tuning_entry *e)
{
    for (int i = 0; i < *count; i++)
        if ((*v)[i].algo == e->algo && !strcmp((*v)[i].key, e->key)) {
            (*v)[i] = *e;
            return 1;
        }
    tuning_entry *nv = realloc(*v, (size_t)(*count + 1) * sizeof *nv);
    if (!nv)
        return 0;
    *v = nv;
    nv[(*count)++] = *e;
    return 1;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        s += w;
        n -= (size_t)w;
    }
    return 1;
}

clconv_status clconv_tuning_store(clconv_context *ctx, const conv_problem *p,
                                  clconv_algorithm algo, const char *params, double ms)
{
    const char *op = "clconv_tune";
    const char *path = ctx->tuning_db;
    if (!path[0])
        return CLCONV_SUCCESS; /* no database: nothing to record */
    tuning_entry e;
    memset(&e, 0, sizeof e);
    clconv_problem_key(p, e.key, sizeof e.key);
    e.p = *p;
    e.parsed = 1;
    e.algo = algo;
    snprintf(e.params, sizeof e.params, "%s", params);
    e.ms = ms;

    /* Everything relative to the directory descriptor that was checked
     * (made 0700 on the way if missing): never written where it would not
     * be read back (secure_file.c). */
    char dir[1300];
    const char *name = clconv_split_path(path, dir, sizeof dir);
    char why[1400] = "";
    int dfd = clconv_secure_dir_open_ex(dir, ctx->trust_shared_cache, 1, why, sizeof why);
    if (dfd < 0)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: tuning database %s: %s; not written", op,
                           path, why[0] ? why : "cannot create its directory");
    char lockn[1300], tmp[1400];
    snprintf(lockn, sizeof lockn, "%s.lock", name);
    int lfd = openat(dfd, lockn, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat lst;
    if (lfd < 0 || fstat(lfd, &lst) != 0 || !S_ISREG(lst.st_mode)) {
        clconv_status e = clconv_fail(CLCONV_INVALID_ARGUMENT,
                                      "%s: tuning database %s: cannot use %s.lock: %s", op, path,
                                      path, lfd < 0 ? strerror(errno) : "not a regular file");
        if (lfd >= 0)
            close(lfd);
        close(dfd);
        return e;
    }
    /* Bounded wait: a lock held forever (by anyone who can open the file)
     * fails the call instead of hanging it. */
    int locked = 0;
    for (int i = 0; i < 3000 && !locked; i++) {
        if (flock(lfd, LOCK_EX | LOCK_NB) == 0)
            locked = 1;
        else if (errno == EWOULDBLOCK || errno == EINTR)
            usleep(10000);
        else
            break;
    }
    if (!locked) {
        close(lfd);
        close(dfd);
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: tuning database %s: %s.lock stayed locked for 30 s; not written",
                           op, path, path);
    }
    int count = 0, foreign = 0, refused = 0;
    tuning_entry *v = read_db(ctx, path, dfd, dir, name, &count, &foreign, &refused);
    clconv_status st = CLCONV_SUCCESS;
    if (foreign || refused) {
        /* Another device's (or version's) results, or a file clconv would
         * not read: never overwritten (its lines would be lost). */
        st = clconv_fail(CLCONV_INVALID_ARGUMENT,
                         foreign ? "%s: tuning database %s holds another device's, driver's or "
                                   "clconv version's results; not overwritten (remove it or "
                                   "choose another path)"
                                 : "%s: tuning database %s exists but is not trusted (see the "
                                   "log); not overwritten (fix its owner or mode, or remove it)",
                         op, path);
        goto out;
    }
    if (!upsert(&v, &count, &e)) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
        goto out;
    }
    unsigned rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (unsigned)rand();
    snprintf(tmp, sizeof tmp, "%s.%ld.%08x.tmp", name, (long)getpid(), rnd);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        st = clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: tuning database %s: cannot write: %s", op,
                         path, strerror(errno));
        goto out;
    }
    char head[2300];
    int ok = snprintf(head, sizeof head, "%s\n# device: %s\n", DB_MAGIC, ctx->cache_key_device) > 0 &&
             write_all(fd, head, strlen(head));
    for (int i = 0; ok && i < count; i++) {
        char line[1024];
        int len = snprintf(line, sizeof line, "%s\t%s\t%s\t%.6g\n", v[i].key,
                           clconv_algorithm_name(v[i].algo), v[i].params, v[i].ms);
        ok = len > 0 && (size_t)len < sizeof line && write_all(fd, line, (size_t)len);
    }
    ok = ok && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || renameat(dfd, tmp, dfd, name) != 0) {
        st = clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: tuning database %s: cannot write: %s", op,
                         path, strerror(errno));
        unlinkat(dfd, tmp, 0);
        goto out;
    }
    /* The context sees what it just wrote (and what others wrote) on its
     * next lookup, with the system entries merged again. */
    pthread_mutex_lock(&ctx->lock);
    free(ctx->tuning);
    ctx->tuning = NULL;
    ctx->n_tuning = 0;
    ctx->tuning_loaded = 0;
    pthread_mutex_unlock(&ctx->lock);
out:
    free(v);
    flock(lfd, LOCK_UN);
    close(lfd);
    close(dfd);
    return st;
}

void clconv_tuning_release(clconv_context *ctx)
{
    free(ctx->tuning);
    ctx->tuning = NULL;
    ctx->n_tuning = 0;
}
