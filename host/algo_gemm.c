/*
 * gemm: every convolution as CLBlast SGEMM plus layout kernels
 * (kernels/im2col.cl), rank 1-3, any stride, pads, dilation and groups,
 * Conv and ConvTranspose.
 *
 *   Conv 1x1, stride 1, no pads:  Y[n] = W . X[n]; B is the input itself.
 *   Conv otherwise:               im2col (vol2col in 3D), then the GEMM
 *                                 Y[K][P] = W[K][C*kk] . Col[C*kk][P].
 *   ConvTranspose:                Ycol[K*kk][Pin] = W^T . X, then a gather
 *                                 col2im sums the overlapping taps of each
 *                                 output element (no atomics).
 *
 * Groups and batch items are one CLBlastSgemmStridedBatched call, never a
 * loop of launches.  Batch index b = n*G + g has linear strides for B and
 * C but not for A (the weights depend on g only), so:
 *   G == 1 or N == 1: batches over n (A stride 0) or over g; the columns
 *                     are laid [N][rows][P] and C is the output itself;
 *   G > 1 and N > 1:  the columns are laid [rows][N][P] (the batch side by
 *                     side, "wide"), batches run over g only, and the
 *                     epilogue re-lays [K][N][P] into y.
 * One batch in all is a plain CLBlastSgemm, whose temporary buffer (for
 * its padded copies on devices where it runs the indirect kernel) is
 * sized into the workspace.  The strided-batched call has no temporary
 * buffer argument in CLBlast's C API and allocates its own when needed.
 *
 * Workspace: [CLBlast temp][B region][C region], offsets aligned to the
 * device's base address alignment (for speed).  CLBlast gets element
 * offsets: the caller's input_offset / output_offset, or workspace_offset
 * plus the region's.  Its temporary buffer has no offset argument, so the
 * temp region is handed over only when the workspace starts at offset 0
 * of its buffer and the operands' offsets are zero or not as assumed when
 * sizing it (CLBlast's size depends on that); otherwise CLBlast allocates
 * its own for the call, as it always does for the strided-batched call.
 * CLBlast passes offsets to its kernels as int, so the plan sets
 * int_range: plan.c refuses tensors that end beyond float 2^31 - 1.
 *
 * CLBlast compiles its GEMM program on first use (seconds on PoCL) and
 * keeps it in process memory: plan creation runs a tiny GEMM of the same
 * routine so the first enqueue does not pay for it.  CLBlast takes no
 * wait list, so on an out-of-order queue a barrier on the chain's last
 * event goes before it; its out-event continues the chain.
 */
#include "internal.h"

#include <clblast_c.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP "gemm"
#define FILE_CL "im2col.cl"

/* The GEMM of a plan and where its operands live; sizes in floats. */
typedef struct gemm_geom {
    int one_by_one; /* conv 1x1 s1 p0 and G == 1 or N == 1: B is the input */
    int wide;       /* G > 1 and N > 1: columns laid [rows][N][P] */
    size_t kk;      /* kernel taps */
    size_t m, n, k, batch, lda, ldb, ldc, sa, sb, sc;
    size_t rs, ns;  /* column matrix strides (see kernels/im2col.cl) */
    size_t b_elems; /* workspace for B: 0 if B is the input */
    size_t c_elems; /* workspace for C: 0 if C is the output */
} gemm_geom;

typedef struct gemm_state {
    gemm_geom g;
    cl_kernel pre;  /* gemm_im2col (conv, or the wide reorder of a transposed input) or NULL */
    cl_kernel post; /* gemm_col2im or gemm_bias_act, or NULL */
    cl_mem w, b;    /* A as the GEMM reads it; bias (NULL without) */
    size_t temp_bytes, b_off, c_off; /* b_off, c_off in floats */
    size_t pre_lws[3], post_lws[3];
} gemm_state;

/* Work-groups run along the innermost spatial axis: PoCL vectorises
 * across them, GPUs coalesce along them.  Sizes are powers of two, so
 * PoCL (which compiles a work-group function per local size it meets)
 * builds a handful of variants, not one per shape as with driver-chosen
 * sizes. */
#define GEMM_LWS 64

static size_t spatial(const int *v) { return (size_t)v[0] * (size_t)v[1] * (size_t)v[2]; }

