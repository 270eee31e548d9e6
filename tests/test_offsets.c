/* Element offsets on enqueue (clconv_plan_enqueue_offsets).
 *
 *  - Every algorithm (direct, gemm, winograd_f2x2, winograd_f4x4,
 *    depthwise, dilated_s2b, deconv_d2s, igemm, AUTO; Conv and, where the
 *    algorithm has one, its ConvTranspose path) with input, output and
 *    workspace inside ONE arena buffer at odd offsets (1, 3, 17, ... floats:
 *    unaligned for every vector width), in three layouts: input first,
 *    workspace first, and the plan's own workspace (NULL).  The arena is
 *    NaN everywhere but the input; the output must match the float64
 *    reference within the algorithm's tolerance (tests/support/algo_check.c),
 *    and every float outside the output and workspace ranges must keep its
 *    bits (nothing written outside what the plan owns for the call).
 *  - Refusals, each CLCONV_INVALID_ARGUMENT with the field named, no event
 *    and the arena untouched: overlapping input/output, workspace/output,
 *    workspace/input (also through sub-buffers of one parent), ranges past
 *    the buffer, offsets whose arithmetic overflows size_t, a
 *    workspace_offset without a workspace.
 *  - Sub-buffers: input, output and workspace as disjoint sub-buffers of one
 *    parent (composites used to refuse a sub-buffer workspace, which they
 *    cut into sub-buffers of their own).
 *  - The int limit of plans that run CLBlast (white box: no device buffer
 *    of 8 GiB is needed to check the rule).
 *  - Last (it stays for the process): CLBlast's indirect GEMM forced on
 *    small layers, whose padded copies read and write at the offsets and
 *    whose temporary buffer is the workspace only at offset 0 (else
 *    CLBlast's own): the gemm cases and sub-buffers again.
 *
 * A failure prints the case, layout, offsets and seed; replay one case with
 * --seed S --case I. */
#include "algo_check.h"
#include "internal.h"
#include "testutil.h"

#include <clblast_c.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cases ------------------------------------------------------------- */

typedef struct ocase {
    const char *name;
    clconv_algorithm algo;
    int rank, N, C, K, G;
    int in[3], k[3], s[3], d[3], pb[3], pe[3];
    int transposed, bias;
    clconv_activation act;
} ocase;

