/* The layer runner behind `suite` and `problem` (see runner.h). */
#define _POSIX_C_SOURCE 200809L /* strcasecmp, isatty */
#include "runner.h"
#include "bench.h"
#include "conv_job.h"
#include "deform_job.h"
#include "outfile.h"
#include "peer.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const bench_peer *const known_peers[] = {&bench_peer_onednn, &bench_peer_clblast};
#define N_KNOWN_PEERS ((int)(sizeof known_peers / sizeof *known_peers))

/* ---- options ---------------------------------------------------------------- */

void runner_opts_init(runner_opts *o)
{
    memset(o, 0, sizeof *o);
    o->algos = "auto";
    o->runs = 5;
    o->check = -1;
    o->seed = 1;
}

int runner_opt(arg_cursor *c, runner_opts *o, int *bad)
{
    const char *v = NULL;
    *bad = 0;
    if (arg_opt(c, "--algo", &v))
        o->algos = v;
    else if (arg_opt(c, "--runs", &v) || arg_opt(c, "--reps", &v))
        *bad = parse_int("--runs", v, 1, 100000, &o->runs);
    else if (arg_opt(c, "--device", &v))
        o->device = v;
    else if (arg_flag(c, "--check"))
        o->check = 1;
    else if (arg_flag(c, "--no-check"))
        o->check = 0;
    else if (arg_opt(c, "--layers", &v))
        o->layers = v;
    else if (arg_opt(c, "--peers", &v))
        o->peers = v;
    else if (arg_opt(c, "--out", &v))
        o->out = v;
    else if (arg_opt(c, "--format", &v))
        o->format = v;
    else if (arg_opt(c, "--csv", &v)) {
        o->out = v;
        o->format = "csv";
    } else if (arg_opt(c, "--seed", &v))
        *bad = parse_u64("--seed", v, &o->seed);
    else
        return 0;
    *bad |= c->error;
    return 1;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcasecmp(s + n - m, tail) == 0;
}

int runner_format(const char *format, const char *out, report_format *f)
{
    if (format) {
        if (!strcmp(format, "table"))
            *f = FORMAT_TABLE;
        else if (!strcmp(format, "csv"))
            *f = FORMAT_CSV;
        else if (!strcmp(format, "json"))
            *f = FORMAT_JSON;
        else {
            bench_msg("--format: '%s' is not one of table, csv, json", format);
            return BENCH_INVALID;
        }
        return BENCH_OK;
    }
    *f = !out                   ? FORMAT_TABLE
         : ends_with(out, ".csv")  ? FORMAT_CSV
         : ends_with(out, ".json") ? FORMAT_JSON
                                   : FORMAT_TABLE;
    return BENCH_OK;
}

/* --peers onednn,clblast (or "all", or "none"): indices into known_peers. */
static int parse_peers(const char *spec, int *idx, int *n)
{
    *n = 0;
    if (!spec || !strcmp(spec, "none") || !*spec)
        return BENCH_OK;
    if (!strcmp(spec, "all")) {
        for (int k = 0; k < N_KNOWN_PEERS; k++)
            idx[(*n)++] = k;
        return BENCH_OK;
    }
    for (const char *p = spec;;) {
        size_t len = strcspn(p, ",");
        int k = 0;
        while (k < N_KNOWN_PEERS &&
               !(strlen(known_peers[k]->name) == len && !strncmp(known_peers[k]->name, p, len)))
            k++;
        if (k == N_KNOWN_PEERS) {
            bench_msg("--peers: '%.*s' is not a peer (onednn, clblast, all, none)", (int)len, p);
            return BENCH_INVALID;
        }
        for (int i = 0; i < *n; i++)
            if (idx[i] == k) {
                bench_msg("--peers: '%s' is listed twice", known_peers[k]->name);
                return BENCH_INVALID;
            }
        idx[(*n)++] = k;
        if (!p[len])
            return BENCH_OK;
        p += len + 1;
    }
}

