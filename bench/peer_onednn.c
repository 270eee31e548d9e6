/* The oneDNN peer (see peer.h): ONNX Conv / ConvTranspose as oneDNN 2.x's
 * convolution / deconvolution primitive on the CPU engine, through its C
 * API.
 *
 * What a oneDNN user with NCHW data does, and what each run times:
 *   src, weights and dst are described with format_tag::any so that the
 *   primitive picks its own (blocked) layouts; the weights are reordered
 *   into theirs once in prepare; every run is
 *     reorder NC(D)(H)W -> the primitive's src layout   (skipped if equal)
 *     the convolution, bias and activation (an eltwise post-op)
 *     reorder the primitive's dst layout -> NC(D)(H)W   (skipped if equal)
 *     dnnl_stream_wait
 *   timed on the host's monotonic clock, because that is what a caller
 *   waits for.
 *
 * ONNX to oneDNN:
 *   dilation   oneDNN counts the holes: ONNX dilation - 1.
 *   pads       padding_l / padding_r from clconv_conv_resolved_pads (auto_pad
 *              applied).  ConvTranspose: oneDNN takes the dst dims it is
 *              given and checks (dst - kernel_extent + pl + pr) / s + 1 ==
 *              src, so output_padding and an explicit output_shape become
 *              padding_r = s*(in-1) + kernel_extent - pl - out (negative by
 *              less than s for output_padding; only pl decides where the
 *              taps land).
 *   weights    Conv (g)oi(d)(h)w is ONNX's own layout.  ConvTranspose's ONNX
 *              weights are [C][K/G][k...], oneDNN's (g)oi.. with o the
 *              OUTPUT channels: the user memory is described as (g)io..
 *              (plain tags bac.., acbd..) and the one-off weights reorder
 *              transposes them.  No flip: oneDNN's deconvolution is the
 *              adjoint of its convolution, as ONNX's is.
 *   activation relu -> eltwise_relu(0), leaky_relu(a) -> eltwise_relu(a),
 *              clip(lo, hi) -> eltwise_clip(lo, hi).
 *
 * Built without oneDNN (CLCONV_HAVE_DNNL undefined), or against oneDNN 3.x
 * whose C API replaced the op descriptors used here, every layer is
 * PEER_NO_ROUTE with the reason. */
#define _POSIX_C_SOURCE 200809L
#include "peer.h"
#include "timing.h" /* bench_now_ms */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CLCONV_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#if DNNL_VERSION_MAJOR >= 3
#define ONEDNN_UNAVAILABLE "oneDNN 3.x API not supported yet (build against oneDNN 2.x)"
#endif
#else
#define ONEDNN_UNAVAILABLE "oneDNN not found at build time (install libdnnl-dev and reconfigure)"
#endif

#ifdef ONEDNN_UNAVAILABLE

static int unavailable(char *why, size_t why_len)
{
    snprintf(why, why_len, "%s", ONEDNN_UNAVAILABLE);
    return PEER_NO_ROUTE;
}

static int onednn_open(clconv_context *ctx, void **state, char *why, size_t why_len)
{
    (void)ctx;
    *state = NULL;
    return unavailable(why, why_len);
}

static void onednn_close(void *state) { (void)state; }

static int onednn_prepare(void *state, const clconv_conv_desc *d, const float *x, const float *w,
                          const float *b, void **inst, char *note, size_t note_len, char *why,
                          size_t why_len)
{
    (void)state, (void)d, (void)x, (void)w, (void)b, (void)note, (void)note_len;
    *inst = NULL;
    return unavailable(why, why_len);
}

static int onednn_run(void *inst, double *ms, char *why, size_t why_len)
{
    (void)inst;
    *ms = 0;
    return unavailable(why, why_len);
}

static int onednn_read_output(void *inst, float *y, char *why, size_t why_len)
{
    (void)inst, (void)y;
    return unavailable(why, why_len);
}

static void onednn_release(void *inst) { (void)inst; }

#else /* oneDNN 2.x */

typedef struct onednn_state {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
} onednn_state;

typedef struct onednn_inst {
    onednn_state *s;
    dnnl_primitive_t conv;        /* convolution or deconvolution */
    dnnl_primitive_t src_reorder; /* user layout -> the primitive's; NULL when equal */
    dnnl_primitive_t dst_reorder; /* the primitive's -> user layout; NULL when equal */
    /* src == user_src and dst == user_dst when no reorder is needed; each
     * memory is destroyed once. */
    dnnl_memory_t user_src, src, weights, bias, dst, user_dst;
    size_t y_bytes;
} onednn_inst;

