/* .npy reader and writer (see npy.h).  The header is a Python dict literal;
 * the parser accepts exactly the three keys NumPy writes, in any order,
 * and rejects everything else by name, because a benchmark that silently
 * reads a float64 or transposed file produces numbers that look plausible
 * and are wrong. */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"
#include "outfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
/* NumPy itself refuses headers past 10000 bytes unless told otherwise. */
#define MAX_HEADER 65536

static int fail(char *err, size_t n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t n, const char *path, const char *fmt, ...)
{
    size_t k = (size_t)snprintf(err, n, "%s: ", path);
    if (k < n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, n - k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Reverses each 4-byte word: .npy data is little-endian. */
static void swap32(void *p, size_t count)
{
    unsigned char *b = p;
    for (size_t i = 0; i < count; i++, b += 4) {
        unsigned char t = b[0];
        b[0] = b[3];
        b[3] = t;
        t = b[1];
        b[1] = b[2];
        b[2] = t;
    }
}

void npy_shape_string(int ndim, const size_t *shape, char *buf, size_t n)
{
    size_t k = 0;
    if (n)
        buf[0] = '\0';
    if (ndim == 0) {
        snprintf(buf, n, "scalar");
        return;
    }
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", i ? "x" : "", shape[i]);
}

/* ---- header dict parser -------------------------------------------------- */

typedef struct {
    const char *s, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

static int take(cursor *c, char ch)
{
    skip_ws(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes (all NumPy writes here). */
static int parse_str(cursor *c, char *out, size_t n)
{
    skip_ws(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
        return 0;
    const char q = *c->s++;
    size_t k = 0;
    while (c->s < c->end && *c->s != q) {
        /* Printable ASCII only: the text may end up in a message. */
        if (*c->s == '\\' || *c->s < 0x20 || *c->s > 0x7e || k + 1 >= n)
            return 0;
        out[k++] = *c->s++;
    }
    if (c->s >= c->end)
        return 0;
    c->s++;
    out[k] = '\0';
    return 1;
}

static int parse_word(cursor *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->s) >= n && memcmp(c->s, w, n) == 0) {
        c->s += n;
        return 1;
    }
    return 0;
}

/* "(2, 3)", "(5,)", "()"; dims may carry Python 2's 'L' suffix.  The size
 * product is overflow-checked here, before anything is allocated. */
static int parse_shape(cursor *c, npy_array *a, const char *path, char *err, size_t n)
{
    if (!take(c, '('))
        return fail(err, n, path, "garbled header: 'shape' is not a tuple");
    a->ndim = 0;
    a->count = 1;
    int need_sep = 0;
    for (;;) {
        if (take(c, ')'))
            break;
        if (need_sep && !take(c, ','))
            return fail(err, n, path, "garbled header: expected ',' in 'shape'");
        if (need_sep && take(c, ')'))
            break;
        skip_ws(c);
        if (c->s >= c->end || *c->s < '0' || *c->s > '9')
            return fail(err, n, path, "garbled header: 'shape' entries must be integers >= 0");
        size_t v = 0;
        while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
            size_t d = (size_t)(*c->s++ - '0');
            if (v > (SIZE_MAX - d) / 10)
                return fail(err, n, path, "shape entry too large");
            v = v * 10 + d;
        }
        if (c->s < c->end && (*c->s == 'L' || *c->s == 'l'))
            c->s++;
        if (a->ndim == NPY_MAX_DIMS)
            return fail(err, n, path, "shape has more than %d dimensions", NPY_MAX_DIMS);
        a->shape[a->ndim++] = v;
        need_sep = 1;
    }
    /* Overflow check of the byte count, ignoring dimensions after a zero
     * (a zero-size array is valid whatever the other entries are). */
    size_t bytes = sizeof(float);
    int zero = 0;
    for (int i = 0; i < a->ndim; i++)
        zero |= a->shape[i] == 0;
    for (int i = 0; i < a->ndim && !zero; i++) {
        if (bytes > SIZE_MAX / a->shape[i]) {
            char s[256];
            npy_shape_string(a->ndim, a->shape, s, sizeof s);
            return fail(err, n, path, "shape %s is too large (its size overflows)", s);
        }
        bytes *= a->shape[i];
    }
    a->count = zero ? 0 : bytes / sizeof(float);
    return 0;
}

static int parse_header(const char *h, size_t len, npy_array *a, const char *path, char *err,
                        size_t n)
{
    cursor c = {h, h + len};
    int have_descr = 0, have_order = 0, have_shape = 0;
    if (!take(&c, '{'))
        return fail(err, n, path, "garbled header: not a dict");
    for (;;) {
        if (take(&c, '}'))
            break;
        char key[32], val[64];
        if (!parse_str(&c, key, sizeof key))
            return fail(err, n, path, "garbled header: expected a quoted key");
        if (!take(&c, ':'))
            return fail(err, n, path, "garbled header: expected ':' after key '%s'", key);
        if (strcmp(key, "descr") == 0 && !have_descr) {
            skip_ws(&c);
            if (c.s < c.end && *c.s == '[')
                return fail(err, n, path, "structured dtype is not supported (need float32 '<f4')");
            if (!parse_str(&c, val, sizeof val))
                return fail(err, n, path, "garbled header: 'descr' is not a string");
            if (strcmp(val, ">f4") == 0)
                return fail(err, n, path,
                            "dtype '>f4' is big-endian; need little-endian float32 '<f4'");
            if (strcmp(val, "<f4") != 0)
                return fail(err, n, path,
                            "dtype '%s' is not float32 ('<f4'); convert with "
                            "x.astype(np.float32)",
                            val);
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (parse_word(&c, "True"))
                return fail(err, n, path,
                            "Fortran order is not supported; save a C-order array "
                            "(np.ascontiguousarray)");
            if (!parse_word(&c, "False"))
                return fail(err, n, path, "garbled header: 'fortran_order' is not True or False");
            have_order = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (parse_shape(&c, a, path, err, n))
                return -1;
            have_shape = 1;
        } else {
            return fail(err, n, path, "garbled header: unexpected or repeated key '%s'", key);
        }
        if (!take(&c, ',')) {
            if (!take(&c, '}'))
                return fail(err, n, path, "garbled header: expected ',' or '}' after '%s'", key);
            break;
        }
    }
    skip_ws(&c);
    if (c.s != c.end)
        return fail(err, n, path, "garbled header: text after the dict");
    if (!have_descr || !have_order || !have_shape)
        return fail(err, n, path, "garbled header: missing '%s'",
                    !have_descr   ? "descr"
                    : !have_order ? "fortran_order"
                                  : "shape");
    return 0;
}

/* ---- load ---------------------------------------------------------------- */

int npy_load(const char *path, npy_array *a, char *err, size_t n)
{
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, n, path, "cannot open: %s", strerror(errno));
    int rc = -1;
    char *header = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fail(err, n, path, "not a regular file");
        goto done;
    }
    const unsigned long long fsize = (unsigned long long)sb.st_size;
    unsigned char pre[12];
    if (fsize < 10 || fread(pre, 1, 10, f) != 10) {
        fail(err, n, path, "truncated: %llu bytes is too short for a .npy header", fsize);
        goto done;
    }
    if (memcmp(pre, MAGIC, MAGIC_LEN) != 0) {
        fail(err, n, path, "not a .npy file (bad magic; expected \\x93NUMPY)");
        goto done;
    }
    const int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0) {
        fail(err, n, path, "unsupported .npy format version %d.%d (need 1.0, 2.0 or 3.0)", major,
             minor);
        goto done;
    }
    size_t pre_len = 10, hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (major >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fail(err, n, path, "truncated: %llu bytes is too short for a version %d.0 header",
                 fsize, major);
            goto done;
        }
        pre_len = 12;
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (hlen > MAX_HEADER) {
        fail(err, n, path, "garbled header: header length %zu exceeds %d bytes", hlen, MAX_HEADER);
        goto done;
    }
    if (fsize < pre_len + hlen) {
        fail(err, n, path, "truncated: header needs %zu bytes, the file has %llu", pre_len + hlen,
             fsize);
        goto done;
    }
    header = malloc(hlen + 1);
    if (!header || fread(header, 1, hlen, f) != hlen) {
        fail(err, n, path, header ? "read error in header" : "out of memory");
        goto done;
    }
    header[hlen] = '\0';
    if (memchr(header, '\0', hlen)) {
        fail(err, n, path, "garbled header: contains a NUL byte");
        goto done;
    }
    if (parse_header(header, hlen, a, path, err, n))
        goto done;

    /* Compare with the file size before allocating, so a huge shape in a
     * small file is an error and not a giant malloc. */
    const unsigned long long have = fsize - pre_len - hlen;
    const unsigned long long want = (unsigned long long)a->count * sizeof(float);
    if (have != want) {
        char s[256];
        npy_shape_string(a->ndim, a->shape, s, sizeof s);
        fail(err, n, path, "%s: data is %llu bytes, shape %s of float32 needs %llu",
             have < want ? "truncated" : "size mismatch", have, s, want);
        goto done;
    }
    a->data = malloc(a->count ? a->count * sizeof(float) : 1);
    if (!a->data) {
        fail(err, n, path, "out of memory for %llu bytes", want);
        goto done;
    }
    if (fread(a->data, sizeof(float), a->count, f) != a->count) {
        fail(err, n, path, "read error in data: %s", ferror(f) ? strerror(errno) : "short read");
        goto done;
    }
    if (!host_is_little_endian())
        swap32(a->data, a->count);
    rc = 0;
done:
    free(header);
    fclose(f);
    if (rc)
        npy_free(a);
    return rc;
}

