/*
 * clconv — ONNX-exact convolutions on any OpenCL 1.2 device.
 *
 * What it is
 *   A C11 library that runs the convolutions of deep networks (ONNX `Conv`
 *   and `ConvTranspose`, rank 1-3, every attribute) and `DepthToSpace` /
 *   `SpaceToDepth` on an OpenCL device, and a double-precision CPU reference
 *   of the same operations to check results against.
 *
 * Lifecycle
 *   1. clconv_context_create()  (or _create_from_queue() with your own queue)
 *   2. describe a layer:        clconv_conv_desc_init() then set fields
 *   3. clconv_plan_create()     validates, chooses the algorithm, builds the
 *                               OpenCL programs, knows its workspace size
 *   4. clconv_plan_set_weights() once; every weight transform happens here
 *   5. clconv_plan_enqueue()    any number of times, on your cl_mem buffers
 *   6. clconv_plan_destroy(), clconv_context_destroy()
 *
 * Tensor layouts (float32, C order, ONNX)
 *   input   x[N][C][D][H][W]            (rank 2 drops D, rank 1 drops D and H)
 *   weights w[K][C/groups][kD][kH][kW]  for Conv
 *           w[C][K/groups][kD][kH][kW]  for ConvTranspose
 *   bias    b[K]
 *   output  y[N][K][oD][oH][oW]
 *   With NOTSET auto_pad, per spatial axis i:
 *     Conv:          o = floor((in + pads_begin + pads_end - ((k-1)*d + 1)) / s) + 1
 *     ConvTranspose: o = s*(in-1) + output_padding + (k-1)*d + 1 - pads_begin - pads_end
 *   clconv_conv_output_shape() computes it for every auto_pad mode.
 *
 * Ownership
 *   clconv never releases an OpenCL object it did not create or retain.
 *   Buffers passed to enqueue stay the caller's.  Every *_destroy(NULL) is a
 *   no-op.
 *
 * Errors
 *   Every function returns a clconv_status.  On failure no event was
 *   returned and, for every invalid argument or state, nothing was enqueued
 *   and no output written (only an OpenCL failure between the launches of a
 *   multi-step plan can leave its earlier steps enqueued, writing the
 *   workspace or part of the output); clconv_last_error()
 *   holds a message for the calling thread that names the operation, the
 *   field, its value and the rule, e.g.
 *     "clconv_plan_create: pads_begin[1] = -1: pads must be >= 0".
 *   The library never prints, aborts or exits.
 *
 * Limits
 *   Each tensor (input, weights, output; also DeformConv's and DepthToSpace
 *   / SpaceToDepth's) holds at most 2^31 - 1 elements: kernels index
 *   within a tensor with 32-bit ints, and address it from 64-bit offsets,
 *   so a tensor may exceed 2^31 bytes (up to 8 GiB) where the device
 *   allocates such a buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE).  Per spatial
 *   axis: in_size and pads <= 2^24, kernel_size, strides and dilations
 *   <= 2^16, output_shape, the dilated kernel (k-1)*d+1 and a
 *   ConvTranspose's natural output size <= 2^26.  Beyond these,
 *   CLCONV_INVALID_ARGUMENT names the field.  An algorithm whose own
 *   tensors (Winograd's transforms, gemm's column matrix, the composites'
 *   re-laid tensors) would pass 2^31 - 1 elements returns
 *   CLCONV_UNSUPPORTED for the descriptor, and AUTO does not choose it; for
 *   gemm's offset limit see clconv_plan_enqueue_offsets.
 *
 * Threading
 *   A context may be shared by threads (its program cache is locked).  A plan
 *   must not be enqueued from two threads at once: clSetKernelArg is the one
 *   OpenCL call that is not thread-safe, and each plan owns its kernels.
 *
 * Growth
 *   Structs are append-only: new fields go at the end and their defaults are
 *   set by the matching *_init() function.  Always call the init function.
 */
#ifndef CLCONV_H
#define CLCONV_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>

/* CLCONV_VERSION_MAJOR, _MINOR, _PATCH, _NUMBER and _STRING: the version
 * this header belongs to (generated from CMake's project version). */
#include "clconv_version.h"

#if defined(CLCONV_BUILDING) && defined(__GNUC__)
#define CLCONV_API __attribute__((visibility("default")))
#else
#define CLCONV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CLCONV_MAX_RANK 3

/* ------------------------------------------------------------------------ */
/* Status                                                                   */
/* ------------------------------------------------------------------------ */

/* Values are pinned: they never change meaning between versions. */
typedef enum clconv_status {
    CLCONV_SUCCESS = 0,
    CLCONV_INVALID_ARGUMENT = 1, /* a descriptor field, pointer or buffer is invalid */
    CLCONV_UNSUPPORTED = 2,      /* valid, but the requested algorithm cannot do it */
    CLCONV_INVALID_STATE = 3,    /* e.g. enqueue before set_weights */
    CLCONV_OUT_OF_MEMORY = 4,    /* host or device allocation failed */
    CLCONV_OPENCL_ERROR = 5,     /* an OpenCL call failed; the message names it */
    CLCONV_BUILD_ERROR = 6,      /* a kernel failed to compile; the message has the log head */
    CLCONV_DEVICE_NOT_FOUND = 7  /* no OpenCL device, or none matches the request */
} clconv_status;

