/* Suite tables (see suite.h): reading, row parsing and validation.  Every
 * row is validated with the library before anything runs, so a typo in
 * row 17 fails in a second instead of after sixteen layers. */
#include "suite.h"
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_COLS 24
#define MAX_FILE (16u << 20)

static const char *const columns[N_COLS] = {
    "name", "type",  "n",     "cin",   "cout",   "in_d", "in_h", "in_w",
    "k_d",  "k_h",   "k_w",   "s_d",   "s_h",    "s_w",  "p_d",  "p_h",
    "p_w",  "dil_d", "dil_h", "dil_w", "groups", "op_d", "op_h", "op_w",
};
/* Column indices of the integer fields. */
enum {
    C_N = 2,
    C_CIN,
    C_COUT,
    C_IN,
    C_K = C_IN + 3,
    C_S = C_K + 3,
    C_P = C_S + 3,
    C_DIL = C_P + 3,
    C_GROUPS = C_DIL + 3,
    C_OP
};

/* Splits a line at tabs in place; returns the field count (at most max). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n < max)
            f[n] = p;
        n++;
        char *t = strchr(p, '\t');
        if (!t)
            return n;
        *t = '\0';
        p = t + 1;
    }
}

static int row_error(const suite *s, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int row_error(const suite *s, int line, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    bench_msg("%s:%d: %s", s->label, line, m);
    return BENCH_INVALID;
}

/* Where the optional columns are in a file's rows: count, and the
 * deformable pair offset_groups, mask (-1 when absent). */
typedef struct row_layout {
    int ncols; /* 0: not fixed by a header (24 or 25 per row) */
    int count, offset_groups;
} row_layout;

/* An integer column in [lo, hi]. */
static int parse_int_col(suite *s, int line, const char *col, const char *text, long lo,
                         long hi, int *out)
{
    char *e;
    errno = 0;
    long x = strtol(text, &e, 10);
    if (e == text || *e || errno || x < lo || x > hi)
        return row_error(s, line, "column %s: '%s' is not an integer in [%ld, %ld]", col, text, lo,
                         hi);
    *out = (int)x;
    return BENCH_OK;
}

/* The count column: how many times the layer occurs in its network. */
static int parse_count(suite *s, const char *text, int line, int *count)
{
    return parse_int_col(s, line, "count", text, 1, 1000000, count);
}

/* The deformable descriptor of a deform2d row, validated. */
static int parse_deform(suite *s, int offset_groups, int has_mask, int line, suite_layer *L)
{
    clconv_deform_conv_desc *dd = &L->deform_desc;
    const clconv_conv_desc *d = &L->desc;
    clconv_deform_conv_desc_init(dd);
    dd->batch = d->batch;
    dd->in_channels = d->in_channels;
    dd->out_channels = d->out_channels;
    dd->groups = d->groups;
    dd->has_bias = d->has_bias;
    for (int i = 0; i < 2; i++) {
        dd->in_size[i] = d->in_size[i];
        dd->kernel_size[i] = d->kernel_size[i];
        dd->strides[i] = d->strides[i];
        dd->dilations[i] = d->dilations[i];
        dd->pads_begin[i] = d->pads_begin[i];
        dd->pads_end[i] = d->pads_end[i];
    }
    dd->offset_groups = offset_groups;
    dd->has_mask = has_mask;
    int out[2];
    if (clconv_deform_conv_output_shape(dd, out) != CLCONV_SUCCESS)
        return row_error(s, line, "layer %s: %s", L->name, clconv_last_error());
    return BENCH_OK;
}

/* One row: f[0..24) and, when the layout has them, the count and
 * deformable columns. */