/* 1 on success; otherwise the reason in why. */
static int ok(dnnl_status_t st, const char *fn, char *why, size_t why_len)
{
    if (st == dnnl_success)
        return 1;
    snprintf(why, why_len, "%s failed: dnnl_%s (%d)", fn, dnnl_status2str(st), (int)st);
    return 0;
}

static int onednn_open(clconv_context *ctx, void **state, char *why, size_t why_len)
{
    (void)ctx; /* oneDNN runs on the CPU, not on the context's device */
    *state = NULL;
    onednn_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, why_len, "out of host memory");
        return PEER_FAIL;
    }
    if (!ok(dnnl_engine_create(&s->engine, dnnl_cpu, 0), "dnnl_engine_create", why, why_len) ||
        !ok(dnnl_stream_create(&s->stream, s->engine, dnnl_stream_default_flags),
            "dnnl_stream_create", why, why_len)) {
        if (s->engine)
            dnnl_engine_destroy(s->engine);
        free(s);
        return PEER_FAIL;
    }
    *state = s;
    return PEER_OK;
}

static void onednn_close(void *state)
{
    onednn_state *s = state;
    if (!s)
        return;
    dnnl_stream_destroy(s->stream);
    dnnl_engine_destroy(s->engine);
    free(s);
}

/* ---- the layer in oneDNN's terms --------------------------------------------- */

/* Dims and geometry of one layer; spatial arrays in ONNX order. */
typedef struct dnnl_layer {
    int nd, wei_nd; /* 2 + rank; weights one more with groups */
    dnnl_dims_t src, dst, wei, bias;
    dnnl_dims_t strides, dilates, pad_l, pad_r;
} dnnl_layer;

/* Fills L from d; PEER_NO_ROUTE when oneDNN cannot express the pads. */
static int layer_dims(const clconv_conv_desc *d, dnnl_layer *L, char *why, size_t why_len)
{
    int out[CLCONV_MAX_RANK], pb[CLCONV_MAX_RANK], pe[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS ||
        clconv_conv_resolved_pads(d, pb, pe) != CLCONV_SUCCESS) {
        snprintf(why, why_len, "invalid layer: %s", clconv_last_error());
        return PEER_FAIL;
    }
    /* 0 when a count overflows size_t. */
    if (!clconv_conv_input_elems(d) || !clconv_conv_weight_elems(d) ||
        !clconv_conv_output_elems(d)) {
        snprintf(why, why_len, "a tensor's element count overflows");
        return PEER_FAIL;
    }
    memset(L, 0, sizeof *L);
    const int r = d->rank, G = d->groups, grouped = G > 1;
    L->nd = 2 + r;
    L->wei_nd = L->nd + grouped;
    L->src[0] = L->dst[0] = d->batch;
    L->src[1] = d->in_channels;
    L->dst[1] = L->bias[0] = d->out_channels;
    /* (g)oi: o the output channels for both kinds (see the header). */
    if (grouped)
        L->wei[0] = G;
    L->wei[grouped] = d->out_channels / G;
    L->wei[grouped + 1] = d->in_channels / G;
    for (int i = 0; i < r; i++) {
        const int k = d->kernel_size[i], s = d->strides[i], dil = d->dilations[i];
        L->src[2 + i] = d->in_size[i];
        L->dst[2 + i] = out[i];
        L->wei[grouped + 2 + i] = k;
        L->strides[i] = s;
        L->dilates[i] = dil - 1;
        L->pad_l[i] = pb[i];
        if (!d->transposed) {
            L->pad_r[i] = pe[i];
            continue;
        }
        const long long extent = (long long)(k - 1) * dil + 1;
        L->pad_r[i] = (long long)s * (d->in_size[i] - 1) + extent - pb[i] - out[i];
        if (pb[i] < 0 || L->pad_r[i] + s <= 0) {
            snprintf(why, why_len,
                     "axis %d: output %d needs pads %d / %lld, beyond what oneDNN's "
                     "deconvolution takes (padding_l >= 0, padding_r > -stride)",
                     i, out[i], pb[i], (long long)L->pad_r[i]);
            return PEER_NO_ROUTE;
        }
    }
    return PEER_OK;
}

