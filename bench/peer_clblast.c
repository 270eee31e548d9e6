/* The CLBlast peer (see peer.h): what a CLBlast 1.5 user runs for ONNX
 * Conv / ConvTranspose, on the clconv context's device and queue.
 *
 * Conv, rank 2 (rank 1 as 2D with H = 1): CLBlastSconvgemm, cross-
 * correlation mode (ONNX Conv does not flip the kernel).  Its layouts, read
 * from CLBlast 1.5.3 (xconvgemm.cpp, kernels/levelx/xconvgemm_part*.opencl,
 * the single-kernel method the C API uses):
 *   im      [batch][channels][H][W], batch stride channels*H*W
 *   kernel  [num_kernels][channels][kh][kw]            (ONNX's own)
 *   result  [batch][num_kernels][OH][OW], batch stride num_kernels*OH*OW,
 *           written (beta 0), never read
 *   OH = (H + 2*pad - dilation*(kh-1) - 1) / stride + 1: one pad per axis.
 * Groups: one call per group, channels = C/G and num_kernels = K/G at
 * element offsets into x, w and y.  The batch strides are then the
 * group's, not the tensor's, so with groups each image is its own call
 * (N*G calls); without groups one call runs the whole batch.
 *
 * ConvTranspose, rank 2 (rank 1 as 2D): per image and group
 *   CLBlastSgemm  col[K/G*kh*kw][Hin*Win] = W_g^T . X_g   (W_g is the rows
 *                 [C/G][K/G*kh*kw] of ONNX's [C][K/G][kh][kw] weights)
 *   CLBlastScol2im col -> y, taking the OUTPUT image as its "image" and
 *                 recomputing the col size from it with one pad per axis.
 * Scol2im gathers (each output element is summed by one work-item) but
 * ADDS its sum to the image, so every run zeroes y first with
 * clEnqueueFillBuffer, inside the timing: a user pays it too.
 *
 * Pads: CLBlast has one pad per axis, applied at both ends, but an output
 * position depends only on pads_begin; pads_end only decides how many
 * outputs there are.  So a layer runs with pad = pads_begin whenever the
 * size CLBlast derives from it equals ONNX's (Conv: OH; ConvTranspose: the
 * col size must be Hin, which also covers output_padding < stride); every
 * other layer is PEER_NO_ROUTE "asymmetric pads ...".  Scol2im also
 * mis-sums some layers whose stride and dilation share a factor (see
 * col2im_exact): PEER_NO_ROUTE.  3D is PEER_NO_ROUTE: CLBlast has no 3D
 * convolution.
 *
 * CLBlast has no bias or activation: read_output applies them on the host
 * (float), outside the timing, and note says so.
 *
 * Timing: clFinish, a marker, the CLBlast calls (and the fill), a marker;
 * device time END(last marker) - END(first marker) from the profiling
 * queue, host wall clock if the markers carry no times.  The first run
 * after prepare pays CLBlast's program builds (the bench's warm-up).
 *
 * CLBlast keeps its programs, and through them the cl_context, in a
 * process-wide cache; close clears it (as clconv_context_destroy does for
 * the library's own CLBlast use) so that the context is not released from
 * CLBlast's static destructor after the OpenCL runtime is gone.  The bench
 * is single-threaded, so the library's CLBlast lock (algo_gemm.c) is not
 * needed here. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "peer.h"
#include "timing.h" /* bench_now_ms */

#include <clblast_c.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond this many groups the per-group calls are not a sensible peer. */
#define CLBLAST_MAX_GROUPS 1024

typedef struct clblast_state {
    cl_context cl;
    cl_command_queue q;
} clblast_state;

/* One spatial axis as CLBlast's 2D routines see it: input and output
 * size, kernel, the one pad, stride, dilation. */
typedef struct cb_axis {
    size_t in, out, k, pad, stride, dil;
} cb_axis;

/* A rank-1 or rank-2 layer (rank 1: h is a unit axis). */
typedef struct cb_geom {
    size_t N, C, K, G, cg, kg; /* channels per group: cg in, kg out */
    cb_axis h, w;
} cb_geom;

typedef struct clblast_inst {
    clblast_state *s;
    cb_geom g;
    int transposed;
    cl_mem x, w, y;
    cl_mem col;  /* ConvTranspose: one image-group's column matrix */
    cl_mem temp; /* ConvTranspose: Sgemm's temporary buffer, NULL if none */
    size_t y_elems;
    float *bias; /* host copy, NULL without */
    clconv_activation act;
    float alpha, beta;
} clblast_inst;

