/* Writing what a run measured (see report.h). */
#include "report.h"
#include "textbuf.h"
#include "bench.h"
#include "deform_job.h"
#include "peer.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage ---------------------------------------------------------------- */

static int grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(*p, (size_t)cap2 * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = cap2;
    return 0;
}

int report_add_layer(report *r)
{
    if (grow((void **)&r->cells, &r->cap_layers, r->nlayers + 1,
             sizeof *r->cells * BENCH_MAX_PEERS))
        return -1;
    peer_cell *c = &r->cells[r->nlayers * BENCH_MAX_PEERS];
    memset(c, 0, sizeof *c * BENCH_MAX_PEERS);
    for (int p = 0; p < BENCH_MAX_PEERS; p++) {
        c[p].state = PEER_NO_ROUTE;
        snprintf(c[p].why, sizeof c[p].why, "not run");
    }
    return r->nlayers++;
}

int report_add_row(report *r, const result_row *row)
{
    if (grow((void **)&r->rows, &r->cap_rows, r->nrows + 1, sizeof *r->rows))
        return -1;
    r->rows[r->nrows++] = *row;
    return 0;
}

void report_free(report *r)
{
    free(r->rows);
    free(r->cells);
    r->rows = NULL;
    r->cells = NULL;
    r->nrows = r->nlayers = r->cap_rows = r->cap_layers = 0;
}

/* ---- derived values ------------------------------------------------------- */

static const peer_cell *cell(const report *r, const result_row *row, int p)
{
    return &r->cells[row->layer_index * BENCH_MAX_PEERS + p];
}

static int peer_index(const report *r, const char *name)
{
    for (int p = 0; p < r->npeers; p++)
        if (!strcmp(r->peer_names[p], name))
            return p;
    return -1;
}

/* peer time / clconv time, like for like (report.h); 0 when either is
 * missing. */
static double ratio(const report *r, const result_row *row, int p)
{
    const peer_cell *c = cell(r, row, p);
    if (row->st || c->state != PEER_OK)
        return 0;
    const double mine = !strcmp(r->peer_names[p], "onednn") ? row->host_median_ms
                                                             : row->job.times.median_ms;
    return mine > 0 ? c->median_ms / mine : 0;
}

static int is_winograd(clconv_algorithm a)
{
    return a == CLCONV_ALGO_WINOGRAD_F2X2 || a == CLCONV_ALGO_WINOGRAD_F4X4;
}

/* The layer's FLOPs (a deformable layer: those of its equivalent
 * convolution, sampling excluded) and the bytes every run must move
 * (a deformable layer's offsets and mask included). */
static double layer_flops(const suite_layer *L)
{
    return L->deform ? clconv_deform_conv_flops(&L->deform_desc) : clconv_conv_flops(&L->desc);
}

static double layer_bytes(const suite_layer *L)
{
    return L->deform ? deform_job_bytes(&L->deform_desc) : conv_job_bytes(&L->desc);
}

static double gflops(const result_row *row, double ms)
{
    return ms > 0 ? layer_flops(row->layer) / (ms * 1e-3) * 1e-9 : 0;
}

/* Where the plan's algorithm and parameters came from, from the end of its
 * description: the tuning database (db), a neighbour's entry (near), the
 * heuristics and defaults (heur) or explicit parameters (expl). */
static const char *choice_source(const char *describe)
{
    const char *c = strstr(describe, "; choice: ");
    if (!c)
        return "";
    c += strlen("; choice: ");
    return !strncmp(c, "database neighbour", 18) ? "near"
           : !strncmp(c, "database", 8)          ? "db"
           : !strncmp(c, "heuristics", 10)       ? "heur"
                                                 : "expl";
}

/* The plan's description without the "; choice: ..." tail: its tiles and
 * work-groups, i.e. the parameters that ran. */
static void params_of(const char *describe, char *buf, size_t n)
{
    const char *c = strstr(describe, "; choice: ");
    size_t len = c ? (size_t)(c - describe) : strlen(describe);
    snprintf(buf, n, "%.*s", (int)len, describe);
}

