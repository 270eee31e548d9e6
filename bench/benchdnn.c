/* oneDNN benchdnn convolution descriptors and batch files -> clconv suites.
 *
 * What benchdnn does (oneDNN tests/benchdnn, read at 515bfba, 2025-03),
 * and what this file does the same or, marked [strict], refuses:
 *
 * Descriptor (conv/conv_aux.cpp and deconv/deconv_aux.cpp, str2desc)
 *   Fields g mb ic oc and the spatial [iokspd][dhw] (input, output, kernel,
 *   stride, begin pad, dilation of the d, h, w axes), each a key and a
 *   decimal number; one '_' may follow each field; n and the rest of the
 *   token is the name (files quote it: n"resnet_50:conv1"; the quotes are
 *   dropped here).  benchdnn reads numbers with strtol and lets a repeated
 *   field win; [strict] a number is digits only, at most 2^24, a field may
 *   appear once, and only p and d may be 0 (benchdnn refuses 0 for g, ic,
 *   oc, s and needed i and k, and reads o0 as "compute it").  A quoted
 *   name must close at the end of the token.
 *   Defaults: mb 2, g 1, s 1, d 0, p unset.
 *   An axis is in use when any of i, k, o, d is non-zero, s != 1 or p >= 1;
 *   then i and k are required, and
 *     o missing: p = max(p, 0),
 *                conv   o = (i - ext + 2p) / s + 1
 *                deconv o = (i - 1) * s + ext - 2p        (must be >= 1)
 *     o given, p missing:
 *                conv   p = ((o - 1) * s - i + ext) / 2
 *                deconv p = ((i - 1) * s - o + ext) / 2
 *   with ext = (k - 1) * (d + 1) + 1 and C's truncating division.
 *   Rank (common.cpp, sanitize_desc), from the axes in use: d in use -> 3D,
 *   with h and w both in use or both copied from d (cubic); else h in use
 *   -> 2D, w copied from h when not in use (square); else w -> 1D; none is
 *   an error.
 *   End pad (conv.hpp / deconv.hpp, init_pad_r):
 *                conv   pr = (o - 1) * s - i + ext - p
 *                deconv pr = (i - 1) * s - o + ext - p
 *   oneDNN accepts the problem iff p >= 0 and pr > -s (src/common/
 *   convolution.cpp, deconvolution.cpp, conv_desc_init), so an explicit
 *   output that fits no padding is refused here as there.
 * ONNX / clconv mapping
 *   ONNX dilation = d + 1; pads_begin = p; pads_end = max(pr, 0).  A
 *   negative conv pr (> -s) means the last -pr input elements are never
 *   read: pads_end 0 gives the same output.  A negative deconv pr is
 *   ConvTranspose's output_padding -pr (< s, as ONNX requires).  The result
 *   passes clconv_conv_output_shape() with benchdnn's output size, or the
 *   problem is refused with clconv's reason.
 * Minibatch (conv.hpp, prb_t): --mb=N with N != 0 replaces the
 *   descriptor's mb; a list --mb=1,16 runs every problem at each; --reset
 *   restores 0.  benchdnn lets the latest --mb= win, command line or file;
 *   here the caller's mb > 0 wins over both, so that shipped files run
 *   unmodified at mb 1.
 * Batch files (common.cpp, batch; utils/parser.cpp)
 *   Whitespace-separated tokens; a token starting with '#' drops the rest
 *   of its line; a token ending in '\' is joined with the next one.
 *   --batch=FILE includes FILE: benchdnn tries the working directory, then
 *   the directories of the batch files opened so far, then its inputs/;
 *   here FILE is relative to the including file's directory (or the
 *   working directory for inline text), which is where every --batch= of
 *   oneDNN's inputs/conv and inputs/deconv points; depth at most 8, cycles
 *   refused (benchdnn has no such check).  Settings are shared
 *   across includes, as benchdnn's static settings are.  --conv and
 *   --deconv select the driver, as on benchdnn's command line.  Every other
 *   --option (--dir=, --dt=, --cfg=, --stag=, --attr-*=, --alg=, ...) is
 *   reported once per option name and ignored: clconv-bench runs forward
 *   f32 on dense NCHW tensors.  A token with a single '-' is refused, as
 *   benchdnn refuses it. */