#define A(x) CLCONV_ALGO_##x
static const ocase cases[] = {
    /* direct: the padded copy into the workspace; in-place reads (vector
     * loads straight from the unaligned input); the gather form */
    {"direct", A(DIRECT), 2, 2, 3, 5, 1, {7, 9}, {3, 3}, .pb = {1, 1}, .pe = {1, 1}, .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
    {"direct_in_place", A(DIRECT), 2, 1, 4, 6, 1, {4, 19}, {1, 1}, .bias = 0},
    {"direct_T", A(DIRECT), 2, 1, 4, 3, 1, {5, 6}, {3, 3}, {2, 2}, .pb = {1, 1}, .pe = {1, 1},
     .transposed = 1, .bias = 1},
    /* gemm: im2col into the workspace; 1x1 with CLBlast reading the input
     * and writing the output at their offsets; groups x batch side by side;
     * ConvTranspose with col2im */
    {"gemm_im2col", A(GEMM), 2, 1, 3, 4, 1, {6, 7}, {3, 3}, .pb = {1, 1}, .pe = {1, 1},
     .bias = 1},
    {"gemm_1x1", A(GEMM), 2, 1, 8, 6, 1, {5, 7}, {1, 1}, .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
    /* sizes that are multiples of CLBlast's tiles on common devices: its
     * indirect GEMM then copies B and C only when their offsets are not 0,
     * which is what sizes (and hands over) the temporary buffer */
    {"gemm_1x1_tiles", A(GEMM), 2, 1, 64, 40, 1, {8, 16}, {1, 1}, .bias = 1},
    {"gemm_wide", A(GEMM), 2, 2, 4, 6, 2, {5, 6}, {3, 3}, .pb = {1, 1}, .pe = {1, 1}},
    {"gemm_T", A(GEMM), 2, 1, 5, 4, 1, {4, 5}, {3, 3}, {2, 2}, .pb = {1, 1}, .pe = {1, 1},
     .transposed = 1, .bias = 1},
    /* Winograd: fast and border paths of the input transform, the output
     * transform's partial tiles; stride-1 ConvTranspose */
    {"winograd_f2x2", A(WINOGRAD_F2X2), 2, 1, 8, 8, 1, {10, 11}, {3, 3}, .pb = {1, 1},
     .pe = {1, 1}, .bias = 1},
    {"winograd_f4x4", A(WINOGRAD_F4X4), 2, 1, 8, 8, 1, {13, 14}, {3, 3}, .pb = {1, 1},
     .pe = {1, 1}, .bias = 1},
    {"winograd_f2x2_T", A(WINOGRAD_F2X2), 2, 1, 4, 6, 1, {7, 9}, {3, 3}, .pb = {1, 1},
     .pe = {1, 1}, .transposed = 1},
    /* depthwise: taps in registers (3x3 s1, 5x5 s2), the run-time-shape
     * kernel, the gather form of a strided ConvTranspose */
    {"depthwise_k3", A(DEPTHWISE), 2, 1, 6, 6, 6, {9, 21}, {3, 3}, .pb = {1, 1}, .pe = {1, 1},
     .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {"depthwise_k5_s2", A(DEPTHWISE), 2, 1, 4, 8, 4, {11, 19}, {5, 5}, {2, 2}, .pb = {2, 2},
     .pe = {2, 2}},
    {"depthwise_generic", A(DEPTHWISE), 2, 1, 4, 4, 4, {8, 10}, {2, 4}, {1, 1}, {2, 1},
     .pb = {1, 2}, .pe = {0, 1}},
    {"depthwise_T", A(DEPTHWISE), 2, 1, 4, 4, 4, {5, 6}, {3, 3}, {2, 2}, .pb = {1, 1},
     .pe = {1, 1}, .transposed = 1, .bias = 1},
    /* composites: regions of the caller's workspace for the inner plan */
    {"dilated_s2b", A(DILATED_S2B), 2, 1, 8, 8, 1, {12, 13}, {3, 3}, {1, 1}, {2, 2},
     .pb = {2, 2}, .pe = {2, 2}, .bias = 1},
    {"dilated_s2b_T", A(DILATED_S2B), 2, 1, 4, 4, 1, {8, 9}, {3, 3}, {1, 1}, {2, 2},
     .pb = {2, 2}, .pe = {2, 2}, .transposed = 1},
    {"deconv_d2s", A(DECONV_D2S), 2, 1, 4, 6, 1, {5, 6}, {4, 4}, {2, 2}, .pb = {1, 1},
     .pe = {1, 1}, .transposed = 1, .bias = 1},
    {"deconv_d2s_1d", A(DECONV_D2S), 1, 2, 3, 5, 1, {9}, {3}, {3}, .transposed = 1},
    /* igemm: the gathered input and the guarded stores at offsets; groups,
     * ConvTranspose in gather form, rank 3 */
    {"igemm", A(IGEMM), 2, 2, 7, 10, 1, {6, 9}, {3, 3}, {1, 2}, .pb = {1, 0}, .pe = {2, 1},
     .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {"igemm_g2_T", A(IGEMM), 2, 1, 4, 6, 2, {4, 5}, {3, 3}, {2, 2}, .pb = {1, 1}, .pe = {1, 1},
     .transposed = 1, .bias = 1},
    {"igemm_3d", A(IGEMM), 3, 1, 3, 4, 1, {3, 4, 5}, {2, 3, 2}, .pb = {1, 1, 0}, .pe = {0, 1, 1}},
    /* AUTO: whatever it picks, held to what it ran */
    {"auto", A(AUTO), 2, 1, 4, 4, 1, {8, 8}, {3, 3}, .pb = {1, 1}, .pe = {1, 1}, .bias = 1},
    {"auto_T", A(AUTO), 2, 1, 4, 4, 1, {6, 5}, {4, 4}, {2, 2}, .pb = {1, 1}, .pe = {1, 1},
     .transposed = 1},
};
#undef A

static clconv_conv_desc to_desc(const ocase *c)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->N;
    d.in_channels = c->C;
    d.out_channels = c->K;
    d.groups = c->G;
    d.transposed = c->transposed;
    d.has_bias = c->bias;
    d.activation = c->act;
    for (int a = 0; a < c->rank; a++) {
        d.in_size[a] = c->in[a];
        d.kernel_size[a] = c->k[a];
        d.strides[a] = c->s[a] ? c->s[a] : 1;
        d.dilations[a] = c->d[a] ? c->d[a] : 1;
        d.pads_begin[a] = c->pb[a];
        d.pads_end[a] = c->pe[a];
    }
    return d;
}

/* ---- arena helpers ------------------------------------------------------- */

static size_t up16(size_t v) { return (v + 15) / 16 * 16; }

static cl_mem arena_create(clconv_context *ctx, size_t n, const float *init)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx),
                              CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, n * sizeof(float),
                              (void *)init, &err);
    if (!m)
        printf("FAIL: clCreateBuffer(%zu floats): %d\n", n, err);
    return m;
}