/* ---- errors ---------------------------------------------------------------- */

static int cl_failed(const char *call, cl_int err, char *why, size_t why_len)
{
    snprintf(why, why_len, "%s failed: %s (%d)", call, bench_cl_error(err), (int)err);
    return PEER_FAIL;
}

static const char *clblast_status_name(CLBlastStatusCode s)
{
    switch (s) {
    case CLBlastNotImplemented: return "CLBlastNotImplemented";
    case CLBlastInvalidDimension: return "CLBlastInvalidDimension";
    case CLBlastInvalidLeadDimA: return "CLBlastInvalidLeadDimA";
    case CLBlastInvalidLeadDimB: return "CLBlastInvalidLeadDimB";
    case CLBlastInvalidLeadDimC: return "CLBlastInvalidLeadDimC";
    case CLBlastInsufficientMemoryA: return "CLBlastInsufficientMemoryA";
    case CLBlastInsufficientMemoryB: return "CLBlastInsufficientMemoryB";
    case CLBlastInsufficientMemoryC: return "CLBlastInsufficientMemoryC";
    case CLBlastInsufficientMemoryTemp: return "CLBlastInsufficientMemoryTemp";
    case CLBlastInvalidBatchCount: return "CLBlastInvalidBatchCount";
    case CLBlastInvalidLocalMemUsage: return "CLBlastInvalidLocalMemUsage";
    case CLBlastDatabaseError: return "CLBlastDatabaseError";
    case CLBlastUnknownError: return "CLBlastUnknownError";
    case CLBlastUnexpectedError: return "CLBlastUnexpectedError";
    default: return "CLBlast error";
    }
}

/* CLBlast's codes above -1000 are OpenCL's own. */
static int clblast_failed(const char *call, CLBlastStatusCode s, char *why, size_t why_len)
{
    if ((int)s > -1000)
        return cl_failed(call, (cl_int)s, why, why_len);
    snprintf(why, why_len, "%s failed: %s (%d)", call, clblast_status_name(s), (int)s);
    return PEER_FAIL;
}

/* ---- open / close -------------------------------------------------------------- */

static int clblast_open(clconv_context *ctx, void **state, char *why, size_t why_len)
{
    *state = NULL;
    clblast_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, why_len, "out of host memory");
        return PEER_FAIL;
    }
    s->cl = clconv_context_cl_context(ctx);
    s->q = clconv_context_queue(ctx);
    *state = s;
    return PEER_OK;
}

static void clblast_close(void *state)
{
    if (!state)
        return;
    CLBlastClearCache(); /* see the header */
    free(state);
}

/* ---- geometry and routes --------------------------------------------------- */

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        const size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The output size CLBlast derives for an image of `in` with one pad per
 * axis (xconvgemm.cpp, xcol2im.cpp). */
static size_t clblast_out(size_t in, size_t pad, size_t k, size_t stride, size_t dilation)
{
    const size_t size = in + 2 * pad, extent = dilation * (k - 1) + 1;
    return size >= extent ? (size - extent) / stride + 1 : 1;
}

/* CLBlast 1.5.3's Scol2im, when g = gcd(stride, dilation) > 1, visits
 * only the pixels with (pixel + pad) % g == 0 (the others get no taps):
 * (size-1)/g + 1 of them from ((pad-1)/g + 1)*g - pad on, in C's
 * truncating division.  So with pad 0 it starts at g and pixel 0 is never
 * summed, and along H, where the kernel has no bounds check (W has one),
 * the last pixel it visits can lie past the image, in the next channel.
 * Both were seen as wrong results; this says when neither happens. */
static int col2im_exact(const cb_axis *a, int bounds_checked)
{
    const size_t g = gcd(a->stride, a->dil);
    if (g == 1)
        return 1;
    if (a->pad == 0)
        return 0;
    const size_t first = ((a->pad - 1) / g + 1) * g - a->pad;
    return bounds_checked || first + (a->out - 1) / g * g < a->out;
}

/* Spatial axis i in CLBlast's terms; PEER_NO_ROUTE when its single pad
 * cannot reproduce ONNX's sizes. */
