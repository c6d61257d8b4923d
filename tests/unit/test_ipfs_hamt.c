/* HAMT-sharded directories: murmur3-x64-64 vectors (h1 of MurmurHash3
 * x64_128; the same numbers @multiformats/murmur3 gives, whose first eight
 * output bytes are h1 in big-endian order), the shard writer's
 * shape, lookups and listings through the blockstore, and the reader's refusals of malformed
 * shards. Root CIDs against ipfs-unixfs-importer are checked in integration.test_ipfs_hamt. */
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

TEST(murmur3_x64_64_vectors) {
    static const struct {
        const char *in;
        uint64_t h;
    } v[] = {
        {"", 0x0000000000000000ull},
        {"a", 0x85555565f6597889ull},
        {"hello", 0xcbd8a7b341bd9b02ull},
        {"hello world", 0x533f6046eb7f610eull},
        {"The quick brown fox jumps over the lazy dog", 0xe34bbc7bbc071b6cull},
        {"0123456789abcdef", 0x4be06d94cf4ad1a7ull},  /* exactly one block */
        {"0123456789abcdef0", 0xeb24ae8785a5c075ull}, /* one block and a 1-byte tail */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK(cx_ipfs_murmur3_64(v[i].in, strlen(v[i].in)) == v[i].h);
}

/* An in-memory block store for the callback API. */
struct mem {
    cx_cid cids[4096];
    cx_buf blocks[4096];
    size_t n;
};

static int mem_sink(void *arg, const cx_cid *cid, const uint8_t *data, size_t len) {
    struct mem *m = arg;
    if (m->n == 4096) return CX_ELIMIT;
    m->cids[m->n] = *cid;
    m->blocks[m->n] = (cx_buf)CX_BUF_INIT;
    cx_buf_append(&m->blocks[m->n], data, len);
    m->n++;
    return 0;
}

static int mem_get(void *arg, const cx_cid *cid, cx_buf *out) {
    struct mem *m = arg;
    for (size_t i = 0; i < m->n; i++)
        if (cx_cid_equal(&m->cids[i], cid)) {
            cx_buf_reset(out);
            return cx_buf_append(out, m->blocks[i].data, m->blocks[i].len);
        }
    return CX_ENOTFOUND;
}

static void mem_free(struct mem *m) {
    for (size_t i = 0; i < m->n; i++) cx_buf_free(&m->blocks[i]);
    m->n = 0;
}

static const cx_buf *mem_block(struct mem *m, const cx_cid *cid) {
    for (size_t i = 0; i < m->n; i++)
        if (cx_cid_equal(&m->cids[i], cid)) return &m->blocks[i];
    return NULL;
}

struct count {
    size_t n;
    char seen[3000];
};

static int count_entry(void *arg, const char *name, size_t len, const cx_cid *cid, uint64_t ts) {
    (void)cid;
    (void)ts;
    struct count *c = arg;
    int i;
    if (len < 2 || sscanf(name, "f%d", &i) != 1 || i < 0 || i >= 3000) return CX_EPARSE;
    c->seen[i]++;
    c->n++;
    return 0;
}

#define N 3000

TEST(build_find_list) {
    static char names[N][16];
    static cx_ipfs_dirent ents[N];
    cx_cid file;
    CHECK_EQ(cx_cid_of(&file, 1, CX_CODEC_RAW, CX_MH_SHA2_256, "x", 1), 0);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        ents[i].name = names[i];
        ents[i].cid = file;
        ents[i].tsize = 1;
    }
    static struct mem m;
    cx_cid root;
    uint64_t tsize = 0;
    CHECK_EQ(cx_ipfs_make_hamt(NULL, 1, ents, N, mem_sink, &m, &root, &tsize), 0);
    /* 3000 names over 256 slots: the root is full and has sub-shards. */
    CHECK(m.n > 1);
    const cx_buf *rb = mem_block(&m, &root);
    CHECK(rb != NULL);
    if (!rb) return;
    cx_dagpb_node pb;
    CHECK_EQ(cx_dagpb_decode(&pb, (const uint8_t *)rb->data, rb->len, NULL, NULL), 0);
    CHECK_EQ(pb.nlinks, 256);
    cx_unixfs fs;
    CHECK_EQ(cx_unixfs_decode(&fs, pb.data, pb.data_len, NULL), 0);
    CHECK_EQ(fs.type, CX_UNIXFS_HAMT);
    CHECK(fs.has_fanout && fs.fanout == 256 && fs.hash_type == 0x22);
    CHECK_EQ(fs.data_len, 32);
    /* Every name is found, others are not. */
    for (int i = 0; i < N; i += 37) {
        cx_cid got;
        CHECK_EQ(cx_ipfs_hamt_find(mem_get, &m, (const uint8_t *)rb->data, rb->len, names[i],
                                   strlen(names[i]), &got),
                 0);
        CHECK(cx_cid_equal(&got, &file));
    }
    cx_cid got;
    CHECK_EQ(cx_ipfs_hamt_find(mem_get, &m, (const uint8_t *)rb->data, rb->len, "nope", 4, &got),
             CX_ENOTFOUND);
    CHECK_EQ(cx_ipfs_hamt_find(mem_get, &m, (const uint8_t *)rb->data, rb->len, "f1x", 3, &got),
             CX_ENOTFOUND);
    static struct count c;
    memset(&c, 0, sizeof c);
    CHECK_EQ(cx_ipfs_hamt_list(mem_get, &m, (const uint8_t *)rb->data, rb->len, 0, count_entry, &c),
             0);
    CHECK_EQ(c.n, N);
    for (int i = 0; i < N; i++) CHECK_EQ(c.seen[i], 1);
    /* The listing's budget of sub-shards. */
    memset(&c, 0, sizeof c);
    CHECK_EQ(
        cx_ipfs_hamt_list(mem_get, &m, (const uint8_t *)rb->data, rb->len, 10, count_entry, &c),
        CX_ELIMIT);
    /* The order of the entries does not change the trie. */
    for (int i = 0; i < N / 2; i++) {
        cx_ipfs_dirent t = ents[i];
        ents[i] = ents[N - 1 - i];
        ents[N - 1 - i] = t;
    }
    cx_cid again;
    CHECK_EQ(cx_ipfs_make_hamt(NULL, 1, ents, N, NULL, NULL, &again, NULL), 0);
    CHECK(cx_cid_equal(&again, &root));
    /* A missing sub-shard is reported as such. */
    mem_free(&m);
    CHECK_EQ(cx_ipfs_make_hamt(NULL, 1, ents, N, mem_sink, &m, &root, NULL), 0);
    size_t keep = m.n;
    for (size_t i = 0; i + 1 < keep; i++) cx_buf_reset(&m.blocks[i]); /* root is last */
    rb = mem_block(&m, &root);
    memset(&c, 0, sizeof c);
    CHECK(cx_ipfs_hamt_list(mem_get, &m, (const uint8_t *)rb->data, rb->len, 0, count_entry, &c) !=
          0);
    mem_free(&m);
    /* Duplicate names are refused. */
    ents[1].name = ents[0].name;
    CHECK_EQ(cx_ipfs_make_hamt(NULL, 0, ents, 2, NULL, NULL, &root, NULL), CX_EINVAL);
}