/* Reads n floats after ev (may be NULL: after everything queued). */
static int arena_read(clconv_context *ctx, cl_mem m, size_t n, float *dst, cl_event ev)
{
    cl_command_queue q = clconv_context_queue(ctx);
    if (!ev && clFinish(q) != CL_SUCCESS)
        return 0;
    return clEnqueueReadBuffer(q, m, CL_TRUE, 0, n * sizeof(float), dst, ev ? 1 : 0,
                               ev ? &ev : NULL, NULL) == CL_SUCCESS;
}

/* First index outside [o0, o1) and [w0, w1) whose bits differ, or -1. */
static long first_stray_write(const float *before, const float *after, size_t n, size_t o0,
                              size_t o1, size_t w0, size_t w1)
{
    for (size_t i = 0; i < n; i++) {
        if ((i >= o0 && i < o1) || (i >= w0 && i < w1))
            continue;
        if (memcmp(&before[i], &after[i], sizeof(float)))
            return (long)i;
    }
    return -1;
}

/* ---- one case in one layout ---------------------------------------------- */

typedef enum { LAYOUT_IN_FIRST, LAYOUT_WS_FIRST, LAYOUT_OWN_WS, LAYOUT_COUNT } layout_kind;
static const char *const layout_names[] = {"input|output|workspace", "workspace|output|input",
                                           "input|output, own workspace"};

typedef struct placement {
    size_t in_off, out_off, ws_off, ws_floats, total;
    int own_ws;
} placement;

/* Odd offsets, each a different residue mod 16, with gaps of NaN between
 * the ranges (a write just past a range lands in a gap). */
static placement place(layout_kind k, size_t nx, size_t ny, size_t ws_bytes)
{
    placement p = {0};
    p.ws_floats = (ws_bytes + sizeof(float) - 1) / sizeof(float);
    if (k == LAYOUT_WS_FIRST) {
        p.ws_off = 3;
        p.out_off = up16(p.ws_off + p.ws_floats) + 17;
        p.in_off = up16(p.out_off + ny) + 5;
        p.total = p.in_off + nx + 16;
    } else {
        p.in_off = 1;
        p.out_off = up16(p.in_off + nx) + 3;
        p.ws_off = up16(p.out_off + ny) + 17;
        p.total = p.ws_off + p.ws_floats + 16;
        p.own_ws = k == LAYOUT_OWN_WS;
    }
    return p;
}

typedef struct case_data {
    clconv_conv_desc d;
    size_t nx, nw, ny, nb;
    float *x, *w, *b;
    double *ref;
} case_data;