/* Static text for a status; never NULL. */
CLCONV_API const char *clconv_status_string(clconv_status status);

/* The last error message set on the calling thread ("" if none).  Valid until
 * the next clconv call on this thread. */
CLCONV_API const char *clconv_last_error(void);

/* The version of the library linked at run time, which may differ from the
 * header's CLCONV_VERSION_STRING / CLCONV_VERSION_NUMBER: "MAJOR.MINOR.PATCH"
 * and MAJOR * 10000 + MINOR * 100 + PATCH. */
CLCONV_API const char *clconv_version(void);
CLCONV_API unsigned clconv_version_number(void);

/* ------------------------------------------------------------------------ */
/* Context                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct clconv_context clconv_context;

typedef struct clconv_context_options {
    /* Device to open: "P:D" (platform and device index as `clconv-bench
     * devices` lists them) or a case-insensitive substring of the device or
     * platform name.  NULL: the CLCONV_DEVICE environment variable, else the
     * first GPU, else the first device.  Ignored by _create_from_queue.   */
    const char *device;
    /* Disk cache of program binaries.  NULL: $CLCONV_CACHE_DIR, else
     * $XDG_CACHE_HOME/clconv, else ~/.cache/clconv.  Read only where nobody
     * else could have written (a binary is code that runs in this
     * process): the directory owned by the effective user or root and not
     * group/other-writable, its ancestors and the symlinks on its path
     * owned by that user or root (ancestors writable by others only if
     * sticky), each entry a regular file (no symlink, FIFO or
     * device) with the same owner rules, checked on the open descriptor;
     * anything else is ignored (logged once) and built from source.
     * Created directories are 0700, files 0600.                            */
    const char *cache_dir;
    /* 1: never touch the disk cache (also when CLCONV_CACHE=0).  Default 0. */
    int disable_disk_cache;
    /* 1: create the queue with CL_QUEUE_PROFILING_ENABLE.  Default 0.      */
    int enable_profiling;
    /* Optional log sink for build logs and cache decisions; it may be called
     * with the context's program lock held, so it must not call clconv on
     * the same context.  Default NULL.                                      */
    void (*log)(void *user, const char *message);
    void *log_user;
    /* Tuning parameters, "name=value,..." (for example
     * "class=gpu,direct_oc_block=8").  NULL: the CLCONV_PARAMS environment
     * variable, else the device's defaults.  `class=cpu|gpu|other` starts
     * from another device class's defaults.  An unknown name or an illegal
     * value fails context creation with CLCONV_INVALID_ARGUMENT and a
     * message naming it.  The names and legal values: README, "Tuning
     * parameters".                                                         */
    const char *params;
    /* The user tuning database this context reads (AUTO and named
     * algorithms take their tuned parameters from it) and clconv_tune
     * writes.  NULL: $CLCONV_TUNING_DB, else
     * <cache dir>/tuning-<device hash>.txt; "" for none.                   */
    const char *tuning_db;
    /* 1: read program binaries and tuning databases even from directories
     * and files owned by another user or writable by group or others.
     * RISK: a program binary is code; whoever can write there can run code
     * in this process.  Only for deliberately shared read-only caches, for
     * example one baked into a container image.  Symlinked entries, FIFOs
     * and devices are refused regardless.  Default 0.                      */
    int trust_shared_cache;
    /* 1: ignore the system tuning database compiled into the library (the
     * entries measured on device classes like this one); also when
     * CLCONV_SYSTEM_TUNING=0.  Default 0.                                  */
    int disable_system_tuning;
} clconv_context_options;

CLCONV_API void clconv_context_options_init(clconv_context_options *options);

/* The OpenCL devices clconv can open, numbered across every platform in
 * the ICD loader's order.  id is what clconv_context_options.device (and
 * CLCONV_DEVICE, and clconv-bench --device) takes.  The list is read anew on
 * every call.  Strings are cut to their field's size. */
typedef struct clconv_device_info {
    char id[24];              /* "P:D": platform and device index */
    unsigned platform_index, device_index;
    cl_platform_id platform;
    cl_device_id device;
    char type[16];            /* "GPU", "CPU", "accelerator" or "other" */
    char name[256];           /* CL_DEVICE_NAME */
    char platform_name[256];  /* CL_PLATFORM_NAME */
    char version[128];        /* CL_DEVICE_VERSION ("OpenCL 3.0 PoCL ...") */
    char driver[128];         /* CL_DRIVER_VERSION */
    int is_default;           /* what clconv_context_create(NULL, ...) opens:
                                 CLCONV_DEVICE if set, else the first GPU,
                                 else the first device */
} clconv_device_info;

/* The number of devices (0 with CLCONV_SUCCESS when there is no OpenCL
 * platform at all). */
CLCONV_API clconv_status clconv_device_count(size_t *count);
/* Device index (0 .. count-1); CLCONV_INVALID_ARGUMENT past the end. */
CLCONV_API clconv_status clconv_device_describe(size_t index, clconv_device_info *info);

