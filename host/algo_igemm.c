/* igemm: implicit-GEMM convolution for every valid descriptor (rank 1-3,
 * any stride, pads, dilation, groups, ConvTranspose in gather form), one
 * launch for all groups and batch items, no workspace.  Per group, M =
 * output channels, N = batch x output pixels, K = input channels x taps;
 * the input is gathered into the B tiles on the fly (see igemm.cl).  The
 * weights are packed once as a[G][Kp][Mp] (zero padded to the tile sizes)
 * so that the kernel's A loads need no bounds checks.  The tiling is
 * CLBlast's Xgemm scheme with its parameters (MWG, NWG, KWG, MDIMC, NDIMC,
 * VWN, SA, SB) as -D options from the device parameters (igemm_*). */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cl_kernel kernel;
    cl_mem packed; /* a[G][Kp][Mp] */
    cl_mem bias;   /* K floats, or a 1-float dummy when there is no bias */
    int mp, kp;    /* Kg and Cg * taps rounded up to MWG and KWG */
    int mwg, nwg, kwg, mdimc, ndimc, vwn, sa, sb;
} igemm_state;

static int igemm_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx;
    /* Index arithmetic in the kernel is int within one image (and for the
     * pixel count of the batch), size_t across channels. */
    const double isp = (double)p->in[0] * p->in[1] * p->in[2];
    const double np = (double)p->N * p->out[0] * p->out[1] * p->out[2];
    const double kk = (double)(p->C / p->G) * p->k[0] * p->k[1] * p->k[2];
    if (isp > INT_MAX / 2 || np > INT_MAX / 2 || kk > INT_MAX / 2) {
        snprintf(why, n, "igemm: an image, the batch's output pixels or channels x taps exceed "
                 "2^30 elements");
        return 0;
    }
    return 1;
}

static int pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

int clconv_igemm_params_fit(const clconv_context *ctx, const clconv_device_params *dp, char *why,
                            size_t n)
{
    const int mwg = dp->igemm_mwg, nwg = dp->igemm_nwg, kwg = dp->igemm_kwg;
    const int mdimc = dp->igemm_mdimc, ndimc = dp->igemm_ndimc, vwn = dp->igemm_vwn;
    if (!pow2(mwg) || !pow2(nwg) || !pow2(kwg) || !pow2(mdimc) || !pow2(ndimc) || !pow2(vwn)) {
        snprintf(why, n, "igemm: parameters must be powers of two");
        return 0;
    }
    if (mwg % mdimc) {
        snprintf(why, n, "igemm: igemm_mwg=%d is not a multiple of igemm_mdimc=%d", mwg, mdimc);
        return 0;
    }
    if (nwg % ndimc) {
        snprintf(why, n, "igemm: igemm_nwg=%d is not a multiple of igemm_ndimc=%d", nwg, ndimc);
        return 0;
    }
    if ((nwg / ndimc) % vwn) {
        snprintf(why, n, "igemm: igemm_vwn=%d does not divide the %d columns per work-item "
                 "(igemm_nwg / igemm_ndimc)", vwn, nwg / ndimc);
        return 0;
    }
    const int regs = (mwg / mdimc) * (nwg / ndimc);
    if (regs > 512) {
        snprintf(why, n, "igemm: a register tile of %d x %d outputs per work-item exceeds 512",
                 mwg / mdimc, nwg / ndimc);
        return 0;
    }
    size_t max_wg = 0, items[3] = {0, 0, 0};
    cl_ulong local = 0;
    clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL);
    clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, NULL);
    clGetDeviceInfo(ctx->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    if ((max_wg && (size_t)mdimc * ndimc > max_wg) || (items[0] && (size_t)mdimc > items[0]) ||
        (items[1] && (size_t)ndimc > items[1])) {
        snprintf(why, n, "igemm: a work-group of %d x %d exceeds the device's limits (%zu work-items, "
                 "%zu x %zu)", mdimc, ndimc, max_wg, items[0], items[1]);
        return 0;
    }
    const unsigned long long bytes =
        ((dp->igemm_sa ? (unsigned long long)kwg * mwg : 0) +
         (dp->igemm_sb ? (unsigned long long)kwg * nwg : 0)) * sizeof(float);
    if (bytes > local) {
        snprintf(why, n, "igemm: local memory tiles of %llu bytes exceed the device's %llu",
                 bytes, (unsigned long long)local);
        return 0;
    }
    return 1;
}

