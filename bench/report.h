/* What `suite` and `problem` measured, and the three ways of writing it:
 * the human table (stdout, a layer at a time), CSV and JSON (whole, at the
 * end, to --out or stdout).
 *
 * Ratios are peer time / clconv time, so 1.0 is parity and more than 1
 * means clconv is faster.  Each is like for like: against oneDNN (host
 * wall-clock time, its reorders included) clconv's host wall-clock time
 * from enqueue to completion; against CLBlast (device time from OpenCL
 * profiling) clconv's device time.  Geometric means of each ratio are
 * taken per layer group (the layer name up to its first '_' or ':') and
 * over the whole run, per requested algorithm. */
#ifndef CLCONV_BENCH_REPORT_H
#define CLCONV_BENCH_REPORT_H
#include "conv_job.h"
#include "suite.h"

#include <stdio.h>

#define BENCH_MAX_PEERS 2

typedef enum report_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } report_format;

/* A peer's result on one layer. */
typedef struct peer_cell {
    int state; /* PEER_OK, PEER_NO_ROUTE, PEER_FAIL (peer.h) */
    double median_ms, min_ms;
    double err; /* rel L2 vs the reference, when checked */
    int checked;
    char note[128]; /* how it ran, when that matters ("32 per-group calls") */
    char why[256];  /* why there is no time */
} peer_cell;

typedef struct result_row {
    const suite_layer *layer;
    clconv_algorithm requested;
    clconv_status st;
    conv_job job;          /* ran, describe, times (device), plan/weights/first ms, err, why */
    double host_median_ms; /* clconv's wall-clock median, compared with oneDNN */
    int checked;
    int layer_index; /* into report.cells */
} result_row;

typedef struct report {
    const char *command; /* "suite", "problem" */
    const char *label;   /* the suite or batch file */
    const char *device;
    const char *algos;
    int runs, check;
    int npeers;
    const char *peer_names[BENCH_MAX_PEERS];
    int peer_open[BENCH_MAX_PEERS];        /* the peer could be used at all */
    char peer_reason[BENCH_MAX_PEERS][256]; /* why not */
    result_row *rows;
    int nrows, cap_rows;
    peer_cell *cells; /* [layer][peer], nlayers * BENCH_MAX_PEERS */
    int nlayers, cap_layers;
    double seconds; /* the whole run */
} report;

/* A new layer's peer cells (state PEER_NO_ROUTE, "not run"); its index,
 * or -1 when out of memory. */
int report_add_layer(report *r);
/* A copy of row; 0, or -1 when out of memory. */
int report_add_row(report *r, const result_row *row);
void report_free(report *r);

/* The table: header, one layer's rows, and the footer with geometric
 * means. */
void report_table_header(const report *r, FILE *f);
void report_table_layer(const report *r, int first_row, int nrows, FILE *f);
void report_table_footer(const report *r, FILE *f);

/* The whole report as CSV (header + one line per row) or JSON, into a
 * malloc'ed string; NULL when out of memory. */
char *report_csv(const report *r);
char *report_json(const report *r);

/* The CSV header line (without newline), for `plot` to recognise a file. */
extern const char report_csv_columns[];

#endif