/* Opens a device and creates its own cl_context and in-order queue.
 * options may be NULL (defaults).  Fails with CLCONV_DEVICE_NOT_FOUND when
 * there is no OpenCL device or none matches options->device. */
CLCONV_API clconv_status clconv_context_create(const clconv_context_options *options,
                                               clconv_context **context);

/* Uses the caller's queue (and its context and device), which it retains and
 * releases on destroy; it releases nothing else of the caller's.  The queue
 * may be out-of-order: clconv chains its own launches with events. */
CLCONV_API clconv_status clconv_context_create_from_queue(cl_command_queue queue,
                                                          const clconv_context_options *options,
                                                          clconv_context **context);

/* Destroying the last live context whose plans used CLBlast (CLCONV_ALGO_GEMM)
 * clears CLBlast's process-wide program cache (CLBlastClearCache): CLBlast
 * would otherwise keep the cl_context alive until process exit and release
 * it from a static destructor, after some OpenCL implementations are torn
 * down.  Other CLBlast users in the process rebuild their kernels on next
 * use. */
CLCONV_API void clconv_context_destroy(clconv_context *context);

/* Borrowed handles; valid while the context lives. */
CLCONV_API cl_context clconv_context_cl_context(const clconv_context *context);
CLCONV_API cl_command_queue clconv_context_queue(const clconv_context *context);
CLCONV_API cl_device_id clconv_context_device(const clconv_context *context);
/* "platform name / device name", for reports. */
CLCONV_API const char *clconv_context_device_name(const clconv_context *context);

/* ------------------------------------------------------------------------ */
/* Convolution descriptor (ONNX Conv / ConvTranspose)                       */
/* ------------------------------------------------------------------------ */

typedef enum clconv_auto_pad {
    CLCONV_AUTO_PAD_NOTSET = 0, /* use pads_begin / pads_end */
    CLCONV_AUTO_PAD_SAME_UPPER = 1,
    CLCONV_AUTO_PAD_SAME_LOWER = 2,
    CLCONV_AUTO_PAD_VALID = 3
} clconv_auto_pad;

typedef enum clconv_activation {
    CLCONV_ACTIVATION_NONE = 0,
    CLCONV_ACTIVATION_RELU = 1,       /* max(x, 0)                          */
    CLCONV_ACTIVATION_CLIP = 2,       /* min(max(x, alpha), beta); relu6 = clip(0,6) */
    CLCONV_ACTIVATION_LEAKY_RELU = 3  /* x >= 0 ? x : alpha * x            */
} clconv_activation;

/* Spatial arrays hold `rank` entries in ONNX order (D, H, W for rank 3;
 * H, W for rank 2; W for rank 1).  Entries past `rank` are ignored. */
typedef struct clconv_conv_desc {
    int rank;                           /* 1..3                              default 2 */
    int batch;                          /* N >= 1                             default 1 */
    int in_channels;                    /* C >= 1, divisible by groups       (required) */
    int out_channels;                   /* K >= 1, divisible by groups       (required) */
    int in_size[CLCONV_MAX_RANK];       /* input spatial size >= 1           (required) */
    int kernel_size[CLCONV_MAX_RANK];   /* kernel_shape >= 1                 (required) */
    int strides[CLCONV_MAX_RANK];       /* >= 1                               default 1 */
    int dilations[CLCONV_MAX_RANK];     /* >= 1                               default 1 */
    int pads_begin[CLCONV_MAX_RANK];    /* >= 0, NOTSET only                  default 0 */
    int pads_end[CLCONV_MAX_RANK];      /* >= 0, NOTSET only                  default 0 */
    clconv_auto_pad auto_pad;           /*                               default NOTSET */
    int groups;                         /* >= 1; groups == C is depthwise     default 1 */
    int transposed;                     /* 0 Conv, 1 ConvTranspose            default 0 */
    int output_padding[CLCONV_MAX_RANK];/* transposed: 0 <= op < max(s, d)    default 0 */
    int output_shape[CLCONV_MAX_RANK];  /* transposed: all > 0 to request a size, all 0
                                           for none; overrides pads       default 0 */
    int has_bias;                       /* 0 or 1                             default 0 */
    clconv_activation activation;       /*                                default NONE */
    float activation_alpha;             /* clip min, or leaky slope (set it: ONNX
                                           LeakyRelu uses 0.01)          default 0 */
    float activation_beta;              /* clip max                           default 0 */
} clconv_conv_desc;

/* Fills ONNX defaults for the given rank (1..3) and zeroes the sizes that
 * the caller must set. */
CLCONV_API void clconv_conv_desc_init(clconv_conv_desc *desc, int rank);

/* Validates the descriptor and writes the output spatial size (rank
 * entries).  Returns CLCONV_INVALID_ARGUMENT with the field named. */
CLCONV_API clconv_status clconv_conv_output_shape(const clconv_conv_desc *desc,
                                                  int out_size[CLCONV_MAX_RANK]);