/* The plain layout of ONNX's weights: (g)oi.. for Conv, (g)io.. for
 * ConvTranspose (see the header). */
static dnnl_format_tag_t onnx_weights_tag(const clconv_conv_desc *d)
{
    static const dnnl_format_tag_t conv[2][3] = {{dnnl_abc, dnnl_abcd, dnnl_abcde},
                                                 {dnnl_abcd, dnnl_abcde, dnnl_abcdef}};
    static const dnnl_format_tag_t deconv[2][3] = {{dnnl_bac, dnnl_bacd, dnnl_bacde},
                                                   {dnnl_acbd, dnnl_acbde, dnnl_acbdef}};
    const int g = d->groups > 1, r = d->rank - 1;
    return d->transposed ? deconv[g][r] : conv[g][r];
}

static dnnl_format_tag_t plain_data_tag(int rank)
{
    return rank == 1 ? dnnl_ncw : rank == 2 ? dnnl_nchw : dnnl_ncdhw;
}

/* Post-ops for the activation; *attr stays NULL without one. */
static int activation_attr(const clconv_conv_desc *d, dnnl_primitive_attr_t *attr, char *why,
                           size_t why_len)
{
    *attr = NULL;
    dnnl_alg_kind_t alg;
    float alpha = 0, beta = 0;
    switch (d->activation) {
    case CLCONV_ACTIVATION_NONE: return PEER_OK;
    case CLCONV_ACTIVATION_RELU: alg = dnnl_eltwise_relu; break;
    case CLCONV_ACTIVATION_LEAKY_RELU: alg = dnnl_eltwise_relu, alpha = d->activation_alpha; break;
    case CLCONV_ACTIVATION_CLIP:
        /* ONNX clips to max when min > max; oneDNN's clip would give min. */
        if (d->activation_alpha > d->activation_beta) {
            snprintf(why, why_len, "clip with min > max");
            return PEER_NO_ROUTE;
        }
        alg = dnnl_eltwise_clip, alpha = d->activation_alpha, beta = d->activation_beta;
        break;
    default: snprintf(why, why_len, "unknown activation %d", (int)d->activation); return PEER_FAIL;
    }
    dnnl_post_ops_t ops = NULL;
    int rc = PEER_FAIL;
    if (ok(dnnl_post_ops_create(&ops), "dnnl_post_ops_create", why, why_len) &&
        ok(dnnl_post_ops_append_eltwise(ops, 1.0f, alg, alpha, beta),
           "dnnl_post_ops_append_eltwise", why, why_len) &&
        ok(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create", why, why_len) &&
        ok(dnnl_primitive_attr_set_post_ops(*attr, ops), "dnnl_primitive_attr_set_post_ops", why,
           why_len))
        rc = PEER_OK;
    if (ops)
        dnnl_post_ops_destroy(ops);
    if (rc != PEER_OK && *attr) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    return rc;
}

/* The (de)convolution primitive descriptor, src/weights/dst layouts left
 * to oneDNN.  dnnl_unimplemented is PEER_NO_ROUTE: no implementation. */
static int conv_pd(onednn_state *s, const clconv_conv_desc *d, const dnnl_layer *L,
                   dnnl_primitive_desc_t *pd, char *why, size_t why_len)
{
    dnnl_memory_desc_t src, wei, bias, dst;
    if (!ok(dnnl_memory_desc_init_by_tag(&src, L->nd, L->src, dnnl_f32, dnnl_format_tag_any),
            "dnnl_memory_desc_init_by_tag(src)", why, why_len) ||
        !ok(dnnl_memory_desc_init_by_tag(&wei, L->wei_nd, L->wei, dnnl_f32, dnnl_format_tag_any),
            "dnnl_memory_desc_init_by_tag(weights)", why, why_len) ||
        !ok(dnnl_memory_desc_init_by_tag(&bias, 1, L->bias, dnnl_f32, dnnl_x),
            "dnnl_memory_desc_init_by_tag(bias)", why, why_len) ||
        !ok(dnnl_memory_desc_init_by_tag(&dst, L->nd, L->dst, dnnl_f32, dnnl_format_tag_any),
            "dnnl_memory_desc_init_by_tag(dst)", why, why_len))
        return PEER_FAIL;
    const dnnl_memory_desc_t *b = d->has_bias ? &bias : NULL;
    /* The op descriptors are distinct types; the union holds either. */
    union {
        dnnl_convolution_desc_t conv;
        dnnl_deconvolution_desc_t deconv;
    } op;
    dnnl_status_t st;
    const char *fn;
    if (d->transposed) {
        fn = "dnnl_dilated_deconvolution_forward_desc_init";
        st = dnnl_dilated_deconvolution_forward_desc_init(
            &op.deconv, dnnl_forward_inference, dnnl_deconvolution_direct, &src, &wei, b, &dst,
            L->strides, L->dilates, L->pad_l, L->pad_r);
    } else {
        fn = "dnnl_dilated_convolution_forward_desc_init";
        st = dnnl_dilated_convolution_forward_desc_init(
            &op.conv, dnnl_forward_inference, dnnl_convolution_direct, &src, &wei, b, &dst,
            L->strides, L->dilates, L->pad_l, L->pad_r);
    }
    if (!ok(st, fn, why, why_len))
        return PEER_FAIL;
    dnnl_primitive_attr_t attr;
    int rc = activation_attr(d, &attr, why, why_len);
    if (rc != PEER_OK)
        return rc;
    st = dnnl_primitive_desc_create(pd, &op, attr, s->engine, NULL);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (st == dnnl_unimplemented) {
        snprintf(why, why_len, "oneDNN has no implementation for this layer "
                 "(dnnl_primitive_desc_create: unimplemented)");
        return PEER_NO_ROUTE;
    }
    return ok(st, "dnnl_primitive_desc_create", why, why_len) ? PEER_OK : PEER_FAIL;
}

/* ---- memories and reorders ----------------------------------------------------- */

/* A memory oneDNN allocates, optionally filled with `bytes` from host. */
static int new_memory(onednn_state *s, const dnnl_memory_desc_t *md, const void *host,
                      size_t bytes, dnnl_memory_t *mem, char *why, size_t why_len)
{
    if (!ok(dnnl_memory_create(mem, md, s->engine, DNNL_MEMORY_ALLOCATE), "dnnl_memory_create",
            why, why_len))
        return PEER_FAIL;
    if (!host)
        return PEER_OK;
    void *p = NULL;
    if (!ok(dnnl_memory_get_data_handle(*mem, &p), "dnnl_memory_get_data_handle", why, why_len))
        return PEER_FAIL;
    if (dnnl_memory_desc_get_size(md) != bytes) {
        snprintf(why, why_len, "oneDNN sizes a plain tensor as %zu bytes, expected %zu",
                 dnnl_memory_desc_get_size(md), bytes);
        return PEER_FAIL;
    }
    memcpy(p, host, bytes);
    return PEER_OK;
}

static int new_plain_desc(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag,
                          dnnl_memory_desc_t *md, char *why, size_t why_len)
{
    return ok(dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32, tag),
              "dnnl_memory_desc_init_by_tag", why, why_len)
               ? PEER_OK
               : PEER_FAIL;
}