/* Sizes are products of ints bounded by INT_MAX each, so three of them
 * cannot overflow 64-bit size_t, but the column matrix multiplies more
 * factors: every product goes through clconv_mul_size.  0 on overflow. */
static int mul3(size_t a, size_t b, size_t c, size_t *out)
{
    size_t t;
    return clconv_mul_size(a, b, &t) && clconv_mul_size(t, c, out);
}

static int geometry(const conv_problem *p, gemm_geom *g)
{
    memset(g, 0, sizeof *g);
    const size_t N = (size_t)p->N, G = (size_t)p->G, C = (size_t)p->C, K = (size_t)p->K;
    const size_t cg = C / G, kg = K / G, P = spatial(p->out), Pin = spatial(p->in);
    g->kk = spatial(p->k);
    g->wide = G > 1 && N > 1;
    g->batch = g->wide ? G : N * G;
    if (!p->transposed) {
        int unit = g->kk == 1;
        for (int a = 0; a < 3; a++)
            unit &= p->s[a] == 1 && p->pb[a] == 0 && p->pe[a] == 0;
        g->one_by_one = unit && !g->wide;
        const size_t cols = g->wide ? N * P : P, ck = cg * g->kk;
        g->m = kg;
        g->k = ck;
        g->n = cols;
        g->lda = ck;
        g->ldb = g->ldc = cols;
        g->sa = G > 1 ? kg * ck : 0;
        g->rs = cols;
        g->ns = g->wide ? P : C * g->kk * P;
        if (!mul3(ck, cols, 1, &g->sb) || !mul3(kg, cols, 1, &g->sc))
            return 0;
        if (!g->one_by_one && !mul3(C * g->kk, N, P, &g->b_elems))
            return 0;
        if (g->wide && !mul3(K, N, P, &g->c_elems))
            return 0;
    } else {
        /* A is the weights re-laid per group as [K/G * kk][C/G] (set_weights). */
        const size_t cols = g->wide ? N * Pin : Pin, rk = kg * g->kk;
        g->m = rk;
        g->k = cg;
        g->n = cols;
        g->lda = cg;
        g->ldb = g->ldc = cols;
        g->sa = G > 1 ? rk * cg : 0;
        g->rs = cols;
        g->ns = g->wide ? Pin : K * g->kk * Pin;
        if (!mul3(cg, cols, 1, &g->sb) || !mul3(rk, cols, 1, &g->sc))
            return 0;
        if (g->wide && !mul3(C, N, Pin, &g->b_elems))
            return 0;
        if (!mul3(K * g->kk, N, Pin, &g->c_elems))
            return 0;
    }
    return 1;
}

static int gemm_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    gemm_geom g;
    size_t ws = 0;
    if (!geometry(p, &g) || !clconv_mul_size(g.b_elems + g.c_elems, sizeof(float), &ws)) {
        snprintf(why, n, OP ": the column matrix size overflows");
        return 0;
    }
    /* The kernels and CLBlast's direct GEMM index with int. */
    const size_t lim = INT_MAX;
    if (clconv_problem_input_elems(p) > lim || clconv_problem_output_elems(p) > lim ||
        clconv_problem_weight_elems(p) > lim || g.b_elems > lim || g.c_elems > lim ||
        g.b_elems + g.c_elems > lim - 1024) {
        snprintf(why, n, OP ": a buffer (column matrix %zu, output %zu elements) exceeds 2^31-1 "
                 "elements", g.b_elems + g.c_elems, clconv_problem_output_elems(p));
        return 0;
    }
    cl_ulong max_alloc = 0;
    if (clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc,
                        NULL) == CL_SUCCESS && max_alloc && ws > max_alloc) {
        snprintf(why, n, OP ": the workspace needs %zu bytes; the device allocates at most %llu",
                 ws, (unsigned long long)max_alloc);
        return 0;
    }
    return 1;
}

/* ---- CLBlast --------------------------------------------------------------- */

static const char *clblast_name(CLBlastStatusCode s)
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
static clconv_status clblast_fail(const char *call, CLBlastStatusCode s)
{
    if ((int)s > -1000)
        return clconv_cl_fail(OP, call, (cl_int)s);
    return clconv_fail(CLCONV_OPENCL_ERROR, OP ": %s failed: %s (%d)", call, clblast_name(s),
                       (int)s);
}