/* ---- progress ------------------------------------------------------------------ */

/* "layer i/n" with the elapsed time and an estimate, on stderr: always on
 * a terminal (a status line rewritten in place, bench_status), otherwise
 * only once a run has taken more than 5 seconds, and then at most every
 * ten seconds, so that logs get a heartbeat without a line per layer. */
typedef struct progress {
    int tty, total, done;
    double t0, last;
} progress;

static void progress_update(progress *p, const char *name)
{
    const double now = bench_now_ms(), el = (now - p->t0) * 1e-3;
    if (p->tty && p->done == p->total) {
        bench_status_clear();
        return;
    }
    if (!p->tty && (el < 5 || now - p->last < 10e3 || p->done == p->total))
        return;
    p->last = now;
    const double left = p->done ? el / p->done * (p->total - p->done) : 0;
    char line[256];
    snprintf(line, sizeof line, "[%d/%d] %-24s %6.1f s elapsed, about %.0f s left", p->done,
             p->total, name, el, left);
    if (p->tty)
        bench_status(line);
    else
        fprintf(stderr, "%s\n", line);
}

/* ---- one layer ------------------------------------------------------------------ */

typedef struct run_state {
    clconv_context *ctx;
    const runner_opts *o;
    int check, all;
    const clconv_algorithm *list;
    int nlist;
    int npeers;
    const bench_peer *peers[BENCH_MAX_PEERS];
    void *peer_state[BENCH_MAX_PEERS];
    report rep;
    FILE *table[2]; /* stdout and/or the --out file, NULL when not a table */
    int failed, wrong, unsupported, runs;
    double max_err, plan_ms, first_ms;
} run_state;

/* Whether algorithm a runs the deformable layer: whether its plan can be
 * made (the deform API has no supports query).  An algorithm without a
 * deformable form fails before building anything; a plan that is made
 * leaves its program in the context's cache for the row's own plan. */
static int deform_supports(clconv_context *ctx, const clconv_deform_conv_desc *d,
                           clconv_algorithm a)
{
    clconv_deform_plan *plan = NULL;
    const clconv_status st = clconv_deform_plan_create(ctx, d, a, &plan);
    clconv_deform_plan_destroy(plan);
    return st == CLCONV_SUCCESS;
}

/* The algorithms to run on one layer, in table order. */
static int layer_algos(run_state *rs, const suite_layer *L, clconv_algorithm *out)
{
    if (!rs->all) {
        memcpy(out, rs->list, (size_t)rs->nlist * sizeof *out);
        return rs->nlist;
    }
    int k = 0;
    for (int a = CLCONV_ALGO_AUTO + 1; a < CLCONV_ALGO_COUNT; a++)
        if (L->deform ? deform_supports(rs->ctx, &L->deform_desc, (clconv_algorithm)a)
                      : clconv_algorithm_supports(rs->ctx, &L->desc, (clconv_algorithm)a) ==
                            CLCONV_SUCCESS)
            out[k++] = (clconv_algorithm)a;
    out[k++] = CLCONV_ALGO_AUTO;
    return k;
}

typedef struct layer_data {
    float *x, *w, *b, *y;
    float *off, *mask; /* deformable layers: offsets, and the mask (v2) */
    double *ref;
    size_t ny;
} layer_data;

static void layer_data_free(layer_data *ld)
{
    free(ld->x);
    free(ld->w);
    free(ld->b);
    free(ld->y);
    free(ld->off);
    free(ld->mask);
    free(ld->ref);
}

/* A deformable layer's offsets and mask, from the layer's stream after x,
 * w and b, and its reference. */
