/* The autotuner, clconv_find and the user tuning database.
 *
 *   1. clconv_tune of a tiny layer (direct, winograd_f2x2) into a database
 *      file in a fresh temporary directory: the report, the file's header
 *      and one 4-field entry per tuned algorithm.
 *   2. A candidate the test hook marks wrong is counted and never chosen;
 *      a hook that rejects everything makes clconv_tune fail ("no candidate").
 *   3. A new context on the same file: AUTO and named algorithms take the
 *      recorded algorithm and parameters ("choice: database", the launch
 *      trace shows their build options); a hand-written entry decides AUTO
 *      against the heuristics; another descriptor says "choice: heuristics".
 *   4. Corrupt lines are skipped (logged "corrupt") and the good entry
 *      still used; a file of another device, or no database at all, is
 *      ignored as a whole (logged).
 *   5. Concurrent writers (separate processes, started together) keep each
 *      other's entries.
 *   6. An unwritable database path is an error naming it; tuning_db = ""
 *      records nothing anywhere.
 *   7. clconv_find: records, order, times, tuned parameters;
 *      clconv_plan_create_from_result runs the record and matches the
 *      reference.
 *   8. clconv_plan_create_with_params and clconv_tune argument errors.
 *
 * Every context sets tuning_db explicitly (a file under the temporary
 * directory, or ""), so the shared default database is never read or
 * written, and disables the system database, so that only the file under
 * test decides.  "--child DB FD I" is the writer of test 5 (run via exec). */
#define _GNU_SOURCE /* mkdtemp, fork */
#include "internal.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "# clconv tuning database 1"

static char tmpdir[256];

/* ---- small helpers --------------------------------------------------------- */

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void cleanup_tmpdir(void)
{
    if (tmpdir[0])
        remove_tree(tmpdir);
    tmpdir[0] = '\0';
}

typedef struct {
    char text[32768];
    size_t len;
} log_buf;

static void log_cb(void *user, const char *message)
{
    log_buf *b = user;
    int n = snprintf(b->text + b->len, sizeof b->text - b->len, "%s\n", message);
    if (n > 0)
        b->len += (size_t)n < sizeof b->text - b->len ? (size_t)n : sizeof b->text - b->len - 1;
}

/* A context on database `db` (never NULL: the default database is shared)
 * with the device's own parameters; exits 77 when there is no device. */
static clconv_context *make_ctx(const char *db, log_buf *log)
{
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.tuning_db = db;
    o.params = ""; /* not CLCONV_PARAMS: the candidate counts below assume the device's class */
    /* Only the user database under test decides (the compiled-in system
     * database's entries change whenever a device is measured again). */
    o.disable_system_tuning = 1;
    if (log) {
        log->len = 0;
        log->text[0] = '\0';
        o.log = log_cb;
        o.log_user = log;
    }
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&o, &ctx);
    if (st == CLCONV_DEVICE_NOT_FOUND) {
        printf("SKIP: no OpenCL device: %s\n", clconv_last_error());
        cleanup_tmpdir();
        exit(TEST_SKIP);
    }
    if (st) {
        FAILF("clconv_context_create(tuning_db \"%s\"): %s: %s", db, clconv_status_string(st),
              clconv_last_error());
        return NULL;
    }
    return ctx;
}

/* N1 C8 K8 HxW 3x3 pad 1. */
static clconv_conv_desc tiny(int h, int w)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 8;
    d.out_channels = 8;
    d.in_size[0] = h;
    d.in_size[1] = w;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    return d;
}

/* A layer of another family (5x5 kernel): no recorded 3x3 layer is near
 * it, so only the heuristics can choose for it. */
static clconv_conv_desc other_family(void)
{
    clconv_conv_desc d = tiny(8, 8);
    d.kernel_size[0] = d.kernel_size[1] = 5;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 2;
    return d;
}

static void problem_key(const clconv_conv_desc *d, char *key, size_t n)
{
    conv_problem p;
    key[0] = '\0';
    if (clconv_problem_from_desc(d, "test_tune", &p)) {
        FAILF("clconv_problem_from_desc: %s", clconv_last_error());
        return;
    }
    clconv_problem_key(&p, key, n);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t n;
    while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s)
        s[len] = '\0';
    return s;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        FAILF("cannot write %s: %s", path, strerror(errno));
        return 0;
    }
    fputs(text, f);
    fclose(f);
    return 1;
}

/* A database file as lines: the two header lines and the entries (lines
 * after them, split on tabs).  Returns the number of entries; *bad counts
 * entry lines that do not have exactly 4 fields. */
typedef struct {
    char key[256], algo[64], params[256];
    double ms;
} db_entry;

