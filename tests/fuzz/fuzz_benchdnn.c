/* libFuzzer target: clconv-bench's reader of oneDNN benchdnn descriptors
 * and batch text (bench/benchdnn.c, with bench/suite.c and bench/util.c).
 *
 * Input: one flag byte, then text.
 *   bit 0     the deconv driver (else conv)
 *   bits 1-2  mb: 0, 1, 3, or the next byte
 *   bits 3-4  name_len / why_len given to benchdnn_parse: full, tiny, 1
 *   bit 5     instead, the text is a clconv-bench suite table (TSV, bench/
 *             suite.c), loaded with suite_load as the embedded suite "fuzz"
 * The text goes to benchdnn_parse (a NUL-terminated copy) and then to
 * benchdnn_load_text as batch text.  Checks: the output buffers are
 * written within their lengths and NUL-terminated; a parsed descriptor
 * passes clconv_conv_output_shape (benchdnn.h promises it); every loaded
 * layer does too, with a unique NUL-terminated name; a failed load leaves
 * an empty suite.
 *
 * --batch= includes are confined to a scratch directory made at start-up
 * (the process works there; a '/' in the text becomes '_', so no include
 * reaches outside it).  It holds a few batch files for the fuzzer to
 * find: "a" (descriptors), "b" (an include of "a"), "cycle" (includes
 * itself), "c0".."c9" (a chain deeper than BENCHDNN_MAX_DEPTH), "nul" (a
 * NUL byte), "dir" (a directory). */
#define _GNU_SOURCE /* mkdtemp */
#include "benchdnn.h"
#include "fuzz_check.h"
#include "suite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The embedded suites (bench/suite.c): one, "fuzz", whose text is the
 * input's in TSV mode, NUL-padded to the fixed length of the table. */
#define TSV_MAX 8192
static char fuzz_tsv[TSV_MAX + 1];
const bench_embedded_file bench_suite_files[] = {{"fuzz.tsv", fuzz_tsv, TSV_MAX},
                                                 {NULL, NULL, 0}};

static char scratch[64];

static void write_file(const char *name, const char *text, size_t len)
{
    FILE *f = fopen(name, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(name);
        exit(1);
    }
}

static void remove_scratch(void)
{
    static const char *const names[] = {"a", "b", "cycle", "nul", "c0", "c1", "c2", "c3",
                                        "c4", "c5", "c6", "c7", "c8", "c9"};
    if (chdir(scratch) != 0)
        return;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(names[i]);
    rmdir("dir");
    if (chdir("/") == 0)
        rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%.40s/fuzz_benchdnn.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("fuzz_benchdnn: scratch directory");
        exit(1);
    }
    atexit(remove_scratch);
    static const char a[] = "# shipped-style problems\n--mb=2\n"
                            "mb2_g1ic3oc64_ih224oh112kh7sh2ph3n\"resnet_50:conv1\"\n"
                            "ic64ih56oc64oh56kh3ph1n\"res2a\" --dir=FWD_B\n"
                            "g32ic32ih112oc32oh112kh3ph1n\"dw\"\n";
    static const char b[] = "--deconv --batch=a --reset\nic16iw10oc8ow21kw3sw2\n";
    static const char cycle[] = "--batch=cycle\n";
    write_file("a", a, sizeof a - 1);
    write_file("b", b, sizeof b - 1);
    write_file("cycle", cycle, sizeof cycle - 1);
    write_file("nul", "ic1ih1oc1kh1\0", 13);
    for (int i = 0; i < 10; i++) {
        char name[8], text[64];
        snprintf(name, sizeof name, "c%d", i);
        int n = i < 9 ? snprintf(text, sizeof text, "ic%dih5oc1kh1 --batch=c%d\n", i + 1, i + 1)
                      : snprintf(text, sizeof text, "ic9ih5oc1kh1\n");
        write_file(name, text, (size_t)n);
    }
    if (mkdir("dir", 0700) != 0) {
        perror("fuzz_benchdnn: mkdir");
        exit(1);
    }
    return 0;
}

static void check_parse(const char *text, int deconv, long mb, size_t name_len, size_t why_len)
{
    char name[300], why[600];
    memset(name, 0x5a, sizeof name);
    memset(why, 0x5a, sizeof why);
    clconv_conv_desc d;
    int rc = benchdnn_parse(text, deconv, mb, &d, name, name_len, why, why_len);
    if (rc == 0) {
        FUZZ_CHECK(memchr(name, '\0', name_len) != NULL, "name not terminated");
        for (size_t i = name_len; i < sizeof name; i++)
            FUZZ_CHECK(name[i] == 0x5a, "name written past name_len %zu", name_len);
        int out[CLCONV_MAX_RANK];
        FUZZ_CHECK(clconv_conv_output_shape(&d, out) == CLCONV_SUCCESS,
                   "parsed '%.200s' fails output_shape: %s", text, clconv_last_error());
        FUZZ_CHECK(d.transposed == (deconv != 0), "transposed %d for deconv %d", d.transposed,
                   deconv);
        FUZZ_CHECK(mb <= 0 || d.batch == mb, "batch %d, mb %ld", d.batch, mb);
    } else {
        FUZZ_CHECK(rc == -1, "rc %d", rc);
        FUZZ_CHECK(memchr(why, '\0', why_len) != NULL, "why not terminated");
        FUZZ_CHECK(why_len < 2 || why[0] != '\0', "empty reason for '%.200s'", text);
    }
    for (size_t i = why_len; i < sizeof why; i++)
        FUZZ_CHECK(why[i] == 0x5a, "why written past why_len %zu", why_len);
}

