/* ONNX backend node tests: runs ONNX's own Conv, ConvTranspose,
 * DepthToSpace and SpaceToDepth test cases (model.onnx plus
 * test_data_set_N/{input,output}_K.pb) through clconv.
 *
 *   test_onnx --list [--data DIR]        names of the covered cases in DIR
 *   test_onnx --case NAME [--data DIR]   runs one case
 *   test_onnx --all [--data DIR]         runs every covered case
 *   --seed N (or CLCONV_TEST_SEED)       seed of the random-data checks
 *
 * DIR defaults to CLCONV_ONNX_DATA (Debian's libonnx-testdata).  A missing
 * DIR is a skip (exit 77).  Covered: test_conv_*, test_basic_conv_*,
 * test_convtranspose*, test_depthtospace*, test_spacetodepth*; the
 * *convinteger* cases are integer ops (ConvInteger), not clconv's.
 *
 * Each Conv/ConvTranspose case runs with AUTO and with every named
 * algorithm whose plan_create accepts it; each result must be within that
 * algorithm's algo_tolerance() (relative L2) of ONNX's expected output, and
 * the float64 reference must agree with ONNX too, which checks the
 * reference's reading of the ONNX attributes independently of the device.
 * DepthToSpace/SpaceToDepth are permutations: bit-exact.  Every attribute
 * of the node must be understood; an unknown one fails the case rather
 * than being silently ignored. */
#define _POSIX_C_SOURCE 200809L
#include "algo_check.h"
#include "onnx_pb.h"
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CLCONV_ONNX_DATA
#define CLCONV_ONNX_DATA "/usr/share/libonnx-testdata/data/node"
#endif

/* The float64 reference against ONNX's float32 expected values: float32
 * rounding of the expected data is ~6e-8 relative, so 1e-6 leaves room
 * for ONNX's own float32 accumulation and nothing for a wrong pad. */
#define REF_TOL 1e-6

#define MAX_INPUTS 3
#define PATH_LEN 4096

/* ---- which cases are ours -------------------------------------------------- */

/* Keep in step with the regex in tests/test_onnx.cmake. */
static int covered(const char *name)
{
    static const char *const prefixes[] = {"test_conv_", "test_basic_conv_", "test_convtranspose",
                                           "test_depthtospace", "test_spacetodepth"};
    if (strstr(name, "convinteger"))
        return 0; /* ConvInteger: an integer op clconv does not implement */
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
            return 1;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the covered case directories; *n receives the count.
 * NULL with *n = 0 when there are none (or out of memory). */
static char **list_cases(const char *data, int *n)
{
    *n = 0;
    DIR *dir = opendir(data);
    if (!dir)
        return NULL;
    char **names = NULL;
    int cap = 0;
    char path[PATH_LEN];
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!covered(de->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", data, de->d_name);
        if (!is_dir(path))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, (size_t)cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[*n] = strdup(de->d_name)))
            break;
        ++*n;
    }
    closedir(dir);
    if (*n)
        qsort(names, (size_t)*n, sizeof *names, cmp_str);
    return names;
}

