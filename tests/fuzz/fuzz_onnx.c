/* libFuzzer target: the ONNX protobuf reader of the tests
 * (tests/support/onnx_pb.c: ModelProto with its first NodeProto, and
 * TensorProto), which tests/test_onnx.c uses on the backend node tests,
 * and its conversion of a Conv / ConvTranspose node into a
 * clconv_conv_desc (onnx_conv_desc_from_node).
 *
 * Input: byte 0 bit 0 picks the model or the tensor decoder; the rest is
 * the file.  With bit 1 set (model only), a shape header comes first: X's
 * rank and dims, W's rank and dims, then B (0: none, else its rank and
 * dims); a dim byte below 0xF0 is its value, the others pick an extreme
 * (0, -1, INT_MAX, INT_MAX + 1, ...).  The parsed node is then converted
 * with those shapes, whatever its op_type.
 * Checks: a failure leaves a message (and a tensor without data); a
 * success leaves counts within the fixed arrays, NUL-terminated strings,
 * and a tensor whose count is the product of its dims.  A conversion
 * either fails with a message or gives a descriptor whose rank, batch,
 * channels, sizes, kernel, transposed and bias follow X, W and B, which
 * clconv_conv_output_shape then validates (accepted: every output size
 * >= 1; refused: a message). */
#include "clconv.h"
#include "fuzz_check.h"
#include "onnx_pb.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

static void check_str(const char *s, size_t n, const char *what)
{
    FUZZ_CHECK(memchr(s, '\0', n) != NULL, "%s not terminated", what);
}

static void check_node(const onnx_node *n)
{
    check_str(n->op_type, sizeof n->op_type, "op_type");
    check_str(n->domain, sizeof n->domain, "domain");
    FUZZ_CHECK(n->n_inputs >= 0 && n->n_inputs <= ONNX_MAX_IO, "n_inputs %d", n->n_inputs);
    FUZZ_CHECK(n->n_outputs >= 0 && n->n_outputs <= ONNX_MAX_IO, "n_outputs %d", n->n_outputs);
    FUZZ_CHECK(n->n_attrs >= 0 && n->n_attrs <= ONNX_MAX_ATTRS, "n_attrs %d", n->n_attrs);
    for (int i = 0; i < n->n_inputs; i++)
        check_str(n->inputs[i], ONNX_NAME_MAX, "input");
    for (int i = 0; i < n->n_outputs; i++)
        check_str(n->outputs[i], ONNX_NAME_MAX, "output");
    for (int i = 0; i < n->n_attrs; i++) {
        const onnx_attr *a = &n->attrs[i];
        check_str(a->name, sizeof a->name, "attribute name");
        check_str(a->s, sizeof a->s, "attribute string");
        FUZZ_CHECK(a->n_ints >= 0 && a->n_ints <= ONNX_MAX_INTS, "n_ints %d", a->n_ints);
        FUZZ_CHECK(a->n_floats >= 0 && a->n_floats <= ONNX_MAX_INTS, "n_floats %d",
                   a->n_floats);
        FUZZ_CHECK(onnx_node_attr(n, a->name) != NULL, "attribute '%s' not found", a->name);
    }
}

/* ---- the shape header of conv mode ------------------------------------------ */

static unsigned take(const uint8_t **d, size_t *n)
{
    if (!*n)
        return 0;
    --*n;
    return *(*d)++;
}

static int64_t dim_value(unsigned b)
{
    static const int64_t extremes[16] = {0,       -1,          255,           256,
                                         65535,   1 << 24,     (1 << 24) + 1, 1 << 26,
                                         INT_MAX, (int64_t)INT_MAX + 1, (int64_t)1 << 40,
                                         INT64_MAX, INT64_MIN, 3, 7, 1000};
    return b < 0xF0 ? (int64_t)b : extremes[b - 0xF0];
}

/* A tensor with dims only (no data): rank byte (mod ONNX_MAX_DIMS + 1),
 * then one byte per dim. */
static void take_shape(const uint8_t **d, size_t *n, onnx_tensor *t, unsigned rank_byte)
{
    memset(t, 0, sizeof *t);
    t->data_type = ONNX_DTYPE_FLOAT;
    t->n_dims = (int)(rank_byte % (ONNX_MAX_DIMS + 1));
    for (int i = 0; i < t->n_dims; i++)
        t->dims[i] = dim_value(take(d, n));
}