/* The explicit pads that ONNX semantics imply for this descriptor after
 * auto_pad and output_shape are applied (for ConvTranspose from an
 * output_shape they may be negative: output beyond the natural size). */
CLCONV_API clconv_status clconv_conv_resolved_pads(const clconv_conv_desc *desc,
                                                   int pads_begin[CLCONV_MAX_RANK],
                                                   int pads_end[CLCONV_MAX_RANK]);

/* Multiply-adds x 2 of the direct method, bias and activation excluded:
 * the FLOP count every GFLOP/s figure of clconv uses.  0 if invalid. */
CLCONV_API double clconv_conv_flops(const clconv_conv_desc *desc);

/* Element counts of input, weights and output (0 if invalid). */
CLCONV_API size_t clconv_conv_input_elems(const clconv_conv_desc *desc);
CLCONV_API size_t clconv_conv_weight_elems(const clconv_conv_desc *desc);
CLCONV_API size_t clconv_conv_output_elems(const clconv_conv_desc *desc);

/* ------------------------------------------------------------------------ */
/* Plans                                                                    */
/* ------------------------------------------------------------------------ */

/* Values are pinned: an algorithm keeps its number.  CLCONV_ALGO_COUNT is
 * a sentinel (one past the last algorithm this header knows) and grows
 * when algorithms are added: do not store it, and size tables at run time
 * with clconv_algorithm_count(), which the library linked at run time
 * answers. */
typedef enum clconv_algorithm {
    CLCONV_ALGO_AUTO = 0,
    CLCONV_ALGO_DIRECT = 1,        /* universal: every valid descriptor          */
    CLCONV_ALGO_GEMM = 2,          /* 1x1 GEMM, else im2col/vol2col + CLBlast GEMM */
    CLCONV_ALGO_WINOGRAD_F2X2 = 3, /* 2D 3x3 stride 1 dilation 1 (Conv and ConvTranspose) */
    CLCONV_ALGO_WINOGRAD_F4X4 = 4, /* 2D 3x3 stride 1 dilation 1 (Conv and ConvTranspose) */
    CLCONV_ALGO_DEPTHWISE = 5,     /* groups == C, rank 1-3, Conv and ConvTranspose    */
    CLCONV_ALGO_DILATED_S2B = 6,   /* stride 1, dilation > 1, via space_to_batch (also ConvTranspose) */
    CLCONV_ALGO_DECONV_D2S = 7,    /* transposed, stride >= 2, via depth_to_space  */
    CLCONV_ALGO_IGEMM = 8,         /* universal: implicit GEMM, tiled work-groups (GPUs) */
    CLCONV_ALGO_COUNT = 9
} clconv_algorithm;

/* The number of algorithm values of the library linked at run time,
 * AUTO included (CLCONV_ALGO_COUNT of its own header). */
CLCONV_API int clconv_algorithm_count(void);

/* "auto", "direct", "gemm", "winograd_f2x2", ...; NULL if out of range. */
CLCONV_API const char *clconv_algorithm_name(clconv_algorithm algorithm);
/* The inverse; CLCONV_INVALID_ARGUMENT for an unknown name. */
CLCONV_API clconv_status clconv_algorithm_from_name(const char *name, clconv_algorithm *algorithm);

typedef struct clconv_plan clconv_plan;

/* Validates desc, picks the algorithm (AUTO) or checks the named one, builds
 * its programs (and CLBlast's) and sizes the workspace.  A named algorithm
 * that cannot do desc returns CLCONV_UNSUPPORTED and the reason. */
CLCONV_API clconv_status clconv_plan_create(clconv_context *context, const clconv_conv_desc *desc,
                                            clconv_algorithm algorithm, clconv_plan **plan);

/* Whether `algorithm` can run desc on this context's device, without
 * building anything; CLCONV_UNSUPPORTED with the reason if not. */
CLCONV_API clconv_status clconv_algorithm_supports(clconv_context *context,
                                                   const clconv_conv_desc *desc,
                                                   clconv_algorithm algorithm);

CLCONV_API void clconv_plan_destroy(clconv_plan *plan);

/* The algorithm the plan runs (never AUTO). */
CLCONV_API clconv_algorithm clconv_plan_algorithm(const clconv_plan *plan);
/* One line: algorithm, tile and work-group ("winograd_f4x4 tile 4x4 ..."). */
CLCONV_API const char *clconv_plan_describe(const clconv_plan *plan);

/* Loads weights (layout above) and bias (K floats, required iff has_bias,
 * else must be NULL) from device buffers and transforms them once into
 * buffers the plan owns.  Blocks until done; may be called again to
 * replace them. */
CLCONV_API clconv_status clconv_plan_set_weights(clconv_plan *plan, cl_mem weights, cl_mem bias);
/* The same from host arrays. */
CLCONV_API clconv_status clconv_plan_set_weights_host(clconv_plan *plan, const float *weights,
                                                      const float *bias);

/* Bytes of scratch memory enqueue needs (0 if none). */
CLCONV_API clconv_status clconv_plan_workspace_size(const clconv_plan *plan, size_t *bytes);

