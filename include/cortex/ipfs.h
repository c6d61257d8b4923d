/* IPFS: content identifiers, DAG-PB/UnixFS, a blockstore and a gateway.
 *
 * The model is the one Kubo uses. A block is a byte string named by a CID:
 * a version (0 or 1), a codec saying how to read the bytes (dag-pb 0x70,
 * raw 0x55, ...) and a multihash of the bytes (sha2-256, or identity, whose
 * "digest" is the data itself). A file is imported by cutting it into
 * fixed-size chunks, each a leaf block (a UnixFS File node in DAG-PB, or the
 * raw bytes), and linking them bottom-up into a balanced tree of DAG-PB
 * nodes with at most 174 links each; the root's CID names the file. The
 * settings and output match `ipfs add` (Kubo's default profile) byte for
 * byte, so the same file gets the same CID here and there.
 *
 * Layers, each usable on its own:
 *   - varints, multibase (base58btc, base32, base36, base16), multihash
 *     and cx_cid: strict parsers that say why they refused something;
 *   - DAG-PB: a strict protobuf reader (canonical field order only, no
 *     unknown fields) that iterates links without allocating, and a writer;
 *   - UnixFS: the Data message inside DAG-PB nodes;
 *   - the importer: a streaming builder fed with bytes, constant memory;
 *   - the blockstore: a directory of blocks keyed by multihash, recursive
 *     and direct pins, garbage collection; every read is re-hashed, so a
 *     damaged block is never returned;
 *   - the exporter: resolves paths and streams a file's bytes (or a byte
 *     range), verifying every block on the way;
 *   - HAMT-sharded directories, written past Kubo's size threshold and
 *     walked transparently when reading;
 *   - CARv1 export of a path's blocks and its DAG (cx_ipfs_car_export);
 *   - the gateway and Kubo RPC handlers (cx_ipfs_gateway_*);
 *   - a client for any Kubo RPC endpoint (cx_ipfs_client_*, over cx_fetch).
 *
 * Errors are negative CX_E* codes. Parsers return CX_EPARSE and, when the
 * caller passes a `const char **why`, a static sentence naming the problem.
 * A block whose bytes do not hash to its CID gives CX_EIO. docs/IPFS.md
 * has the details and limits.
 */
#ifndef CORTEX_IPFS_H
#define CORTEX_IPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- varints ---------------------------------------------------------------- */

/* Unsigned LEB128 as multiformats uses it: at most 9 bytes (63 bits), and
 * minimally encoded (no trailing 0x80 0x00 padding). Returns the bytes
 * consumed (≥ 1) with *out set, or CX_EPARSE (truncated, too long, not
 * minimal). */
int cx_varint_decode(const uint8_t *p, size_t len, uint64_t *out);
/* Encode v (< 2^63) into out; returns the length (1..9). */
size_t cx_varint_encode(uint64_t v, uint8_t out[10]);

/* ---- multibase ---------------------------------------------------------------- */

#define CX_MULTIBASE_BASE58BTC 'z'
#define CX_MULTIBASE_BASE32    'b' /* lower case, no padding (RFC 4648 alphabet) */
#define CX_MULTIBASE_BASE36    'k' /* lower case */
#define CX_MULTIBASE_BASE16    'f' /* lower case */

/* base58btc and base36 are big-number conversions, quadratic in the length:
 * their encoders take at most this many input bytes and their decoders at
 * most this many characters (without the prefix); beyond, CX_ELIMIT. A fixed
 * cap, not a setting, because it only has to cover identifiers (a CID is
 * well under 100 bytes). Any input of at most 749 bytes (base58btc) or 661
 * bytes (base36) encodes to at most 1024 characters and so decodes back;
 * a longer one may not. base32 and base16 are linear and unlimited. */
#define CX_MULTIBASE_BIGNUM_MAX 1024