/* Every call into CLBlast holds this: CLBlast 1.5.3's caches are not safe
 * for concurrent first calls (four threads creating gemm plans at once
 * ended in std::bad_alloc inside CLBlast).  Calls only enqueue, so holding
 * it costs little once the programs are built. */
static pthread_mutex_t clblast_call_lock = PTHREAD_MUTEX_INITIALIZER;

static CLBlastStatusCode run_gemm_locked(const gemm_geom *g, cl_command_queue q, cl_mem a,
                                         size_t ao, cl_mem b, size_t bo, cl_mem c, size_t co,
                                         cl_mem temp, cl_event *event, const char **call);

/* The one GEMM of the plan (row-major, no transposes), or the tiny warm-up
 * of the same routine; event receives its completion. */
static CLBlastStatusCode run_gemm(const gemm_geom *g, cl_command_queue q, cl_mem a, size_t ao,
                                  cl_mem b, size_t bo, cl_mem c, size_t co, cl_mem temp,
                                  cl_event *event, const char **call)
{
    pthread_mutex_lock(&clblast_call_lock);
    CLBlastStatusCode s = run_gemm_locked(g, q, a, ao, b, bo, c, co, temp, event, call);
    pthread_mutex_unlock(&clblast_call_lock);
    return s;
}

static CLBlastStatusCode run_gemm_locked(const gemm_geom *g, cl_command_queue q, cl_mem a,
                                         size_t ao, cl_mem b, size_t bo, cl_mem c, size_t co,
                                         cl_mem temp, cl_event *event, const char **call)
{
    const CLBlastLayout L = CLBlastLayoutRowMajor;
    const CLBlastTranspose T = CLBlastTransposeNo;
    if (g->batch > 1) {
        *call = "CLBlastSgemmStridedBatched";
        return CLBlastSgemmStridedBatched(L, T, T, g->m, g->n, g->k, 1.0f, a, ao, g->lda, g->sa,
                                          b, bo, g->ldb, g->sb, 0.0f, c, co, g->ldc, g->sc,
                                          g->batch, &q, event);
    }
    if (temp) {
        *call = "CLBlastSgemmWithTempBuffer";
        return CLBlastSgemmWithTempBuffer(L, T, T, g->m, g->n, g->k, 1.0f, a, ao, g->lda, b, bo,
                                          g->ldb, 0.0f, c, co, g->ldc, &q, event, temp);
    }
    *call = "CLBlastSgemm";
    return CLBlastSgemm(L, T, T, g->m, g->n, g->k, 1.0f, a, ao, g->lda, b, bo, g->ldb, 0.0f, c,
                        co, g->ldc, &q, event);
}

/* ---- CLBlast's program cache and the context's lifetime -------------------
 * CLBlast keeps every program it builds in a process-wide cache until
 * process exit, and a program holds its cl_context: without help, a
 * destroyed clconv context lives on, and CLBlast's static destructor
 * releases it after the OpenCL implementation may already be torn down
 * (under Oclgrind: an abort, "corrupted double-linked list", in LLVM's
 * destructor).  So when the last live clconv context that used CLBlast is
 * destroyed, clconv clears CLBlast's cache (CLBlastClearCache, the only
 * cache control in its C API; it is process-wide, so other CLBlast users
 * rebuild their kernels on next use).  The header says so. */
static pthread_mutex_t clblast_lock = PTHREAD_MUTEX_INITIALIZER;
static int clblast_contexts; /* live contexts with clblast_used set */

static void mark_clblast_used(clconv_context *ctx)
{
    pthread_mutex_lock(&clblast_lock);
    if (!ctx->clblast_used) {
        ctx->clblast_used = 1;
        clblast_contexts++;
    }
    pthread_mutex_unlock(&clblast_lock);
}

void clconv_gemm_context_release(clconv_context *ctx)
{
    pthread_mutex_lock(&clblast_lock);
    if (ctx->clblast_used && --clblast_contexts == 0) {
        pthread_mutex_lock(&clblast_call_lock);
        CLBlastClearCache();
        pthread_mutex_unlock(&clblast_call_lock);
    }
    ctx->clblast_used = 0;
    pthread_mutex_unlock(&clblast_lock);
}

/* Builds CLBlast's program for this plan's routine now (a 1x1x1 GEMM, or
 * two of them batched), so the first enqueue runs at full speed. */