static void free_cases(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- attributes: onnx_attr_get_*, onnx_only_attrs and the Conv /
 * ConvTranspose conversion onnx_conv_desc_from_node are in
 * tests/support/onnx_pb.c (shared with tests/fuzz/fuzz_onnx.c) ------------- */

static int dim_int(const onnx_tensor *t, int i, int *out)
{
    return t->dims[i] >= 1 && t->dims[i] <= INT_MAX ? (*out = (int)t->dims[i], 0) : -1;
}

/* rel_l2 for two float64 arrays (the reference against ONNX's values). */
static double rel_l2_double(const double *y, const double *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return INFINITY;
        num += (y[i] - ref[i]) * (y[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num) / fmax(sqrt(den), 1e-30);
}

/* ONNX's conv cases use integer inputs and all-ones weights (except
 * test_convtranspose_dilations), which cannot catch a flipped or
 * transposed kernel.  So each algorithm also runs the case's exact
 * descriptor on seeded random data, with and without a bias (no ONNX case
 * has one), against the float64 reference, which the line above has just
 * shown to agree with ONNX on this descriptor. */
static uint64_t g_seed = 1;

static int random_checks(clconv_context *ctx, const char *label, const clconv_conv_desc *d,
                         clconv_algorithm algo)
{
    int fails = 0;
    for (int bias = 0; bias < 2; bias++) {
        clconv_conv_desc db = *d;
        db.has_bias = bias;
        char lab[600];
        snprintf(lab, sizeof lab, "%s random%s", label, bias ? "+bias" : "");
        double err = NAN;
        check_result r = check_conv(ctx, &db, algo, g_seed + (uint64_t)bias, lab, &err);
        if (r == CHECK_PASS)
            printf("PASS %s algo=%s seed=%llu err=%.3g\n", lab, clconv_algorithm_name(algo),
                   (unsigned long long)(g_seed + (uint64_t)bias), err);
        else if (r == CHECK_UNSUPPORTED)
            printf("FAIL %s algo=%s: unsupported with random data, yet it ran the ONNX data\n",
                   lab, clconv_algorithm_name(algo));
        fails += r != CHECK_PASS; /* check_conv printed the reason of a FAIL */
    }
    return fails;
}

/* ---- one data set ----------------------------------------------------------- */

static int shape_matches(const onnx_tensor *t, const int *dims, int nd)
{
    if (t->n_dims != nd)
        return 0;
    for (int i = 0; i < nd; i++)
        if (t->dims[i] != dims[i])
            return 0;
    return 1;
}

static void shape_string(const int *dims, int nd, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < nd && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "x" : "", dims[i]);
}

static void tensor_shape_string(const onnx_tensor *t, char *buf, size_t n)
{
    int dims[ONNX_MAX_DIMS];
    for (int i = 0; i < t->n_dims; i++)
        dims[i] = t->dims[i] > INT_MAX ? -1 : (int)t->dims[i];
    shape_string(dims, t->n_dims, buf, n);
}

static int run_conv(clconv_context *ctx, const char *label, const onnx_node *node,
                    onnx_tensor *in, int n_in, const onnx_tensor *expect)
{
    char why[512];
    clconv_conv_desc d;
    const onnx_tensor *b = n_in > 2 && in[2].data ? &in[2] : NULL;
    if (n_in < 2 || !in[0].data || !in[1].data) {
        printf("FAIL %s: %s needs inputs X and W\n", label, node->op_type);
        return 1;
    }
    if (onnx_conv_desc_from_node(node, &in[0], &in[1], b, &d, why, sizeof why)) {
        printf("FAIL %s: cannot map the node: %s\n", label, why);
        return 1;
    }
    char cs[512];
    desc_string(&d, cs, sizeof cs);
    int osz[CLCONV_MAX_RANK], oshape[2 + CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(&d, osz)) {
        printf("FAIL %s case=\"%s\": clconv_conv_output_shape: %s\n", label, cs,
               clconv_last_error());
        return 1;
    }
    oshape[0] = d.batch;
    oshape[1] = d.out_channels;
    memcpy(oshape + 2, osz, (size_t)d.rank * sizeof *osz);
    if (!shape_matches(expect, oshape, d.rank + 2)) {
        char a[128], e[128];
        shape_string(oshape, d.rank + 2, a, sizeof a);
        tensor_shape_string(expect, e, sizeof e);
        printf("FAIL %s case=\"%s\": output shape %s, ONNX expects %s\n", label, cs, a, e);
        return 1;
    }
    const size_t ny = expect->count;
    const float *xb = b ? b->data : NULL;
    float *y = malloc(ny * sizeof *y);
    double *ref = malloc(ny * sizeof *ref), *want = malloc(ny * sizeof *want);
    int fails = 0;
    if (!y || !ref || !want) {
        printf("FAIL %s: out of host memory\n", label);
        fails = 1;
        goto done;
    }
    for (size_t i = 0; i < ny; i++) {
        want[i] = expect->data[i];
        ref[i] = NAN;
    }

    /* The float64 reference must itself reproduce ONNX. */
    if (clconv_reference_conv(&d, in[0].data, in[1].data, xb, ref)) {
        printf("FAIL %s case=\"%s\": clconv_reference_conv: %s\n", label, cs, clconv_last_error());
        fails++;
    } else {
        double e = rel_l2_double(ref, want, ny);
        printf("%s %s reference err=%.3g (tol %.0e)\n", e <= REF_TOL ? "PASS" : "FAIL", label, e,
               REF_TOL);
        fails += !(e <= REF_TOL);
    }

    int ran_any_named = 0;
    for (int a = CLCONV_ALGO_AUTO; a < CLCONV_ALGO_COUNT; a++) {
        const clconv_algorithm algo = (clconv_algorithm)a;
        const char *an = clconv_algorithm_name(algo);
        char sup_why[512] = "";
        clconv_status sup = CLCONV_SUCCESS;
        if (algo != CLCONV_ALGO_AUTO) {
            sup = clconv_algorithm_supports(ctx, &d, algo);
            snprintf(sup_why, sizeof sup_why, "%s", clconv_last_error());
        }
        clconv_algorithm ran = CLCONV_ALGO_AUTO;
        poison_nan(y, ny);
        clconv_status st = clconv_conv_host(ctx, &d, algo, in[0].data, in[1].data, xb, y, &ran);
        if (st == CLCONV_UNSUPPORTED && algo != CLCONV_ALGO_AUTO) {
            if (sup == CLCONV_SUCCESS) {
                printf("FAIL %s algo=%s: supports() accepts it but plan_create says: %s\n", label,
                       an, clconv_last_error());
                fails++;
            } else {
                printf("SKIP %s algo=%s: %s\n", label, an, sup_why);
            }
            continue;
        }
        if (st) {
            printf("FAIL %s algo=%s case=\"%s\": %s: %s\n", label, an, cs,
                   clconv_status_string(st), clconv_last_error());
            fails++;
            continue;
        }
        if (algo != CLCONV_ALGO_AUTO && sup != CLCONV_SUCCESS) {
            printf("FAIL %s algo=%s: ran although supports() said %s: %s\n", label, an,
                   clconv_status_string(sup), sup_why);
            fails++;
        }
        if (ran == CLCONV_ALGO_AUTO || !clconv_algorithm_name(ran) ||
            (algo != CLCONV_ALGO_AUTO && ran != algo)) {
            printf("FAIL %s algo=%s: reports it ran %s\n", label, an,
                   clconv_algorithm_name(ran) ? clconv_algorithm_name(ran) : "(invalid)");
            fails++;
            continue;
        }
        ran_any_named |= algo != CLCONV_ALGO_AUTO;
        const double err = rel_l2(y, want, ny), tol = algo_tolerance(ran);
        const long bad = first_nonfinite(y, ny);
        if (err <= tol) {
            printf("PASS %s algo=%s ran=%s err=%.3g (tol %.0e)\n", label, an,
                   clconv_algorithm_name(ran), err, tol);
        } else {
            printf("FAIL %s algo=%s ran=%s case=\"%s\" err=%.3g (tol %.0e)", label, an,
                   clconv_algorithm_name(ran), cs, err, tol);
            if (bad >= 0)
                printf(" first non-finite output at %ld of %zu", bad, ny);
            printf("\n");
            fails++;
        }
        fails += random_checks(ctx, label, &d, algo);
    }
    /* DIRECT is universal: a case no named algorithm ran is a library bug. */
    if (!ran_any_named) {
        printf("FAIL %s: no named algorithm accepted case=\"%s\"\n", label, cs);
        fails++;
    }
done:
    free(y);
    free(ref);
    free(want);
    return fails != 0;
}

/* Bit-exact comparison; index of the first difference or -1. */
static long first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof *a))
            return (long)i;
    return -1;
}

