#include "algo_check.h"
#include "conv_tester.h"

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
    conv_tester t = {.desc = desc, .algo = algo, .seed = seed, .label = label, .params = params};
    const int r = conv_tester_run(ctx, &t);
    if (err && t.err >= 0)
        *err = t.err;
    return (check_result)r;
}