/* Enqueues y = act(conv(x, w) + b) on the context's queue.  input and output
 * must hold at least the element counts above (checked with CL_MEM_SIZE),
 * must not overlap (checked) and, like every buffer handed to clconv
 * (weights, bias, workspace), must belong to the context's cl_context
 * (checked: INVALID_ARGUMENT otherwise).  workspace: a buffer, or a sub-buffer, of at
 * least workspace_size bytes, or NULL to let the plan allocate and keep its
 * own; ignored when workspace_size is 0.  Waits for wait_list; event (may be
 * NULL) receives an event that completes with the output.  Returns
 * CLCONV_INVALID_STATE before set_weights.  The same as
 * clconv_plan_enqueue_offsets with every offset 0. */
CLCONV_API clconv_status clconv_plan_enqueue(clconv_plan *plan, cl_mem input, cl_mem output,
                                             cl_mem workspace, cl_uint num_events_in_wait_list,
                                             const cl_event *event_wait_list, cl_event *event);

/* Like clconv_plan_enqueue, with the tensors at element (float) offsets
 * inside their buffers, as CLBlast takes them: the input at input_offset,
 * the output at output_offset, the workspace at workspace_offset floats (its
 * size stays clconv_plan_workspace_size bytes), so that one arena buffer can
 * hold all three.  Checked, with CLCONV_INVALID_ARGUMENT and the field named
 * (nothing enqueued, the output untouched):
 *   - each range fits in its buffer (CL_MEM_SIZE; offset arithmetic that
 *     overflows size_t is refused);
 *   - no two of the three ranges overlap, in one buffer or through
 *     sub-buffers of one buffer (CL_MEM_ASSOCIATED_MEMOBJECT and
 *     CL_MEM_OFFSET).  Buffers that alias through overlapping host memory
 *     (CL_MEM_USE_HOST_PTR) are not detected: do not pass them;
 *   - workspace_offset is 0 when workspace is NULL (the plan's own).
 * Any offset works: no alignment rule (kernels take the offsets as
 * arguments and use only scalar-aligned vector loads).  An offset that is
 * a multiple of 16 floats keeps their vector accesses aligned, which some
 * devices run faster.  One limit: a plan that runs CLBlast (CLCONV_ALGO_GEMM,
 * or a composite whose inner plan is gemm) needs every range to end at or
 * below float 2^31 - 1 of its buffer, because CLBlast passes offsets to its
 * kernels as int; beyond that it returns CLCONV_UNSUPPORTED naming the
 * offset.  CLBlast's temporary buffer has no offset argument, so unless
 * workspace_offset is 0 (and so are the offsets of an input or output that
 * CLBlast reads or writes in place: 1x1 layers) a gemm plan lets CLBlast
 * allocate that buffer itself for the call, when its indirect GEMM needs
 * one, instead of using the workspace. */
CLCONV_API clconv_status clconv_plan_enqueue_offsets(clconv_plan *plan, cl_mem input,
                                                     size_t input_offset, cl_mem output,
                                                     size_t output_offset, cl_mem workspace,
                                                     size_t workspace_offset,
                                                     cl_uint num_events_in_wait_list,
                                                     const cl_event *event_wait_list,
                                                     cl_event *event);

/* Convenience for scripts and tests: plan, upload, run, download, release;
 * blocks.  bias must be non-NULL iff desc->has_bias.  If ran is not NULL it
 * receives the algorithm that ran. */
CLCONV_API clconv_status clconv_conv_host(clconv_context *context, const clconv_conv_desc *desc,
                                          clconv_algorithm algorithm, const float *input,
                                          const float *weights, const float *bias, float *output,
                                          clconv_algorithm *ran);

/* ------------------------------------------------------------------------ */
/* Tuning, find and the tuning database                                     */
/* ------------------------------------------------------------------------ */
/*
 * Every algorithm has a parameter space (tile sizes, vector widths,
 * work-group shapes: README, "Tuning parameters").  clconv_tune builds each
 * candidate of one algorithm's space for a descriptor, checks its output
 * against the float64 reference on seeded random data, times it (median of
 * `runs` runs, compile time excluded) and records the fastest correct one
 * in the context's user tuning database.  A candidate that is wrong, fails
 * to build or fails to launch is counted and never chosen.
 *
 * The database is a text file, one line per (problem, algorithm):
 *   problem-key <TAB> algorithm <TAB> params <TAB> median-ms
 * after a header naming the device, driver and clconv version it was
 * measured with (a file of another device is ignored, with a log message,
 * and clconv_tune refuses to overwrite it; a corrupt line is skipped, with
 * a log message).  Keep one file per device: the default path has a hash
 * of the device, driver and clconv version in its name.  It is rewritten
 * atomically (temporary file and rename, under an flock so that two
 * processes do not lose each other's lines).  clconv_plan_create looks the
 * exact problem up in it: AUTO takes the fastest recorded algorithm and its
 * parameters, a named algorithm its recorded parameters; otherwise the
 * nearest recorded problem of the same family (same kind, kernel, strides,
 * dilations and grouping; within a log2 distance of 2 summed over batch,
 * channels per group in and out, and half the output pixels: e.g. twice
 * the channels in and out, or 16x the pixels) lends its entry; otherwise the heuristics and the per-device
 * defaults decide.  clconv_plan_describe() ends with the source:
 * "choice: database", "choice: database neighbour", "choice: heuristics" or
 * "choice: explicit params".
 *
 * Below the user database sits a read-only system database compiled into
 * the library (the .tsv files of tuning/ in the source: entries the tuner measured on
 * device classes such as PoCL on AVX-512 CPUs, each file naming the words
 * a device's name must contain); the user database wins for every problem
 * it has.  A context whose params force another device class (`class=gpu`
 * on a CPU) does not read the system database, measured with the device's
 * own class.
 *
 * To tune a new device: `clconv-bench tune --suite standard` (or your own
 * layers), then every process that uses the same database file runs the
 * tuned configurations.  Cost: one build per candidate (about a second on
 * PoCL) plus runs + 1 executions and one float64 reference per problem.
 */