/* Median over the rows of the same layer that asked for direct (else ran
 * it): the baseline of the "x direct" column; 0 if none. */
static double direct_ms(const report *r, const result_row *row)
{
    double ms = 0;
    for (int pass = 0; pass < 2 && ms == 0; pass++)
        for (int i = 0; i < r->nrows && ms == 0; i++) {
            const result_row *o = &r->rows[i];
            if (o->layer == row->layer && !o->st && o->job.ran == CLCONV_ALGO_DIRECT &&
                (pass || o->requested == CLCONV_ALGO_DIRECT))
                ms = o->job.times.median_ms;
        }
    return ms;
}

/* ok, wrong (checked and farther than BENCH_SANITY_ERR from the reference,
 * which fails the run), unsupported or failed. */
static const char *status_word(const result_row *row)
{
    if (row->st == CLCONV_SUCCESS)
        return row->checked && !(row->job.err <= BENCH_SANITY_ERR) ? "wrong" : "ok";
    return row->st == CLCONV_UNSUPPORTED ? "unsupported" : "failed";
}

/* The group of a layer: its name up to the first '_' or ':' ("r50_3x3_56"
 * is in r50, "resnet_50:conv1" in resnet). */
static void group_of(const char *name, char *buf, size_t n)
{
    size_t len = strcspn(name, "_:");
    snprintf(buf, n, "%.*s", (int)(len ? len : strlen(name)), name);
}

/* ---- geometric means --------------------------------------------------------- */

typedef struct geomean {
    char group[64]; /* "" = all rows */
    clconv_algorithm requested;
    int peer;
    double log_sum;
    int n;
} geomean;

/* Every (group, requested algorithm, peer) with at least one ratio, the
 * groups in first-seen order followed by the whole run; malloc'ed. */
static geomean *geomeans(const report *r, int *count)
{
    *count = 0;
    int cap = (r->nrows + 1) * (r->npeers ? r->npeers : 1) * 2;
    geomean *g = calloc((size_t)cap, sizeof *g);
    if (!g)
        return NULL;
    /* With a single group its means are the whole run's: only those. */
    int one_group = 1;
    for (int i = 1; i < r->nrows && one_group; i++) {
        char a[64], b[64];
        group_of(r->rows[0].layer->name, a, sizeof a);
        group_of(r->rows[i].layer->name, b, sizeof b);
        one_group = !strcmp(a, b);
    }
    for (int pass = one_group; pass < 2; pass++)
        for (int i = 0; i < r->nrows; i++)
            for (int p = 0; p < r->npeers; p++) {
                const result_row *row = &r->rows[i];
                const double x = ratio(r, row, p);
                if (x <= 0)
                    continue;
                char grp[64] = "";
                if (pass == 0)
                    group_of(row->layer->name, grp, sizeof grp);
                int k = 0;
                while (k < *count && !(g[k].requested == row->requested && g[k].peer == p &&
                                       !strcmp(g[k].group, grp)))
                    k++;
                if (k == *count) {
                    if (k == cap)
                        continue; /* cannot happen: at most one entry per row and peer per pass */
                    snprintf(g[k].group, sizeof g[k].group, "%s", grp);
                    g[k].requested = row->requested;
                    g[k].peer = p;
                    (*count)++;
                }
                g[k].log_sum += log(x);
                g[k].n++;
            }
    return g;
}

/* ---- whole-suite totals ----------------------------------------------------------- */

/* Per requested algorithm: the suite's time as a network runs it, the sum
 * of median x count over the layers (device and wall-clock), and per peer
 * the same sum with clconv's over the same layers, for a like-for-like
 * ratio even when the peer has no route for some layers. */
typedef struct total {
    clconv_algorithm requested;
    int layers, ok_layers, convs; /* rows, rows that ran, sum of counts */
    double ms, wall_ms;
    int peer_layers[BENCH_MAX_PEERS];
    double peer_ms[BENCH_MAX_PEERS], mine_ms[BENCH_MAX_PEERS];
} total;

