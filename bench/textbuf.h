/* Text that grows in memory and is written whole at the end (reports are
 * committed atomically, outfile.h), with the CSV and JSON quoting the
 * reports need.  Out of memory is sticky: every later call does nothing
 * and tb_take returns NULL. */
#ifndef CLCONV_BENCH_TEXTBUF_H
#define CLCONV_BENCH_TEXTBUF_H
#include <stddef.h>

typedef struct textbuf {
    char *s;
    size_t len, cap;
    int oom;
} textbuf;

void tb_printf(textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A CSV field followed by ',' (or '\n' when last), quoted when it holds a
 * comma, quote or line break. */
void tb_csv(textbuf *b, const char *s, int last);
/* A JSON string literal. */
void tb_json(textbuf *b, const char *s);
/* The text (malloc'ed, the caller frees), or NULL after running out of
 * memory; b is empty afterwards. */
char *tb_take(textbuf *b);

#endif
