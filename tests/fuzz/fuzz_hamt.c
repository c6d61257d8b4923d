/* Fuzz the HAMT reader and writer.
 *
 * Input byte 0 picks the mode:
 *   - even: the rest is up to four blocks separated by "\xff\xfe\xfd"; the
 *     first is a root shard, the others are what sub-shard links may name
 *     (found by their dag-pb CID, v0 or v1). Lookups of a few names and a
 *     full listing must end in 0 or one of the reader's error codes, never
 *     a crash, whatever the bytes (self-references included: the trie depth
 *     is bounded by the hash width).
 *   - odd: the rest is a list of names separated by '/'; they are written
 *     as a HAMT (distinct names) and read back: every name must be found
 *     with its CID and the listing must yield each exactly once.
 */
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

#define MAX_BLOCKS 64

struct store {
    cx_cid cids[MAX_BLOCKS * 2];
    const uint8_t *data[MAX_BLOCKS * 2];
    size_t len[MAX_BLOCKS * 2];
    cx_buf owned[MAX_BLOCKS];
    size_t n, nowned;
};

static int get(void *arg, const cx_cid *cid, cx_buf *out) {
    struct store *s = arg;
    for (size_t i = 0; i < s->n; i++)
        if (cx_cid_equal(&s->cids[i], cid)) {
            cx_buf_reset(out);
            return cx_buf_append(out, s->data[i], s->len[i]);
        }
    return CX_ENOTFOUND;
}

static void add(struct store *s, const uint8_t *p, size_t n) {
    for (int v = 0; v <= 1 && s->n < MAX_BLOCKS * 2; v++) {
        if (cx_cid_of(&s->cids[s->n], v, CX_CODEC_DAG_PB, CX_MH_SHA2_256, p, n) == 0) {
            s->data[s->n] = p;
            s->len[s->n] = n;
            s->n++;
        }
    }
}

static int sink(void *arg, const cx_cid *cid, const uint8_t *data, size_t len) {
    struct store *s = arg;
    if (s->nowned == MAX_BLOCKS || s->n == MAX_BLOCKS * 2) return CX_ELIMIT;
    cx_buf *b = &s->owned[s->nowned++];
    *b = (cx_buf)CX_BUF_INIT;
    if (cx_buf_append(b, data, len)) return CX_ENOMEM;
    s->cids[s->n] = *cid;
    s->data[s->n] = (const uint8_t *)b->data;
    s->len[s->n] = len;
    s->n++;
    return 0;
}

static bool reader_code(int rc) {
    return rc == 0 || rc == CX_ENOTFOUND || rc == CX_EPARSE || rc == CX_EINVAL || rc == CX_ENOMEM ||
           rc == CX_ELIMIT;
}

static int count(void *arg, const char *name, size_t len, const cx_cid *cid, uint64_t tsize) {
    (void)name;
    (void)len;
    (void)cid;
    (void)tsize;
    ++*(size_t *)arg;
    return 0;
}

static void fuzz_reader(const uint8_t *p, size_t n) {
    static struct store s;
    memset(&s, 0, sizeof s);
    const uint8_t *root = p;
    size_t root_len = n;
    size_t start = 0, nblocks = 0;
    for (size_t i = 0; i <= n && nblocks < 4; i++) {
        bool sep = i + 3 <= n && p[i] == 0xff && p[i + 1] == 0xfe && p[i + 2] == 0xfd;
        if (sep || i == n) {
            if (nblocks == 0) root_len = i - start;
            add(&s, p + start, i - start);
            nblocks++;
            start = i + 3;
            if (sep) i += 2;
        }
    }
    static const char *names[] = {"a", "hello", "name-38", "", "e42"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        cx_cid out;
        int rc = cx_ipfs_hamt_find(get, &s, root, root_len, names[i], strlen(names[i]), &out);
        CHECK(reader_code(rc));
    }
    size_t c = 0;
    CHECK(reader_code(cx_ipfs_hamt_list(get, &s, root, root_len, 256, count, &c)));
}

struct seen {
    const char **names;
    size_t n;
    unsigned char *hits;
};

static int mark(void *arg, const char *name, size_t len, const cx_cid *cid, uint64_t tsize) {
    (void)cid;
    (void)tsize;
    struct seen *s = arg;
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->names[i]) == len && memcmp(s->names[i], name, len) == 0) {
            s->hits[i]++;
            return 0;
        }
    abort(); /* listed a name that was never written */
}

static void fuzz_round_trip(const uint8_t *p, size_t n) {
    static char text[4096];
    static const char *names[256];
    static cx_ipfs_dirent ents[256];
    static unsigned char hits[256];
    if (n >= sizeof text) n = sizeof text - 1;
    memcpy(text, p, n);
    text[n] = 0;
    size_t k = 0;
    for (char *tok = strtok(text, "/"); tok && k < 256; tok = strtok(NULL, "/")) {
        bool dup = false;
        for (size_t i = 0; i < k && !dup; i++) dup = strcmp(names[i], tok) == 0;
        if (!dup) names[k++] = tok;
    }
    cx_cid leaf;
    CHECK(cx_cid_of(&leaf, 1, CX_CODEC_RAW, CX_MH_SHA2_256, "x", 1) == 0);
    for (size_t i = 0; i < k; i++) ents[i] = (cx_ipfs_dirent){names[i], leaf, 1};
    static struct store s;
    memset(&s, 0, sizeof s);
    cx_cid root;
    int rc = cx_ipfs_make_hamt(NULL, (int)(n & 1), ents, k, sink, &s, &root, NULL);
    if (rc == 0) {
        cx_buf b = CX_BUF_INIT;
        CHECK(get(&s, &root, &b) == 0);
        for (size_t i = 0; i < k; i++) {
            cx_cid out;
            CHECK(cx_ipfs_hamt_find(get, &s, (const uint8_t *)b.data, b.len, names[i],
                                    strlen(names[i]), &out) == 0);
            CHECK(cx_cid_equal(&out, &leaf));
        }
        memset(hits, 0, sizeof hits);
        struct seen sn = {names, k, hits};
        CHECK(cx_ipfs_hamt_list(get, &s, (const uint8_t *)b.data, b.len, 256, mark, &sn) == 0);
        for (size_t i = 0; i < k; i++) CHECK(hits[i] == 1);
        cx_buf_free(&b);
    } else {
        CHECK(rc == CX_ELIMIT); /* more shard blocks than this store keeps */
    }
    for (size_t i = 0; i < s.nowned; i++) cx_buf_free(&s.owned[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (data[0] & 1)
        fuzz_round_trip(data + 1, size - 1);
    else
        fuzz_reader(data + 1, size - 1);
    return 0;
}
