/* `clconv-bench plot RESULTS.csv --out FILE.png [--title T]`: a bar chart
 * of GFLOP/s per layer for clconv and each peer in the CSV, drawn by
 * gnuplot (Debian gnuplot-nox; scripts/deps.sh installs it when asked).
 *
 * A peer's GFLOP/s is the layer's direct-method FLOP count over the peer's
 * median time, i.e. clconv's gflops column scaled by median_ms / peer_ms,
 * so all bars of a layer count the same work.  The PNG appears whole or not
 * at all (outfile.h).  The data goes to gnuplot inline, the labels cleaned
 * of quotes and blanks, so nothing from the CSV is read as a command. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include "args.h"
#include "bench.h"
#include "outfile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CSV (64u << 20)
#define MAX_FIELDS 64

/* ---- CSV (RFC 4180: quoted fields, "" for a quote) ----------------------------- */

/* Splits the record at *p into fields (in place); advances *p past it.
 * Returns the field count, or -1 for an unterminated quote. */
static int csv_record(char **p, char **f, int max)
{
    int n = 0;
    char *s = *p;
    for (;;) {
        char *out = s, *start = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s)
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    *out++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *out++ = *s++;
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r')
                *out++ = *s++;
        }
        const char end = *s;
        *out = '\0';
        if (n < max)
            f[n] = start;
        n++;
        if (end == ',') {
            s++;
            continue;
        }
        /* The terminator was overwritten by the field's NUL. */
        if (end)
            s++;
        while (*s == '\r' || *s == '\n')
            s++;
        *p = s;
        return n;
    }
}

