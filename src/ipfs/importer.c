/* The file importer: Kubo's `ipfs add` layout, built while streaming.
 *
 * Bytes are cut into fixed-size chunks; each chunk becomes a leaf (raw
 * block or UnixFS File node). The balanced layout groups nodes in runs of
 * `fanout` from the left, level by level, so a run is final the moment it
 * is full: a level that reaches `fanout` entries becomes one parent in the
 * level above at once. Memory is therefore one chunk plus at most `fanout`
 * pending links per level, whatever the file size. At the end the partial
 * runs are closed bottom-up; a level holding a single node with nothing
 * above it is the root — which also makes a one-chunk file its own leaf,
 * as Kubo and ipfs-unixfs-importer do. */
#include "ipfs_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <stdio.h>
#include "pb.h"
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 32 /* fanout >= 2, so 2^32 chunks at the very least */

struct entry {
    cx_cid cid;
    uint64_t tsize; /* cumulative DAG size below and including the node */
    uint64_t fsize; /* file bytes under the node */
};

struct cx_importer {
    cx_import_options o;
    bool raw;
    cx_block_sink_fn sink;
    void *arg;
    uint8_t *chunk; /* grows to chunk_size as bytes arrive: most files are small */
    size_t chunk_cap;
    size_t fill;
    uint64_t chunks;
    struct entry *levels[MAX_LEVELS];
    size_t count[MAX_LEVELS];
    unsigned nlevels;
    cx_buf node, data; /* scratch for encoding */
    uint64_t *sizes;   /* scratch: blocksizes of one parent */
    int err;           /* sticky: the first failure */
};

void cx_import_options_default(cx_import_options *o) {
    o->cid_version = 0;
    o->raw_leaves = -1;
    o->chunk_size = CX_IPFS_DEFAULT_CHUNK;
    o->fanout = CX_IPFS_DEFAULT_FANOUT;
    o->pin = true;
    o->hamt_threshold = CX_IPFS_HAMT_THRESHOLD;
}

int cx_importer_new(cx_importer **out, const cx_import_options *o, cx_block_sink_fn sink,
                    void *arg) {
    *out = NULL;
    if (!o || (o->cid_version != 0 && o->cid_version != 1) || o->chunk_size < 1 ||
        o->chunk_size > CX_IPFS_MAX_CHUNK || o->fanout < 2 || o->fanout > 65536)
        return CX_EINVAL;
    cx_importer *im = calloc(1, sizeof *im);
    if (!im) return CX_ENOMEM;
    im->o = *o;
    im->raw = o->raw_leaves < 0 ? o->cid_version == 1 : o->raw_leaves != 0;
    im->sink = sink;
    im->arg = arg;
    im->sizes = malloc(o->fanout * sizeof *im->sizes);
    if (!im->sizes) {
        cx_importer_free(im);
        return CX_ENOMEM;
    }
    *out = im;
    return 0;
}

void cx_importer_free(cx_importer *im) {
    if (!im) return;
    for (unsigned i = 0; i < MAX_LEVELS; i++) free(im->levels[i]);
    free(im->chunk);
    free(im->sizes);
    cx_buf_free(&im->node);
    cx_buf_free(&im->data);
    free(im);
}

static int emit(cx_importer *im, const cx_cid *cid, const uint8_t *p, size_t n) {
    return im->sink ? im->sink(im->arg, cid, p, n) : 0;
}

static int push(cx_importer *im, unsigned level, const struct entry *e);

/* Close level `level`'s pending run into one parent node in level+1. */
static int make_parent(cx_importer *im, unsigned level) {
    struct entry *es = im->levels[level];
    size_t n = im->count[level];
    struct entry parent = {0};
    cx_buf_reset(&im->node);
    cx_buf_reset(&im->data);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = cx_dagpb_put_link(&im->node, &es[i].cid, "", 0, es[i].tsize);
        parent.tsize += es[i].tsize;
        parent.fsize += es[i].fsize;
        im->sizes[i] = es[i].fsize;
    }
    if (!rc)
        rc = cx_unixfs_encode(&im->data, CX_UNIXFS_FILE, NULL, 0, true, parent.fsize, im->sizes, n);
    if (!rc) rc = cx_dagpb_put_data(&im->node, (const uint8_t *)im->data.data, im->data.len);
    if (!rc)
        rc = cx_cid_of(&parent.cid, im->o.cid_version, CX_CODEC_DAG_PB, CX_MH_SHA2_256,
                       im->node.data, im->node.len);
    if (!rc) rc = emit(im, &parent.cid, (const uint8_t *)im->node.data, im->node.len);
    if (rc) return rc;
    parent.tsize += im->node.len;
    im->count[level] = 0;
    return push(im, level + 1, &parent);
}