static int new_reorder(onednn_state *s, dnnl_memory_t from, dnnl_memory_t to,
                       dnnl_primitive_t *prim, char *why, size_t why_len)
{
    const dnnl_memory_desc_t *fmd, *tmd;
    dnnl_primitive_desc_t pd = NULL;
    if (!ok(dnnl_memory_get_memory_desc(from, &fmd), "dnnl_memory_get_memory_desc", why,
            why_len) ||
        !ok(dnnl_memory_get_memory_desc(to, &tmd), "dnnl_memory_get_memory_desc", why, why_len) ||
        !ok(dnnl_reorder_primitive_desc_create(&pd, fmd, s->engine, tmd, s->engine, NULL),
            "dnnl_reorder_primitive_desc_create", why, why_len))
        return PEER_FAIL;
    const int good = ok(dnnl_primitive_create(prim, pd), "dnnl_primitive_create(reorder)", why,
                        why_len);
    dnnl_primitive_desc_destroy(pd);
    return good ? PEER_OK : PEER_FAIL;
}

static int exec_reorder(onednn_state *s, dnnl_primitive_t prim, dnnl_memory_t from,
                        dnnl_memory_t to, char *why, size_t why_len)
{
    const dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return ok(dnnl_primitive_execute(prim, s->stream, 2, args), "dnnl_primitive_execute(reorder)",
              why, why_len);
}

