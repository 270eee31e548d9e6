/* Device choice, queue interop and the context object.  The context owns
 * what it created and retains what the caller handed over, and releases
 * exactly that. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void clconv_context_options_init(clconv_context_options *o)
{
    if (o)
        memset(o, 0, sizeof *o);
}

void clconv_log(const clconv_context *ctx, const char *fmt, ...)
{
    if (!ctx || !ctx->log)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_user, buf);
}

int clconv_contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static clconv_status choose_device(const char *spec, cl_platform_id *out_p, cl_device_id *out_d)
{
    const char *op = "clconv_context_create";
    clconv_device_list list;
    clconv_status st = clconv_device_list_get(op, &list);
    size_t i = 0;
    if (!st && !(st = clconv_device_list_pick(op, &list, spec, &i))) {
        *out_p = list.entries[i].platform;
        *out_d = list.entries[i].device;
    }
    clconv_device_list_free(&list);
    return st;
}

/* One string query of the device or platform (the other NULL) into buf,
 * cut to its size if longer; a failed query fails context creation with
 * the query named, rather than leaving "" in the program-cache key. */
static clconv_status query_string(const char *op, cl_platform_id plat, cl_device_id dev,
                                  cl_uint param, const char *name, char *buf, size_t n)
{
    size_t len = 0;
    cl_int err = dev ? clGetDeviceInfo(dev, param, 0, NULL, &len)
                     : clGetPlatformInfo(plat, param, 0, NULL, &len);
    char *tmp = NULL;
    if (err == CL_SUCCESS && len > n && !(tmp = malloc(len)))
        err = CL_OUT_OF_HOST_MEMORY;
    char *dst = tmp ? tmp : buf;
    const size_t size = tmp ? len : n;
    if (err == CL_SUCCESS)
        err = dev ? clGetDeviceInfo(dev, param, size, dst, NULL)
                  : clGetPlatformInfo(plat, param, size, dst, NULL);
    if (err == CL_SUCCESS && tmp)
        snprintf(buf, n, "%.*s", (int)(len - 1 < n - 1 ? len - 1 : n - 1), tmp);
    free(tmp);
    if (err != CL_SUCCESS) {
        buf[0] = '\0';
        char call[96];
        snprintf(call, sizeof call, "%s(%s)", dev ? "clGetDeviceInfo" : "clGetPlatformInfo", name);
        return clconv_cl_fail(op, call, err);
    }
    buf[n - 1] = '\0';
    return CLCONV_SUCCESS;
}

static clconv_status describe_device(clconv_context *ctx, const char *op)
{
    char pname[256] = "", pver[256] = "", dname[256] = "", dver[256] = "", drv[256] = "";
    char vendor[256] = "";
    const cl_platform_id p = ctx->platform;
    const cl_device_id d = ctx->device;
    clconv_status st;
#define Q(plat, dev, param, buf) query_string(op, plat, dev, param, #param, buf, sizeof buf)
    if ((st = Q(p, NULL, CL_PLATFORM_NAME, pname)) ||
        (st = Q(p, NULL, CL_PLATFORM_VERSION, pver)) || (st = Q(NULL, d, CL_DEVICE_NAME, dname)) ||
        (st = Q(NULL, d, CL_DEVICE_VERSION, dver)) || (st = Q(NULL, d, CL_DRIVER_VERSION, drv)) ||
        (st = Q(NULL, d, CL_DEVICE_VENDOR, vendor)))
        return st;
#undef Q
    snprintf(ctx->device_name, sizeof ctx->device_name, "%s / %s", pname, dname);
    snprintf(ctx->cache_key_device, sizeof ctx->cache_key_device,
             "platform=%s|%s device=%s|%s|%s driver=%s clconv=%s", pname, pver, dname, vendor,
             dver, drv, CLCONV_VERSION_STRING);
    cl_uint align_bits = 0;
    cl_int err = clGetDeviceInfo(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits,
                                 NULL);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clGetDeviceInfo(CL_DEVICE_MEM_BASE_ADDR_ALIGN)", err);
    ctx->subbuf_align = align_bits >= 8 ? align_bits / 8 : 128;
    return CLCONV_SUCCESS;
}

/* The device's parameters, from options->params, else CLCONV_PARAMS. */
static clconv_status setup_params(clconv_context *ctx, const clconv_context_options *o,
                                  const char *op)
{
    const char *params = o ? o->params : NULL;
    char origin[96];
    snprintf(origin, sizeof origin, "%s: %s", op, params ? "options.params" : "CLCONV_PARAMS");
    if (!params)
        params = getenv("CLCONV_PARAMS");
    return clconv_device_params_init(ctx->device, params, origin, &ctx->params);
}

static void setup_cache(clconv_context *ctx, const clconv_context_options *o)
{
    const char *env = getenv("CLCONV_CACHE");
    ctx->disk_cache = !(o && o->disable_disk_cache) && !(env && strcmp(env, "0") == 0);
    const char *dir = o ? o->cache_dir : NULL;
    const char *home;
    int n = 0;
    if (dir && *dir)
        n = snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", dir);
    else if ((dir = getenv("CLCONV_CACHE_DIR")) && *dir)
        n = snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", dir);
    else if ((dir = getenv("XDG_CACHE_HOME")) && *dir)
        n = snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/clconv", dir);
    else if ((home = getenv("HOME")) && *home)
        n = snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/.cache/clconv", home);
    else
        ctx->disk_cache = 0;
    /* A longer path would be cut to another directory: no disk cache. */
    if (n < 0 || (size_t)n >= sizeof ctx->cache_dir) {
        clconv_log(ctx, "clconv: cache directory path longer than %zu bytes; disk cache off",
                   sizeof ctx->cache_dir - 1);
        ctx->cache_dir[0] = '\0';
        ctx->disk_cache = 0;
    }
}