/* Like clconv_plan_create, with parameters "name=value,..." applied on top
 * of the context's for this plan only, and no database lookup. */
CLCONV_API clconv_status clconv_plan_create_with_params(clconv_context *context,
                                                        const clconv_conv_desc *desc,
                                                        clconv_algorithm algorithm,
                                                        const char *params, clconv_plan **plan);

typedef struct clconv_tune_options {
    int runs;              /* timed runs per candidate (median)            default 5 */
    double budget_seconds; /* per (problem, algorithm), builds included; at least
                              the default candidate runs; 0 = no limit     default 0 */
    int save;              /* 1: record the best in the user database      default 1 */
    /* Optional progress lines (one per candidate).                          */
    void (*progress)(void *user, const char *line);
    void *progress_user;
} clconv_tune_options;

CLCONV_API void clconv_tune_options_init(clconv_tune_options *options);

typedef struct clconv_tune_report {
    clconv_algorithm algorithm;
    double default_ms;     /* the defaults' median (0 if they failed)            */
    double best_ms;        /* the fastest correct candidate's median             */
    char best_params[256]; /* its parameters, "name=value,..." ("" = defaults)    */
    char best_describe[256];
    int tried;             /* candidates built and timed                         */
    int wrong;             /* ... of which rejected as wrong                     */
    int failed;            /* candidates that failed to build or launch          */
    int skipped;           /* left out by the time budget                        */
} clconv_tune_report;

/* Tunes one algorithm (not AUTO) for desc and fills *report.
 * CLCONV_UNSUPPORTED if the algorithm cannot run desc.  A bad candidate is
 * counted in the report, not returned; the call fails only if no candidate
 * ran correctly (CLCONV_UNSUPPORTED, the message says why). */
CLCONV_API clconv_status clconv_tune(clconv_context *context, const clconv_conv_desc *desc,
                                     clconv_algorithm algorithm,
                                     const clconv_tune_options *options,
                                     clconv_tune_report *report);

typedef struct clconv_find_result {
    clconv_algorithm algorithm;
    clconv_status status;  /* SUCCESS, or why the algorithm did not run        */
    double time_ms;        /* median of the timed runs (SUCCESS only)           */
    size_t workspace_bytes;
    char params[256];      /* the parameters timed ("" = the defaults)          */
    int tuned;             /* 1 if params came from the database (the problem's own
                              entry or its nearest recorded neighbour's)          */
} clconv_find_result;

/* Times every algorithm that can run desc, each with its parameters from
 * the database (else the defaults), after checking its output against the
 * reference; writes up to max_results records sorted by time, those that
 * could not run last, and their number to *count.  Nothing is tuned or
 * saved (clconv_tune does that).  Cost: one plan build and runs + 1
 * executions per algorithm. */
CLCONV_API clconv_status clconv_find(clconv_context *context, const clconv_conv_desc *desc,
                                     const clconv_tune_options *options,
                                     clconv_find_result *results, int max_results, int *count);

/* A plan with a find record's algorithm and parameters. */
CLCONV_API clconv_status clconv_plan_create_from_result(clconv_context *context,
                                                        const clconv_conv_desc *desc,
                                                        const clconv_find_result *result,
                                                        clconv_plan **plan);

/* The user tuning database's path ("" if none). */
CLCONV_API const char *clconv_context_tuning_db(const clconv_context *context);

/* ------------------------------------------------------------------------ */
/* DepthToSpace / SpaceToDepth (ONNX, 4D NCHW)                               */
/* ------------------------------------------------------------------------ */

typedef enum clconv_space_depth_op {
    CLCONV_DEPTH_TO_SPACE = 0, /* [N][C][H][W] -> [N][C/(b*b)][H*b][W*b] */
    CLCONV_SPACE_TO_DEPTH = 1  /* [N][C][H][W] -> [N][C*b*b][H/b][W/b]   */
} clconv_space_depth_op;

typedef enum clconv_depth_to_space_mode {
    CLCONV_MODE_DCR = 0, /* ONNX default: depth-column-row */
    CLCONV_MODE_CRD = 1  /* column-row-depth               */
} clconv_depth_to_space_mode;