/* Append the encoding of data in `base` (one of the above), without the
 * prefix character, to out. CX_EINVAL for an unknown base, CX_ELIMIT when
 * len > CX_MULTIBASE_BIGNUM_MAX in base58btc or base36, CX_ENOMEM. */
int cx_multibase_encode_raw(char base, const uint8_t *data, size_t len, cx_buf *out);
/* Decode text in `base` (no prefix) into out. CX_EPARSE on a character
 * outside the alphabet or non-canonical trailing bits; CX_ELIMIT when len >
 * CX_MULTIBASE_BIGNUM_MAX in base58btc or base36 (either case). why (may be
 * NULL) receives a static reason for either. */
int cx_multibase_decode_raw(char base, const char *text, size_t len, cx_buf *out, const char **why);
/* Prefixed forms: the first character names the base ('B' upper-case
 * base32, 'K' base36 and 'F' base16 are accepted on decode). Same errors and
 * limits as the raw forms; a failed encode leaves out as it was. */
int cx_multibase_encode(char base, const uint8_t *data, size_t len, cx_buf *out);
int cx_multibase_decode(const char *text, size_t len, cx_buf *out, char *base, const char **why);

/* ---- multicodec / multihash / CID ---------------------------------------------- */

#define CX_CODEC_RAW         0x55
#define CX_CODEC_DAG_PB      0x70
#define CX_CODEC_DAG_CBOR    0x71
#define CX_CODEC_LIBP2P_KEY  0x72
#define CX_CODEC_DAG_JSON    0x0129
#define CX_MH_IDENTITY       0x00
#define CX_MH_SHA2_256       0x12
#define CX_MH_SHA2_256_LEN   32
#define CX_MH_MURMUR3_X64_64 0x22 /* the HAMT hash function (not a block hash) */

/* Longest binary CID accepted: version + codec + hash code + length
 * varints and a digest of up to CX_CID_MAX_DIGEST bytes. Identity CIDs
 * carry their data inline, so this also caps inline data. */
#define CX_CID_MAX_DIGEST 128
#define CX_CID_MAX_BYTES  (4 * 9 + CX_CID_MAX_DIGEST)
/* Longest text form accepted or written, NUL included: base16 (the widest
 * base) of CX_CID_MAX_BYTES plus the prefix. */
#define CX_CID_MAX_TEXT (2 * CX_CID_MAX_BYTES + 2)

/* A parsed CID, self-contained (a value type, copy freely). bytes is the
 * binary form: for v0 the bare multihash, for v1 the full CID. */
typedef struct cx_cid {
    uint8_t version;  /* 0 or 1 */
    uint64_t codec;   /* CX_CODEC_* (v0: always dag-pb) */
    uint64_t mh_code; /* CX_MH_* */
    uint8_t digest_len;
    uint8_t digest_off; /* digest = bytes + digest_off */
    uint8_t mh_off;     /* multihash = bytes + mh_off (0 for v0) */
    uint8_t len;        /* of bytes */
    uint8_t bytes[CX_CID_MAX_BYTES];
} cx_cid;

/* Read a binary CID from the front of p: returns bytes consumed, or
 * CX_EPARSE (with *why) for truncation, unknown version, a v0 that is not
 * sha2-256/32, a digest longer than CX_CID_MAX_DIGEST, bad varints. */
int cx_cid_read(cx_cid *cid, const uint8_t *p, size_t len, const char **why);
/* Like cx_cid_read but the CID must span all of p[0..len). 0 or CX_EPARSE. */
int cx_cid_from_bytes(cx_cid *cid, const uint8_t *p, size_t len, const char **why);
/* Parse the text form: a 46-character "Qm..." base58btc CIDv0, or a
 * multibase-prefixed CIDv1 (any base above). 0 or CX_EPARSE. */
int cx_cid_parse(cx_cid *cid, const char *text, size_t len, const char **why);
/* Write the text form into out (NUL-terminated); base 0 picks the default
 * (v0: bare base58btc; v1: base32). A v0 CID can only be written in base58btc
 * (CX_EINVAL otherwise). Returns the length or a negative error. */