static int case_data_make(case_data *cd, const ocase *c, uint64_t seed)
{
    memset(cd, 0, sizeof *cd);
    cd->d = to_desc(c);
    cd->nx = clconv_conv_input_elems(&cd->d);
    cd->nw = clconv_conv_weight_elems(&cd->d);
    cd->ny = clconv_conv_output_elems(&cd->d);
    cd->nb = c->bias ? (size_t)c->K : 0;
    if (!cd->nx || !cd->nw || !cd->ny) {
        printf("FAIL %s: invalid descriptor: %s\n", c->name, clconv_last_error());
        return 0;
    }
    cd->x = malloc(cd->nx * sizeof *cd->x);
    cd->w = malloc(cd->nw * sizeof *cd->w);
    cd->b = malloc((cd->nb + 1) * sizeof *cd->b);
    cd->ref = malloc(cd->ny * sizeof *cd->ref);
    if (!cd->x || !cd->w || !cd->b || !cd->ref) {
        printf("FAIL %s: out of host memory\n", c->name);
        return 0;
    }
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, cd->x, cd->nx, -1.0f, 1.0f);
    rng_fill(&r, cd->w, cd->nw, -1.0f, 1.0f);
    rng_fill(&r, cd->b, cd->nb, -1.0f, 1.0f);
    if (clconv_reference_conv(&cd->d, cd->x, cd->w, cd->nb ? cd->b : NULL, cd->ref)) {
        printf("FAIL %s: reference: %s\n", c->name, clconv_last_error());
        return 0;
    }
    return 1;
}

static void case_data_free(case_data *cd)
{
    free(cd->x);
    free(cd->w);
    free(cd->b);
    free(cd->ref);
}

/* Runs plan on cd in layout k; 1 if it passes. */
static int run_layout(clconv_context *ctx, clconv_plan *plan, const case_data *cd, const ocase *c,
                      layout_kind k, uint64_t seed)
{
    size_t ws_bytes = 0;
    clconv_plan_workspace_size(plan, &ws_bytes);
    const placement pl = place(k, cd->nx, cd->ny, ws_bytes);
    float *before = malloc(pl.total * sizeof *before), *after = malloc(pl.total * sizeof *after);
    float *y = malloc(cd->ny * sizeof *y);
    int pass = 0;
    cl_mem arena = NULL;
    cl_event ev = NULL;
    if (!before || !after || !y) {
        printf("FAIL %s: out of host memory\n", c->name);
        goto done;
    }
    poison_nan(before, pl.total);
    memcpy(before + pl.in_off, cd->x, cd->nx * sizeof *cd->x);
    if (!(arena = arena_create(ctx, pl.total, before)))
        goto done;
    const char *an = clconv_algorithm_name(clconv_plan_algorithm(plan));
    char where[160];
    snprintf(where, sizeof where, "case=%s algo=%s layout=\"%s\" offsets in=%zu out=%zu ws=%s%zu "
             "seed=%llu", c->name, an, layout_names[k], pl.in_off, pl.out_off,
             pl.own_ws ? "own/" : "", pl.ws_off, (unsigned long long)seed);
    clconv_status st = clconv_plan_enqueue_offsets(plan, arena, pl.in_off, arena, pl.out_off,
                                                   pl.own_ws ? NULL : arena,
                                                   pl.own_ws ? 0 : pl.ws_off, 0, NULL, &ev);
    if (st) {
        printf("FAIL %s: enqueue: %s: %s\n", where, clconv_status_string(st), clconv_last_error());
        goto done;
    }
    if (!arena_read(ctx, arena, pl.total, after, ev)) {
        printf("FAIL %s: read back failed\n", where);
        goto done;
    }
    memcpy(y, after + pl.out_off, cd->ny * sizeof *y);
    const double e = rel_l2(y, cd->ref, cd->ny);
    const double tol = algo_tolerance(clconv_plan_algorithm(plan));
    const size_t w0 = pl.own_ws ? 0 : pl.ws_off, w1 = pl.own_ws ? 0 : pl.ws_off + pl.ws_floats;
    const long stray = first_stray_write(before, after, pl.total, pl.out_off, pl.out_off + cd->ny,
                                         w0, w1);
    if (!(e <= tol)) {
        long bad = first_nonfinite(y, cd->ny);
        printf("FAIL %s: err=%.3g tol=%.1g%s\n", where, e, tol,
               bad >= 0 ? " (unwritten or non-finite output)" : "");
    } else if (stray >= 0) {
        printf("FAIL %s: float %ld of the arena changed (outside the output [%zu, %zu) and the "
               "workspace [%zu, %zu))\n",
               where, stray, pl.out_off, pl.out_off + cd->ny, w0, w1);
    } else {
        pass = 1;
    }
done:
    if (ev)
        clReleaseEvent(ev);
    if (arena)
        clReleaseMemObject(arena);
    free(before);
    free(after);
    free(y);
    return pass;
}

