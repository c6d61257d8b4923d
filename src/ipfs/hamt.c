/* HAMT-sharded UnixFS directories, written and read the way Kubo does.
 *
 * A directory too big for one block becomes a hash array mapped trie: each
 * name is hashed with murmur3-x64-64 (h1 of MurmurHash3 x64_128) and h1 is
 * consumed log2(fanout) bits at a time from its most significant bit (so
 * with fanout 256 the root slot is h1's top byte). A shard node (UnixFS type 5,
 * Data = bitfield of occupied slots, hashType 0x22, fanout) has one link
 * per occupied slot, in slot order: a slot holding one entry links it under
 * "XX" + name (XX the slot in upper-case hex, as wide as fanout - 1), a slot
 * shared by several names links a sub-shard under "XX" alone. The shape
 * depends only on the set of names, never on insertion order.
 *
 * The writer is given the whole entry list, sorts it by hash, and builds
 * bottom-up; the reader checks every shard it touches (type, hash function,
 * power-of-two fanout, bitfield population equal to the link count, slot
 * prefixes strictly increasing and marked in the bitfield) and is bounded
 * by the 64 hash bits: no trie can be deeper than 64 / log2(fanout). */
#include "ipfs_int.h"
#include "pb.h"
#include <stdlib.h>
#include <string.h>

#define HASH_BITS 64

/* ---- writing ------------------------------------------------------------------ */

struct hent {
    uint64_t h;
    const cx_ipfs_dirent *e;
};

static int cmp_hent(const void *a, const void *b) {
    const struct hent *x = a, *y = b;
    return x->h < y->h ? -1 : x->h > y->h;
}

struct build {
    cx_blockstore *bs;
    cx_block_sink_fn sink;
    void *arg;
    int cid_version;
};

static uint64_t trie_hash(const char *name, size_t len) {
    return cx_ipfs_murmur3_64(name, len);
}

static unsigned slot_at(uint64_t h, unsigned depth, unsigned bits) {
    return (unsigned)((h << (depth * bits)) >> (HASH_BITS - bits));
}

static int put_hamt_data(cx_buf *node, const uint8_t bitfield[32]) {
    size_t skip = 0; /* the bitfield is a big-endian integer: no leading zero bytes */
    while (skip < 32 && bitfield[skip] == 0) skip++;
    cx_buf d = CX_BUF_INIT;
    int rc = pb_put_key(&d, 1, PB_VARINT);
    if (!rc) rc = pb_put_varint(&d, CX_UNIXFS_HAMT);
    if (!rc && skip < 32) rc = pb_put_bytes(&d, 2, bitfield + skip, 32 - skip);
    if (!rc) rc = pb_put_key(&d, 5, PB_VARINT);
    if (!rc) rc = pb_put_varint(&d, CX_MH_MURMUR3_X64_64);
    if (!rc) rc = pb_put_key(&d, 6, PB_VARINT);
    if (!rc) rc = pb_put_varint(&d, CX_IPFS_HAMT_FANOUT);
    if (!rc) rc = cx_dagpb_put_data(node, (const uint8_t *)d.data, d.len);
    cx_buf_free(&d);
    return rc;
}

/* One shard over v[0..n), all sharing the first depth*8 hash bits. */
static int build_shard(struct build *b, const struct hent *v, size_t n, unsigned depth, cx_cid *cid,
                       uint64_t *tsize) {
    if (depth >= HASH_BITS / 8) return CX_ELIMIT; /* a full 64-bit collision */
    cx_buf node = CX_BUF_INIT, name = CX_BUF_INIT;
    uint8_t bitfield[32] = {0};
    uint64_t total = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        unsigned slot = slot_at(v[i].h, depth, 8);
        size_t j = i + 1;
        while (j < n && slot_at(v[j].h, depth, 8) == slot) j++;
        bitfield[31 - slot / 8] |= (uint8_t)(1u << (slot % 8));
        cx_buf_reset(&name);
        rc = cx_buf_printf(&name, "%02X", slot);
        cx_cid child;
        uint64_t child_size = 0;
        if (!rc && j - i == 1) {
            rc = cx_buf_puts(&name, v[i].e->name);
            child = v[i].e->cid;
            child_size = v[i].e->tsize;
        } else if (!rc) {
            rc = build_shard(b, v + i, j - i, depth + 1, &child, &child_size);
        }
        if (!rc) rc = cx_dagpb_put_link(&node, &child, name.data, name.len, child_size);
        total += child_size;
        i = j;
    }
    if (!rc) rc = put_hamt_data(&node, bitfield);
    if (!rc)
        rc = cx_cid_of(cid, b->cid_version, CX_CODEC_DAG_PB, CX_MH_SHA2_256, node.data, node.len);
    if (!rc) {
        if (b->sink)
            rc = b->sink(b->arg, cid, (const uint8_t *)node.data, node.len);
        else if (b->bs)
            rc = cx_ipfs_bs_put_trusted(b->bs, cid, node.data, node.len);
    }
    if (!rc) *tsize = total + node.len;
    cx_buf_free(&node);
    cx_buf_free(&name);
    return rc;
}