int cx_cid_format(const cx_cid *cid, char base, char *out, size_t cap);
/* Build a CID from its parts. CX_EINVAL for v0 with anything but
 * dag-pb/sha2-256/32 bytes, or a digest over CX_CID_MAX_DIGEST. */
int cx_cid_make(cx_cid *cid, int version, uint64_t codec, uint64_t mh_code, const uint8_t *digest,
                size_t digest_len);
/* The CID of data: sha2-256 (or identity when mh_code is CX_MH_IDENTITY). */
int cx_cid_of(cx_cid *cid, int version, uint64_t codec, uint64_t mh_code, const void *data,
              size_t len);
/* The same CID as version 1 (v1 input is copied). */
void cx_cid_to_v1(const cx_cid *in, cx_cid *out);
/* Does data hash to cid? 0, CX_EIO (mismatch) or CX_EINVAL (a hash
 * function this module does not implement). */
int cx_cid_verify(const cx_cid *cid, const void *data, size_t len);
bool cx_cid_equal(const cx_cid *a, const cx_cid *b);
/* The multihash part of the binary form. */
static inline const uint8_t *cx_cid_multihash(const cx_cid *cid, size_t *len) {
    *len = (size_t)cid->len - cid->mh_off;
    return cid->bytes + cid->mh_off;
}

/* ---- DAG-PB ------------------------------------------------------------------ */

typedef struct cx_dagpb_limits {
    size_t max_block; /* bytes of one block, 2 MiB (Kubo's bitswap limit) */
    size_t max_links; /* links in one node, 1 << 16 */
} cx_dagpb_limits;
void cx_dagpb_limits_default(cx_dagpb_limits *l);

/* A decoded node: views into the block that was decoded. */
typedef struct cx_dagpb_node {
    const uint8_t *data; /* the Data field, NULL when absent */
    size_t data_len;
    bool has_data;
    size_t nlinks;
    const uint8_t *links; /* the encoded links, for cx_dagpb_link_next */
    size_t links_len;
} cx_dagpb_node;

typedef struct cx_dagpb_link {
    cx_cid cid;
    const char *name; /* not NUL-terminated; NULL when absent */
    size_t name_len;
    bool has_tsize;
    uint64_t tsize;
} cx_dagpb_link;

/* Decode and validate a whole block (every link's Hash must be a CID).
 * Strict per the DAG-PB spec: Links (field 2) all before Data (field 1),
 * Data at most once, link fields in order Hash, Name, Tsize each at most
 * once, Hash required, no unknown fields or wrong wire types, no
 * truncation, minimal varints. 0, CX_EPARSE (with *why), CX_ELIMIT. The
 * node points into block, which must outlive it. l may be NULL. */
int cx_dagpb_decode(cx_dagpb_node *node, const uint8_t *block, size_t len, const cx_dagpb_limits *l,
                    const char **why);
/* Iterate a decoded node's links: *pos starts at 0. Returns 1 with *link
 * set, 0 at the end. (The node was validated, so this cannot fail.) */
int cx_dagpb_link_next(const cx_dagpb_node *node, size_t *pos, cx_dagpb_link *link);

/* Writer. Canonical order is links first, then data: call
 * cx_dagpb_put_link for each link, then cx_dagpb_put_data at most once. */
int cx_dagpb_put_link(cx_buf *out, const cx_cid *cid, const char *name, size_t name_len,
                      uint64_t tsize);
int cx_dagpb_put_data(cx_buf *out, const uint8_t *data, size_t len);

/* ---- UnixFS ------------------------------------------------------------------- */

enum {
    CX_UNIXFS_RAW = 0,
    CX_UNIXFS_DIRECTORY = 1,
    CX_UNIXFS_FILE = 2,
    CX_UNIXFS_METADATA = 3,
    CX_UNIXFS_SYMLINK = 4,
    CX_UNIXFS_HAMT = 5,
};

