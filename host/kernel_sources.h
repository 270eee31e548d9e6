/* The .cl files, embedded at build time by cmake/embed_kernels.cmake. */
#ifndef CLCONV_KERNEL_SOURCES_H
#define CLCONV_KERNEL_SOURCES_H
#include <stddef.h>
typedef struct clconv_kernel_source {
    const char *name;   /* file name, e.g. "direct.cl" */
    const char *source; /* NUL-terminated */
    size_t length;      /* without the NUL */
} clconv_kernel_source;
/* Terminated by an entry with name == NULL. */
extern const clconv_kernel_source clconv_kernel_sources[];
/* The .tsv files of tuning/: the system tuning database (tuning_db.c). */
extern const clconv_kernel_source clconv_system_tuning[];
#endif