static clconv_status deform_data_make(const suite_layer *L, int check, bench_rng *rng,
                                      layer_data *ld, char *why, size_t why_len)
{
    const clconv_deform_conv_desc *d = &L->deform_desc;
    const size_t noff = clconv_deform_conv_offset_elems(d), nm = clconv_deform_conv_mask_elems(d);
    ld->off = malloc(noff * sizeof *ld->off);
    ld->mask = d->has_mask ? malloc(nm * sizeof *ld->mask) : NULL;
    if (!ld->off || (d->has_mask && !ld->mask)) {
        snprintf(why, why_len, "out of host memory for the layer's offsets and mask");
        return CLCONV_OUT_OF_MEMORY;
    }
    /* Offsets in U(-2, 2) pixels, the range run --op deform_conv --random
     * uses by default: most sampling points stay inside the image, between
     * grid points (bilinear weights that are not 0 or 1), some move by a
     * whole pixel or more, and near the border (the pads) some fall off the
     * image, partly (zero neighbours) or wholly (a 0 sample), so every
     * path of the sampling is timed and checked. */
    bench_rng_fill(rng, ld->off, noff);
    for (size_t i = 0; i < noff; i++)
        ld->off[i] *= 2.0f;
    if (d->has_mask) { /* modulation in U(0, 1), as a sigmoid gives it */
        bench_rng_fill(rng, ld->mask, nm);
        for (size_t i = 0; i < nm; i++)
            ld->mask[i] = 0.5f * (ld->mask[i] + 1.0f);
    }
    if (check) {
        clconv_status st = clconv_reference_deform_conv(d, ld->x, ld->w, d->has_bias ? ld->b : NULL,
                                                        ld->off, ld->mask, ld->ref);
        if (st) {
            snprintf(why, why_len, "reference: %s", clconv_last_error());
            return st;
        }
    }
    return CLCONV_SUCCESS;
}

/* Seeded inputs (one stream per layer: the same data for every algorithm
 * and peer, and independent of which other layers were selected) and the
 * reference when checking.  On failure the status and why. */
static clconv_status layer_data_make(const suite_layer *L, int li, int check,
                                     unsigned long long seed, int need_y, layer_data *ld,
                                     char *why, size_t why_len)
{
    const clconv_conv_desc *d = &L->desc;
    const clconv_deform_conv_desc *dd = &L->deform_desc;
    const size_t nx = L->deform ? clconv_deform_conv_input_elems(dd) : clconv_conv_input_elems(d);
    const size_t nw = L->deform ? clconv_deform_conv_weight_elems(dd) : clconv_conv_weight_elems(d);
    const size_t nb = (size_t)d->out_channels;
    memset(ld, 0, sizeof *ld);
    ld->ny = L->deform ? clconv_deform_conv_output_elems(dd) : clconv_conv_output_elems(d);
    ld->x = malloc(nx * sizeof *ld->x);
    ld->w = malloc(nw * sizeof *ld->w);
    ld->b = malloc(nb * sizeof *ld->b);
    ld->ref = check ? malloc(ld->ny * sizeof *ld->ref) : NULL;
    ld->y = need_y ? malloc(ld->ny * sizeof *ld->y) : NULL;
    if (!ld->x || !ld->w || !ld->b || (check && !ld->ref) || (need_y && !ld->y)) {
        snprintf(why, why_len, "out of host memory for the layer's tensors");
        return CLCONV_OUT_OF_MEMORY;
    }
    bench_rng rng;
    bench_rng_seed(&rng, seed + 1000003ull * (unsigned long long)li);
    bench_rng_fill(&rng, ld->x, nx);
    bench_rng_fill(&rng, ld->w, nw);
    bench_rng_fill(&rng, ld->b, nb);
    if (L->deform)
        return deform_data_make(L, check, &rng, ld, why, why_len);
    if (check) {
        clconv_status st =
            clconv_reference_conv(d, ld->x, ld->w, d->has_bias ? ld->b : NULL, ld->ref);
        if (st) {
            snprintf(why, why_len, "reference: %s", clconv_last_error());
            return st;
        }
    }
    return CLCONV_SUCCESS;
}

/* Prepares, warms up and checks peer p on the layer; the instance in *inst
 * when it can be timed. */