/* Every layout of one case; 0 if any failed. */
static int run_case(clconv_context *ctx, const ocase *c, uint64_t seed)
{
    case_data cd;
    clconv_plan *plan = NULL;
    int ok = 0;
    if (!case_data_make(&cd, c, seed))
        goto done;
    clconv_status st = clconv_plan_create(ctx, &cd.d, c->algo, &plan);
    if (!st)
        st = clconv_plan_set_weights_host(plan, cd.w, cd.nb ? cd.b : NULL);
    if (st) {
        printf("FAIL case=%s algo=%s seed=%llu: plan: %s: %s\n", c->name,
               clconv_algorithm_name(c->algo), (unsigned long long)seed, clconv_status_string(st),
               clconv_last_error());
        goto done;
    }
    if (c->algo != CLCONV_ALGO_AUTO && clconv_plan_algorithm(plan) != c->algo) {
        printf("FAIL case=%s: the plan runs %s\n", c->name,
               clconv_algorithm_name(clconv_plan_algorithm(plan)));
        goto done;
    }
    ok = 1;
    for (int k = 0; k < LAYOUT_COUNT; k++)
        ok &= run_layout(ctx, plan, &cd, c, (layout_kind)k, seed);
    if (ok) {
        size_t ws = 0;
        clconv_plan_workspace_size(plan, &ws);
        printf("ok   %-18s %-14s workspace %6zu bytes  %s\n", c->name,
               clconv_algorithm_name(clconv_plan_algorithm(plan)), ws, clconv_plan_describe(plan));
    }
done:
    clconv_plan_destroy(plan);
    case_data_free(&cd);
    return ok;
}

/* ---- refusals ------------------------------------------------------------ */

/* status INVALID_ARGUMENT, the message names `field` (and `also`, if not
 * NULL), no event, and the arena keeps every bit. */
static void expect_refusal(clconv_context *ctx, const char *what, clconv_status st,
                           cl_event ev, const char *field, const char *also, cl_mem arena,
                           const float *before, size_t n)
{
    const char *msg = clconv_last_error();
    if (st != CLCONV_INVALID_ARGUMENT)
        FAILF("%s: got %s, want CLCONV_INVALID_ARGUMENT (message \"%s\")", what,
              clconv_status_string(st), msg);
    else if (!strstr(msg, field) || (also && !strstr(msg, also)))
        FAILF("%s: message \"%s\" does not name \"%s\"%s%s", what, msg, field, also ? " and " : "",
              also ? also : "");
    if (ev) {
        FAILF("%s: an event came back from a refused enqueue", what);
        clWaitForEvents(1, &ev);
        clReleaseEvent(ev);
    }
    float *after = malloc(n * sizeof *after);
    if (!after || !arena_read(ctx, arena, n, after, NULL))
        FAILF("%s: read back failed", what);
    else if (memcmp(before, after, n * sizeof *after))
        FAILF("%s: the arena was written", what);
    free(after);
}

