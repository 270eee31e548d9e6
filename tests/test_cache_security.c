/* On-disk state that someone else could have written is never read
 * (host/secure_file.c).  A program binary is code that runs in the caller's
 * process, so each hostile layout below must be ignored with a log line,
 * the convolution built from source and still correct:
 *   - a cache directory writable by group or others, or owned by another uid;
 *   - an entry writable by group, or owned by another uid (a valid binary
 *     planted by someone else);
 *   - an entry that is a symbolic link (to a valid binary), a FIFO (which
 *     must not hang the caller) or a character device;
 *   - a cache directory of our own reached through another uid's symlink;
 * and the same owner and mode rules for the tuning database.  The
 * trust_shared_cache option loads the owner/mode cases (never symlinks or
 * FIFOs).  What clconv creates is private: directories 0700, files 0600.
 * The owner cases need root (CI runs as root); elsewhere they are skipped. */
#define _GNU_SOURCE /* mkdtemp, mkfifo, mknod, makedev */
#include "algo_check.h"
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define OTHER_UID 12345

typedef struct {
    int hit, refused;
    char refusal[1024];
} log_counts;

static void on_log(void *user, const char *msg)
{
    log_counts *c = user;
    if (strstr(msg, "cache hit"))
        c->hit++;
    if (strstr(msg, "not reading on-disk state")) {
        c->refused++;
        snprintf(c->refusal, sizeof c->refusal, "%s", msg);
    }
}

static void test_desc(clconv_conv_desc *d)
{
    clconv_conv_desc_init(d, 2);
    d->in_channels = 3;
    d->out_channels = 2;
    d->in_size[0] = 5;
    d->in_size[1] = 3;
    d->kernel_size[0] = d->kernel_size[1] = 3;
    d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 1;
}

static clconv_context *make_ctx(log_counts *lc, const char *cache_dir, const char *db, int trust)
{
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.log = on_log;
    o.log_user = lc;
    o.cache_dir = cache_dir;
    o.tuning_db = db ? db : "";
    o.trust_shared_cache = trust;
    o.disable_system_tuning = 1;
    o.params = "";
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&o, &ctx);
    if (st == CLCONV_DEVICE_NOT_FOUND) {
        printf("SKIP: no OpenCL device: %s\n", clconv_last_error());
        exit(TEST_SKIP);
    }
    if (st) {
        printf("FAIL: clconv_context_create: %s\n", clconv_last_error());
        exit(1);
    }
    return ctx;
}

/* A context on dir runs the test layer once, checked; returns its log. */
static log_counts run_once(const char *what, const char *dir, int trust)
{
    log_counts lc;
    memset(&lc, 0, sizeof lc);
    clconv_conv_desc d;
    test_desc(&d);
    clconv_context *ctx = make_ctx(&lc, dir, NULL, trust);
    if (check_conv(ctx, &d, CLCONV_ALGO_DIRECT, 11, what, NULL) != CHECK_PASS)
        FAILF("%s: the convolution failed or was wrong", what);
    clconv_context_destroy(ctx);
    return lc;
}

/* The one cache entry (the direct program) of a warm directory. */
static int entry_path(const char *dir, char *path, size_t n)
{
    DIR *dp = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (dp && (e = readdir(dp)))
        if (strstr(e->d_name, ".bin") && !strstr(e->d_name, ".tmp")) {
            snprintf(path, n, "%s/%s", dir, e->d_name);
            found++;
        }
    if (dp)
        closedir(dp);
    return found == 1;
}

static void remove_tree(const char *dir)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
}

/* A fresh warm cache directory (0700, made by mkdtemp) and its entry. */
static int warm(char *dir, size_t dn, char *entry, size_t en)
{
    snprintf(dir, dn, "/tmp/clconv-sec-XXXXXX");
    if (!mkdtemp(dir)) {
        FAILF("mkdtemp failed");
        return 0;
    }
    log_counts lc = run_once("warm-up", dir, 0);
    (void)lc;
    if (!entry_path(dir, entry, en)) {
        FAILF("warm-up wrote no single cache entry in %s", dir);
        return 0;
    }
    return 1;
}