static void check_load(const char *text, int deconv, long mb)
{
    suite s;
    int rc = benchdnn_load_text("fuzz", text, deconv, mb, &s);
    if (rc != 0) {
        FUZZ_CHECK(rc == 1 || rc == 2, "load rc %d", rc);
        FUZZ_CHECK(s.n == 0 && s.layers == NULL, "failed load left %d layers", s.n);
        return;
    }
    FUZZ_CHECK(s.n > 0 && s.layers != NULL, "success without layers");
    FUZZ_CHECK(memchr(s.label, '\0', sizeof s.label) != NULL, "label not terminated");
    for (int i = 0; i < s.n; i++) {
        const suite_layer *l = &s.layers[i];
        FUZZ_CHECK(memchr(l->name, '\0', sizeof l->name) != NULL && l->name[0],
                   "layer %d: bad name", i);
        FUZZ_CHECK(memchr(l->type, '\0', sizeof l->type) != NULL, "layer %d: bad type", i);
        FUZZ_CHECK(l->count == 1, "layer %d: count %d", i, l->count);
        int out[CLCONV_MAX_RANK];
        FUZZ_CHECK(clconv_conv_output_shape(&l->desc, out) == CLCONV_SUCCESS,
                   "layer %d '%s' fails output_shape: %s", i, l->name, clconv_last_error());
        FUZZ_CHECK(mb <= 0 || l->desc.batch == mb, "layer %d: batch %d, mb %ld", i,
                   l->desc.batch, mb);
    }
    if (s.n <= 256) /* names unique within the suite */
        for (int i = 0; i < s.n; i++)
            for (int j = i + 1; j < s.n; j++)
                FUZZ_CHECK(strcmp(s.layers[i].name, s.layers[j].name) != 0,
                           "layers %d and %d share the name '%s'", i, j, s.layers[i].name);
    char *sel = malloc((size_t)s.n);
    FUZZ_CHECK(sel != NULL, "malloc");
    FUZZ_CHECK(suite_select(&s, NULL, sel) == 0, "select all failed");
    for (int i = 0; i < s.n; i++)
        FUZZ_CHECK(sel[i] == 1, "select all missed %d", i);
    char spec[80];
    snprintf(spec, sizeof spec, "%s", s.layers[s.n - 1].name);
    if (!strpbrk(spec, ",*")) {
        FUZZ_CHECK(suite_select(&s, spec, sel) == 0, "select '%s' failed", spec);
        FUZZ_CHECK(sel[s.n - 1] == 1, "select '%s' missed it", spec);
    }
    free(sel);
    suite_free(&s);
    FUZZ_CHECK(s.n == 0 && s.layers == NULL, "suite_free left layers");
}

/* A suite table: a success holds validated rows with unique names. */
static void check_tsv(const char *text, size_t size)
{
    if (size > TSV_MAX)
        return;
    memset(fuzz_tsv, 0, sizeof fuzz_tsv);
    memcpy(fuzz_tsv, text, size);
    suite s;
    int rc = suite_load("fuzz", &s);
    if (rc != 0) {
        FUZZ_CHECK(rc == 1 || rc == 2, "suite_load rc %d", rc);
        FUZZ_CHECK(s.n == 0 && s.layers == NULL, "failed load left %d layers", s.n);
        return;
    }
    FUZZ_CHECK(s.n > 0 && s.layers != NULL, "success without layers");
    for (int i = 0; i < s.n; i++) {
        const suite_layer *l = &s.layers[i];
        FUZZ_CHECK(memchr(l->name, '\0', sizeof l->name) != NULL, "layer %d: bad name", i);
        FUZZ_CHECK(memchr(l->type, '\0', sizeof l->type) != NULL, "layer %d: bad type", i);
        FUZZ_CHECK(l->count >= 1, "layer %d: count %d", i, l->count);
        int out[CLCONV_MAX_RANK];
        FUZZ_CHECK(clconv_conv_output_shape(&l->desc, out) == CLCONV_SUCCESS,
                   "layer %d '%s' fails output_shape: %s", i, l->name, clconv_last_error());
        for (int j = 0; j < i && s.n <= 256; j++)
            FUZZ_CHECK(strcmp(s.layers[i].name, s.layers[j].name) != 0,
                       "layers %d and %d share the name '%s'", j, i, l->name);
    }
    suite_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int flags = data[0];
    data++, size--;
    const int deconv = flags & 1;
    long mb = 0;
    switch ((flags >> 1) & 3) {
    case 0: mb = 0; break;
    case 1: mb = 1; break;
    case 2: mb = 3; break;
    case 3:
        if (size < 1)
            return 0;
        mb = (long)data[0] * 70000; /* past BENCHDNN_MAX_VALUE from 240 on */
        data++, size--;
        break;
    }
    static const size_t name_lens[4] = {256, 8, 1, 64}, why_lens[4] = {512, 16, 1, 2};
    const size_t name_len = name_lens[(flags >> 3) & 3], why_len = why_lens[(flags >> 3) & 3];

    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "malloc");
    for (size_t i = 0; i < size; i++)
        text[i] = data[i] == '/' ? '_' : (char)data[i];
    text[size] = '\0';
    if (flags & 0x20) {
        check_tsv(text, size);
    } else {
        check_parse(text, deconv, mb, name_len, why_len);
        check_load(text, deconv, mb);
    }
    free(text);
    return 0;
}