static int read_db_file(const char *path, char *head1, char *head2, size_t headn, db_entry *v,
                        int max, int *bad)
{
    *bad = 0;
    head1[0] = head2[0] = '\0';
    char *text = read_file(path);
    if (!text)
        return -1;
    int n = 0, lineno = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        if (lineno == 1) {
            snprintf(head1, headn, "%s", line);
        } else if (lineno == 2) {
            snprintf(head2, headn, "%s", line);
        } else if (*line) {
            char *f[6];
            int nf = 0;
            for (char *s = line; nf < 6;) {
                f[nf++] = s;
                char *tab = strchr(s, '\t');
                if (!tab)
                    break;
                *tab = '\0';
                s = tab + 1;
            }
            if (nf != 4) {
                (*bad)++;
            } else if (n < max) {
                snprintf(v[n].key, sizeof v[n].key, "%s", f[0]);
                snprintf(v[n].algo, sizeof v[n].algo, "%s", f[1]);
                snprintf(v[n].params, sizeof v[n].params, "%s", f[2]);
                v[n].ms = strtod(f[3], NULL);
                n++;
            } else {
                n++;
            }
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    free(text);
    return n;
}

/* The build options a plan of this description must launch with. */
static void expected_options(const char *describe, char *out, size_t n)
{
    int a, b, m;
    out[0] = '\0';
    if (sscanf(describe, "direct ocb %d wb %d", &a, &b) == 2)
        snprintf(out, n, "-DOCB=%d -DWB=%d", a, b);
    else if (sscanf(describe, "winograd_f%*dx%*d tile %dx%*d kblock %d tblock %d", &m, &a, &b) == 3)
        snprintf(out, n, "-DWINO_M=%d -DWINO_KB=%d -DWINO_TB=%d", m, a, b);
}

/* The description without its "; choice: ..." suffix. */
static void kernels_of(const char *describe, char *out, size_t n)
{
    snprintf(out, n, "%s", describe);
    char *c = strstr(out, "; choice:");
    if (c)
        *c = '\0';
}

/* Runs plan once on seeded data with the launch trace on; compares the
 * output with the reference (tolerance tol).  trace (may be NULL) receives
 * the trace.  Returns 1 if it ran. */
static int run_plan(clconv_context *ctx, clconv_plan *plan, const clconv_conv_desc *d, double tol,
                    char *trace, size_t tracen, const char *what)
{
    const size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d),
                 ny = clconv_conv_output_elems(d);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *y = malloc(ny * sizeof *y);
    double *ref = malloc(ny * sizeof *ref);
    cl_mem bx = NULL, by = NULL;
    int ok = 0;
    if (trace)
        trace[0] = '\0';
    if (!x || !w || !y || !ref) {
        FAILF("%s: out of host memory", what);
        goto out;
    }
    test_rng r;
    rng_seed(&r, 1234);
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, w, nw, -1, 1);
    poison_nan(y, ny);
    cl_int err;
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * sizeof(float), x, &err);
    if (err != CL_SUCCESS) {
        FAILF("%s: clCreateBuffer %d", what, err);
        goto out;
    }
    by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * sizeof(float), y, &err);
    if (err != CL_SUCCESS) {
        FAILF("%s: clCreateBuffer %d", what, err);
        goto out;
    }
    clconv_status st = clconv_plan_set_weights_host(plan, w, NULL);
    if (st) {
        FAILF("%s: set_weights: %s", what, clconv_last_error());
        goto out;
    }
    clconv_trace_enable(1);
    st = clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, NULL);
    if (trace)
        snprintf(trace, tracen, "%s", clconv_trace_text());
    clconv_trace_enable(0);
    if (st) {
        FAILF("%s: enqueue: %s", what, clconv_last_error());
        goto out;
    }
    err = clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * sizeof(float), y, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        FAILF("%s: clEnqueueReadBuffer %d", what, err);
        goto out;
    }
    if (clconv_reference_conv(d, x, w, NULL, ref)) {
        FAILF("%s: reference: %s", what, clconv_last_error());
        goto out;
    }
    const double e = rel_l2(y, ref, ny);
    if (!(e <= tol))
        FAILF("%s: rel L2 %.3g > %.0e (%s)", what, e, tol, clconv_plan_describe(plan));
    ok = 1;
out:
    if (bx)
        clReleaseMemObject(bx);
    if (by)
        clReleaseMemObject(by);
    free(x);
    free(w);
    free(y);
    free(ref);
    return ok;
}

/* Plans desc with algo, runs it with the trace on; describe and trace
 * receive the plan's description and launch trace ("" on failure). */
static clconv_algorithm plan_and_trace(clconv_context *ctx, const clconv_conv_desc *d,
                                       clconv_algorithm algo, char *describe, size_t dn,
                                       char *trace, size_t tn, const char *what)
{
    clconv_plan *plan = NULL;
    describe[0] = '\0';
    if (trace)
        trace[0] = '\0';
    clconv_status st = clconv_plan_create(ctx, d, algo, &plan);
    if (st) {
        FAILF("%s: clconv_plan_create(%s): %s: %s", what, clconv_algorithm_name(algo),
              clconv_status_string(st), clconv_last_error());
        return CLCONV_ALGO_AUTO;
    }
    snprintf(describe, dn, "%s", clconv_plan_describe(plan));
    clconv_algorithm got = clconv_plan_algorithm(plan);
    if (trace)
        run_plan(ctx, plan, d, 1e-4, trace, tn, what);
    clconv_plan_destroy(plan);
    return got;
}

static void check_choice(const char *describe, const char *choice, const char *what)
{
    char want[64];
    snprintf(want, sizeof want, "choice: %s", choice);
    if (!ends_with(describe, want))
        FAILF("%s: describe \"%s\" does not end with \"%s\"", what, describe, want);
}

static void check_trace_has(const char *trace, const char *opts, const char *what)
{
    if (!opts[0] || !strstr(trace, opts))
        FAILF("%s: launch trace lacks \"%s\":\n%s", what, opts, trace);
}

static int progress_lines;
static void progress_cb(void *user, const char *line)
{
    (void)user;
    (void)line;
    progress_lines++;
}

/* ---- 1. tuning end to end ------------------------------------------------------ */

static char db_a[512];      /* written by test 1, read by test 3 */
static char head_dev[2200]; /* its "# device: ..." line */
static clconv_tune_report rep_direct, rep_f2;