/* Re-creates a hostile layout (a refused run rebuilds the program and
 * replaces a bad entry with a good one, so each run gets it afresh). */
typedef void (*layout_fn)(const char *dir, const char *entry);

/* The hostile layout must be refused (logged, not loaded) and, with
 * trust_shared_cache, loaded if trust_loads (never, for links and
 * non-regular files). */
static void expect_refused(const char *what, const char *dir, const char *entry, layout_fn make,
                           const char *word, int trust_loads)
{
    make(dir, entry);
    log_counts lc = run_once(what, dir, 0);
    if (lc.hit)
        FAILF("%s: a cache entry was loaded (%d hits)", what, lc.hit);
    if (lc.refused != 1)
        FAILF("%s: %d refusal log lines, want exactly 1", what, lc.refused);
    else if (word && !strstr(lc.refusal, word))
        FAILF("%s: the log line does not say \"%s\": %s", what, word, lc.refusal);
    printf("%-44s refused: %s\n", what, lc.refusal);
    char label[200];
    snprintf(label, sizeof label, "%s, trust_shared_cache", what);
    make(dir, entry);
    lc = run_once(label, dir, 1);
    if (trust_loads && !lc.hit)
        FAILF("%s: the opt-out did not load the entry", label);
    if (!trust_loads && lc.hit)
        FAILF("%s: the opt-out loaded an entry it must never load", label);
}

/* The layouts.  A good entry is kept aside as ENTRY.good. */
static void keep_good(const char *entry)
{
    char good[1400], cmd[3000];
    snprintf(good, sizeof good, "%s.good", entry);
    struct stat st;
    if (lstat(good, &st) != 0) {
        snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", entry, good);
        if (system(cmd) != 0)
            FAILF("could not keep a copy of %s", entry);
    }
}
static void restore_good(const char *entry)
{
    char good[1400], cmd[3000];
    snprintf(good, sizeof good, "%s.good", entry);
    unlink(entry);
    snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", good, entry);
    if (system(cmd) != 0)
        FAILF("could not restore %s", entry);
}
static void dir_group_writable(const char *dir, const char *entry)
{
    (void)entry;
    chmod(dir, 0770);
}
static void dir_world_writable(const char *dir, const char *entry)
{
    (void)entry;
    chmod(dir, 0777);
}
static void dir_other_owner(const char *dir, const char *entry)
{
    (void)entry;
    chmod(dir, 0700);
    if (chown(dir, OTHER_UID, OTHER_UID) != 0)
        FAILF("chown failed");
}
static void entry_group_writable(const char *dir, const char *entry)
{
    (void)dir;
    keep_good(entry);
    restore_good(entry);
    chmod(entry, 0660);
}
static void entry_other_owner(const char *dir, const char *entry)
{
    (void)dir;
    keep_good(entry);
    restore_good(entry);
    if (chown(entry, OTHER_UID, OTHER_UID) != 0)
        FAILF("chown failed");
}
static void entry_symlink(const char *dir, const char *entry)
{
    (void)dir;
    keep_good(entry);
    char good[1400];
    snprintf(good, sizeof good, "%s.good", entry);
    unlink(entry);
    if (symlink(good, entry) != 0)
        FAILF("symlink failed");
}
static void entry_fifo(const char *dir, const char *entry)
{
    (void)dir;
    keep_good(entry);
    unlink(entry);
    if (mkfifo(entry, 0600) != 0)
        FAILF("mkfifo failed");
}
static void entry_device(const char *dir, const char *entry)
{
    (void)dir;
    keep_good(entry);
    unlink(entry);
    if (mknod(entry, S_IFCHR | 0600, makedev(1, 3)) != 0)
        FAILF("mknod failed");
}

/* A cache directory of our own, reached through a symlink that another
 * user planted (in /tmp, say): its content is whatever that user chose to
 * point at, so it is refused; through our own symlink it is used. */
