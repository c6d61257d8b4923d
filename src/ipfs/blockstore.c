/* A filesystem blockstore. Blocks live in <repo>/blocks/<xx>/<key>.data,
 * key being the lower-case base32 of the multihash and xx its next-to-last
 * two characters (Kubo's flatfs sharding), so a block is stored once
 * whatever CID version or codec names it. A block becomes visible by
 * rename(2) of a complete temporary file, so readers never see half a
 * block; every read is re-hashed before it is returned. Pins are empty
 * files <repo>/pins/{recursive,direct}/<cid>. */
#include "ipfs_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_BLOCK (2u << 20)
#define PATH_CAP          4096
#define KEY_CAP           (CX_CID_MAX_BYTES * 2)

struct cx_blockstore {
    char *root;
    size_t max_block;
    bool fsync;
    atomic_uint tmp_seq; /* names temporary files uniquely across threads */
};

void cx_blockstore_options_default(cx_blockstore_options *o) {
    o->path = NULL;
    o->max_block = DEFAULT_MAX_BLOCK;
    o->fsync = false;
}

const char *cx_ipfs_bs_root(const cx_blockstore *bs) {
    return bs->root;
}

size_t cx_ipfs_bs_max_block(const cx_blockstore *bs) {
    return bs->max_block;
}

/* snprintf into a path buffer; CX_ELIMIT when it would not fit. */
__attribute__((format(printf, 3, 4))) static int path_fmt(char *out, size_t cap, const char *fmt,
                                                          ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? CX_ELIMIT : 0;
}

static int mkdir_p(const char *path) {
    char tmp[PATH_CAP];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) return CX_EINVAL;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != 0) continue;
        char c = tmp[i];
        tmp[i] = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -errno;
        tmp[i] = c;
    }
    return 0;
}

int cx_blockstore_open(cx_blockstore **out, const cx_blockstore_options *o) {
    *out = NULL;
    if (!o || !o->path || !*o->path || strlen(o->path) > PATH_CAP - 200) return CX_EINVAL;
    static const char *const subdirs[] = {"blocks", "pins/recursive", "pins/direct"};
    char p[PATH_CAP];
    for (size_t i = 0; i < 3; i++) {
        int rc = path_fmt(p, sizeof p, "%s/%s", o->path, subdirs[i]);
        if (!rc) rc = mkdir_p(p);
        if (rc) return rc;
    }
    cx_blockstore *bs = calloc(1, sizeof *bs);
    if (!bs || !(bs->root = strdup(o->path))) {
        free(bs);
        return CX_ENOMEM;
    }
    bs->max_block = o->max_block ? o->max_block : DEFAULT_MAX_BLOCK;
    bs->fsync = o->fsync;
    *out = bs;
    return 0;
}

void cx_blockstore_close(cx_blockstore *bs) {
    if (!bs) return;
    free(bs->root);
    free(bs);
}

/* The block's key and path. */
static int block_key(const cx_cid *cid, char *key, size_t cap) {
    size_t mhlen;
    const uint8_t *mh = cx_cid_multihash(cid, &mhlen);
    cx_buf b = CX_BUF_INIT;
    int rc = cx_multibase_encode_raw('b', mh, mhlen, &b);
    if (!rc && b.len + 1 > cap) rc = CX_ERANGE;
    if (!rc) {
        memcpy(key, b.data, b.len);
        key[b.len] = 0;
    }
    cx_buf_free(&b);
    return rc;
}