void npy_free(npy_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- save ---------------------------------------------------------------- */

int npy_write(FILE *f, int ndim, const size_t *shape, const float *data)
{
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return -1;
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= shape[i];
    char dict[512];
    size_t k =
        (size_t)snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < ndim; i++)
        k += (size_t)snprintf(dict + k, sizeof dict - k, "%s%zu", i ? ", " : "", shape[i]);
    k += (size_t)snprintf(dict + k, sizeof dict - k, "%s), }", ndim == 1 ? "," : "");
    /* Pad with spaces and a final newline so data starts 64-byte aligned. */
    size_t total = 10 + k + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = k + pad + 1;
    unsigned char pre[10];
    memcpy(pre, MAGIC, MAGIC_LEN);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    if (fwrite(pre, 1, 10, f) != 10 || fwrite(dict, 1, k, f) != k)
        return -1;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    if (fputc('\n', f) == EOF)
        return -1;
    if (host_is_little_endian())
        return fwrite(data, sizeof(float), count, f) == count ? 0 : -1;
    for (size_t i = 0; i < count; i++) {
        float v = data[i];
        swap32(&v, 1);
        if (fwrite(&v, sizeof v, 1, f) != 1)
            return -1;
    }
    return 0;
}

int npy_save(const char *path, int ndim, const size_t *shape, const float *data, char *err,
             size_t n)
{
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return fail(err, n, path, "cannot write %d dimensions", ndim);
    bench_outfile o;
    if (outfile_open(&o, path, err, n))
        return -1;
    if (npy_write(o.f, ndim, shape, data)) {
        fail(err, n, path, "write failed: %s", strerror(errno));
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, n);
}