static void test_symlinked_dir(int root)
{
    char dir[64], entry[1300], link[128];
    if (!warm(dir, sizeof dir, entry, sizeof entry))
        return;
    snprintf(link, sizeof link, "%s-link", dir);
    if (symlink(dir, link) != 0) {
        FAILF("symlink failed");
        remove_tree(dir);
        return;
    }
    log_counts lc = run_once("cache directory through our own symlink", link, 0);
    if (!lc.hit || lc.refused)
        FAILF("our own symlinked cache directory was not used (hits %d): %s", lc.hit, lc.refusal);
    if (root) {
        if (lchown(link, OTHER_UID, OTHER_UID) != 0)
            FAILF("lchown failed");
        lc = run_once("cache directory through another uid's symlink", link, 0);
        if (lc.hit || lc.refused != 1 || !strstr(lc.refusal, "symlink"))
            FAILF("a cache directory reached through another uid's symlink: hits %d, log: %s",
                  lc.hit, lc.refusal);
        else
            printf("%-44s refused: %s\n", "cache directory via another uid's symlink", lc.refusal);
    }
    unlink(link);
    remove_tree(dir);
}

static void test_created_modes(void)
{
    char base[64] = "/tmp/clconv-sec-XXXXXX", dir[200], entry[1300];
    if (!mkdtemp(base)) {
        FAILF("mkdtemp failed");
        return;
    }
    snprintf(dir, sizeof dir, "%s/new/cache", base);
    log_counts lc = run_once("fresh directory", dir, 0);
    struct stat st;
    if (stat(dir, &st) != 0 || (st.st_mode & 0777) != 0700)
        FAILF("created cache directory has mode %03o, want 0700", (unsigned)(st.st_mode & 0777));
    char parent[300];
    snprintf(parent, sizeof parent, "%s/new", base);
    if (stat(parent, &st) != 0 || (st.st_mode & 0777) != 0700)
        FAILF("created parent directory has mode %03o, want 0700", (unsigned)(st.st_mode & 0777));
    if (!entry_path(dir, entry, sizeof entry) || stat(entry, &st) != 0 ||
        (st.st_mode & 0777) != 0600)
        FAILF("cache entry mode %03o, want 0600", (unsigned)(st.st_mode & 0777));
    lc = run_once("fresh directory, second context", dir, 0);
    if (!lc.hit || lc.refused)
        FAILF("a private cache was not used (hits %d, refusals %d: %s)", lc.hit, lc.refused,
              lc.refusal);
    remove_tree(base);
}

static void test_layouts(int root)
{
    static const struct {
        const char *what;
        layout_fn make;
        const char *word;
        int trust_loads, needs_root;
    } layouts[] = {
        {"group-writable cache directory", dir_group_writable, "writable by its group", 1, 0},
        {"world-writable cache directory", dir_world_writable, "writable by others", 1, 0},
        {"cache directory owned by another uid", dir_other_owner, "owned by uid", 1, 1},
        {"group-writable cache entry", entry_group_writable, "writable by its group", 1, 0},
        {"entry planted by another uid", entry_other_owner, "owned by uid", 1, 1},
        {"entry that is a symbolic link", entry_symlink, "symbolic link", 0, 0},
        {"entry that is a FIFO", entry_fifo, "not a regular file", 0, 0},
        {"entry that is a character device", entry_device, "not a regular file", 0, 1},
    };
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        if (layouts[i].needs_root && !root)
            continue;
        char dir[64], entry[1300];
        if (!warm(dir, sizeof dir, entry, sizeof entry))
            continue;
        alarm(120); /* a FIFO that hung the open would otherwise be the test's timeout */
        expect_refused(layouts[i].what, dir, entry, layouts[i].make, layouts[i].word,
                       layouts[i].trust_loads);
        alarm(0);
        remove_tree(dir);
    }
}

/* ---- the tuning database ------------------------------------------------- */

static const char *auto_choice(const char *dir, const char *db, int trust, log_counts *lc)
{
    static char desc[512];
    memset(lc, 0, sizeof *lc);
    clconv_conv_desc d;
    test_desc(&d);
    clconv_context *ctx = make_ctx(lc, dir, db, trust);
    clconv_plan *plan = NULL;
    desc[0] = '\0';
    if (clconv_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan) == CLCONV_SUCCESS)
        snprintf(desc, sizeof desc, "%s", clconv_plan_describe(plan));
    else
        FAILF("AUTO plan: %s", clconv_last_error());
    clconv_plan_destroy(plan);
    clconv_context_destroy(ctx);
    return desc;
}