#define _POSIX_C_SOURCE 200809L /* stat, strdup */
#include "benchdnn.h"
#include "bench.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE (16u << 20)
#define MAX_PATH 4096
#define MAX_MBS 16
/* Derived sizes and pads past this are no image; it keeps them in int. */
#define MAX_DERIVED (1LL << 30)

/* ---- descriptor fields ------------------------------------------------------- */

enum { F_G, F_MB, F_IC, F_OC, F_SPATIAL };
enum { K_I, K_O, K_K, K_S, K_P, K_D, N_KINDS };
#define N_FIELDS (F_SPATIAL + 3 * N_KINDS)
#define SP(kind, axis) (F_SPATIAL + 3 * (kind) + (axis))
static const char kinds[] = "iokspd";
static const char axes[] = "dhw";

typedef struct raw_desc {
    int64_t v[N_FIELDS];
    unsigned char given[N_FIELDS];
    const char *name; /* inside the quotes, name_len bytes */
    size_t name_len;
} raw_desc;

/* One spatial axis while it is resolved; p < 0 is "not given". */
typedef struct axis {
    int64_t i, o, k, s, p, d, pr;
} axis;

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void field_name(int f, char out[3])
{
    static const char *const fixed[F_SPATIAL] = {"g", "mb", "ic", "oc"};
    if (f < F_SPATIAL) {
        snprintf(out, 3, "%s", fixed[f]);
    } else {
        out[0] = kinds[(f - F_SPATIAL) / 3];
        out[1] = axes[(f - F_SPATIAL) % 3];
        out[2] = '\0';
    }
}

/* The field whose key starts s, and the key's length; 0 if none.  The keys
 * are prefix-free, so the first match is the only one. */
static int scan_key(const char *s, int *f)
{
    if (s[0] == 'g')
        return *f = F_G, 1;
    if (s[0] == 'm' && s[1] == 'b')
        return *f = F_MB, 2;
    if (s[0] == 'i' && s[1] == 'c')
        return *f = F_IC, 2;
    if (s[0] == 'o' && s[1] == 'c')
        return *f = F_OC, 2;
    const char *k = s[0] ? strchr(kinds, s[0]) : NULL;
    const char *a = k && s[1] ? strchr(axes, s[1]) : NULL;
    if (!a)
        return 0;
    *f = SP((int)(k - kinds), (int)(a - axes));
    return 2;
}

/* Reads the number after key f at *ps into r. */
static int scan_value(const char **ps, int f, raw_desc *r, char *why, size_t n)
{
    char key[3];
    field_name(f, key);
    const char *s = *ps, *e = s;
    int64_t v = 0;
    while (isdigit((unsigned char)*e)) {
        if (v <= BENCHDNN_MAX_VALUE)
            v = v * 10 + (*e - '0');
        e++;
    }
    if (e == s)
        return fail(why, n, "%s: no value (found '%.20s')", key, s);
    if (v > BENCHDNN_MAX_VALUE)
        return fail(why, n, "%s: %.*s is larger than %ld", key, (int)(e - s), s,
                    BENCHDNN_MAX_VALUE);
    if (r->given[f])
        return fail(why, n, "%s: given twice", key);
    /* Only pads and dilations may be 0: benchdnn refuses the other zeros
     * or, for an output size, reads 0 as "not given". */
    const int kind = f < F_SPATIAL ? -1 : (f - F_SPATIAL) / 3;
    if (v == 0 && kind != K_P && kind != K_D)
        return fail(why, n, "%s: 0 is not a size (must be >= 1)", key);
    r->v[f] = v;
    r->given[f] = 1;
    *ps = e;
    return 0;
}

/* The name after 'n': the rest of the token, quotes dropped. */
static int scan_name(const char *s, raw_desc *r, char *why, size_t n)
{
    size_t len = strlen(s);
    if (s[0] == '"' || s[0] == '\'') {
        const char *close = strchr(s + 1, s[0]);
        if (!close)
            return fail(why, n, "n: unterminated name %.60s", s);
        if (close[1])
            return fail(why, n, "n: '%.40s' after the name's closing quote", close + 1);
        s++;
        len = (size_t)(close - s);
    }
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\'')
            return fail(why, n, "n: stray quote in name '%.*s'", (int)len, s);
        if (c < 0x20 || c == 0x7f)
            return fail(why, n, "n: control character 0x%02x in name", c);
    }
    r->name = s;
    r->name_len = len;
    return 0;
}