static int run_space_depth(clconv_context *ctx, const char *label, const onnx_node *node,
                           const onnx_tensor *x, const onnx_tensor *expect)
{
    static const char *const d2s_attrs[] = {"blocksize", "mode", NULL};
    static const char *const s2d_attrs[] = {"blocksize", NULL};
    char why[512];
    const int d2s = !strcmp(node->op_type, "DepthToSpace");
    clconv_space_depth_desc d;
    clconv_space_depth_desc_init(&d, d2s ? CLCONV_DEPTH_TO_SPACE : CLCONV_SPACE_TO_DEPTH);
    int rc;
    const char *mode = NULL;
    if (onnx_only_attrs(node, d2s ? d2s_attrs : s2d_attrs, why, sizeof why) ||
        (rc = onnx_attr_get_int(node, "blocksize", &d.blocksize, why, sizeof why)) < 0 ||
        (d2s && onnx_attr_get_string(node, "mode", &mode, why, sizeof why) < 0)) {
        printf("FAIL %s: cannot map the node: %s\n", label, why);
        return 1;
    }
    if (!rc) {
        printf("FAIL %s: %s without the required blocksize\n", label, node->op_type);
        return 1;
    }
    if (mode && strcmp(mode, "DCR") && strcmp(mode, "CRD")) {
        printf("FAIL %s: mode = \"%s\" is not DCR or CRD\n", label, mode);
        return 1;
    }
    d.mode = mode && !strcmp(mode, "CRD") ? CLCONV_MODE_CRD : CLCONV_MODE_DCR;
    if (x->n_dims != 4 || dim_int(x, 0, &d.batch) || dim_int(x, 1, &d.channels) ||
        dim_int(x, 2, &d.height) || dim_int(x, 3, &d.width)) {
        printf("FAIL %s: input must be 4D NCHW with positive sizes\n", label);
        return 1;
    }
    int oshape[4];
    if (clconv_space_depth_output_shape(&d, oshape)) {
        printf("FAIL %s: clconv_space_depth_output_shape: %s\n", label, clconv_last_error());
        return 1;
    }
    if (!shape_matches(expect, oshape, 4)) {
        char a[128], e[128];
        shape_string(oshape, 4, a, sizeof a);
        tensor_shape_string(expect, e, sizeof e);
        printf("FAIL %s: output shape %s, ONNX expects %s\n", label, a, e);
        return 1;
    }
    const size_t ny = expect->count;
    float *y = malloc(ny * sizeof *y);
    if (!y) {
        printf("FAIL %s: out of host memory\n", label);
        return 1;
    }
    int fails = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *what = pass ? "device" : "reference";
        poison_nan(y, ny);
        clconv_status st = pass ? clconv_space_depth_host(ctx, &d, x->data, y)
                                : clconv_reference_space_depth(&d, x->data, y);
        if (st) {
            printf("FAIL %s %s: %s: %s\n", label, what, clconv_status_string(st),
                   clconv_last_error());
            fails++;
            continue;
        }
        long i = first_diff(y, expect->data, ny);
        if (i < 0) {
            printf("PASS %s %s exact (%zu elements)\n", label, what, ny);
        } else {
            printf("FAIL %s %s: element %ld of %zu is %g, ONNX expects %g\n", label, what, i, ny,
                   y[i], expect->data[i]);
            fails++;
        }
    }
    free(y);
    return fails != 0;
}