int cx_ipfs_make_hamt(cx_blockstore *bs, int cid_version, const cx_ipfs_dirent *ents, size_t n,
                      cx_block_sink_fn sink, void *arg, cx_cid *cid, uint64_t *tsize) {
    if (cid_version != 0 && cid_version != 1) return CX_EINVAL;
    struct hent *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return CX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i].h = trie_hash(ents[i].name, strlen(ents[i].name));
        v[i].e = &ents[i];
    }
    qsort(v, n, sizeof *v, cmp_hent);
    int rc = 0;
    for (size_t i = 1; i < n && !rc; i++) /* same hash: same name, or a 64-bit collision */
        if (v[i].h == v[i - 1].h)
            rc = strcmp(v[i].e->name, v[i - 1].e->name) ? CX_ELIMIT : CX_EINVAL;
    struct build b = {bs, sink, arg, cid_version};
    uint64_t size = 0;
    if (!rc) rc = build_shard(&b, v, n, 0, cid, &size);
    if (!rc && tsize) *tsize = size;
    free(v);
    return rc;
}

/* Kubo's estimate of a flat directory's size: per link, the name's length
 * plus the CID's binary length (Import.UnixFSHAMTDirectorySizeThreshold is
 * compared with it, strictly: a directory exactly at the threshold stays
 * flat). */
uint64_t cx_ipfs_dir_estimate(const cx_ipfs_dirent *ents, size_t n) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += strlen(ents[i].name) + ents[i].cid.len;
    return sum;
}

int cx_ipfs_make_directory(cx_blockstore *bs, const cx_import_options *o, cx_ipfs_dirent *ents,
                           size_t n, cx_block_sink_fn sink, void *arg, cx_cid *cid,
                           uint64_t *tsize) {
    if (o->hamt_threshold && cx_ipfs_dir_estimate(ents, n) > o->hamt_threshold)
        return cx_ipfs_make_hamt(bs, o->cid_version, ents, n, sink, arg, cid, tsize);
    return cx_ipfs_make_dir(bs, o->cid_version, ents, n, sink, arg, cid, tsize);
}

/* ---- reading ------------------------------------------------------------------ */