static int push(cx_importer *im, unsigned level, const struct entry *e) {
    if (level >= MAX_LEVELS) return CX_ELIMIT;
    if (!im->levels[level]) {
        im->levels[level] = malloc(im->o.fanout * sizeof(struct entry));
        if (!im->levels[level]) return CX_ENOMEM;
    }
    if (level + 1 > im->nlevels) im->nlevels = level + 1;
    im->levels[level][im->count[level]++] = *e;
    /* A full run is final in the balanced layout: close it now. */
    if (im->count[level] == im->o.fanout) return make_parent(im, level);
    return 0;
}

static int leaf(cx_importer *im, const uint8_t *p, size_t n) {
    struct entry e = {.fsize = n};
    int rc;
    im->chunks++;
    if (im->raw) {
        rc = cx_cid_of(&e.cid, 1, CX_CODEC_RAW, CX_MH_SHA2_256, p, n);
        if (!rc) rc = emit(im, &e.cid, p, n);
        e.tsize = n;
    } else {
        cx_buf_reset(&im->node);
        cx_buf_reset(&im->data);
        rc = cx_unixfs_encode(&im->data, CX_UNIXFS_FILE, p, n, true, n, NULL, 0);
        if (!rc) rc = cx_dagpb_put_data(&im->node, (const uint8_t *)im->data.data, im->data.len);
        if (!rc)
            rc = cx_cid_of(&e.cid, im->o.cid_version, CX_CODEC_DAG_PB, CX_MH_SHA2_256,
                           im->node.data, im->node.len);
        if (!rc) rc = emit(im, &e.cid, (const uint8_t *)im->node.data, im->node.len);
        e.tsize = im->node.len;
    }
    return rc ? rc : push(im, 0, &e);
}

/* Room for `need` (<= chunk_size) bytes in the chunk buffer, doubling from
 * 4 KiB: a directory of small files then costs small buffers, not one
 * chunk_size allocation (256 KiB by default) per file. */
static int grow_chunk(cx_importer *im, size_t need) {
    size_t cap = im->chunk_cap ? im->chunk_cap : 4096;
    while (cap < need) cap *= 2;
    if (cap > im->o.chunk_size) cap = im->o.chunk_size;
    uint8_t *c = realloc(im->chunk, cap);
    if (!c) return CX_ENOMEM;
    im->chunk = c;
    im->chunk_cap = cap;
    return 0;
}

int cx_importer_write(cx_importer *im, const void *data, size_t len) {
    const uint8_t *p = data;
    size_t cs = im->o.chunk_size;
    while (len > 0 && !im->err) {
        if (im->fill == 0 && len >= cs) { /* whole chunk straight from the input */
            im->err = leaf(im, p, cs);
            p += cs;
            len -= cs;
            continue;
        }
        size_t take = cs - im->fill < len ? cs - im->fill : len;
        if (im->fill + take > im->chunk_cap && (im->err = grow_chunk(im, im->fill + take))) break;
        memcpy(im->chunk + im->fill, p, take);
        im->fill += take;
        p += take;
        len -= take;
        if (im->fill == cs) {
            im->err = leaf(im, im->chunk, cs);
            im->fill = 0;
        }
    }
    return im->err;
}

int cx_importer_finish(cx_importer *im, cx_cid *root, uint64_t *size) {
    if (im->err) return im->err;
    /* The tail chunk; an empty file is one empty leaf. */
    if (im->fill > 0 || im->chunks == 0) {
        static const uint8_t none[1];
        if ((im->err = leaf(im, im->fill ? im->chunk : none, im->fill))) return im->err;
        im->fill = 0;
    }
    for (unsigned k = 0; k < im->nlevels; k++) {
        if (im->count[k] == 0) continue;
        bool higher = false;
        for (unsigned j = k + 1; j < im->nlevels; j++) higher |= im->count[j] > 0;
        if (im->count[k] == 1 && !higher) {
            *root = im->levels[k][0].cid;
            if (size) *size = im->levels[k][0].tsize;
            return 0;
        }
        if ((im->err = make_parent(im, k))) return im->err;
    }
    return im->err = CX_ESTATE; /* unreachable: some level holds the root */
}
