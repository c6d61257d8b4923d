/* WASI preview1, a subset: args, environ, clocks, random, fd_write to the
 * configured stdout/stderr, fd_read/seek/close on files opened read-only
 * below one preopened directory, proc_exit. Every guest pointer goes through
 * a bounds-checked accessor; paths with ".." or an absolute start are refused
 * and names resolve beneath the directory's descriptor (core/beneath.h), so
 * the guest cannot leave it, not even through a link planted inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/beneath.h"
#include "wasm_int.h"

#define W_ESUCCESS     0
#define W_EBADF        8
#define W_EFAULT       21
#define W_EINVAL       28
#define W_EIO          29
#define W_ENOENT       44
#define W_ENOSYS       52
#define W_ENOTCAPABLE  76
#define WASI_MAX_FILES 32
#define WASI_MAX_IOVS  1024 /* POSIX IOV_MAX: a longer list is EINVAL, as for writev */
#define WASI_FIRST_FD  4    /* 3 is the preopened directory */

struct cx_wasm_wasi {
    char **argv, **envp;
    int argc, envc;
    bool has_dir;   /* a preopened directory was configured (fd 3) */
    cx_beneath dir; /* held open; names resolve beneath it (core/beneath.h) */
    int out_fd, err_fd;
    int files[WASI_MAX_FILES]; /* host fds; -1 free */
    cx_wasm_func *funcs[32];
    int nfuncs;
};

static char **copy_list(const char *const *src, int *n) {
    int c = 0;
    while (src && src[c]) c++;
    char **d = calloc((size_t)c + 1, sizeof *d);
    if (!d) return NULL;
    for (int i = 0; i < c; i++)
        if (!(d[i] = strdup(src[i]))) {
            for (int k = 0; k < i; k++) free(d[k]);
            free(d);
            return NULL;
        }
    *n = c;
    return d;
}

static void *gptr(cx_wasm_instance *I, uint32_t off, uint32_t n) {
    return cx_wasm_memory_ptr(I->mem, off, n);
}

static int put_u32(cx_wasm_instance *I, uint32_t off, uint32_t v) {
    return cx_wasm_memory_write(I->mem, off, &v, 4) ? W_EFAULT : 0;
}

#define ARG(i)  ((uint32_t)a[i].of.i32)
#define RET(e)  (r[0].of.i32 = (e), 0)
#define WASI(n) static int n(cx_wasm_instance *I, void *d, const cx_wasm_val *a, cx_wasm_val *r)

static int list_sizes(cx_wasm_instance *I, char **list, int n, uint32_t pc, uint32_t ps) {
    uint32_t bytes = 0;
    for (int i = 0; i < n; i++) bytes += (uint32_t)strlen(list[i]) + 1;
    if (put_u32(I, pc, (uint32_t)n) || put_u32(I, ps, bytes)) return W_EFAULT;
    return 0;
}

static int list_get(cx_wasm_instance *I, char **list, int n, uint32_t ptrs, uint32_t buf) {
    for (int i = 0; i < n; i++) {
        uint32_t len = (uint32_t)strlen(list[i]) + 1;
        if (put_u32(I, ptrs + 4 * (uint32_t)i, buf)) return W_EFAULT;
        if (cx_wasm_memory_write(I->mem, buf, list[i], len)) return W_EFAULT;
        buf += len;
    }
    return 0;
}

WASI(args_sizes_get) {
    cx_wasm_wasi *w = d;
    return RET(list_sizes(I, w->argv, w->argc, ARG(0), ARG(1)));
}
WASI(args_get) {
    cx_wasm_wasi *w = d;
    return RET(list_get(I, w->argv, w->argc, ARG(0), ARG(1)));
}
WASI(environ_sizes_get) {
    cx_wasm_wasi *w = d;
    return RET(list_sizes(I, w->envp, w->envc, ARG(0), ARG(1)));
}
WASI(environ_get) {
    cx_wasm_wasi *w = d;
    return RET(list_get(I, w->envp, w->envc, ARG(0), ARG(1)));
}