static clconv_status warm_up(clconv_context *ctx, const gemm_geom *g)
{
    /* On a private queue: the caller's may hold work behind a user event,
     * and plan creation must not wait for it. */
    mark_clblast_used(ctx);
    gemm_geom t = {0};
    t.m = t.n = t.k = t.lda = t.ldb = t.ldc = 1;
    t.sa = t.sb = t.sc = 1;
    t.batch = g->batch > 1 ? 2 : 1;
    cl_int err;
    cl_command_queue q = clCreateCommandQueue(ctx->cl_ctx, ctx->device, 0, &err);
    if (!q)
        return clconv_cl_fail(OP, "clCreateCommandQueue", err);
    const float zeros[8] = {0};
    cl_mem scratch = NULL;
    clconv_status st = clconv_buffer_create(ctx, OP, CL_MEM_READ_WRITE, sizeof zeros, zeros, &scratch);
    if (st) {
        clReleaseCommandQueue(q);
        return st;
    }
    cl_event ev = NULL;
    const char *call;
    CLBlastStatusCode s = run_gemm(&t, q, scratch, 0, scratch, 2, scratch, 4, NULL, &ev, &call);
    if (s != CLBlastSuccess)
        st = clblast_fail(call, s);
    else if ((err = clFinish(q)) != CL_SUCCESS)
        st = clconv_cl_fail(OP, "clFinish", err);
    if (ev)
        clReleaseEvent(ev);
    clReleaseMemObject(scratch);
    clReleaseCommandQueue(q);
    return st;
}

/* The temporary buffer a single GEMM needs with B and C at these offsets
 * (CLBlast's size depends on whether an offset is zero, not its value). */
static clconv_status temp_size(clconv_context *ctx, const gemm_geom *g, size_t bo, size_t co,
                               size_t *bytes)
{
    cl_command_queue q = ctx->queue;
    /* In bytes (CLBlast 1.5.3: 3 x 1024^2 x 4 for a 1000^3 GEMM). */
    pthread_mutex_lock(&clblast_call_lock);
    CLBlastStatusCode s = CLBlastSGemmTempBufferSize(
        CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, g->m, g->n, g->k, 0,
        g->lda, bo, g->ldb, co, g->ldc, &q, bytes);
    pthread_mutex_unlock(&clblast_call_lock);
    if (s != CLBlastSuccess)
        return clblast_fail("CLBlastSGemmTempBufferSize", s);
    return CLCONV_SUCCESS;
}

/* Places [temp][B][C] in the workspace and sets workspace_bytes. */
static clconv_status layout_workspace(clconv_plan *plan, gemm_state *s)
{
    const gemm_geom *g = &s->g;
    const size_t al = clconv_region_align(plan->ctx);
    s->temp_bytes = 0;
    for (int iter = 0;; iter++) {
        size_t b0 = clconv_align_up(s->temp_bytes, al);
        size_t b1 = b0 + g->b_elems * sizeof(float); /* bounded by applicable() */
        size_t c0 = clconv_align_up(b1, al);
        size_t end = c0 + g->c_elems * sizeof(float);
        s->b_off = b0 / sizeof(float);
        s->c_off = c0 / sizeof(float);
        plan->workspace_bytes = end;
        if (g->batch > 1)
            break;
        /* B and C offsets as the GEMM will see them (0 when the operand is
         * the input or output buffer). */
        size_t need;
        clconv_status st = temp_size(plan->ctx, g, g->one_by_one ? 0 : s->b_off,
                                     g->c_elems ? s->c_off : 0, &need);
        if (st)
            return st;
        if (need <= s->temp_bytes)
            break;
        if (iter == 3)
            return clconv_fail(CLCONV_OPENCL_ERROR, OP ": CLBlast temporary size does not settle");
        s->temp_bytes = need;
    }
    if (plan->workspace_bytes > (size_t)INT_MAX * sizeof(float))
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": workspace of %zu bytes is too large",
                           plan->workspace_bytes);
    return CLCONV_SUCCESS;
}

/* ---- plan ------------------------------------------------------------------ */

