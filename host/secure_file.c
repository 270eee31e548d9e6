/* On-disk state clconv reads back (program binaries, the tuning database)
 * is only read from files nobody else could have written: a program binary
 * is code that runs in the caller's process (on PoCL, a shared library it
 * loads), so whoever can plant one in the cache directory could otherwise
 * run code in every process that uses that directory.  The rules, in the
 * spirit of OpenSSH's key checks and git's safe.directory:
 *   - the directory is reached from "/" one component at a time without
 *     the kernel following a symlink: every directory on the way owned by
 *     the effective user or root and not writable by others unless sticky,
 *     every symlink followed owned by them too (a cache directory of ours
 *     reached through someone else's symlink holds what they chose), and
 *     the directory itself owned by them and not group/other-writable;
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

/* A directory on the way to the one we read: owned by the effective user or
 * root, and not writable by group or others unless it is sticky (others then
 * cannot rename or remove our entries, and whatever they create there fails
 * the owner checks of the walk). */
static int trusted_ancestor(const struct stat *st, const char *what, char *why, size_t n)
{
    if (st->st_uid != geteuid() && st->st_uid != 0) {
        snprintf(why, n, "%s is owned by uid %ld, not by this user (uid %ld) or root", what,
                 (long)st->st_uid, (long)geteuid());
        return 0;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
        snprintf(why, n, "%s is writable by %s (mode %03o)", what,
                 (st->st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(st->st_mode & 0777));
        return 0;
    }
    return 1;
}

#define WALK_MAX 4096

/* out = a "/" b; 0 if it does not fit (no silent truncation). */
static int join_path(char *out, size_t n, const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 2 > n)
        return 0;
    memmove(out, a, la);
    out[la] = '/';
    memmove(out + la + 1, b, lb + 1);
    return 1;
}
#define WALK_MAX_LINKS 40

/* Walks dir from "/" one component at a time, never letting the kernel
 * follow a symlink: every directory passed through must satisfy
 * trusted_ancestor, every symlink followed must be owned by the effective
 * user or root (it lies in a trusted directory, so nobody else could have
 * put it there), and the last directory trusted_stat.  create: missing
 * components are made 0700 on the way (mkdirat: nothing outside is
 * created through a symlink).  Returns an O_RDONLY descriptor of the last
 * directory. */
static int walk_dir(const char *dir, int create, char *why, size_t n)
{
    char buf[WALK_MAX], cwd[WALK_MAX];
    if (dir[0] == '/')
        snprintf(buf, sizeof buf, "%s", dir);
    else if (!getcwd(cwd, sizeof cwd) || !join_path(buf, sizeof buf, cwd, dir)) {
        snprintf(why, n, "cannot resolve directory %s", dir);
        return -1;
    }
    int cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (cur < 0 || fstat(cur, &st) != 0 || !trusted_ancestor(&st, "directory /", why, n)) {
        if (cur >= 0)
            close(cur);
        return -1;
    }
    int links = 0;
    char *p = buf;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *comp = p;
        while (*p && *p != '/')
            p++;
        char saved = *p;
        *p = '\0';
        char *rest = saved ? p + 1 : p;
        if (!strcmp(comp, ".")) {
            p = rest;
            continue;
        }
        if (strcmp(comp, "..") != 0) {
            struct stat lst;
            if (fstatat(cur, comp, &lst, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT && create &&
                (mkdirat(cur, comp, 0700) == 0 || errno == EEXIST))
                (void)0;
            if (fstatat(cur, comp, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT)
                    why[0] = '\0';
                else
                    snprintf(why, n, "cannot open directory %s: %s", dir, strerror(errno));
                close(cur);
                return -1;
            }
            if (S_ISLNK(lst.st_mode)) {
                char tgt[WALK_MAX], nbuf[WALK_MAX];
                ssize_t l;
                if (lst.st_uid != geteuid() && lst.st_uid != 0) {
                    snprintf(why, n, "the path of directory %s passes through symlink %s owned by "
                             "uid %ld, not by this user (uid %ld) or root", dir, comp,
                             (long)lst.st_uid, (long)geteuid());
                    close(cur);
                    return -1;
                }
                if (++links > WALK_MAX_LINKS ||
                    (l = readlinkat(cur, comp, tgt, sizeof tgt - 1)) <= 0 ||
                    (size_t)l + strlen(rest) + 2 >= sizeof nbuf) {
                    snprintf(why, n, "cannot resolve directory %s", dir);
                    close(cur);
                    return -1;
                }
                tgt[l] = '\0';
                if (!join_path(nbuf, sizeof nbuf, tgt, rest)) {
                    snprintf(why, n, "cannot resolve directory %s", dir);
                    close(cur);
                    return -1;
                }
                memcpy(buf, nbuf, strlen(nbuf) + 1);
                p = buf;
                if (tgt[0] == '/') {
                    close(cur);
                    cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                    if (cur < 0)
                        return -1;
                }
                continue;
            }
        }
        int next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        char what[1300];
        snprintf(what, sizeof what, "directory %.1000s (at component %.200s)", dir, comp);
        if (next < 0) {
            snprintf(why, n, "cannot open directory %s: %s", dir, strerror(errno));
            close(cur);
            return -1;
        }
        close(cur);
        cur = next;
        if (fstat(cur, &st) != 0 || !S_ISDIR(st.st_mode) || !trusted_ancestor(&st, what, why, n)) {
            close(cur);
            return -1;
        }
        p = rest;
    }
    int fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(cur);
    if (fd < 0) {
        snprintf(why, n, "cannot open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char what[1300];
    snprintf(what, sizeof what, "directory %s", dir);
    if (fstat(fd, &st) != 0 || !trusted_stat(&st, 0, what, why, n)) {
        close(fd);
        return -1;
    }
    return fd;
}

int clconv_secure_dir_open_ex(const char *dir, int trust_shared, int create, char *why, size_t n)
{
    why[0] = '\0';
    if (!trust_shared)
        return walk_dir(dir, create, why, n);
    if (create)
        clconv_mkdirs_private(dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "cannot open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return fd;
}

int clconv_secure_dir_open(const char *dir, int trust_shared, char *why, size_t n)
{
    return clconv_secure_dir_open_ex(dir, trust_shared, 0, why, n);
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

const char *clconv_split_path(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
    return slash ? slash + 1 : path;
}

FILE *clconv_secure_fopen_read(const char *path, int trust_shared, char *why, size_t n)
{
    char dir[1300];
    const char *name = clconv_split_path(path, dir, sizeof dir);
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