static void test_tune_end_to_end(void)
{
    snprintf(db_a, sizeof db_a, "%s/a/tuning.txt", tmpdir); /* the directory is made */
    clconv_context *ctx = make_ctx(db_a, NULL);
    if (!ctx)
        return;
    CHECK(!strcmp(clconv_context_tuning_db(ctx), db_a));
    const clconv_conv_desc d = tiny(8, 8);
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    CHECK(o.runs == 5 && o.save == 1 && o.budget_seconds == 0);
    o.runs = 1;
    o.progress = progress_cb;
    const clconv_algorithm algos[2] = {CLCONV_ALGO_DIRECT, CLCONV_ALGO_WINOGRAD_F2X2};
    clconv_tune_report *reps[2] = {&rep_direct, &rep_f2};
    for (int i = 0; i < 2; i++) {
        clconv_tune_report *r = reps[i];
        const char *an = clconv_algorithm_name(algos[i]);
        progress_lines = 0;
        clconv_status st = clconv_tune(ctx, &d, algos[i], &o, r);
        if (st) {
            FAILF("clconv_tune(%s): %s: %s", an, clconv_status_string(st), clconv_last_error());
            continue;
        }
        printf("  tune %s: tried %d (wrong %d, failed %d), best %.4f ms [%s] %s, defaults %.4f ms\n",
               an, r->tried, r->wrong, r->failed, r->best_ms, r->best_params, r->best_describe,
               r->default_ms);
        if (r->algorithm != algos[i] || r->tried < 2 || !(r->best_ms > 0) ||
            !(r->default_ms > 0) || r->wrong != 0 || r->skipped != 0 ||
            (ctx->params.cls == CLCONV_DEV_CPU && r->failed != 0)) /* every CPU candidate builds */
            FAILF("tune %s: algorithm %d tried %d wrong %d failed %d skipped %d best %g ms "
                  "default %g ms",
                  an, (int)r->algorithm, r->tried, r->wrong, r->failed, r->skipped, r->best_ms,
                  r->default_ms);
        if (r->best_ms > r->default_ms)
            FAILF("tune %s: best %g ms slower than the defaults' %g ms", an, r->best_ms,
                  r->default_ms);
        if (strncmp(r->best_describe, an, strlen(an)) != 0 || strstr(r->best_describe, "choice"))
            FAILF("tune %s: best_describe \"%s\"", an, r->best_describe);
        if (progress_lines < r->tried)
            FAILF("tune %s: %d progress lines for %d candidates", an, progress_lines, r->tried);
    }
    clconv_context_destroy(ctx);

    char h1[2200], h2[2200], key[256];
    db_entry v[8];
    int bad;
    int n = read_db_file(db_a, h1, h2, sizeof h1, v, 8, &bad);
    if (n < 0 || !file_exists(db_a)) {
        FAILF("tuning database %s was not written", db_a);
        return;
    }
    snprintf(head_dev, sizeof head_dev, "%s", h2);
    problem_key(&d, key, sizeof key);
    CHECK(!strcmp(h1, MAGIC));
    if (strncmp(h2, "# device: ", 10) != 0)
        FAILF("second line \"%s\" does not name the device", h2);
    if (n != 2 || bad)
        FAILF("%s: %d entries and %d malformed lines, expected 2 entries", db_a, n, bad);
    for (int i = 0; i < n && i < 8; i++) {
        const clconv_tune_report *r = !strcmp(v[i].algo, "direct")          ? &rep_direct
                                      : !strcmp(v[i].algo, "winograd_f2x2") ? &rep_f2
                                                                            : NULL;
        if (!r) {
            FAILF("entry %d: algorithm \"%s\"", i, v[i].algo);
            continue;
        }
        if (strcmp(v[i].key, key) != 0)
            FAILF("entry %d: key \"%s\", expected \"%s\"", i, v[i].key, key);
        if (strcmp(v[i].params, r->best_params) != 0)
            FAILF("entry %d (%s): params \"%s\", the report says \"%s\"", i, v[i].algo,
                  v[i].params, r->best_params);
        if (!(v[i].ms > 0) || fabs(v[i].ms - r->best_ms) > 1e-5 * r->best_ms + 1e-9)
            FAILF("entry %d (%s): %g ms, the report says %g", i, v[i].algo, v[i].ms, r->best_ms);
    }
    /* The atomic write leaves no temporary file behind. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/a", tmpdir);
    DIR *dd = opendir(dir);
    if (dd) {
        struct dirent *e;
        while ((e = readdir(dd)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                strcmp(e->d_name, "tuning.txt") && strcmp(e->d_name, "tuning.txt.lock"))
                FAILF("%s: unexpected file %s", dir, e->d_name);
        closedir(dd);
    }
}

/* ---- 2. wrong candidates --------------------------------------------------------- */

static int hook_reject_wb4(const char *params) { return strstr(params, "direct_w_block=4") != NULL; }
/* One whole candidate of direct's space (tune.c writes every knob of it,
 * in the space's order): extend it when direct gains a knob. */
static const char *only_accepted =
    "direct_oc_block=4,direct_w_block=8,direct_w_vecs=1,direct_pw_w_vecs=1,direct_flat_rows=0";
static int hook_accept_one(const char *params) { return strcmp(params, only_accepted) != 0; }
static int hook_reject_all(const char *params)
{
    (void)params;
    return 1;
}

static void test_wrong_candidates(void)
{
    clconv_context *ctx = make_ctx("", NULL);
    if (!ctx)
        return;
    const clconv_conv_desc d = tiny(8, 8);
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    o.runs = 1;
    o.save = 0;
    clconv_tune_report r;

    clconv_tune_test_hook = hook_reject_wb4;
    clconv_status st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
    if (st)
        FAILF("tune with wb=4 rejected: %s: %s", clconv_status_string(st), clconv_last_error());
    else if (r.wrong < 1 || strstr(r.best_params, "direct_w_block=4") || r.tried <= r.wrong)
        FAILF("tune with wb=4 rejected: tried %d wrong %d best \"%s\"", r.tried, r.wrong,
              r.best_params);

    /* Only one candidate is right (not the defaults): it must win. */
    clconv_tune_test_hook = hook_accept_one;
    st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
    if (st)
        FAILF("tune with one right candidate: %s: %s", clconv_status_string(st),
              clconv_last_error());
    else if (!strstr(r.best_params, only_accepted) || r.wrong != r.tried - 1 || r.wrong < 1 ||
             r.default_ms != 0 || !strstr(r.best_describe, "ocb 4 wb 8"))
        FAILF("tune with one right candidate: tried %d wrong %d default %g best \"%s\" (%s)",
              r.tried, r.wrong, r.default_ms, r.best_params, r.best_describe);

    clconv_tune_test_hook = hook_reject_all;
    st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
    if (st == CLCONV_SUCCESS || !strstr(clconv_last_error(), "no candidate"))
        FAILF("tune with every candidate wrong: %s: \"%s\"", clconv_status_string(st),
              clconv_last_error());
    if (r.tried < 1 || r.wrong != r.tried)
        FAILF("tune with every candidate wrong: tried %d wrong %d", r.tried, r.wrong);
    clconv_tune_test_hook = NULL;
    clconv_context_destroy(ctx);
}

/* ---- 3. the database in plans ------------------------------------------------------ */

static char key_a[256], key_b[256];
static char db_h[512]; /* hand-written: read by test 7 too */

static void test_database_in_plans(void)
{
    const clconv_conv_desc da = tiny(8, 8), db = tiny(9, 9);
    char desc[256], trace[16384], want[128], kern[256];
    log_buf log;

    /* (a) what test 1 wrote. */
    db_entry v[8];
    char h1[2200], h2[2200];
    int bad;
    int n = read_db_file(db_a, h1, h2, sizeof h1, v, 8, &bad);
    clconv_context *ctx = n == 2 ? make_ctx(db_a, &log) : NULL;
    if (ctx) {
        const db_entry *fast = v[0].ms <= v[1].ms ? &v[0] : &v[1];
        const clconv_tune_report *r = !strcmp(fast->algo, "direct") ? &rep_direct : &rep_f2;
        clconv_algorithm got = plan_and_trace(ctx, &da, CLCONV_ALGO_AUTO, desc, sizeof desc, trace,
                                              sizeof trace, "AUTO on the tuned database");
        check_choice(desc, "database", "AUTO on the tuned database");
        if (strcmp(clconv_algorithm_name(got), fast->algo) != 0)
            FAILF("AUTO on the tuned database ran %s; the fastest entry is %s (%g ms)",
                  clconv_algorithm_name(got), fast->algo, fast->ms);
        kernels_of(desc, kern, sizeof kern);
        if (strcmp(kern, r->best_describe) != 0)
            FAILF("AUTO on the tuned database: \"%s\", the tuner's best was \"%s\"", desc,
                  r->best_describe);
        expected_options(r->best_describe, want, sizeof want);
        check_trace_has(trace, want, "AUTO on the tuned database");
        /* Each named algorithm takes its own entry. */
        const clconv_algorithm named[2] = {CLCONV_ALGO_DIRECT, CLCONV_ALGO_WINOGRAD_F2X2};
        const clconv_tune_report *reps[2] = {&rep_direct, &rep_f2};
        for (int i = 0; i < 2; i++) {
            plan_and_trace(ctx, &da, named[i], desc, sizeof desc, trace, sizeof trace,
                           clconv_algorithm_name(named[i]));
            check_choice(desc, "database", clconv_algorithm_name(named[i]));
            kernels_of(desc, kern, sizeof kern);
            if (strcmp(kern, reps[i]->best_describe) != 0)
                FAILF("%s on the tuned database: \"%s\", the tuner's best was \"%s\"",
                      clconv_algorithm_name(named[i]), desc, reps[i]->best_describe);
            expected_options(reps[i]->best_describe, want, sizeof want);
            check_trace_has(trace, want, clconv_algorithm_name(named[i]));
        }
        plan_and_trace(ctx, &da, CLCONV_ALGO_WINOGRAD_F4X4, desc, sizeof desc, NULL, 0,
                       "untuned f4x4");
        check_choice(desc, "heuristics", "winograd_f4x4 (not tuned)");
        const clconv_conv_desc dother = other_family();
        plan_and_trace(ctx, &dother, CLCONV_ALGO_AUTO, desc, sizeof desc, NULL, 0, "other layer");
        check_choice(desc, "heuristics", "AUTO on an untuned layer");
        if (strstr(log.text, "corrupt") || strstr(log.text, "ignored"))
            FAILF("the library's own database was logged as bad:\n%s", log.text);
        clconv_context_destroy(ctx);
    } else if (n != 2) {
        FAILF("no database from test 1 to read back (%d entries)", n);
    }

    /* (b) hand-written entries whose choice differs from the heuristics'
     * (AUTO takes direct ocb 8 wb 8 on these small layers). */
    problem_key(&da, key_a, sizeof key_a);
    problem_key(&db, key_b, sizeof key_b);
    if (n >= 1 && strcmp(v[0].key, key_a) != 0)
        FAILF("file key \"%s\" != problem key \"%s\"", v[0].key, key_a);
    snprintf(db_h, sizeof db_h, "%s/hand.txt", tmpdir);
    char text[4096];
    snprintf(text, sizeof text,
             "%s\n%s\n"
             "%s\twinograd_f2x2\twino_k_block=4,wino_t_block=2\t0.5\n"
             "%s\tdirect\tdirect_oc_block=4,direct_w_block=4\t0.001\n"
             "%s\tdirect\tdirect_oc_block=4,direct_w_block=4\t0.01\n"
             "%s\twinograd_f2x2\twino_k_block=4,wino_t_block=4\t0.0001\n",
             MAGIC, head_dev, key_a, key_a, key_b, key_b);
    if (!write_file(db_h, text) || !(ctx = make_ctx(db_h, &log)))
        return;
    clconv_algorithm got = plan_and_trace(ctx, &da, CLCONV_ALGO_AUTO, desc, sizeof desc, trace,
                                          sizeof trace, "AUTO, hand-written direct entry");
    check_choice(desc, "database", "AUTO, hand-written direct entry");
    if (got != CLCONV_ALGO_DIRECT || !strstr(desc, "direct ocb 4 wb 4"))
        FAILF("AUTO, hand-written direct entry: \"%s\"", desc);
    check_trace_has(trace, "-DOCB=4 -DWB=4", "AUTO, hand-written direct entry");
    got = plan_and_trace(ctx, &da, CLCONV_ALGO_WINOGRAD_F2X2, desc, sizeof desc, trace,
                         sizeof trace, "winograd_f2x2, hand-written entry");
    check_choice(desc, "database", "winograd_f2x2, hand-written entry");
    /* (On a CPU a layer of <= 16 tiles takes them all in one block,
     * whatever wino_t_block says: only kblock 4 is the entry's.) */
    if (!strstr(desc, "kblock 4 tblock"))
        FAILF("winograd_f2x2, hand-written entry: \"%s\"", desc);
    check_trace_has(trace, "-DWINO_M=2 -DWINO_KB=4 ", "winograd_f2x2, hand-written entry");
    got = plan_and_trace(ctx, &db, CLCONV_ALGO_AUTO, desc, sizeof desc, trace, sizeof trace,
                         "AUTO, hand-written winograd entry");
    check_choice(desc, "database", "AUTO, hand-written winograd entry");
    if (got != CLCONV_ALGO_WINOGRAD_F2X2 || !strstr(desc, "kblock 4 tblock 4"))
        FAILF("AUTO, hand-written winograd entry (the faster one): \"%s\"", desc);
    check_trace_has(trace, "-DWINO_M=2 -DWINO_KB=4 -DWINO_TB=4",
                    "AUTO, hand-written winograd entry");
    const clconv_conv_desc dc = other_family();
    got = plan_and_trace(ctx, &dc, CLCONV_ALGO_AUTO, desc, sizeof desc, trace, sizeof trace,
                         "AUTO, layer not in the file");
    check_choice(desc, "heuristics", "AUTO, layer not in the file");
    if (strstr(trace, "-DOCB=4 -DWB=4") || got != CLCONV_ALGO_DIRECT)
        FAILF("AUTO, layer not in the file: \"%s\"\n%s", desc, trace);
    /* Explicit params skip the database (the defaults here, not ocb 4). */
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create_with_params(ctx, &da, CLCONV_ALGO_DIRECT, "", &plan);
    if (st)
        FAILF("with_params \"\": %s", clconv_last_error());
    else if (!ends_with(clconv_plan_describe(plan), "choice: explicit params") ||
             strstr(clconv_plan_describe(plan), "ocb 4 wb 4"))
        FAILF("with_params \"\" on a tuned layer: \"%s\"", clconv_plan_describe(plan));
    clconv_plan_destroy(plan);
    clconv_context_destroy(ctx);
}

/* ---- 4. corrupt and foreign files ---------------------------------------------- */

static void test_corrupt_and_foreign(void)
{
    const clconv_conv_desc da = tiny(8, 8);
    char desc[256], trace[16384], path[600];
    log_buf log;
    clconv_context *ctx;
    if (!head_dev[0] || !key_a[0]) {
        FAILF("no header or key from the earlier tests");
        return;
    }
    /* Garbage around one good line (an overlong one among it). */
    char longjunk[1601];
    memset(longjunk, 'x', sizeof longjunk - 1);
    longjunk[sizeof longjunk - 1] = '\0';
    size_t tn = 8192;
    char *text = malloc(tn);
    if (!text)
        return;
    snprintf(text, tn,
             "%s\n%s\n"
             "garbage\n"
             "%s\tdirect\tdirect_oc_block=8\n"                            /* 3 fields */
             "%s\tdirect\tdirect_oc_block=8\t0.0001\textra\n"             /* 5 fields */
             "%s\tno_such_algo\t\t0.0001\n"                               /* unknown algorithm */
             "%s\tdirect\tdirect_oc_block=8,direct_w_block=8\t-1\n"       /* negative time */
             "%s\tauto\t\t0.0001\n"                                       /* AUTO is no entry */
             "%s\tdirect\tdirect_oc_block=8,direct_w_block=8\tfast\n"     /* not a number */
             "\tdirect\tdirect_oc_block=8,direct_w_block=8\t0.0001\n"     /* empty key */
             "%s\tdirect\tdirect_oc_block=4,direct_w_block=4\t0.01\n"     /* the good one */
             "%s%s\tdirect\tdirect_oc_block=8,direct_w_block=8\t0.0001\n" /* overlong */
             "%s\twinograd_f2x2\twino_k_block=4\t0.0001\tmore\n"
             "\x01\x02\x03\n",
             MAGIC, head_dev, key_a, key_a, key_a, key_a, key_a, key_a, key_a, longjunk, key_a,
             key_a);
    snprintf(path, sizeof path, "%s/corrupt.txt", tmpdir);
    int ok = write_file(path, text);
    if (ok && (ctx = make_ctx(path, &log))) {
        clconv_algorithm got = plan_and_trace(ctx, &da, CLCONV_ALGO_AUTO, desc, sizeof desc, trace,
                                              sizeof trace, "AUTO, corrupt file");
        check_choice(desc, "database", "AUTO, corrupt file");
        if (got != CLCONV_ALGO_DIRECT || !strstr(desc, "direct ocb 4 wb 4"))
            FAILF("AUTO, corrupt file: \"%s\" (the good entry is direct ocb 4 wb 4)", desc);
        check_trace_has(trace, "-DOCB=4 -DWB=4", "AUTO, corrupt file");
        if (!strstr(log.text, "corrupt") || !strstr(log.text, path))
            FAILF("the log does not report the corrupt lines of %s:\n%s", path, log.text);
        plan_and_trace(ctx, &da, CLCONV_ALGO_WINOGRAD_F2X2, desc, sizeof desc, NULL, 0,
                       "winograd_f2x2, corrupt file");
        check_choice(desc, "heuristics", "winograd_f2x2, corrupt file (no good entry)");
        clconv_context_destroy(ctx);
    }

    /* An overlong line is one corrupt line, not several: its tail after
     * 1023 bytes of junk (what a 1 KiB line buffer holds) would read as a
     * faster entry for the same layer. */
    memset(longjunk, 'x', 1023);
    longjunk[1023] = '\0';
    snprintf(text, tn,
             "%s\n%s\n"
             "%s\tdirect\tdirect_oc_block=4,direct_w_block=4\t0.01\n"
             "%s%s\tdirect\tdirect_oc_block=8,direct_w_block=8\t0.0001\n",
             MAGIC, head_dev, key_a, longjunk, key_a);
    snprintf(path, sizeof path, "%s/overlong.txt", tmpdir);
    ok = write_file(path, text);
    free(text);
    if (ok && (ctx = make_ctx(path, &log))) {
        plan_and_trace(ctx, &da, CLCONV_ALGO_AUTO, desc, sizeof desc, NULL, 0,
                       "AUTO, overlong line");
        if (!strstr(desc, "direct ocb 4 wb 4; choice: database"))
            FAILF("AUTO, overlong line: \"%s\": the tail of a %zu-byte line was read as an "
                  "entry (the good entry is direct ocb 4 wb 4)",
                  desc, strlen(longjunk) + strlen(key_a) + 48);
        if (!strstr(log.text, "corrupt"))
            FAILF("the log does not report the overlong line of %s:\n%s", path, log.text);
        clconv_context_destroy(ctx);
    }

    /* A well-formed line whose parameters this version cannot apply: the
     * defaults, logged. */
    snprintf(path, sizeof path, "%s/badparams.txt", tmpdir);
    char small[3000];
    snprintf(small, sizeof small, "%s\n%s\n%s\tdirect\tnonsense_knob=3\t0.01\n", MAGIC, head_dev,
             key_a);
    if (write_file(path, small) && (ctx = make_ctx(path, &log))) {
        plan_and_trace(ctx, &da, CLCONV_ALGO_DIRECT, desc, sizeof desc, NULL, 0,
                       "direct, entry with an unknown parameter");
        check_choice(desc, "heuristics", "direct, entry with an unknown parameter");
        if (!strstr(log.text, "nonsense_knob"))
            FAILF("the log does not name the unknown parameter:\n%s", log.text);
        clconv_context_destroy(ctx);
    }

    /* Another device's file, and a file that is no database: ignored whole. */
    const char *heads[2][2] = {{MAGIC, "# device: something else"},
                               {"some other file", "# device: something else"}};
    const char *why[2] = {"another device", "not a clconv tuning database"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/foreign%d.txt", tmpdir, i);
        snprintf(small, sizeof small, "%s\n%s\n%s\tdirect\tdirect_oc_block=4,direct_w_block=4\t0.01\n",
                 heads[i][0], i ? head_dev : heads[i][1], key_a);
        if (!write_file(path, small) || !(ctx = make_ctx(path, &log)))
            continue;
        plan_and_trace(ctx, &da, CLCONV_ALGO_AUTO, desc, sizeof desc, trace, sizeof trace,
                       why[i]);
        check_choice(desc, "heuristics", why[i]);
        if (strstr(trace, "-DOCB=4 -DWB=4"))
            FAILF("%s: the entry was used:\n%s", why[i], trace);
        if (!strstr(log.text, why[i]) || !strstr(log.text, path))
            FAILF("%s: the log does not say so for %s:\n%s", why[i], path, log.text);
        clconv_context_destroy(ctx);
    }
}

/* ---- 5. concurrent writers ----------------------------------------------------------- */

enum { WRITERS = 3, LAYERS_PER_WRITER = 3 };

static clconv_conv_desc writer_layer(int writer, int j)
{
    const int s = 5 + writer * LAYERS_PER_WRITER + j; /* a different size per layer */
    return tiny(s, s + 1);
}

/* The child: a context, then wait for the start (the pipe's EOF), then
 * tune its layers (defaults only: the budget is spent at once). */
static int writer_main(const char *db, int fd, int writer)
{
    clconv_context *ctx = make_ctx(db, NULL);
    if (!ctx)
        return 1;
    char c;
    while (read(fd, &c, 1) > 0)
        ;
    close(fd);
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    o.runs = 1;
    o.budget_seconds = 1e-9;
    for (int j = 0; j < LAYERS_PER_WRITER; j++) {
        const clconv_conv_desc d = writer_layer(writer, j);
        clconv_tune_report r;
        clconv_status st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
        if (st)
            FAILF("writer %d layer %d: %s: %s", writer, j, clconv_status_string(st),
                  clconv_last_error());
        else if (r.tried != 1 || r.skipped < 1 || r.best_params[0])
            FAILF("writer %d layer %d: a spent budget tried %d skipped %d best \"%s\"", writer, j,
                  r.tried, r.skipped, r.best_params);
    }
    clconv_context_destroy(ctx);
    return test_failures ? 1 : 0;
}

static void test_concurrent_writers(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/shared/tuning.txt", tmpdir);
    int fds[2];
    if (pipe(fds) != 0) {
        FAILF("pipe: %s", strerror(errno));
        return;
    }
    pid_t pid[WRITERS];
    int started = 0;
    fflush(stdout);
    for (int i = 0; i < WRITERS; i++) {
        pid[i] = fork();
        if (pid[i] < 0) {
            FAILF("fork: %s", strerror(errno));
            break;
        }
        if (pid[i] == 0) {
            close(fds[1]);
            char fd_s[16], i_s[16];
            snprintf(fd_s, sizeof fd_s, "%d", fds[0]);
            snprintf(i_s, sizeof i_s, "%d", i);
            execl("/proc/self/exe", "test_tune", "--child", db, fd_s, i_s, (char *)NULL);
            _exit(127);
        }
        started++;
    }
    close(fds[0]);
    /* Let every child reach the start line, then release them together. */
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    close(fds[1]);
    for (int i = 0; i < started; i++) {
        int status = 0;
        if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            FAILF("writer %d: %s %d", i, WIFEXITED(status) ? "exit" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
    if (started != WRITERS)
        return;

    db_entry v[32];
    char h1[2200], h2[2200];
    int bad;
    int n = read_db_file(db, h1, h2, sizeof h1, v, 32, &bad);
    if (n != WRITERS * LAYERS_PER_WRITER || bad || strcmp(h1, MAGIC) != 0)
        FAILF("%s after %d writers: %d entries (expected %d), %d malformed, header \"%s\"", db,
              WRITERS, n, WRITERS * LAYERS_PER_WRITER, bad, h1);
    log_buf log;
    clconv_context *ctx = make_ctx(db, &log);
    if (!ctx)
        return;
    for (int i = 0; i < WRITERS; i++)
        for (int j = 0; j < LAYERS_PER_WRITER; j++) {
            const clconv_conv_desc d = writer_layer(i, j);
            char key[256], desc[256], what[64];
            problem_key(&d, key, sizeof key);
            int found = 0;
            for (int e = 0; e < n && e < 32; e++)
                found += !strcmp(v[e].key, key) && !strcmp(v[e].algo, "direct");
            if (found != 1)
                FAILF("writer %d layer %d: %d entries for %s", i, j, found, key);
            snprintf(what, sizeof what, "writer %d layer %d", i, j);
            plan_and_trace(ctx, &d, CLCONV_ALGO_AUTO, desc, sizeof desc, NULL, 0, what);
            check_choice(desc, "database", what);
        }
    if (strstr(log.text, "corrupt"))
        FAILF("the concurrently written file has corrupt lines:\n%s", log.text);
    clconv_context_destroy(ctx);
}

/* ---- 6. unwritable path, and no database ------------------------------------------------ */

/* Names, sizes and mtimes of the files in dir whose name starts with prefix. */
static void snapshot(const char *dir, const char *prefix, char *out, size_t n)
{
    size_t u = 0;
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && u < n) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char p[1600];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0)
            continue;
        u += (size_t)snprintf(out + u, n - u, "%s:%lld:%lld.%09ld\n", e->d_name,
                              (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                              st.st_mtim.tv_nsec);
    }
    closedir(d);
}

static void test_unwritable_and_none(void)
{
    const clconv_conv_desc d = tiny(8, 8);
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    o.runs = 1;
    o.budget_seconds = 1e-9; /* defaults only */
    clconv_tune_report r;
    char path[700], blocker[600];
    snprintf(blocker, sizeof blocker, "%s/file", tmpdir);
    snprintf(path, sizeof path, "%s/tuning.txt", blocker);
    if (!write_file(blocker, "a regular file, not a directory\n"))
        return;
    clconv_context *ctx = make_ctx(path, NULL);
    if (ctx) {
        CHECK(!strcmp(clconv_context_tuning_db(ctx), path));
        clconv_status st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
        if (st == CLCONV_SUCCESS || !strstr(clconv_last_error(), path))
            FAILF("tune into %s: %s: \"%s\"", path, clconv_status_string(st), clconv_last_error());
        char *b = read_file(blocker);
        if (!b || strcmp(b, "a regular file, not a directory\n") != 0)
            FAILF("the file in the way was changed");
        free(b);
        clconv_context_destroy(ctx);
    }

    /* tuning_db = "": tune succeeds and records nothing, anywhere. */
    ctx = make_ctx("", NULL);
    if (!ctx)
        return;
    CHECK(!strcmp(clconv_context_tuning_db(ctx), ""));
    char before[8192], after[8192], cb[8192], ca[8192];
    const char *env_db = getenv("CLCONV_TUNING_DB");
    snapshot(tmpdir, "", before, sizeof before);
    snapshot(ctx->cache_dir, "tuning", cb, sizeof cb);
    struct stat es0, es1;
    const int env_had = env_db && *env_db && stat(env_db, &es0) == 0;
    clconv_status st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, &r);
    if (st)
        FAILF("tune with no database: %s: %s", clconv_status_string(st), clconv_last_error());
    snapshot(tmpdir, "", after, sizeof after);
    snapshot(ctx->cache_dir, "tuning", ca, sizeof ca);
    if (strcmp(before, after) != 0)
        FAILF("tune with no database changed %s:\n%s---\n%s", tmpdir, before, after);
    if (strcmp(cb, ca) != 0)
        FAILF("tune with no database changed %s:\n%s---\n%s", ctx->cache_dir, cb, ca);
    if (env_db && *env_db &&
        (env_had != (stat(env_db, &es1) == 0) ||
         (env_had && (es0.st_size != es1.st_size || es0.st_mtim.tv_sec != es1.st_mtim.tv_sec ||
                      es0.st_mtim.tv_nsec != es1.st_mtim.tv_nsec))))
        FAILF("tune with no database changed $CLCONV_TUNING_DB %s", env_db);
    char desc[256];
    plan_and_trace(ctx, &d, CLCONV_ALGO_AUTO, desc, sizeof desc, NULL, 0, "no database");
    check_choice(desc, "heuristics", "AUTO after tuning with no database");
    clconv_context_destroy(ctx);
}