static int parse_row(suite *s, char **f, const row_layout *lay, int line, suite_layer *L)
{
    memset(L, 0, sizeof *L);
    L->line = line;
    L->count = 1;
    if (!f[0][0] || strlen(f[0]) >= sizeof L->name)
        return row_error(s, line, "layer name '%s' is empty or longer than 63 characters", f[0]);
    strcpy(L->name, f[0]);
    int v[N_COLS] = {0};
    for (int c = 2; c < N_COLS; c++) {
        char *e;
        errno = 0;
        long x = strtol(f[c], &e, 10);
        if (e == f[c] || *e || errno || x < INT_MIN / 2 || x > INT_MAX / 2)
            return row_error(s, line, "column %s: '%s' is not an integer", columns[c], f[c]);
        v[c] = (int)x;
    }
    int transposed = 0, rank, deform = 0;
    const char *t = f[1];
    if (strcmp(t, "deform2d") == 0)
        deform = 1, t = "2d";
    else if (strncmp(t, "deconv", 6) == 0)
        transposed = 1, t += 6;
    else if (strncmp(t, "conv", 4) == 0)
        t += 4;
    else
        t = "";
    if (!((t[0] >= '1' && t[0] <= '3') && strcmp(t + 1, "d") == 0))
        return row_error(s, line,
                         "type '%s' is not conv1d|conv2d|conv3d|deconv1d|deconv2d|deconv3d|"
                         "deform2d",
                         f[1]);
    rank = t[0] - '0';
    snprintf(L->type, sizeof L->type, "%s", f[1]);
    if (lay->count >= 0 && parse_count(s, f[lay->count], line, &L->count))
        return BENCH_INVALID;
    /* The deformable columns; without them a deform2d row has the ONNX
     * defaults.  offset_groups takes any integer, so that the library names
     * what is wrong with it (0, or not dividing cin). */
    int og = deform ? 1 : 0, mask = 0;
    if (lay->offset_groups >= 0) {
        const char *og_text = f[lay->offset_groups], *mask_text = f[lay->offset_groups + 1];
        if (parse_int_col(s, line, "offset_groups", og_text, INT_MIN / 2, INT_MAX / 2, &og) ||
            parse_int_col(s, line, "mask", mask_text, 0, 1, &mask))
            return BENCH_INVALID;
        if (!deform && (og || mask))
            return row_error(s, line,
                             "%s layer: offset_groups and mask are for deform2d rows and must be "
                             "0 (they are %s and %s)",
                             f[1], og_text, mask_text);
    }

    clconv_conv_desc *d = &L->desc;
    clconv_conv_desc_init(d, rank);
    d->batch = v[C_N];
    d->in_channels = v[C_CIN];
    d->out_channels = v[C_COUT];
    d->groups = v[C_GROUPS];
    d->transposed = transposed;
    d->has_bias = 1; /* networks have one (or a folded batch norm) */
    for (int a = 0; a < 3; a++) {
        const int in = v[C_IN + a], k = v[C_K + a], st = v[C_S + a], p = v[C_P + a];
        const int dil = v[C_DIL + a], op = v[C_OP + a];
        const int i = a - (3 - rank); /* ONNX spatial index, < 0 for unused axes */
        if (i < 0) {
            if (in != 1 || k != 1 || st != 1 || p != 0 || dil != 1 || op != 0)
                return row_error(s, line,
                                 "%s layer: its unused '%s' fields must be in 1, k 1, "
                                 "s 1, p 0, dil 1, op 0",
                                 f[1], a == 0 ? "_d" : "_h");
            continue;
        }
        if (deform && op != 0)
            return row_error(s, line,
                             "deform2d layer: op_h and op_w must be 0 (deformable convolution "
                             "has no transposed form)");
        d->in_size[i] = in;
        d->kernel_size[i] = k;
        d->strides[i] = st;
        d->pads_begin[i] = d->pads_end[i] = p;
        d->dilations[i] = dil;
        d->output_padding[i] = op;
    }
    if (deform) {
        L->deform = 1;
        return parse_deform(s, og, mask, line, L);
    }
    int out[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS)
        return row_error(s, line, "layer %s: %s", L->name, clconv_last_error());
    return BENCH_OK;
}

