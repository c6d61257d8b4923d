/* Importing from the filesystem: files through the streaming importer,
 * directories as UnixFS Directory nodes whose links are sorted by name
 * (the byte order Kubo writes) or, past the size threshold, as HAMTs
 * (hamt.c), symbolic links as UnixFS Symlink nodes.
 * Names beginning with '.' are skipped, as `ipfs add -r` does by default. */
#include "ipfs_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <stdio.h>
#include "pb.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_SIZE     (1u << 20)
#define MAX_DIR_DEPTH 64
#define PATH_CAP      4096

int cx_ipfs_add_fd(cx_blockstore *bs, int fd, const cx_import_options *o, cx_cid *root,
                   uint64_t *size) {
    cx_importer *im;
    int rc = cx_importer_new(&im, o, bs ? cx_ipfs_bs_sink : NULL, bs);
    if (rc) return rc;
    /* A small regular file is read in one go into a buffer its size (+1
     * to see the end); one READ_SIZE allocation per file would dominate a
     * directory of small files. */
    struct stat st;
    size_t cap = READ_SIZE;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
        (uint64_t)st.st_size < READ_SIZE)
        cap = (size_t)st.st_size + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) rc = CX_ENOMEM;
    while (!rc) {
        ssize_t n = read(fd, buf, cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = -errno;
        if (n <= 0) break;
        rc = cx_importer_write(im, buf, (size_t)n);
    }
    free(buf);
    if (!rc) rc = cx_importer_finish(im, root, size);
    cx_importer_free(im);
    return rc;
}

static int cmp_ent(const void *a, const void *b) {
    const cx_ipfs_dirent *x = a, *y = b;
    return strcmp(x->name, y->name); /* bytewise: strcmp compares as unsigned char */
}

static int put_block(cx_blockstore *bs, cx_block_sink_fn sink, void *arg, const cx_cid *cid,
                     const cx_buf *b) {
    if (sink) return sink(arg, cid, (const uint8_t *)b->data, b->len);
    return bs ? cx_ipfs_bs_put_trusted(bs, cid, b->data, b->len) : 0;
}

int cx_ipfs_make_dir(cx_blockstore *bs, int cid_version, cx_ipfs_dirent *ents, size_t n,
                     cx_block_sink_fn sink, void *arg, cx_cid *cid, uint64_t *tsize) {
    if (n > 1) qsort(ents, n, sizeof *ents, cmp_ent);
    cx_buf node = CX_BUF_INIT;
    uint64_t total = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = cx_dagpb_put_link(&node, &ents[i].cid, ents[i].name, strlen(ents[i].name),
                               ents[i].tsize);
        total += ents[i].tsize;
    }
    static const uint8_t dir_data[] = {0x08, CX_UNIXFS_DIRECTORY};
    if (!rc) rc = cx_dagpb_put_data(&node, dir_data, sizeof dir_data);
    if (!rc) rc = cx_cid_of(cid, cid_version, CX_CODEC_DAG_PB, CX_MH_SHA2_256, node.data, node.len);
    if (!rc) rc = put_block(bs, sink, arg, cid, &node);
    if (!rc && tsize) *tsize = total + node.len;
    cx_buf_free(&node);
    return rc;
}

static int add_symlink(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *cid,
                       uint64_t *tsize) {
    char target[PATH_CAP];
    ssize_t n = readlink(path, target, sizeof target);
    if (n < 0) return -errno;
    if ((size_t)n >= sizeof target) return CX_ELIMIT;
    cx_buf data = CX_BUF_INIT, node = CX_BUF_INIT;
    int rc = cx_unixfs_encode(&data, CX_UNIXFS_SYMLINK, (const uint8_t *)target, (size_t)n, false,
                              0, NULL, 0);
    if (!rc) rc = cx_dagpb_put_data(&node, (const uint8_t *)data.data, data.len);
    if (!rc)
        rc = cx_cid_of(cid, o->cid_version, CX_CODEC_DAG_PB, CX_MH_SHA2_256, node.data, node.len);
    if (!rc) rc = put_block(bs, NULL, NULL, cid, &node);
    if (!rc && tsize) *tsize = node.len;
    cx_buf_free(&data);
    cx_buf_free(&node);
    return rc;
}

static int add_any(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *cid,
                   uint64_t *tsize, unsigned depth);

static int add_dir(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *cid,
                   uint64_t *tsize, unsigned depth) {
    if (depth > MAX_DIR_DEPTH) return CX_EDEPTH;
    DIR *d = opendir(path);
    if (!d) return -errno;
    cx_ipfs_dirent *ents = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            cx_ipfs_dirent *ne = realloc(ents, cap * sizeof *ents);
            if (!ne) {
                rc = CX_ENOMEM;
                break;
            }
            ents = ne;
        }
        char child[PATH_CAP];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= sizeof child) {
            rc = CX_ELIMIT;
            break;
        }
        ents[n].name = strdup(e->d_name);
        if (!ents[n].name) {
            rc = CX_ENOMEM;
            break;
        }
        n++;
        rc = add_any(bs, child, o, &ents[n - 1].cid, &ents[n - 1].tsize, depth + 1);
    }
    closedir(d);
    if (!rc) rc = cx_ipfs_make_directory(bs, o, ents, n, NULL, NULL, cid, tsize);
    for (size_t i = 0; i < n; i++) free((char *)ents[i].name);
    free(ents);
    return rc;
}

static int add_any(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *cid,
                   uint64_t *tsize, unsigned depth) {
    struct stat st;
    if (lstat(path, &st) != 0) return -errno;
    if (S_ISLNK(st.st_mode)) return add_symlink(bs, path, o, cid, tsize);
    if (S_ISDIR(st.st_mode)) return add_dir(bs, path, o, cid, tsize, depth);
    if (!S_ISREG(st.st_mode)) return CX_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = cx_ipfs_add_fd(bs, fd, o, cid, tsize);
    close(fd);
    return rc;
}

int cx_ipfs_add_path(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *root,
                     uint64_t *size) {
    struct stat st;
    /* The top-level path is followed if it is a symbolic link, as Kubo does. */
    if (stat(path, &st) != 0) return -errno;
    int rc;
    if (S_ISDIR(st.st_mode))
        rc = add_dir(bs, path, o, root, size, 0);
    else
        rc = add_any(bs, path, o, root, size, 0);
    if (!rc && bs && o->pin) rc = cx_ipfs_bs_pin_trusted(bs, root, CX_PIN_RECURSIVE);
    return rc;
}
