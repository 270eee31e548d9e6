/* `clconv-bench suite`: every layer of a suite (bench/suites/NAME.tsv or a
 * file) with each requested algorithm and the requested peers, one table
 * row per (layer, algorithm): the algorithm that ran and its description,
 * median and minimum device time, GFLOP/s from the direct-method FLOP
 * count (marked '*' where it is "effective", i.e. the algorithm does fewer
 * multiplications), GB/s of the unavoidable traffic (what depthwise layers
 * are bound by), plan time (program builds) apart from run time, the
 * speed-up over direct when direct ran too, the error against the float64
 * reference with --check, and each peer's time and ratio.  The running,
 * interleaving and formats are the runner's (runner.c, report.c). */
#include "args.h"
#include "bench.h"
#include "runner.h"
#include "suite.h"

#include <stdio.h>
#include <string.h>

int cmd_suite(int argc, char **argv)
{
    runner_opts o;
    runner_opts_init(&o);
    const char *name = "smoke", *print = NULL;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        if (runner_opt(&c, &o, &bad)) {
            if (bad)
                return BENCH_INVALID;
        } else if (arg_opt(&c, "--suite", &v))
            name = v;
        else if (arg_opt(&c, "--print", &v))
            print = v;
        else {
            bench_msg("suite: unknown option '%s' (see clconv-bench --help)", argv[c.i]);
            return BENCH_INVALID;
        }
        if (c.error)
            return BENCH_INVALID;
    }
    if (print)
        return suite_print_builtin(print);
    suite s;
    int rc = suite_load(name, &s);
    if (rc)
        return rc;
    rc = runner_run("suite", &s, &o);
    suite_free(&s);
    return rc;
}
