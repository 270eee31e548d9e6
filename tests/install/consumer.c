/* An outside program that uses an installed clconv: one small convolution
 * checked against the library's own reference. */
#include <clconv.h>
#include <math.h>
#include <stdio.h>

int main(void)
{
    /* The header and the library are of one version (the header's macros
     * are generated from the same CMake project version). */
    if (clconv_version_number() != CLCONV_VERSION_NUMBER) {
        printf("FAIL: library %s (%u), header %s (%d)\n", clconv_version(),
               clconv_version_number(), CLCONV_VERSION_STRING, CLCONV_VERSION_NUMBER);
        return 1;
    }
    clconv_context *ctx;
    clconv_status st = clconv_context_create(NULL, &ctx);
    if (st == CLCONV_DEVICE_NOT_FOUND) {
        printf("SKIP: %s\n", clconv_last_error());
        return 77;
    }
    if (st) {
        printf("FAIL: %s\n", clconv_last_error());
        return 1;
    }
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 3;
    d.out_channels = 5;
    d.in_size[0] = 9;
    d.in_size[1] = 11;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    float x[3 * 9 * 11], w[5 * 3 * 9], y[5 * 9 * 11];
    double ref[5 * 9 * 11];
    for (int i = 0; i < 3 * 9 * 11; i++)
        x[i] = (float)((i * 37) % 17) / 17.0f - 0.5f;
    for (int i = 0; i < 5 * 3 * 9; i++)
        w[i] = (float)((i * 11) % 13) / 13.0f - 0.5f;
    clconv_algorithm ran;
    if ((st = clconv_conv_host(ctx, &d, CLCONV_ALGO_AUTO, x, w, NULL, y, &ran)) ||
        (st = clconv_reference_conv(&d, x, w, NULL, ref))) {
        printf("FAIL: %s\n", clconv_last_error());
        return 1;
    }
    double num = 0, den = 0;
    for (int i = 0; i < 5 * 9 * 11; i++) {
        num += (y[i] - ref[i]) * (y[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    double err = sqrt(num / den);
    printf("%s: %s rel L2 %.2e on %s\n", err < 1e-5 ? "PASS" : "FAIL", clconv_algorithm_name(ran),
           err, clconv_context_device_name(ctx));
    clconv_context_destroy(ctx);
    return err < 1e-5 ? 0 : 1;
}