/* The header lists the 24 columns, then optionally count, then optionally
 * offset_groups and mask; sets the layout. */
static int check_header(suite *s, char *line, int lineno, row_layout *lay)
{
    char *f[N_COLS + 4];
    const int n = split_tabs(line + 1, f, N_COLS + 4);
    int ok = n >= N_COLS && n <= N_COLS + 3, c = N_COLS;
    for (int k = 0; k < N_COLS && ok; k++)
        ok = strcmp(f[k], columns[k]) == 0;
    lay->count = lay->offset_groups = -1;
    if (ok && c < n && strcmp(f[c], "count") == 0)
        lay->count = c++;
    if (ok && c + 1 < n && strcmp(f[c], "offset_groups") == 0 && strcmp(f[c + 1], "mask") == 0) {
        lay->offset_groups = c;
        c += 2;
    }
    if (!ok || c != n)
        return row_error(s, lineno,
                         "column header differs from the expected '#name\\ttype\\t"
                         "n\\tcin\\tcout...op_w' (%d columns, optionally followed by count, "
                         "then optionally by offset_groups and mask)",
                         N_COLS);
    lay->ncols = n;
    return BENCH_OK;
}

/* Parses text (modified in place). */
static int parse_text(suite *s, char *text)
{
    int lineno = 0, cap = 0;
    row_layout hdr = {0, -1, -1}; /* ncols 0: not fixed by a header */
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        char *next = nl ? nl + 1 : NULL;
        if (strspn(line, " \t") == len) {
            line = next;
            continue;
        }
        if (line[0] == '#') {
            if (strncmp(line, "#name\t", 6) == 0 && check_header(s, line, lineno, &hdr))
                return BENCH_INVALID;
            line = next;
            continue;
        }
        char *f[N_COLS + 4];
        int n = split_tabs(line, f, N_COLS + 4);
        if (hdr.ncols ? n != hdr.ncols : (n != N_COLS && n != N_COLS + 1))
            return row_error(s, lineno, "expected %d tab-separated columns, found %d%s",
                             hdr.ncols ? hdr.ncols : N_COLS, n,
                             !hdr.ncols && (n == N_COLS + 2 || n == N_COLS + 3)
                                 ? " (offset_groups and mask need a '#name\\t...' header "
                                   "naming them)"
                                 : "");
        if (s->n == cap) {
            cap = cap ? 2 * cap : 32;
            suite_layer *l = realloc(s->layers, (size_t)cap * sizeof *l);
            if (!l) {
                bench_msg("out of memory");
                return BENCH_FAIL;
            }
            s->layers = l;
        }
        const row_layout lay =
            hdr.ncols ? hdr : (row_layout){n, n == N_COLS + 1 ? N_COLS : -1, -1};
        int rc = parse_row(s, f, &lay, lineno, &s->layers[s->n]);
        if (rc)
            return rc;
        for (int i = 0; i < s->n; i++)
            if (strcmp(s->layers[i].name, s->layers[s->n].name) == 0)
                return row_error(s, lineno, "layer name '%s' repeats line %d", s->layers[i].name,
                                 s->layers[i].line);
        s->n++;
        line = next;
    }
    if (s->n == 0) {
        bench_msg("%s: no layers", s->label);
        return BENCH_INVALID;
    }
    return BENCH_OK;
}

static char *read_file(const char *path, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        bench_msg("%s: cannot open: %s", path, strerror(errno));
        *rc = BENCH_INVALID;
        return NULL;
    }
    char *buf = malloc(MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    int err = buf ? ferror(f) : 0;
    fclose(f);
    if (!buf || err || n > MAX_FILE) {
        bench_msg("%s: %s", path,
                  !buf  ? "out of memory"
                  : err ? "read error"
                        : "larger than 16 MiB");
        free(buf);
        *rc = buf && !err ? BENCH_INVALID : BENCH_FAIL;
        return NULL;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        bench_msg("%s: not a text file (contains NUL bytes)", path);
        free(buf);
        *rc = BENCH_INVALID;
        return NULL;
    }
    return buf;
}

