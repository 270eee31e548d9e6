/* `clconv-bench problem`: convolution problems in oneDNN benchdnn's
 * descriptor syntax (benchdnn.h), run like a suite (runner.h) with the
 * same options, peers and formats:
 *   clconv-bench problem 'mb1ic64ih56oc64oh56kh3ph1n"r50"' [DESC...]
 *   clconv-bench problem --batch FILE|NAME [--deconv] [--mb N] [...]
 * NAME is one of the embedded files (bench/suites/NAME.benchdnn) when no
 * file of that name exists.  Problems are checked against the reference
 * by default (--no-check to skip). */
#include "args.h"
#include "bench.h"
#include "benchdnn.h"
#include "runner.h"
#include "suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The positional descriptors joined by spaces (batch-file syntax). */
static char *join(char **v, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(s, v[i]);
        strcat(s, i + 1 < n ? " " : "");
    }
    return s;
}

static int load(const char *batch, char **descs, int ndesc, int deconv, long mb, suite *s)
{
    if (batch) {
        struct stat st;
        const bench_embedded_file *b =
            strchr(batch, '/') || stat(batch, &st) == 0 ? NULL
                                                        : suite_find_builtin(batch, ".benchdnn");
        if (!b)
            return benchdnn_load(batch, 1, deconv, mb, s);
        return benchdnn_load_text(batch, b->source, deconv, mb, s);
    }
    char *text = join(descs, ndesc);
    if (!text) {
        bench_msg("out of memory");
        return BENCH_FAIL;
    }
    int rc = benchdnn_load(text, 0, deconv, mb, s);
    free(text);
    return rc;
}

int cmd_problem(int argc, char **argv)
{
    runner_opts o;
    runner_opts_init(&o);
    const char *batch = NULL;
    int deconv = 0, ndesc = 0;
    long mb = 0;
    char **descs = calloc((size_t)argc + 1, sizeof *descs);
    if (!descs) {
        bench_msg("out of memory");
        return BENCH_FAIL;
    }
    int rc = BENCH_OK;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc && !rc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        if (runner_opt(&c, &o, &bad))
            rc = bad ? BENCH_INVALID : BENCH_OK;
        else if (arg_opt(&c, "--batch", &v))
            batch = v;
        else if (arg_opt(&c, "--mb", &v))
            rc = parse_int("--mb", v, 1, BENCHDNN_MAX_VALUE, &mb) ? BENCH_INVALID : BENCH_OK;
        else if (arg_flag(&c, "--deconv"))
            deconv = 1;
        else if (argv[c.i][0] == '-' && argv[c.i][1] == '-') {
            bench_msg("problem: unknown option '%s' (see clconv-bench --help)", argv[c.i]);
            rc = BENCH_INVALID;
        } else
            descs[ndesc++] = argv[c.i];
        if (c.error)
            rc = BENCH_INVALID;
    }
    if (!rc && !batch == !ndesc) {
        bench_msg("problem: give descriptors or --batch FILE, not %s",
                  batch ? "both" : "neither (e.g. 'mb1ic64ih56oc64oh56kh3ph1')");
        rc = BENCH_INVALID;
    }
    suite s = {0};
    if (!rc)
        rc = load(batch, descs, ndesc, deconv, mb, &s);
    if (!rc && s.n == 0) {
        bench_msg("problem: %s holds no problems", batch ? batch : "the command line");
        rc = BENCH_INVALID;
    }
    if (!rc)
        rc = runner_run("problem", &s, &o);
    suite_free(&s);
    free(descs);
    return rc;
}