static int column(char **hdr, int n, const char *name)
{
    for (int i = 0; i < n && i < MAX_FIELDS; i++)
        if (!strcmp(hdr[i], name))
            return i;
    return -1;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        bench_msg("%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_CSV + 1);
    size_t n = buf ? fread(buf, 1, MAX_CSV + 1, f) : 0;
    const int err = ferror(f);
    fclose(f);
    if (!buf || err || n > MAX_CSV) {
        bench_msg("%s: %s", path, !buf ? "out of memory" : err ? "read error" : "larger than 64 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- gnuplot ------------------------------------------------------------------- */

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    for (const char *p = path;;) {
        size_t len = strcspn(p, ":");
        char buf[4096];
        if (len && snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, prog) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        if (!p[len])
            return 0;
        p += len + 1;
    }
}

/* Text gnuplot reads as one plain string inside quotes: quotes,
 * backslashes, backquotes and control characters (a newline would end the
 * data block and let the next line run as a command) become '_', and so do
 * blanks unless keep_spaces. */
static void clean_text(const char *s, char *out, size_t n, int keep_spaces)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++) {
        const unsigned char c = (unsigned char)*s;
        const int bad = c == '"' || c == '\'' || c == '\\' || c == '`' || c < ' ' || c == 0x7f ||
                        (c == ' ' && !keep_spaces);
        out[k++] = bad ? '_' : *s;
    }
    out[k] = '\0';
}

typedef struct plot_cols {
    int layer, requested, gflops, median, wall, status, peer[2];
} plot_cols;

static const char *const peer_ms_cols[2] = {"onednn_ms", "clblast_ms"};
static const char *const peer_titles[2] = {"oneDNN", "CLBlast"};

/* Writes the gnuplot script with the data inline; the number of bars. */
static int write_script(FILE *g, char *text, int nh, const plot_cols *c,
                        const char *png, const char *title)
{
    int rows = 0, has_peer[2] = {0, 0};
    char *f[MAX_FIELDS];
    fprintf(g, "$data << EOD\n");
    for (char *p = text; *p;) {
        int n = csv_record(&p, f, MAX_FIELDS);
        if (n < nh || strcmp(f[c->status], "ok"))
            continue;
        char label[160], name[96], req[48];
        clean_text(f[c->layer], name, sizeof name, 0);
        clean_text(f[c->requested], req, sizeof req, 0);
        if (strcmp(req, "auto"))
            snprintf(label, sizeof label, "%s(%s)", name, req);
        else
            snprintf(label, sizeof label, "%s", name);
        const double gf = atof(f[c->gflops]), ms = atof(f[c->median]);
        const double wall = c->wall >= 0 ? atof(f[c->wall]) : 0;
        fprintf(g, "\"%s\" %.4f", label, gf);
        /* clconv by wall-clock time: what oneDNN's host-timed bar compares
         * with (the ratio_onednn column's basis). */
        if (wall > 0 && ms > 0)
            fprintf(g, " %.4f", gf * ms / wall);
        else
            fprintf(g, " NaN");
        for (int k = 0; k < 2; k++) {
            const double pms = c->peer[k] >= 0 ? atof(f[c->peer[k]]) : 0;
            if (pms > 0 && ms > 0) {
                fprintf(g, " %.4f", gf * ms / pms);
                has_peer[k] = 1;
            } else {
                fprintf(g, " NaN");
            }
        }
        fprintf(g, "\n");
        rows++;
    }
    fprintf(g, "EOD\n");
    const int width = 320 + rows * 44;
    fprintf(g, "set terminal pngcairo size %d,560 font ',10'\n", width < 640 ? 640 : width);
    fprintf(g, "set output '%s'\n", png);
    fprintf(g, "set title '%s' noenhanced\n", title);
    fprintf(g, "set style data histograms\nset style histogram clustered gap 1\n"
               "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
               "set ylabel 'GFLOP/s (direct-method FLOPs / median time)'\n"
               "set xtics rotate by -45 scale 0 noenhanced\nset grid ytics\n"
               "set key top left\nset datafile missing 'NaN'\nset yrange [0:*]\nset bmargin 8\n");
    fprintf(g, "plot $data using 2:xtic(1) title 'clconv (device time)'");
    if (has_peer[0])
        fprintf(g, ", '' using 3 title 'clconv (wall-clock, vs oneDNN)'");
    for (int k = 0; k < 2; k++)
        if (has_peer[k])
            fprintf(g, ", '' using %d title '%s'", 4 + k, peer_titles[k]);
    fprintf(g, "\n");
    return rows;
}

int cmd_plot(int argc, char **argv)
{
    const char *csv = NULL, *out = NULL, *title = NULL;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        if (arg_opt(&c, "--out", &v))
            out = v;
        else if (arg_opt(&c, "--title", &v))
            title = v;
        else if (argv[c.i][0] == '-' || csv) {
            bench_msg("plot: unexpected '%s' (usage: plot RESULTS.csv --out FILE.png)", argv[c.i]);
            return BENCH_INVALID;
        } else
            csv = argv[c.i];
        if (c.error)
            return BENCH_INVALID;
    }
    if (!csv || !out) {
        bench_msg("plot: usage: plot RESULTS.csv --out FILE.png [--title T]");
        return BENCH_INVALID;
    }
    char err[1024];
    if (!outfile_target_ok(out, err, sizeof err) || outfile_same_file(csv, out)) {
        bench_msg("plot: --out %s", outfile_same_file(csv, out) ? "is the input CSV" : err);
        return BENCH_INVALID;
    }
    char *text = read_text(csv);
    if (!text)
        return BENCH_INVALID;
    char *hdr[MAX_FIELDS], *p = text;
    const int nh = csv_record(&p, hdr, MAX_FIELDS);
    plot_cols cols = {column(hdr, nh, "layer"),          column(hdr, nh, "requested"),
                      column(hdr, nh, "gflops"),         column(hdr, nh, "median_ms"),
                      column(hdr, nh, "wall_median_ms"), column(hdr, nh, "status"),
                      {-1, -1}};
    for (int k = 0; k < 2; k++)
        cols.peer[k] = column(hdr, nh, peer_ms_cols[k]);
    int rc = BENCH_OK;
    if (nh < 5 || cols.layer < 0 || cols.requested < 0 || cols.gflops < 0 || cols.median < 0 ||
        cols.status < 0) {
        bench_msg("%s: not a clconv-bench CSV (needs the columns layer, requested, gflops, "
                  "median_ms, status; write one with --format csv)",
                  csv);
        free(text);
        return BENCH_INVALID;
    }
    char t[512];
    clean_text(title ? title : csv, t, sizeof t, 1);
    if (!on_path("gnuplot")) {
        bench_msg("plot: gnuplot not found (Debian: apt-get install gnuplot-nox, or "
                  "scripts/bench --full, which installs it)");
        free(text);
        return BENCH_FAIL;
    }
    bench_outfile o;
    if (outfile_open(&o, out, err, sizeof err)) {
        bench_msg("%s", err);
        free(text);
        return BENCH_FAIL;
    }
    if (strpbrk(o.tmp, "'\"\\\n`")) {
        bench_msg("plot: --out '%s': quotes and backslashes are not allowed in the path", out);
        outfile_abort(&o);
        free(text);
        return BENCH_INVALID;
    }
    /* A gnuplot that exits early must not kill us with SIGPIPE before the
     * temporary is removed. */
    struct sigaction ign = {0}, old_pipe;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    FILE *g = popen("gnuplot", "w");
    if (!g) {
        bench_msg("plot: cannot start gnuplot: %s", strerror(errno));
        rc = BENCH_FAIL;
    } else {
        const int rows = write_script(g, p, nh, &cols, o.tmp, t);
        const int st = pclose(g);
        if (rows == 0) {
            bench_msg("%s: no rows with status ok to plot", csv);
            rc = BENCH_INVALID;
        } else if (st != 0) {
            bench_msg("plot: gnuplot failed (status %d)", st);
            rc = BENCH_FAIL;
        }
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    struct stat sb;
    if (!rc && (stat(o.tmp, &sb) != 0 || sb.st_size == 0)) {
        bench_msg("plot: gnuplot wrote no image");
        rc = BENCH_FAIL;
    }
    if (rc)
        outfile_abort(&o);
    else if (outfile_commit(&o, err, sizeof err)) {
        bench_msg("%s", err);
        rc = BENCH_FAIL;
    }
    free(text);
    return rc;
}