static int block_path(const cx_blockstore *bs, const cx_cid *cid, char *path, char *dir) {
    char key[KEY_CAP];
    int rc = block_key(cid, key, sizeof key);
    if (rc) return rc;
    size_t n = strlen(key);
    rc = path_fmt(dir, PATH_CAP, "%s/blocks/%.2s", bs->root, key + n - 3);
    return rc ? rc : path_fmt(path, PATH_CAP, "%s/%s.data", dir, key);
}

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write data to path atomically (temporary file + rename). */
static int write_file(cx_blockstore *bs, const char *dir, const char *path, const void *data,
                      size_t len) {
    char tmp[PATH_CAP];
    if (path_fmt(tmp, sizeof tmp, "%s/.tmp-%d-%u", dir, (int)getpid(),
                 atomic_fetch_add(&bs->tmp_seq, 1)))
        return CX_ELIMIT;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        int rc = mkdir_p(dir);
        if (rc) return rc;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) return -errno;
    int rc = write_all(fd, data, len);
    if (!rc && bs->fsync && fsync(fd) != 0) rc = -errno;
    if (close(fd) != 0 && !rc) rc = -errno;
    if (!rc && rename(tmp, path) != 0) rc = -errno;
    if (rc) unlink(tmp);
    return rc;
}

int cx_ipfs_bs_put_trusted(cx_blockstore *bs, const cx_cid *cid, const void *data, size_t len) {
    if (cid->mh_code == CX_MH_IDENTITY) return 0;
    if (len > bs->max_block) return CX_ELIMIT;
    char path[PATH_CAP], dir[PATH_CAP];
    int rc = block_path(bs, cid, path, dir);
    if (rc) return rc;
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size == len) return 0; /* already there */
    return write_file(bs, dir, path, data, len);
}

int cx_ipfs_bs_sink(void *arg, const cx_cid *cid, const uint8_t *data, size_t len) {
    return cx_ipfs_bs_put_trusted(arg, cid, data, len);
}

int cx_blockstore_put(cx_blockstore *bs, const cx_cid *cid, const void *data, size_t len) {
    int rc = cx_cid_verify(cid, data, len);
    return rc ? rc : cx_ipfs_bs_put_trusted(bs, cid, data, len);
}