static int totals(const report *r, total *t, int max)
{
    int n = 0;
    for (int i = 0; i < r->nrows; i++) {
        const result_row *row = &r->rows[i];
        int k = 0;
        while (k < n && t[k].requested != row->requested)
            k++;
        if (k == n) {
            if (n == max)
                continue;
            memset(&t[n], 0, sizeof t[n]);
            t[n++].requested = row->requested;
        }
        const double c = row->layer->count > 0 ? row->layer->count : 1;
        t[k].layers++;
        if (row->st)
            continue;
        t[k].ok_layers++;
        t[k].convs += (int)c;
        t[k].ms += c * row->job.times.median_ms;
        t[k].wall_ms += c * row->host_median_ms;
        for (int p = 0; p < r->npeers; p++) {
            const peer_cell *pc = cell(r, row, p);
            if (pc->state != PEER_OK)
                continue;
            t[k].peer_layers[p]++;
            t[k].peer_ms[p] += c * pc->median_ms;
            t[k].mine_ms[p] += c * (!strcmp(r->peer_names[p], "onednn")
                                        ? row->host_median_ms
                                        : row->job.times.median_ms);
        }
    }
    return n;
}

/* ---- table --------------------------------------------------------------------- */

static const char *peer_label(const char *name)
{
    return !strcmp(name, "onednn") ? "oneDNN" : !strcmp(name, "clblast") ? "CLBlast" : name;
}

void report_table_header(const report *r, FILE *f)
{
    fprintf(f, "%-18s %-22s %-5s %9s %9s %9s %7s %8s %8s %8s %8s", "layer", "algo", "from",
            "median ms", "min ms", "GFLOP/s", "GB/s", "plan ms", "1st ms", "x direct",
            r->check ? "rel err" : "");
    for (int p = 0; p < r->npeers; p++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%s ms", peer_label(r->peer_names[p]));
        snprintf(b, sizeof b, "x %s", peer_label(r->peer_names[p]));
        fprintf(f, " %10s %10s", a, b);
    }
    fprintf(f, "  %s\n", "describe");
}

static void fmt_gflops(char *buf, size_t n, double g, int eff)
{
    snprintf(buf, n, g < 10 ? "%.3g%s" : "%.1f%s", g, eff ? "*" : "");
}

void report_table_layer(const report *r, int first, int n, FILE *f)
{
    for (int i = first; i < first + n; i++) {
        const result_row *row = &r->rows[i];
        const conv_job *j = &row->job;
        char algo[64];
        if (row->requested == CLCONV_ALGO_AUTO && !row->st)
            snprintf(algo, sizeof algo, "auto:%s", clconv_algorithm_name(j->ran));
        else
            snprintf(algo, sizeof algo, "%s", clconv_algorithm_name(row->requested));
        if (row->st) {
            fprintf(f, "%-18s %-22s %s: %s\n", row->layer->name, algo,
                    row->st == CLCONV_UNSUPPORTED ? "unsupported" : "FAILED", j->why);
            continue;
        }
        const double ms = j->times.median_ms, s = ms * 1e-3;
        char gf[16], gb[16], xd[16] = "", err[16] = "";
        fmt_gflops(gf, sizeof gf, gflops(row, ms), is_winograd(j->ran));
        const double gbps = layer_bytes(row->layer) / s * 1e-9;
        snprintf(gb, sizeof gb, gbps < 10 ? "%.3g" : "%.1f", gbps);
        const double dms = direct_ms(r, row);
        if (dms > 0)
            snprintf(xd, sizeof xd, "%.2fx", dms / ms);
        if (row->checked)
            snprintf(err, sizeof err, "%.1e%s", j->err, j->err <= BENCH_SANITY_ERR ? "" : "!");
        fprintf(f, "%-18s %-22s %-5s %9.3f %9.3f %9s %7s %8.1f %8.1f %8s %8s", row->layer->name,
                algo, choice_source(j->describe), ms, j->times.min_ms, gf, gb, j->plan_ms,
                j->first_ms, xd, r->check ? err : "");
        for (int p = 0; p < r->npeers; p++) {
            const peer_cell *c = cell(r, row, p);
            char a[32] = "-", b[32] = "-";
            if (c->state == PEER_OK) {
                snprintf(a, sizeof a, "%.3f%s", c->median_ms,
                         c->checked && !(c->err <= BENCH_SANITY_ERR) ? "!" : "");
                snprintf(b, sizeof b, "%.2f", ratio(r, row, p));
            } else if (c->state == PEER_FAIL) {
                snprintf(a, sizeof a, "FAILED");
            }
            fprintf(f, " %10s %10s", a, b);
        }
        fprintf(f, "  %s%s\n", j->describe, j->times.wall_clock ? " (wall-clock)" : "");
    }
    /* What the peers said about this layer, once per layer. */
    if (n > 0)
        for (int p = 0; p < r->npeers; p++) {
            const peer_cell *c = cell(r, &r->rows[first], p);
            if (!r->peer_open[p])
                continue;
            if (c->state != PEER_OK && c->why[0])
                fprintf(f, "%-18s   %s: %s\n", "", peer_label(r->peer_names[p]), c->why);
            else if (c->state == PEER_OK && c->note[0])
                fprintf(f, "%-18s   %s: %s\n", "", peer_label(r->peer_names[p]), c->note);
        }
    fflush(f);
}

