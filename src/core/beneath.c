/* See beneath.h. */
#include "beneath.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define CX_HAVE_OPENAT2_H 1
#endif
#endif

#if defined(SYS_openat2) && defined(CX_HAVE_OPENAT2_H)
#define CX_HAVE_OPENAT2 1
#endif

#ifdef CX_HAVE_OPENAT2
static long openat2_call(int dirfd, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
#endif

/* Old kernels say ENOSYS; container seccomp profiles written before the
 * call existed often say EPERM. Either way the component walk takes over. */
static bool openat2_usable(int root) {
#ifdef CX_HAVE_OPENAT2
    long fd = openat2_call(root, ".", O_PATH | O_CLOEXEC);
    if (fd >= 0) {
        close((int)fd);
        return true;
    }
#else
    (void)root;
#endif
    return false;
}

int cx__beneath_open_root(cx_beneath *b, const char *path, bool no_openat2) {
    b->root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (b->root < 0) return -errno;
    b->walk = no_openat2 || !openat2_usable(b->root);
    return 0;
}

void cx__beneath_close(cx_beneath *b) {
    if (b->root >= 0) close(b->root);
    b->root = -1;
}

/* One component at a time, never following a symbolic link: O_NOFOLLOW
 * fails on a link as the last component, and O_PATH|O_NOFOLLOW|O_DIRECTORY
 * fails on a link in the middle. Stricter than RESOLVE_BENEATH, which
 * allows links that stay inside. "a//b" and "./b" stay where they are. */
static int walk_open(int root, char *rel, int flags, int *out) {
    int dir = root;
    char *p = rel, *slash;
    while ((slash = strchr(p, '/'))) {
        *slash = '\0';
        if (*p && strcmp(p, ".") != 0) {
            int nd = openat(dir, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int err = errno;
            if (dir != root) close(dir);
            *slash = '/';
            if (nd < 0) return -err;
            dir = nd;
        } else {
            *slash = '/';
        }
        p = slash + 1;
    }
    int fd = openat(dir, *p ? p : ".", flags | O_NOFOLLOW);
    int err = errno;
    if (dir != root) close(dir);
    if (fd < 0) return -err;
    *out = fd;
    return 0;
}

int cx__beneath_open(const cx_beneath *b, char *rel, int flags, int *out) {
    if (b->root < 0) return -EBADF;
#ifdef CX_HAVE_OPENAT2
    if (!b->walk) {
        long fd;
        do fd = openat2_call(b->root, *rel ? rel : ".", flags);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) return -errno;
        *out = (int)fd;
        return 0;
    }
#endif
    return walk_open(b->root, rel, flags, out);
}