WASI(clock_time_get) {
    (void)d;
    struct timespec ts;
    clockid_t id = ARG(0) == 0   ? CLOCK_REALTIME
                   : ARG(0) == 1 ? CLOCK_MONOTONIC
                   : ARG(0) == 2 ? CLOCK_PROCESS_CPUTIME_ID
                                 : CLOCK_THREAD_CPUTIME_ID;
    if (ARG(0) > 3) return RET(W_EINVAL);
    clock_gettime(id, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return RET(cx_wasm_memory_write(I->mem, ARG(2), &ns, 8) ? W_EFAULT : 0);
}

WASI(clock_res_get) {
    (void)d;
    uint64_t ns = 1;
    return RET(cx_wasm_memory_write(I->mem, ARG(1), &ns, 8) ? W_EFAULT : 0);
}

WASI(random_get) {
    (void)d;
    uint8_t *p = gptr(I, ARG(0), ARG(1));
    if (!p) return RET(W_EFAULT);
    for (uint32_t done = 0; done < ARG(1);) {
        ssize_t n = getrandom(p + done, ARG(1) - done, 0);
        if (n <= 0) return RET(W_EIO);
        done += (uint32_t)n;
    }
    return RET(0);
}

static int host_fd(cx_wasm_wasi *w, uint32_t fd) {
    if (fd == 1) return w->out_fd;
    if (fd == 2) return w->err_fd;
    if (fd >= WASI_FIRST_FD && fd < WASI_FIRST_FD + WASI_MAX_FILES)
        return w->files[fd - WASI_FIRST_FD];
    return -1;
}

/* Scatter/gather over guest iovecs, each checked against memory. The count
 * is bounded: a host call runs outside fuel and deadline, so a guest must
 * not be able to make it loop for long. */
static int iov_io(cx_wasm_instance *I, int fd, uint32_t iovs, uint32_t n, uint32_t out, bool wr,
                  bool discard) {
    if (n > WASI_MAX_IOVS) return W_EINVAL;
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v[2];
        if (cx_wasm_memory_read(I->mem, (uint64_t)iovs + 8 * (uint64_t)i, v, 8)) return W_EFAULT;
        uint8_t *p = gptr(I, v[0], v[1]);
        if (!p) return W_EFAULT;
        if (discard) {
            total += v[1];
            continue;
        }
        ssize_t k = wr ? write(fd, p, v[1]) : read(fd, p, v[1]);
        if (k < 0) return W_EIO;
        total += (uint32_t)k;
        if ((uint32_t)k < v[1]) break;
    }
    return put_u32(I, out, total) ? W_EFAULT : 0;
}

WASI(fd_write) {
    cx_wasm_wasi *w = d;
    uint32_t fd = ARG(0);
    if (fd != 1 && fd != 2) return RET(W_EBADF);
    int h = host_fd(w, fd);
    return RET(iov_io(I, h, ARG(1), ARG(2), ARG(3), true, h < 0));
}

WASI(fd_read) {
    cx_wasm_wasi *w = d;
    if (ARG(0) == 0) {
        int rc = iov_io(I, -1, ARG(1), ARG(2), ARG(3), false, true);
        return RET(rc ? rc : put_u32(I, ARG(3), 0));
    }
    int h = ARG(0) >= WASI_FIRST_FD ? host_fd(w, ARG(0)) : -1;
    if (h < 0) return RET(W_EBADF);
    return RET(iov_io(I, h, ARG(1), ARG(2), ARG(3), false, false));
}

WASI(fd_seek) {
    cx_wasm_wasi *w = d;
    int h = ARG(0) >= WASI_FIRST_FD ? host_fd(w, ARG(0)) : -1;
    if (h < 0) return RET(ARG(0) <= 2 ? 70 /* ESPIPE */ : W_EBADF);
    uint32_t wh = (uint32_t)a[2].of.i32;
    if (wh > 2) return RET(W_EINVAL);
    off_t o = lseek(h, (off_t)a[1].of.i64, wh == 0 ? SEEK_SET : wh == 1 ? SEEK_CUR : SEEK_END);
    if (o < 0) return RET(W_EINVAL);
    uint64_t no = (uint64_t)o;
    return RET(cx_wasm_memory_write(I->mem, ARG(3), &no, 8) ? W_EFAULT : 0);
}