/* The weights in the primitive's layout, reordered once from ONNX's. */
static int upload_weights(onednn_inst *in, const clconv_conv_desc *d, const dnnl_layer *L,
                          const dnnl_memory_desc_t *chosen, const float *w, char *why,
                          size_t why_len)
{
    onednn_state *s = in->s;
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user = NULL;
    dnnl_primitive_t reorder = NULL;
    const size_t bytes = clconv_conv_weight_elems(d) * sizeof(float);
    int rc = new_plain_desc(L->wei_nd, L->wei, onnx_weights_tag(d), &user_md, why, why_len);
    if (rc == PEER_OK)
        rc = new_memory(s, chosen, NULL, 0, &in->weights, why, why_len);
    if (rc == PEER_OK)
        rc = new_memory(s, &user_md, w, bytes, &user, why, why_len);
    if (rc == PEER_OK)
        rc = new_reorder(s, user, in->weights, &reorder, why, why_len);
    if (rc == PEER_OK && (!exec_reorder(s, reorder, user, in->weights, why, why_len) ||
                          !ok(dnnl_stream_wait(s->stream), "dnnl_stream_wait", why, why_len)))
        rc = PEER_FAIL;
    if (reorder)
        dnnl_primitive_destroy(reorder);
    if (user)
        dnnl_memory_destroy(user);
    return rc;
}

/* User src (filled with x) and, when the primitive wants another layout,
 * the primitive's src and the reorder between them. */
static int setup_src(onednn_inst *in, const clconv_conv_desc *d, const dnnl_layer *L,
                     const dnnl_memory_desc_t *chosen, const float *x, char *why, size_t why_len)
{
    dnnl_memory_desc_t user_md;
    const size_t bytes = clconv_conv_input_elems(d) * sizeof(float);
    int rc = new_plain_desc(L->nd, L->src, plain_data_tag(d->rank), &user_md, why, why_len);
    if (rc == PEER_OK)
        rc = new_memory(in->s, &user_md, x, bytes, &in->user_src, why, why_len);
    if (rc != PEER_OK)
        return rc;
    if (dnnl_memory_desc_equal(&user_md, chosen)) {
        in->src = in->user_src;
        return PEER_OK;
    }
    rc = new_memory(in->s, chosen, NULL, 0, &in->src, why, why_len);
    return rc == PEER_OK ? new_reorder(in->s, in->user_src, in->src, &in->src_reorder, why, why_len)
                         : rc;
}

/* The primitive's dst and, when its layout is not the user's, the user dst
 * and the reorder into it. */
static int setup_dst(onednn_inst *in, const clconv_conv_desc *d, const dnnl_layer *L,
                     const dnnl_memory_desc_t *chosen, char *why, size_t why_len)
{
    dnnl_memory_desc_t user_md;
    in->y_bytes = clconv_conv_output_elems(d) * sizeof(float);
    int rc = new_plain_desc(L->nd, L->dst, plain_data_tag(d->rank), &user_md, why, why_len);
    if (rc == PEER_OK)
        rc = new_memory(in->s, chosen, NULL, 0, &in->dst, why, why_len);
    if (rc != PEER_OK)
        return rc;
    if (dnnl_memory_desc_equal(&user_md, chosen)) {
        in->user_dst = in->dst;
        return PEER_OK;
    }
    if (dnnl_memory_desc_get_size(&user_md) != in->y_bytes) {
        snprintf(why, why_len, "oneDNN sizes the output as %zu bytes, expected %zu",
                 dnnl_memory_desc_get_size(&user_md), in->y_bytes);
        return PEER_FAIL;
    }
    rc = new_memory(in->s, &user_md, NULL, 0, &in->user_dst, why, why_len);
    return rc == PEER_OK ? new_reorder(in->s, in->dst, in->user_dst, &in->dst_reorder, why, why_len)
                         : rc;
}

/* ---- per layer --------------------------------------------------------------- */

static void onednn_release(void *inst)
{
    onednn_inst *in = inst;
    if (!in)
        return;
    dnnl_primitive_t prims[] = {in->conv, in->src_reorder, in->dst_reorder};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    if (in->src && in->src != in->user_src)
        dnnl_memory_destroy(in->src);
    if (in->user_dst && in->user_dst != in->dst)
        dnnl_memory_destroy(in->user_dst);
    dnnl_memory_t mems[] = {in->user_src, in->weights, in->bias, in->dst};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    free(in);
}