static int shard_find(const uint8_t *b, size_t n) {
    cx_cid out;
    return cx_ipfs_hamt_find(mem_get, &(struct mem){0}, b, n, "a", 1, &out);
}

TEST(malformed_shards_refused) {
    cx_cid file;
    cx_cid_of(&file, 0, CX_CODEC_DAG_PB, CX_MH_SHA2_256, "x", 1);
    /* h1("a") is 0x8555...: slot 0x85 at the root. */
    struct {
        const char *name;
        const uint8_t *data;
        size_t len;
        int want;
    } cases[] = {
        /* a good one-entry shard: bitfield bit 0x85, hashType 0x22, fanout 256 */
        {"85a",
         (const uint8_t *)"\x08\x05\x12\x11\x20"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00"
                          "\x28\x22\x30\x80\x02",
         0, 0},
        /* hashType sha2-256: unsupported */
        {"85a",
         (const uint8_t *)"\x08\x05\x12\x11\x20"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00"
                          "\x28\x12\x30\x80\x02",
         0, CX_EINVAL},
        /* fanout 255: not a power of two */
        {"85a",
         (const uint8_t *)"\x08\x05\x12\x11\x20"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00"
                          "\x28\x22\x30\xff\x01",
         0, CX_EPARSE},
        /* bitfield does not mark the slot */
        {"85a",
         (const uint8_t *)"\x08\x05\x12\x11\x10"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00"
                          "\x28\x22\x30\x80\x02",
         0, CX_EPARSE},
        /* a prefix that is not upper-case hex */
        {"x5a",
         (const uint8_t *)"\x08\x05\x12\x11\x20"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00"
                          "\x28\x22\x30\x80\x02",
         0, CX_EPARSE},
        /* not a shard: a plain directory */
        {"85a", (const uint8_t *)"\x08\x01", 2, CX_EPARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t dl = cases[i].len ? cases[i].len : 4 + 17 + 5;
        cx_buf node = CX_BUF_INIT;
        const char *nm = cases[i].name;
        CHECK_EQ(cx_dagpb_put_link(&node, &file, nm, strlen(nm), 1), 0);
        CHECK_EQ(cx_dagpb_put_data(&node, cases[i].data, dl), 0);
        int rc = shard_find((const uint8_t *)node.data, node.len);
        if (rc != cases[i].want) printf("  case %zu: got %d want %d\n", i, rc, cases[i].want);
        CHECK_EQ(rc, cases[i].want);
        cx_buf_free(&node);
    }
}

static char tmpdir[64];

static int count_any(void *arg, const char *name, size_t len, const cx_cid *cid, uint64_t ts) {
    (void)name;
    (void)len;
    (void)cid;
    (void)ts;
    ++*(size_t *)arg;
    return 0;
}

TEST(blockstore_resolve_ls_and_threshold) {
    strcpy(tmpdir, "/tmp/cx-ipfs-hamt-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    cx_blockstore_options bo;
    cx_blockstore_options_default(&bo);
    bo.path = tmpdir;
    cx_blockstore *bs;
    CHECK_EQ(cx_blockstore_open(&bs, &bo), 0);
    cx_import_options o;
    cx_import_options_default(&o);
    CHECK_EQ(o.hamt_threshold, 262144);
    cx_cid hello;
    uint8_t leaf[] = "hello world\n";
    CHECK_EQ(cx_cid_of(&hello, 1, CX_CODEC_RAW, CX_MH_SHA2_256, leaf, 12), 0);
    CHECK_EQ(cx_blockstore_put(bs, &hello, leaf, 12), 0);
    static char names[200][8];
    cx_ipfs_dirent ents[200];
    for (int i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "n%03d", i);
        ents[i] = (cx_ipfs_dirent){names[i], hello, 12};
    }
    /* A small threshold forces the HAMT; 0 never shards. */
    o.hamt_threshold = (size_t)cx_ipfs_dir_estimate(ents, 200) - 1;
    cx_cid dir, flat;
    CHECK_EQ(cx_ipfs_make_directory(bs, &o, ents, 200, NULL, NULL, &dir, NULL), 0);
    o.hamt_threshold = (size_t)cx_ipfs_dir_estimate(ents, 200); /* equal: stays flat */
    CHECK_EQ(cx_ipfs_make_directory(bs, &o, ents, 200, NULL, NULL, &flat, NULL), 0);
    CHECK(!cx_cid_equal(&dir, &flat));
    cx_ipfs_stat st;
    CHECK_EQ(cx_ipfs_stat_node(bs, &dir, &st), 0);
    CHECK_EQ(st.type, CX_UNIXFS_HAMT);
    CHECK_EQ(cx_ipfs_stat_node(bs, &flat, &st), 0);
    CHECK_EQ(st.type, CX_UNIXFS_DIRECTORY);
    cx_cid target, roots[4];
    size_t nr = 0;
    CHECK_EQ(cx_ipfs_resolve(bs, &dir, "n123", &target, roots, 4, &nr), 0);
    CHECK(cx_cid_equal(&target, &hello));
    CHECK_EQ(nr, 2);
    CHECK_EQ(cx_ipfs_resolve(bs, &dir, "n200", &target, NULL, 0, NULL), CX_ENOTFOUND);
    CHECK_EQ(cx_ipfs_resolve(bs, &dir, "n123/x", &target, NULL, 0, NULL), CX_ENOTFOUND);
    size_t count = 0;
    CHECK_EQ(cx_ipfs_ls(bs, &dir, count_any, &count), 0);
    CHECK_EQ(count, 200);
    count = 0;
    CHECK_EQ(cx_ipfs_ls(bs, &flat, count_any, &count), 0);
    CHECK_EQ(count, 200);
    CHECK_EQ(cx_ipfs_ls(bs, &hello, count_any, &count), CX_EINVAL);
    cx_blockstore_close(bs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK_EQ(system(cmd), 0);
}

TEST_MAIN()