/* A direct plan with a workspace (its padded copy): every check applies. */
static void test_refusals(clconv_context *ctx, uint64_t seed)
{
    case_data cd;
    clconv_plan *plan = NULL;
    cl_mem arena = NULL;
    float *before = NULL;
    if (!case_data_make(&cd, &cases[0], seed) ||
        clconv_plan_create(ctx, &cd.d, CLCONV_ALGO_DIRECT, &plan) ||
        clconv_plan_set_weights_host(plan, cd.w, cd.b)) {
        FAILF("refusals: setup: %s", clconv_last_error());
        goto done;
    }
    size_t ws_bytes = 0;
    clconv_plan_workspace_size(plan, &ws_bytes);
    CHECK(ws_bytes > 0);
    const placement pl = place(LAYOUT_IN_FIRST, cd.nx, cd.ny, ws_bytes);
    const size_t n = pl.total, nx = cd.nx, ny = cd.ny;
    before = malloc(n * sizeof *before);
    if (!before)
        goto done;
    poison_nan(before, n);
    memcpy(before + pl.in_off, cd.x, nx * sizeof *cd.x);
    if (!(arena = arena_create(ctx, n, before)))
        goto done;

    struct {
        const char *what, *field, *also;
        size_t in, out, ws;
        int ws_null;
    } bad[] = {
        {"input and output overlap", "output", "overlap", pl.in_off, pl.in_off + nx - 1,
         pl.ws_off, 0},
        {"input and output at one offset", "output", "overlap", pl.in_off, pl.in_off, pl.ws_off,
         0},
        {"workspace overlaps the output", "workspace", "overlap", pl.in_off, pl.out_off,
         pl.out_off + ny - 1, 0},
        {"workspace overlaps the input", "workspace", "overlap", pl.in_off, pl.out_off, 0, 0},
        {"output past the buffer", "output", "buffer holds", pl.in_off, n - ny + 1, pl.ws_off, 0},
        {"input past the buffer", "input", "buffer holds", n, pl.out_off, pl.ws_off, 0},
        {"workspace past the buffer", "workspace", "buffer holds", pl.in_off, pl.out_off,
         n - pl.ws_floats + 1, 0},
        {"input_offset SIZE_MAX", "input_offset", "overflow", SIZE_MAX, pl.out_off, pl.ws_off, 0},
        {"input_offset * 4 overflows", "input_offset", "overflow", SIZE_MAX / 4 + 1, pl.out_off,
         pl.ws_off, 0},
        {"output_offset + elements overflows", "output_offset", "overflow", pl.in_off,
         SIZE_MAX / 4 - ny / 2, pl.ws_off, 0},
        {"workspace_offset SIZE_MAX", "workspace_offset", "overflow", pl.in_off, pl.out_off,
         SIZE_MAX, 0},
        {"workspace_offset without a workspace", "workspace_offset", "NULL", pl.in_off,
         pl.out_off, 5, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cl_event ev = NULL;
        clconv_status st = clconv_plan_enqueue_offsets(plan, arena, bad[i].in, arena, bad[i].out,
                                                       bad[i].ws_null ? NULL : arena, bad[i].ws,
                                                       0, NULL, &ev);
        expect_refusal(ctx, bad[i].what, st, ev, bad[i].field, bad[i].also, arena, before, n);
    }
    /* and the same plan in the same arena at good offsets still runs */
    cl_event ev = NULL;
    CHECK(clconv_plan_enqueue_offsets(plan, arena, pl.in_off, arena, pl.out_off, arena, pl.ws_off,
                                      0, NULL, &ev) == CLCONV_SUCCESS);
    if (ev) {
        CHECK(clWaitForEvents(1, &ev) == CL_SUCCESS);
        clReleaseEvent(ev);
    }
    printf("refusals: %zu cases\n", sizeof bad / sizeof bad[0]);
done:
    if (arena)
        clReleaseMemObject(arena);
    free(before);
    clconv_plan_destroy(plan);
    case_data_free(&cd);
}

/* ---- sub-buffers ----------------------------------------------------------- */

static size_t base_align_floats(clconv_context *ctx)
{
    cl_uint bits = 0;
    clGetDeviceInfo(clconv_context_device(ctx), CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits, &bits,
                    NULL);
    size_t f = bits >= 32 ? bits / 32 : 1;
    return f < 16 ? 16 : f;
}

static cl_mem sub_buffer(cl_mem parent, size_t off_floats, size_t floats)
{
    cl_buffer_region r = {off_floats * sizeof(float), floats * sizeof(float)};
    cl_int err;
    cl_mem m = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
    if (!m)
        FAILF("clCreateSubBuffer(origin %zu floats, %zu floats): %d", off_floats, floats, err);
    return m;
}

/* Input, output and workspace as disjoint sub-buffers of one parent, with
 * and without offsets inside them; then a workspace sub-buffer that
 * overlaps the input sub-buffer, and one that overlaps the parent passed
 * as the output: both refused. */
static void test_sub_buffers(clconv_context *ctx, const ocase *c, uint64_t seed)
{
    case_data cd;
    clconv_plan *plan = NULL;
    cl_mem parent = NULL, sx = NULL, sy = NULL, sw = NULL, alias = NULL;
    float *host = NULL, *y = NULL;
    if (!case_data_make(&cd, c, seed) || clconv_plan_create(ctx, &cd.d, c->algo, &plan) ||
        clconv_plan_set_weights_host(plan, cd.w, cd.nb ? cd.b : NULL)) {
        FAILF("sub-buffers %s: setup: %s", c->name, clconv_last_error());
        goto done;
    }
    size_t ws_bytes = 0;
    clconv_plan_workspace_size(plan, &ws_bytes);
    const size_t al = base_align_floats(ctx), pad = 7; /* room for an offset inside each */
    const size_t wsf = (ws_bytes + 3) / 4 + pad, nxf = cd.nx + pad, nyf = cd.ny + pad;
    const size_t ox = 0, oy = (nxf + al - 1) / al * al, ow = oy + (nyf + al - 1) / al * al;
    const size_t total = ow + (wsf + al - 1) / al * al;
    host = malloc(total * sizeof *host);
    y = malloc(nyf * sizeof *y);
    if (!host || !y)
        goto done;
    poison_nan(host, total); /* the input is written into its sub-buffer below */
    if (!(parent = arena_create(ctx, total, host)) || !(sx = sub_buffer(parent, ox, nxf)) ||
        !(sy = sub_buffer(parent, oy, nyf)) || !(sw = sub_buffer(parent, ow, wsf)))
        goto done;
    for (int with_off = 0; with_off < 2; with_off++) {
        /* the input at 0, or at `pad` floats inside its sub-buffer */
        const size_t xo = with_off ? pad : 0, yo = with_off ? 3 : 0, wo = with_off ? 5 : 0;
        cl_int err = clEnqueueWriteBuffer(clconv_context_queue(ctx), sx, CL_TRUE,
                                          xo * sizeof(float), cd.nx * sizeof(float), cd.x, 0, NULL,
                                          NULL);
        cl_event ev = NULL;
        clconv_status st =
            err != CL_SUCCESS ? CLCONV_OPENCL_ERROR
            : with_off ? clconv_plan_enqueue_offsets(plan, sx, xo, sy, yo, sw, wo, 0, NULL, &ev)
                       : clconv_plan_enqueue(plan, sx, sy, sw, 0, NULL, &ev);
        if (st) {
            FAILF("sub-buffers %s (%s): %s: %s", c->name, with_off ? "offsets" : "whole",
                  clconv_status_string(st), clconv_last_error());
            continue;
        }
        cl_int re = clEnqueueReadBuffer(clconv_context_queue(ctx), sy, CL_TRUE, yo * sizeof(float),
                                        cd.ny * sizeof(float), y, 1, &ev, NULL);
        clReleaseEvent(ev);
        const double e = rel_l2(y, cd.ref, cd.ny);
        const double tol = algo_tolerance(clconv_plan_algorithm(plan));
        if (re != CL_SUCCESS || !(e <= tol))
            FAILF("sub-buffers %s (%s) seed=%llu: err=%.3g tol=%.1g", c->name,
                  with_off ? "offsets" : "whole", (unsigned long long)seed, e, tol);
    }
    if (ws_bytes > 0) {
        float *now = malloc(total * sizeof *now);
        if (!now || !arena_read(ctx, parent, total, now, NULL)) {
            FAILF("sub-buffers: read back failed");
            free(now);
            goto done;
        }
        /* a second view of the input's memory, passed as the workspace */
        if ((alias = sub_buffer(parent, ox, wsf > nxf ? wsf : nxf))) {
            cl_event ev = NULL;
            clconv_status st = clconv_plan_enqueue(plan, sx, sy, alias, 0, NULL, &ev);
            expect_refusal(ctx, "workspace sub-buffer over the input sub-buffer", st, ev,
                           "workspace", "sub-buffer", parent, now, total);
            /* the parent itself as the workspace, at an offset inside the
             * output sub-buffer's memory */
            ev = NULL;
            st = clconv_plan_enqueue_offsets(plan, sx, 0, sy, 0, parent, oy + 1, 0, NULL, &ev);
            expect_refusal(ctx, "workspace in the parent over the output sub-buffer", st, ev,
                           "workspace", "overlap", parent, now, total);
        }
        free(now);
    }
    printf("sub-buffers: %s ok\n", c->name);
done:
    if (alias)
        clReleaseMemObject(alias);
    if (sx)
        clReleaseMemObject(sx);
    if (sy)
        clReleaseMemObject(sy);
    if (sw)
        clReleaseMemObject(sw);
    if (parent)
        clReleaseMemObject(parent);
    free(host);
    free(y);
    clconv_plan_destroy(plan);
    case_data_free(&cd);
}

/* ---- CLBlast's int offsets (white box) ------------------------------------ */

static void test_int_range(void)
{
    const size_t nx = 100, ny = 50, ws = 400;
    const conv_io fits = {NULL, NULL, NULL, (size_t)INT_MAX - nx, 0, 0};
    CHECK(clconv_check_io_int(&fits, nx, ny, 0, "t") == CLCONV_SUCCESS);
    const conv_io in = {NULL, NULL, NULL, (size_t)INT_MAX - nx + 1, 0, 0};
    CHECK(clconv_check_io_int(&in, nx, ny, 0, "t") == CLCONV_UNSUPPORTED);
    CHECK(strstr(clconv_last_error(), "input_offset") != NULL);
    const conv_io out = {NULL, NULL, NULL, 0, (size_t)INT_MAX, 0};
    CHECK(clconv_check_io_int(&out, nx, ny, 0, "t") == CLCONV_UNSUPPORTED);
    CHECK(strstr(clconv_last_error(), "output_offset") != NULL);
    static int dummy;
    cl_mem fake = (cl_mem)(void *)&dummy; /* never used as a buffer: only offsets are compared */
    const conv_io w = {NULL, NULL, fake, 0, 0, (size_t)INT_MAX - 99};
    CHECK(clconv_check_io_int(&w, nx, ny, ws, "t") == CLCONV_UNSUPPORTED);
    CHECK(strstr(clconv_last_error(), "workspace_offset") != NULL);
    CHECK(clconv_check_io_int(&w, nx, ny, 0, "t") == CLCONV_SUCCESS); /* no workspace used */
    printf("int range: ok\n");
}

/* CLBlast runs its direct GEMM below ~10^9 multiply-adds on PoCL; lowering
 * XGEMM_MIN_INDIRECT_SIZE for this process makes the small gemm cases take
 * the indirect one (as tests/test_algo_gemm.c does). */
static int run_indirect(clconv_context *ctx, uint64_t seed)
{
    const char *names[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
    const size_t values[1] = {8};
    if (CLBlastOverrideParameters(clconv_context_device(ctx), "GemmRoutine",
                                  CLBlastPrecisionSingle, 1, names, values) != CLBlastSuccess) {
        printf("note: CLBlastOverrideParameters failed: indirect GEMM cases skipped\n");
        return 0;
    }
    int failed = 0;
    const int n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++) {
        if (cases[i].algo != CLCONV_ALGO_GEMM)
            continue;
        printf("indirect GEMM: ");
        if (!run_case(ctx, &cases[i], seed + 200 + (uint64_t)i)) {
            failed++;
            printf("  replay: --seed %llu (indirect GEMM stage)\n", (unsigned long long)seed);
        }
        test_sub_buffers(ctx, &cases[i], seed + 300 + (uint64_t)i);
    }
    return failed;
}

int main(int argc, char **argv)
{
    const uint64_t seed = test_seed(argc, argv, 4242);
    const long only = test_arg_long(argc, argv, "case", -1);
    clconv_context *ctx = test_context();
    const int n = (int)(sizeof cases / sizeof cases[0]);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (only >= 0 && i != only)
            continue;
        if (!run_case(ctx, &cases[i], seed + (uint64_t)i)) {
            failed++;
            printf("  replay: --seed %llu --case %d\n", (unsigned long long)seed, i);
        }
    }
    if (only < 0) {
        test_refusals(ctx, seed);
        for (int i = 0; i < n; i++)
            if (cases[i].algo == CLCONV_ALGO_DILATED_S2B ||
                cases[i].algo == CLCONV_ALGO_DECONV_D2S || !strcmp(cases[i].name, "gemm_im2col"))
                test_sub_buffers(ctx, &cases[i], seed + 100 + (uint64_t)i);
        test_int_range();
        failed += run_indirect(ctx, seed);
    }
    test_context_release();
    printf("%d of %d cases failed, %d other failures (seed %llu)\n", failed, n, test_failures,
           (unsigned long long)seed);
    return failed || test_failures ? 1 : 0;
}