void report_table_footer(const report *r, FILE *f)
{
    total t[CLCONV_ALGO_COUNT];
    const int nt = totals(r, t, CLCONV_ALGO_COUNT);
    fprintf(f, "whole suite: sum of median x count over the layers (the count column: how often a "
               "layer occurs in its network):\n");
    for (int k = 0; k < nt; k++) {
        fprintf(f, "  %-14s clconv %9.3f ms device, %9.3f ms wall-clock, %d of %d layers (%d "
                   "convolutions)",
                clconv_algorithm_name(t[k].requested), t[k].ms, t[k].wall_ms, t[k].ok_layers,
                r->nlayers, t[k].convs);
        for (int p = 0; p < r->npeers; p++)
            if (t[k].peer_layers[p] > 0 && t[k].mine_ms[p] > 0)
                fprintf(f, "; %s %.3f ms over %d layers, x %s %.2f", peer_label(r->peer_names[p]),
                        t[k].peer_ms[p], t[k].peer_layers[p], peer_label(r->peer_names[p]),
                        t[k].peer_ms[p] / t[k].mine_ms[p]);
        fprintf(f, "\n");
    }
    int ng = 0;
    geomean *g = r->npeers ? geomeans(r, &ng) : NULL;
    if (ng > 0) {
        fprintf(f, "geometric mean of peer time / clconv time (above 1: clconv faster; "
                   "oneDNN against clconv's wall-clock time, CLBlast against its device time):\n");
        fprintf(f, "  %-12s %-14s %-8s %8s %7s\n", "group", "algo", "peer", "ratio", "layers");
        for (int k = 0; k < ng; k++)
            fprintf(f, "  %-12s %-14s %-8s %8.3f %7d\n", g[k].group[0] ? g[k].group : "ALL",
                    clconv_algorithm_name(g[k].requested), peer_label(r->peer_names[g[k].peer]),
                    exp(g[k].log_sum / g[k].n), g[k].n);
    }
    free(g);
}

/* ---- CSV and JSON -------------------------------------------------------------- */

/* A number, or an empty field when absent (has == 0). */
static void csv_num(textbuf *b, const char *fmt, double v, int has)
{
    if (has)
        tb_printf(b, fmt, v);
    tb_printf(b, ",");
}

/* The first 16 columns are the stable ones (bench/README.md); the rest
 * may grow at the end. */
const char report_csv_columns[] =
    "suite,layer,requested,algorithm,params,median_ms,min_ms,gflops,effective,gbps,onednn_ms,"
    "clblast_ms,ratio_onednn,ratio_clblast,rel_err,status,type,choice,describe,wall_median_ms,"
    "plan_ms,set_weights_ms,first_run_ms,x_direct,onednn_err,clblast_err,onednn_note,"
    "clblast_note,message";