/* The UnixFS Data message. Views into the bytes decoded. */
typedef struct cx_unixfs {
    int type;
    const uint8_t *data; /* NULL when absent */
    size_t data_len;
    bool has_filesize;
    uint64_t filesize;
    size_t nblocksizes;
    const uint8_t *blocksizes; /* encoded; read with cx_unixfs_blocksize_next */
    size_t blocksizes_len;
    bool has_fanout;
    uint64_t fanout, hash_type;
    bool has_mode;
    uint32_t mode;
} cx_unixfs;

/* Decode (fields in any order, as protobuf allows, but each singular field
 * at most once and types checked). 0 or CX_EPARSE. */
int cx_unixfs_decode(cx_unixfs *u, const uint8_t *p, size_t len, const char **why);
/* The next blocksize: 1 with *v set, 0 at the end. */
int cx_unixfs_blocksize_next(const cx_unixfs *u, size_t *pos, uint64_t *v);
/* Encode Type, Data (when len > 0), filesize (when has_filesize) and the
 * blocksizes, in field order — what Kubo writes. */
int cx_unixfs_encode(cx_buf *out, int type, const uint8_t *data, size_t len, bool has_filesize,
                     uint64_t filesize, const uint64_t *blocksizes, size_t nblocksizes);

/* ---- blockstore ---------------------------------------------------------------- */

typedef struct cx_blockstore cx_blockstore;

typedef struct cx_blockstore_options {
    const char *path; /* the repository directory; created when missing */
    size_t max_block; /* largest block stored or read, 2 MiB */
    bool fsync;       /* fsync each block before it becomes visible, false */
} cx_blockstore_options;
void cx_blockstore_options_default(cx_blockstore_options *o);

/* Open (creating) the repository. 0 or -errno / CX_ENOMEM / CX_EINVAL. */
int cx_blockstore_open(cx_blockstore **out, const cx_blockstore_options *o);
void cx_blockstore_close(cx_blockstore *bs);
/* Store a block under cid after checking that data hashes to it (CX_EIO if
 * not). Idempotent. Identity CIDs are not stored (they carry their data). */
int cx_blockstore_put(cx_blockstore *bs, const cx_cid *cid, const void *data, size_t len);
/* Read a block into out (replacing its contents), re-hashing it: CX_ENOTFOUND
 * when absent, CX_EIO when the stored bytes do not match, CX_ELIMIT over
 * max_block. */
int cx_blockstore_get(cx_blockstore *bs, const cx_cid *cid, cx_buf *out);
/* 1 present, 0 absent, or a negative error. */
int cx_blockstore_has(cx_blockstore *bs, const cx_cid *cid);
/* Remove one block; CX_ENOTFOUND when absent. */
int cx_blockstore_delete(cx_blockstore *bs, const cx_cid *cid);

typedef enum cx_pin_type { CX_PIN_DIRECT = 1, CX_PIN_RECURSIVE = 2 } cx_pin_type;

/* Pin cid. A recursive pin first checks that the whole DAG is present
 * (CX_ENOTFOUND otherwise). */
int cx_blockstore_pin(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type);
/* Remove the pin of that type; CX_ENOTFOUND when not pinned so. */
int cx_blockstore_unpin(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type);
/* Call fn for each pin (stop early when it returns non-zero, which is
 * returned). */
int cx_blockstore_pins(cx_blockstore *bs, int (*fn)(void *arg, const cx_cid *cid, cx_pin_type type),
                       void *arg);
/* 0 not pinned, else the CX_PIN_* type (recursive wins), or an error. */
int cx_blockstore_pinned(cx_blockstore *bs, const cx_cid *cid);
/* Delete every block not reachable from a recursive pin and not directly
 * pinned. *removed (may be NULL) gets the count. A recursive pin whose DAG
 * is incomplete or damaged stops the collection with the error, deleting
 * nothing. */
