/* CARv1 export: the blocks behind /ipfs/{cid}[/path] as one verifiable
 * stream (the trustless gateway's application/vnd.ipld.car).
 *
 * Layout: varint(header length), the DAG-CBOR header {"roots": [cid],
 * "version": 1}, then per block varint(CID length + data length), the
 * binary CID, the data. The root is the request's CID; first come the
 * blocks needed to walk the path (each directory, and every HAMT shard a
 * lookup loads), then the target's whole DAG in depth-first pre-order, links
 * in node order — the "dfs" order of IPIP-412 — without duplicates
 * ("dups=n"). Every block is read through the verifying blockstore.
 *
 * Duplicates are recognised by 64 bits of the sha2-256 digest (a collision
 * would need a sha2-256 prefix collision); identity CIDs carry their data
 * and are not emitted. */
#include "ipfs_int.h"
#include <cortex/error.h>
#include <stdlib.h>
#include <string.h>

struct car {
    cx_blockstore *bs;
    cx_write_fn fn;
    void *arg;
    uint64_t *seen; /* open addressing, 0 = empty */
    size_t cap, count, max_blocks;
    cx_buf out; /* output gathered into writes of about CAR_WRITE bytes */
};

#define CAR_WRITE (64u * 1024)

static int put(struct car *c, const void *p, size_t n) {
    int rc = cx_buf_append(&c->out, p, n);
    if (!rc && c->out.len >= CAR_WRITE) {
        rc = c->fn(c->arg, c->out.data, c->out.len);
        cx_buf_reset(&c->out);
    }
    return rc;
}

static uint64_t key_of(const cx_cid *cid) {
    const uint8_t *d = cid->bytes + cid->digest_off;
    uint64_t k = cid->mh_code * 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < cid->digest_len && i < 8; i++) k = (k << 8 | k >> 56) ^ d[i];
    return k ? k : 1;
}

/* 1 when cid was already emitted, else 0 after recording it. */
static int seen(struct car *c, const cx_cid *cid) {
    if (c->count * 2 >= c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        uint64_t *t = calloc(ncap, sizeof *t);
        if (!t) return CX_ENOMEM;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->seen[i]) continue;
            size_t j = c->seen[i] & (ncap - 1);
            while (t[j]) j = (j + 1) & (ncap - 1);
            t[j] = c->seen[i];
        }
        free(c->seen);
        c->seen = t;
        c->cap = ncap;
    }
    uint64_t k = key_of(cid);
    size_t j = k & (c->cap - 1);
    while (c->seen[j]) {
        if (c->seen[j] == k) return 1;
        j = (j + 1) & (c->cap - 1);
    }
    if (c->count >= c->max_blocks) return CX_ELIMIT;
    c->seen[j] = k;
    c->count++;
    return 0;
}

static int emit(struct car *c, const cx_cid *cid, const cx_buf *b) {
    uint8_t v[10];
    size_t n = cx_varint_encode((uint64_t)cid->len + b->len, v);
    int rc = put(c, v, n);
    if (!rc) rc = put(c, cid->bytes, cid->len);
    if (!rc && b->len) rc = put(c, b->data, b->len);
    return rc;
}

/* Load a block, emitting it the first time it is seen. */
static int load(struct car *c, const cx_cid *cid, cx_buf *out, bool *fresh) {
    int rc = cx_blockstore_get(c->bs, cid, out);
    if (rc) return rc;
    *fresh = false;
    if (cid->mh_code == CX_MH_IDENTITY) return 0;
    rc = seen(c, cid);
    if (rc < 0) return rc;
    if (rc == 1) return 0;
    *fresh = true;
    return emit(c, cid, out);
}

/* cx_block_get_fn for HAMT lookups on the path: each shard is emitted. */
static int get_emit(void *arg, const cx_cid *cid, cx_buf *out) {
    bool fresh;
    return load(arg, cid, out, &fresh);
}

