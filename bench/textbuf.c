/* Growing text with CSV and JSON quoting (see textbuf.h). */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_printf(textbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

void tb_csv(textbuf *b, const char *s, int last)
{
    if (!strpbrk(s, ",\"\n\r")) {
        tb_printf(b, "%s%s", s, last ? "\n" : ",");
        return;
    }
    tb_printf(b, "\"");
    for (; *s; s++)
        tb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    tb_printf(b, "\"%s", last ? "\n" : ",");
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
                          : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 2 && s[0] < 0xc2)
        return 0; /* overlong */
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void tb_json(textbuf *b, const char *s)
{
    tb_printf(b, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char c = *p;
        const int n = utf8_len(p);
        if (c == '"' || c == '\\')
            tb_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            tb_printf(b, "\\u%04x", c);
        else if (n == 0)
            tb_printf(b, "\\ufffd"); /* not UTF-8 (a device name in Latin-1): JSON needs it */
        else
            tb_printf(b, "%.*s", n, (const char *)p);
        p += n ? n : 1;
    }
    tb_printf(b, "\"");
}

char *tb_take(textbuf *b)
{
    char *s = b->oom ? NULL : b->s;
    if (!s)
        free(b->s);
    memset(b, 0, sizeof *b);
    return s;
}
