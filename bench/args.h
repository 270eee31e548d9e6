/* Command-line parsing for clconv-bench: option matching ("--x V" and
 * "--x=V") and the value syntaxes (comma lists, activation, auto_pad,
 * algorithm lists).  Every parser prints its own message naming the
 * option and returns nonzero on a bad value. */
#ifndef CLCONV_BENCH_ARGS_H
#define CLCONV_BENCH_ARGS_H
#include "clconv.h"

typedef struct arg_cursor {
    int argc;
    char **argv;
    int i;     /* the argument being looked at */
    int error; /* set when an option lacks its value */
} arg_cursor;

/* Whether argv[i] is option `name`; if so *value is its value ("--name V",
 * which consumes V, or "--name=V").  A missing value prints a message,
 * sets c->error, sets *value to NULL and still returns 1.  Every parser
 * below returns -1 quietly for a NULL value. */
int arg_opt(arg_cursor *c, const char *name, const char **value);
/* Whether argv[i] is the flag `name` (no value). */
int arg_flag(const arg_cursor *c, const char *name);

/* A comma list of integers within [lo, hi]; at most max entries.  Returns
 * the count, or -1 after printing "OPT: ..." */
int parse_ints(const char *opt, const char *s, int *v, int max, long lo, long hi);
/* One integer within [lo, hi]; 0 on success. */
int parse_int(const char *opt, const char *s, long lo, long hi, long *out);
/* One unsigned 64-bit integer (seeds); 0 on success. */
int parse_u64(const char *opt, const char *s, unsigned long long *out);
/* none | relu | relu6 | clip:MIN:MAX | leaky_relu[:ALPHA]; 0 on success. */
int parse_activation(const char *s, clconv_activation *act, float *alpha, float *beta);
/* NOTSET | SAME_UPPER | SAME_LOWER | VALID (any case); 0 on success. */
int parse_auto_pad(const char *s, clconv_auto_pad *pad);
/* One algorithm name ("auto", "direct", ...); 0 on success, else prints the
 * list of valid names. */
int parse_algo(const char *opt, const char *s, clconv_algorithm *algo);
/* --algo: "all", or a comma list of names (auto allowed).  *all is set for
 * "all"; otherwise list/n hold the names in order (at most
 * CLCONV_ALGO_COUNT, no repeats).  0 on success. */
int parse_algo_list(const char *s, int *all, clconv_algorithm *list, int *n);

#endif
