/* Protobuf wire-format decoding of ONNX models and tensors (see onnx_pb.h).
 *
 * Field numbers are those of onnx.proto (IR version 3 and later; they have
 * never been renumbered).  Unknown fields are skipped, as protobuf requires;
 * a known field with the wrong wire type is an error, because it means the
 * file is not what we think it is.  Every length is checked against the
 * bytes left in its enclosing message before anything is read. */
#include "onnx_pb.h"

#include "clconv.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

typedef struct pb {
    const uint8_t *p, *end;
} pb;

typedef struct perr {
    char *buf;
    size_t n;
} perr;

static int fail(perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(perr *e, const char *fmt, ...)
{
    if (e->buf && e->n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf, e->n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- wire primitives ------------------------------------------------------ */

static int rd_varint(pb *r, uint64_t *v, perr *e, const char *what)
{
    uint64_t x = 0;
    *v = 0; /* defined on every path, failures included */
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return fail(e, "%s: truncated varint", what);
        uint8_t b = *r->p++;
        /* The tenth byte may only carry the top bit of a 64-bit value. */
        if (shift == 63 && (b & 0x7e))
            return fail(e, "%s: varint longer than 64 bits", what);
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return fail(e, "%s: varint longer than 10 bytes", what);
}

static int rd_fixed32(pb *r, uint32_t *v, perr *e, const char *what)
{
    *v = 0;
    if (r->end - r->p < 4)
        return fail(e, "%s: truncated fixed32", what);
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
         (uint32_t)r->p[3] << 24;
    r->p += 4;
    return 0;
}

static float u32_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int rd_tag(pb *r, uint32_t *field, int *wire, perr *e, const char *what)
{
    uint64_t v;
    *field = 0;
    *wire = 0;
    if (rd_varint(r, &v, e, what))
        return -1;
    if ((v >> 3) == 0 || (v >> 3) > 0x1fffffff)
        return fail(e, "%s: invalid field number %llu", what, (unsigned long long)(v >> 3));
    *field = (uint32_t)(v >> 3);
    *wire = (int)(v & 7);
    return 0;
}

/* A length-delimited field's bytes as a sub-reader. */
static int rd_len(pb *r, pb *sub, perr *e, const char *what)
{
    uint64_t n;
    sub->p = sub->end = r->p; /* empty on failure */
    if (rd_varint(r, &n, e, what))
        return -1;
    if (n > (uint64_t)(r->end - r->p))
        return fail(e, "%s: length %llu runs past the end (%lld bytes left)", what,
                    (unsigned long long)n, (long long)(r->end - r->p));
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    return 0;
}

static int skip_field(pb *r, int wire, uint32_t field, perr *e, const char *what)
{
    uint64_t v;
    pb sub;
    switch (wire) {
    case WIRE_VARINT: return rd_varint(r, &v, e, what);
    case WIRE_FIXED64:
        if (r->end - r->p < 8)
            return fail(e, "%s: field %u: truncated fixed64", what, field);
        r->p += 8;
        return 0;
    case WIRE_LEN: return rd_len(r, &sub, e, what);
    case WIRE_FIXED32:
        if (r->end - r->p < 4)
            return fail(e, "%s: field %u: truncated fixed32", what, field);
        r->p += 4;
        return 0;
    default:
        /* 3/4 are proto2 groups, which ONNX never uses; 6/7 do not exist. */
        return fail(e, "%s: field %u: unsupported wire type %d", what, field, wire);
    }
}

static int want_wire(int wire, int expected, uint32_t field, perr *e, const char *what)
{
    if (wire != expected)
        return fail(e, "%s: field %u: wire type %d, expected %d", what, field, wire, expected);
    return 0;
}

/* A string field into a fixed buffer; a NUL inside or an overlong value is
 * an error (it could not round-trip through a C string). */
static int rd_string(pb *r, int wire, uint32_t field, char *dst, size_t n, perr *e,
                     const char *what)
{
    pb s;
    if (want_wire(wire, WIRE_LEN, field, e, what) || rd_len(r, &s, e, what))
        return -1;
    size_t len = (size_t)(s.end - s.p);
    if (len >= n)
        return fail(e, "%s: field %u: string of %zu bytes (at most %zu supported)", what, field,
                    len, n - 1);
    if (len && memchr(s.p, 0, len))
        return fail(e, "%s: field %u: string contains a NUL byte", what, field);
    memcpy(dst, s.p, len);
    dst[len] = 0;
    return 0;
}

/* Repeated int64: one unpacked varint, or a packed run of them. */
static int rd_ints(pb *r, int wire, uint32_t field, int64_t *arr, int *count, int max, perr *e,
                   const char *what)
{
    uint64_t v;
    if (wire == WIRE_VARINT) {
        if (rd_varint(r, &v, e, what))
            return -1;
        if (*count >= max)
            return fail(e, "%s: field %u: more than %d values", what, field, max);
        arr[(*count)++] = (int64_t)v;
        return 0;
    }
    pb s;
    if (want_wire(wire, WIRE_LEN, field, e, what) || rd_len(r, &s, e, what))
        return -1;
    while (s.p < s.end) {
        if (rd_varint(&s, &v, e, what))
            return -1;
        if (*count >= max)
            return fail(e, "%s: field %u: more than %d values", what, field, max);
        arr[(*count)++] = (int64_t)v;
    }
    return 0;
}

/* Repeated float into a fixed array: one fixed32, or a packed run. */
static int rd_floats(pb *r, int wire, uint32_t field, float *arr, int *count, int max, perr *e,
                     const char *what)
{
    uint32_t u;
    if (wire == WIRE_FIXED32) {
        if (rd_fixed32(r, &u, e, what))
            return -1;
        if (*count >= max)
            return fail(e, "%s: field %u: more than %d values", what, field, max);
        arr[(*count)++] = u32_float(u);
        return 0;
    }
    pb s;
    if (want_wire(wire, WIRE_LEN, field, e, what) || rd_len(r, &s, e, what))
        return -1;
    if ((s.end - s.p) % 4)
        return fail(e, "%s: field %u: packed floats of %lld bytes (not a multiple of 4)", what,
                    field, (long long)(s.end - s.p));
    while (s.p < s.end) {
        if (*count >= max)
            return fail(e, "%s: field %u: more than %d values", what, field, max);
        if (rd_fixed32(&s, &u, e, what))
            return -1;
        arr[(*count)++] = u32_float(u);
    }
    return 0;
}

/* ---- messages --------------------------------------------------------------- */

static int parse_attr(pb r, onnx_attr *a, perr *e)
{
    const char *what = "AttributeProto";
    memset(a, 0, sizeof *a);
    while (r.p < r.end) {
        uint32_t f;
        int w;
        uint64_t v;
        uint32_t u;
        if (rd_tag(&r, &f, &w, e, what))
            return -1;
        int rc;
        switch (f) {
        case 1: rc = rd_string(&r, w, f, a->name, sizeof a->name, e, what); break;
        case 2:
            if (want_wire(w, WIRE_FIXED32, f, e, what) || rd_fixed32(&r, &u, e, what))
                return -1;
            a->f = u32_float(u);
            a->has_f = 1;
            rc = 0;
            break;
        case 3:
            if (want_wire(w, WIRE_VARINT, f, e, what) || rd_varint(&r, &v, e, what))
                return -1;
            a->i = (int64_t)v;
            a->has_i = 1;
            rc = 0;
            break;
        case 4:
            rc = rd_string(&r, w, f, a->s, sizeof a->s, e, what);
            a->has_s = 1;
            break;
        case 7: rc = rd_floats(&r, w, f, a->floats, &a->n_floats, ONNX_MAX_INTS, e, what); break;
        case 8: rc = rd_ints(&r, w, f, a->ints, &a->n_ints, ONNX_MAX_INTS, e, what); break;
        case 20:
            if (want_wire(w, WIRE_VARINT, f, e, what) || rd_varint(&r, &v, e, what))
                return -1;
            rc = 0;
            if (v > 100)
                return fail(e, "%s: type = %llu is not an AttributeType", what,
                            (unsigned long long)v);
            a->type = (int)v;
            break;
        default: rc = skip_field(&r, w, f, e, what); break; /* t, g, strings, doc_string ... */
        }
        if (rc)
            return -1;
    }
    if (!a->name[0])
        return fail(e, "%s: attribute without a name", what);
    return 0;
}

static int parse_node(pb r, onnx_node *n, perr *e)
{
    const char *what = "NodeProto";
    memset(n, 0, sizeof *n);
    while (r.p < r.end) {
        uint32_t f;
        int w, rc;
        pb s;
        if (rd_tag(&r, &f, &w, e, what))
            return -1;
        switch (f) {
        case 1:
        case 2: {
            int *cnt = f == 1 ? &n->n_inputs : &n->n_outputs;
            char(*names)[ONNX_NAME_MAX] = f == 1 ? n->inputs : n->outputs;
            if (*cnt >= ONNX_MAX_IO)
                return fail(e, "%s: more than %d %s", what, ONNX_MAX_IO,
                            f == 1 ? "inputs" : "outputs");
            rc = rd_string(&r, w, f, names[*cnt], ONNX_NAME_MAX, e, what);
            ++*cnt;
            break;
        }
        case 4: rc = rd_string(&r, w, f, n->op_type, sizeof n->op_type, e, what); break;
        case 5:
            if (n->n_attrs >= ONNX_MAX_ATTRS)
                return fail(e, "%s: more than %d attributes", what, ONNX_MAX_ATTRS);
            rc = want_wire(w, WIRE_LEN, f, e, what) || rd_len(&r, &s, e, what) ||
                         parse_attr(s, &n->attrs[n->n_attrs], e)
                     ? -1
                     : 0;
            if (!rc) {
                const char *nm = n->attrs[n->n_attrs].name;
                if (onnx_node_attr(n, nm))
                    return fail(e, "%s: attribute \"%s\" given twice", what, nm);
                n->n_attrs++;
            }
            break;
        case 7: rc = rd_string(&r, w, f, n->domain, sizeof n->domain, e, what); break;
        default: rc = skip_field(&r, w, f, e, what); break; /* name, doc_string */
        }
        if (rc)
            return -1;
    }
    if (!n->op_type[0])
        return fail(e, "%s: no op_type", what);
    return 0;
}

/* ValueInfoProto: only the name (field 1) matters here. */
static int parse_value_info_name(pb r, char *name, perr *e)
{
    const char *what = "ValueInfoProto";
    name[0] = 0;
    while (r.p < r.end) {
        uint32_t f;
        int w;
        if (rd_tag(&r, &f, &w, e, what))
            return -1;
        if (f == 1 ? rd_string(&r, w, f, name, ONNX_NAME_MAX, e, what)
                   : skip_field(&r, w, f, e, what))
            return -1;
    }
    return 0;
}

static int parse_graph(pb r, onnx_model *m, perr *e)
{
    const char *what = "GraphProto";
    while (r.p < r.end) {
        uint32_t f;
        int w;
        pb s = {NULL, NULL};
        if (rd_tag(&r, &f, &w, e, what))
            return -1;
        if (f == 1 || f == 11 || f == 12) {
            if (want_wire(w, WIRE_LEN, f, e, what) || rd_len(&r, &s, e, what))
                return -1;
        }
        if (f == 1) {
            /* Node tests have one node; later ones are counted, not kept. */
            if (m->n_nodes == 0 && parse_node(s, &m->node, e))
                return -1;
            m->n_nodes++;
        } else if (f == 11 || f == 12) {
            int *cnt = f == 11 ? &m->n_inputs : &m->n_outputs;
            char(*names)[ONNX_NAME_MAX] = f == 11 ? m->inputs : m->outputs;
            if (*cnt >= ONNX_MAX_IO)
                return fail(e, "%s: more than %d %s", what, ONNX_MAX_IO,
                            f == 11 ? "inputs" : "outputs");
            if (parse_value_info_name(s, names[*cnt], e))
                return -1;
            ++*cnt;
        } else if (skip_field(&r, w, f, e, what)) {
            return -1;
        }
    }
    return 0;
}

int onnx_parse_model(const uint8_t *buf, size_t len, onnx_model *m, char *err, size_t errn)
{
    perr e = {err, errn};
    const char *what = "ModelProto";
    if (!m || (!buf && len))
        return fail(&e, "%s: NULL argument", what);
    memset(m, 0, sizeof *m);
    pb r = {buf, buf + len};
    int graphs = 0;
    while (r.p < r.end) {
        uint32_t f;
        int w;
        uint64_t v;
        pb s;
        if (rd_tag(&r, &f, &w, &e, what))
            return -1;
        if (f == 1) {
            if (want_wire(w, WIRE_VARINT, f, &e, what) || rd_varint(&r, &v, &e, what))
                return -1;
            m->ir_version = (int64_t)v;
        } else if (f == 7) {
            /* Protobuf would merge a repeated singular message; no writer
             * emits that, so treat it as a garbled file. */
            if (graphs++)
                return fail(&e, "%s: more than one graph", what);
            if (want_wire(w, WIRE_LEN, f, &e, what) || rd_len(&r, &s, &e, what) ||
                parse_graph(s, m, &e))
                return -1;
        } else if (skip_field(&r, w, f, &e, what)) {
            return -1;
        }
    }
    if (!graphs)
        return fail(&e, "%s: no graph", what);
    if (!m->n_nodes)
        return fail(&e, "%s: the graph has no node", what);
    return 0;
}

/* ---- tensors ---------------------------------------------------------------- */

/* A growable float array for unpacked float_data, which may be large. */
typedef struct fvec {
    float *v;
    size_t n, cap;
} fvec;

static int fvec_push(fvec *fv, float x, perr *e)
{
    if (fv->n == fv->cap) {
        size_t cap = fv->cap ? fv->cap * 2 : 64;
        float *nv = realloc(fv->v, cap * sizeof *nv);
        if (!nv)
            return fail(e, "TensorProto: out of memory");
        fv->v = nv;
        fv->cap = cap;
    }
    fv->v[fv->n++] = x;
    return 0;
}

static int rd_float_data(pb *r, int wire, uint32_t field, fvec *fv, perr *e, const char *what)
{
    uint32_t u;
    if (wire == WIRE_FIXED32)
        return rd_fixed32(r, &u, e, what) || fvec_push(fv, u32_float(u), e) ? -1 : 0;
    pb s;
    if (want_wire(wire, WIRE_LEN, field, e, what) || rd_len(r, &s, e, what))
        return -1;
    if ((s.end - s.p) % 4)
        return fail(e, "%s: float_data: packed run of %lld bytes (not a multiple of 4)", what,
                    (long long)(s.end - s.p));
    while (s.p < s.end)
        if (rd_fixed32(&s, &u, e, what) || fvec_push(fv, u32_float(u), e))
            return -1;
    return 0;
}

int onnx_parse_tensor(const uint8_t *buf, size_t len, onnx_tensor *t, char *err, size_t errn)
{
    perr e = {err, errn};
    const char *what = "TensorProto";
    if (!t || (!buf && len))
        return fail(&e, "%s: NULL argument", what);
    memset(t, 0, sizeof *t);
    pb r = {buf, buf + len};
    fvec fv = {NULL, 0, 0};
    pb raw = {NULL, NULL};
    int has_raw = 0, has_type = 0, rc = -1;
    while (r.p < r.end) {
        uint32_t f;
        int w;
        uint64_t v;
        if (rd_tag(&r, &f, &w, &e, what))
            goto done;
        switch (f) {
        case 1:
            if (rd_ints(&r, w, f, t->dims, &t->n_dims, ONNX_MAX_DIMS, &e, what))
                goto done;
            break;
        case 2:
            if (want_wire(w, WIRE_VARINT, f, &e, what) || rd_varint(&r, &v, &e, what))
                goto done;
            if (v > 1000) {
                fail(&e, "%s: data_type = %llu is not a DataType", what, (unsigned long long)v);
                goto done;
            }
            t->data_type = (int)v;
            has_type = 1;
            break;
        case 4:
            if (rd_float_data(&r, w, f, &fv, &e, what))
                goto done;
            break;
        case 8:
            if (rd_string(&r, w, f, t->name, sizeof t->name, &e, what))
                goto done;
            break;
        case 9:
            if (has_raw++) {
                fail(&e, "%s: raw_data given twice", what);
                goto done;
            }
            if (want_wire(w, WIRE_LEN, f, &e, what) || rd_len(&r, &raw, &e, what))
                goto done;
            break;
        default:
            if (skip_field(&r, w, f, &e, what))
                goto done;
            break;
        }
    }
    if (!has_type || t->data_type != ONNX_DTYPE_FLOAT) {
        fail(&e, "%s: data_type %d not supported (only FLOAT = 1)", what, t->data_type);
        goto done;
    }
    size_t count = 1;
    for (int i = 0; i < t->n_dims; i++) {
        /* 2^31 elements is past anything a test file holds; the bound also
         * keeps count * 4 from overflowing. */
        if (t->dims[i] < 0 || (t->dims[i] > 0 && count > ((size_t)1 << 31) / (size_t)t->dims[i])) {
            fail(&e, "%s: dims[%d] = %lld: negative or too large", what, i,
                 (long long)t->dims[i]);
            goto done;
        }
        count *= (size_t)t->dims[i];
    }
    if (has_raw && fv.n) {
        fail(&e, "%s: both raw_data and float_data", what);
        goto done;
    }
    size_t have = has_raw ? (size_t)(raw.end - raw.p) / 4 : fv.n;
    if (has_raw && (size_t)(raw.end - raw.p) % 4) {
        fail(&e, "%s: raw_data of %lld bytes (not a multiple of 4)", what,
             (long long)(raw.end - raw.p));
        goto done;
    }
    if (have != count) {
        fail(&e, "%s: %zu values for dims holding %zu (external data is not supported)", what,
             have, count);
        goto done;
    }
    t->count = count;
    t->data = malloc((count ? count : 1) * sizeof *t->data);
    if (!t->data) {
        fail(&e, "%s: out of memory for %zu floats", what, count);
        goto done;
    }
    if (has_raw) {
        for (size_t i = 0; i < count; i++) {
            uint32_t u;
            rd_fixed32(&raw, &u, &e, what); /* cannot fail: length checked above */
            t->data[i] = u32_float(u);
        }
    } else if (count) {
        memcpy(t->data, fv.v, count * sizeof *t->data);
    }
    rc = 0;
done:
    free(fv.v);
    if (rc) {
        free(t->data);
        t->data = NULL;
        t->count = 0;
    }
    return rc;
}

/* ---- files ------------------------------------------------------------------ */

#define MAX_FILE_BYTES ((size_t)256 << 20)

static int read_file(const char *path, uint8_t **buf, size_t *len, perr *e)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail(e, "%s: cannot open", path);
    size_t cap = 0, n = 0;
    uint8_t *b = NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                free(b);
                fclose(fp);
                return fail(e, "%s: larger than %zu bytes", path, MAX_FILE_BYTES);
            }
            size_t nc = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(b, nc);
            if (!nb) {
                free(b);
                fclose(fp);
                return fail(e, "%s: out of memory", path);
            }
            b = nb;
            cap = nc;
        }
        size_t got = fread(b + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(b);
        return fail(e, "%s: read error", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Prefixes the decoder's message with the path. */
static int with_path(int rc, const char *path, char *err, size_t errn)
{
    if (rc && err && errn) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", err);
        snprintf(err, errn, "%s: %s", path, tmp);
    }
    return rc;
}

int onnx_load_model(const char *path, onnx_model *m, char *err, size_t errn)
{
    perr e = {err, errn};
    uint8_t *buf;
    size_t len;
    if (read_file(path, &buf, &len, &e))
        return -1;
    int rc = onnx_parse_model(buf, len, m, err, errn);
    free(buf);
    return with_path(rc, path, err, errn);
}

int onnx_load_tensor(const char *path, onnx_tensor *t, char *err, size_t errn)
{
    perr e = {err, errn};
    uint8_t *buf;
    size_t len;
    if (t)
        memset(t, 0, sizeof *t);
    if (read_file(path, &buf, &len, &e))
        return -1;
    int rc = onnx_parse_tensor(buf, len, t, err, errn);
    free(buf);
    return with_path(rc, path, err, errn);
}

void onnx_tensor_free(onnx_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    t->data = NULL;
    t->count = 0;
}

const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name))
            return &n->attrs[i];
    return NULL;
}

