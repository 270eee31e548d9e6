/* Per-device tile sizes and work-group shapes: the one place where device
 * classes and vendors are told apart.  On PoCL (CPU) explicit vectors along
 * W and register blocking over output channels are what make kernels fast;
 * on GPUs narrower per-work-item blocks and real work-groups are better. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void apply_overrides(clconv_device_params *p);

void clconv_device_params_init(cl_device_id dev, clconv_device_params *p)
{
    cl_device_type type = CL_DEVICE_TYPE_DEFAULT;
    char vendor[256] = "";
    clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor, NULL);
    memset(p, 0, sizeof *p);
    if (type & CL_DEVICE_TYPE_CPU) {
        p->cls = CLCONV_DEV_CPU;
        /* 16 channels x float16 along W: 16 zmm accumulators on AVX-512;
         * measured 2-3x faster than 8x8 on the CI machine's PoCL. */
        p->direct_oc_block = 16;
        p->direct_w_block = 16;
        /* 16 output channels x 8 tiles per work-item: about 2x faster than
         * 8x4 for Winograd's GEMM stage on the CI machine's PoCL. */
        p->wino_k_block = 16;
        p->wino_t_block = 8;
        /* float16 runs, 8 rows sharing input rows: MobileNet-v2's layers
         * 5-11x faster than direct; 64 channels per work-group measured
         * as fast as PoCL's own choice, without a compile per shape. */
        p->dw_vec = 16;
        p->dw_rows = 8;
        p->dw_lws[0] = p->dw_lws[1] = 1;
        p->dw_lws[2] = 64;
        p->lws_1d = 16;
    } else if (type & CL_DEVICE_TYPE_GPU) {
        p->cls = CLCONV_DEV_GPU;
        p->direct_oc_block = 8;
        p->direct_w_block = 4;
        p->direct_lws[0] = 16;
        p->direct_lws[1] = 4;
        p->direct_lws[2] = 1;
        p->wino_k_block = 4;
        p->wino_t_block = 2;
        p->dw_vec = 1; /* one pixel per work-item: the GPU shape */
        p->dw_rows = 1;
        p->lws_1d = 128;
    } else {
        p->cls = CLCONV_DEV_OTHER;
        p->direct_oc_block = 4;
        p->direct_w_block = 4;
        p->wino_k_block = 4;
        p->wino_t_block = 2;
        p->dw_vec = 1;
        p->dw_rows = 1;
    }
    apply_overrides(p);
}

/* CLCONV_PARAMS="direct_oc_block=16,direct_w_block=8,..." overrides the
 * defaults, for tuning on a new device without rebuilding. Unknown names
 * and out-of-range values are ignored. */
static void apply_overrides(clconv_device_params *p)
{
    const char *env = getenv("CLCONV_PARAMS");
    if (!env)
        return;
    struct { const char *name; int *v; int lo, hi, pow2; } knobs[] = {
        {"direct_oc_block", &p->direct_oc_block, 1, 32, 0},
        {"direct_w_block", &p->direct_w_block, 1, 16, 1},
        {"wino_k_block", &p->wino_k_block, 1, 32, 0},
        {"wino_t_block", &p->wino_t_block, 1, 32, 0},
        {"dw_vec", &p->dw_vec, 1, 16, 1},
        {"dw_rows", &p->dw_rows, 1, 8, 0},
    };
    const char *s = env;
    while (*s) {
        const char *eq = strchr(s, '='), *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        if (eq && eq < end) {
            int v = atoi(eq + 1);
            for (size_t i = 0; i < sizeof knobs / sizeof *knobs; i++)
                if (strlen(knobs[i].name) == (size_t)(eq - s) && !strncmp(s, knobs[i].name, (size_t)(eq - s)) &&
                    v >= knobs[i].lo && v <= knobs[i].hi && (!knobs[i].pow2 || (v & (v - 1)) == 0))
                    *knobs[i].v = v;
        }
        s = *end ? end + 1 : end;
    }
}