/* ---- 7. find ----------------------------------------------------------------------------- */

static void test_find(void)
{
    const clconv_conv_desc d = tiny(8, 8);
    /* The hand-written database of test 3: direct and winograd_f2x2 are
     * tuned for this layer, the others are not. */
    clconv_context *ctx = make_ctx(db_h, NULL);
    if (!ctx)
        return;
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    o.runs = 2;
    clconv_find_result res[CLCONV_ALGO_COUNT + 2];
    int count = -1;
    clconv_status st = clconv_find(ctx, &d, &o, res, CLCONV_ALGO_COUNT + 2, &count);
    if (st) {
        FAILF("clconv_find: %s: %s", clconv_status_string(st), clconv_last_error());
        clconv_context_destroy(ctx);
        return;
    }
    if (count < 3 || count > CLCONV_ALGO_COUNT - 1)
        FAILF("clconv_find: count %d", count);
    int seen[CLCONV_ALGO_COUNT] = {0};
    for (int i = 0; i < count && i < CLCONV_ALGO_COUNT + 2; i++) {
        const clconv_find_result *r = &res[i];
        const char *an = clconv_algorithm_name(r->algorithm);
        if (!an || r->algorithm == CLCONV_ALGO_AUTO) {
            FAILF("record %d: algorithm %d", i, (int)r->algorithm);
            continue;
        }
        if (seen[r->algorithm]++)
            FAILF("record %d: %s twice", i, an);
        if (r->status == CLCONV_SUCCESS && !(r->time_ms > 0))
            FAILF("record %d (%s): time %g", i, an, r->time_ms);
        if (r->status != CLCONV_SUCCESS && r->time_ms != 0)
            FAILF("record %d (%s): failed (%s) but time %g", i, an,
                  clconv_status_string(r->status), r->time_ms);
        if (i > 0) {
            const clconv_find_result *p = &res[i - 1];
            if (r->status == CLCONV_SUCCESS && p->status != CLCONV_SUCCESS)
                FAILF("record %d (%s) succeeded after a failed one", i, an);
            if (r->status == CLCONV_SUCCESS && p->status == CLCONV_SUCCESS &&
                r->time_ms < p->time_ms)
                FAILF("records not sorted: %s %g ms after %s %g ms", an, r->time_ms,
                      clconv_algorithm_name(p->algorithm), p->time_ms);
        }
        const char *want = r->algorithm == CLCONV_ALGO_DIRECT ? "direct_oc_block=4,direct_w_block=4"
                           : r->algorithm == CLCONV_ALGO_WINOGRAD_F2X2
                               ? "wino_k_block=4,wino_t_block=2"
                               : "";
        if (r->tuned != (want[0] != 0) || strcmp(r->params, want) != 0)
            FAILF("record %d (%s): tuned %d params \"%s\", expected \"%s\"", i, an, r->tuned,
                  r->params, want);
        if (r->status != CLCONV_SUCCESS && r->algorithm != CLCONV_ALGO_GEMM)
            FAILF("record %d (%s): %s", i, an, clconv_status_string(r->status));
    }
    /* igemm, like direct, runs every layer. */
    const clconv_algorithm must[4] = {CLCONV_ALGO_DIRECT, CLCONV_ALGO_WINOGRAD_F2X2,
                                      CLCONV_ALGO_WINOGRAD_F4X4, CLCONV_ALGO_IGEMM};
    for (int i = 0; i < 4; i++)
        if (!seen[must[i]])
            FAILF("clconv_find: no record for %s", clconv_algorithm_name(must[i]));
    for (int a = CLCONV_ALGO_DEPTHWISE; a < CLCONV_ALGO_COUNT; a++)
        if (seen[a] && a != CLCONV_ALGO_IGEMM)
            FAILF("clconv_find: a record for %s, which cannot run this layer",
                  clconv_algorithm_name((clconv_algorithm)a));

    if (count > 0 && res[0].status == CLCONV_SUCCESS) {
        clconv_plan *plan = NULL;
        st = clconv_plan_create_from_result(ctx, &d, &res[0], &plan);
        if (st) {
            FAILF("create_from_result(%s): %s", clconv_algorithm_name(res[0].algorithm),
                  clconv_last_error());
        } else {
            if (clconv_plan_algorithm(plan) != res[0].algorithm)
                FAILF("create_from_result: plan runs %s, the record is %s",
                      clconv_algorithm_name(clconv_plan_algorithm(plan)),
                      clconv_algorithm_name(res[0].algorithm));
            if (res[0].tuned && !strstr(clconv_plan_describe(plan),
                                        res[0].algorithm == CLCONV_ALGO_DIRECT ? "ocb 4 wb 4"
                                                                               : "kblock 4 "))
                FAILF("create_from_result: \"%s\" is not the record's params \"%s\"",
                      clconv_plan_describe(plan), res[0].params);
            run_plan(ctx, plan, &d, 1e-4, NULL, 0, "create_from_result");
            clconv_plan_destroy(plan);
        }
    } else {
        FAILF("clconv_find: the first record did not succeed");
    }
    /* Argument errors. */
    clconv_plan *plan = (clconv_plan *)&d;
    st = clconv_plan_create_from_result(ctx, &d, NULL, &plan);
    if (st != CLCONV_INVALID_ARGUMENT || plan)
        FAILF("create_from_result(NULL): %s", clconv_status_string(st));
    st = clconv_find(ctx, &d, &o, res, CLCONV_ALGO_COUNT, NULL);
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("clconv_find(count NULL): %s", clconv_status_string(st));
    /* max_results 1: only the fastest, which ran. */
    count = -1;
    o.runs = 1;
    st = clconv_find(ctx, &d, &o, res, 1, &count);
    if (st || count != 1 || res[0].status != CLCONV_SUCCESS)
        FAILF("clconv_find(max_results 1): %s count %d", clconv_status_string(st), count);
    clconv_context_destroy(ctx);
}