static clconv_status igemm_create(clconv_plan *plan)
{
    const conv_problem *p = &plan->p;
    const clconv_device_params *dp = &plan->params;
    igemm_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "igemm: out of host memory");
    plan->state = s;
    char why[256];
    if (!clconv_igemm_params_fit(plan->ctx, dp, why, sizeof why))
        return clconv_fail(CLCONV_UNSUPPORTED, "%s", why);
    s->mwg = dp->igemm_mwg;
    s->nwg = dp->igemm_nwg;
    s->kwg = dp->igemm_kwg;
    s->mdimc = dp->igemm_mdimc;
    s->ndimc = dp->igemm_ndimc;
    s->vwn = dp->igemm_vwn;
    s->sa = dp->igemm_sa;
    s->sb = dp->igemm_sb;
    const long long kg = p->K / p->G;
    const long long kk = (long long)(p->C / p->G) * p->k[0] * p->k[1] * p->k[2];
    const long long mp = (kg + s->mwg - 1) / s->mwg * s->mwg;
    const long long kp = (kk + s->kwg - 1) / s->kwg * s->kwg;
    if (mp > INT_MAX || kp > INT_MAX || (double)p->G * mp * kp > (double)(1u << 31))
        return clconv_fail(CLCONV_UNSUPPORTED, "igemm: packed weights too large");
    s->mp = (int)mp;
    s->kp = (int)kp;
    char opts[192];
    snprintf(opts, sizeof opts,
             "-DMWG=%d -DNWG=%d -DKWG=%d -DMDIMC=%d -DNDIMC=%d -DVWN=%d -DSA=%d -DSB=%d "
             "-DTRANSPOSED=%d",
             s->mwg, s->nwg, s->kwg, s->mdimc, s->ndimc, s->vwn, s->sa, s->sb, p->transposed);
    clconv_status st = clconv_create_kernel(plan->ctx, "igemm.cl", opts, "igemm_conv", &s->kernel);
    if (st)
        return st;
    size_t kmax = 0;
    clGetKernelWorkGroupInfo(s->kernel, plan->ctx->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax,
                             &kmax, NULL);
    if (kmax && (size_t)s->mdimc * s->ndimc > kmax)
        return clconv_fail(CLCONV_UNSUPPORTED,
                           "igemm: a work-group of %d x %d exceeds this kernel's limit of %zu "
                           "work-items on the device",
                           s->mdimc, s->ndimc, kmax);
    snprintf(plan->describe, sizeof plan->describe,
             "igemm%s tile %dx%dx%d threads %dx%d vwn %d sa %d sb %d", p->transposed ? " transposed" : "",
             s->mwg, s->nwg, s->kwg, s->mdimc, s->ndimc, s->vwn, s->sa, s->sb);
    plan->workspace_bytes = 0;
    return CLCONV_SUCCESS;
}

static clconv_status igemm_set_weights(clconv_plan *plan, const float *w, const float *bias)
{
    const conv_problem *p = &plan->p;
    igemm_state *s = plan->state;
    const int Cg = p->C / p->G, Kg = p->K / p->G;
    const size_t kt = (size_t)p->k[0] * p->k[1] * p->k[2];
    const size_t n = (size_t)p->G * s->kp * s->mp;
    float *pk = calloc(n, sizeof *pk);
    if (!pk)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "igemm: out of host memory");
    for (int g = 0; g < p->G; g++)
        for (int m = 0; m < Kg; m++)
            for (int c = 0; c < Cg; c++)
                for (size_t t = 0; t < kt; t++) {
                    /* Conv: w[K][Cg][kt]; ConvTranspose: w[C][Kg][kt]. */
                    size_t src = p->transposed ? ((size_t)(g * Cg + c) * Kg + m) * kt + t
                                               : ((size_t)(g * Kg + m) * Cg + c) * kt + t;
                    size_t k = (size_t)c * kt + t;
                    pk[((size_t)g * s->kp + k) * s->mp + m] = w[src];
                }
    cl_mem packed = NULL, b = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                            n * sizeof *pk, pk, &packed);
    free(pk);
    if (!st) {
        static const float zero = 0.0f;
        st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                  bias ? (size_t)p->K * sizeof(float) : sizeof(float),
                                  bias ? (const void *)bias : &zero, &b);
    }
    if (st) {
        if (packed)
            clReleaseMemObject(packed);
        return st;
    }
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->packed = packed;
    s->bias = b;
    return CLCONV_SUCCESS;
}