/* Splits a descriptor into fields.  benchdnn's loop accepts one '_' after
 * each field and none before the first. */
static int scan_desc(const char *text, raw_desc *r, char *why, size_t n)
{
    memset(r, 0, sizeof *r);
    r->name = "";
    if (!*text)
        return fail(why, n, "empty descriptor");
    const char *s = text;
    while (*s) {
        int f, len = scan_key(s, &f);
        if (len) {
            s += len;
            if (scan_value(&s, f, r, why, n))
                return -1;
            if (*s == '_')
                s++;
            continue;
        }
        if (*s == 'n')
            return scan_name(s + 1, r, why, n);
        return fail(why, n, "unknown field at '%.20s' (fields: g mb ic oc [iokspd][dhw], n\"name\")",
                    s);
    }
    return 0;
}

/* ---- resolution (benchdnn's implicit rules) ---------------------------------- */

static int64_t extent(const axis *x) { return (x->k - 1) * (x->d + 1) + 1; }

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* "ih=56 kh=3 sh=2 ph=1 dh=0" for messages. */
static void describe_axis(const axis *x, char a, char *buf, size_t n)
{
    snprintf(buf, n, "i%c=%lld k%c=%lld s%c=%lld p%c=%lld d%c=%lld", a, (long long)x->i, a,
             (long long)x->k, a, (long long)x->s, a, (long long)x->p, a, (long long)x->d);
}

/* Output size or begin pad of an axis in use, as str2desc computes them. */
static int resolve_axis(axis *x, char a, int deconv, char *why, size_t n)
{
    if (!x->i)
        return fail(why, n, "i%c: missing input size (the %c axis is in use)", a, a);
    if (!x->k)
        return fail(why, n, "k%c: missing kernel size (the %c axis is in use)", a, a);
    const int64_t ext = extent(x);
    if (!x->o) {
        if (x->p < 0)
            x->p = 0;
        x->o = deconv ? (x->i - 1) * x->s + ext - 2 * x->p : (x->i - ext + 2 * x->p) / x->s + 1;
        if (x->o <= 0 || x->o > MAX_DERIVED) {
            char d[160];
            describe_axis(x, a, d, sizeof d);
            return fail(why, n, "o%c: %s gives an output of %lld elements", a, d,
                        (long long)x->o);
        }
    } else if (x->p < 0) {
        x->p = (deconv ? (x->i - 1) * x->s - x->o + ext : (x->o - 1) * x->s - x->i + ext) / 2;
    }
    return 0;
}

/* The end pad and oneDNN's consistency check of a resolved axis. */
static int end_pad(axis *x, char a, int deconv, char *why, size_t n)
{
    const int64_t ext = extent(x);
    char d[160];
    describe_axis(x, a, d, sizeof d);
    if (x->p < 0)
        return fail(why, n, "p%c: o%c=%lld with %s needs a negative begin pad (oneDNN needs >= 0)",
                    a, a, (long long)x->o, d);
    x->pr = deconv ? (x->i - 1) * x->s - x->o + ext - x->p : (x->o - 1) * x->s - x->i + ext - x->p;
    if (x->pr <= -x->s) {
        if (deconv)
            return fail(why, n, "o%c=%lld does not match %s (expected <= %lld)", a,
                        (long long)x->o, d, (long long)(x->i * x->s + ext - x->p - 1));
        return fail(why, n, "o%c=%lld does not match %s (expected >= %lld)", a, (long long)x->o, d,
                    (long long)(floor_div(x->i - ext + x->p, x->s) + 1));
    }
    if (x->p > MAX_DERIVED || x->pr > MAX_DERIVED)
        return fail(why, n, "p%c: %s gives pads %lld and %lld (too large)", a, d,
                    (long long)x->p, (long long)x->pr);
    return 0;
}

/* The rank, from the axes in use (common.cpp, sanitize_desc); copies h to
 * w (square) or d to h and w (cubic). */
