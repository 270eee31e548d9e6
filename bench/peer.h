/* Peers: the libraries a user would otherwise call, timed on the same
 * layers in the same run as clconv (`clconv-bench suite --peers ...`).
 *
 *   onednn   oneDNN on the CPU (optional at build time: CLCONV_HAVE_DNNL).
 *            Convolution / deconvolution primitive with format_tag::any;
 *            weights reordered once outside the timing; each timed run is
 *            NCHW -> blocked source reorder, the primitive, blocked -> NCHW
 *            destination reorder, because clconv's users hand NCHW buffers.
 *            Host wall-clock time of the whole, stream waited for.
 *   clblast  CLBlast on the clconv context's OpenCL device and queue:
 *            CLBlastSconvgemm for 2D convolution (one call per image and
 *            group for grouped layers), Sgemm + Scol2im for 2D transposed, no route
 *            for 3D or what CLBlast cannot express.  Device time from
 *            OpenCL profiling, bracketed by markers like timing.c.
 *
 * A peer computes y = act(conv(x, w) + b) as far as it can; what it leaves
 * out of the timed work (CLBlast has no bias) it says in `note` and applies
 * on the host in read_output, so that every peer's output is checked
 * against the same float64 reference.
 *
 * Every function returns PEER_OK or another code with a one-line reason
 * in why (no "clconv-bench: " prefix, no newline).  No function exits or
 * prints. */
#ifndef CLCONV_BENCH_PEER_H
#define CLCONV_BENCH_PEER_H
#include "clconv.h"

#include <stddef.h>

enum {
    PEER_OK = 0,
    PEER_NO_ROUTE = 1, /* the peer cannot express this layer (a 3D layer for CLBlast) */
    PEER_FAIL = 2      /* it should have worked and did not */
};

typedef struct bench_peer {
    const char *name; /* "onednn", "clblast": the --peers name and CSV column prefix */
    /* Once per bench run.  PEER_OK and a state, or PEER_NO_ROUTE when the
     * peer is unavailable (oneDNN not built in: why says so and how to get
     * it), or PEER_FAIL.  ctx is the bench's clconv context (profiling on). */
    int (*open)(clconv_context *ctx, void **state, char *why, size_t why_len);
    void (*close)(void *state);
    /* Per layer, outside the timing: builds what the peer needs, uploads x,
     * w and b (ONNX layouts; b NULL iff !has_bias), reorders weights.
     * note (may stay "") says how the layer is run when that matters to a
     * reader: "32 per-group calls", "bias on host, untimed". */
    int (*prepare)(void *state, const clconv_conv_desc *d, const float *x, const float *w,
                   const float *b, void **inst, char *note, size_t note_len, char *why,
                   size_t why_len);
    /* One run, waited for; *ms its time (see above for how each peer
     * measures).  The first call after prepare is the warm-up. */
    int (*run)(void *inst, double *ms, char *why, size_t why_len);
    /* The output of the last run in ONNX layout (clconv_conv_output_elems
     * floats), with whatever the peer left out applied on the host. */
    int (*read_output)(void *inst, float *y, char *why, size_t why_len);
    void (*release)(void *inst);
} bench_peer;

extern const bench_peer bench_peer_onednn;
extern const bench_peer bench_peer_clblast;

#endif