/* ---- one case ------------------------------------------------------------------ */

/* Index of a graph input/output for a node input/output name: the K of
 * input_K.pb.  Without graph inputs listed, the node's own order. */
static int io_index(const char (*names)[ONNX_NAME_MAX], int n, const char *name, int fallback)
{
    if (n == 0)
        return fallback;
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

static int run_data_set(clconv_context **ctx, const char *data, const char *name, int set,
                        const onnx_model *m)
{
    const onnx_node *node = &m->node;
    char label[512], path[PATH_LEN], err[1024];
    snprintf(label, sizeof label, "%s/%d", name, set);
    onnx_tensor in[MAX_INPUTS], out;
    memset(in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    int fails = 1;
    if (node->n_inputs > MAX_INPUTS) {
        printf("FAIL %s: %d node inputs\n", label, node->n_inputs);
        return 1;
    }
    for (int j = 0; j < node->n_inputs; j++) {
        if (!node->inputs[j][0])
            continue; /* omitted optional input */
        int k = io_index(m->inputs, m->n_inputs, node->inputs[j], j);
        if (k < 0) {
            printf("FAIL %s: node input %s is not a graph input (initializers unsupported)\n",
                   label, node->inputs[j]);
            goto done;
        }
        snprintf(path, sizeof path, "%s/%s/test_data_set_%d/input_%d.pb", data, name, set, k);
        if (onnx_load_tensor(path, &in[j], err, sizeof err)) {
            printf("FAIL %s: %s\n", label, err);
            goto done;
        }
    }
    int k = node->n_outputs ? io_index(m->outputs, m->n_outputs,
                                       node->outputs[0], 0)
                            : -1;
    if (k < 0) {
        printf("FAIL %s: the node's output is not a graph output\n", label);
        goto done;
    }
    snprintf(path, sizeof path, "%s/%s/test_data_set_%d/output_%d.pb", data, name, set, k);
    if (onnx_load_tensor(path, &out, err, sizeof err)) {
        printf("FAIL %s: %s\n", label, err);
        goto done;
    }
    /* The device is opened only once there is something to run on it. */
    if (!*ctx)
        *ctx = test_context();
    if (!strcmp(node->op_type, "Conv") || !strcmp(node->op_type, "ConvTranspose")) {
        fails = run_conv(*ctx, label, node, in, node->n_inputs, &out);
    } else if (!strcmp(node->op_type, "DepthToSpace") || !strcmp(node->op_type, "SpaceToDepth")) {
        if (node->n_inputs != 1 || !in[0].data)
            printf("FAIL %s: %s takes one input\n", label, node->op_type);
        else
            fails = run_space_depth(*ctx, label, node, &in[0], &out);
    } else {
        printf("FAIL %s: op %s is not covered by clconv\n", label, node->op_type);
    }
done:
    for (int j = 0; j < MAX_INPUTS; j++)
        onnx_tensor_free(&in[j]);
    onnx_tensor_free(&out);
    return fails;
}

static int run_case(clconv_context **ctx, const char *data, const char *name)
{
    char path[PATH_LEN], err[1024];
    if (!*name || strchr(name, '/') || !strcmp(name, "..")) {
        printf("FAIL %s: not a case name\n", name);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s/model.onnx", data, name);
    static onnx_model m; /* ~12 KiB: keep it off the stack */
    if (onnx_load_model(path, &m, err, sizeof err)) {
        printf("FAIL %s: %s\n", name, err);
        return 1;
    }
    if (m.n_nodes != 1) {
        printf("FAIL %s: %d nodes; a node test has one\n", name, m.n_nodes);
        return 1;
    }
    if (m.node.domain[0] && strcmp(m.node.domain, "ai.onnx")) {
        printf("FAIL %s: domain \"%s\" is not ONNX's\n", name, m.node.domain);
        return 1;
    }
    int fails = 0, sets = 0;
    for (;; sets++) {
        snprintf(path, sizeof path, "%s/%s/test_data_set_%d", data, name, sets);
        if (!is_dir(path))
            break;
        fails += run_data_set(ctx, data, name, sets, &m);
    }
    if (!sets) {
        printf("FAIL %s: no test_data_set_0\n", name);
        return 1;
    }
    printf("%s %s (%s, %d data set%s)\n", fails ? "FAIL" : "PASS", name, m.node.op_type, sets,
           sets == 1 ? "" : "s");
    return fails != 0;
}

/* ---- main ---------------------------------------------------------------------- */

static const char *arg_str(int argc, char **argv, const char *flag)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], flag))
            return argv[i + 1];
    return NULL;
}