static int spatial_rank(axis ax[3], int *rank, char *why, size_t n)
{
    if (ax[0].o) {
        if (!ax[1].o && !ax[2].o)
            ax[1] = ax[2] = ax[0];
        else if (!ax[1].o || !ax[2].o)
            return fail(why, n, "a 3D problem needs both its h and its w fields, or neither "
                                "(a cube); %c is missing",
                        ax[1].o ? 'w' : 'h');
        *rank = 3;
    } else if (ax[1].o) {
        if (!ax[2].o)
            ax[2] = ax[1];
        *rank = 2;
    } else if (ax[2].o) {
        *rank = 1;
    } else {
        return fail(why, n, "no spatial size: give ih and kh (2D), id and kd (3D) or iw and kw (1D)");
    }
    return 0;
}

/* raw -> ONNX descriptor, validated by clconv. */
static int resolve(const raw_desc *r, int deconv, long mb, clconv_conv_desc *d, char *why,
                   size_t n)
{
    if (!r->given[F_IC])
        return fail(why, n, "ic: missing input channels");
    if (!r->given[F_OC])
        return fail(why, n, "oc: missing output channels");
    axis ax[3];
    for (int a = 0; a < 3; a++) {
        axis *x = &ax[a];
        x->i = r->v[SP(K_I, a)];
        x->o = r->v[SP(K_O, a)];
        x->k = r->v[SP(K_K, a)];
        x->s = r->given[SP(K_S, a)] ? r->v[SP(K_S, a)] : 1;
        x->p = r->given[SP(K_P, a)] ? r->v[SP(K_P, a)] : -1;
        x->d = r->v[SP(K_D, a)];
        const int in_use = (x->i | x->k | x->o | x->d) != 0 || x->s != 1 || x->p >= 1;
        if (in_use && resolve_axis(x, axes[a], deconv, why, n))
            return -1;
    }
    int rank = 0;
    if (spatial_rank(ax, &rank, why, n))
        return -1;
    for (int a = 3 - rank; a < 3; a++)
        if (end_pad(&ax[a], axes[a], deconv, why, n))
            return -1;

    const int64_t g = r->given[F_G] ? r->v[F_G] : 1;
    if (r->v[F_IC] % g || r->v[F_OC] % g)
        return fail(why, n, "g=%lld does not divide %s=%lld", (long long)g,
                    r->v[F_IC] % g ? "ic" : "oc",
                    (long long)(r->v[F_IC] % g ? r->v[F_IC] : r->v[F_OC]));
    if (mb > BENCHDNN_MAX_VALUE)
        return fail(why, n, "mb: %ld is larger than %ld", mb, BENCHDNN_MAX_VALUE);

    clconv_conv_desc_init(d, rank);
    d->batch = (int)(mb > 0 ? mb : r->given[F_MB] ? r->v[F_MB] : 2);
    d->in_channels = (int)r->v[F_IC];
    d->out_channels = (int)r->v[F_OC];
    d->groups = (int)g;
    d->transposed = deconv != 0;
    d->has_bias = 1; /* networks have one (or a folded batch norm) */
    for (int j = 0; j < rank; j++) {
        const axis *x = &ax[3 - rank + j];
        d->in_size[j] = (int)x->i;
        d->kernel_size[j] = (int)x->k;
        d->strides[j] = (int)x->s;
        d->dilations[j] = (int)(x->d + 1);
        d->pads_begin[j] = (int)x->p;
        d->pads_end[j] = x->pr > 0 ? (int)x->pr : 0;
        if (deconv && x->pr < 0)
            d->output_padding[j] = (int)-x->pr;
    }
    int out[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS)
        return fail(why, n, "clconv refuses it: %s", clconv_last_error());
    for (int j = 0; j < rank; j++)
        if (out[j] != ax[3 - rank + j].o) /* the mapping above is wrong */
            return fail(why, n, "internal error: clconv computes o%c=%d, benchdnn %lld",
                        axes[3 - rank + j], out[j], (long long)ax[3 - rank + j].o);
    return 0;
}

int benchdnn_parse(const char *text, int deconv, long mb, clconv_conv_desc *d, char *name,
                   size_t name_len, char *why, size_t why_len)
{
    raw_desc r;
    if (name && name_len)
        name[0] = '\0';
    if (why && why_len)
        why[0] = '\0';
    if (scan_desc(text, &r, why, why_len) || resolve(&r, deconv, mb, d, why, why_len))
        return -1;
    if (name && name_len) {
        size_t len = r.name_len < name_len - 1 ? r.name_len : name_len - 1;
        memcpy(name, r.name, len);
        name[len] = '\0';
    }
    return 0;
}