static void gemm_destroy(clconv_plan *plan)
{
    gemm_state *s = plan->state;
    if (!s)
        return;
    if (s->pre)
        clReleaseKernel(s->pre);
    if (s->post)
        clReleaseKernel(s->post);
    if (s->w)
        clReleaseMemObject(s->w);
    if (s->b)
        clReleaseMemObject(s->b);
    free(s);
    plan->state = NULL;
}

static clconv_status gemm_create(clconv_plan *plan)
{
    const conv_problem *p = &plan->p;
    gemm_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    plan->state = s;
    clconv_status st = CLCONV_SUCCESS;
    if (!geometry(p, &s->g)) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": column matrix size overflows");
        goto fail;
    }
    const gemm_geom *g = &s->g;
    const int need_pre = p->transposed ? g->wide : !g->one_by_one;
    const int need_post = p->transposed || g->wide || p->has_bias || p->act != CLCONV_ACTIVATION_NONE;
    if (need_pre && (st = clconv_create_kernel(plan->ctx, FILE_CL, "", "gemm_im2col", &s->pre)))
        goto fail;
    if (need_post && (st = clconv_create_kernel(plan->ctx, FILE_CL, "",
                                                p->transposed ? "gemm_col2im" : "gemm_bias_act",
                                                &s->post)))
        goto fail;
    if ((st = layout_workspace(plan, s)) || (st = warm_up(plan->ctx, g)))
        goto fail;
    plan->int_range = 1; /* CLBlast's kernels take offsets as int */
    /* Work-groups along W for im2col / col2im (the next power of two of
     * the row, at most GEMM_LWS), along all of P for the epilogue. */
    const int row_w = p->transposed ? p->in[2] : p->out[2];
    s->pre_lws[0] = s->post_lws[0] = 1;
    while (s->pre_lws[0] < GEMM_LWS && (int)s->pre_lws[0] < row_w)
        s->pre_lws[0] *= 2;
    while (s->post_lws[0] < GEMM_LWS && (!p->transposed || (int)s->post_lws[0] < p->out[2]))
        s->post_lws[0] *= 2;
    s->pre_lws[1] = s->pre_lws[2] = s->post_lws[1] = s->post_lws[2] = 1;
    for (int i = 0; i < 2; i++) {
        cl_kernel kn = i ? s->post : s->pre;
        size_t *l = i ? s->post_lws : s->pre_lws, max = 0;
        if (kn && clGetKernelWorkGroupInfo(kn, plan->ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                           sizeof max, &max, NULL) == CL_SUCCESS)
            while (max && l[0] > max)
                l[0] /= 2;
    }

    const char *routine = g->batch > 1 ? "sgemm_strided_batched" : "sgemm";
    const char *shape = p->transposed ? (g->wide ? "reorder + " : "")
                        : g->one_by_one ? "" : p->rank == 3 ? "vol2col + " : "im2col + ";
    snprintf(plan->describe, sizeof plan->describe,
             "gemm %s%sCLBlast %s M%zu N%zu K%zu x%zu%s%s", p->transposed ? "transposed: " : "",
             shape, routine, g->m, g->n, g->k, g->batch, g->wide ? " (batch side by side)" : "",
             p->transposed ? " + col2im gather" : "");
    return CLCONV_SUCCESS;
fail:
    gemm_destroy(plan);
    return st;
}

static clconv_status gemm_set_weights(clconv_plan *plan, const float *w, const float *b)
{
    gemm_state *s = plan->state;
    const conv_problem *p = &plan->p;
    const size_t nw = clconv_problem_weight_elems(p);
    const float *src = w;
    float *relaid = NULL;
    if (p->transposed) {
        /* ONNX w[C][K/G][kk] is per group [C/G][K/G * kk]; the GEMM wants
         * W^T, so store [G][K/G * kk][C/G] once rather than have CLBlast
         * transpose it on every call. */
        const size_t G = (size_t)p->G, cg = (size_t)p->C / G;
        const size_t rk = (size_t)p->K / G * spatial(p->k);
        relaid = malloc(nw * sizeof *relaid);
        if (!relaid)
            return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
        for (size_t gi = 0; gi < G; gi++)
            for (size_t c = 0; c < cg; c++)
                for (size_t r = 0; r < rk; r++)
                    relaid[(gi * rk + r) * cg + c] = w[(gi * cg + c) * rk + r];
        src = relaid;
    }
    cl_mem nwb = NULL, nbb = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, OP, CL_MEM_READ_ONLY, nw * sizeof(float),
                                            src, &nwb);
    if (!st && b)
        st = clconv_buffer_create(plan->ctx, OP, CL_MEM_READ_ONLY, (size_t)p->K * sizeof(float),
                                  b, &nbb);
    free(relaid);
    if (st) {
        if (nwb)
            clReleaseMemObject(nwb);
        return st;
    }
    if (s->w)
        clReleaseMemObject(s->w);
    if (s->b)
        clReleaseMemObject(s->b);
    s->w = nwb;
    s->b = nbb;
    return CLCONV_SUCCESS;
}

