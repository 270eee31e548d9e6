/*
 * Internal interfaces shared by the host files.  Data flows one way:
 * context (device, programs) -> desc (validation, the resolved problem) ->
 * plan (algorithm table) -> algo_*.c (one algorithm each).
 */
#ifndef CLCONV_INTERNAL_H
#define CLCONV_INTERNAL_H

#include "clconv.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors (error.c) ---------------------------------------------------- */

/* Sets the thread's message and returns status, so failures read
 * `return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: groups = %d: ...", op, g);` */
clconv_status clconv_fail(clconv_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void clconv_clear_error(void);
const char *clconv_cl_error_name(cl_int err);
/* For a failed OpenCL call: CLCONV_OPENCL_ERROR (or OUT_OF_MEMORY) and a
 * message "op: call failed: CL_NAME (code)". */
clconv_status clconv_cl_fail(const char *op, const char *call, cl_int err);

/* Checked size arithmetic: 0 on overflow (and *out untouched). */
int clconv_mul_size(size_t a, size_t b, size_t *out);

/* ---- the resolved problem (desc.c) --------------------------------------- */

/* A validated descriptor with every ONNX rule applied: pads explicit,
 * output size known, spatial axes normalised to 3 as [D][H][W] (a rank-2
 * problem has D = 1, a rank-1 one D = H = 1; unused axes have size 1,
 * stride 1, dilation 1, pads 0).  Every algorithm works on this. */
typedef struct conv_problem {
    int rank;
    int N, C, K, G;   /* batch, input channels, output channels, groups */
    int in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
    int transposed;
    int has_bias;
    clconv_activation act;
    float alpha, beta;
} conv_problem;

/* Validates desc for operation `op` (used in messages) and fills p. */
clconv_status clconv_problem_from_desc(const clconv_conv_desc *desc, const char *op,
                                       conv_problem *p);
/* The reference on a resolved problem (reference.c); bias NULL iff !has_bias. */
void clconv_reference_problem(const conv_problem *p, const float *input, const float *weights,
                              const float *bias, double *output);
/* "N1 C7 13x17 K70 k3x3 s1,1 p1,1,1,1 d1,1 g1" for messages and reports. */
void clconv_problem_string(const conv_problem *p, char *buf, size_t n);
size_t clconv_problem_input_elems(const conv_problem *p);
size_t clconv_problem_weight_elems(const conv_problem *p);
size_t clconv_problem_output_elems(const conv_problem *p);

/* space_depth_desc.c: validation with the caller's operation name. */
clconv_status clconv_space_depth_check(const clconv_space_depth_desc *desc, const char *op,
                                       int out_shape[4]);

/* transpose_forward.c: a stride-1 ConvTranspose as the equivalent forward
 * convolution (0 if some stride is not 1; a forward p is copied as is),
 * and its weights re-laid into wf (clconv_problem_weight_elems floats). */
int clconv_transposed_as_forward(const conv_problem *p, conv_problem *f);
void clconv_transposed_weights_as_forward(const conv_problem *p, const float *w, float *wf);

/* ---- device parameters (device_params.c) --------------------------------- */

typedef enum { CLCONV_DEV_CPU, CLCONV_DEV_GPU, CLCONV_DEV_OTHER } clconv_device_class;

/* Tile sizes and work-group shapes per device class and vendor; the one
 * place where device quirks are decided. */
typedef struct clconv_device_params {
    clconv_device_class cls;
    int class_forced; /* `class=` named another class than the device reports:
                       * the system tuning database (measured with the
                       * device's own class) does not apply */
    /* direct convolution: output channels and output x positions per
     * work-item (the latter is also the vector width: 1, 2, 4, 8 or 16) */
    int direct_oc_block, direct_w_block, direct_w_vecs, direct_pw_w_vecs, direct_flat_rows;
    size_t direct_lws[3]; /* 0 = let the driver choose */
    /* winograd: output channels per work-item in the batched GEMM stage */
    int wino_k_block, wino_t_block;
    /* depthwise: vector width along W and output rows per work-item of the
     * compiled-in KxK kernel (rows halve for stride 2 and for K > 3) */
    int dw_vec, dw_rows;
    size_t dw_lws[3]; /* 0 = driver */
    /* generic work-group size for 1D elementwise / layout kernels (0 = driver) */
    size_t lws_1d;
    /* the composites' layout kernels (space_to_batch, batch_to_space,
     * depth_to_space scatter): work-group size along their channel axis,
     * 1 along the others (0 = driver) */
    size_t layout_lws_z;
    /* Winograd's three kernels: work-group size along their first axis, 1
     * along the others (0 = driver) */
    size_t wino_lws;
    /* igemm (CLBlast-style -D parameters, see igemm.cl): work-group tile
     * MWG x NWG of the output, KWG deep; MDIMC x NDIMC work-items (the
     * work-group); VWN the vector width along N of the register tile;
     * SA / SB 1 to stage the A (weights) / B (gathered input) tiles in
     * local memory */
    int igemm_mwg, igemm_nwg, igemm_kwg, igemm_mdimc, igemm_ndimc, igemm_vwn, igemm_sa, igemm_sb;
} clconv_device_params;

/* The parameters for dev: its row of the defaults table, then `params`
 * ("name=value,...", may be NULL); a bad item fails with a message that
 * starts with origin. */
clconv_status clconv_device_params_init(cl_device_id dev, const char *params, const char *origin,
                                        clconv_device_params *p);
const char *clconv_device_class_name(clconv_device_class cls);

/* ---- context (context.c) and programs (program_cache.c) ------------------ */

typedef struct program_entry program_entry;
typedef struct tuning_entry tuning_entry;

struct clconv_context {
    cl_platform_id platform;
    cl_device_id device;
    cl_context cl_ctx;
    cl_command_queue queue;
    int profiling;
    char device_name[640];
    size_t subbuf_align; /* CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes */
    char cache_key_device[2048]; /* platform, device, driver, version */
    clconv_device_params params;
    /* programs, keyed by (file, options); guarded by lock */
    pthread_mutex_t lock;
    program_entry *programs;
    int disk_cache;
    char cache_dir[1024];
    void (*log)(void *, const char *);
    void *log_user;
    int clblast_used; /* CLBlast built programs for this context (algo_gemm.c) */
    /* the user tuning database (tuning_db.c): path, and its entries once
     * loaded; guarded by lock */
    char tuning_db[1200];
    int tuning_loaded, n_tuning, no_system_tuning;
    int trust_shared_cache; /* options.trust_shared_cache: skip owner/mode checks */
    atomic_int refusal_logged; /* a refused cache or database file was logged */
    int out_of_order;             /* queue has CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE */
    cl_command_queue side_queue;  /* in-order, for steps without wait lists (launch.c) */
    tuning_entry *tuning;
};

/* Whether needle (non-empty) occurs in hay, ignoring ASCII case (context.c). */
int clconv_contains_nocase(const char *hay, const char *needle);

/* ---- devices (devices.c) ---------------------------------------------------- */

/* Every device, numbered "P:D" (malloc'ed; count 0 when there is no
 * platform). */
typedef struct clconv_device_list {
    clconv_device_info *entries;
    size_t count;
} clconv_device_list;
clconv_status clconv_device_list_get(const char *op, clconv_device_list *list);
void clconv_device_list_free(clconv_device_list *list);
/* The device spec names ("P:D" or a name substring; NULL or "": the first
 * GPU, else the first device); DEVICE_NOT_FOUND with a message if none. */
clconv_status clconv_device_list_pick(const char *op, const clconv_device_list *list,
                                      const char *spec, size_t *index);
/* ---- files nobody else could have written (secure_file.c) --------------- */

/* The directory opened and checked on its descriptor (owner: the effective
 * user or root; not group/other-writable, unless trust_shared); -1 and a
 * reason in why otherwise. */
int clconv_secure_dir_open(const char *dir, int trust_shared, char *why, size_t n);
/* The same, making missing directories (0700) on the way when create. */
int clconv_secure_dir_open_ex(const char *dir, int trust_shared, int create, char *why, size_t n);
/* An entry of that directory opened with O_NOFOLLOW and checked on its
 * descriptor (a regular file, and the owner rules); -1 with why ("" if it
 * simply does not exist). */
int clconv_secure_open_at(int dir_fd, const char *dir, const char *name, int trust_shared,
                          char *why, size_t n);
/* path's directory ("." or "/" when it has none) into dir; returns its
 * last component. */
const char *clconv_split_path(const char *path, char *dir, size_t n);
/* Both for one path; NULL with why ("" if the file or directory is just
 * missing). */
FILE *clconv_secure_fopen_read(const char *path, int trust_shared, char *why, size_t n);
/* mkdir -p with mode 0700 for what it creates; failures show up later. */
void clconv_mkdirs_private(const char *path);
/* Logs a refusal of on-disk state once per context (the first reason). */
void clconv_log_refusal(clconv_context *ctx, const char *why);

/* ---- tuning database (tuning_db.c) --------------------------------------- */

/* The database key of a resolved problem (no spaces or tabs). */
void clconv_problem_key(const conv_problem *p, char *buf, size_t n);
/* Sets ctx->tuning_db from the options / environment / cache directory. */
void clconv_tuning_db_setup(clconv_context *ctx, const clconv_context_options *o);
/* The recorded parameters of (p, algo), or for AUTO the fastest recorded
 * algorithm of p and its parameters; 1 if found. */
int clconv_tuning_lookup(clconv_context *ctx, const conv_problem *p, clconv_algorithm algo,
                         clconv_algorithm *found, char *params, size_t n);
/* On a miss: the entry of the nearest recorded problem of p's family
 * (same kind, kernel, strides, dilations, grouping) within max_distance
 * (log2 units over batch, channels per group and output size), for algo
 * or (AUTO) the fastest algorithm recorded for that problem; 1 if found,
 * with that problem's key. */
int clconv_tuning_nearest(clconv_context *ctx, const conv_problem *p, clconv_algorithm algo,
                          double max_distance, clconv_algorithm *found, char *params, size_t n,
                          char *key, size_t nkey);
/* Records (p, algo) -> params, ms in the database file and the context. */
clconv_status clconv_tuning_store(clconv_context *ctx, const conv_problem *p,
                                  clconv_algorithm algo, const char *params, double ms);
void clconv_tuning_release(clconv_context *ctx);

/* Applies "name=value,..." knobs (not `class`) on top of p. */
clconv_status clconv_device_params_apply(const char *params, const char *origin,
                                         clconv_device_params *p);

/* At context destroy: lets go of CLBlast's programs for a context that
 * used it (see algo_gemm.c). */
void clconv_gemm_context_release(clconv_context *ctx);

void clconv_log(const clconv_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The built program for kernels/<file> with these -D options (the common
 * prelude kernels/common.cl is prepended).  Cached in the context and on
 * disk; *program is retained for the caller, who releases it (another
 * thread may replace the cached one meanwhile). */
clconv_status clconv_get_program(clconv_context *ctx, const char *file, const char *options,
                                 cl_program *program);
/* A new kernel (caller releases it) from clconv_get_program. */
clconv_status clconv_create_kernel(clconv_context *ctx, const char *file, const char *options,
                                   const char *name, cl_kernel *kernel);
void clconv_program_cache_release(clconv_context *ctx);

/* Embedded sources (generated kernel_sources.c). */
#include "kernel_sources.h"

/* ---- enqueue helpers (launch.c) ------------------------------------------ */

typedef struct kernel_arg {
    size_t size;
    int local; /* 1: __local memory of `size` bytes, no value */
    union { cl_mem mem; cl_int i; cl_float f; cl_uint u; cl_ulong ul; } v;
} kernel_arg;
#define ARG_MEM(m) ((kernel_arg){sizeof(cl_mem), 0, {.mem = (m)}})
/* An element offset into a buffer: always a ulong kernel argument, whatever
 * the host's or the device's size_t (OpenCL C forbids size_t arguments);
 * kernels apply it once to their base pointer (see kernels/common.cl). */
#define ARG_OFF(x) ((kernel_arg){sizeof(cl_ulong), 0, {.ul = (cl_ulong)(x)}})
#define ARG_INT(x) ((kernel_arg){sizeof(cl_int), 0, {.i = (cl_int)(x)}})
#define ARG_FLOAT(x) ((kernel_arg){sizeof(cl_float), 0, {.f = (cl_float)(x)}})
#define ARG_LOCAL(bytes) ((kernel_arg){(bytes), 1, {.i = 0}})
/* Sets args 0..n-1: clconv_set_args(k, op, n, (kernel_arg[]){ARG_MEM(x), ARG_INT(3)}) */
clconv_status clconv_set_args(cl_kernel k, const char *op, int n, const kernel_arg *args);

/* A chain of launches on one queue: each waits for the previous one (so an
 * out-of-order queue works), the first for the caller's wait list; the last
 * event goes to the caller.  Usage:
 *   launch_chain ch; clconv_chain_begin(&ch, ctx, n_wait, wait);
 *   st = clconv_chain_kernel(&ch, op, kernel, dims, gws, lws);  ...
 *   return clconv_chain_end(&ch, st, event);   // releases what it must */
typedef struct launch_chain {
    clconv_context *ctx;
    cl_command_queue queue;
    cl_uint n_wait;
    const cl_event *wait;
    cl_event last; /* owned */
    int fixed_wg;  /* CPU: a NULL lws means one-item work-groups */
    cl_device_id device;
} launch_chain;
void clconv_chain_begin(launch_chain *ch, clconv_context *ctx, cl_uint n_wait, const cl_event *wait);
/* gws is rounded up to a multiple of lws.  lws NULL (or a 0 entry) lets a
 * GPU driver choose; on CPUs it means one-item work-groups, because PoCL
 * compiles a kernel anew for every local size it picks by itself (about a
 * second each), which a driver choice that varies with gws would trigger
 * for every new shape. */
clconv_status clconv_chain_kernel(launch_chain *ch, const char *op, cl_kernel k, cl_uint dims,
                                  const size_t *gws, const size_t *lws);
clconv_status clconv_chain_end(launch_chain *ch, clconv_status st, cl_event *event);
/* For a step that takes no wait list (a CLBlast call): the queue to give
 * it, on which a marker waiting for the chain's previous step (or the
 * caller's wait list: user events, other queues' events) has just been
 * enqueued.  An in-order caller queue is used itself; on an out-of-order
 * one (where a barrier did not order the next command on PoCL 3.1) the
 * step goes to the context's private in-order queue, which is flushed by
 * clconv_chain_fence_done.  Then adopt the step's own event. */
clconv_status clconv_chain_fence(launch_chain *ch, const char *op, cl_command_queue *q);
clconv_status clconv_chain_fence_done(launch_chain *ch, const char *op, cl_command_queue q);
void clconv_chain_adopt(launch_chain *ch, cl_event ev);
/* Where an enqueue's tensors live: buffers and element (float) offsets in
 * them.  ws is NULL iff the plan's workspace_bytes is 0 (then ws_off is 0).
 * Composites hand their inner plan regions of their own workspace this
 * way: the same buffer at other offsets, never a sub-buffer. */
typedef struct conv_io {
    cl_mem in, out, ws;
    size_t in_off, out_off, ws_off;
} conv_io;

/* A composite's inner plan as one link of the chain. */
clconv_status clconv_chain_plan(launch_chain *ch, clconv_plan *inner, const conv_io *io);

/* Device buffer helpers. */
clconv_status clconv_buffer_create(clconv_context *ctx, const char *op, cl_mem_flags flags,
                                   size_t bytes, const void *host, cl_mem *out);
/* The buffer was created in the context's cl_context (a kernel given one of
 * another context fails at enqueue, or worse): INVALID_ARGUMENT naming it. */
clconv_status clconv_check_context(cl_mem m, const clconv_context *ctx, const char *op,
                                   const char *what);
/* Checks CL_MEM_SIZE >= bytes; names `what` in the message. */
clconv_status clconv_check_buffer(cl_mem m, size_t bytes, const char *op, const char *what);
/* Blocking read of a whole region. */
clconv_status clconv_read_buffer(clconv_context *ctx, const char *op, cl_mem m, size_t bytes,
                                 void *host);
/* The same, after event `after` (may be NULL). */
clconv_status clconv_read_buffer_after(clconv_context *ctx, const char *op, cl_mem m, size_t bytes,
                                       void *host, cl_event after);

/* Workspace carving: regions of a plan's workspace (composites' inner
 * tensors, gemm's column matrix) start at multiples of
 * clconv_region_align bytes from the workspace's start: the device's
 * CL_DEVICE_MEM_BASE_ADDR_ALIGN, at least 64 and a multiple of
 * sizeof(float).  For speed only (a workspace that starts aligned has
 * aligned regions); correctness needs no alignment (offsets are kernel
 * arguments, and kernels use vloadn/vstoren, which need scalar alignment). */
size_t clconv_align_up(size_t v, size_t a);
size_t clconv_region_align(const clconv_context *ctx);

/* The enqueue's checks on its three tensors (enqueue_check.c): each range
 * inside its buffer (overflow-safe), no two overlapping, also through
 * sub-buffers of one parent.  ws_bytes 0: the workspace is not looked at.
 * Nothing is enqueued; the message names the field. */
clconv_status clconv_check_io(const conv_io *io, size_t in_elems, size_t out_elems,
                              size_t ws_bytes, const char *op);
/* For plans that hand offsets to CLBlast (int offsets in its kernels):
 * every range must end at or below INT_MAX floats; CLCONV_UNSUPPORTED
 * naming the field otherwise. */
clconv_status clconv_check_io_int(const conv_io *io, size_t in_elems, size_t out_elems,
                                  size_t ws_bytes, const char *op);

/* Launch trace, for the tests that prove a plan runs what it reports: while
 * enabled on a thread, every kernel a chain launches appends a line
 * "kernel_name [build options]"; host-side steps (a CLBlast call) append
 * their own line with clconv_trace_note().  Kernel names start with their
 * family: direct_, gemm_, winograd_ (options carry -DWINO_M=2 or 4),
 * depthwise_, s2b_ (space_to_batch / batch_to_space), d2s_ (deconv_d2s),
 * igemm_, space_depth_. */
void clconv_trace_enable(int on);
const char *clconv_trace_text(void);
void clconv_trace_note(const char *line);

/* -D options common to every program: activation enum values etc. */
#define CLCONV_COMMON_OPTIONS "-cl-mad-enable"

/* ---- plans and the algorithm table (plan.c, algo_*.c) -------------------- */

typedef struct clconv_algo clconv_algo;

typedef enum { CHOICE_HEURISTICS, CHOICE_DATABASE, CHOICE_NEIGHBOUR, CHOICE_EXPLICIT } plan_choice;

struct clconv_plan {
    clconv_context *ctx;
    conv_problem p;
    const clconv_algo *algo;
    clconv_device_params params; /* the context's, with the plan's own on top */
    plan_choice choice;          /* where the algorithm and parameters came from */
    char param_string[256];      /* the parameters applied on top of the context's */
    char describe[256];
    int has_weights;
    size_t workspace_bytes;
    cl_mem own_workspace; /* allocated on first NULL-workspace enqueue */
    cl_event own_ws_busy; /* the last enqueue that used it: the next one waits
                             (an out-of-order queue would otherwise overlap them) */
    int int_range;        /* 1: the plan (or its inner plan) hands offsets to CLBlast,
                             whose kernels take them as int: every tensor must end
                             below 2^31 floats in its buffer (gemm sets it) */
    void *state;          /* the algorithm's, freed by its destroy */
};

/* One tunable parameter of an algorithm and the values its tuner tries
 * (0-terminated unless n_values says how many); gpu_only for work-group
 * shapes, which CPUs fix. */
typedef struct {
    const char *name;
    int values[8];
    int gpu_only;
    int n_values; /* 0: values end at the first 0; else this many (0 may be one) */
} tune_knob;

struct clconv_algo {
    clconv_algorithm id;
    const char *name;
    /* 1 if it can run p on this context; else 0 and a reason in why. */
    int (*applicable)(const clconv_context *ctx, const conv_problem *p, char *why, size_t n);
    /* Builds programs/kernels, sets plan->state, plan->workspace_bytes and
     * plan->describe.  The plan has ctx and p set. */
    clconv_status (*create)(clconv_plan *plan);
    /* Host weights in the ONNX layout of plan->p; bias NULL iff !has_bias. */
    clconv_status (*set_weights)(clconv_plan *plan, const float *weights, const float *bias);
    /* The tensors at io (checked by plan.c: each range inside its buffer,
     * none overlapping; io->ws holds >= workspace_bytes from io->ws_off,
     * NULL iff 0).  Offsets are in floats and may be any value. */
    clconv_status (*enqueue)(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                             const cl_event *wait, cl_event *event);
    void (*destroy)(clconv_plan *plan);
    /* Its tunable parameters (name NULL ends the list), or NULL: data
     * next to the algorithm's code, read by the tuner (tune.c). */
    const tune_knob *space;
    /* Relative L2 error against the float64 reference the tuner accepts
     * (the tests hold each algorithm to the same: tests/support/algo_check.c). */
    double tolerance;
};

/* Tests only: a candidate whose params make this return 1 is treated as
 * computing a wrong result (tune.c). */
extern int (*clconv_tune_test_hook)(const char *params);

/* The table, in AUTO's preference order is decided by plan.c, not here. */
extern const clconv_algo clconv_algo_direct;
extern const clconv_algo clconv_algo_gemm;
extern const clconv_algo clconv_algo_winograd_f2x2;
extern const clconv_algo clconv_algo_winograd_f4x4;
extern const clconv_algo clconv_algo_depthwise;
extern const clconv_algo clconv_algo_dilated_s2b;
extern const clconv_algo clconv_algo_deconv_d2s;
extern const clconv_algo clconv_algo_igemm;
/* Whether igemm can run with parameters dp on ctx's device (divisibility,
 * work-group size, local memory, register tile); 0 and a reason starting
 * "igemm:" in why if not (algo_igemm.c). */
int clconv_igemm_params_fit(const clconv_context *ctx, const clconv_device_params *dp, char *why,
                            size_t n);
/* The algorithm's parameter space (NULL-name-terminated), or NULL. */
const tune_knob *clconv_algo_space(clconv_algorithm id);
/* NULL for AUTO or an algorithm not compiled in. */
const clconv_algo *clconv_algo_lookup(clconv_algorithm id);

/* For composite algorithms (dilated_s2b, deconv_d2s): a plan for a
 * resolved problem, with algorithm `id` (AUTO allowed), owned by the caller. */
clconv_status clconv_plan_create_problem(clconv_context *ctx, const conv_problem *p,
                                         clconv_algorithm id, const char *op, clconv_plan **plan);
/* The same with explicit params ("name=value,..."; NULL: look the problem
 * up in the tuning database). */
clconv_status clconv_plan_create_params(clconv_context *ctx, const conv_problem *p,
                                        clconv_algorithm id, const char *params, const char *op,
                                        clconv_plan **plan);
/* A composite's inner plan described for the outer description:
 * "winograd_f4x4 tile 4x4 ... (database)". */
void clconv_inner_describe(const clconv_plan *inner, char *buf, size_t n);
/* AUTO's choice for p (never an inapplicable one). */
clconv_algorithm clconv_auto_choose(const clconv_context *ctx, const conv_problem *p);

/* Activation as kernel arguments: every kernel that stores output takes
 * (int act, float alpha, float beta) and applies common.cl's activate(). */

/* ---- fault injection (fault_inject.c; test builds only) ------------------ */

#ifdef CLCONV_FAULT_INJECTION
/* Makes the nth injectable OpenCL call from now on fail (1-based; 0: none)
 * and restarts the count; the failing call returns an error that call can
 * really return (a NULL handle where it returns one) without running. */
void clconv_fault_inject_set(long n);
/* Injectable calls since the last clconv_fault_inject_set. */
long clconv_fault_inject_count(void);
/* The name of the call that was made to fail since the last set, or NULL. */
const char *clconv_fault_inject_hit(void);
/* 1: the info queries whose results the host does not always check
 * (clGetDeviceInfo, clGetPlatformInfo, clGetKernelWorkGroupInfo,
 * clGetKernelInfo, clGetProgramBuildInfo, clGetEventProfilingInfo) are
 * counted and may fail too.  Default 0. */
void clconv_fault_inject_queries(int on);
/* OpenCL objects created (or retained) through the host files minus those
 * released, per kind; a test releases events it got from clconv with
 * clconv_fi_clReleaseEvent so that the count stays exact.  CLBlast's own
 * objects are not seen (its events adopted by gemm plans are released
 * here: the event count goes below 0 for them). */
typedef enum {
    CLCONV_FI_CONTEXT, CLCONV_FI_QUEUE, CLCONV_FI_MEM, CLCONV_FI_PROGRAM, CLCONV_FI_KERNEL,
    CLCONV_FI_EVENT, CLCONV_FI_KINDS
} clconv_fi_kind;
long clconv_fault_inject_live(clconv_fi_kind kind);

cl_context clconv_fi_clCreateContext(const cl_context_properties *, cl_uint, const cl_device_id *,
                                     void(CL_CALLBACK *)(const char *, const void *, size_t, void *),
                                     void *, cl_int *);
cl_command_queue clconv_fi_clCreateCommandQueue(cl_context, cl_device_id,
                                                cl_command_queue_properties, cl_int *);
cl_mem clconv_fi_clCreateBuffer(cl_context, cl_mem_flags, size_t, void *, cl_int *);
cl_mem clconv_fi_clCreateSubBuffer(cl_mem, cl_mem_flags, cl_buffer_create_type, const void *,
                                   cl_int *);
cl_program clconv_fi_clCreateProgramWithSource(cl_context, cl_uint, const char **, const size_t *,
                                               cl_int *);
cl_program clconv_fi_clCreateProgramWithBinary(cl_context, cl_uint, const cl_device_id *,
                                               const size_t *, const unsigned char **, cl_int *,
                                               cl_int *);
cl_int clconv_fi_clBuildProgram(cl_program, cl_uint, const cl_device_id *, const char *,
                                void(CL_CALLBACK *)(cl_program, void *), void *);
cl_kernel clconv_fi_clCreateKernel(cl_program, const char *, cl_int *);
cl_int clconv_fi_clSetKernelArg(cl_kernel, cl_uint, size_t, const void *);
cl_int clconv_fi_clEnqueueNDRangeKernel(cl_command_queue, cl_kernel, cl_uint, const size_t *,
                                        const size_t *, const size_t *, cl_uint, const cl_event *,
                                        cl_event *);
cl_int clconv_fi_clEnqueueReadBuffer(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *,
                                     cl_uint, const cl_event *, cl_event *);
cl_int clconv_fi_clEnqueueWriteBuffer(cl_command_queue, cl_mem, cl_bool, size_t, size_t,
                                      const void *, cl_uint, const cl_event *, cl_event *);
cl_int clconv_fi_clEnqueueFillBuffer(cl_command_queue, cl_mem, const void *, size_t, size_t,
                                     size_t, cl_uint, const cl_event *, cl_event *);
cl_int clconv_fi_clEnqueueCopyBuffer(cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t,
                                     cl_uint, const cl_event *, cl_event *);
cl_int clconv_fi_clEnqueueMarkerWithWaitList(cl_command_queue, cl_uint, const cl_event *,
                                             cl_event *);
cl_int clconv_fi_clEnqueueBarrierWithWaitList(cl_command_queue, cl_uint, const cl_event *,
                                              cl_event *);
cl_int clconv_fi_clWaitForEvents(cl_uint, const cl_event *);
cl_int clconv_fi_clFinish(cl_command_queue);
cl_int clconv_fi_clFlush(cl_command_queue);
cl_int clconv_fi_clGetProgramInfo(cl_program, cl_program_info, size_t, void *, size_t *);
cl_int clconv_fi_clGetMemObjectInfo(cl_mem, cl_mem_info, size_t, void *, size_t *);
cl_int clconv_fi_clGetCommandQueueInfo(cl_command_queue, cl_command_queue_info, size_t, void *,
                                       size_t *);
cl_int clconv_fi_clGetDeviceInfo(cl_device_id, cl_device_info, size_t, void *, size_t *);
cl_int clconv_fi_clGetPlatformInfo(cl_platform_id, cl_platform_info, size_t, void *, size_t *);
cl_int clconv_fi_clGetKernelWorkGroupInfo(cl_kernel, cl_device_id, cl_kernel_work_group_info,
                                          size_t, void *, size_t *);
cl_int clconv_fi_clGetKernelInfo(cl_kernel, cl_kernel_info, size_t, void *, size_t *);
cl_int clconv_fi_clGetProgramBuildInfo(cl_program, cl_device_id, cl_program_build_info, size_t,
                                       void *, size_t *);
cl_int clconv_fi_clGetEventProfilingInfo(cl_event, cl_profiling_info, size_t, void *, size_t *);
cl_int clconv_fi_clRetainContext(cl_context);
cl_int clconv_fi_clRetainCommandQueue(cl_command_queue);
cl_int clconv_fi_clRetainProgram(cl_program);
cl_int clconv_fi_clRetainEvent(cl_event);
cl_int clconv_fi_clReleaseContext(cl_context);
cl_int clconv_fi_clReleaseCommandQueue(cl_command_queue);
cl_int clconv_fi_clReleaseMemObject(cl_mem);
cl_int clconv_fi_clReleaseProgram(cl_program);
cl_int clconv_fi_clReleaseKernel(cl_kernel);
cl_int clconv_fi_clReleaseEvent(cl_event);

/* The host files' calls go through the wrappers (not fault_inject.c's own,
 * nor the tests', which do not define CLCONV_BUILDING). */
#if defined(CLCONV_BUILDING) && !defined(CLCONV_FAULT_INJECT_IMPL)
#define clCreateContext clconv_fi_clCreateContext
#define clCreateCommandQueue clconv_fi_clCreateCommandQueue
#define clCreateBuffer clconv_fi_clCreateBuffer
#define clCreateSubBuffer clconv_fi_clCreateSubBuffer
#define clCreateProgramWithSource clconv_fi_clCreateProgramWithSource
#define clCreateProgramWithBinary clconv_fi_clCreateProgramWithBinary
#define clBuildProgram clconv_fi_clBuildProgram
#define clCreateKernel clconv_fi_clCreateKernel
#define clSetKernelArg clconv_fi_clSetKernelArg
#define clEnqueueNDRangeKernel clconv_fi_clEnqueueNDRangeKernel
#define clEnqueueReadBuffer clconv_fi_clEnqueueReadBuffer
#define clEnqueueWriteBuffer clconv_fi_clEnqueueWriteBuffer
#define clEnqueueFillBuffer clconv_fi_clEnqueueFillBuffer
#define clEnqueueCopyBuffer clconv_fi_clEnqueueCopyBuffer
#define clEnqueueMarkerWithWaitList clconv_fi_clEnqueueMarkerWithWaitList
#define clEnqueueBarrierWithWaitList clconv_fi_clEnqueueBarrierWithWaitList
#define clWaitForEvents clconv_fi_clWaitForEvents
#define clFinish clconv_fi_clFinish
#define clFlush clconv_fi_clFlush
#define clGetProgramInfo clconv_fi_clGetProgramInfo
#define clGetMemObjectInfo clconv_fi_clGetMemObjectInfo
#define clGetCommandQueueInfo clconv_fi_clGetCommandQueueInfo
#define clGetDeviceInfo clconv_fi_clGetDeviceInfo
#define clGetPlatformInfo clconv_fi_clGetPlatformInfo
#define clGetKernelWorkGroupInfo clconv_fi_clGetKernelWorkGroupInfo
#define clGetKernelInfo clconv_fi_clGetKernelInfo
#define clGetProgramBuildInfo clconv_fi_clGetProgramBuildInfo
#define clGetEventProfilingInfo clconv_fi_clGetEventProfilingInfo
#define clRetainContext clconv_fi_clRetainContext
#define clRetainCommandQueue clconv_fi_clRetainCommandQueue
#define clRetainProgram clconv_fi_clRetainProgram
#define clRetainEvent clconv_fi_clRetainEvent
#define clReleaseContext clconv_fi_clReleaseContext
#define clReleaseCommandQueue clconv_fi_clReleaseCommandQueue
#define clReleaseMemObject clconv_fi_clReleaseMemObject
#define clReleaseProgram clconv_fi_clReleaseProgram
#define clReleaseKernel clconv_fi_clReleaseKernel
#define clReleaseEvent clconv_fi_clReleaseEvent
#endif
#endif /* CLCONV_FAULT_INJECTION */

#endif
