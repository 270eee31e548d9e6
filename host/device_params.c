/* Per-device tile sizes and work-group shapes: the one place where device
 * classes and vendors are told apart.  On PoCL (CPU) explicit vectors along
 * W and register blocking over output channels are what make kernels fast;
 * on GPUs narrower per-work-item blocks and real work-groups are better. */
#include "internal.h"

#include <string.h>

void clconv_device_params_init(cl_device_id dev, clconv_device_params *p)
{
    cl_device_type type = CL_DEVICE_TYPE_DEFAULT;
    char vendor[256] = "";
    clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor, NULL);
    memset(p, 0, sizeof *p);
    if (type & CL_DEVICE_TYPE_CPU) {
        p->cls = CLCONV_DEV_CPU;
        p->direct_oc_block = 8;
        p->direct_w_block = 8;
        p->wino_k_block = 8;
        p->wino_t_block = 4;
        p->lws_1d = 0;
    } else if (type & CL_DEVICE_TYPE_GPU) {
        p->cls = CLCONV_DEV_GPU;
        p->direct_oc_block = 8;
        p->direct_w_block = 4;
        p->direct_lws[0] = 16;
        p->direct_lws[1] = 4;
        p->direct_lws[2] = 1;
        p->wino_k_block = 4;
        p->wino_t_block = 2;
        p->lws_1d = 128;
    } else {
        p->cls = CLCONV_DEV_OTHER;
        p->direct_oc_block = 4;
        p->direct_w_block = 4;
        p->wino_k_block = 4;
        p->wino_t_block = 2;
    }
}