typedef struct clconv_space_depth_desc {
    clconv_space_depth_op op;
    int batch, channels, height, width; /* input shape, all >= 1 */
    int blocksize;                      /* >= 1 */
    clconv_depth_to_space_mode mode;    /* depth_to_space only; default DCR */
} clconv_space_depth_desc;

CLCONV_API void clconv_space_depth_desc_init(clconv_space_depth_desc *desc, clconv_space_depth_op op);
/* Validates and writes the output shape [N, C, H, W]. */
CLCONV_API clconv_status clconv_space_depth_output_shape(const clconv_space_depth_desc *desc,
                                                         int out_shape[4]);
CLCONV_API clconv_status clconv_space_depth_enqueue(clconv_context *context,
                                                    const clconv_space_depth_desc *desc,
                                                    cl_mem input, cl_mem output,
                                                    cl_uint num_events_in_wait_list,
                                                    const cl_event *event_wait_list,
                                                    cl_event *event);
CLCONV_API clconv_status clconv_space_depth_host(clconv_context *context,
                                                 const clconv_space_depth_desc *desc,
                                                 const float *input, float *output);

/* ------------------------------------------------------------------------ */
/* Deformable convolution (ONNX DeformConv opset 19 = torchvision            */
/* deform_conv2d; v1 without a mask, v2 / DCNv2 with one)                    */
/* ------------------------------------------------------------------------ */
/*
 * Tensors (float32, C order):
 *   input   x[N][C][H][W]
 *   weights w[K][C/groups][kH][kW]
 *   bias    b[K]                                      (has_bias)
 *   offset  off[N][2*offset_groups*kH*kW][oH][oW]     per call, like the input
 *   mask    m[N][offset_groups*kH*kW][oH][oW]         per call (has_mask)
 *   output  y[N][K][oH][oW]
 * oH, oW follow the Conv formula (header top).  For offset group og and tap
 * t = kh*kW + kw, offset channel og*2*kH*kW + 2*t holds dy (rows) and the
 * next one dx (columns); mask channel og*kH*kW + t.  Input channel c uses
 * offset group c / (C/offset_groups).  Output (n, k, oh, ow) sums over the
 * taps and the input channels of k's group:
 *   w[k][c][kh][kw] * m * bilinear(x[n][c], oh*sH - pads_begin[0] + kh*dH + dy,
 *                                           ow*sW - pads_begin[1] + kw*dW + dx)
 * where bilinear() reads the image extended by zeros: each of the four
 * neighbours outside [0,H-1] x [0,W-1] counts 0, and a point at or beyond
 * -1 or H (W) in either axis gives 0.  Then bias and the activation.
 * There is no transposed form and only rank 2 (the ONNX operator's
 * 2D case; other ranks return CLCONV_INVALID_ARGUMENT naming `rank`).
 * Algorithms (clconv_algorithm values reused): CLCONV_ALGO_DIRECT
 * ("direct": one kernel, bilinear sampling fused into the convolution);
 * AUTO picks it; any other value returns CLCONV_UNSUPPORTED.
 */
typedef struct clconv_deform_conv_desc {
    int rank;                   /* must be 2                                 default 2 */
    int batch;                  /* N >= 1                                    default 1 */
    int in_channels;            /* C >= 1                                   (required) */
    int out_channels;           /* K >= 1                                   (required) */
    int in_size[2];             /* H, W >= 1                                (required) */
    int kernel_size[2];         /* kH, kW >= 1                              (required) */
    int strides[2];             /* >= 1                                      default 1 */
    int dilations[2];           /* >= 1                                      default 1 */
    int pads_begin[2];          /* top, left >= 0                            default 0 */
    int pads_end[2];            /* bottom, right >= 0                        default 0 */
    int groups;                 /* >= 1, divides C and K                     default 1 */
    int offset_groups;          /* >= 1, divides C (ONNX offset_group)       default 1 */
    int has_mask;               /* 0 (v1) or 1 (v2: modulation mask)         default 0 */
    int has_bias;               /* 0 or 1                                    default 0 */
    clconv_activation activation; /* fused, as for Conv                  default NONE */
    float activation_alpha;     /* clip min, or leaky slope                  default 0 */
    float activation_beta;      /* clip max                                  default 0 */
} clconv_deform_conv_desc;

/* ONNX defaults (rank 2, batch 1, strides and dilations 1, pads 0, groups
 * and offset_groups 1, no mask, no bias); sizes left 0 for the caller. */
CLCONV_API void clconv_deform_conv_desc_init(clconv_deform_conv_desc *desc);
/* Validates every field (CLCONV_INVALID_ARGUMENT naming it) and writes
 * oH, oW. */
CLCONV_API clconv_status clconv_deform_conv_output_shape(const clconv_deform_conv_desc *desc,
                                                         int out_size[2]);
