/* Error handling: every invalid descriptor field returns
 * CLCONV_INVALID_ARGUMENT from clconv_conv_output_shape and
 * clconv_plan_create with a message that names the operation and the
 * field; NULL pointers to every public function are rejected (or are
 * no-ops where the header says so); a named algorithm that cannot do a
 * descriptor says CLCONV_UNSUPPORTED with a reason; enqueue before weights
 * is CLCONV_INVALID_STATE; buffers that are too small are rejected by name
 * and leave the output untouched; status strings and algorithm names are
 * complete; a bad params option or CLCONV_PARAMS is named.  Runs clean
 * under valgrind (see tests/valgrind.supp). */
#define _POSIX_C_SOURCE 200809L /* setenv, strdup */
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* status == want and, if want != SUCCESS, the message has every word. */
static void expect_at(int line, const char *what, clconv_status got, clconv_status want,
                      const char *w1, const char *w2)
{
    const char *msg = clconv_last_error();
    if (got != want) {
        printf("FAIL line %d: %s: got %s, want %s (message: \"%s\")\n", line, what,
               clconv_status_string(got), clconv_status_string(want), msg);
        test_failures++;
        return;
    }
    if (want == CLCONV_SUCCESS)
        return;
    if (!msg || !*msg) {
        printf("FAIL line %d: %s: %s with an empty clconv_last_error()\n", line, what,
               clconv_status_string(got));
        test_failures++;
        return;
    }
    if ((w1 && !strstr(msg, w1)) || (w2 && !strstr(msg, w2))) {
        printf("FAIL line %d: %s: message \"%s\" does not name \"%s\"%s%s\n", line, what, msg,
               w1 ? w1 : "", w2 ? " and " : "", w2 ? w2 : "");
        test_failures++;
    }
}
#define EXPECT(what, call, want, w1, w2) expect_at(__LINE__, what, (call), want, w1, w2)

/* ---- descriptor fields --------------------------------------------------- */

static void base_desc(clconv_conv_desc *d)
{
    clconv_conv_desc_init(d, 2);
    d->in_channels = 4;
    d->out_channels = 6;
    d->in_size[0] = 8;
    d->in_size[1] = 9;
    d->kernel_size[0] = d->kernel_size[1] = 3;
    d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 1;
}

typedef struct bad_case {
    const char *name;
    const char *field; /* text the message must contain */
    void (*mutate)(clconv_conv_desc *d);
} bad_case;

#define MUT(fn, body)                                                                              \
    static void fn(clconv_conv_desc *d) { body; }
MUT(m_rank0, d->rank = 0)
MUT(m_rank4, d->rank = 4)
MUT(m_rank_neg, d->rank = -1)
MUT(m_batch0, d->batch = 0)
MUT(m_batch_neg, d->batch = -3)
MUT(m_c0, d->in_channels = 0)
MUT(m_k0, d->out_channels = 0)
MUT(m_g0, d->groups = 0)
MUT(m_g_c, { d->in_channels = 8; d->out_channels = 6; d->groups = 3; })
MUT(m_g_k, { d->in_channels = 6; d->out_channels = 8; d->groups = 3; })
MUT(m_in0, d->in_size[1] = 0)
MUT(m_k_size0, d->kernel_size[0] = 0)
MUT(m_pb_neg, d->pads_begin[1] = -1)
MUT(m_pe_neg, d->pads_end[0] = -2)
MUT(m_s0, d->strides[0] = 0)
MUT(m_s_neg, d->strides[1] = -1)
MUT(m_d0, d->dilations[1] = 0)
MUT(m_k_large, { d->in_size[0] = 4; d->kernel_size[0] = 7; d->pads_begin[0] = d->pads_end[0] = 1; })
MUT(m_k_dil_large, { d->in_size[1] = 4; d->pads_begin[1] = d->pads_end[1] = 0; d->dilations[1] = 3; })
MUT(m_valid_large, { d->in_size[0] = 2; d->auto_pad = CLCONV_AUTO_PAD_VALID; })
MUT(m_op_t, { d->transposed = 1; d->strides[1] = 2; d->output_padding[1] = 2; })
MUT(m_op_t_s1, { d->transposed = 1; d->output_padding[0] = 1; })
MUT(m_op_neg, { d->transposed = 1; d->strides[0] = 2; d->output_padding[0] = -1; })
MUT(m_op_conv, d->output_padding[0] = 1)
MUT(m_os_conv, { d->output_shape[0] = 8; d->output_shape[1] = 9; })
MUT(m_os_partial, { d->transposed = 1; d->output_shape[0] = 10; })
MUT(m_os_neg, { d->transposed = 1; d->output_shape[0] = 10; d->output_shape[1] = -1; })
MUT(m_t_pads, { d->transposed = 1; d->in_size[0] = 1; d->kernel_size[0] = 1; d->pads_begin[0] = 1; d->pads_end[0] = 1; })
MUT(m_autopad, d->auto_pad = (clconv_auto_pad)7)
MUT(m_autopad_neg, d->auto_pad = (clconv_auto_pad)-1)
MUT(m_act, d->activation = (clconv_activation)9)
MUT(m_clip, { d->activation = CLCONV_ACTIVATION_CLIP; d->activation_alpha = 1.0f; d->activation_beta = 0.0f; })
MUT(m_alpha_nan, { d->activation = CLCONV_ACTIVATION_LEAKY_RELU; d->activation_alpha = NAN; })
MUT(m_bias2, d->has_bias = 2)
MUT(m_transposed2, d->transposed = 2)
MUT(m_huge_in, d->in_size[0] = INT_MAX)
MUT(m_huge_pad, d->pads_begin[1] = INT_MAX)
MUT(m_huge_stride, d->strides[0] = INT_MAX)
MUT(m_huge_kernel, d->kernel_size[1] = INT_MAX)
/* (k-1)*d+1 = 65535*65536+1 overflows int */
MUT(m_huge_kd, { d->kernel_size[0] = 65536; d->dilations[0] = 65536; d->in_size[0] = 1 << 24; })
/* s*(in-1) overflows int in the ConvTranspose size */
MUT(m_huge_t, { d->transposed = 1; d->strides[0] = 65536; d->in_size[0] = 1 << 24; })
MUT(m_huge_input, { d->in_channels = 1 << 20; d->out_channels = 1; d->in_size[0] = 4096; d->in_size[1] = 4096; })
MUT(m_huge_batch, { d->batch = INT_MAX; d->in_channels = 4; })
MUT(m_huge_weights, { d->in_channels = 1 << 16; d->out_channels = 1 << 16; d->in_size[0] = d->in_size[1] = 1; d->kernel_size[0] = d->kernel_size[1] = 1; d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 0; })
MUT(m_huge_output, { d->transposed = 1; d->in_channels = 1; d->out_channels = 1 << 12; d->in_size[0] = d->in_size[1] = 1024; d->strides[0] = d->strides[1] = 4; d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 0; })

