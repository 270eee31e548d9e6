#include "algo_check.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double algo_tolerance(clconv_algorithm algo)
{
    /* Relative L2 against float64, inputs and weights uniform in [-1, 1].
     * Never loosen these to pass a test.  The right-hand column is the
     * worst error the test suite measured (PoCL, 2026-11-22). */
    switch (algo) {
    case CLCONV_ALGO_AUTO: return 1e-4;          /* (unused: AUTO is judged by what it ran) */
    case CLCONV_ALGO_DIRECT: return 1e-5;        /* 5.2e-7 (sweep_direct, 500 cases)     */
    case CLCONV_ALGO_GEMM: return 1e-5;          /* 4.6e-7 (algo_gemm, 109 cases)        */
    case CLCONV_ALGO_WINOGRAD_F2X2: return 2e-5; /* 1.3e-6 (algo_winograd_f2x2)          */
    case CLCONV_ALGO_WINOGRAD_F4X4: return 1e-4; /* 3.3e-6 plain C=256; 9.9e-6 C=70 with
                                                    a narrow clip (algo_winograd_f4x4)  */
    case CLCONV_ALGO_DEPTHWISE: return 1e-5;     /* 1.0e-6 (algo_depthwise)              */
    case CLCONV_ALGO_DILATED_S2B: return 1e-5;   /* 1.0e-6 (algo_dilated_s2b, inner F4x4 incl.) */
    case CLCONV_ALGO_DECONV_D2S: return 1e-5;    /* 1.0e-6 (algo_deconv_d2s)             */
    case CLCONV_ALGO_IGEMM: return 1e-5;         /* (algo_igemm)                          */
    case CLCONV_ALGO_COUNT: break;
    }
    return 0.0;
}

check_result check_conv(clconv_context *ctx, const clconv_conv_desc *desc, clconv_algorithm algo,
                        uint64_t seed, const char *label, double *err)
{
    return check_conv_params(ctx, desc, algo, NULL, seed, label, err);
}

check_result check_conv_params(clconv_context *ctx, const clconv_conv_desc *desc,
                               clconv_algorithm algo, const char *params, uint64_t seed,
                               const char *label, double *err)
{
    char cs[512];
    desc_string(desc, cs, sizeof cs);
    const char *an = clconv_algorithm_name(algo);
    size_t nx = clconv_conv_input_elems(desc), nw = clconv_conv_weight_elems(desc);
    size_t ny = clconv_conv_output_elems(desc);
    size_t nb = desc->has_bias ? (size_t)desc->out_channels : 0;
    if (!nx || !nw || !ny) {
        printf("FAIL %s algo=%s case=\"%s\" seed=%llu: invalid descriptor: %s\n", label, an, cs,
               (unsigned long long)seed, clconv_last_error());
        return CHECK_FAIL;
    }
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    float *b = nb ? malloc(nb * sizeof *b) : NULL, *y = malloc(ny * sizeof *y);
    double *ref = malloc(ny * sizeof *ref);
    check_result res = CHECK_FAIL;
    cl_mem bx = NULL, bw = NULL, bb = NULL, by = NULL;
    clconv_plan *plan = NULL;
    if (!x || !w || (nb && !b) || !y || !ref) {
        printf("FAIL %s: out of host memory\n", label);
        goto done;
    }
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, x, nx, -1.0f, 1.0f);
    rng_fill(&r, w, nw, -1.0f, 1.0f);
    if (nb)
        rng_fill(&r, b, nb, -1.0f, 1.0f);
    poison_nan(y, ny);

    clconv_status st = params ? clconv_plan_create_with_params(ctx, desc, algo, params, &plan)
                              : clconv_plan_create(ctx, desc, algo, &plan);
    if (st == CLCONV_UNSUPPORTED && algo != CLCONV_ALGO_AUTO) {
        res = CHECK_UNSUPPORTED;
        goto done;
    }
    if (st) {
        printf("FAIL %s algo=%s case=\"%s\" seed=%llu: plan_create: %s: %s\n", label, an, cs,
               (unsigned long long)seed, clconv_status_string(st), clconv_last_error());
        goto done;
    }
    clconv_algorithm ran = clconv_plan_algorithm(plan);
    if (algo != CLCONV_ALGO_AUTO && ran != algo) {
        printf("FAIL %s algo=%s case=\"%s\": plan reports algorithm %s\n", label, an, cs,
               clconv_algorithm_name(ran));
        goto done;
    }
    if (ran == CLCONV_ALGO_AUTO || !clconv_algorithm_name(ran)) {
        printf("FAIL %s algo=%s case=\"%s\": plan reports no concrete algorithm\n", label, an, cs);
        goto done;
    }
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int e1, e2, e3 = CL_SUCCESS, e4;
    bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * 4, x, &e1);
    bw = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nw * 4, w, &e2);
    if (nb)
        bb = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nb * 4, b, &e3);
    by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * 4, y, &e4);
    if (e1 || e2 || e3 || e4) {
        printf("FAIL %s: clCreateBuffer failed\n", label);
        goto done;
    }
    cl_event done = NULL;
    if ((st = clconv_plan_set_weights(plan, bw, bb)) ||
        (st = clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, &done))) {
        printf("FAIL %s algo=%s case=\"%s\" seed=%llu: %s: %s\n", label, an, cs,
               (unsigned long long)seed, clconv_status_string(st), clconv_last_error());
        goto done;
    }
    /* Wait for the plan's event: the context's queue may be out of order. */
    cl_int rerr = clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * 4, y, 1, &done, NULL);
    clReleaseEvent(done);
    if (rerr != CL_SUCCESS) {
        printf("FAIL %s: read back failed\n", label);
        goto done;
    }
    if ((st = clconv_reference_conv(desc, x, w, b, ref))) {
        printf("FAIL %s: reference: %s\n", label, clconv_last_error());
        goto done;
    }
    double e = rel_l2(y, ref, ny);
    if (err)
        *err = e;
    double tol = algo_tolerance(ran); /* AUTO is held to what it ran */
    if (!(e <= tol)) {
        long bad = first_nonfinite(y, ny);
        printf("FAIL %s algo=%s ran=%s case=\"%s\" seed=%llu err=%.3g tol=%.1g%s%s%s\n", label,
               an, clconv_algorithm_name(ran), cs, (unsigned long long)seed, e, tol,
               bad >= 0 ? " (unwritten or non-finite output)" : "", params ? " params=" : "",
               params ? params : "");
        if (bad >= 0)
            printf("  first non-finite output at %ld of %zu\n", bad, ny);
        goto done;
    }
    res = CHECK_PASS;
done:
    clconv_plan_destroy(plan);
    if (bx) clReleaseMemObject(bx);
    if (bw) clReleaseMemObject(bw);
    if (bb) clReleaseMemObject(bb);
    if (by) clReleaseMemObject(by);
    free(x); free(w); free(b); free(y); free(ref);
    return res;
}
