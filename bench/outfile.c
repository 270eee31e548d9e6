/* Atomic output files (see outfile.h). */
#define _POSIX_C_SOURCE 200809L /* open, fdopen, getpid, unlink */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
    return S_ISCHR(m)    ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISDIR(m)  ? "a directory"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

int outfile_target_ok(const char *path, char *err, size_t n)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, n, "%s is %s: the output must be a regular file or a new path (it would be "
                 "replaced)", path, kind(st.st_mode));
        return 0;
    }
    return 1;
}

int outfile_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int outfile_open(bench_outfile *o, const char *path, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    int fd = -1;
    if (!outfile_target_ok(path, err, n))
        return -1;
    /* O_EXCL with a per-process name: never clobbers someone else's
     * temporary, and 0666 lets the umask decide the final permissions. */
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        if ((size_t)snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld-%d", path, (long)getpid(),
                             attempt) >= sizeof o->tmp) {
            snprintf(err, n, "%s: path too long", path);
            return -1;
        }
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) {
            snprintf(err, n, "%s: cannot create the file: %s", path, strerror(errno));
            return -1;
        }
    }
    if (fd < 0) {
        snprintf(err, n, "%s: cannot create a temporary file beside it", path);
        return -1;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

int outfile_commit(bench_outfile *o, char *err, size_t n)
{
    int bad = ferror(o->f);
    int e = bad ? EIO : 0;
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (!bad && rename(o->tmp, o->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(o->tmp);
        snprintf(err, n, "%s: write failed: %s", o->path, strerror(e));
        return -1;
    }
    return 0;
}

void outfile_abort(bench_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    unlink(o->tmp);
}

int outfile_write(const char *path, const void *data, size_t len, char *err, size_t n)
{
    bench_outfile o;
    if (outfile_open(&o, path, err, n))
        return -1;
    if (len && fwrite(data, 1, len, o.f) != len) {
        snprintf(err, n, "%s: write failed: %s", path, strerror(errno));
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, n);
}