static void csv_row(const report *r, const result_row *row, textbuf *b)
{
    const conv_job *j = &row->job;
    const int ok = row->st == CLCONV_SUCCESS;
    const int po = peer_index(r, "onednn"), pc = peer_index(r, "clblast");
    const peer_cell *co = po >= 0 ? cell(r, row, po) : NULL;
    const peer_cell *cc = pc >= 0 ? cell(r, row, pc) : NULL;
    const int has_o = co && co->state == PEER_OK, has_c = cc && cc->state == PEER_OK;
    char params[256];
    params_of(j->describe, params, sizeof params);
    tb_csv(b, r->label, 0);
    tb_csv(b, row->layer->name, 0);
    tb_csv(b, clconv_algorithm_name(row->requested), 0);
    tb_csv(b, ok ? clconv_algorithm_name(j->ran) : "", 0);
    tb_csv(b, ok ? params : "", 0);
    csv_num(b, "%.6f", j->times.median_ms, ok);
    csv_num(b, "%.6f", j->times.min_ms, ok);
    csv_num(b, "%.3f", gflops(row, j->times.median_ms), ok);
    csv_num(b, "%.0f", is_winograd(j->ran), ok);
    csv_num(b, "%.3f", ok ? layer_bytes(row->layer) / (j->times.median_ms * 1e6) : 0,
            ok);
    csv_num(b, "%.6f", has_o ? co->median_ms : 0, has_o);
    csv_num(b, "%.6f", has_c ? cc->median_ms : 0, has_c);
    csv_num(b, "%.4f", po >= 0 ? ratio(r, row, po) : 0, po >= 0 && ratio(r, row, po) > 0);
    csv_num(b, "%.4f", pc >= 0 ? ratio(r, row, pc) : 0, pc >= 0 && ratio(r, row, pc) > 0);
    csv_num(b, "%.3e", j->err, row->checked);
    tb_csv(b, status_word(row), 0);
    tb_csv(b, row->layer->type, 0);
    tb_csv(b, ok ? choice_source(j->describe) : "", 0);
    tb_csv(b, ok ? j->describe : "", 0);
    csv_num(b, "%.6f", row->host_median_ms, ok);
    csv_num(b, "%.3f", j->plan_ms, ok);
    csv_num(b, "%.3f", j->weights_ms, ok);
    csv_num(b, "%.3f", j->first_ms, ok);
    const double dms = ok ? direct_ms(r, row) : 0;
    csv_num(b, "%.4f", dms > 0 ? dms / j->times.median_ms : 0, dms > 0);
    csv_num(b, "%.3e", has_o ? co->err : 0, has_o && co->checked);
    csv_num(b, "%.3e", has_c ? cc->err : 0, has_c && cc->checked);
    tb_csv(b, co ? (has_o ? co->note : co->why) : "", 0);
    tb_csv(b, cc ? (has_c ? cc->note : cc->why) : "", 0);
    tb_csv(b, ok ? "" : j->why, 1);
}

char *report_csv(const report *r)
{
    textbuf b = {0};
    tb_printf(&b, "%s\n", report_csv_columns);
    for (int i = 0; i < r->nrows; i++)
        csv_row(r, &r->rows[i], &b);
    /* One "total" row per requested algorithm: the whole suite (sum of
     * median x count); peers' totals over the layers they ran, the ratio
     * against clconv's over the same layers. */
    total t[CLCONV_ALGO_COUNT];
    const int nt = totals(r, t, CLCONV_ALGO_COUNT);
    const int po = peer_index(r, "onednn"), pc = peer_index(r, "clblast");
    for (int k = 0; k < nt; k++) {
        tb_csv(&b, r->label, 0);
        tb_csv(&b, "TOTAL", 0);
        tb_csv(&b, clconv_algorithm_name(t[k].requested), 0);
        tb_printf(&b, ",,%.6f,,,,,", t[k].ms);
        const int ho = po >= 0 && t[k].peer_layers[po] > 0 && t[k].mine_ms[po] > 0;
        const int hc = pc >= 0 && t[k].peer_layers[pc] > 0 && t[k].mine_ms[pc] > 0;
        csv_num(&b, "%.6f", ho ? t[k].peer_ms[po] : 0, ho);
        csv_num(&b, "%.6f", hc ? t[k].peer_ms[pc] : 0, hc);
        csv_num(&b, "%.4f", ho ? t[k].peer_ms[po] / t[k].mine_ms[po] : 0, ho);
        csv_num(&b, "%.4f", hc ? t[k].peer_ms[pc] / t[k].mine_ms[pc] : 0, hc);
        tb_printf(&b, ",total,,,,%.6f,,,,,,,,,", t[k].wall_ms);
        tb_printf(&b, "%d of %d layers ran; %d convolutions", t[k].ok_layers, r->nlayers,
                  t[k].convs);
        for (int p = 0; p < r->npeers; p++)
            tb_printf(&b, "; %s over %d layers", r->peer_names[p], t[k].peer_layers[p]);
        tb_printf(&b, "\n");
    }
    return tb_take(&b);
}