int cx_blockstore_get(cx_blockstore *bs, const cx_cid *cid, cx_buf *out) {
    cx_buf_reset(out);
    if (cid->mh_code == CX_MH_IDENTITY)
        return cx_buf_append(out, cid->bytes + cid->digest_off, cid->digest_len);
    if (cid->mh_code != CX_MH_SHA2_256) return CX_ENOTFOUND;
    char path[PATH_CAP], dir[PATH_CAP];
    int rc = block_path(bs, cid, path, dir);
    if (rc) return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? CX_ENOTFOUND : -errno;
    struct stat st;
    if (fstat(fd, &st) != 0)
        rc = -errno;
    else if ((uint64_t)st.st_size > bs->max_block)
        rc = CX_ELIMIT;
    else
        rc = cx_buf_reserve(out, (size_t)st.st_size + 1);
    size_t want = rc ? 0 : (size_t)st.st_size;
    while (!rc && out->len < want) {
        ssize_t r = read(fd, out->data + out->len, want - out->len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            rc = r < 0 ? -errno : CX_EIO;
        else
            out->len += (size_t)r;
    }
    close(fd);
    if (!rc) rc = cx_cid_verify(cid, out->data, out->len);
    if (rc) cx_buf_reset(out);
    return rc;
}

int cx_blockstore_has(cx_blockstore *bs, const cx_cid *cid) {
    if (cid->mh_code == CX_MH_IDENTITY) return 1;
    char path[PATH_CAP], dir[PATH_CAP];
    int rc = block_path(bs, cid, path, dir);
    if (rc) return rc;
    return access(path, F_OK) == 0 ? 1 : errno == ENOENT ? 0 : -errno;
}

int cx_blockstore_delete(cx_blockstore *bs, const cx_cid *cid) {
    char path[PATH_CAP], dir[PATH_CAP];
    int rc = block_path(bs, cid, path, dir);
    if (rc) return rc;
    return unlink(path) == 0 ? 0 : errno == ENOENT ? CX_ENOTFOUND : -errno;
}

/* ---- pins ------------------------------------------------------------------ */

static const char *pin_dir(cx_pin_type t) {
    return t == CX_PIN_RECURSIVE ? "recursive" : "direct";
}

static int pin_path(cx_blockstore *bs, const cx_cid *cid, cx_pin_type t, char *path) {
    char text[CX_CID_MAX_TEXT];
    int n = cx_cid_format(cid, 0, text, sizeof text);
    if (n < 0) return n;
    return path_fmt(path, PATH_CAP, "%s/pins/%s/%s", bs->root, pin_dir(t), text);
}

int cx_ipfs_bs_pin_trusted(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type) {
    char path[PATH_CAP], dir[PATH_CAP];
    int rc = pin_path(bs, cid, type, path);
    if (rc) return rc;
    if ((rc = path_fmt(dir, sizeof dir, "%s/pins/%s", bs->root, pin_dir(type)))) return rc;
    return write_file(bs, dir, path, "", 0);
}

/* Walk the DAG below cid, calling visit for each block (pre-order). */
typedef int (*visit_fn)(void *arg, const cx_cid *cid);
static int walk(cx_blockstore *bs, const cx_cid *cid, unsigned depth, visit_fn visit, void *arg) {
    if (depth > CX_IPFS_MAX_DEPTH) return CX_EDEPTH;
    int rc = visit(arg, cid);
    if (rc) return rc > 0 ? 0 : rc;      /* > 0: already seen, skip the subtree */
    if (cid->codec != CX_CODEC_DAG_PB) { /* a leaf: it must be there all the same */
        if (cid->mh_code == CX_MH_IDENTITY) return 0;
        rc = cx_blockstore_has(bs, cid);
        return rc == 1 ? 0 : rc == 0 ? CX_ENOTFOUND : rc;
    }
    cx_buf b = CX_BUF_INIT;
    rc = cx_blockstore_get(bs, cid, &b);
    cx_dagpb_node node;
    cx_dagpb_limits lim;
    cx_dagpb_limits_default(&lim);
    lim.max_block = bs->max_block;
    if (!rc) rc = cx_dagpb_decode(&node, (const uint8_t *)b.data, b.len, &lim, NULL);
    size_t pos = 0;
    cx_dagpb_link link;
    while (!rc && cx_dagpb_link_next(&node, &pos, &link))
        rc = walk(bs, &link.cid, depth + 1, visit, arg);
    cx_buf_free(&b);
    return rc;
}

static int visit_nothing(void *arg, const cx_cid *cid) {
    (void)arg;
    (void)cid;
    return 0;
}

int cx_blockstore_pin(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type) {
    int rc;
    if (type == CX_PIN_RECURSIVE)
        rc = walk(bs, cid, 0, visit_nothing, NULL);
    else
        rc = cx_blockstore_has(bs, cid) == 1 ? 0 : CX_ENOTFOUND;
    return rc ? rc : cx_ipfs_bs_pin_trusted(bs, cid, type);
}

int cx_blockstore_unpin(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type) {
    char path[PATH_CAP];
    int rc = pin_path(bs, cid, type, path);
    if (rc) return rc;
    return unlink(path) == 0 ? 0 : errno == ENOENT ? CX_ENOTFOUND : -errno;
}

int cx_blockstore_pinned(cx_blockstore *bs, const cx_cid *cid) {
    char path[PATH_CAP];
    for (int t = CX_PIN_RECURSIVE; t >= CX_PIN_DIRECT; t--) {
        int rc = pin_path(bs, cid, (cx_pin_type)t, path);
        if (rc) return rc;
        if (access(path, F_OK) == 0) return t;
    }
    return 0;
}

int cx_blockstore_pins(cx_blockstore *bs, int (*fn)(void *arg, const cx_cid *cid, cx_pin_type type),
                       void *arg) {
    for (int t = CX_PIN_DIRECT; t <= CX_PIN_RECURSIVE; t++) {
        char dir[PATH_CAP];
        if (path_fmt(dir, sizeof dir, "%s/pins/%s", bs->root, pin_dir((cx_pin_type)t)))
            return CX_ELIMIT;
        DIR *d = opendir(dir);
        if (!d) return -errno;
        struct dirent *e;
        int rc = 0;
        while (!rc && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            cx_cid cid;
            if (cx_cid_parse(&cid, e->d_name, strlen(e->d_name), NULL)) continue;
            rc = fn(arg, &cid, (cx_pin_type)t);
        }
        closedir(d);
        if (rc) return rc;
    }
    return 0;
}

/* ---- garbage collection ------------------------------------------------------ */

/* A set of block keys (open addressing, grows at half load). */
struct keyset {
    char **slots;
    size_t cap, n;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

/* 1 if present, 0 if added, or CX_ENOMEM. */
static int keyset_add(struct keyset *ks, const char *key) {
    if ((ks->n + 1) * 2 > ks->cap) {
        size_t ncap = ks->cap ? ks->cap * 2 : 1024;
        char **ns = calloc(ncap, sizeof *ns);
        if (!ns) return CX_ENOMEM;
        for (size_t i = 0; i < ks->cap; i++) {
            if (!ks->slots[i]) continue;
            size_t j = hash_str(ks->slots[i]) & (ncap - 1);
            while (ns[j]) j = (j + 1) & (ncap - 1);
            ns[j] = ks->slots[i];
        }
        free(ks->slots);
        ks->slots = ns;
        ks->cap = ncap;
    }
    size_t j = hash_str(key) & (ks->cap - 1);
    while (ks->slots[j]) {
        if (strcmp(ks->slots[j], key) == 0) return 1;
        j = (j + 1) & (ks->cap - 1);
    }
    if (!(ks->slots[j] = strdup(key))) return CX_ENOMEM;
    ks->n++;
    return 0;
}

static bool keyset_has(const struct keyset *ks, const char *key) {
    if (!ks->cap) return false;
    size_t j = hash_str(key) & (ks->cap - 1);
    while (ks->slots[j]) {
        if (strcmp(ks->slots[j], key) == 0) return true;
        j = (j + 1) & (ks->cap - 1);
    }
    return false;
}

static void keyset_free(struct keyset *ks) {
    for (size_t i = 0; i < ks->cap; i++) free(ks->slots[i]);
    free(ks->slots);
}

static int mark(void *arg, const cx_cid *cid) {
    char key[KEY_CAP];
    int rc = block_key(cid, key, sizeof key);
    return rc ? rc : keyset_add(arg, key);
}

struct gc_state {
    cx_blockstore *bs;
    struct keyset live;
};

static int mark_pin(void *arg, const cx_cid *cid, cx_pin_type type) {
    struct gc_state *g = arg;
    if (type == CX_PIN_DIRECT) {
        int rc = mark(&g->live, cid);
        return rc > 0 ? 0 : rc;
    }
    return walk(g->bs, cid, 0, mark, &g->live);
}

int cx_blockstore_gc(cx_blockstore *bs, size_t *removed) {
    struct gc_state g = {bs, {0}};
    size_t count = 0;
    int rc = cx_blockstore_pins(bs, mark_pin, &g);
    char dir[PATH_CAP];
    if (!rc) rc = path_fmt(dir, sizeof dir, "%s/blocks", bs->root);
    DIR *top = rc ? NULL : opendir(dir);
    if (!rc && !top) rc = -errno;
    struct dirent *s;
    while (!rc && top && (s = readdir(top))) {
        if (s->d_name[0] == '.') continue;
        char sub[PATH_CAP + 16];
        if (path_fmt(sub, sizeof sub, "%s/%.8s", dir, s->d_name)) continue;
        DIR *d = opendir(sub);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".data") != 0) continue;
            char key[KEY_CAP];
            if (n - 5 >= sizeof key) continue;
            memcpy(key, e->d_name, n - 5);
            key[n - 5] = 0;
            if (keyset_has(&g.live, key)) continue;
            char path[PATH_CAP + 300 + 16];
            if (path_fmt(path, sizeof path, "%s/%s", sub, e->d_name)) continue;
            if (unlink(path) == 0) count++;
        }
        closedir(d);
    }
    if (top) closedir(top);
    keyset_free(&g.live);
    if (removed) *removed = count;
    return rc;
}