/* ---- 8. explicit params and argument errors ------------------------------------------- */

static void test_params_and_errors(void)
{
    const clconv_conv_desc d = tiny(8, 8);
    clconv_context *ctx = make_ctx("", NULL);
    if (!ctx)
        return;
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create_with_params(ctx, &d, CLCONV_ALGO_DIRECT,
                                                      "direct_oc_block=4", &plan);
    if (st) {
        FAILF("with_params direct_oc_block=4: %s: %s", clconv_status_string(st),
              clconv_last_error());
    } else {
        const char *ds = clconv_plan_describe(plan);
        if (!strstr(ds, "ocb 4") || !ends_with(ds, "choice: explicit params"))
            FAILF("with_params direct_oc_block=4: \"%s\"", ds);
        char trace[16384];
        run_plan(ctx, plan, &d, 1e-5, trace, sizeof trace, "with_params direct_oc_block=4");
        check_trace_has(trace, "-DOCB=4 ", "with_params direct_oc_block=4");
        clconv_plan_destroy(plan);
    }
    const char *bad[3] = {"class=gpu", "nonsense=1", "direct_w_block=3"};
    for (int i = 0; i < 3; i++) {
        plan = (clconv_plan *)&d;
        st = clconv_plan_create_with_params(ctx, &d, CLCONV_ALGO_DIRECT, bad[i], &plan);
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(bad[i], "="), bad[i]);
        if (st != CLCONV_INVALID_ARGUMENT || plan || !strstr(clconv_last_error(), name))
            FAILF("with_params \"%s\": %s, plan %p: \"%s\"", bad[i], clconv_status_string(st),
                  (void *)plan, clconv_last_error());
    }
    clconv_tune_options o;
    clconv_tune_options_init(&o);
    o.runs = 1;
    o.save = 0;
    clconv_tune_report r;
    st = clconv_tune(ctx, &d, CLCONV_ALGO_AUTO, &o, &r);
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("tune AUTO: %s", clconv_status_string(st));
    st = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &o, NULL);
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("tune with report NULL: %s", clconv_status_string(st));
    st = clconv_tune(ctx, &d, CLCONV_ALGO_COUNT, &o, &r);
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("tune algorithm COUNT: %s", clconv_status_string(st));
    st = clconv_tune(NULL, &d, CLCONV_ALGO_DIRECT, &o, &r);
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("tune with context NULL: %s", clconv_status_string(st));
    clconv_conv_desc one = d;
    one.kernel_size[0] = one.kernel_size[1] = 1;
    one.pads_begin[0] = one.pads_begin[1] = one.pads_end[0] = one.pads_end[1] = 0;
    st = clconv_tune(ctx, &one, CLCONV_ALGO_WINOGRAD_F2X2, &o, &r);
    if (st != CLCONV_UNSUPPORTED)
        FAILF("tune winograd on a 1x1 layer: %s", clconv_status_string(st));
    CHECK(!strcmp(clconv_context_tuning_db(NULL), ""));
    clconv_context_destroy(ctx);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && !strcmp(argv[1], "--child"))
        return writer_main(argv[2], atoi(argv[3]), atoi(argv[4]));

    snprintf(tmpdir, sizeof tmpdir, "/tmp/clconv-test-tune-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"tune end to end", test_tune_end_to_end},
        {"wrong candidates", test_wrong_candidates},
        {"database in plans", test_database_in_plans},
        {"corrupt and foreign files", test_corrupt_and_foreign},
        {"concurrent writers", test_concurrent_writers},
        {"unwritable path and no database", test_unwritable_and_none},
        {"find", test_find},
        {"explicit params and errors", test_params_and_errors},
    };
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        const int before = test_failures;
        tests[i].fn();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%s: %s (%.1f s)\n", tests[i].name, test_failures == before ? "ok" : "FAILED",
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    }
    clconv_tune_test_hook = NULL;
    cleanup_tmpdir();
    if (test_failures) {
        printf("test_tune: %d failures\n", test_failures);
        return 1;
    }
    printf("test_tune: all passed\n");
    return 0;
}
