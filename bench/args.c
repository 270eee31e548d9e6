/* Command-line parsing helpers (see args.h).  Strict on purpose: "2,,2",
 * "2x" or an out-of-range value is an error rather than a silent 0. */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#include "args.h"
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int arg_opt(arg_cursor *c, const char *name, const char **value)
{
    const char *a = c->argv[c->i];
    const size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (c->i + 1 >= c->argc) {
        bench_msg("%s needs a value", name);
        c->error = 1;
        *value = NULL; /* the parsers return -1 on NULL without a second message */
        return 1;
    }
    *value = c->argv[++c->i];
    return 1;
}

int arg_flag(const arg_cursor *c, const char *name) { return strcmp(c->argv[c->i], name) == 0; }

static int parse_long(const char *s, long *out, const char **end)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || errno == ERANGE)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    if (!s)
        return -1;
    const char *e;
    long v;
    if (parse_long(s, &v, &e) || *e != '\0') {
        bench_msg("%s: '%s' is not an integer", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        bench_msg("%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_u64(const char *opt, const char *s, unsigned long long *out)
{
    if (!s)
        return -1;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 0);
    if (e == s || *e != '\0' || errno == ERANGE || s[0] == '-') {
        bench_msg("%s: '%s' is not an unsigned integer", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_ints(const char *opt, const char *s, int *v, int max, long lo, long hi)
{
    if (!s)
        return -1;
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *e;
        long x;
        if (parse_long(p, &x, &e) || (*e != ',' && *e != '\0')) {
            bench_msg("%s: '%s' is not a comma-separated list of integers", opt, s);
            return -1;
        }
        if (x < lo || x > hi) {
            bench_msg("%s: entry %d = %ld is out of range [%ld, %ld]", opt, n, x, lo, hi);
            return -1;
        }
        if (n == max) {
            bench_msg("%s: more than %d entries in '%s'", opt, max, s);
            return -1;
        }
        v[n++] = (int)x;
        if (*e == '\0')
            return n;
        p = e + 1;
    }
}

static int parse_float(const char *s, float *out, const char **end)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || errno == ERANGE || !isfinite(v))
        return -1;
    *out = (float)v;
    *end = e;
    return 0;
}

int parse_activation(const char *s, clconv_activation *act, float *alpha, float *beta)
{
    if (!s)
        return -1;
    const char *e;
    *alpha = *beta = 0.0f;
    if (strcmp(s, "none") == 0) {
        *act = CLCONV_ACTIVATION_NONE;
        return 0;
    }
    if (strcmp(s, "relu") == 0) {
        *act = CLCONV_ACTIVATION_RELU;
        return 0;
    }
    if (strcmp(s, "relu6") == 0) {
        *act = CLCONV_ACTIVATION_CLIP;
        *beta = 6.0f;
        return 0;
    }
    if (strcmp(s, "leaky_relu") == 0) {
        *act = CLCONV_ACTIVATION_LEAKY_RELU;
        *alpha = 0.01f; /* ONNX LeakyRelu default */
        return 0;
    }
    if (strncmp(s, "leaky_relu:", 11) == 0) {
        if (parse_float(s + 11, alpha, &e) || *e != '\0')
            goto bad;
        *act = CLCONV_ACTIVATION_LEAKY_RELU;
        return 0;
    }
    if (strncmp(s, "clip:", 5) == 0) {
        if (parse_float(s + 5, alpha, &e) || *e != ':' || parse_float(e + 1, beta, &e) ||
            *e != '\0')
            goto bad;
        *act = CLCONV_ACTIVATION_CLIP;
        return 0;
    }
bad:
    bench_msg("--activation: '%s' is not none, relu, relu6, clip:MIN:MAX or leaky_relu[:ALPHA]", s);
    return -1;
}

int parse_auto_pad(const char *s, clconv_auto_pad *pad)
{
    if (!s)
        return -1;
    static const struct {
        const char *name;
        clconv_auto_pad v;
    } t[] = {
        {"NOTSET", CLCONV_AUTO_PAD_NOTSET},
        {"SAME_UPPER", CLCONV_AUTO_PAD_SAME_UPPER},
        {"SAME_LOWER", CLCONV_AUTO_PAD_SAME_LOWER},
        {"VALID", CLCONV_AUTO_PAD_VALID},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(s, t[i].name) == 0) {
            *pad = t[i].v;
            return 0;
        }
    bench_msg("--auto-pad: '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", s);
    return -1;
}

int parse_algo(const char *opt, const char *s, clconv_algorithm *algo)
{
    if (!s)
        return -1;
    if (clconv_algorithm_from_name(s, algo) == CLCONV_SUCCESS)
        return 0;
    char names[256] = "";
    size_t k = 0;
    for (int a = 0; a < CLCONV_ALGO_COUNT && k < sizeof names; a++)
        k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", a ? ", " : "",
                              clconv_algorithm_name((clconv_algorithm)a));
    bench_msg("%s: unknown algorithm '%s' (known: %s)", opt, s, names);
    return -1;
}

/* --algo: "all", or a comma list of names (auto allowed).  *all is set for
 * "all"; otherwise list/n hold the names in order. */
int parse_algo_list(const char *s, int *all, clconv_algorithm *list, int *n)
{
    *all = strcmp(s, "all") == 0;
    *n = 0;
    if (*all)
        return BENCH_OK;
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf) {
        bench_msg("--algo: list too long");
        return BENCH_INVALID;
    }
    for (char *tok = buf, *end; tok; tok = end) {
        end = strchr(tok, ',');
        if (end)
            *end++ = '\0';
        clconv_algorithm a;
        if (parse_algo("--algo", tok, &a))
            return BENCH_INVALID;
        for (int i = 0; i < *n; i++)
            if (list[i] == a) {
                bench_msg("--algo: '%s' is listed twice", tok);
                return BENCH_INVALID;
            }
        list[(*n)++] = a;
    }
    return BENCH_OK;
}
