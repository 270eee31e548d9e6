/* Deformable convolution (deform_conv_desc.c, deform_conv.c): the
 * resolved problem and the plan's parameters, shared by the two files and
 * the white-box tests. */
#ifndef CLCONV_DEFORM_INTERNAL_H
#define CLCONV_DEFORM_INTERNAL_H
#include "internal.h"

/* A validated descriptor: every count fits an int (kernels index with
 * 32-bit ints, as for convolutions). */
typedef struct deform_problem {
    int N, C, K, G, OG;   /* batch, channels in/out, groups, offset groups */
    int H, W, oH, oW;
    int kH, kW, sH, sW, dH, dW, pt, pl, pb, pr;
    int has_mask, has_bias;
    clconv_activation act;
    float alpha, beta;
} deform_problem;

/* Validates desc for operation op (named in messages) and fills p. */
clconv_status clconv_deform_check(const clconv_deform_conv_desc *desc, const char *op,
                                  deform_problem *p);
size_t clconv_deform_input_elems(const deform_problem *p);
size_t clconv_deform_weight_elems(const deform_problem *p);
size_t clconv_deform_offset_elems(const deform_problem *p);
size_t clconv_deform_mask_elems(const deform_problem *p);
size_t clconv_deform_output_elems(const deform_problem *p);

/* The direct kernel's shape: output channels per work-item (the register
 * block) and the work-group over (output pixels, channel blocks).  GPU-
 * and CPU-shaped defaults by device class (deform_conv.c); the tests
 * override them to reach every remainder path. */
typedef struct deform_params {
    int oc_block;   /* 1..32 */
    size_t lws[2];  /* 0: the driver's (one-item groups on CPUs, see launch.c) */
} deform_params;

/* Like clconv_deform_plan_create with explicit parameters (NULL: the
 * device class's defaults). */
clconv_status clconv_deform_plan_create_params(clconv_context *ctx,
                                               const clconv_deform_conv_desc *desc,
                                               clconv_algorithm algorithm,
                                               const deform_params *params,
                                               clconv_deform_plan **plan);
#endif