int cx_blockstore_gc(cx_blockstore *bs, size_t *removed);

/* ---- importer --------------------------------------------------------------- */

#define CX_IPFS_DEFAULT_CHUNK  262144
#define CX_IPFS_DEFAULT_FANOUT 174
#define CX_IPFS_MAX_CHUNK      (1u << 20) /* Kubo's limit on --chunker size-N */

typedef struct cx_import_options {
    int cid_version;       /* 0 (default) or 1 */
    int raw_leaves;        /* -1: follow cid_version (Kubo), 0 off, 1 on */
    size_t chunk_size;     /* 262144; 1 .. CX_IPFS_MAX_CHUNK */
    size_t fanout;         /* links per node, 174 */
    bool pin;              /* pin the root recursively when done, true */
    size_t hamt_threshold; /* a directory whose estimated size (sum of name length +
                              binary CID length over its links) is above this many
                              bytes becomes a HAMT shard: 262144 as Kubo's
                              Import.UnixFSHAMTDirectorySizeThreshold; 0 never */
} cx_import_options;
void cx_import_options_default(cx_import_options *o);

/* Where blocks go: a blockstore, or a callback (for hashing only, tests,
 * benchmarks). */
typedef int (*cx_block_sink_fn)(void *arg, const cx_cid *cid, const uint8_t *data, size_t len);

typedef struct cx_importer cx_importer;
/* A new streaming file import. Blocks are handed to sink (NULL: dropped).
 * Memory stays bounded by chunk_size plus one pending link list per tree
 * level. CX_EINVAL for bad options. */
int cx_importer_new(cx_importer **out, const cx_import_options *o, cx_block_sink_fn sink,
                    void *arg);
/* Feed bytes (any split). */
int cx_importer_write(cx_importer *im, const void *data, size_t len);
/* Finish: *root is the file's CID, *size its cumulative DAG size (Tsize). */
int cx_importer_finish(cx_importer *im, cx_cid *root, uint64_t *size);
void cx_importer_free(cx_importer *im);

/* Convenience: import a whole file or directory (recursively; names
 * beginning with '.' skipped, as Kubo does without --hidden) at path into
 * bs (may be NULL: compute only). Pins the root when o->pin and bs. */
int cx_ipfs_add_path(cx_blockstore *bs, const char *path, const cx_import_options *o, cx_cid *root,
                     uint64_t *size);
/* Import bytes from a file descriptor (read to EOF). */
int cx_ipfs_add_fd(cx_blockstore *bs, int fd, const cx_import_options *o, cx_cid *root,
                   uint64_t *size);

/* Build a directory node from entries (sorted by name here); used for
 * directories and by the importer. Stores it (bs may be NULL) and sets
 * *cid and *tsize. */
typedef struct cx_ipfs_dirent {
    const char *name;
    cx_cid cid;
    uint64_t tsize;
} cx_ipfs_dirent;
int cx_ipfs_make_dir(cx_blockstore *bs, int cid_version, cx_ipfs_dirent *ents, size_t n,
                     cx_block_sink_fn sink, void *arg, cx_cid *cid, uint64_t *tsize);

/* ---- HAMT-sharded directories ----------------------------------------------------
 *
 * A directory too large for one node is written as a hash array mapped trie
 * of UnixFS HAMTShard nodes (type 5), exactly as Kubo's `ipfs add` does:
 * names hashed with murmur3-x64-64 (the first 64 bits of MurmurHash3
 * x64_128, seed 0, read from its most significant bit), fanout 256 (one
 * hash byte per level), links named by the slot in two upper-case hex
 * digits followed by the entry's name, or the two digits alone for a sub-shard; Data is the
 * bitfield of occupied slots as a big-endian integer, with hashType 0x22
 * and fanout 256. Readers accept any power-of-two fanout up to
 * CX_IPFS_HAMT_MAX_FANOUT. */