/* A checked shard node: views into its block. */
struct shard {
    cx_dagpb_node pb;
    unsigned bits;  /* log2(fanout) */
    unsigned width; /* hex digits of a slot prefix */
};

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The slot a link's name starts with, or -1 when the prefix is malformed. */
static long link_slot(const struct shard *s, const cx_dagpb_link *l) {
    if (!l->name || l->name_len < s->width) return -1;
    long v = 0;
    for (unsigned i = 0; i < s->width; i++) {
        int d = hexval(l->name[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v < (1L << s->bits) ? v : -1;
}

static int parse_shard(struct shard *s, const uint8_t *block, size_t len) {
    if (cx_dagpb_decode(&s->pb, block, len, NULL, NULL) || !s->pb.has_data) return CX_EPARSE;
    cx_unixfs fs;
    if (cx_unixfs_decode(&fs, s->pb.data, s->pb.data_len, NULL)) return CX_EPARSE;
    if (fs.type != CX_UNIXFS_HAMT) return CX_EPARSE;
    if (fs.hash_type != CX_MH_MURMUR3_X64_64) return CX_EINVAL; /* a hash we cannot compute */
    if (!fs.has_fanout || fs.fanout < 2 || fs.fanout > CX_IPFS_HAMT_MAX_FANOUT ||
        (fs.fanout & (fs.fanout - 1)))
        return CX_EPARSE;
    s->bits = 0;
    while ((1ull << s->bits) < fs.fanout) s->bits++;
    s->width = (s->bits + 3) / 4;
    /* The bitfield: a big-endian integer of at most fanout bits. */
    size_t cap = (size_t)((fs.fanout + 7) / 8);
    if (fs.data_len > cap) return CX_EPARSE;
    size_t pop = 0;
    for (size_t i = 0; i < fs.data_len; i++) pop += (size_t)__builtin_popcount(fs.data[i]);
    if (pop != s->pb.nlinks) return CX_EPARSE;
    size_t pos = 0;
    cx_dagpb_link l;
    long prev = -1;
    while (cx_dagpb_link_next(&s->pb, &pos, &l)) {
        long slot = link_slot(s, &l);
        if (slot <= prev) return CX_EPARSE;
        size_t byte = (size_t)slot / 8;
        if (byte >= fs.data_len || !(fs.data[fs.data_len - 1 - byte] & (1u << (slot % 8))))
            return CX_EPARSE;
        prev = slot;
    }
    return 0;
}

int cx_ipfs_hamt_find(cx_block_get_fn get, void *garg, const uint8_t *block, size_t len,
                      const char *name, size_t name_len, cx_cid *out) {
    uint64_t h = trie_hash(name, name_len);
    cx_buf bufs[2] = {CX_BUF_INIT, CX_BUF_INIT};
    unsigned used = 0; /* hash bits consumed */
    int rc = 0;
    for (unsigned depth = 0;; depth++) {
        struct shard s;
        if ((rc = parse_shard(&s, block, len))) break;
        if (used + s.bits > HASH_BITS) {
            rc = CX_EPARSE; /* deeper than the hash allows */
            break;
        }
        unsigned want = (unsigned)((h << used) >> (HASH_BITS - s.bits));
        used += s.bits;
        size_t pos = 0;
        cx_dagpb_link l;
        bool hit = false;
        while (cx_dagpb_link_next(&s.pb, &pos, &l))
            if (link_slot(&s, &l) == (long)want) {
                hit = true;
                break;
            }
        if (!hit) {
            rc = CX_ENOTFOUND;
            break;
        }
        if (l.name_len > s.width) {
            bool same =
                l.name_len - s.width == name_len && memcmp(l.name + s.width, name, name_len) == 0;
            if (same) *out = l.cid;
            rc = same ? 0 : CX_ENOTFOUND;
            break;
        }
        if (l.cid.codec != CX_CODEC_DAG_PB) {
            rc = CX_EPARSE;
            break;
        }
        cx_buf *next = &bufs[depth & 1];
        if ((rc = get(garg, &l.cid, next))) break;
        block = (const uint8_t *)next->data;
        len = next->len;
    }
    cx_buf_free(&bufs[0]);
    cx_buf_free(&bufs[1]);
    return rc;
}

struct walk {
    cx_block_get_fn get;
    void *garg;
    cx_ipfs_entry_fn fn;
    void *arg;
    size_t shards, max_shards; /* loaded so far, and the budget */
};

static int list_shard(struct walk *w, const uint8_t *block, size_t len, unsigned used) {
    struct shard s;
    int rc = parse_shard(&s, block, len);
    if (rc) return rc;
    if (used + s.bits > HASH_BITS) return CX_EPARSE;
    size_t pos = 0;
    cx_dagpb_link l;
    cx_buf child = CX_BUF_INIT;
    while (!rc && cx_dagpb_link_next(&s.pb, &pos, &l)) {
        if (l.name_len > s.width) {
            rc = w->fn(w->arg, l.name + s.width, l.name_len - s.width, &l.cid, l.tsize);
            continue;
        }
        /* Sub-shards may repeat (a crafted trie can link one block from
         * every slot of every level): the budget keeps the walk finite. */
        if (l.cid.codec != CX_CODEC_DAG_PB) {
            rc = CX_EPARSE;
        } else if (++w->shards > w->max_shards) {
            rc = CX_ELIMIT;
        } else {
            rc = w->get(w->garg, &l.cid, &child);
            if (!rc) rc = list_shard(w, (const uint8_t *)child.data, child.len, used + s.bits);
        }
    }
    cx_buf_free(&child);
    return rc;
}

int cx_ipfs_hamt_list(cx_block_get_fn get, void *garg, const uint8_t *block, size_t len,
                      size_t max_shards, cx_ipfs_entry_fn fn, void *arg) {
    struct walk w = {get, garg, fn, arg, 0, max_shards ? max_shards : CX_IPFS_HAMT_MAX_SHARDS};
    return list_shard(&w, block, len, 0);
}

/* ---- over a blockstore ------------------------------------------------------------ */

int cx_ipfs_bs_get_fn(void *arg, const cx_cid *cid, cx_buf *out) {
    return cx_blockstore_get(arg, cid, out);
}

int cx_ipfs_ls(cx_blockstore *bs, const cx_cid *dir, cx_ipfs_entry_fn fn, void *arg) {
    if (dir->codec != CX_CODEC_DAG_PB) return CX_EINVAL;
    cx_buf block = CX_BUF_INIT;
    int rc = cx_blockstore_get(bs, dir, &block);
    cx_dagpb_node pb;
    cx_unixfs fs;
    if (!rc && (cx_dagpb_decode(&pb, (const uint8_t *)block.data, block.len, NULL, NULL) ||
                !pb.has_data || cx_unixfs_decode(&fs, pb.data, pb.data_len, NULL)))
        rc = CX_EPARSE;
    if (!rc && fs.type == CX_UNIXFS_HAMT) {
        rc = cx_ipfs_hamt_list(cx_ipfs_bs_get_fn, bs, (const uint8_t *)block.data, block.len, 0, fn,
                               arg);
    } else if (!rc && fs.type == CX_UNIXFS_DIRECTORY) {
        size_t pos = 0;
        cx_dagpb_link l;
        while (!rc && cx_dagpb_link_next(&pb, &pos, &l))
            rc = fn(arg, l.name ? l.name : "", l.name_len, &l.cid, l.tsize);
    } else if (!rc) {
        rc = CX_EINVAL;
    }
    cx_buf_free(&block);
    return rc;
}