static clconv_context *context_alloc(const clconv_context_options *o)
{
    clconv_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return NULL;
    }
    if (o) {
        ctx->log = o->log;
        ctx->log_user = o->log_user;
        ctx->no_system_tuning = o->disable_system_tuning;
        ctx->trust_shared_cache = o->trust_shared_cache;
    }
    const char *sys = getenv("CLCONV_SYSTEM_TUNING");
    if (sys && strcmp(sys, "0") == 0)
        ctx->no_system_tuning = 1;
    setup_cache(ctx, o);
    return ctx;
}

clconv_status clconv_context_create(const clconv_context_options *options, clconv_context **out)
{
    const char *op = "clconv_context_create";
    clconv_clear_error();
    if (!out)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    *out = NULL;
    const char *spec = options && options->device ? options->device : getenv("CLCONV_DEVICE");
    cl_platform_id plat;
    cl_device_id dev;
    clconv_status st = choose_device(spec, &plat, &dev);
    if (st)
        return st;
    clconv_context *ctx = context_alloc(options);
    if (!ctx)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    ctx->platform = plat;
    ctx->device = dev;
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)plat, 0};
    ctx->cl_ctx = clCreateContext(props, 1, &dev, NULL, NULL, &err);
    if (!ctx->cl_ctx) {
        st = clconv_cl_fail(op, "clCreateContext", err);
        goto fail;
    }
    ctx->profiling = options && options->enable_profiling;
    ctx->queue = clCreateCommandQueue(ctx->cl_ctx, dev,
                                      ctx->profiling ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
    if (!ctx->queue) {
        st = clconv_cl_fail(op, "clCreateCommandQueue", err);
        goto fail;
    }
    if ((st = describe_device(ctx, op)) || (st = setup_params(ctx, options, op)))
        goto fail;
    clconv_tuning_db_setup(ctx, options);
    clconv_log(ctx, "clconv: device %s (%s parameters)", ctx->device_name,
               clconv_device_class_name(ctx->params.cls));
    *out = ctx;
    return CLCONV_SUCCESS;
fail:
    clconv_context_destroy(ctx);
    return st;
}

clconv_status clconv_context_create_from_queue(cl_command_queue queue,
                                               const clconv_context_options *options,
                                               clconv_context **out)
{
    const char *op = "clconv_context_create_from_queue";
    clconv_clear_error();
    if (!out)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    *out = NULL;
    if (!queue)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: queue is NULL", op);
    cl_context c;
    cl_device_id dev;
    cl_command_queue_properties qp = 0;
    cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof c, &c, NULL);
    if (!err)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
    if (!err)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof qp, &qp, NULL);
    if (err)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: queue: not a valid command queue (%s)",
                           op, clconv_cl_error_name(err));
    cl_platform_id plat;
    err = clGetDeviceInfo(dev, CL_DEVICE_PLATFORM, sizeof plat, &plat, NULL);
    if (err)
        return clconv_cl_fail(op, "clGetDeviceInfo(CL_DEVICE_PLATFORM)", err);
    clconv_context *ctx = context_alloc(options);
    if (!ctx)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    /* Retain both: destroy releases exactly these two references. */
    if ((err = clRetainContext(c)) != CL_SUCCESS) {
        clconv_context_destroy(ctx);
        return clconv_cl_fail(op, "clRetainContext", err);
    }
    ctx->cl_ctx = c;
    if ((err = clRetainCommandQueue(queue)) != CL_SUCCESS) {
        clconv_context_destroy(ctx);
        return clconv_cl_fail(op, "clRetainCommandQueue", err);
    }
    ctx->queue = queue;
    ctx->platform = plat;
    ctx->device = dev;
    ctx->profiling = (qp & CL_QUEUE_PROFILING_ENABLE) != 0;
    ctx->out_of_order = (qp & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) != 0;
    clconv_status st = describe_device(ctx, op);
    if (!st)
        st = setup_params(ctx, options, op);
    if (st) {
        clconv_context_destroy(ctx);
        return st;
    }
    clconv_tuning_db_setup(ctx, options);
    *out = ctx;
    return CLCONV_SUCCESS;
}

void clconv_context_destroy(clconv_context *ctx)
{
    if (!ctx)
        return;
    clconv_program_cache_release(ctx);
    clconv_gemm_context_release(ctx); /* before the cl_context goes */
    clconv_tuning_release(ctx);
    if (ctx->side_queue)
        clReleaseCommandQueue(ctx->side_queue);
    if (ctx->queue) /* releasing flushes; queued work still completes */
        clReleaseCommandQueue(ctx->queue);
    if (ctx->cl_ctx)
        clReleaseContext(ctx->cl_ctx);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

cl_context clconv_context_cl_context(const clconv_context *ctx) { return ctx ? ctx->cl_ctx : NULL; }
cl_command_queue clconv_context_queue(const clconv_context *ctx) { return ctx ? ctx->queue : NULL; }
cl_device_id clconv_context_device(const clconv_context *ctx) { return ctx ? ctx->device : NULL; }
const char *clconv_context_device_name(const clconv_context *ctx)
{
    return ctx ? ctx->device_name : "";
}
