/* Prelude prepended to every program: the fused activation every kernel that
 * stores a convolution output applies, and the activation codes (the values
 * of clconv_activation in clconv.h). */
#define ACT_NONE 0
#define ACT_RELU 1
#define ACT_CLIP 2
#define ACT_LEAKY_RELU 3

float activate(float v, int act, float alpha, float beta)
{
    if (act == ACT_RELU)
        return fmax(v, 0.0f);
    if (act == ACT_CLIP)
        return fmin(fmax(v, alpha), beta);
    if (act == ACT_LEAKY_RELU)
        return v >= 0.0f ? v : alpha * v;
    return v;
}

/* Tensors arrive as (buffer, element offset): the offset is a ulong kernel
 * argument (OpenCL C has no size_t arguments, and the host's size_t may be
 * wider than the device's), applied once to the base pointer with
 * at_offset().  The host checked that offset + extent lies inside the
 * buffer, so the value fits the device's size_t.  Offsets need no
 * alignment: kernels read and write vectors only with vloadn / vstoren,
 * which need the alignment of a float, never through a floatn pointer. */
#define at_offset(p, off) ((p) + (size_t)(off))
