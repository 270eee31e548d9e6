/* On-disk state clconv reads back (program binaries, the tuning database)
 * is only read from files nobody else could have written: a program binary
 * is code that runs in the caller's process (on PoCL, a shared library it
 * loads), so whoever can plant one in the cache directory could otherwise
 * run code in every process that uses that directory.  The rules, in the
 * spirit of OpenSSH's key checks and git's safe.directory:
 *   - the directory is opened and checked on its descriptor: owned by the
 *     effective user or root, not writable by group or others;
 *   - an entry is opened relative to that descriptor with O_NOFOLLOW (a
 *     symlink is refused) and O_NONBLOCK (a FIFO never hangs the caller),
 *     then checked on its descriptor: a regular file, owned by the
 *     effective user or root, not writable by group or others.
 * No check-then-open race: what is checked is what is read.  A context's
 * trust_shared_cache option drops the owner and permission checks (never
 * the regular-file and symlink ones) for deliberately shared caches.
 * What clconv creates is private: directories 0700, files 0600. */
#define _GNU_SOURCE /* O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, openat */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Owner and permission rules on an fstat result; 1 if trusted. */
static int trusted_stat(const struct stat *st, int trust_shared, const char *what, char *why,
                        size_t n)
{
    if (trust_shared)
        return 1;
    if (st->st_uid != geteuid() && st->st_uid != 0) {
        snprintf(why, n, "%s is owned by uid %ld, not by this user (uid %ld) or root", what,
                 (long)st->st_uid, (long)geteuid());
        return 0;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, n, "%s is writable by %s (mode %03o)", what,
                 (st->st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(st->st_mode & 0777));
        return 0;
    }
    return 1;
}

int clconv_secure_dir_open(const char *dir, int trust_shared, char *why, size_t n)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "cannot open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, n, "%s is not a directory", dir);
        close(fd);
        return -1;
    }
    char what[1300];
    snprintf(what, sizeof what, "directory %s", dir);
    if (!trusted_stat(&st, trust_shared, what, why, n)) {
        close(fd);
        return -1;
    }
    return fd;
}

int clconv_secure_open_at(int dir_fd, const char *dir, const char *name, int trust_shared,
                          char *why, size_t n)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            snprintf(why, n, "%s/%s is a symbolic link", dir, name);
        else if (errno == ENOENT)
            why[0] = '\0'; /* simply missing: nothing to say */
        else
            snprintf(why, n, "cannot open %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    struct stat st;
    char what[1300];
    snprintf(what, sizeof what, "%s/%s", dir, name);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, n, "%s is not a regular file", what);
        close(fd);
        return -1;
    }
    if (!trusted_stat(&st, trust_shared, what, why, n)) {
        close(fd);
        return -1;
    }
    /* Back to blocking reads for a regular file (O_NONBLOCK only kept a
     * FIFO from blocking the open). */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

FILE *clconv_secure_fopen_read(const char *path, int trust_shared, char *why, size_t n)
{
    char dir[1300];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    why[0] = '\0';
    int dfd = clconv_secure_dir_open(dir, trust_shared, why, n);
    if (dfd < 0) {
        struct stat st;
        if (stat(dir, &st) != 0 && errno == ENOENT)
            why[0] = '\0'; /* no directory yet: nothing to read, nothing to say */
        return NULL;
    }
    int fd = clconv_secure_open_at(dfd, dir, name, trust_shared, why, n);
    close(dfd);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

void clconv_mkdirs_private(const char *path)
{
    char buf[1300];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0700); /* existing parents keep their modes */
            *p = '/';
        }
    }
    mkdir(buf, 0700);
}

void clconv_log_refusal(clconv_context *ctx, const char *why)
{
    /* Atomic, not under ctx->lock: callers may already hold it. */
    if (!atomic_exchange(&ctx->refusal_logged, 1))
        clconv_log(ctx, "clconv: not reading on-disk state: %s (built from source instead; "
                   "further refusals are not logged)", why);
}