#define CX_IPFS_HAMT_THRESHOLD  262144 /* bytes of Kubo's size estimate */
#define CX_IPFS_HAMT_FANOUT     256
#define CX_IPFS_HAMT_MAX_FANOUT 4096
/* Sub-shards loaded by one listing (CX_ELIMIT beyond): a Kubo trie has
 * about one per ten names, so this admits directories of ~2.5 million
 * names; a crafted trie could otherwise link one block from every slot of
 * every level and never end. */
#define CX_IPFS_HAMT_MAX_SHARDS (1u << 18)

/* murmur3-x64-64 of data: h1 of MurmurHash3_x64_128 with seed 0. */
uint64_t cx_ipfs_murmur3_64(const void *data, size_t len);

/* Build a HAMT over ents (names must be distinct: CX_EINVAL; two names
 * with equal 64-bit hashes: CX_ELIMIT). Blocks go to sink, else bs (both
 * may be NULL: compute only). *cid is the root shard, *tsize (may be NULL)
 * the cumulative size. ents is not modified. */
int cx_ipfs_make_hamt(cx_blockstore *bs, int cid_version, const cx_ipfs_dirent *ents, size_t n,
                      cx_block_sink_fn sink, void *arg, cx_cid *cid, uint64_t *tsize);
/* Kubo's size estimate of a flat directory over ents (bytes). */
uint64_t cx_ipfs_dir_estimate(const cx_ipfs_dirent *ents, size_t n);
/* A directory the way `ipfs add` makes it: flat (cx_ipfs_make_dir) unless
 * o->hamt_threshold is set and the estimate is above it, then a HAMT. Uses
 * o->cid_version and o->hamt_threshold only. ents may be reordered. */
int cx_ipfs_make_directory(cx_blockstore *bs, const cx_import_options *o, cx_ipfs_dirent *ents,
                           size_t n, cx_block_sink_fn sink, void *arg, cx_cid *cid,
                           uint64_t *tsize);

/* Fetch a block (verified) into out, replacing its contents: how the HAMT
 * reader loads sub-shards. 0 or a negative code, passed through. */
typedef int (*cx_block_get_fn)(void *arg, const cx_cid *cid, cx_buf *out);
/* One directory entry (name not NUL-terminated). Non-zero stops the walk
 * and is returned. */
typedef int (*cx_ipfs_entry_fn)(void *arg, const char *name, size_t name_len, const cx_cid *cid,
                                uint64_t tsize);
/* Look name up in the HAMT whose root shard is block[0..len). 0 with *out
 * set, CX_ENOTFOUND, CX_EPARSE (a malformed shard), CX_EINVAL (a hash
 * function other than murmur3-x64-64), or get's error. */
int cx_ipfs_hamt_find(cx_block_get_fn get, void *garg, const uint8_t *block, size_t len,
                      const char *name, size_t name_len, cx_cid *out);
/* Call fn for every entry of the HAMT, in trie (hash) order; CX_ELIMIT
 * after max_shards sub-shards loaded (0: CX_IPFS_HAMT_MAX_SHARDS). */
int cx_ipfs_hamt_list(cx_block_get_fn get, void *garg, const uint8_t *block, size_t len,
                      size_t max_shards, cx_ipfs_entry_fn fn, void *arg);

/* ---- exporter --------------------------------------------------------------- */

#define CX_IPFS_MAX_DEPTH 64 /* DAG depth accepted when reading */

typedef int (*cx_write_fn)(void *arg, const void *data, size_t len);

/* Follow path ("a/b.txt", may be NULL or empty) from root through UnixFS
 * directories, flat or HAMT-sharded. *out is the target. roots (may be NULL, cap nroots) collects
 * the CIDs of every node on the way, root first; *nfound their count.
 * CX_ENOTFOUND (no such name or block), CX_EPARSE (not a directory). */
int cx_ipfs_resolve(cx_blockstore *bs, const cx_cid *root, const char *path, cx_cid *out,
                    cx_cid *roots, size_t nroots, size_t *nfound);