/* The GEMM as a step of the chain (see the file comment). */
static clconv_status chain_gemm(launch_chain *ch, gemm_state *s, cl_mem b, size_t bo, cl_mem c,
                                size_t co, cl_mem temp)
{
    const gemm_geom *g = &s->g;
    cl_command_queue q;
    clconv_status st = clconv_chain_fence(ch, OP, &q);
    if (st)
        return st;
    cl_event ev = NULL;
    const char *call;
    CLBlastStatusCode cs = run_gemm(g, q, s->w, 0, b, bo, c, co, temp, &ev, &call);
    st = clconv_chain_fence_done(ch, OP, q);
    if (cs != CLBlastSuccess)
        return clblast_fail(call, cs);
    if (st) {
        if (ev)
            clReleaseEvent(ev);
        return st;
    }
    char note[160];
    snprintf(note, sizeof note, "clblast_sgemm%s M%zu N%zu K%zu batch %zu",
             g->batch > 1 ? "_strided_batched" : "", g->m, g->n, g->k, g->batch);
    clconv_trace_note(note);
    if (!ev)
        return clconv_fail(CLCONV_OPENCL_ERROR, OP ": %s returned no event", call);
    clconv_chain_adopt(ch, ev);
    return CLCONV_SUCCESS;
}

/* im2col's arguments (conv), or the wide reorder's of a transposed input
 * (the same kernel as a 1x1 reorder [N][C][Pin] -> [C][N][Pin]). */
static clconv_status set_pre_args(gemm_state *s, const conv_problem *p, const conv_io *io)
{
    const gemm_geom *g = &s->g;
    const size_t Pin = spatial(p->in);
    const int t = p->transposed;
    const int one[3] = {1, 1, 1}, zero[3] = {0, 0, 0};
    const int *o = t ? p->in : p->out, *k = t ? one : p->k, *sd = t ? one : p->s;
    const int *dd = t ? one : p->d, *pb = t ? zero : p->pb;
    const kernel_arg a[] = {
        ARG_MEM(io->in),   ARG_OFF(io->in_off),  ARG_MEM(io->ws),    ARG_OFF(io->ws_off + s->b_off),
        ARG_INT(p->C),     ARG_INT(p->in[0]),    ARG_INT(p->in[1]),  ARG_INT(p->in[2]),
        ARG_INT(o[0]),     ARG_INT(o[1]),        ARG_INT(o[2]),      ARG_INT(k[0]),
        ARG_INT(k[1]),     ARG_INT(k[2]),        ARG_INT(sd[0]),     ARG_INT(sd[1]),
        ARG_INT(sd[2]),    ARG_INT(dd[0]),       ARG_INT(dd[1]),     ARG_INT(dd[2]),
        ARG_INT(pb[0]),    ARG_INT(pb[1]),       ARG_INT(pb[2]),
        ARG_INT(t ? (size_t)p->N * Pin : g->rs), ARG_INT(t ? Pin : g->ns),
    };
    return clconv_set_args(s->pre, OP, (int)(sizeof a / sizeof a[0]), a);
}

/* col2im's arguments (transposed), or the epilogue's: in place on y, or
 * the re-lay of the wide [K][N][P] result. */