static int axis_geom(const clconv_conv_desc *d, int i, int out, int pb, int pe, cb_axis *a,
                     char *why, size_t why_len)
{
    a->in = (size_t)d->in_size[i];
    a->out = (size_t)out;
    a->k = (size_t)d->kernel_size[i];
    a->stride = (size_t)d->strides[i];
    a->dil = (size_t)d->dilations[i];
    if (pb < 0) {
        snprintf(why, why_len, "asymmetric pads: axis %d pads %d / %d (negative)", i, pb, pe);
        return PEER_NO_ROUTE;
    }
    a->pad = (size_t)pb;
    /* Conv: CLBlast's output from the input; ConvTranspose: the column
     * matrix CLBlast derives from the output image must be the input. */
    const size_t want = d->transposed ? a->in : a->out;
    const size_t got = d->transposed ? clblast_out(a->out, a->pad, a->k, a->stride, a->dil)
                                     : clblast_out(a->in, a->pad, a->k, a->stride, a->dil);
    if (got != want && (pb != pe || !d->transposed)) {
        snprintf(why, why_len,
                 "asymmetric pads: axis %d pads %d / %d are not one symmetric pad for CLBlast "
                 "(its %s would be %zu, not %zu)",
                 i, pb, pe, d->transposed ? "column size" : "output", got, want);
        return PEER_NO_ROUTE;
    }
    if (got != want) {
        snprintf(why, why_len,
                 "axis %d: output %d from pads %d / %d and output_padding %d is beyond "
                 "CLBlast's col2im (its column size would be %zu, not %zu)",
                 i, out, pb, pe, d->output_padding[i], got, want);
        return PEER_NO_ROUTE;
    }
    return PEER_OK;
}

static int layer_geom(const clconv_conv_desc *d, cb_geom *g, char *why, size_t why_len)
{
    int out[CLCONV_MAX_RANK], pb[CLCONV_MAX_RANK], pe[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS ||
        clconv_conv_resolved_pads(d, pb, pe) != CLCONV_SUCCESS) {
        snprintf(why, why_len, "invalid layer: %s", clconv_last_error());
        return PEER_FAIL;
    }
    if (d->rank == 3) {
        snprintf(why, why_len, "CLBlast has no 3D convolution");
        return PEER_NO_ROUTE;
    }
    if (d->groups > CLBLAST_MAX_GROUPS) {
        snprintf(why, why_len, "%d groups: more than %d per-group calls", d->groups,
                 CLBLAST_MAX_GROUPS);
        return PEER_NO_ROUTE;
    }
    memset(g, 0, sizeof *g);
    g->N = (size_t)d->batch;
    g->C = (size_t)d->in_channels;
    g->K = (size_t)d->out_channels;
    g->G = (size_t)d->groups;
    g->cg = g->C / g->G;
    g->kg = g->K / g->G;
    const cb_axis unit = {1, 1, 1, 0, 1, 1};
    g->h = unit; /* rank 1 */
    int rc = PEER_OK;
    if (d->rank == 2)
        rc = axis_geom(d, 0, out[0], pb[0], pe[0], &g->h, why, why_len);
    const int w = d->rank - 1;
    if (rc == PEER_OK)
        rc = axis_geom(d, w, out[w], pb[w], pe[w], &g->w, why, why_len);
    if (rc == PEER_OK && d->transposed && (!col2im_exact(&g->h, 0) || !col2im_exact(&g->w, 1))) {
        snprintf(why, why_len, "CLBlast 1.5.3's Scol2im misses or misplaces pixels when "
                 "gcd(stride, dilation) > 1 with these pads and sizes");
        return PEER_NO_ROUTE;
    }
    return rc;
}

/* a * b, or SIZE_MAX when it overflows. */
static size_t mul_sat(size_t a, size_t b) { return a && b > SIZE_MAX / a ? SIZE_MAX : a * b; }

/* CLBlast's kernels index with int (clconv's element counts are 0 when
 * they overflow). */
static int fits_int(const clblast_inst *in, const clconv_conv_desc *d, size_t col_elems,
                    char *why, size_t why_len)
{
    const size_t lim = INT_MAX, nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d);
    if (!nx || !nw || !in->y_elems || nx > lim || nw > lim || in->y_elems > lim ||
        col_elems > lim) {
        snprintf(why, why_len, "a tensor exceeds 2^31-1 elements, CLBlast's int indexing");
        return PEER_NO_ROUTE;
    }
    return PEER_OK;
}

/* ---- buffers ------------------------------------------------------------------- */

