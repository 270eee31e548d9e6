/* libFuzzer target: the ONNX protobuf reader of the tests
 * (tests/support/onnx_pb.c: ModelProto with its first NodeProto, and
 * TensorProto), which tests/test_onnx.c uses on the backend node tests.
 *
 * Input: byte 0 bit 0 picks the model or the tensor decoder; the rest is
 * the file.  Checks: a failure leaves a message (and a tensor without
 * data); a success leaves counts within the fixed arrays, NUL-terminated
 * strings, and a tensor whose count is the product of its dims. */
#include "fuzz_check.h"
#include "onnx_pb.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int tensor = data[0] & 1;
    data++, size--;
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
