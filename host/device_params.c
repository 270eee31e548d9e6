/* Per-device tile sizes and work-group shapes: the one place where device
 * classes and vendors are told apart.
 *
 * DEFAULTS is an ordered table {device class, vendor substring, device name
 * substring} -> parameters; the first matching row wins, and each row says
 * what it was measured on (or "unmeasured").  KNOBS names every parameter
 * with its legal values; the `params` context option and CLCONV_PARAMS set
 * them by name ("class=gpu,direct_oc_block=8"), and a bad name or value is
 * an error that names it, never silently ignored.  `class` picks the row of
 * another device class, so the GPU parameter set can be exercised on PoCL
 * (tests) and the CPU set on Oclgrind, which reports itself as every type.
 *
 * On PoCL (CPU) explicit vectors along W and register blocking over output
 * channels are what make kernels fast; on GPUs narrower per-work-item
 * blocks and real work-groups are better. */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    clconv_device_class cls;
    const char *vendor;  /* substring of CL_DEVICE_VENDOR, or NULL for any */
    const char *name;    /* substring of CL_DEVICE_NAME, or NULL for any */
    const char *measured; /* what the values were measured on */
    clconv_device_params p;
} defaults_row;

static const defaults_row DEFAULTS[] = {
    {CLCONV_DEV_CPU, NULL, NULL,
     "PoCL 3.1 on a 2-core AMD EPYC with AVX-512: direct 16x16 2-3x faster than 8x8; "
     "Winograd 16x8 ~2x faster than 8x4; depthwise float16 x 8 rows 5-11x faster than direct",
     {.cls = CLCONV_DEV_CPU,
      .direct_oc_block = 16, .direct_w_block = 16, .direct_w_vecs = 1, /* 16 zmm accumulators */
      .direct_pw_w_vecs = 2, /* pointwise: 32 (see below) */
      .direct_flat_rows = 0, /* FLAT=1 unproven on PoCL: see docs/DESIGN.md */
      .wino_k_block = 16, .wino_t_block = 8,
      .dw_vec = 16, .dw_rows = 8, .dw_lws = {1, 1, 64},
      /* fixed work-group sizes: PoCL compiles a kernel again for every
       * local size it would pick itself (one compile per shape) */
      .lws_1d = 16, .layout_lws_z = 16, .wino_lws = 1,
      /* igemm, CPU-shaped: one-item work-groups (no barriers, no local
       * memory), a 16 x 16 register tile with vectors along N, like
       * direct's 16 x 16; unmeasured beyond correctness */
      .igemm_mwg = 16, .igemm_nwg = 16, .igemm_kwg = 8, .igemm_mdimc = 1, .igemm_ndimc = 1,
      .igemm_vwn = 16, .igemm_sa = 0, .igemm_sb = 0}},
    {CLCONV_DEV_GPU, NULL, NULL, "unmeasured (no GPU measured yet)",
     {.cls = CLCONV_DEV_GPU,
      .direct_oc_block = 8, .direct_w_block = 4, .direct_w_vecs = 1, .direct_pw_w_vecs = 1,
      .direct_lws = {16, 4, 1},
      .wino_k_block = 4, .wino_t_block = 2,
      .dw_vec = 1, .dw_rows = 1, /* one pixel per work-item: the GPU shape */
      .lws_1d = 128,
      /* igemm, GPU-shaped: 64 x 64 tiles, 256 work-items with 4 x 4
       * outputs each, A and B staged in local memory (8 KiB) */
      .igemm_mwg = 64, .igemm_nwg = 64, .igemm_kwg = 16, .igemm_mdimc = 16, .igemm_ndimc = 16,
      .igemm_vwn = 1, .igemm_sa = 1, .igemm_sb = 1}},
    {CLCONV_DEV_OTHER, NULL, NULL, "unmeasured",
     {.cls = CLCONV_DEV_OTHER,
      .direct_oc_block = 4, .direct_w_block = 4, .direct_w_vecs = 1, .direct_pw_w_vecs = 1,
      .wino_k_block = 4, .wino_t_block = 2,
      .dw_vec = 1, .dw_rows = 1,
      /* igemm: modest work-groups of 64 (8 x 8), 4 x 4 outputs each, both
       * tiles in local memory (2 KiB) */
      .igemm_mwg = 32, .igemm_nwg = 32, .igemm_kwg = 8, .igemm_mdimc = 8, .igemm_ndimc = 8,
      .igemm_vwn = 1, .igemm_sa = 1, .igemm_sb = 1}},
};