static int new_buffer(clblast_state *s, size_t bytes, const float *host, cl_mem *buf, char *why,
                      size_t why_len)
{
    cl_int err;
    const cl_mem_flags fl = CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0);
    *buf = clCreateBuffer(s->cl, fl, bytes ? bytes : sizeof(float), (void *)host, &err);
    if (err != CL_SUCCESS) {
        *buf = NULL;
        return cl_failed("clCreateBuffer", err, why, why_len);
    }
    return PEER_OK;
}

/* Offsets, in floats, of the ConvTranspose GEMM operands for image n and
 * group gi. */
static size_t deconv_w_off(const cb_geom *g, size_t gi)
{
    return gi * g->cg * g->kg * g->h.k * g->w.k;
}
static size_t deconv_x_off(const cb_geom *g, size_t n, size_t gi)
{
    return (n * g->C + gi * g->cg) * g->h.in * g->w.in;
}

/* Sgemm's temporary buffer, sized for every call of the run: CLBlast's
 * size depends on which offsets are zero, so each pattern is asked once. */
static int deconv_temp(clblast_inst *in, char *why, size_t why_len)
{
    const cb_geom *g = &in->g;
    const size_t m = g->kg * g->h.k * g->w.k, n = g->h.in * g->w.in;
    size_t bytes = 0;
    int seen[4] = {0};
    for (size_t b = 0; b < g->N; b++)
        for (size_t gi = 0; gi < g->G; gi++) {
            const size_t ao = deconv_w_off(g, gi), bo = deconv_x_off(g, b, gi);
            const int pattern = (ao != 0) * 2 + (bo != 0);
            if (seen[pattern]++)
                continue;
            size_t need = 0;
            CLBlastStatusCode st = CLBlastSGemmTempBufferSize(
                CLBlastLayoutRowMajor, CLBlastTransposeYes, CLBlastTransposeNo, m, n, g->cg, ao,
                m, bo, n, 0, n, &in->s->q, &need);
            if (st != CLBlastSuccess)
                return clblast_failed("CLBlastSGemmTempBufferSize", st, why, why_len);
            if (need > bytes)
                bytes = need;
        }
    return bytes ? new_buffer(in->s, bytes, NULL, &in->temp, why, why_len) : PEER_OK;
}

/* ---- per layer --------------------------------------------------------------- */

static void clblast_release(void *inst)
{
    clblast_inst *in = inst;
    if (!in)
        return;
    cl_mem mems[] = {in->x, in->w, in->y, in->col, in->temp};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    free(in->bias);
    free(in);
}

/* What a reader of the results should know about how the layer ran. */
static void describe(const clblast_inst *in, const clconv_conv_desc *d, char *note,
                     size_t note_len)
{
    const cb_geom *g = &in->g;
    const size_t calls = g->G > 1 ? g->N * g->G : 1;
    int len = 0;
    if (in->transposed && g->N * g->G > 1)
        len = snprintf(note, note_len, "%zu Sgemm+Scol2im pairs, output zeroed in the timing",
                       g->N * g->G);
    else if (in->transposed)
        len = snprintf(note, note_len, "Sgemm+Scol2im, output zeroed in the timing");
    else if (calls > 1)
        len = snprintf(note, note_len, "%zu per-group calls", calls);
    if (len < 0 || (size_t)len >= note_len)
        return;
    const char *host = d->has_bias && d->activation != CLCONV_ACTIVATION_NONE
                           ? "bias and activation"
                       : d->has_bias                              ? "bias"
                       : d->activation != CLCONV_ACTIVATION_NONE ? "activation"
                                                                  : NULL;
    if (host)
        snprintf(note + len, note_len - (size_t)len, "%s%s on host, untimed", len ? "; " : "",
                 host);
}

static int upload(clblast_inst *in, const clconv_conv_desc *d, const float *x, const float *w,
                  const float *b, char *why, size_t why_len)
{
    const cb_geom *g = &in->g;
    const size_t col_elems =
        in->transposed
            ? mul_sat(mul_sat(mul_sat(g->kg, g->h.k * g->w.k), g->h.in), g->w.in)
            : 0;
    int rc = fits_int(in, d, col_elems, why, why_len);
    if (rc == PEER_OK)
        rc = new_buffer(in->s, clconv_conv_input_elems(d) * sizeof(float), x, &in->x, why,
                        why_len);
    if (rc == PEER_OK)
        rc = new_buffer(in->s, clconv_conv_weight_elems(d) * sizeof(float), w, &in->w, why,
                        why_len);
    if (rc == PEER_OK)
        rc = new_buffer(in->s, in->y_elems * sizeof(float), NULL, &in->y, why, why_len);
    if (rc == PEER_OK && in->transposed)
        rc = new_buffer(in->s, col_elems * sizeof(float), NULL, &in->col, why, why_len);
    if (rc == PEER_OK && in->transposed)
        rc = deconv_temp(in, why, why_len);
    if (rc == PEER_OK && d->has_bias) {
        if (!(in->bias = malloc(g->K * sizeof(float)))) {
            snprintf(why, why_len, "out of host memory");
            return PEER_FAIL;
        }
        memcpy(in->bias, b, g->K * sizeof(float));
    }
    return rc;
}