/* ---- string sets (layer names, repeated problems, reported options) --------- */

typedef struct strset {
    char **slot;
    size_t cap, n;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static char **strset_find(const strset *t, const char *key)
{
    size_t i = (size_t)hash_str(key) & (t->cap - 1);
    while (t->slot[i] && strcmp(t->slot[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    return &t->slot[i];
}

static int strset_has(const strset *t, const char *key) { return t->cap && *strset_find(t, key); }

/* 1: inserted, 0: already there, -1: out of memory. */
static int strset_insert(strset *t, const char *key)
{
    if (strset_has(t, key))
        return 0;
    if ((t->n + 1) * 2 > t->cap) {
        strset bigger = {calloc(t->cap ? 2 * t->cap : 64, sizeof(char *)),
                         t->cap ? 2 * t->cap : 64, t->n};
        if (!bigger.slot)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i])
                *strset_find(&bigger, t->slot[i]) = t->slot[i];
        free(t->slot);
        *t = bigger;
    }
    char *copy = strdup(key);
    if (!copy)
        return -1;
    *strset_find(t, key) = copy;
    t->n++;
    return 1;
}

static void strset_free(strset *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i]);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ---- loading ------------------------------------------------------------------- */

/* Where tokens come from, for messages and includes. */
typedef struct source {
    const char *label; /* file path or suite name; NULL: inline text (quote the token only) */
    const char *dir;   /* --batch= is relative to it; NULL: the working directory */
} source;

typedef struct loader {
    suite *s;
    int deconv;
    long force_mb;       /* > 0: the caller's override */
    long mbs[MAX_MBS];   /* the current --mb= list; 0: the descriptor's */
    int n_mbs;
    int depth;           /* open batch files */
    dev_t dev[BENCHDNN_MAX_DEPTH + 1];
    ino_t ino[BENCHDNN_MAX_DEPTH + 1];
    int problems;        /* problem tokens so far, for "pN" */
    int repeats;         /* problems that repeated an earlier one */
    int cap;
    strset names, seen, reported;
} loader;

static int src_error(const source *src, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int src_error(const source *src, int line, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (src->label)
        bench_msg("%s:%d: %s", src->label, line, m);
    else
        bench_msg("%s", m);
    return BENCH_INVALID;
}

static int out_of_memory(void)
{
    bench_msg("out of memory");
    return BENCH_FAIL;
}

/* A canonical string of what a layer runs, to spot repeats. */
static void layer_key(const clconv_conv_desc *d, const char *name, char *buf, size_t n)
{
    int w = snprintf(buf, n, "%s\x1f%d %d %d %d %d %d", name, d->rank, d->batch, d->in_channels,
                     d->out_channels, d->groups, d->transposed);
    for (int j = 0; j < d->rank && w > 0 && (size_t)w < n; j++)
        w += snprintf(buf + w, n - (size_t)w, " %d,%d,%d,%d,%d,%d,%d", d->in_size[j],
                      d->kernel_size[j], d->strides[j], d->dilations[j], d->pads_begin[j],
                      d->pads_end[j], d->output_padding[j]);
}

/* base, or base#2, base#3... : the first not yet used, within 63 chars. */
static int unique_name(loader *L, const char *base, char out[64])
{
    snprintf(out, 64, "%.63s", base);
    for (int k = 2; strset_has(&L->names, out); k++) {
        char suffix[16];
        int len = snprintf(suffix, sizeof suffix, "#%d", k);
        snprintf(out, 64, "%.*s%s", 63 - len, base, suffix);
    }
    return strset_insert(&L->names, out) < 0 ? out_of_memory() : BENCH_OK;
}

static int add_layer(loader *L, int line, const clconv_conv_desc *d, const char *name,
                     int several_mbs)
{
    char key[1024];
    layer_key(d, name, key, sizeof key);
    int fresh = strset_insert(&L->seen, key);
    if (fresh < 0)
        return out_of_memory();
    if (!fresh) {
        L->repeats++;
        return BENCH_OK;
    }
    char base[320];
    int len = name[0] ? snprintf(base, sizeof base, "%.255s", name)
                      : snprintf(base, sizeof base, "p%d", L->problems);
    if (several_mbs)
        snprintf(base + len, sizeof base - (size_t)len, "@mb%d", d->batch);
    suite *s = L->s;
    if (s->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 32;
        suite_layer *l = realloc(s->layers, (size_t)cap * sizeof *l);
        if (!l)
            return out_of_memory();
        s->layers = l;
        L->cap = cap;
    }
    suite_layer *layer = &s->layers[s->n];
    memset(layer, 0, sizeof *layer);
    int rc = unique_name(L, base, layer->name);
    if (rc)
        return rc;
    snprintf(layer->type, sizeof layer->type, "%sconv%dd", d->transposed ? "de" : "", d->rank);
    layer->line = line;
    layer->count = 1;
    layer->desc = *d;
    s->n++;
    return BENCH_OK;
}

/* A descriptor token: one layer per minibatch of the current --mb= list. */
static int add_problem(loader *L, const source *src, const char *tok, int line)
{
    L->problems++;
    const long forced[1] = {L->force_mb};
    const long *mbs = L->force_mb > 0 ? forced : L->mbs;
    const int n = L->force_mb > 0 ? 1 : L->n_mbs;
    for (int k = 0; k < n; k++) {
        clconv_conv_desc d;
        char name[256], why[512];
        if (benchdnn_parse(tok, L->deconv, mbs[k], &d, name, sizeof name, why, sizeof why))
            return src_error(src, line, "'%.200s': %s", tok, why);
        int rc = add_layer(L, line, &d, name, n > 1);
        if (rc)
            return rc;
    }
    return BENCH_OK;
}

/* --mb=N[,N...] */
static int set_mbs(loader *L, const source *src, const char *list, int line)
{
    long v[MAX_MBS];
    int n = 0;
    for (const char *p = list;; p++) {
        const char *e = p;
        long x = 0;
        while (isdigit((unsigned char)*e) && x <= BENCHDNN_MAX_VALUE)
            x = 10 * x + (*e++ - '0');
        if (e == p || (*e && *e != ',') || x > BENCHDNN_MAX_VALUE || n == MAX_MBS)
            return src_error(src, line,
                             "'--mb=%.100s': expected up to %d comma-separated minibatches "
                             "(0 for the descriptor's own, at most %ld)",
                             list, MAX_MBS, BENCHDNN_MAX_VALUE);
        v[n++] = x;
        p = e;
        if (!*p)
            break;
    }
    memcpy(L->mbs, v, sizeof v);
    L->n_mbs = n;
    return BENCH_OK;
}

/* Why clconv-bench has no use for a benchdnn option. */
static const char *ignored_because(const char *opt)
{
    static const struct {
        const char *prefix, *reason;
    } table[] = {
        {"--dir=", "clconv-bench runs forward f32"},
        {"--dt=", "clconv-bench runs forward f32"},
        {"--cfg=", "clconv-bench runs forward f32"},
        {"--bia-dt=", "clconv-bench runs forward f32"},
        {"--attr-", "clconv-bench runs plain convolutions with a bias"},
        {"--alg=", "clconv-bench chooses its algorithm with its own --algo"},
        {"--stag=", "clconv-bench uses dense NCHW / NCDHW tensors"},
        {"--wtag=", "clconv-bench uses dense NCHW / NCDHW tensors"},
        {"--dtag=", "clconv-bench uses dense NCHW / NCDHW tensors"},
        {"--strides=", "clconv-bench uses dense NCHW / NCDHW tensors"},
        {"--allow-enum-tags-only=", "clconv-bench uses dense NCHW / NCDHW tensors"},
        {"--match=", "clconv-bench loads every problem; select layers with --layers"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strncmp(opt, table[i].prefix, strlen(table[i].prefix)) == 0)
            return table[i].reason;
    return "a benchdnn option without meaning for clconv-bench";
}

static int ignore_option(loader *L, const source *src, const char *tok, int line)
{
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(tok, "="), tok);
    int fresh = strset_insert(&L->reported, name);
    if (fresh < 0)
        return out_of_memory();
    if (fresh) {
        char m[400];
        snprintf(m, sizeof m, "ignoring '%.200s' (%s)", tok, ignored_because(tok));
        if (src->label)
            bench_msg("%s:%d: %s", src->label, line, m);
        else
            bench_msg("%s", m);
    }
    return BENCH_OK;
}

static int load_file(loader *L, const char *path, const source *from, int from_line);

static int include(loader *L, const source *src, const char *file, int line)
{
    char path[MAX_PATH];
    if (!*file)
        return src_error(src, line, "'--batch=': no file named");
    if (L->depth >= BENCHDNN_MAX_DEPTH)
        return src_error(src, line, "'--batch=%.200s': includes nest deeper than %d", file,
                         BENCHDNN_MAX_DEPTH);
    int len = file[0] != '/' && src->dir ? snprintf(path, sizeof path, "%s/%s", src->dir, file)
                                         : snprintf(path, sizeof path, "%s", file);
    if (len < 0 || (size_t)len >= sizeof path)
        return src_error(src, line, "'--batch=%.200s': path too long", file);
    struct stat st;
    if (stat(path, &st) == 0)
        for (int i = 0; i < L->depth; i++)
            if (L->dev[i] == st.st_dev && L->ino[i] == st.st_ino)
                return src_error(src, line, "'--batch=%.200s': %.400s includes itself (a cycle)",
                                 file, path);
    return load_file(L, path, src, line);
}

static int option(loader *L, const source *src, const char *tok, int line)
{
    if (strncmp(tok, "--batch=", 8) == 0)
        return include(L, src, tok + 8, line);
    if (strncmp(tok, "--mb=", 5) == 0)
        return set_mbs(L, src, tok + 5, line);
    if (strcmp(tok, "--batch") == 0 || strcmp(tok, "--mb") == 0)
        return src_error(src, line, "'%s': expected %s=VALUE", tok, tok);
    if (strcmp(tok, "--reset") == 0) {
        L->mbs[0] = 0;
        L->n_mbs = 1;
        return BENCH_OK;
    }
    if (strcmp(tok, "--conv") == 0 || strcmp(tok, "--deconv") == 0) {
        L->deconv = tok[2] == 'd';
        return BENCH_OK;
    }
    return ignore_option(L, src, tok, line);
}

typedef struct token {
    const char *text;
    int line;
} token;

/* benchdnn's tokens (common.cpp, batch): split at whitespace; a token
 * starting with '#' drops the rest of its line; a token ending in '\' is
 * joined with the next (a lone '\' joins its neighbours).  The tokens
 * live in *store; *toks and *store are the caller's to free. */
static int tokenize(const source *src, const char *text, char **store, token **toks, int *n_toks)
{
    const size_t len = strlen(text);
    char *w = *store = malloc(len + 2); /* each token and its NUL fit in it and a separator */
    token *t = NULL;
    int n = 0, cap = 0, joining = 0, line = 1;
    *toks = NULL;
    *n_toks = 0;
    if (!w)
        return out_of_memory();
    for (const char *p = text; *p;) {
        if (isspace((unsigned char)*p)) {
            line += *p++ == '\n';
            continue;
        }
        const char *b = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*b == '#') {
            p += strcspn(p, "\n");
            continue;
        }
        if (joining && n == 0) {
            free(t);
            return src_error(src, line, "a line continuation '\\' with nothing before it");
        }
        if (joining) {
            w--; /* reopen the previous token over its NUL */
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                token *g = realloc(t, (size_t)cap * sizeof *g);
                if (!g) {
                    free(t);
                    return out_of_memory();
                }
                t = g;
            }
            t[n].text = w;
            t[n++].line = line;
        }
        memcpy(w, b, (size_t)(p - b));
        w += p - b;
        joining = w[-1] == '\\';
        if (joining && --w == t[n - 1].text)
            n--; /* a lone '\': nothing to keep, w back after the previous NUL */
        else
            *w++ = '\0';
    }
    *toks = t;
    *n_toks = n;
    return BENCH_OK;
}