static const bad_case bad_cases[] = {
    {"rank 0", "rank", m_rank0},
    {"rank 4", "rank", m_rank4},
    {"rank -1", "rank", m_rank_neg},
    {"batch 0", "batch", m_batch0},
    {"batch -3", "batch", m_batch_neg},
    {"in_channels 0", "in_channels", m_c0},
    {"out_channels 0", "out_channels", m_k0},
    {"groups 0", "groups", m_g0},
    {"groups not dividing C", "groups", m_g_c},
    {"groups not dividing K", "groups", m_g_k},
    {"in_size 0", "in_size[1]", m_in0},
    {"kernel_size 0", "kernel_size[0]", m_k_size0},
    {"negative pads_begin", "pads_begin[1]", m_pb_neg},
    {"negative pads_end", "pads_end[0]", m_pe_neg},
    {"zero stride", "strides[0]", m_s0},
    {"negative stride", "strides[1]", m_s_neg},
    {"zero dilation", "dilations[1]", m_d0},
    {"kernel larger than padded input", "kernel_size[0]", m_k_large},
    {"dilated kernel larger than input", "kernel_size[1]", m_k_dil_large},
    {"VALID kernel larger than input", "kernel_size[0]", m_valid_large},
    {"output_padding >= stride", "output_padding[1]", m_op_t},
    {"output_padding with stride 1", "output_padding[0]", m_op_t_s1},
    {"negative output_padding", "output_padding[0]", m_op_neg},
    {"output_padding on Conv", "output_padding[0]", m_op_conv},
    {"output_shape on Conv", "output_shape[0]", m_os_conv},
    {"partial output_shape", "output_shape", m_os_partial},
    {"negative output_shape", "output_shape[1]", m_os_neg},
    {"transposed pads leave no output", "pads", m_t_pads},
    {"auto_pad 7", "auto_pad", m_autopad},
    {"auto_pad -1", "auto_pad", m_autopad_neg},
    {"activation 9", "activation", m_act},
    {"clip min > max", "activation_alpha", m_clip},
    {"NaN activation_alpha", "activation_alpha", m_alpha_nan},
    {"has_bias 2", "has_bias", m_bias2},
    {"transposed 2", "transposed", m_transposed2},
    {"in_size INT_MAX", "in_size[0]", m_huge_in},
    {"pads_begin INT_MAX", "pads_begin[1]", m_huge_pad},
    {"strides INT_MAX", "strides[0]", m_huge_stride},
    {"kernel_size INT_MAX", "kernel_size[1]", m_huge_kernel},
    {"kernel*dilation overflows int", "[0]", m_huge_kd},
    {"transposed stride*size overflows int", "[0]", m_huge_t},
    {"input elements overflow", "input", m_huge_input},
    {"batch INT_MAX", "input", m_huge_batch},
    {"weight elements overflow", "weights", m_huge_weights},
    {"output elements overflow", "output", m_huge_output},
};

static void test_descriptors(clconv_context *ctx)
{
    clconv_conv_desc d;
    int out[CLCONV_MAX_RANK];
    base_desc(&d);
    EXPECT("base descriptor", clconv_conv_output_shape(&d, out), CLCONV_SUCCESS, NULL, NULL);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char what[160];
        base_desc(&d);
        c->mutate(&d);
        snprintf(what, sizeof what, "output_shape(%s)", c->name);
        out[0] = out[1] = out[2] = -7;
        EXPECT(what, clconv_conv_output_shape(&d, out), CLCONV_INVALID_ARGUMENT, c->field,
               "clconv_conv_output_shape");
        int pb[3], pe[3];
        snprintf(what, sizeof what, "resolved_pads(%s)", c->name);
        EXPECT(what, clconv_conv_resolved_pads(&d, pb, pe), CLCONV_INVALID_ARGUMENT, c->field,
               NULL);
        if (clconv_conv_flops(&d) != 0.0 || clconv_conv_input_elems(&d) != 0 ||
            clconv_conv_weight_elems(&d) != 0 || clconv_conv_output_elems(&d) != 0)
            FAILF("%s: flops/elems of an invalid descriptor are not 0", c->name);
        if (!ctx)
            continue;
        clconv_plan *plan = NULL;
        snprintf(what, sizeof what, "plan_create(%s)", c->name);
        EXPECT(what, clconv_plan_create(ctx, &d, CLCONV_ALGO_DIRECT, &plan),
               CLCONV_INVALID_ARGUMENT, c->field, "clconv_plan_create");
        if (plan) {
            FAILF("%s: plan_create failed but returned a plan", c->name);
            clconv_plan_destroy(plan);
            plan = NULL;
        }
        snprintf(what, sizeof what, "plan_create(%s, AUTO)", c->name);
        EXPECT(what, clconv_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan),
               CLCONV_INVALID_ARGUMENT, c->field, NULL);
        clconv_plan_destroy(plan);
        plan = NULL;
        snprintf(what, sizeof what, "algorithm_supports(%s)", c->name);
        EXPECT(what, clconv_algorithm_supports(ctx, &d, CLCONV_ALGO_DIRECT),
               CLCONV_INVALID_ARGUMENT, c->field, NULL);
    }
}