static int dfs(struct car *c, const cx_cid *cid, unsigned depth) {
    if (depth > CX_IPFS_MAX_DEPTH) return CX_EDEPTH;
    cx_buf b = CX_BUF_INIT;
    bool fresh = false;
    int rc = load(c, cid, &b, &fresh);
    if (!rc && fresh && cid->codec == CX_CODEC_DAG_PB) {
        cx_dagpb_node n;
        rc = cx_dagpb_decode(&n, (const uint8_t *)b.data, b.len, NULL, NULL);
        size_t pos = 0;
        cx_dagpb_link l;
        /* Children are read one at a time; this block's bytes stay for
         * the links (they point into it). */
        while (!rc && cx_dagpb_link_next(&n, &pos, &l)) rc = dfs(c, &l.cid, depth + 1);
    }
    cx_buf_free(&b);
    return rc;
}

static int header(struct car *c, const cx_cid *root) {
    /* {"roots": [tag 42 (bytes 0x00 ++ cid)], "version": 1}, keys in
     * DAG-CBOR order (shorter first). */
    uint8_t h[16 + CX_CID_MAX_BYTES + 16];
    size_t n = 0, blen = (size_t)root->len + 1;
    h[n++] = 0xa2;
    h[n++] = 0x65;
    memcpy(h + n, "roots", 5);
    n += 5;
    h[n++] = 0x81;
    h[n++] = 0xd8;
    h[n++] = 0x2a;
    if (blen < 24) {
        h[n++] = (uint8_t)(0x40 | blen);
    } else {
        h[n++] = 0x58;
        h[n++] = (uint8_t)blen;
    }
    h[n++] = 0x00;
    memcpy(h + n, root->bytes, root->len);
    n += root->len;
    h[n++] = 0x67;
    memcpy(h + n, "version", 7);
    n += 7;
    h[n++] = 0x01;
    uint8_t v[10];
    size_t vl = cx_varint_encode(n, v);
    int rc = put(c, v, vl);
    return rc ? rc : put(c, h, n);
}

int cx_ipfs_car_export(cx_blockstore *bs, const cx_cid *root, const char *path, size_t max_blocks,
                       cx_write_fn fn, void *arg) {
    if (!bs || !root || !fn) return CX_EINVAL;
    struct car c = {
        bs, fn, arg, NULL, 0, 0, max_blocks ? max_blocks : CX_IPFS_CAR_MAX_BLOCKS, CX_BUF_INIT};
    int rc = header(&c, root);
    cx_cid cur = *root;
    const char *p = path ? path : "";
    cx_buf b = CX_BUF_INIT;
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
        bool fresh;
        if (cur.codec != CX_CODEC_DAG_PB) {
            rc = CX_ENOTFOUND;
            break;
        }
        if ((rc = load(&c, &cur, &b, &fresh))) break;
        cx_dagpb_node n;
        cx_unixfs fs;
        if (cx_dagpb_decode(&n, (const uint8_t *)b.data, b.len, NULL, NULL) || !n.has_data ||
            cx_unixfs_decode(&fs, n.data, n.data_len, NULL)) {
            rc = CX_EPARSE;
            break;
        }
        if (fs.type == CX_UNIXFS_HAMT) {
            rc = cx_ipfs_hamt_find(get_emit, &c, (const uint8_t *)b.data, b.len, p, len, &cur);
        } else if (fs.type == CX_UNIXFS_DIRECTORY) {
            size_t pos = 0;
            cx_dagpb_link l;
            rc = CX_ENOTFOUND;
            while (rc && cx_dagpb_link_next(&n, &pos, &l))
                if (l.name && l.name_len == len && memcmp(l.name, p, len) == 0) {
                    cur = l.cid;
                    rc = 0;
                }
        } else {
            rc = CX_ENOTFOUND;
        }
        p += len;
    }
    cx_buf_free(&b);
    if (!rc) rc = dfs(&c, &cur, 0);
    if (!rc && c.out.len) rc = fn(arg, c.out.data, c.out.len);
    cx_buf_free(&c.out);
    free(c.seen);
    return rc;
}