typedef struct cx_ipfs_stat {
    int type;      /* CX_UNIXFS_* ; CX_UNIXFS_RAW for a raw block */
    uint64_t size; /* file size in bytes (files and raw) */
} cx_ipfs_stat;
int cx_ipfs_stat_node(cx_blockstore *bs, const cx_cid *cid, cx_ipfs_stat *st);

/* List a directory, flat or HAMT-sharded (every shard verified): fn per
 * entry, in link order for flat directories, trie order for HAMTs.
 * CX_EINVAL when cid is not a directory. */
int cx_ipfs_ls(cx_blockstore *bs, const cx_cid *dir, cx_ipfs_entry_fn fn, void *arg);

/* Stream bytes [offset, offset+length) of the file at cid to fn (length
 * UINT64_MAX: to the end). Every block read is verified; CX_EIO on damage,
 * CX_ENOTFOUND for a missing block, CX_EPARSE for a malformed one, CX_EINVAL
 * when cid is not a file. */
int cx_ipfs_cat(cx_blockstore *bs, const cx_cid *cid, uint64_t offset, uint64_t length,
                cx_write_fn fn, void *arg);

/* ---- CAR export ---------------------------------------------------------------------- */

#define CX_IPFS_CAR_MAX_BLOCKS (1u << 22) /* distinct blocks in one export */

/* Write a CARv1 of root[/path] to fn: header with root, the blocks walked
 * to resolve path (directories and the HAMT shards a lookup loads), then
 * the target's whole DAG depth-first, links in order, each block once
 * (IPIP-412 order=dfs, dups=n). Every block verified. max_blocks 0:
 * CX_IPFS_CAR_MAX_BLOCKS (CX_ELIMIT beyond). Once bytes are written an
 * error can only end the stream early. bs, root and fn are required
 * (CX_EINVAL, nothing written); path NULL means root itself; arg is passed
 * to fn untouched. */
int cx_ipfs_car_export(cx_blockstore *bs, const cx_cid *root, const char *path, size_t max_blocks,
                       cx_write_fn fn, void *arg);

/* ---- HTTP: path gateway and Kubo RPC subset ------------------------------------ */

typedef struct cx_ipfs_gateway cx_ipfs_gateway;
struct cx_router;
/* Register on r: GET/HEAD /ipfs/{cid}[/path] (the path gateway) and, when rpc,
 * POST /api/v0/{add,cat,block/get,block/put,pin/add,pin/ls,pin/rm,id,version}.
 * bs must outlive the router. *out is freed with cx_ipfs_gateway_free after
 * the server stops. Uploads stream through a fixed window (constant memory);
 * max_upload (0: none) refuses request bodies larger than that with 413 —
 * set the server's limits.max_body at least as high. */
int cx_ipfs_gateway_new(cx_ipfs_gateway **out, cx_blockstore *bs, struct cx_router *r, bool rpc,
                        size_t max_upload);
void cx_ipfs_gateway_free(cx_ipfs_gateway *g);

/* ---- client: any Kubo RPC endpoint over cx_fetch -------------------------------------
 *
 * cx_ipfs_client_* talk to a Kubo node's RPC API (http://host:5001, or a
 * Cortex `ipfs serve`) through a cx_fetch_client, so every call must run in
 * a coroutine on that client's loop: it waits there, the loop goes on.
 * Kubo's failures ({"Message": ..., "Code": ...} with a non-2xx status) are
 * returned as CX_EINVAL (400), CX_ENOTFOUND (404 or a "not found" message),
 * CX_ELIMIT (413 or an answer over a limit) or CX_EIO, transport failures
 * as cx_fetch's codes; in every case cx_ipfs_client_error() has the words.
 * Answers are checked: a block must hash to its CID, a stored block's CID
 * must be the one computed locally (CX_EIO otherwise). One client may be
 * used by several coroutines of its loop; the error text is the last one. */

