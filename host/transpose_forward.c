/* A stride-1 ConvTranspose is an ordinary convolution of the same input
 * with flipped, channel-swapped weights and pads (k-1)*d - pads_begin
 * (begin) and whatever keeps the output size (end).  Composite algorithms
 * that run forward convolutions use this to serve such layers too. */
#include "internal.h"

int clconv_transposed_as_forward(const conv_problem *p, conv_problem *f)
{
    *f = *p;
    if (!p->transposed)
        return 1;
    for (int a = 0; a < 3; a++) {
        if (p->s[a] != 1)
            return 0;
        const int ext = (p->k[a] - 1) * p->d[a];
        /* out = in + pb' + pe' - ext, so pe' follows from the output size */
        f->pb[a] = ext - p->pb[a];
        f->pe[a] = p->out[a] - p->in[a] + ext - f->pb[a];
    }
    f->transposed = 0;
    return 1;
}

void clconv_transposed_weights_as_forward(const conv_problem *p, const float *w, float *wf)
{
    const int cg = p->C / p->G, kg = p->K / p->G;
    const size_t kt = (size_t)p->k[0] * p->k[1] * p->k[2];
    for (int g = 0; g < p->G; g++)
        for (int c = 0; c < cg; c++)
            for (int k = 0; k < kg; k++) {
                /* ConvTranspose w[C][K/G][kt] -> Conv wf[K][C/G][kt], taps reversed */
                const float *src = w + ((size_t)(g * cg + c) * kg + k) * kt;
                float *dst = wf + ((size_t)(g * kg + k) * cg + c) * kt;
                for (size_t t = 0; t < kt; t++)
                    dst[t] = src[kt - 1 - t];
            }
}