static void peer_prepare(run_state *rs, int p, const suite_layer *L, const layer_data *ld,
                         peer_cell *c, void **inst)
{
    const bench_peer *peer = rs->peers[p];
    const clconv_conv_desc *d = &L->desc;
    *inst = NULL;
    memset(c, 0, sizeof *c);
    if (!rs->rep.peer_open[p]) {
        c->state = PEER_NO_ROUTE;
        snprintf(c->why, sizeof c->why, "%s", rs->rep.peer_reason[p]);
        return;
    }
    if (L->deform) {
        c->state = PEER_NO_ROUTE;
        snprintf(c->why, sizeof c->why, "has no deformable convolution");
        return;
    }
    c->state = peer->prepare(rs->peer_state[p], d, ld->x, ld->w, d->has_bias ? ld->b : NULL,
                             inst, c->note, sizeof c->note, c->why, sizeof c->why);
    if (c->state != PEER_OK) {
        *inst = NULL;
        return;
    }
    double ms;
    c->state = peer->run(*inst, &ms, c->why, sizeof c->why);
    if (c->state == PEER_OK && ld->ref) {
        c->state = peer->read_output(*inst, ld->y, c->why, sizeof c->why);
        if (c->state == PEER_OK) {
            c->checked = 1;
            c->err = bench_rel_l2(ld->y, ld->ref, ld->ny);
            if (!(c->err <= BENCH_SANITY_ERR))
                bench_msg("%s: %s's output is %.1e from the reference (its time is shown, "
                          "marked '!')",
                          L->name, peer->name, c->err);
        }
    }
    if (c->state != PEER_OK) {
        peer->release(*inst);
        *inst = NULL;
    }
}

/* A deformable row's outcome into its conv_job, which the report reads
 * (the same fields, the same meanings). */
static void deform_result(const deform_job *dj, conv_job *j)
{
    j->ran = dj->ran;
    memcpy(j->describe, dj->describe, sizeof j->describe);
    j->plan_ms = dj->plan_ms;
    j->weights_ms = dj->weights_ms;
    j->first_ms = dj->first_ms;
    j->err = dj->err;
    memcpy(j->why, dj->why, sizeof j->why);
}

/* dj: the row's deformable job, NULL for a convolution. */
static void row_fail(result_row *row, deform_job *dj, clconv_status st)
{
    row->st = st;
    conv_job_release(&row->job);
    if (dj) {
        deform_result(dj, &row->job);
        deform_job_release(dj);
    }
}

/* Rounds of one timed run of every ready row and peer in turn; dj: the
 * rows' deformable jobs, NULL for a convolution layer. */