enum { ANY, POW2, SET };
typedef struct {
    const char *name;
    size_t off;
    int is_size; /* size_t field, else int */
    int lo, hi, rule;
    int set[6]; /* rule SET: the legal values, 0-terminated */
} knob;

#define INT_KNOB(f, lo, hi, rule, ...) {#f, offsetof(clconv_device_params, f), 0, lo, hi, rule, {__VA_ARGS__}}
#define LWS_KNOB(n, f) {n, offsetof(clconv_device_params, f), 1, 0, 1024, POW2, {0}}

static const knob KNOBS[] = {
    INT_KNOB(direct_oc_block, 1, 32, ANY, 0),
    INT_KNOB(direct_w_block, 1, 16, POW2, 0),
    INT_KNOB(direct_w_vecs, 1, 4, POW2, 0),
    INT_KNOB(direct_pw_w_vecs, 1, 4, POW2, 0),
    INT_KNOB(direct_flat_rows, 0, 1, ANY, 0),
    LWS_KNOB("direct_lws_x", direct_lws[0]),
    LWS_KNOB("direct_lws_y", direct_lws[1]),
    LWS_KNOB("direct_lws_z", direct_lws[2]),
    INT_KNOB(wino_k_block, 4, 16, SET, 4, 8, 16, 0),
    INT_KNOB(wino_t_block, 2, 16, SET, 2, 4, 8, 16, 0),
    INT_KNOB(dw_vec, 1, 16, POW2, 0),
    INT_KNOB(dw_rows, 1, 8, ANY, 0),
    LWS_KNOB("dw_lws_x", dw_lws[0]),
    LWS_KNOB("dw_lws_y", dw_lws[1]),
    LWS_KNOB("dw_lws_z", dw_lws[2]),
    LWS_KNOB("lws_1d", lws_1d),
    LWS_KNOB("layout_lws_z", layout_lws_z),
    LWS_KNOB("wino_lws", wino_lws),
    /* igemm: the combinations (MWG % MDIMC, NWG % NDIMC, (NWG / NDIMC) %
     * VWN, work-group size, local memory) are checked at plan creation */
    INT_KNOB(igemm_mwg, 1, 256, POW2, 0),
    INT_KNOB(igemm_nwg, 1, 256, POW2, 0),
    INT_KNOB(igemm_kwg, 1, 64, POW2, 0),
    INT_KNOB(igemm_mdimc, 1, 256, POW2, 0),
    INT_KNOB(igemm_ndimc, 1, 256, POW2, 0),
    INT_KNOB(igemm_vwn, 1, 16, POW2, 0),
    INT_KNOB(igemm_sa, 0, 1, ANY, 0),
    INT_KNOB(igemm_sb, 0, 1, ANY, 0),
};

static const char *const CLASS_NAMES[] = {"cpu", "gpu", "other"};

static int contains(const char *hay, const char *needle)
{
    return !needle || strstr(hay, needle) != NULL;
}

static const defaults_row *match_row(clconv_device_class cls, const char *vendor, const char *name)
{
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof *DEFAULTS; i++)
        if (DEFAULTS[i].cls == cls && contains(vendor, DEFAULTS[i].vendor) &&
            contains(name, DEFAULTS[i].name))
            return &DEFAULTS[i];
    return &DEFAULTS[sizeof DEFAULTS / sizeof *DEFAULTS - 1];
}

static int legal(const knob *k, long v)
{
    if (v < k->lo || v > k->hi)
        return 0;
    if (k->rule == POW2)
        return v == 0 || (v & (v - 1)) == 0;
    if (k->rule == SET) {
        for (int i = 0; k->set[i]; i++)
            if (k->set[i] == v)
                return 1;
        return 0;
    }
    return 1;
}

static void describe_rule(const knob *k, char *b, size_t n)
{
    if (k->rule == SET) {
        size_t u = (size_t)snprintf(b, n, "one of");
        for (int i = 0; k->set[i] && u < n; i++)
            u += (size_t)snprintf(b + u, n - u, "%s %d", i ? "," : "", k->set[i]);
    } else {
        snprintf(b, n, "%s %d..%d", k->rule == POW2 ? "a power of two (or 0) in" : "an integer in",
                 k->lo, k->hi);
        if (k->rule == POW2 && k->lo > 0)
            snprintf(b, n, "a power of two in %d..%d", k->lo, k->hi);
    }
}

/* Walks "name=value,..." calling fn on each pair; an empty string is no
 * pair.  Returns nonzero with a message in err on a malformed item. */
typedef int (*pair_fn)(void *user, const char *name, size_t name_len, const char *value,
                       size_t value_len, char *err, size_t errn);