static void test_tuning_db(int root)
{
    char dir[64] = "/tmp/clconv-sec-XXXXXX", db[200];
    if (!mkdtemp(dir)) {
        FAILF("mkdtemp failed");
        return;
    }
    snprintf(db, sizeof db, "%s/tuning.txt", dir);
    log_counts lc;
    clconv_context *ctx = make_ctx(&lc, dir, db, 0);
    clconv_conv_desc d;
    test_desc(&d);
    clconv_tune_options to;
    clconv_tune_options_init(&to);
    to.runs = 1;
    clconv_tune_report r;
    if (clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &to, &r) != CLCONV_SUCCESS)
        FAILF("tune: %s", clconv_last_error());
    clconv_context_destroy(ctx);
    struct stat st;
    if (stat(db, &st) != 0 || (st.st_mode & 0777) != 0600)
        FAILF("tuning database mode %03o, want 0600", (unsigned)(st.st_mode & 0777));
    if (!strstr(auto_choice(dir, db, 0, &lc), "choice: database"))
        FAILF("a private tuning database was not used");

    chmod(db, 0666);
    const char *c = auto_choice(dir, db, 0, &lc);
    if (!strstr(c, "choice: heuristics") || lc.refused != 1 || !strstr(lc.refusal, "tuning.txt"))
        FAILF("world-writable tuning database: \"%s\", refusals %d: %s", c, lc.refused,
              lc.refusal);
    if (!strstr(auto_choice(dir, db, 1, &lc), "choice: database"))
        FAILF("world-writable tuning database with trust_shared_cache: not used");
    /* a database clconv will not read is not overwritten either (its
     * lines would be lost) */
    chmod(db, 0664);
    struct stat before, after;
    stat(db, &before);
    ctx = make_ctx(&lc, dir, db, 0);
    clconv_status st1 = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &to, &r);
    clconv_context_destroy(ctx);
    stat(db, &after);
    if (st1 == CLCONV_SUCCESS || !strstr(clconv_last_error(), "not overwritten") ||
        before.st_ino != after.st_ino || before.st_size != after.st_size)
        FAILF("tuning into a database it refuses to read: status %s, \"%s\"",
              clconv_status_string(st1), clconv_last_error());
    chmod(db, 0600);
    if (root) {
        if (chown(db, OTHER_UID, OTHER_UID) != 0)
            FAILF("chown failed");
        c = auto_choice(dir, db, 0, &lc);
        if (!strstr(c, "choice: heuristics") || lc.refused != 1 || !strstr(lc.refusal, "owned by uid"))
            FAILF("tuning database owned by another uid: \"%s\": %s", c, lc.refusal);
        if (chown(db, 0, 0) != 0)
            FAILF("chown back failed");
    }
    /* a group-writable directory: not read, and not written */
    chmod(dir, 0775);
    c = auto_choice(dir, db, 0, &lc);
    if (!strstr(c, "choice: heuristics") || lc.refused < 1)
        FAILF("tuning database in a group-writable directory: \"%s\"", c);
    ctx = make_ctx(&lc, dir, db, 0);
    clconv_status st2 = clconv_tune(ctx, &d, CLCONV_ALGO_DIRECT, &to, &r);
    if (st2 == CLCONV_SUCCESS || !strstr(clconv_last_error(), "not written"))
        FAILF("tuning into a group-writable directory: status %s, \"%s\"",
              clconv_status_string(st2), clconv_last_error());
    clconv_context_destroy(ctx);
    chmod(dir, 0700);
    remove_tree(dir);
}

int main(void)
{
    const int root = geteuid() == 0;
    if (!root)
        printf("note: not root: the other-owner cases and the device node are skipped\n");
    test_created_modes();
    test_layouts(root);
    test_symlinked_dir(root);
    test_tuning_db(root);
    if (test_failures) {
        printf("%d failures\n", test_failures);
        return 1;
    }
    printf("test_cache_security: all passed\n");
    return 0;
}