static void time_rounds(run_state *rs, result_row *rows, deform_job *dj, int n, peer_cell *cells,
                        void **insts, const char *layer)
{
    const int runs = (int)rs->o->runs;
    const int slots = n * 2 + rs->npeers;
    double *t = malloc((size_t)slots * (size_t)runs * sizeof *t);
    if (!t) {
        for (int i = 0; i < n; i++)
            if (!rows[i].st) {
                snprintf(rows[i].job.why, sizeof rows[i].job.why, "out of host memory");
                if (dj)
                    snprintf(dj[i].why, sizeof dj[i].why, "out of host memory");
                row_fail(&rows[i], dj ? &dj[i] : NULL, CLCONV_OUT_OF_MEMORY);
            }
        return;
    }
    for (int r = 0; r < runs; r++) {
        for (int i = 0; i < n; i++) {
            if (rows[i].st)
                continue;
            int wall = 0;
            double *dev = &t[(size_t)i * runs + r], *host = &t[(size_t)(n + i) * runs + r];
            clconv_status st = dj ? deform_job_time_one(&dj[i], dev, host, &wall)
                                  : conv_job_time_one(&rows[i].job, dev, host, &wall);
            rows[i].job.times.wall_clock |= wall;
            if (st)
                row_fail(&rows[i], dj ? &dj[i] : NULL, st);
        }
        for (int p = 0; p < rs->npeers; p++) {
            if (!insts[p])
                continue;
            int pst = rs->peers[p]->run(insts[p], &t[(size_t)(2 * n + p) * runs + r],
                                        cells[p].why, sizeof cells[p].why);
            if (pst != PEER_OK) {
                bench_msg("%s: %s: %s", layer, rs->peers[p]->name, cells[p].why);
                cells[p].state = pst;
                rs->peers[p]->release(insts[p]);
                insts[p] = NULL;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (!rows[i].st) {
            rows[i].job.times.reps = runs;
            bench_stats(&t[(size_t)i * runs], runs, &rows[i].job.times.median_ms,
                        &rows[i].job.times.min_ms);
            double min;
            bench_stats(&t[(size_t)(n + i) * runs], runs, &rows[i].host_median_ms, &min);
        }
    for (int p = 0; p < rs->npeers; p++)
        if (insts[p])
            bench_stats(&t[(size_t)(2 * n + p) * runs], runs, &cells[p].median_ms,
                        &cells[p].min_ms);
    free(t);
}

/* Counts a finished row and keeps it in the report; -1 when out of
 * memory. */
static int finish_row(run_state *rs, result_row *row)
{
    conv_job_release(&row->job);
    row->checked = rs->check && !row->st;
    rs->runs++;
    if (row->st == CLCONV_UNSUPPORTED)
        rs->unsupported++;
    else if (row->st)
        rs->failed++;
    else
        rs->plan_ms += row->job.plan_ms, rs->first_ms += row->job.first_ms;
    if (row->checked) {
        if (!(row->job.err <= BENCH_SANITY_ERR))
            rs->wrong++;
        if (!isnan(rs->max_err) && !(row->job.err <= rs->max_err))
            rs->max_err = row->job.err; /* a NaN stays */
    }
    return report_add_row(&rs->rep, row);
}

/* One layer: its rows (and peer cells) join the report, also when the
 * layer fails (the row says why); only running out of memory for the
 * report itself stops the run. */
static int run_layer(run_state *rs, const suite_layer *L, int li)
{
    const clconv_conv_desc *d = &L->desc;
    layer_data ld;
    result_row rows[CLCONV_ALGO_COUNT];
    deform_job djobs[CLCONV_ALGO_COUNT];
    deform_job *dj = L->deform ? djobs : NULL;
    void *insts[BENCH_MAX_PEERS] = {NULL};
    clconv_algorithm algos[CLCONV_ALGO_COUNT];
    char why[1024] = "";
    int rc = BENCH_OK;
    const clconv_status data_st = layer_data_make(L, li, rs->check, rs->o->seed,
                                                  rs->npeers > 0 && rs->check, &ld, why,
                                                  sizeof why);
    const int n = layer_algos(rs, L, algos);
    const int lidx = report_add_layer(&rs->rep);
    for (int i = 0; i < n; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        memset(&djobs[i], 0, sizeof djobs[i]);
    }
    if (lidx < 0) {
        bench_msg("out of host memory");
        rc = BENCH_FAIL;
        goto done;
    }
    peer_cell *cells = &rs->rep.cells[lidx * BENCH_MAX_PEERS];
    for (int i = 0; i < n; i++) {
        result_row *row = &rows[i];
        row->layer = L;
        row->layer_index = lidx;
        row->requested = algos[i];
        row->job = (conv_job){.ctx = rs->ctx,
                              .desc = d,
                              .algo = algos[i],
                              .x = ld.x,
                              .w = ld.w,
                              .b = d->has_bias ? ld.b : NULL,
                              .ref = ld.ref};
        if (data_st) {
            row->st = data_st;
            snprintf(row->job.why, sizeof row->job.why, "%s", why);
            continue;
        }
        if (dj) {
            dj[i] = (deform_job){.ctx = rs->ctx,
                                 .desc = &L->deform_desc,
                                 .algo = algos[i],
                                 .x = ld.x,
                                 .w = ld.w,
                                 .b = d->has_bias ? ld.b : NULL,
                                 .offset = ld.off,
                                 .mask = ld.mask,
                                 .ref = ld.ref};
            row->st = deform_job_prepare(&dj[i]);
            deform_result(&dj[i], &row->job);
            if (row->st)
                deform_job_release(&dj[i]);
            continue;
        }
        row->st = conv_job_prepare(&row->job);
        if (row->st)
            conv_job_release(&row->job);
    }
    if (!data_st) {
        for (int p = 0; p < rs->npeers; p++)
            peer_prepare(rs, p, L, &ld, &cells[p], &insts[p]);
        time_rounds(rs, rows, dj, n, cells, insts, L->name);
    }
    for (int i = 0; i < n && !rc; i++)
        if (finish_row(rs, &rows[i])) {
            bench_msg("out of host memory");
            rc = BENCH_FAIL;
        }
    if (!rc) {
        bench_status_clear();
        for (int k = 0; k < 2; k++)
            if (rs->table[k])
                report_table_layer(&rs->rep, rs->rep.nrows - n, n, rs->table[k]);
    }
done:
    for (int i = 0; i < n; i++) {
        conv_job_release(&rows[i].job); /* idempotent */
        if (dj)
            deform_job_release(&dj[i]);
    }
    for (int p = 0; p < rs->npeers; p++)
        if (insts[p])
            rs->peers[p]->release(insts[p]);
    layer_data_free(&ld);
    return rc;
}

/* ---- the run ---------------------------------------------------------------------- */

static void open_peers(run_state *rs, const int *idx)
{
    for (int p = 0; p < rs->npeers; p++) {
        const bench_peer *peer = known_peers[idx[p]];
        rs->peers[p] = peer;
        rs->rep.peer_names[p] = peer->name;
        char *why = rs->rep.peer_reason[p];
        const int st = peer->open(rs->ctx, &rs->peer_state[p], why, sizeof rs->rep.peer_reason[p]);
        rs->rep.peer_open[p] = st == PEER_OK;
        if (st != PEER_OK) {
            rs->peer_state[p] = NULL;
            /* Said once; its column stays empty. */
            bench_msg("peer %s: %s; its column stays empty", peer->name, why);
        }
    }
}

static void print_summary(const run_state *rs, double t0, FILE *f)
{
    fprintf(f, "summary: %d layer%s, %d run%s: %d ok, %d unsupported, %d failed", rs->rep.nlayers,
            rs->rep.nlayers == 1 ? "" : "s", rs->runs, rs->runs == 1 ? "" : "s",
            rs->runs - rs->unsupported - rs->failed, rs->unsupported, rs->failed);
    if (rs->check)
        fprintf(f, "; check: max rel err %.1e, %d above %.0e", rs->max_err, rs->wrong,
                BENCH_SANITY_ERR);
    fprintf(f, "; total %.1f s (plans %.1f s, first runs %.1f s); * = effective GFLOP/s\n",
            (bench_now_ms() - t0) * 1e-3, rs->plan_ms * 1e-3, rs->first_ms * 1e-3);
}

/* Writes the CSV or JSON report to out (an open temporary) or stdout. */
static int write_report(const run_state *rs, report_format fmt, bench_outfile *out)
{
    char *text = fmt == FORMAT_CSV ? report_csv(&rs->rep) : report_json(&rs->rep);
    if (!text) {
        bench_msg("out of memory for the report");
        return BENCH_FAIL;
    }
    FILE *f = out ? out->f : stdout;
    const size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len && fflush(f) == 0 && !ferror(f) ? BENCH_OK : BENCH_FAIL;
    if (rc)
        bench_msg("%s: write failed", out ? out->path : "stdout");
    free(text);
    return rc;
}

int runner_run(const char *command, const suite *s, const runner_opts *o)
{
    report_format fmt;
    int all = 0, nlist = 0, npeer_idx = 0, peer_idx[N_KNOWN_PEERS];
    clconv_algorithm list[CLCONV_ALGO_COUNT];
    int rc;
    if ((rc = runner_format(o->format, o->out, &fmt)) || (rc = parse_algo_list(o->algos, &all, list, &nlist)) ||
        (rc = parse_peers(o->peers, peer_idx, &npeer_idx)))
        return rc;
    char *sel = malloc(s->n ? (size_t)s->n : 1);
    if (!sel) {
        bench_msg("out of memory");
        return BENCH_FAIL;
    }
    if ((rc = suite_select(s, o->layers, sel))) {
        free(sel);
        return rc;
    }
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.o = o;
    rs.all = all;
    rs.list = list;
    rs.nlist = nlist;
    rs.npeers = npeer_idx;
    rs.check = o->check >= 0 ? o->check : s->check_default;
    bench_outfile out;
    int have_out = 0;
    if (o->out) {
        char err[1024];
        if (!outfile_target_ok(o->out, err, sizeof err)) {
            bench_msg("--out %s", err);
            free(sel);
            return BENCH_INVALID;
        }
        if (outfile_open(&out, o->out, err, sizeof err)) {
            bench_msg("%s", err);
            free(sel);
            return BENCH_FAIL;
        }
        have_out = 1;
    }
    /* The table goes to stdout unless CSV or JSON does, and into --out
     * when that is a table too. */
    FILE *info = (fmt != FORMAT_TABLE && !have_out) ? stderr : stdout;
    if (info == stdout)
        rs.table[0] = stdout;
    if (have_out && fmt == FORMAT_TABLE)
        rs.table[1] = out.f;
    if ((rc = bench_context(o->device, &rs.ctx)))
        goto done;
    rs.rep.command = command;
    rs.rep.label = s->label;
    rs.rep.device = clconv_context_device_name(rs.ctx);
    rs.rep.algos = o->algos;
    rs.rep.runs = (int)o->runs;
    rs.rep.check = rs.check;
    rs.rep.npeers = rs.npeers;
    open_peers(&rs, peer_idx);

    int nsel = 0;
    for (int i = 0; i < s->n; i++)
        nsel += sel[i] != 0;
    for (int k = 0; k < 2; k++)
        if (rs.table[k]) {
            fprintf(rs.table[k],
                    "%s %s on %s: %s, %ld run%s after 1 warm-up%s, check %s\n", command,
                    s->label, rs.rep.device, o->algos, o->runs, o->runs == 1 ? "" : "s",
                    rs.npeers ? ", peers interleaved" : "", rs.check ? "on" : "off");
            report_table_header(&rs.rep, rs.table[k]);
        }
    progress pg = {isatty(2), nsel, 0, bench_now_ms(), bench_now_ms() - 10e3};
    for (int i = 0; i < s->n && !rc; i++)
        if (sel[i]) {
            rc = run_layer(&rs, &s->layers[i], i);
            pg.done++;
            progress_update(&pg, s->layers[i].name);
        }
    if (rc)
        goto done;
    rs.rep.seconds = (bench_now_ms() - pg.t0) * 1e-3;
    for (int k = 0; k < 2; k++)
        if (rs.table[k]) {
            report_table_footer(&rs.rep, rs.table[k]);
            print_summary(&rs, pg.t0, rs.table[k]);
        }
    if (!rs.table[0])
        print_summary(&rs, pg.t0, stderr);
    if (fmt != FORMAT_TABLE && (rc = write_report(&rs, fmt, have_out ? &out : NULL)))
        goto done;
    if (have_out) {
        char err[1024];
        have_out = 0;
        if (outfile_commit(&out, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
            goto done;
        }
    }
    if (rs.failed || rs.wrong)
        rc = BENCH_FAIL;
done:
    if (have_out)
        outfile_abort(&out);
    for (int p = 0; p < rs.npeers; p++)
        if (rs.peer_state[p])
            rs.peers[p]->close(rs.peer_state[p]);
    report_free(&rs.rep);
    clconv_context_destroy(rs.ctx);
    free(sel);
    return rc;
}
