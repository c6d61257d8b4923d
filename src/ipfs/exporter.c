/* Reading UnixFS back: path resolution (through flat and HAMT-sharded
 * directories), stat and cat. Every block comes
 * through cx_blockstore_get, which re-hashes it, and every node's sizes are
 * cross-checked against what its parent declared, so a damaged or lying
 * DAG stops the stream with an error instead of producing other bytes.
 * Byte ranges skip whole subtrees using the parents' blocksizes. */
#include "ipfs_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct node {
    cx_buf block;
    cx_dagpb_node pb;
    cx_unixfs fs;
    bool raw;
};

static int load(cx_blockstore *bs, const cx_cid *cid, struct node *n) {
    int rc = cx_blockstore_get(bs, cid, &n->block);
    if (rc) return rc;
    n->raw = cid->codec == CX_CODEC_RAW;
    if (n->raw) return 0;
    if (cid->codec != CX_CODEC_DAG_PB) return CX_EINVAL;
    cx_dagpb_limits lim;
    cx_dagpb_limits_default(&lim);
    lim.max_block = cx_ipfs_bs_max_block(bs);
    rc = cx_dagpb_decode(&n->pb, (const uint8_t *)n->block.data, n->block.len, &lim, NULL);
    if (rc) return rc;
    if (!n->pb.has_data) return CX_EPARSE;
    return cx_unixfs_decode(&n->fs, n->pb.data, n->pb.data_len, NULL);
}

int cx_ipfs_stat_node(cx_blockstore *bs, const cx_cid *cid, cx_ipfs_stat *st) {
    struct node n = {0};
    int rc = load(bs, cid, &n);
    if (!rc && n.raw) {
        st->type = CX_UNIXFS_RAW;
        st->size = n.block.len;
    } else if (!rc) {
        st->type = n.fs.type;
        uint64_t sum = n.fs.data_len, v;
        size_t pos = 0;
        while (cx_unixfs_blocksize_next(&n.fs, &pos, &v)) sum += v;
        st->size = n.fs.has_filesize ? n.fs.filesize : sum;
    }
    cx_buf_free(&n.block);
    return rc;
}

int cx_ipfs_resolve(cx_blockstore *bs, const cx_cid *root, const char *path, cx_cid *out,
                    cx_cid *roots, size_t nroots, size_t *nfound) {
    cx_cid cur = *root;
    size_t found = 0;
    if (roots && found < nroots) roots[found] = cur;
    found++;
    int rc = 0;
    const char *p = path ? path : "";
    struct node n = {0};
    unsigned depth = 0;
    while (!rc && *p) {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (++depth > CX_IPFS_MAX_DEPTH) {
            rc = CX_EDEPTH;
            break;
        }
        rc = load(bs, &cur, &n);
        if (rc) break;
        if (n.raw || (n.fs.type != CX_UNIXFS_DIRECTORY && n.fs.type != CX_UNIXFS_HAMT)) {
            rc = CX_ENOTFOUND;
            break;
        }
        bool hit = false;
        if (n.fs.type == CX_UNIXFS_HAMT) {
            rc = cx_ipfs_hamt_find(cx_ipfs_bs_get_fn, bs, (const uint8_t *)n.block.data,
                                   n.block.len, p, len, &cur);
            if (rc) break;
            hit = true;
        }
        size_t pos = 0;
        cx_dagpb_link link;
        while (!hit && cx_dagpb_link_next(&n.pb, &pos, &link)) {
            if (link.name && link.name_len == len && memcmp(link.name, p, len) == 0) {
                cur = link.cid;
                hit = true;
            }
        }
        if (!hit)
            rc = CX_ENOTFOUND;
        else {
            if (roots && found < nroots) roots[found] = cur;
            found++;
        }
        p += len;
    }
    cx_buf_free(&n.block);
    if (!rc) *out = cur;
    if (nfound) *nfound = found;
    return rc;
}

struct cat {
    cx_blockstore *bs;
    uint64_t start, end; /* wanted, absolute, [start, end) */
    cx_write_fn fn;
    void *arg;
};

/* Emit the part of [base, base+len) of data that is wanted. */
static int emit_range(struct cat *c, uint64_t base, const uint8_t *data, uint64_t len) {
    uint64_t lo = c->start > base ? c->start : base;
    uint64_t hi = c->end < base + len ? c->end : base + len;
    if (lo >= hi) return 0;
    return c->fn(c->arg, data + (lo - base), (size_t)(hi - lo));
}

/* The node cid spans [base, base+expect) of the file (expect UINT64_MAX:
 * unknown, the root). */
static int cat_node(struct cat *c, const cx_cid *cid, uint64_t base, uint64_t expect,
                    unsigned depth) {
    if (depth > CX_IPFS_MAX_DEPTH) return CX_EDEPTH;
    struct node n = {0};
    int rc = load(c->bs, cid, &n);
    if (rc) goto out;
    if (n.raw) {
        if (expect != UINT64_MAX && expect != n.block.len)
            rc = CX_EPARSE;
        else
            rc = emit_range(c, base, (const uint8_t *)n.block.data, n.block.len);
        goto out;
    }
    if (n.fs.type != CX_UNIXFS_FILE && n.fs.type != CX_UNIXFS_RAW) {
        rc = depth == 0 ? CX_EINVAL : CX_EPARSE;
        goto out;
    }
    if (n.fs.nblocksizes != n.pb.nlinks) {
        rc = CX_EPARSE;
        goto out;
    }
    uint64_t total = n.fs.data_len, v;
    size_t bpos = 0;
    while (cx_unixfs_blocksize_next(&n.fs, &bpos, &v)) {
        if (v > UINT64_MAX - total) {
            rc = CX_EPARSE;
            goto out;
        }
        total += v;
    }
    if ((expect != UINT64_MAX && expect != total) ||
        (n.fs.has_filesize && n.fs.filesize != total)) {
        rc = CX_EPARSE;
        goto out;
    }
    rc = emit_range(c, base, n.fs.data, n.fs.data_len);
    uint64_t pos = base + n.fs.data_len;
    size_t lpos = 0;
    bpos = 0;
    cx_dagpb_link link;
    while (!rc && pos < c->end && cx_dagpb_link_next(&n.pb, &lpos, &link)) {
        cx_unixfs_blocksize_next(&n.fs, &bpos, &v);
        if (pos + v > c->start) rc = cat_node(c, &link.cid, pos, v, depth + 1);
        pos += v;
    }
out:
    cx_buf_free(&n.block);
    return rc;
}

int cx_ipfs_cat(cx_blockstore *bs, const cx_cid *cid, uint64_t offset, uint64_t length,
                cx_write_fn fn, void *arg) {
    struct cat c = {bs, offset, UINT64_MAX, fn, arg};
    if (length != UINT64_MAX) c.end = length > UINT64_MAX - offset ? UINT64_MAX : offset + length;
    return cat_node(&c, cid, 0, UINT64_MAX, 0);
}