/* ---- attributes and the Conv / ConvTranspose descriptor ----------------------
 * Moved here from tests/test_onnx.c so that tests/fuzz/fuzz_onnx.c reaches
 * them too; test_onnx.c calls them unchanged. */

/* Every failure below writes `why` and returns -1. */
#define WHY(...) (snprintf(why, nwhy, __VA_ARGS__), -1)

static int to_int(int64_t v, int *out)
{
    if (v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

int onnx_attr_get_ints(const onnx_node *n, const char *name, int len, int *out, char *why,
                       size_t nwhy)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    if (!a)
        return 0;
    if (a->type != ONNX_ATTR_INTS)
        return WHY("attribute %s: type %d, expected INTS", name, a->type);
    if (a->n_ints != len)
        return WHY("attribute %s: %d values, expected %d", name, a->n_ints, len);
    for (int i = 0; i < len; i++)
        if (to_int(a->ints[i], &out[i]))
            return WHY("attribute %s[%d] = %lld: out of int range", name, i,
                       (long long)a->ints[i]);
    return 1;
}

int onnx_attr_get_int(const onnx_node *n, const char *name, int *out, char *why, size_t nwhy)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    if (!a)
        return 0;
    if (a->type != ONNX_ATTR_INT || !a->has_i)
        return WHY("attribute %s: type %d, expected INT", name, a->type);
    if (to_int(a->i, out))
        return WHY("attribute %s = %lld: out of int range", name, (long long)a->i);
    return 1;
}