WASI(fd_close) {
    cx_wasm_wasi *w = d;
    uint32_t fd = ARG(0);
    if (fd < WASI_FIRST_FD || fd >= WASI_FIRST_FD + WASI_MAX_FILES ||
        w->files[fd - WASI_FIRST_FD] < 0)
        return RET(fd <= 3 ? 0 : W_EBADF);
    close(w->files[fd - WASI_FIRST_FD]);
    w->files[fd - WASI_FIRST_FD] = -1;
    return RET(0);
}

WASI(fd_fdstat_get) {
    cx_wasm_wasi *w = d;
    uint32_t fd = ARG(0);
    uint8_t st[24] = {0};
    if (fd <= 2)
        st[0] = 2; /* character device */
    else if (fd == 3 && w->has_dir)
        st[0] = 3;
    else if (host_fd(w, fd) >= 0)
        st[0] = 4;
    else
        return RET(W_EBADF);
    uint64_t rights = ~(uint64_t)0;
    memcpy(st + 8, &rights, 8);
    memcpy(st + 16, &rights, 8);
    return RET(cx_wasm_memory_write(I->mem, ARG(1), st, 24) ? W_EFAULT : 0);
}

WASI(fd_prestat_get) {
    cx_wasm_wasi *w = d;
    if (ARG(0) != 3 || !w->has_dir) return RET(W_EBADF);
    uint32_t st[2] = {0, 1}; /* tag dir, name "/" */
    return RET(cx_wasm_memory_write(I->mem, ARG(1), st, 8) ? W_EFAULT : 0);
}

WASI(fd_prestat_dir_name) {
    cx_wasm_wasi *w = d;
    if (ARG(0) != 3 || !w->has_dir) return RET(W_EBADF);
    if (ARG(2) < 1) return RET(W_EINVAL);
    return RET(cx_wasm_memory_write(I->mem, ARG(1), "/", 1) ? W_EFAULT : 0);
}

WASI(path_open) {
    cx_wasm_wasi *w = d;
    if (ARG(0) != 3 || !w->has_dir) return RET(W_EBADF);
    uint32_t plen = ARG(3);
    const char *p = gptr(I, ARG(2), plen);
    if (!p || plen > 1024) return RET(W_EFAULT);
    if (ARG(4) != 0) return RET(W_ENOTCAPABLE); /* no create/trunc/excl: read-only */
    char rel[1100];
    memcpy(rel, p, plen);
    rel[plen] = 0;
    if (strlen(rel) != plen || rel[0] == '/') return RET(W_ENOTCAPABLE);
    for (char *s = rel; *s;) {
        char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') return RET(W_ENOTCAPABLE);
        s += n + (e ? 1 : 0);
    }
    int slot = -1;
    for (int i = 0; i < WASI_MAX_FILES; i++)
        if (w->files[i] < 0) {
            slot = i;
            break;
        }
    if (slot < 0) return RET(W_EINVAL);
    /* O_NONBLOCK: a FIFO must not stall the call until a writer comes (only
     * regular files are kept, below) */
    int h = -1,
        rc = cx__beneath_open(&w->dir, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, &h);
    if (rc == -ELOOP || rc == -ENOTDIR || rc == -EXDEV) return RET(W_ENOTCAPABLE);
    if (rc) return RET(W_ENOENT);
    struct stat st;
    if (fstat(h, &st) || !S_ISREG(st.st_mode)) {
        close(h);
        return RET(W_ENOENT);
    }
    w->files[slot] = h;
    return RET(put_u32(I, ARG(8), (uint32_t)(WASI_FIRST_FD + slot)) ? W_EFAULT : 0);
}

WASI(proc_exit) {
    (void)d, (void)r;
    I->exit_code = a[0].of.i32;
    return 1; /* positive: unwind as CX_WASM_TRAP_EXIT */
}

WASI(fd_filestat_get) {
    cx_wasm_wasi *w = d;
    uint8_t st[64] = {0};
    int h = ARG(0) >= WASI_FIRST_FD ? host_fd(w, ARG(0)) : -1;
    if (ARG(0) <= 2)
        st[16] = 2;
    else if (h >= 0) {
        struct stat hs;
        if (fstat(h, &hs)) return RET(W_EIO);
        st[16] = 4;
        uint64_t size = (uint64_t)hs.st_size;
        memcpy(st + 32, &size, 8);
    } else
        return RET(W_EBADF);
    return RET(cx_wasm_memory_write(I->mem, ARG(1), st, 64) ? W_EFAULT : 0);
}