static void check_conv_desc(const onnx_node *node, const onnx_tensor *x, const onnx_tensor *w,
                            const onnx_tensor *b)
{
    clconv_conv_desc d;
    memset(&d, 0x5A, sizeof d); /* every field must be written */
    char why[256];
    why[0] = '\0';
    if (onnx_conv_desc_from_node(node, x, w, b, &d, why, sizeof why) != 0) {
        FUZZ_CHECK(why[0] != '\0', "conversion refused without a message");
        check_str(why, sizeof why, "message");
        return;
    }
    const int rank = x->n_dims - 2;
    FUZZ_CHECK(d.rank == rank && rank >= 1 && rank <= CLCONV_MAX_RANK, "rank %d, X has %d dims",
               d.rank, x->n_dims);
    FUZZ_CHECK(w->n_dims == x->n_dims, "W has %d dims, X %d", w->n_dims, x->n_dims);
    FUZZ_CHECK(d.transposed == !strcmp(node->op_type, "ConvTranspose"), "transposed %d for %s",
               d.transposed, node->op_type);
    FUZZ_CHECK(d.batch == x->dims[0] && d.in_channels == x->dims[1], "N %d C %d, X %lld %lld",
               d.batch, d.in_channels, (long long)x->dims[0], (long long)x->dims[1]);
    FUZZ_CHECK(d.groups >= 1, "groups %d", d.groups);
    if (d.transposed)
        FUZZ_CHECK(w->dims[0] == d.in_channels &&
                       (long long)w->dims[1] * d.groups == d.out_channels,
                   "ConvTranspose: W %lld %lld, C %d K %d g %d", (long long)w->dims[0],
                   (long long)w->dims[1], d.in_channels, d.out_channels, d.groups);
    else
        FUZZ_CHECK(w->dims[0] == d.out_channels &&
                       (long long)w->dims[1] * d.groups == d.in_channels,
                   "Conv: W %lld %lld, C %d K %d g %d", (long long)w->dims[0],
                   (long long)w->dims[1], d.in_channels, d.out_channels, d.groups);
    for (int i = 0; i < rank; i++)
        FUZZ_CHECK(d.in_size[i] == x->dims[2 + i] && d.kernel_size[i] == w->dims[2 + i],
                   "axis %d: in %d k %d, X %lld W %lld", i, d.in_size[i], d.kernel_size[i],
                   (long long)x->dims[2 + i], (long long)w->dims[2 + i]);
    FUZZ_CHECK(d.has_bias == (b != NULL), "has_bias %d", d.has_bias);
    if (b)
        FUZZ_CHECK(b->n_dims == 1 && b->dims[0] == d.out_channels, "B dims");
    FUZZ_CHECK((unsigned)d.auto_pad <= CLCONV_AUTO_PAD_VALID, "auto_pad %d", (int)d.auto_pad);
    FUZZ_CHECK(d.activation == CLCONV_ACTIVATION_NONE, "activation %d", (int)d.activation);
    /* the library's validation of what the conversion made */
    int out[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(&d, out) == CLCONV_SUCCESS) {
        for (int i = 0; i < rank; i++)
            FUZZ_CHECK(out[i] >= 1, "output size[%d] = %d", i, out[i]);
    } else {
        FUZZ_CHECK(clconv_last_error()[0] != '\0', "descriptor refused without a message");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int tensor = data[0] & 1, conv = (data[0] & 2) != 0;
    data++, size--;
    static onnx_tensor x, w, b; /* dims only */
    int has_b = 0;
    if (conv && !tensor) {
        take_shape(&data, &size, &x, take(&data, &size));
        take_shape(&data, &size, &w, take(&data, &size));
        const unsigned bb = take(&data, &size);
        if ((has_b = bb != 0))
            take_shape(&data, &size, &b, bb - 1);
    }
    char err[256];
    err[0] = '\0';
    if (!tensor) {
        static onnx_model m; /* 40 KB: not on the stack */
        if (onnx_parse_model(data, size, &m, err, sizeof err) != 0) {
            FUZZ_CHECK(err[0] != '\0', "model refused without a message");
            return 0;
        }
        FUZZ_CHECK(m.n_nodes >= 0, "n_nodes %d", m.n_nodes);
        FUZZ_CHECK(m.n_inputs >= 0 && m.n_inputs <= ONNX_MAX_IO, "n_inputs %d", m.n_inputs);
        FUZZ_CHECK(m.n_outputs >= 0 && m.n_outputs <= ONNX_MAX_IO, "n_outputs %d", m.n_outputs);
        for (int i = 0; i < m.n_inputs; i++)
            check_str(m.inputs[i], ONNX_NAME_MAX, "graph input");
        for (int i = 0; i < m.n_outputs; i++)
            check_str(m.outputs[i], ONNX_NAME_MAX, "graph output");
        check_node(&m.node);
        if (conv)
            check_conv_desc(&m.node, &x, &w, has_b ? &b : NULL);
        return 0;
    }
    onnx_tensor t;
    if (onnx_parse_tensor(data, size, &t, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0', "tensor refused without a message");
        FUZZ_CHECK(t.data == NULL, "refused tensor holds data");
        onnx_tensor_free(&t);
        return 0;
    }
    check_str(t.name, sizeof t.name, "tensor name");
    FUZZ_CHECK(t.n_dims >= 0 && t.n_dims <= ONNX_MAX_DIMS, "n_dims %d", t.n_dims);
    size_t count = 1;
    for (int i = 0; i < t.n_dims; i++) {
        FUZZ_CHECK(t.dims[i] >= 0, "dims[%d] = %lld", i, (long long)t.dims[i]);
        count *= (size_t)t.dims[i];
    }
    FUZZ_CHECK(count == t.count, "count %zu, product %zu", t.count, count);
    FUZZ_CHECK(t.data != NULL, "tensor without data");
    volatile float sum = 0.0f; /* touch every element */
    for (size_t i = 0; i < t.count; i++)
        sum += t.data[i];
    (void)sum;
    onnx_tensor_free(&t);
    onnx_tensor_free(&t); /* twice is safe */
    return 0;
}