typedef struct cx_ipfs_client cx_ipfs_client;
struct cx_fetch_client;

#define CX_IPFS_CLIENT_MESSAGE_MAX 256

typedef struct cx_ipfs_client_limits {
    size_t max_cat;      /* bytes cx_ipfs_client_cat buffers, 64 MiB (streams: no limit) */
    size_t max_block;    /* bytes of a block got or put, 2 MiB (Kubo's own limit) */
    size_t max_json;     /* bytes of a JSON answer (add, pin/ls, ...), 16 MiB */
    uint32_t timeout_ms; /* per call, 120 s; uploads from files and streams: none */
} cx_ipfs_client_limits;
void cx_ipfs_client_limits_default(cx_ipfs_client_limits *l);

/* A client for base_url ("http://127.0.0.1:5001"; "/api/v0" is appended).
 * fetch is borrowed and must outlive the client; lim NULL for the
 * defaults (copied). CX_EINVAL for a URL that is not http(s). */
int cx_ipfs_client_new(cx_ipfs_client **out, struct cx_fetch_client *fetch, const char *base_url,
                       const cx_ipfs_client_limits *lim);
void cx_ipfs_client_free(cx_ipfs_client *c);
/* The last failure's message (Kubo's "Message" when it sent one); valid
 * until the next call. */
const char *cx_ipfs_client_error(const cx_ipfs_client *c);

/* `ipfs add` of bytes (copied into the request) or of a regular file
 * (streamed from disk). o (NULL: defaults) gives cid_version, raw_leaves,
 * chunk_size and pin; the other fields are the node's business. *root is
 * the CID the node answered. */
int cx_ipfs_client_add(cx_ipfs_client *c, const void *data, size_t len, const cx_import_options *o,
                       cx_cid *root);
int cx_ipfs_client_add_file(cx_ipfs_client *c, const char *path, const cx_import_options *o,
                            cx_cid *root);
/* `ipfs cat` of path ("CID" or "CID/a/b"), bytes [offset, offset+length)
 * (length UINT64_MAX: to the end), into out (replaced); CX_ELIMIT past
 * max_cat. The streamed form hands the bytes to fn as they arrive (in the
 * coroutine, so fn may wait); fn's non-zero return stops and is returned. */
int cx_ipfs_client_cat(cx_ipfs_client *c, const char *path, uint64_t offset, uint64_t length,
                       cx_buf *out);
int cx_ipfs_client_cat_stream(cx_ipfs_client *c, const char *path, uint64_t offset, uint64_t length,
                              cx_write_fn fn, void *arg);
/* The block named cid, verified against it (CX_EIO when it does not hash
 * to cid), into out (replaced). */
int cx_ipfs_client_block_get(cx_ipfs_client *c, const cx_cid *cid, cx_buf *out);
/* Store a block: codec CX_CODEC_RAW (cid_version 1) or CX_CODEC_DAG_PB (0
 * or 1), sha2-256. *out is the CID (checked against the local hash). */
int cx_ipfs_client_block_put(cx_ipfs_client *c, const void *data, size_t len, int cid_version,
                             uint64_t codec, cx_cid *out);
int cx_ipfs_client_pin_add(cx_ipfs_client *c, const cx_cid *cid, bool recursive);
int cx_ipfs_client_pin_rm(cx_ipfs_client *c, const cx_cid *cid);
/* fn for every direct and recursive pin (indirect ones are skipped); its
 * non-zero return stops and is returned. */
int cx_ipfs_client_pin_ls(cx_ipfs_client *c,
                          int (*fn)(void *arg, const cx_cid *cid, cx_pin_type type), void *arg);
/* The node's peer ID / version string, NUL-terminated in out (CX_ERANGE
 * when cap is too small). */
int cx_ipfs_client_id(cx_ipfs_client *c, char *peer_id, size_t cap);
int cx_ipfs_client_version(cx_ipfs_client *c, char *version, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