/* Element counts (0 if the descriptor is invalid; mask 0 without a mask). */
CLCONV_API size_t clconv_deform_conv_input_elems(const clconv_deform_conv_desc *desc);
CLCONV_API size_t clconv_deform_conv_weight_elems(const clconv_deform_conv_desc *desc);
CLCONV_API size_t clconv_deform_conv_offset_elems(const clconv_deform_conv_desc *desc);
CLCONV_API size_t clconv_deform_conv_mask_elems(const clconv_deform_conv_desc *desc);
CLCONV_API size_t clconv_deform_conv_output_elems(const clconv_deform_conv_desc *desc);
/* Multiply-adds x 2 of the equivalent ordinary convolution,
 * 2*N*K*oH*oW*(C/groups)*kH*kW (sampling, bias and activation excluded);
 * 0 if invalid. */
CLCONV_API double clconv_deform_conv_flops(const clconv_deform_conv_desc *desc);

typedef struct clconv_deform_plan clconv_deform_plan;

/* Validates desc, checks or picks the algorithm, builds its program. */
CLCONV_API clconv_status clconv_deform_plan_create(clconv_context *context,
                                                   const clconv_deform_conv_desc *desc,
                                                   clconv_algorithm algorithm,
                                                   clconv_deform_plan **plan);
CLCONV_API void clconv_deform_plan_destroy(clconv_deform_plan *plan);
CLCONV_API clconv_algorithm clconv_deform_plan_algorithm(const clconv_deform_plan *plan);
/* One line: algorithm, output-channel block, work-group shape. */
CLCONV_API const char *clconv_deform_plan_describe(const clconv_deform_plan *plan);
/* Weights (layout above) and bias (K floats, non-NULL iff has_bias) from
 * device buffers or host arrays, re-laid once into buffers the plan owns;
 * blocks.  May be called again. */
CLCONV_API clconv_status clconv_deform_plan_set_weights(clconv_deform_plan *plan, cl_mem weights,
                                                        cl_mem bias);
CLCONV_API clconv_status clconv_deform_plan_set_weights_host(clconv_deform_plan *plan,
                                                             const float *weights,
                                                             const float *bias);
/* Bytes of scratch memory enqueue needs (0 for direct). */
CLCONV_API clconv_status clconv_deform_plan_workspace_size(const clconv_deform_plan *plan,
                                                           size_t *bytes);
/* Enqueues y = act(deform_conv(x, offset, mask, w) + b).  mask must be
 * NULL iff !has_mask.  Every buffer must hold its element count (checked
 * with CL_MEM_SIZE); the output must not overlap the input, offset, mask or
 * workspace, nor the workspace any of them (checked, also through
 * sub-buffers); the read-only tensors may share memory.  workspace: as for
 * clconv_plan_enqueue (ignored when workspace_size is 0).  Waits for
 * wait_list; event (may be NULL) completes with the output.
 * CLCONV_INVALID_STATE before set_weights.  On any error nothing is
 * enqueued and the output is untouched. */
CLCONV_API clconv_status clconv_deform_plan_enqueue(clconv_deform_plan *plan, cl_mem input,
                                                    cl_mem offset, cl_mem mask, cl_mem output,
                                                    cl_mem workspace,
                                                    cl_uint num_events_in_wait_list,
                                                    const cl_event *event_wait_list,
                                                    cl_event *event);
/* The same with every tensor at an element (float) offset inside its
 * buffer, as clconv_plan_enqueue_offsets (mask_offset must be 0 without a
 * mask, workspace_offset 0 with a NULL workspace). */
CLCONV_API clconv_status clconv_deform_plan_enqueue_offsets(
    clconv_deform_plan *plan, cl_mem input, size_t input_offset, cl_mem offset,
    size_t offset_offset, cl_mem mask, size_t mask_offset, cl_mem output, size_t output_offset,
    cl_mem workspace, size_t workspace_offset, cl_uint num_events_in_wait_list,
    const cl_event *event_wait_list, cl_event *event);
/* Convenience: plan, upload, run, download, release; blocks.  bias non-NULL
 * iff has_bias, mask non-NULL iff has_mask; ran (may be NULL) receives the
 * algorithm that ran. */
CLCONV_API clconv_status clconv_deform_conv_host(clconv_context *context,
                                                 const clconv_deform_conv_desc *desc,
                                                 clconv_algorithm algorithm, const float *input,
                                                 const float *weights, const float *bias,
                                                 const float *offset, const float *mask,
                                                 float *output, clconv_algorithm *ran);
/* The float64 reference (double accumulation and sampling), same rules. */
CLCONV_API clconv_status clconv_reference_deform_conv(const clconv_deform_conv_desc *desc,
                                                      const float *input, const float *weights,
                                                      const float *bias, const float *offset,
                                                      const float *mask, double *output);

/* ------------------------------------------------------------------------ */
/* CPU reference (double accumulation)                                      */
/* ------------------------------------------------------------------------ */

/* y = act(conv(x, w) + b) accumulated in double, written as double, with the
 * exact semantics of the device path.  bias must be non-NULL iff has_bias. */
CLCONV_API clconv_status clconv_reference_conv(const clconv_conv_desc *desc, const float *input,
                                               const float *weights, const float *bias,
                                               double *output);
CLCONV_API clconv_status clconv_reference_space_depth(const clconv_space_depth_desc *desc,
                                                      const float *input, float *output);

#ifdef __cplusplus
}
#endif
#endif /* CLCONV_H */