static int load_tokens(loader *L, const source *src, const char *text)
{
    char *store;
    token *t;
    int n, rc = tokenize(src, text, &store, &t, &n);
    for (int i = 0; i < n && !rc; i++) {
        const char *tok = t[i].text;
        if (tok[0] == '-' && tok[1] == '-')
            rc = option(L, src, tok, t[i].line);
        else if (tok[0] == '-')
            rc = src_error(src, t[i].line, "'%.200s': options start with '--'", tok);
        else
            rc = add_problem(L, src, tok, t[i].line);
    }
    free(t);
    free(store);
    return rc;
}

/* The whole file, NUL-terminated, or NULL with *rc set and a message. */
static char *read_text(const char *path, const source *from, int from_line, int *rc)
{
    char m[600];
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    int err = 0;
    if (f) {
        /* Grown as it fills, so that a small file (and every --batch=
         * include) costs its own size, not the 16 MiB cap. */
        size_t cap = 0;
        for (;;) {
            if (n == cap) {
                size_t cap2 = cap ? cap * 2 : 64 * 1024;
                if (cap2 > MAX_FILE + 1)
                    cap2 = MAX_FILE + 1;
                char *b2 = cap2 > cap ? realloc(buf, cap2 + 1) : NULL;
                if (!b2) {
                    if (cap2 > cap) { /* out of memory */
                        free(buf);
                        buf = NULL;
                    }
                    break; /* or: the cap is reached and n > MAX_FILE below */
                }
                buf = b2;
                cap = cap2;
            }
            size_t k = fread(buf + n, 1, cap - n, f);
            n += k;
            if (k == 0)
                break;
        }
        err = buf ? ferror(f) : 0;
        fclose(f);
    }
    *rc = BENCH_INVALID;
    if (!f)
        snprintf(m, sizeof m, "cannot open '%.400s': %s", path, strerror(errno));
    else if (!buf)
        snprintf(m, sizeof m, "out of memory"), *rc = BENCH_FAIL;
    else if (err)
        snprintf(m, sizeof m, "'%.400s': read error", path), *rc = BENCH_FAIL;
    else if (n > MAX_FILE)
        snprintf(m, sizeof m, "'%.400s': larger than 16 MiB", path);
    else if (memchr(buf, '\0', n))
        snprintf(m, sizeof m, "'%.400s': not a text file (contains NUL bytes)", path);
    else {
        buf[n] = '\0';
        return buf;
    }
    free(buf);
    if (from)
        src_error(from, from_line, "%s", m);
    else
        bench_msg("%s", m);
    return NULL;
}