/* Present so common wasi-libc programs link; refused at run time. */
WASI(nosys) {
    (void)I, (void)d, (void)a;
    return RET(W_ENOSYS);
}

WASI(sched_yield) {
    (void)I, (void)d, (void)a;
    return RET(0);
}

cx_wasm_wasi *cx_wasm_wasi_new(const cx_wasm_wasi_options *opt, cx_wasm_imports *im) {
    if (!opt || !im) return NULL;
    cx_wasm_wasi *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    for (int i = 0; i < WASI_MAX_FILES; i++) w->files[i] = -1;
    w->dir.root = -1;
    w->out_fd = opt->stdout_fd;
    w->err_fd = opt->stderr_fd;
    w->argv = copy_list(opt->argv, &w->argc);
    w->envp = copy_list(opt->envp, &w->envc);
    w->has_dir = opt->preopen_dir != NULL;
    /* a directory that cannot be opened leaves fd 3 with nothing in it */
    if (w->has_dir) cx__beneath_open_root(&w->dir, opt->preopen_dir, false);
    if (!w->argv || !w->envp) goto fail;
    enum { I = CX_WASM_I32, L = CX_WASM_I64 };
    static const struct {
        const char *name;
        cx_wasm_host_fn fn;
        const char *sig; /* params, ':' , results: i = i32, l = i64 */
    } tab[] = {
        {"args_sizes_get", args_sizes_get, "ii:i"},
        {"args_get", args_get, "ii:i"},
        {"environ_sizes_get", environ_sizes_get, "ii:i"},
        {"environ_get", environ_get, "ii:i"},
        {"clock_time_get", clock_time_get, "ili:i"},
        {"clock_res_get", clock_res_get, "ii:i"},
        {"random_get", random_get, "ii:i"},
        {"fd_write", fd_write, "iiii:i"},
        {"fd_read", fd_read, "iiii:i"},
        {"fd_seek", fd_seek, "ilii:i"},
        {"fd_close", fd_close, "i:i"},
        {"fd_fdstat_get", fd_fdstat_get, "ii:i"},
        {"fd_prestat_get", fd_prestat_get, "ii:i"},
        {"fd_prestat_dir_name", fd_prestat_dir_name, "iii:i"},
        {"path_open", path_open, "iiiiillii:i"},
        {"proc_exit", proc_exit, "i:"},
        {"sched_yield", sched_yield, ":i"},
        {"fd_filestat_get", fd_filestat_get, "ii:i"},
        {"fd_fdstat_set_flags", nosys, "ii:i"},
        {"path_filestat_get", nosys, "iiiii:i"},
        {"fd_readdir", nosys, "iiili:i"},
        {"poll_oneoff", nosys, "iiii:i"},
        {"fd_pread", nosys, "iiili:i"},
        {"fd_pwrite", nosys, "iiili:i"},
        {"fd_sync", nosys, "i:i"},
        {"fd_tell", nosys, "ii:i"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        uint8_t p[16], r[2];
        uint32_t np = 0, nr = 0;
        const char *s = tab[i].sig;
        for (; *s != ':'; s++) p[np++] = *s == 'l' ? L : I;
        for (s++; *s; s++) r[nr++] = *s == 'l' ? L : I;
        cx_wasm_func *f = cx_wasm_func_new(p, np, r, nr, tab[i].fn, w);
        if (!f) goto fail;
        w->funcs[w->nfuncs++] = f;
        if (cx_wasm_imports_add_func(im, "wasi_snapshot_preview1", tab[i].name, f)) goto fail;
    }
    return w;
fail:
    cx_wasm_wasi_free(w);
    return NULL;
}

void cx_wasm_wasi_free(cx_wasm_wasi *w) {
    if (!w) return;
    for (int i = 0; w->argv && i < w->argc; i++) free(w->argv[i]);
    for (int i = 0; w->envp && i < w->envc; i++) free(w->envp[i]);
    free(w->argv);
    free(w->envp);
    cx__beneath_close(&w->dir);
    for (int i = 0; i < WASI_MAX_FILES; i++)
        if (w->files[i] >= 0) close(w->files[i]);
    for (int i = 0; i < w->nfuncs; i++) cx_wasm_func_free(w->funcs[i]);
    free(w);
}