static clconv_status set_post_args(gemm_state *s, const conv_problem *p, const conv_io *io)
{
    const gemm_geom *g = &s->g;
    const size_t P = spatial(p->out);
    cl_mem bias = s->b ? s->b : s->w; /* any valid buffer when has_bias is 0 */
    if (p->transposed) {
        const kernel_arg a[] = {
            ARG_MEM(io->ws),    ARG_OFF(io->ws_off + s->c_off), ARG_INT(g->rs), ARG_INT(g->ns),
            ARG_MEM(bias),      ARG_INT(p->has_bias), ARG_MEM(io->out), ARG_OFF(io->out_off),
            ARG_INT(p->K),      ARG_INT(p->in[0]),  ARG_INT(p->in[1]),  ARG_INT(p->in[2]),
            ARG_INT(p->out[0]), ARG_INT(p->out[1]), ARG_INT(p->out[2]), ARG_INT(p->k[0]),
            ARG_INT(p->k[1]),   ARG_INT(p->k[2]),   ARG_INT(p->s[0]),   ARG_INT(p->s[1]),
            ARG_INT(p->s[2]),   ARG_INT(p->d[0]),   ARG_INT(p->d[1]),   ARG_INT(p->d[2]),
            ARG_INT(p->pb[0]),  ARG_INT(p->pb[1]),  ARG_INT(p->pb[2]),  ARG_INT(p->act),
            ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta),
        };
        return clconv_set_args(s->post, OP, (int)(sizeof a / sizeof a[0]), a);
    }
    const kernel_arg a[] = {
        ARG_MEM(g->wide ? io->ws : io->out),
        ARG_OFF(g->wide ? io->ws_off + s->c_off : io->out_off),
        ARG_INT(g->wide ? (size_t)p->N * P : P), ARG_INT(g->wide ? P : (size_t)p->K * P),
        ARG_MEM(bias),      ARG_INT(p->has_bias), ARG_MEM(io->out),  ARG_OFF(io->out_off),
        ARG_INT(p->K),      ARG_INT(P),         ARG_INT(p->act),     ARG_FLOAT(p->alpha),
        ARG_FLOAT(p->beta),
    };
    return clconv_set_args(s->post, OP, (int)(sizeof a / sizeof a[0]), a);
}

static clconv_status gemm_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                  const cl_event *wait, cl_event *event)
{
    gemm_state *s = plan->state;
    const conv_problem *p = &plan->p;
    const gemm_geom *g = &s->g;
    const size_t P = spatial(p->out);
    clconv_status st = CLCONV_SUCCESS;
    if ((s->pre && (st = set_pre_args(s, p, io))) || (s->post && (st = set_post_args(s, p, io))))
        return st;

    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    if (s->pre) {
        const int *o = p->transposed ? p->in : p->out;
        const size_t rows = (size_t)p->C * (p->transposed ? 1 : g->kk);
        const size_t gws[3] = {(size_t)o[2], (size_t)o[0] * (size_t)o[1], rows * (size_t)p->N};
        st = clconv_chain_kernel(&ch, OP, s->pre, 3, gws, s->pre_lws);
    }
    /* B: the input itself, or the column matrix / reordered input. */
    const int b_in_ws = p->transposed ? g->wide : !g->one_by_one;
    const int c_in_ws = g->c_elems > 0;
    /* The temp region (see the file comment): only where CLBlast's offset
     * 0 is the workspace's start and its size still holds. */
    const int temp_ok = g->batch == 1 && s->temp_bytes && io->ws_off == 0 &&
                        (b_in_ws || io->in_off == 0) && (c_in_ws || io->out_off == 0);
    if (!st)
        st = chain_gemm(&ch, s, b_in_ws ? io->ws : io->in,
                        b_in_ws ? io->ws_off + s->b_off : io->in_off, c_in_ws ? io->ws : io->out,
                        c_in_ws ? io->ws_off + s->c_off : io->out_off, temp_ok ? io->ws : NULL);
    if (!st && s->post && p->transposed) {
        const size_t gws[3] = {(size_t)p->out[2], (size_t)p->out[0] * (size_t)p->out[1],
                               (size_t)p->K * (size_t)p->N};
        st = clconv_chain_kernel(&ch, OP, s->post, 3, gws, s->post_lws);
    } else if (!st && s->post) {
        const size_t gws[3] = {P, (size_t)p->K, (size_t)p->N};
        st = clconv_chain_kernel(&ch, OP, s->post, 3, gws, s->post_lws);
    }
    return clconv_chain_end(&ch, st, event);
}

const clconv_algo clconv_algo_gemm = {
    CLCONV_ALGO_GEMM, "gemm", gemm_applicable, gemm_create, gemm_set_weights, gemm_enqueue,
    gemm_destroy,
    NULL, /* CLBlast's own parameters are not tuned yet */
    1e-5,
};