/* A batch file; from: the file or text that includes it (NULL: top level). */
static int load_file(loader *L, const char *path, const source *from, int from_line)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char m[600];
        snprintf(m, sizeof m, "'%.400s' is a directory", path);
        return from ? src_error(from, from_line, "%s", m) : (bench_msg("%s", m), BENCH_INVALID);
    }
    int rc;
    char *text = read_text(path, from, from_line, &rc);
    if (!text)
        return rc;
    char dir[MAX_PATH];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 0, path);
    const source src = {path, slash ? dir : NULL};
    L->dev[L->depth] = st.st_dev;
    L->ino[L->depth] = st.st_ino;
    L->depth++;
    rc = load_tokens(L, &src, text);
    L->depth--;
    free(text);
    return rc;
}

static int load(const char *what, int is_file, const char *label, int deconv, long mb, suite *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label ? label : what);
    s->check_default = 1;
    if (mb > BENCHDNN_MAX_VALUE) {
        bench_msg("--mb %ld: at most %ld", mb, BENCHDNN_MAX_VALUE);
        return BENCH_INVALID;
    }
    loader L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.deconv = deconv != 0;
    L.force_mb = mb;
    L.n_mbs = 1; /* {0}: the descriptors' own */
    int rc;
    if (is_file) {
        rc = load_file(&L, what, NULL, 0);
    } else {
        const source src = {label, NULL};
        rc = load_tokens(&L, &src, what);
    }
    if (!rc && s->n == 0) {
        bench_msg("%s: no problems", s->label);
        rc = BENCH_INVALID;
    }
    if (!rc && L.repeats)
        bench_msg("%s: %d problem%s repeat%s an earlier one with the same name and shape "
                  "(benchdnn's options that told them apart are ignored here); each distinct "
                  "problem is loaded once",
                  s->label, L.repeats, L.repeats == 1 ? "" : "s", L.repeats == 1 ? "s" : "");
    strset_free(&L.names);
    strset_free(&L.seen);
    strset_free(&L.reported);
    if (rc)
        suite_free(s);
    return rc;
}

int benchdnn_load(const char *what, int is_file, int deconv, long mb, suite *s)
{
    return load(what, is_file, NULL, deconv, mb, s);
}

int benchdnn_load_text(const char *label, const char *text, int deconv, long mb, suite *s)
{
    return load(text, 0, label, deconv, mb, s);
}