const bench_embedded_file *suite_find_builtin(const char *name, const char *ext)
{
    for (const bench_embedded_file *b = bench_suite_files; b->name; b++) {
        size_t n = strlen(name);
        if (strncmp(b->name, name, n) == 0 && strcmp(b->name + n, ext) == 0)
            return b;
    }
    return NULL;
}

/* "smoke, standard, ..." from the embedded files with extension ext. */
static void builtin_names(const char *ext, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (const bench_embedded_file *b = bench_suite_files; b->name && k < n; b++) {
        size_t len = strlen(b->name), e = strlen(ext);
        if (len > e && strcmp(b->name + len - e, ext) == 0)
            k += (size_t)snprintf(buf + k, n - k, "%s%.*s", k ? ", " : "", (int)(len - e), b->name);
    }
}

static const bench_embedded_file *find_builtin(const char *name)
{
    return suite_find_builtin(name, ".tsv");
}

int suite_load(const char *what, suite *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", what);
    const size_t len = strlen(what);
    const int is_path = strchr(what, '/') || (len > 4 && strcmp(what + len - 4, ".tsv") == 0);
    char *text;
    int rc = BENCH_OK;
    if (is_path) {
        text = read_file(what, &rc);
    } else {
        const bench_embedded_file *b = find_builtin(what);
        if (!b) {
            char names[1024];
            builtin_names(".tsv", names, sizeof names);
            bench_msg("unknown suite '%s' (builtin: %s; or a path to a .tsv file)", what, names);
            return BENCH_INVALID;
        }
        /* Small suites are checked against the reference by default. */
        s->check_default = strcmp(what, "smoke") == 0;
        text = malloc(b->length + 1);
        if (text)
            memcpy(text, b->source, b->length + 1);
        if (!text) {
            bench_msg("out of memory");
            return BENCH_FAIL;
        }
    }
    if (!text)
        return rc;
    rc = parse_text(s, text);
    free(text);
    if (rc)
        suite_free(s);
    return rc;
}

void suite_free(suite *s)
{
    free(s->layers);
    s->layers = NULL;
    s->n = 0;
}

int suite_print_builtin(const char *name)
{
    const bench_embedded_file *b = find_builtin(name);
    if (!b) {
        char names[1024];
        builtin_names(".tsv", names, sizeof names);
        bench_msg("--print: '%s' is not a builtin suite (%s)", name, names);
        return BENCH_INVALID;
    }
    fwrite(b->source, 1, b->length, stdout);
    return BENCH_OK;
}

/* --layers NAME,PREFIX*,...: marks the selected layers; an entry that
 * matches nothing is an error (a typo would otherwise run nothing). */
int suite_select(const suite *s, const char *spec, char *sel)
{
    memset(sel, spec ? 0 : 1, (size_t)s->n);
    if (!spec)
        return BENCH_OK;
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
        bench_msg("--layers: list too long");
        return BENCH_INVALID;
    }
    for (char *tok = buf, *end; tok; tok = end) {
        end = strchr(tok, ',');
        if (end)
            *end++ = '\0';
        size_t len = strlen(tok);
        const int prefix = len && tok[len - 1] == '*';
        int hit = 0;
        for (int i = 0; i < s->n; i++) {
            const char *nm = s->layers[i].name;
            if (prefix ? strncmp(nm, tok, len - 1) == 0 : strcmp(nm, tok) == 0)
                sel[i] = 1, hit = 1;
        }
        if (!hit) {
            bench_msg("--layers: no layer '%s' in suite %s", tok, s->label);
            return BENCH_INVALID;
        }
    }
    return BENCH_OK;
}
