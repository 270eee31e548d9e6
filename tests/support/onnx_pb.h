/* A small reader for the parts of ONNX's protobuf files that the backend
 * node tests need: ModelProto -> GraphProto -> NodeProto (op_type, inputs,
 * outputs, attributes) and the TensorProto files of test_data_set_N.
 *
 * It decodes the protobuf wire format itself (varint, length-delimited,
 * fixed32, fixed64; packed and unpacked repeated fields) so that the tests
 * need no protobuf library.  Every read is bounds-checked: a truncated or
 * garbled file gives an error message, never a crash or an out-of-bounds
 * read.  Fixed-size arrays keep the structures flat; a file that exceeds
 * them is reported as unsupported rather than silently cut.
 *
 * Functions return 0 on success, -1 on failure with a message in err. */
#ifndef CLCONV_ONNX_PB_H
#define CLCONV_ONNX_PB_H
#include <stddef.h>
#include <stdint.h>

#define ONNX_NAME_MAX 128 /* bytes of a name or string attribute, with the NUL */
#define ONNX_MAX_ATTRS 16
#define ONNX_MAX_INTS 16  /* entries of an ints / floats attribute */
#define ONNX_MAX_IO 8     /* node and graph inputs / outputs */
#define ONNX_MAX_DIMS 8

/* AttributeProto.AttributeType values (onnx.proto). */
enum {
    ONNX_ATTR_UNDEFINED = 0,
    ONNX_ATTR_FLOAT = 1,
    ONNX_ATTR_INT = 2,
    ONNX_ATTR_STRING = 3,
    ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_GRAPH = 5,
    ONNX_ATTR_FLOATS = 6,
    ONNX_ATTR_INTS = 7,
    ONNX_ATTR_STRINGS = 8
};

/* TensorProto.DataType: the one this reader decodes. */
#define ONNX_DTYPE_FLOAT 1

typedef struct onnx_attr {
    char name[ONNX_NAME_MAX];
    int type; /* ONNX_ATTR_*, as stored in the file (0 when absent) */
    int has_f, has_i, has_s;
    float f;
    int64_t i;
    char s[ONNX_NAME_MAX];
    int n_ints;
    int64_t ints[ONNX_MAX_INTS];
    int n_floats;
    float floats[ONNX_MAX_INTS];
} onnx_attr;

typedef struct onnx_node {
    char op_type[ONNX_NAME_MAX];
    char domain[ONNX_NAME_MAX];
    int n_inputs, n_outputs;
    char inputs[ONNX_MAX_IO][ONNX_NAME_MAX]; /* "" marks an omitted optional input */
    char outputs[ONNX_MAX_IO][ONNX_NAME_MAX];
    int n_attrs;
    onnx_attr attrs[ONNX_MAX_ATTRS];
} onnx_node;

typedef struct onnx_model {
    int64_t ir_version;
    int n_nodes;     /* nodes in the graph; only the first is kept */
    onnx_node node;  /* the graph's first node */
    int n_inputs, n_outputs; /* graph inputs/outputs (ValueInfoProto names) */
    char inputs[ONNX_MAX_IO][ONNX_NAME_MAX];
    char outputs[ONNX_MAX_IO][ONNX_NAME_MAX];
} onnx_model;

typedef struct onnx_tensor {
    char name[ONNX_NAME_MAX];
    int data_type;
    int n_dims;
    int64_t dims[ONNX_MAX_DIMS];
    size_t count; /* product of dims (1 for a scalar) */
    float *data;  /* count floats, malloc'd; free with onnx_tensor_free */
} onnx_tensor;

/* Decoders of an in-memory file. */
int onnx_parse_model(const uint8_t *buf, size_t len, onnx_model *m, char *err, size_t errn);
int onnx_parse_tensor(const uint8_t *buf, size_t len, onnx_tensor *t, char *err, size_t errn);

/* The same, reading the file first (at most 256 MiB). */
int onnx_load_model(const char *path, onnx_model *m, char *err, size_t errn);
int onnx_load_tensor(const char *path, onnx_tensor *t, char *err, size_t errn);

/* Frees t->data; t may be zeroed or already freed.  Safe on NULL. */
void onnx_tensor_free(onnx_tensor *t);

/* The node's attribute with this name, or NULL. */
const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name);

/* Typed attribute reads: 1 if present (into out), 0 if absent (out left
 * alone), -1 with a message in why if of another type or out of int range.
 * _ints wants exactly len entries. */
int onnx_attr_get_int(const onnx_node *n, const char *name, int *out, char *why, size_t nwhy);
int onnx_attr_get_ints(const onnx_node *n, const char *name, int len, int *out, char *why,
                       size_t nwhy);
int onnx_attr_get_string(const onnx_node *n, const char *name, const char **out, char *why,
                         size_t nwhy);
/* 0, or -1 naming the first attribute not in the NULL-terminated list. */
int onnx_only_attrs(const onnx_node *n, const char *const *known, char *why, size_t nwhy);

/* A Conv or ConvTranspose node (by op_type; anything else is read as Conv)
 * as a clconv descriptor: shapes from the dims of X and W, B (NULL: no
 * bias) checked against them, every attribute understood or refused.
 * Only the tensors' dims are read.  0, or -1 with a message in why. */
struct clconv_conv_desc;
int onnx_conv_desc_from_node(const onnx_node *n, const onnx_tensor *x, const onnx_tensor *w,
                             const onnx_tensor *b, struct clconv_conv_desc *d, char *why,
                             size_t nwhy);
#endif