/* "name": number, or null when absent; finite numbers only (JSON has no
 * NaN). */
static void json_num(textbuf *b, const char *name, const char *fmt, double v, int has)
{
    tb_printf(b, "\"%s\": ", name);
    if (has && isfinite(v))
        tb_printf(b, fmt, v);
    else
        tb_printf(b, "null");
}

static void json_peer(textbuf *b, const report *r, const result_row *row, int p)
{
    const peer_cell *c = cell(r, row, p);
    const int ok = c->state == PEER_OK;
    tb_json(b, r->peer_names[p]);
    tb_printf(b, ": {\"status\": \"%s\", ",
              ok ? "ok" : c->state == PEER_FAIL ? "failed" : "no route");
    json_num(b, "median_ms", "%.6f", c->median_ms, ok);
    tb_printf(b, ", ");
    json_num(b, "min_ms", "%.6f", c->min_ms, ok);
    tb_printf(b, ", ");
    json_num(b, "ratio", "%.4f", ratio(r, row, p), ratio(r, row, p) > 0);
    tb_printf(b, ", ");
    json_num(b, "rel_err", "%.3e", c->err, ok && c->checked);
    tb_printf(b, ", \"note\": ");
    tb_json(b, ok ? c->note : c->why);
    tb_printf(b, "}");
}