static int clblast_prepare(void *state, const clconv_conv_desc *d, const float *x,
                           const float *w, const float *b, void **inst, char *note,
                           size_t note_len, char *why, size_t why_len)
{
    *inst = NULL;
    clblast_inst *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(why, why_len, "out of host memory");
        return PEER_FAIL;
    }
    in->s = state;
    in->transposed = d->transposed;
    in->y_elems = clconv_conv_output_elems(d);
    in->act = d->activation;
    in->alpha = d->activation_alpha;
    in->beta = d->activation_beta;
    int rc = layer_geom(d, &in->g, why, why_len);
    if (rc == PEER_OK)
        rc = upload(in, d, x, w, b, why, why_len);
    if (rc != PEER_OK) {
        clblast_release(in);
        return rc;
    }
    describe(in, d, note, note_len);
    *inst = in;
    return PEER_OK;
}

/* ---- the timed work ------------------------------------------------------------- */

/* A CLBlast call's status; its event, which nothing waits on (the closing
 * marker does), is released at once. */
static int called(const char *call, CLBlastStatusCode st, cl_event ev, char *why, size_t why_len)
{
    if (ev)
        clReleaseEvent(ev);
    return st == CLBlastSuccess ? PEER_OK : clblast_failed(call, st, why, why_len);
}

static int enqueue_conv(clblast_inst *in, char *why, size_t why_len)
{
    const cb_geom *g = &in->g;
    /* Without groups, convgemm's batch strides are the tensors'. */
    const size_t images = g->G > 1 ? g->N : 1, batch = g->G > 1 ? 1 : g->N;
    const size_t kk = g->h.k * g->w.k;
    for (size_t n = 0; n < images; n++)
        for (size_t gi = 0; gi < g->G; gi++) {
            const size_t xo = (n * g->C + gi * g->cg) * g->h.in * g->w.in;
            const size_t wo = gi * g->kg * g->cg * kk;
            const size_t yo = (n * g->K + gi * g->kg) * g->h.out * g->w.out;
            cl_event ev = NULL;
            CLBlastStatusCode st = CLBlastSconvgemm(
                CLBlastKernelModeCrossCorrelation, g->cg, g->h.in, g->w.in, g->h.k, g->w.k,
                g->h.pad, g->w.pad, g->h.stride, g->w.stride, g->h.dil, g->w.dil, g->kg, batch,
                in->x, xo, in->w, wo, in->y, yo, &in->s->q, &ev);
            if (called("CLBlastSconvgemm", st, ev, why, why_len) != PEER_OK)
                return PEER_FAIL;
        }
    return PEER_OK;
}

static int enqueue_deconv(clblast_inst *in, char *why, size_t why_len)
{
    const cb_geom *g = &in->g;
    const size_t m = g->kg * g->h.k * g->w.k, n = g->h.in * g->w.in;
    const float zero = 0.0f;
    cl_event ev = NULL;
    cl_int err = clEnqueueFillBuffer(in->s->q, in->y, &zero, sizeof zero, 0,
                                     in->y_elems * sizeof(float), 0, NULL, &ev);
    if (err != CL_SUCCESS)
        return cl_failed("clEnqueueFillBuffer", err, why, why_len);
    clReleaseEvent(ev);
    for (size_t b = 0; b < g->N; b++)
        for (size_t gi = 0; gi < g->G; gi++) {
            ev = NULL;
            /* No temporary needed: the plain call, since CLBlast queries the
             * size of any temp buffer it is handed, NULL included. */
            CLBlastStatusCode st =
                in->temp ? CLBlastSgemmWithTempBuffer(
                               CLBlastLayoutRowMajor, CLBlastTransposeYes, CLBlastTransposeNo, m, n,
                               g->cg, 1.0f, in->w, deconv_w_off(g, gi), m, in->x,
                               deconv_x_off(g, b, gi), n, 0.0f, in->col, 0, n, &in->s->q, &ev,
                               in->temp)
                         : CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeYes,
                                        CLBlastTransposeNo, m, n, g->cg, 1.0f, in->w,
                                        deconv_w_off(g, gi), m, in->x, deconv_x_off(g, b, gi), n,
                                        0.0f, in->col, 0, n, &in->s->q, &ev);
            if (called("CLBlastSgemm", st, ev, why, why_len) != PEER_OK)
                return PEER_FAIL;
            const size_t yo = (b * g->K + gi * g->kg) * g->h.out * g->w.out;
            ev = NULL;
            st = CLBlastScol2im(CLBlastKernelModeCrossCorrelation, g->kg, g->h.out, g->w.out,
                                g->h.k, g->w.k, g->h.pad, g->w.pad, g->h.stride, g->w.stride,
                                g->h.dil, g->w.dil, in->col, 0, in->y, yo, &in->s->q, &ev);
            if (called("CLBlastScol2im", st, ev, why, why_len) != PEER_OK)
                return PEER_FAIL;
        }
    return PEER_OK;
}