/* The implementation oneDNN chose ("brg:avx512_core", "jit:avx2", ...). */
static void impl_note(const_dnnl_primitive_desc_t pd, char *note, size_t note_len)
{
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
        snprintf(note, note_len, "%s", impl);
}

/* Everything after the primitive descriptor: memories, reorders, weights. */
static int build(onednn_inst *in, const clconv_conv_desc *d, const dnnl_layer *L,
                 const_dnnl_primitive_desc_t pd, const float *x, const float *w, const float *b,
                 char *why, size_t why_len)
{
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *wei = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if (!src || !wei || !dst) {
        snprintf(why, why_len, "dnnl_primitive_desc_query_md returned no src/weights/dst");
        return PEER_FAIL;
    }
    if (!ok(dnnl_primitive_create(&in->conv, pd), "dnnl_primitive_create", why, why_len))
        return PEER_FAIL;
    int rc = setup_src(in, d, L, src, x, why, why_len);
    if (rc == PEER_OK)
        rc = setup_dst(in, d, L, dst, why, why_len);
    if (rc == PEER_OK)
        rc = upload_weights(in, d, L, wei, w, why, why_len);
    if (rc == PEER_OK && d->has_bias) {
        dnnl_memory_desc_t md;
        rc = new_plain_desc(1, L->bias, dnnl_x, &md, why, why_len);
        if (rc == PEER_OK)
            rc = new_memory(in->s, &md, b, (size_t)d->out_channels * sizeof(float), &in->bias,
                            why, why_len);
    }
    return rc;
}

static int onednn_prepare(void *state, const clconv_conv_desc *d, const float *x, const float *w,
                          const float *b, void **inst, char *note, size_t note_len, char *why,
                          size_t why_len)
{
    *inst = NULL;
    dnnl_layer L;
    int rc = layer_dims(d, &L, why, why_len);
    if (rc != PEER_OK)
        return rc;
    onednn_inst *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(why, why_len, "out of host memory");
        return PEER_FAIL;
    }
    in->s = state;
    dnnl_primitive_desc_t pd = NULL;
    rc = conv_pd(in->s, d, &L, &pd, why, why_len);
    if (rc == PEER_OK) {
        impl_note(pd, note, note_len);
        rc = build(in, d, &L, pd, x, w, b, why, why_len);
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (rc != PEER_OK) {
        onednn_release(in);
        return rc;
    }
    *inst = in;
    return PEER_OK;
}

static int onednn_run(void *inst, double *ms, char *why, size_t why_len)
{
    onednn_inst *in = inst;
    onednn_state *s = in->s;
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, in->src},
                               {DNNL_ARG_WEIGHTS, in->weights},
                               {DNNL_ARG_DST, in->dst},
                               {DNNL_ARG_BIAS, in->bias}};
    const int nargs = in->bias ? 4 : 3;
    const double t0 = bench_now_ms();
    if (in->src_reorder && !exec_reorder(s, in->src_reorder, in->user_src, in->src, why, why_len))
        return PEER_FAIL;
    if (!ok(dnnl_primitive_execute(in->conv, s->stream, nargs, args), "dnnl_primitive_execute",
            why, why_len))
        return PEER_FAIL;
    if (in->dst_reorder && !exec_reorder(s, in->dst_reorder, in->dst, in->user_dst, why, why_len))
        return PEER_FAIL;
    if (!ok(dnnl_stream_wait(s->stream), "dnnl_stream_wait", why, why_len))
        return PEER_FAIL;
    *ms = bench_now_ms() - t0;
    return PEER_OK;
}

static int onednn_read_output(void *inst, float *y, char *why, size_t why_len)
{
    onednn_inst *in = inst;
    void *p = NULL;
    if (!ok(dnnl_memory_get_data_handle(in->user_dst, &p), "dnnl_memory_get_data_handle", why,
            why_len))
        return PEER_FAIL;
    memcpy(y, p, in->y_bytes);
    return PEER_OK;
}

#endif /* oneDNN 2.x */

const bench_peer bench_peer_onednn = {
    .name = "onednn",
    .open = onednn_open,
    .close = onednn_close,
    .prepare = onednn_prepare,
    .run = onednn_run,
    .read_output = onednn_read_output,
    .release = onednn_release,
};