int onnx_attr_get_string(const onnx_node *n, const char *name, const char **out, char *why,
                         size_t nwhy)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    if (!a)
        return 0;
    if (a->type != ONNX_ATTR_STRING || !a->has_s)
        return WHY("attribute %s: type %d, expected STRING", name, a->type);
    *out = a->s;
    return 1;
}

int onnx_only_attrs(const onnx_node *n, const char *const *known, char *why, size_t nwhy)
{
    for (int i = 0; i < n->n_attrs; i++) {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(n->attrs[i].name, *k);
        if (!ok)
            return WHY("%s: attribute %s is not handled", n->op_type, n->attrs[i].name);
    }
    return 0;
}

int onnx_conv_desc_from_node(const onnx_node *n, const onnx_tensor *x, const onnx_tensor *w,
                             const onnx_tensor *b, clconv_conv_desc *d, char *why, size_t nwhy)
{
    static const char *const conv_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape",
                                             "pads", "strides", NULL};
    static const char *const convt_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape",
                                              "pads", "strides", "output_padding",
                                              "output_shape", NULL};
    const int transposed = !strcmp(n->op_type, "ConvTranspose");
    if (onnx_only_attrs(n, transposed ? convt_attrs : conv_attrs, why, nwhy))
        return -1;
    const int rank = x->n_dims - 2;
    if (rank < 1 || rank > CLCONV_MAX_RANK)
        return WHY("X has %d dims; clconv does rank 1-3 (3-5 dims)", x->n_dims);
    if (w->n_dims != x->n_dims)
        return WHY("W has %d dims, X has %d", w->n_dims, x->n_dims);
    for (int i = 0; i < x->n_dims; i++)
        if (x->dims[i] < 1 || x->dims[i] > INT_MAX || w->dims[i] < 1 || w->dims[i] > INT_MAX)
            return WHY("X or W dims[%d] out of range", i);

    clconv_conv_desc_init(d, rank);
    d->transposed = transposed;
    d->batch = (int)x->dims[0];
    d->in_channels = (int)x->dims[1];
    for (int i = 0; i < rank; i++) {
        d->in_size[i] = (int)x->dims[2 + i];
        d->kernel_size[i] = (int)w->dims[2 + i];
    }
    if (onnx_attr_get_int(n, "group", &d->groups, why, nwhy) < 0)
        return -1;
    if (d->groups < 1)
        return WHY("group = %d", d->groups);
    /* Conv: W[K][C/group][k...]; ConvTranspose: W[C][K/group][k...]. */
    if (!transposed) {
        d->out_channels = (int)w->dims[0];
        if ((long long)w->dims[1] * d->groups != d->in_channels)
            return WHY("W dims[1] = %lld times group %d != C = %d", (long long)w->dims[1],
                       d->groups, d->in_channels);
    } else {
        if (w->dims[0] != d->in_channels)
            return WHY("W dims[0] = %lld != C = %d", (long long)w->dims[0], d->in_channels);
        if ((long long)w->dims[1] * d->groups > INT_MAX)
            return WHY("K too large");
        d->out_channels = (int)w->dims[1] * d->groups;
    }

    /* kernel_shape is optional in ONNX (inferred from W); when given it must
     * agree with W, or the file is inconsistent. */
    int ks[CLCONV_MAX_RANK];
    int rc = onnx_attr_get_ints(n, "kernel_shape", rank, ks, why, nwhy);
    if (rc < 0)
        return -1;
    for (int i = 0; rc && i < rank; i++)
        if (ks[i] != d->kernel_size[i])
            return WHY("kernel_shape[%d] = %d but W has %d", i, ks[i], d->kernel_size[i]);
    if (onnx_attr_get_ints(n, "strides", rank, d->strides, why, nwhy) < 0 ||
        onnx_attr_get_ints(n, "dilations", rank, d->dilations, why, nwhy) < 0)
        return -1;
    /* pads: [x1_begin, x2_begin, ..., x1_end, x2_end, ...] */
    int pads[2 * CLCONV_MAX_RANK];
    if ((rc = onnx_attr_get_ints(n, "pads", 2 * rank, pads, why, nwhy)) < 0)
        return -1;
    for (int i = 0; rc && i < rank; i++) {
        d->pads_begin[i] = pads[i];
        d->pads_end[i] = pads[rank + i];
    }
    const char *ap = NULL;
    if (onnx_attr_get_string(n, "auto_pad", &ap, why, nwhy) < 0)
        return -1;
    if (!ap || !strcmp(ap, "NOTSET") || !ap[0])
        d->auto_pad = CLCONV_AUTO_PAD_NOTSET;
    else if (!strcmp(ap, "SAME_UPPER"))
        d->auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    else if (!strcmp(ap, "SAME_LOWER"))
        d->auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    else if (!strcmp(ap, "VALID"))
        d->auto_pad = CLCONV_AUTO_PAD_VALID;
    else
        return WHY("auto_pad = \"%s\" is not an ONNX value", ap);
    if (transposed) {
        if (onnx_attr_get_ints(n, "output_padding", rank, d->output_padding, why, nwhy) < 0)
            return -1;
        /* output_shape is spatial; older exporters wrote [N, K, spatial...]. */
        const onnx_attr *os = onnx_node_attr(n, "output_shape");
        if (os) {
            if (os->type != ONNX_ATTR_INTS || (os->n_ints != rank && os->n_ints != rank + 2))
                return WHY("output_shape: %d values (type %d), expected %d INTS", os->n_ints,
                           os->type, rank);
            const int off = os->n_ints - rank;
            for (int i = 0; i < rank; i++)
                if (to_int(os->ints[off + i], &d->output_shape[i]))
                    return WHY("output_shape[%d] out of int range", i);
        }
    }
    if (b) {
        if (b->n_dims != 1 || b->dims[0] != d->out_channels)
            return WHY("B must have shape [%d]", d->out_channels);
        d->has_bias = 1;
    }
    return 0;
}