/* END of a marker in ns, or 0 if the device kept no time. */
static cl_ulong marker_end(cl_event ev)
{
    cl_ulong t = 0;
    if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t, &t, NULL) != CL_SUCCESS)
        return 0;
    return t;
}

static int clblast_run(void *inst, double *ms, char *why, size_t why_len)
{
    clblast_inst *in = inst;
    cl_command_queue q = in->s->q;
    cl_event first = NULL, last = NULL;
    cl_int err = clFinish(q);
    if (err != CL_SUCCESS)
        return cl_failed("clFinish", err, why, why_len);
    const double h0 = bench_now_ms();
    if ((err = clEnqueueMarkerWithWaitList(q, 0, NULL, &first)) != CL_SUCCESS)
        return cl_failed("clEnqueueMarkerWithWaitList", err, why, why_len);
    int rc = in->transposed ? enqueue_deconv(in, why, why_len) : enqueue_conv(in, why, why_len);
    if (rc == PEER_OK && (err = clEnqueueMarkerWithWaitList(q, 0, NULL, &last)) != CL_SUCCESS)
        rc = cl_failed("clEnqueueMarkerWithWaitList", err, why, why_len);
    if (rc == PEER_OK && (err = clWaitForEvents(1, &last)) != CL_SUCCESS)
        rc = cl_failed("clWaitForEvents", err, why, why_len);
    if (rc == PEER_OK) {
        const double h1 = bench_now_ms();
        const cl_ulong t0 = marker_end(first), t1 = marker_end(last);
        *ms = t0 && t1 >= t0 ? (double)(t1 - t0) * 1e-6 : h1 - h0;
    } else {
        clFinish(q); /* leave nothing of a failed run behind */
    }
    if (last)
        clReleaseEvent(last);
    clReleaseEvent(first);
    return rc;
}

/* ---- output ---------------------------------------------------------------------- */

static float activate(const clblast_inst *in, float v)
{
    switch (in->act) {
    case CLCONV_ACTIVATION_RELU: return fmaxf(v, 0.0f);
    case CLCONV_ACTIVATION_CLIP: return fminf(fmaxf(v, in->alpha), in->beta); /* as the reference */
    case CLCONV_ACTIVATION_LEAKY_RELU: return v >= 0 ? v : in->alpha * v;
    default: return v;
    }
}

static int clblast_read_output(void *inst, float *y, char *why, size_t why_len)
{
    clblast_inst *in = inst;
    cl_int err = clEnqueueReadBuffer(in->s->q, in->y, CL_TRUE, 0, in->y_elems * sizeof(float), y,
                                     0, NULL, NULL);
    if (err != CL_SUCCESS)
        return cl_failed("clEnqueueReadBuffer", err, why, why_len);
    if (!in->bias && in->act == CLCONV_ACTIVATION_NONE)
        return PEER_OK;
    const size_t plane = in->g.h.out * in->g.w.out;
    for (size_t i = 0; i < in->y_elems; i++) {
        const float b = in->bias ? in->bias[i / plane % in->g.K] : 0.0f;
        y[i] = activate(in, y[i] + b);
    }
    return PEER_OK;
}

const bench_peer bench_peer_clblast = {
    .name = "clblast",
    .open = clblast_open,
    .close = clblast_close,
    .prepare = clblast_prepare,
    .run = clblast_run,
    .read_output = clblast_read_output,
    .release = clblast_release,
};