/* ---- statuses and names -------------------------------------------------- */

static void test_names(void)
{
    const char *seen[8] = {0};
    for (int s = CLCONV_SUCCESS; s <= CLCONV_DEVICE_NOT_FOUND; s++) {
        const char *t = clconv_status_string((clconv_status)s);
        if (!t || !*t) {
            FAILF("clconv_status_string(%d) is empty", s);
            continue;
        }
        for (int j = 0; j < s; j++)
            if (seen[j] && !strcmp(seen[j], t))
                FAILF("clconv_status_string(%d) == clconv_status_string(%d) == \"%s\"", s, j, t);
        seen[s] = t;
    }
    const char *u = clconv_status_string((clconv_status)1234);
    CHECK(u != NULL);
    CHECK(clconv_version() && strlen(clconv_version()) >= 5);

    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const char *n = clconv_algorithm_name((clconv_algorithm)a);
        if (!n || !*n) {
            FAILF("clconv_algorithm_name(%d) is empty", a);
            continue;
        }
        clconv_algorithm back = (clconv_algorithm)-1;
        EXPECT(n, clconv_algorithm_from_name(n, &back), CLCONV_SUCCESS, NULL, NULL);
        if (back != (clconv_algorithm)a)
            FAILF("clconv_algorithm_from_name(\"%s\") = %d, want %d", n, (int)back, a);
        for (int b = 0; b < a; b++) {
            const char *m = clconv_algorithm_name((clconv_algorithm)b);
            if (m && !strcmp(m, n))
                FAILF("algorithms %d and %d are both named \"%s\"", a, b, n);
        }
    }
    CHECK(!strcmp(clconv_algorithm_name(CLCONV_ALGO_AUTO), "auto"));
    CHECK(!strcmp(clconv_algorithm_name(CLCONV_ALGO_DIRECT), "direct"));
    CHECK(clconv_algorithm_name(CLCONV_ALGO_COUNT) == NULL);
    CHECK(clconv_algorithm_name((clconv_algorithm)-1) == NULL);
    clconv_algorithm a = CLCONV_ALGO_DIRECT;
    EXPECT("from_name(\"no_such_algo\")", clconv_algorithm_from_name("no_such_algo", &a),
           CLCONV_INVALID_ARGUMENT, "no_such_algo", NULL);
    CHECK(a == CLCONV_ALGO_DIRECT);
    EXPECT("from_name(\"\")", clconv_algorithm_from_name("", &a), CLCONV_INVALID_ARGUMENT, NULL,
           NULL);
    EXPECT("from_name(\"direct \")", clconv_algorithm_from_name("direct ", &a),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("from_name(NULL)", clconv_algorithm_from_name(NULL, &a), CLCONV_INVALID_ARGUMENT, NULL,
           NULL);
    EXPECT("from_name(out NULL)", clconv_algorithm_from_name("direct", NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
}

/* ---- NULL pointers without a device -------------------------------------- */

static void test_null_no_device(void)
{
    clconv_conv_desc d;
    base_desc(&d);
    int out[3], pb[3], pe[3];
    clconv_conv_desc_init(NULL, 2);
    clconv_context_options_init(NULL);
    clconv_space_depth_desc_init(NULL, CLCONV_DEPTH_TO_SPACE);
    clconv_context_destroy(NULL);
    clconv_plan_destroy(NULL);
    EXPECT("context_create(out NULL)", clconv_context_create(NULL, NULL), CLCONV_INVALID_ARGUMENT,
           "clconv_context_create", NULL);
    clconv_context *c = (clconv_context *)&d; /* must be overwritten (NULL) */
    EXPECT("create_from_queue(NULL)", clconv_context_create_from_queue(NULL, NULL, &c),
           CLCONV_INVALID_ARGUMENT, "queue", NULL);
    CHECK(c == NULL);
    EXPECT("output_shape(NULL)", clconv_conv_output_shape(NULL, out), CLCONV_INVALID_ARGUMENT,
           "desc", NULL);
    EXPECT("output_shape(out NULL)", clconv_conv_output_shape(&d, NULL), CLCONV_INVALID_ARGUMENT,
           NULL, NULL);
    EXPECT("resolved_pads(NULL)", clconv_conv_resolved_pads(NULL, pb, pe), CLCONV_INVALID_ARGUMENT,
           "desc", NULL);
    EXPECT("resolved_pads(pb NULL)", clconv_conv_resolved_pads(&d, NULL, pe),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("resolved_pads(pe NULL)", clconv_conv_resolved_pads(&d, pb, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    CHECK(clconv_conv_flops(NULL) == 0.0);
    CHECK(clconv_conv_input_elems(NULL) == 0);
    CHECK(clconv_conv_weight_elems(NULL) == 0);
    CHECK(clconv_conv_output_elems(NULL) == 0);
    CHECK(clconv_context_cl_context(NULL) == NULL);
    CHECK(clconv_context_queue(NULL) == NULL);
    CHECK(clconv_context_device(NULL) == NULL);
    CHECK(clconv_context_device_name(NULL) != NULL);
    /* not specified beyond "must not crash" */
    (void)clconv_plan_algorithm(NULL);
    (void)clconv_plan_describe(NULL);

    /* the reference */
    float x[4 * 8 * 9] = {0}, w[6 * 4 * 9] = {0}, b[6] = {0};
    double y[6 * 8 * 9];
    EXPECT("reference(desc NULL)", clconv_reference_conv(NULL, x, w, NULL, y),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("reference(input NULL)", clconv_reference_conv(&d, NULL, w, NULL, y),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    EXPECT("reference(weights NULL)", clconv_reference_conv(&d, x, NULL, NULL, y),
           CLCONV_INVALID_ARGUMENT, "weights", NULL);
    EXPECT("reference(output NULL)", clconv_reference_conv(&d, x, w, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
    EXPECT("reference(bias without has_bias)", clconv_reference_conv(&d, x, w, b, y),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    d.has_bias = 1;
    EXPECT("reference(has_bias without bias)", clconv_reference_conv(&d, x, w, NULL, y),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    EXPECT("reference(ok)", clconv_reference_conv(&d, x, w, b, y), CLCONV_SUCCESS, NULL, NULL);

    clconv_space_depth_desc s;
    clconv_space_depth_desc_init(&s, CLCONV_DEPTH_TO_SPACE);
    s.batch = 1;
    s.channels = 8;
    s.height = 2;
    s.width = 3;
    s.blocksize = 2;
    int os[4];
    float sx[8 * 6], sy[8 * 6];
    memset(sx, 0, sizeof sx);
    EXPECT("space_depth_output_shape(ok)", clconv_space_depth_output_shape(&s, os), CLCONV_SUCCESS,
           NULL, NULL);
    EXPECT("space_depth_output_shape(NULL)", clconv_space_depth_output_shape(NULL, os),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_output_shape(out NULL)", clconv_space_depth_output_shape(&s, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("reference_space_depth(NULL)", clconv_reference_space_depth(NULL, sx, sy),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("reference_space_depth(input NULL)", clconv_reference_space_depth(&s, NULL, sy),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    EXPECT("reference_space_depth(output NULL)", clconv_reference_space_depth(&s, sx, NULL),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
}

/* ---- space_depth descriptors --------------------------------------------- */

static void sd_base(clconv_space_depth_desc *s, clconv_space_depth_op op)
{
    clconv_space_depth_desc_init(s, op);
    s->batch = 2;
    s->channels = 8;
    s->height = 4;
    s->width = 6;
    s->blocksize = 2;
}

static void test_space_depth_desc(clconv_context *ctx)
{
    clconv_space_depth_desc s;
    int os[4];
    struct {
        const char *name, *field;
        clconv_space_depth_op op;
        int which, value;
    } cases[] = {
        {"blocksize 0", "blocksize", CLCONV_DEPTH_TO_SPACE, 0, 0},
        {"blocksize 0 (s2d)", "blocksize", CLCONV_SPACE_TO_DEPTH, 0, 0},
        {"blocksize -2", "blocksize", CLCONV_DEPTH_TO_SPACE, 0, -2},
        {"C not divisible by b*b", "channels", CLCONV_DEPTH_TO_SPACE, 1, 6},
        {"H not divisible by b", "height", CLCONV_SPACE_TO_DEPTH, 2, 5},
        {"W not divisible by b", "width", CLCONV_SPACE_TO_DEPTH, 3, 7},
        {"batch 0", "batch", CLCONV_DEPTH_TO_SPACE, 4, 0},
        {"channels 0", "channels", CLCONV_SPACE_TO_DEPTH, 1, 0},
        {"height 0", "height", CLCONV_DEPTH_TO_SPACE, 2, 0},
        {"width -1", "width", CLCONV_DEPTH_TO_SPACE, 3, -1},
        {"mode 5", "mode", CLCONV_DEPTH_TO_SPACE, 5, 5},
        {"op 9", "op", (clconv_space_depth_op)9, 6, 0},
        {"huge", "", CLCONV_SPACE_TO_DEPTH, 7, 0},
    };
    sd_base(&s, CLCONV_DEPTH_TO_SPACE);
    EXPECT("d2s base", clconv_space_depth_output_shape(&s, os), CLCONV_SUCCESS, NULL, NULL);
    CHECK(os[0] == 2 && os[1] == 2 && os[2] == 8 && os[3] == 12);
    sd_base(&s, CLCONV_SPACE_TO_DEPTH);
    EXPECT("s2d base", clconv_space_depth_output_shape(&s, os), CLCONV_SUCCESS, NULL, NULL);
    CHECK(os[0] == 2 && os[1] == 32 && os[2] == 2 && os[3] == 3);

    cl_mem in = NULL, outb = NULL;
    if (ctx) {
        cl_int e1, e2;
        in = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE, 4096, NULL, &e1);
        outb = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE, 4096, NULL, &e2);
        CHECK(e1 == CL_SUCCESS && e2 == CL_SUCCESS);
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sd_base(&s, cases[i].op);
        switch (cases[i].which) {
        case 0: s.blocksize = cases[i].value; break;
        case 1: s.channels = cases[i].value; break;
        case 2: s.height = cases[i].value; break;
        case 3: s.width = cases[i].value; break;
        case 4: s.batch = cases[i].value; break;
        case 5: s.mode = (clconv_depth_to_space_mode)cases[i].value; break;
        case 6: s.op = cases[i].op; break;
        case 7: s.batch = s.channels = INT_MAX; break;
        }
        char what[128];
        snprintf(what, sizeof what, "space_depth_output_shape(%s)", cases[i].name);
        EXPECT(what, clconv_space_depth_output_shape(&s, os), CLCONV_INVALID_ARGUMENT,
               cases[i].field, NULL);
        if (!ctx)
            continue;
        cl_event ev = NULL;
        snprintf(what, sizeof what, "space_depth_enqueue(%s)", cases[i].name);
        EXPECT(what, clconv_space_depth_enqueue(ctx, &s, in, outb, 0, NULL, &ev),
               CLCONV_INVALID_ARGUMENT, cases[i].field, NULL);
        if (ev) {
            FAILF("%s returned an event", what);
            clReleaseEvent(ev);
        }
    }
    if (!ctx)
        return;
    /* NULLs and a too-small output */
    sd_base(&s, CLCONV_DEPTH_TO_SPACE);
    float hx[2 * 8 * 4 * 6] = {0}, hy[2 * 8 * 4 * 6];
    EXPECT("space_depth_enqueue(ctx NULL)", clconv_space_depth_enqueue(NULL, &s, in, outb, 0, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_enqueue(desc NULL)", clconv_space_depth_enqueue(ctx, NULL, in, outb, 0, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_enqueue(input NULL)", clconv_space_depth_enqueue(ctx, &s, NULL, outb, 0, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    EXPECT("space_depth_enqueue(output NULL)", clconv_space_depth_enqueue(ctx, &s, in, NULL, 0, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
    EXPECT("space_depth_enqueue(wait list NULL)", clconv_space_depth_enqueue(ctx, &s, in, outb, 1, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_host(ctx NULL)", clconv_space_depth_host(NULL, &s, hx, hy),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_host(desc NULL)", clconv_space_depth_host(ctx, NULL, hx, hy),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("space_depth_host(input NULL)", clconv_space_depth_host(ctx, &s, NULL, hy),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    EXPECT("space_depth_host(output NULL)", clconv_space_depth_host(ctx, &s, hx, NULL),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
    s.channels = 64; /* 64*4*6*2 floats > 4096 bytes */
    EXPECT("space_depth_enqueue(small input)", clconv_space_depth_enqueue(ctx, &s, in, outb, 0, NULL, NULL),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    clReleaseMemObject(in);
    clReleaseMemObject(outb);
}

/* ---- with a device ------------------------------------------------------- */

static cl_mem buffer(clconv_context *ctx, size_t bytes)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE, bytes ? bytes : 4,
                              NULL, &err);
    if (!m) {
        printf("FAIL: clCreateBuffer(%zu): %d\n", bytes, err);
        exit(1);
    }
    return m;
}

static void fill(clconv_context *ctx, cl_mem m, size_t bytes, unsigned char pattern)
{
    unsigned char *h = malloc(bytes);
    memset(h, pattern, bytes);
    cl_int e = clEnqueueWriteBuffer(clconv_context_queue(ctx), m, CL_TRUE, 0, bytes, h, 0, NULL, NULL);
    CHECK(e == CL_SUCCESS);
    free(h);
}

/* 1 if all bytes still equal the pattern. */
static int untouched(clconv_context *ctx, cl_mem m, size_t bytes, unsigned char pattern)
{
    CHECK(clFinish(clconv_context_queue(ctx)) == CL_SUCCESS);
    unsigned char *h = malloc(bytes);
    cl_int e = clEnqueueReadBuffer(clconv_context_queue(ctx), m, CL_TRUE, 0, bytes, h, 0, NULL, NULL);
    CHECK(e == CL_SUCCESS);
    int ok = 1;
    for (size_t i = 0; i < bytes; i++)
        ok &= h[i] == pattern;
    free(h);
    return ok;
}

static void test_plan_errors(clconv_context *ctx)
{
    clconv_conv_desc d;
    base_desc(&d);
    clconv_plan *plan = NULL;
    clconv_algorithm bad_algo = (clconv_algorithm)99;
    EXPECT("plan_create(ctx NULL)", clconv_plan_create(NULL, &d, CLCONV_ALGO_DIRECT, &plan),
           CLCONV_INVALID_ARGUMENT, "clconv_plan_create", NULL);
    EXPECT("plan_create(desc NULL)", clconv_plan_create(ctx, NULL, CLCONV_ALGO_DIRECT, &plan),
           CLCONV_INVALID_ARGUMENT, "desc", NULL);
    EXPECT("plan_create(out NULL)", clconv_plan_create(ctx, &d, CLCONV_ALGO_DIRECT, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("plan_create(algorithm 99)", clconv_plan_create(ctx, &d, bad_algo, &plan),
           CLCONV_INVALID_ARGUMENT, "algorithm", NULL);
    EXPECT("plan_create(algorithm -1)", clconv_plan_create(ctx, &d, (clconv_algorithm)-1, &plan),
           CLCONV_INVALID_ARGUMENT, "algorithm", NULL);
    EXPECT("plan_create(algorithm COUNT)", clconv_plan_create(ctx, &d, CLCONV_ALGO_COUNT, &plan),
           CLCONV_INVALID_ARGUMENT, "algorithm", NULL);
    CHECK(plan == NULL);
    EXPECT("supports(ctx NULL)", clconv_algorithm_supports(NULL, &d, CLCONV_ALGO_DIRECT),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("supports(desc NULL)", clconv_algorithm_supports(ctx, NULL, CLCONV_ALGO_DIRECT),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("supports(algorithm 99)", clconv_algorithm_supports(ctx, &d, bad_algo),
           CLCONV_INVALID_ARGUMENT, "algorithm", NULL);
    EXPECT("supports(direct)", clconv_algorithm_supports(ctx, &d, CLCONV_ALGO_DIRECT),
           CLCONV_SUCCESS, NULL, NULL);
    EXPECT("supports(auto)", clconv_algorithm_supports(ctx, &d, CLCONV_ALGO_AUTO), CLCONV_SUCCESS,
           NULL, NULL);

    /* A named algorithm that cannot do the descriptor: UNSUPPORTED with a
     * reason, from plan_create and from supports alike. */
    struct {
        clconv_algorithm a;
        const char *why;
        void (*mutate)(clconv_conv_desc *);
    } unsup[] = {
        {CLCONV_ALGO_WINOGRAD_F2X2, "5x5 kernel", NULL},
        {CLCONV_ALGO_WINOGRAD_F4X4, "5x5 kernel", NULL},
        {CLCONV_ALGO_WINOGRAD_F2X2, "stride 2", NULL},
        {CLCONV_ALGO_DEPTHWISE, "groups 1", NULL},
        {CLCONV_ALGO_DILATED_S2B, "dilation 1", NULL},
        {CLCONV_ALGO_DECONV_D2S, "not transposed", NULL},
    };
    for (size_t i = 0; i < sizeof unsup / sizeof unsup[0]; i++) {
        base_desc(&d);
        if (!strcmp(unsup[i].why, "5x5 kernel"))
            d.kernel_size[0] = d.kernel_size[1] = 5;
        if (!strcmp(unsup[i].why, "stride 2"))
            d.strides[0] = d.strides[1] = 2;
        char what[128];
        snprintf(what, sizeof what, "plan_create(%s, %s)", clconv_algorithm_name(unsup[i].a),
                 unsup[i].why);
        plan = NULL;
        clconv_status st = clconv_plan_create(ctx, &d, unsup[i].a, &plan);
        EXPECT(what, st, CLCONV_UNSUPPORTED, clconv_algorithm_name(unsup[i].a), NULL);
        CHECK(plan == NULL);
        clconv_plan_destroy(plan);
        snprintf(what, sizeof what, "supports(%s, %s)", clconv_algorithm_name(unsup[i].a),
                 unsup[i].why);
        EXPECT(what, clconv_algorithm_supports(ctx, &d, unsup[i].a), CLCONV_UNSUPPORTED,
               clconv_algorithm_name(unsup[i].a), NULL);
    }

    /* A real plan for the buffer and state checks. */
    base_desc(&d);
    d.has_bias = 1;
    plan = NULL;
    EXPECT("plan_create(direct)", clconv_plan_create(ctx, &d, CLCONV_ALGO_DIRECT, &plan),
           CLCONV_SUCCESS, NULL, NULL);
    if (!plan)
        return;
    const size_t nx = clconv_conv_input_elems(&d) * 4, nw = clconv_conv_weight_elems(&d) * 4;
    const size_t ny = clconv_conv_output_elems(&d) * 4, nb = (size_t)d.out_channels * 4;
    cl_mem x = buffer(ctx, nx), w = buffer(ctx, nw), b = buffer(ctx, nb), y = buffer(ctx, ny);
    cl_mem x_small = buffer(ctx, nx - 4), w_small = buffer(ctx, nw - 4);
    cl_mem b_small = buffer(ctx, nb - 4), y_small = buffer(ctx, ny - 4);
    fill(ctx, x, nx, 0);
    fill(ctx, w, nw, 0);
    fill(ctx, b, nb, 0);
    fill(ctx, y, ny, 0xA5);
    fill(ctx, y_small, ny - 4, 0xA5);
    cl_event sentinel = (cl_event)&d, ev = sentinel;

    EXPECT("enqueue before set_weights", clconv_plan_enqueue(plan, x, y, NULL, 0, NULL, &ev),
           CLCONV_INVALID_STATE, "weights", NULL);
    CHECK(ev == sentinel || ev == NULL);
    CHECK(untouched(ctx, y, ny, 0xA5));

    EXPECT("set_weights(plan NULL)", clconv_plan_set_weights(NULL, w, b), CLCONV_INVALID_ARGUMENT,
           NULL, NULL);
    EXPECT("set_weights(weights NULL)", clconv_plan_set_weights(plan, NULL, b),
           CLCONV_INVALID_ARGUMENT, "weights", NULL);
    EXPECT("set_weights(bias NULL, has_bias 1)", clconv_plan_set_weights(plan, w, NULL),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    EXPECT("set_weights(small weights)", clconv_plan_set_weights(plan, w_small, b),
           CLCONV_INVALID_ARGUMENT, "weights", NULL);
    EXPECT("set_weights(small bias)", clconv_plan_set_weights(plan, w, b_small),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    float *hw = calloc(nw, 1), *hb = calloc(nb, 1);
    EXPECT("set_weights_host(plan NULL)", clconv_plan_set_weights_host(NULL, hw, hb),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("set_weights_host(weights NULL)", clconv_plan_set_weights_host(plan, NULL, hb),
           CLCONV_INVALID_ARGUMENT, "weights", NULL);
    EXPECT("set_weights_host(bias NULL, has_bias 1)", clconv_plan_set_weights_host(plan, hw, NULL),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    /* failed set_weights leave the plan without weights */
    ev = sentinel;
    EXPECT("enqueue after failed set_weights", clconv_plan_enqueue(plan, x, y, NULL, 0, NULL, &ev),
           CLCONV_INVALID_STATE, NULL, NULL);
    CHECK(ev == sentinel || ev == NULL);

    EXPECT("set_weights(ok)", clconv_plan_set_weights(plan, w, b), CLCONV_SUCCESS, NULL, NULL);

    size_t ws = 12345;
    EXPECT("workspace_size(plan NULL)", clconv_plan_workspace_size(NULL, &ws),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("workspace_size(out NULL)", clconv_plan_workspace_size(plan, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("workspace_size", clconv_plan_workspace_size(plan, &ws), CLCONV_SUCCESS, NULL, NULL);
    CHECK(ws != 12345);

    struct {
        const char *what, *field;
        clconv_plan *p;
        cl_mem in, out;
        cl_uint nwait;
    } enq[] = {
        {"enqueue(plan NULL)", NULL, NULL, x, y, 0},
        {"enqueue(input NULL)", "input", plan, NULL, y, 0},
        {"enqueue(output NULL)", "output", plan, x, NULL, 0},
        {"enqueue(small input)", "input", plan, x_small, y, 0},
        {"enqueue(wait count without list)", NULL, plan, x, y, 2},
    };
    for (size_t i = 0; i < sizeof enq / sizeof enq[0]; i++) {
        ev = sentinel;
        EXPECT(enq[i].what, clconv_plan_enqueue(enq[i].p, enq[i].in, enq[i].out, NULL, enq[i].nwait,
                                                NULL, &ev),
               CLCONV_INVALID_ARGUMENT, enq[i].field, NULL);
        CHECK(ev == sentinel || ev == NULL);
        if (!untouched(ctx, y, ny, 0xA5))
            FAILF("%s: the output buffer was written", enq[i].what);
    }
    ev = sentinel;
    EXPECT("enqueue(small output)", clconv_plan_enqueue(plan, x, y_small, NULL, 0, NULL, &ev),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
    CHECK(ev == sentinel || ev == NULL);
    if (!untouched(ctx, y_small, ny - 4, 0xA5))
        FAILF("enqueue(small output): the output buffer was written");
    if (ws > 0) {
        cl_mem ws_small = buffer(ctx, ws - 1 > 0 ? ws - 1 : 1);
        ev = sentinel;
        EXPECT("enqueue(small workspace)", clconv_plan_enqueue(plan, x, y, ws_small, 0, NULL, &ev),
               CLCONV_INVALID_ARGUMENT, "workspace", NULL);
        CHECK(ev == sentinel || ev == NULL);
        CHECK(untouched(ctx, y, ny, 0xA5));
        clReleaseMemObject(ws_small);
    }
    /* Buffers of another cl_context (same device): refused by name before
     * anything runs, the output untouched. */
    {
        cl_device_id dev = clconv_context_device(ctx);
        cl_int err;
        cl_context other = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
        cl_mem fx = other ? clCreateBuffer(other, CL_MEM_READ_WRITE, nx, NULL, &err) : NULL;
        cl_mem fy = other ? clCreateBuffer(other, CL_MEM_READ_WRITE, ny, NULL, &err) : NULL;
        if (fx && fy) {
            ev = sentinel;
            EXPECT("enqueue(input of another cl_context)",
                   clconv_plan_enqueue(plan, fx, y, NULL, 0, NULL, &ev), CLCONV_INVALID_ARGUMENT,
                   "input", "cl_context");
            CHECK(ev == sentinel || ev == NULL);
            CHECK(untouched(ctx, y, ny, 0xA5));
            EXPECT("enqueue(output of another cl_context)",
                   clconv_plan_enqueue(plan, x, fy, NULL, 0, NULL, &ev), CLCONV_INVALID_ARGUMENT,
                   "output", "cl_context");
        } else {
            FAILF("cannot create a second cl_context: %d", (int)err);
        }
        if (fx)
            clReleaseMemObject(fx);
        if (fy)
            clReleaseMemObject(fy);
        if (other)
            clReleaseContext(other);
    }
    /* input == output: the header promises the overlap check (the many
     * other overlap shapes are test_offsets'). */
    ev = sentinel;
    EXPECT("enqueue(input == output)", clconv_plan_enqueue(plan, y, y, NULL, 0, NULL, &ev),
           CLCONV_INVALID_ARGUMENT, "output", "overlap");
    CHECK(ev == sentinel || ev == NULL);
    CHECK(untouched(ctx, y, ny, 0xA5));
    /* and a good enqueue still works after all that */
    ev = NULL;
    EXPECT("enqueue(ok)", clconv_plan_enqueue(plan, x, y, NULL, 0, NULL, &ev), CLCONV_SUCCESS, NULL,
           NULL);
    if (ev) {
        CHECK(clWaitForEvents(1, &ev) == CL_SUCCESS);
        clReleaseEvent(ev);
    } else {
        FAILF("enqueue(ok) returned no event");
    }
    CHECK(!untouched(ctx, y, ny, 0xA5));

    /* conv_host */
    float *hx = calloc(nx, 1), *hy = calloc(ny, 1);
    clconv_algorithm ran;
    EXPECT("conv_host(ctx NULL)", clconv_conv_host(NULL, &d, CLCONV_ALGO_DIRECT, hx, hw, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("conv_host(desc NULL)", clconv_conv_host(ctx, NULL, CLCONV_ALGO_DIRECT, hx, hw, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);
    EXPECT("conv_host(input NULL)", clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, NULL, hw, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, "input", NULL);
    EXPECT("conv_host(weights NULL)", clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, hx, NULL, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, "weights", NULL);
    EXPECT("conv_host(output NULL)", clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, hx, hw, hb, NULL, &ran),
           CLCONV_INVALID_ARGUMENT, "output", NULL);
    EXPECT("conv_host(bias NULL, has_bias 1)", clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, hx, hw, NULL, hy, &ran),
           CLCONV_INVALID_ARGUMENT, "bias", NULL);
    EXPECT("conv_host(algorithm 99)", clconv_conv_host(ctx, &d, bad_algo, hx, hw, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, "algorithm", NULL);
    d.pads_begin[0] = -1;
    EXPECT("conv_host(bad desc)", clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, hx, hw, hb, hy, &ran),
           CLCONV_INVALID_ARGUMENT, "pads_begin[0]", NULL);
    d.pads_begin[0] = 1;
    clconv_plan_destroy(plan);

    /* bias given to a plan without bias */
    d.has_bias = 0;
    plan = NULL;
    EXPECT("plan_create(no bias)", clconv_plan_create(ctx, &d, CLCONV_ALGO_DIRECT, &plan),
           CLCONV_SUCCESS, NULL, NULL);
    if (plan) {
        EXPECT("set_weights(bias, has_bias 0)", clconv_plan_set_weights(plan, w, b),
               CLCONV_INVALID_ARGUMENT, "bias", NULL);
        EXPECT("set_weights_host(bias, has_bias 0)", clconv_plan_set_weights_host(plan, hw, hb),
               CLCONV_INVALID_ARGUMENT, "bias", NULL);
        ev = sentinel;
        EXPECT("enqueue after bias mismatch", clconv_plan_enqueue(plan, x, y, NULL, 0, NULL, &ev),
               CLCONV_INVALID_STATE, NULL, NULL);
        CHECK(ev == sentinel || ev == NULL);
        EXPECT("conv_host(bias, has_bias 0)",
               clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, hx, hw, hb, hy, &ran),
               CLCONV_INVALID_ARGUMENT, "bias", NULL);
        clconv_plan_destroy(plan);
    }
    /* the same buffer as weights and output of set_weights is legal; as
     * input and output of enqueue it is not (tested above). */
    free(hx); free(hy); free(hw); free(hb);
    cl_mem all[] = {x, w, b, y, x_small, w_small, b_small, y_small};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        clReleaseMemObject(all[i]);
}

/* The params option and CLCONV_PARAMS: a bad name or value fails context
 * creation with a message naming it; nothing is silently ignored. */
static void test_params_option(void)
{
    static const struct {
        const char *params, *w1, *w2;
    } bad[] = {
        {"direct_oc_blok=8", "options.params", "direct_oc_blok"},
        {"direct_w_block=3", "direct_w_block=3", "power of two"},
        {"direct_oc_block=0", "direct_oc_block=0", "1..32"},
        {"wino_k_block=12", "wino_k_block=12", "one of"},
        {"dw_rows=2x", "dw_rows=2x", NULL},
        {"class=tpu", "class=tpu", "cpu, gpu or other"},
        {"wino_t_block", "wino_t_block", "name=value"},
        {"=4", "=4", "name=value"},
        {"class=gpu,dw_vec=", "dw_vec=", "name=value"},
    };
    clconv_context_options o;
    clconv_context_options_init(&o);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        clconv_context *c = (clconv_context *)&o;
        o.params = bad[i].params;
        EXPECT(bad[i].params, clconv_context_create(&o, &c), CLCONV_INVALID_ARGUMENT, bad[i].w1,
               bad[i].w2);
        CHECK(c == NULL);
    }
    static const char *const good[] = {"", "class=gpu,direct_oc_block=8,direct_lws_x=32",
                                       "class=cpu,wino_k_block=8,wino_t_block=16,",
                                       "class=other,layout_lws_z=8,wino_lws=4"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        clconv_context *c = NULL;
        o.params = good[i];
        EXPECT(good[i], clconv_context_create(&o, &c), CLCONV_SUCCESS, NULL, NULL);
        clconv_context_destroy(c);
    }
    /* The environment variable when the option is NULL, named as such. */
    const char *saved = getenv("CLCONV_PARAMS");
    char *copy = saved ? strdup(saved) : NULL;
    setenv("CLCONV_PARAMS", "dw_rows=99", 1);
    o.params = NULL;
    clconv_context *c = NULL;
    EXPECT("CLCONV_PARAMS=dw_rows=99", clconv_context_create(&o, &c), CLCONV_INVALID_ARGUMENT,
           "CLCONV_PARAMS", "dw_rows=99");
    /* ... and the option wins over it. */
    o.params = "dw_rows=2";
    EXPECT("params over CLCONV_PARAMS", clconv_context_create(&o, &c), CLCONV_SUCCESS, NULL, NULL);
    clconv_context_destroy(c);
    if (copy)
        setenv("CLCONV_PARAMS", copy, 1);
    else
        unsetenv("CLCONV_PARAMS");
    free(copy);
}

int main(void)
{
    test_names();
    test_null_no_device();
    test_descriptors(NULL);
    test_space_depth_desc(NULL);

    clconv_context *ctx = test_context();
    /* a bad device request */
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.device = "no such device 1234";
    clconv_context *c2 = (clconv_context *)&o;
    EXPECT("context_create(bad device)", clconv_context_create(&o, &c2), CLCONV_DEVICE_NOT_FOUND,
           "no such device 1234", NULL);
    CHECK(c2 == NULL);
    o.device = "9:9";
    EXPECT("context_create(9:9)", clconv_context_create(&o, &c2), CLCONV_DEVICE_NOT_FOUND, "9:9",
           NULL);
    test_params_option();
    EXPECT("create_from_queue(out NULL)",
           clconv_context_create_from_queue(clconv_context_queue(ctx), NULL, NULL),
           CLCONV_INVALID_ARGUMENT, NULL, NULL);

    test_descriptors(ctx);
    test_space_depth_desc(ctx);
    test_plan_errors(ctx);
    test_context_release();
    if (test_failures) {
        printf("%d failures\n", test_failures);
        return 1;
    }
    printf("test_errors: all passed\n");
    return 0;
}