char *report_json(const report *r)
{
    textbuf b = {0};
    tb_printf(&b, "{\n  \"tool\": \"clconv-bench\", \"version\": ");
    tb_json(&b, clconv_version());
    tb_printf(&b, ", \"command\": ");
    tb_json(&b, r->command);
    tb_printf(&b, ",\n  \"suite\": ");
    tb_json(&b, r->label);
    tb_printf(&b, ", \"device\": ");
    tb_json(&b, r->device);
    tb_printf(&b, ", \"algo\": ");
    tb_json(&b, r->algos);
    tb_printf(&b, ", \"runs\": %d, \"check\": %s, \"seconds\": %.1f,\n  \"peers\": [", r->runs,
              r->check ? "true" : "false", r->seconds);
    for (int p = 0; p < r->npeers; p++) {
        tb_printf(&b, "%s{\"name\": ", p ? ", " : "");
        tb_json(&b, r->peer_names[p]);
        tb_printf(&b, ", \"available\": %s, \"reason\": ", r->peer_open[p] ? "true" : "false");
        tb_json(&b, r->peer_reason[p]);
        tb_printf(&b, "}");
    }
    tb_printf(&b, "],\n  \"rows\": [");
    for (int i = 0; i < r->nrows; i++) {
        const result_row *row = &r->rows[i];
        const conv_job *j = &row->job;
        const int ok = !row->st;
        char params[256];
        params_of(j->describe, params, sizeof params);
        tb_printf(&b, "%s\n    {\"layer\": ", i ? "," : "");
        tb_json(&b, row->layer->name);
        tb_printf(&b, ", \"type\": ");
        tb_json(&b, row->layer->type);
        tb_printf(&b, ", \"requested\": ");
        tb_json(&b, clconv_algorithm_name(row->requested));
        tb_printf(&b, ", \"algorithm\": ");
        tb_json(&b, ok ? clconv_algorithm_name(j->ran) : "");
        tb_printf(&b, ", \"status\": \"%s\",\n     \"params\": ", status_word(row));
        tb_json(&b, ok ? params : "");
        tb_printf(&b, ", \"choice\": ");
        tb_json(&b, ok ? choice_source(j->describe) : "");
        tb_printf(&b, ",\n     ");
        json_num(&b, "median_ms", "%.6f", j->times.median_ms, ok);
        tb_printf(&b, ", ");
        json_num(&b, "min_ms", "%.6f", j->times.min_ms, ok);
        tb_printf(&b, ", ");
        json_num(&b, "wall_median_ms", "%.6f", row->host_median_ms, ok);
        tb_printf(&b, ", ");
        json_num(&b, "gflops", "%.3f", gflops(row, j->times.median_ms), ok);
        tb_printf(&b, ", \"effective\": %s, ", ok && is_winograd(j->ran) ? "true" : "false");
        json_num(&b, "plan_ms", "%.3f", j->plan_ms, ok);
        tb_printf(&b, ", ");
        tb_printf(&b, "\"checked\": %s, ", row->checked ? "true" : "false");
        if (row->checked && !isfinite(j->err))
            tb_printf(&b, "\"rel_err\": \"%s\"", isnan(j->err) ? "nan" : "inf");
        else
            json_num(&b, "rel_err", "%.3e", j->err, row->checked);
        tb_printf(&b, ", \"message\": ");
        tb_json(&b, ok ? "" : j->why);
        tb_printf(&b, ",\n     \"peers\": {");
        for (int p = 0; p < r->npeers; p++) {
            tb_printf(&b, p ? ", " : "");
            json_peer(&b, r, row, p);
        }
        tb_printf(&b, "}}");
    }
    tb_printf(&b, "\n  ],\n  \"geomeans\": [");
    int ng = 0;
    geomean *g = r->npeers ? geomeans(r, &ng) : NULL;
    for (int k = 0; k < ng; k++) {
        tb_printf(&b, "%s\n    {\"group\": ", k ? "," : "");
        tb_json(&b, g[k].group[0] ? g[k].group : "ALL");
        tb_printf(&b, ", \"requested\": ");
        tb_json(&b, clconv_algorithm_name(g[k].requested));
        tb_printf(&b, ", \"peer\": ");
        tb_json(&b, r->peer_names[g[k].peer]);
        tb_printf(&b, ", \"ratio\": %.4f, \"layers\": %d}", exp(g[k].log_sum / g[k].n), g[k].n);
    }
    free(g);
    tb_printf(&b, "%s],\n  \"totals\": [", ng ? "\n  " : "");
    total t[CLCONV_ALGO_COUNT];
    const int nt = totals(r, t, CLCONV_ALGO_COUNT);
    for (int k = 0; k < nt; k++) {
        tb_printf(&b, "%s\n    {\"requested\": ", k ? "," : "");
        tb_json(&b, clconv_algorithm_name(t[k].requested));
        tb_printf(&b, ", \"layers\": %d, \"layers_ok\": %d, \"convolutions\": %d, \"ms\": %.6f, "
                      "\"wall_ms\": %.6f, \"peers\": {",
                  r->nlayers, t[k].ok_layers, t[k].convs, t[k].ms, t[k].wall_ms);
        for (int p = 0; p < r->npeers; p++) {
            tb_printf(&b, "%s", p ? ", " : "");
            tb_json(&b, r->peer_names[p]);
            if (t[k].peer_layers[p] > 0 && t[k].mine_ms[p] > 0)
                tb_printf(&b, ": {\"layers\": %d, \"ms\": %.6f, \"clconv_ms\": %.6f, "
                              "\"ratio\": %.4f}",
                          t[k].peer_layers[p], t[k].peer_ms[p], t[k].mine_ms[p],
                          t[k].peer_ms[p] / t[k].mine_ms[p]);
            else
                tb_printf(&b, ": null");
        }
        tb_printf(&b, "}}");
    }
    tb_printf(&b, "%s]\n}\n", nt ? "\n  " : "");
    return tb_take(&b);
}