static int each_pair(const char *s, pair_fn fn, void *user, char *err, size_t errn)
{
    while (s && *s) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (end == s) {
            s = *end ? end + 1 : end;
            continue;
        }
        if (!eq || eq == s || eq + 1 == end) {
            snprintf(err, errn, "'%.*s': expected name=value", (int)(end - s), s);
            return 1;
        }
        if (fn(user, s, (size_t)(eq - s), eq + 1, (size_t)(end - eq - 1), err, errn))
            return 1;
        s = *end ? end + 1 : end;
    }
    return 0;
}

static int parse_int(const char *v, size_t n, long *out)
{
    char buf[24];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *e;
    *out = strtol(buf, &e, 10);
    return *e == '\0';
}

/* Pass 1: only `class`. */
static int take_class(void *user, const char *name, size_t nl, const char *v, size_t vl, char *err,
                      size_t errn)
{
    if (nl != 5 || strncmp(name, "class", 5) != 0)
        return 0;
    for (int c = 0; c < 3; c++)
        if (strlen(CLASS_NAMES[c]) == vl && !strncmp(v, CLASS_NAMES[c], vl)) {
            *(int *)user = c;
            return 0;
        }
    snprintf(err, errn, "class=%.*s: must be cpu, gpu or other", (int)vl, v);
    return 1;
}

/* Pass 2: every other knob. */
static int take_knob(void *user, const char *name, size_t nl, const char *v, size_t vl, char *err,
                     size_t errn)
{
    clconv_device_params *p = user;
    if (nl == 5 && strncmp(name, "class", 5) == 0)
        return 0;
    for (size_t i = 0; i < sizeof KNOBS / sizeof *KNOBS; i++) {
        const knob *k = &KNOBS[i];
        if (strlen(k->name) != nl || strncmp(name, k->name, nl) != 0)
            continue;
        long x;
        if (!parse_int(v, vl, &x) || !legal(k, x)) {
            char rule[96];
            describe_rule(k, rule, sizeof rule);
            snprintf(err, errn, "%s=%.*s: must be %s", k->name, (int)vl, v, rule);
            return 1;
        }
        char *field = (char *)p + k->off;
        if (k->is_size)
            *(size_t *)field = (size_t)x;
        else
            *(int *)field = (int)x;
        return 0;
    }
    size_t u = (size_t)snprintf(err, errn, "'%.*s': unknown parameter (known: class", (int)nl, name);
    for (size_t i = 0; i < sizeof KNOBS / sizeof *KNOBS && u < errn; i++)
        u += (size_t)snprintf(err + u, errn - u, ", %s", KNOBS[i].name);
    if (u < errn)
        snprintf(err + u, errn - u, ")");
    return 1;
}

clconv_status clconv_device_params_init(cl_device_id dev, const char *params, const char *origin,
                                        clconv_device_params *p)
{
    cl_device_type type = CL_DEVICE_TYPE_DEFAULT;
    char vendor[256] = "", name[256] = "", err[1024];
    clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
    /* GPU first: Oclgrind, the spec-strict simulator, reports every type
     * and should run what a GPU runs. */
    int cls = type & CL_DEVICE_TYPE_GPU   ? CLCONV_DEV_GPU
              : type & CL_DEVICE_TYPE_CPU ? CLCONV_DEV_CPU
                                          : CLCONV_DEV_OTHER;
    const int detected = cls;
    if (each_pair(params, take_class, &cls, err, sizeof err))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s", origin, err);
    *p = match_row((clconv_device_class)cls, vendor, name)->p;
    p->class_forced = cls != detected;
    if (each_pair(params, take_knob, p, err, sizeof err))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s", origin, err);
    return CLCONV_SUCCESS;
}

/* A plan's own parameters: every knob but `class`, which is the context's. */
static int reject_class(void *user, const char *name, size_t nl, const char *v, size_t vl,
                        char *err, size_t errn)
{
    (void)user;
    if (nl == 5 && strncmp(name, "class", 5) == 0) {
        snprintf(err, errn, "class=%.*s: the device class is the context's (params option or "
                 "CLCONV_PARAMS), not a plan's", (int)vl, v);
        return 1;
    }
    return 0;
}

clconv_status clconv_device_params_apply(const char *params, const char *origin,
                                         clconv_device_params *p)
{
    char err[1024];
    clconv_device_params t = *p;
    if (each_pair(params, reject_class, NULL, err, sizeof err) ||
        each_pair(params, take_knob, &t, err, sizeof err))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s", origin, err);
    *p = t;
    return CLCONV_SUCCESS;
}

const char *clconv_device_class_name(clconv_device_class cls)
{
    return (unsigned)cls < 3 ? CLASS_NAMES[cls] : "?";
}