static int has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], flag))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    /* Line-buffered, so the lines before a crash in the library survive. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *data = arg_str(argc, argv, "--data");
    const char *name = arg_str(argc, argv, "--case");
    const int list = has_flag(argc, argv, "--list"), all = has_flag(argc, argv, "--all");
    if (!data)
        data = CLCONV_ONNX_DATA;
    g_seed = test_seed(argc, argv, g_seed);
    if (!list && !all && !name) {
        fprintf(stderr, "usage: %s --list | --case NAME | --all  [--data DIR]\n", argv[0]);
        return 2;
    }
    if (!is_dir(data)) {
        printf("SKIP: ONNX node test data not found at %s (install libonnx-testdata or "
               "configure with -DCLCONV_ONNX_DATA=DIR)\n",
               data);
        return TEST_SKIP;
    }
    int n = 0;
    char **names = list || all ? list_cases(data, &n) : NULL;
    if ((list || all) && !n) {
        printf("SKIP: no Conv/ConvTranspose/DepthToSpace/SpaceToDepth cases in %s\n", data);
        return TEST_SKIP;
    }
    int fails = 0;
    clconv_context *ctx = NULL;
    if (list) {
        for (int i = 0; i < n; i++)
            printf("%s\n", names[i]);
    } else if (all) {
        for (int i = 0; i < n; i++)
            fails += run_case(&ctx, data, names[i]);
        printf("%s: %d of %d cases failed\n", fails ? "FAIL" : "PASS", fails, n);
    } else {
        fails = run_case(&ctx, data, name);
    }
    free_cases(names, n);
    if (ctx)
        test_context_release();
    return fails ? 1 : 0;
}