static clconv_status igemm_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                   const cl_event *wait, cl_event *event)
{
    const conv_problem *p = &plan->p;
    igemm_state *s = plan->state;
    const char *op = "clconv_plan_enqueue(igemm)";
    kernel_arg args[] = {
        ARG_MEM(io->in),    ARG_OFF(io->in_off), ARG_MEM(s->packed),  ARG_MEM(s->bias),
        ARG_MEM(io->out),   ARG_OFF(io->out_off), ARG_INT(s->mp),     ARG_INT(s->kp),
        ARG_INT(p->N),      ARG_INT(p->C),       ARG_INT(p->K),       ARG_INT(p->G),
        ARG_INT(p->in[0]),  ARG_INT(p->in[1]),   ARG_INT(p->in[2]),   ARG_INT(p->out[0]),
        ARG_INT(p->out[1]), ARG_INT(p->out[2]),  ARG_INT(p->k[0]),    ARG_INT(p->k[1]),
        ARG_INT(p->k[2]),   ARG_INT(p->s[0]),    ARG_INT(p->s[1]),    ARG_INT(p->s[2]),
        ARG_INT(p->d[0]),   ARG_INT(p->d[1]),    ARG_INT(p->d[2]),    ARG_INT(p->pb[0]),
        ARG_INT(p->pb[1]),  ARG_INT(p->pb[2]),   ARG_INT(p->has_bias), ARG_INT(p->act),
        ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta)};
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    clconv_status st = clconv_set_args(s->kernel, op, (int)(sizeof args / sizeof *args), args);
    const size_t np = (size_t)p->N * p->out[0] * p->out[1] * p->out[2];
    /* Whole work-groups of exactly MDIMC x NDIMC (the kernel requires that
     * size): the range is already a multiple, so the chain never shrinks it. */
    const size_t gws[3] = {(size_t)s->mp / s->mwg * s->mdimc,
                           (np + s->nwg - 1) / s->nwg * s->ndimc, (size_t)p->G};
    const size_t lws[3] = {(size_t)s->mdimc, (size_t)s->ndimc, 1};
    if (!st)
        st = clconv_chain_kernel(&ch, op, s->kernel, 3, gws, lws);
    return clconv_chain_end(&ch, st, event);
}

static void igemm_destroy(clconv_plan *plan)
{
    igemm_state *s = plan->state;
    if (!s)
        return;
    if (s->kernel)
        clReleaseKernel(s->kernel);
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

/* The tuner's candidates (tune.c; illegal combinations fail at plan
 * creation and are skipped): the tile on every device; on GPUs also the
 * work-group shape and the local-memory staging. */
static const tune_knob igemm_space[] = {
    {"igemm_mwg", {8, 16, 32, 64}, 0, 0},
    {"igemm_nwg", {16, 32, 64}, 0, 0},
    {"igemm_kwg", {8, 16}, 0, 0},
    {"igemm_vwn", {1, 4, 16}, 0, 0},
    {"igemm_mdimc", {8, 16}, 1, 0},
    {"igemm_ndimc", {8, 16}, 1, 0},
    {"igemm_sa", {0, 1}, 1, 2},
    {"igemm_sb", {0, 1}, 1, 2},
    {NULL, {0}, 0, 0}};

const clconv_algo clconv_algo_igemm = {CLCONV_ALGO_IGEMM, "igemm", igemm_applicable,
                                       igemm_create, igemm_set_weights, igemm_enqueue,
                                       igemm_destroy, igemm_space, 1e-5};
