/* example_ipfs_client: talk to a Kubo RPC endpoint (or `cortex ipfs serve`)
 * with cx_ipfs_client over cx_fetch.
 *
 *   example_ipfs_client [URL]            # default http://127.0.0.1:5001
 *   example_ipfs_client URL --selftest [FILE]
 *
 * The demo prints the node's version and peer ID, adds "hello world\n"
 * (QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o), reads it back, stores
 * and fetches a raw block and lists the pins. --selftest goes on with the
 * error paths (an invalid CID, a missing block, a cat over the size limit),
 * pins, and, given FILE, a streamed upload and streamed cat compared byte
 * for byte. It prints "ok <what>" per check and exits non-zero on the
 * first failure. Every call runs in one coroutine on one loop. */
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/ipfs.h>
#include <cortex/loop.h>
#include <cortex/coro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    const char *url, *file;
    bool selftest;
    cx_fetch_client *fetch;
    int failures;
} job;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok ");                                                                         \
        } else {                                                                                   \
            printf("FAIL ");                                                                       \
            j->failures++;                                                                         \
        }                                                                                          \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
    } while (0)

static const char *text(const cx_cid *c) {
    static char buf[CX_CID_MAX_TEXT];
    return cx_cid_format(c, 0, buf, sizeof buf) < 0 ? "(bad)" : buf;
}

static int print_pin(void *arg, const cx_cid *cid, cx_pin_type type) {
    int *n = arg;
    if (*n < 5) printf("   pin %s %s\n", text(cid), type == CX_PIN_DIRECT ? "direct" : "recursive");
    ++*n;
    return 0;
}

struct find {
    cx_cid want;
    cx_pin_type type;
    bool found;
};

static int find_pin(void *arg, const cx_cid *cid, cx_pin_type type) {
    struct find *f = arg;
    if (cx_cid_equal(cid, &f->want) && type == f->type) f->found = true;
    return 0;
}

struct cmp {
    FILE *f;
    size_t n;
    bool same;
};

static int compare(void *arg, const void *p, size_t n) {
    struct cmp *c = arg;
    static char buf[65536]; /* not on the coroutine's (small) stack */
    while (n && c->same) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (fread(buf, 1, k, c->f) != k || memcmp(buf, p, k) != 0) c->same = false;
        p = (const char *)p + k;
        n -= k;
        c->n += k;
    }
    return 0;
}

static void selftest(job *j, cx_ipfs_client *ipfs) {
    cx_buf b = CX_BUF_INIT;
    int rc = cx_ipfs_client_cat(ipfs, "QmNotACid", 0, UINT64_MAX, &b);
    CHECK(rc == CX_EINVAL && strstr(cx_ipfs_client_error(ipfs), "CID"),
          "cat of an invalid CID: %s (%s)", cx_strerror(rc), cx_ipfs_client_error(ipfs));
    cx_cid missing;
    cx_cid_of(&missing, 1, CX_CODEC_RAW, CX_MH_SHA2_256, "never stored", 12);
    rc = cx_ipfs_client_block_get(ipfs, &missing, &b);
    CHECK(rc == CX_ENOTFOUND, "block/get of a missing block: %s (%s)", cx_strerror(rc),
          cx_ipfs_client_error(ipfs));
    rc = cx_ipfs_client_cat(ipfs, text(&missing), 0, UINT64_MAX, &b);
    CHECK(rc == CX_ENOTFOUND, "cat of a missing block: %s (%s)", cx_strerror(rc),
          cx_ipfs_client_error(ipfs));

    /* A small max_cat: 100000 bytes refused, a range of it accepted. */
    static unsigned char big[100000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7 + (i >> 9));
    cx_import_options o;
    cx_import_options_default(&o);
    o.chunk_size = 4096;
    o.cid_version = 1;
    cx_cid root;
    rc = cx_ipfs_client_add(ipfs, big, sizeof big, &o, &root);
    CHECK(rc == 0, "add 100000 bytes, size-4096, v1 -> %s", text(&root));
    cx_ipfs_client_limits lim;
    cx_ipfs_client_limits_default(&lim);
    lim.max_cat = 50000;
    cx_ipfs_client *small;
    cx_ipfs_client_new(&small, j->fetch, j->url, &lim);
    char path[CX_CID_MAX_TEXT];
    snprintf(path, sizeof path, "%s", text(&root));
    rc = cx_ipfs_client_cat(small, path, 0, UINT64_MAX, &b);
    CHECK(rc == CX_ELIMIT, "cat over max_cat: %s (%s)", cx_strerror(rc),
          cx_ipfs_client_error(small));
    rc = cx_ipfs_client_cat(small, path, 4000, 40000, &b);
    CHECK(rc == 0 && b.len == 40000 && memcmp(b.data, big + 4000, 40000) == 0,
          "cat of a range under max_cat (%zu bytes)", b.len);
    cx_ipfs_client_free(small);

    /* Pins. */
    cx_cid blk;
    rc = cx_ipfs_client_block_put(ipfs, "pin me", 6, 1, CX_CODEC_RAW, &blk);
    rc = rc ? rc : cx_ipfs_client_pin_add(ipfs, &blk, false);
    struct find f = {blk, CX_PIN_DIRECT, false};
    if (!rc) rc = cx_ipfs_client_pin_ls(ipfs, find_pin, &f);
    CHECK(rc == 0 && f.found, "pin/add direct, listed by pin/ls");
    rc = cx_ipfs_client_pin_rm(ipfs, &blk);
    f.found = false;
    if (!rc) rc = cx_ipfs_client_pin_ls(ipfs, find_pin, &f);
    CHECK(rc == 0 && !f.found, "pin/rm");
    rc = cx_ipfs_client_pin_rm(ipfs, &blk);
    CHECK(rc != 0, "pin/rm of an unpinned block fails: %s", cx_ipfs_client_error(ipfs));
    rc = cx_ipfs_client_pin_add(ipfs, &missing, true);
    CHECK(rc != 0, "pin/add of a missing DAG fails: %s", cx_ipfs_client_error(ipfs));
    cx_cid v0;
    rc = cx_ipfs_client_block_put(ipfs, "\x0a\x02\x08\x01", 4, 0, CX_CODEC_DAG_PB, &v0);
    CHECK(rc == 0 && !strcmp(text(&v0), "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"),
          "block/put of a dag-pb v0 block (the empty directory) -> %s", text(&v0));

    if (j->file) {
        o.chunk_size = CX_IPFS_DEFAULT_CHUNK;
        o.cid_version = 0;
        rc = cx_ipfs_client_add_file(ipfs, j->file, &o, &root);
        CHECK(rc == 0, "add_file %s -> %s %s", j->file, text(&root),
              rc ? cx_ipfs_client_error(ipfs) : "");
        printf("root %s\n", text(&root));
        struct cmp c = {fopen(j->file, "rb"), 0, true};
        snprintf(path, sizeof path, "%s", text(&root));
        rc = c.f ? cx_ipfs_client_cat_stream(ipfs, path, 0, UINT64_MAX, compare, &c) : -1;
        bool at_end = c.f && fgetc(c.f) == EOF;
        CHECK(rc == 0 && c.same && at_end, "cat_stream gives the file back (%zu bytes)", c.n);
        if (c.f) fclose(c.f);
        rc = cx_ipfs_client_add_file(ipfs, "/nonexistent/file", &o, &root);
        CHECK(rc != 0, "add_file of a missing file: %s", cx_ipfs_client_error(ipfs));
    }
    cx_buf_free(&b);
}

static void run(void *arg) {
    job *j = arg;
    cx_ipfs_client *ipfs;
    int rc = cx_ipfs_client_new(&ipfs, j->fetch, j->url, NULL);
    if (rc) {
        printf("FAIL client: %s\n", cx_strerror(rc));
        j->failures++;
        goto out;
    }
    char s[256];
    rc = cx_ipfs_client_version(ipfs, s, sizeof s);
    CHECK(rc == 0, "version %s", rc ? cx_ipfs_client_error(ipfs) : s);
    if (rc) goto done; /* nobody there */
    rc = cx_ipfs_client_id(ipfs, s, sizeof s);
    CHECK(rc == 0, "id %s", rc ? cx_ipfs_client_error(ipfs) : s);

    cx_cid hello;
    rc = cx_ipfs_client_add(ipfs, "hello world\n", 12, NULL, &hello);
    CHECK(rc == 0 && !strcmp(text(&hello), "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"),
          "add \"hello world\\n\" -> %s", rc ? cx_ipfs_client_error(ipfs) : text(&hello));
    cx_buf b = CX_BUF_INIT;
    rc = cx_ipfs_client_cat(ipfs, text(&hello), 0, UINT64_MAX, &b);
    CHECK(rc == 0 && b.len == 12 && !memcmp(b.data, "hello world\n", 12), "cat -> %zu bytes",
          b.len);
    cx_cid blk;
    rc = cx_ipfs_client_block_put(ipfs, "a raw block", 11, 1, CX_CODEC_RAW, &blk);
    CHECK(rc == 0, "block/put -> %s", rc ? cx_ipfs_client_error(ipfs) : text(&blk));
    rc = cx_ipfs_client_block_get(ipfs, &blk, &b);
    CHECK(rc == 0 && b.len == 11 && !memcmp(b.data, "a raw block", 11), "block/get (verified)");
    int npins = 0;
    rc = cx_ipfs_client_pin_ls(ipfs, print_pin, &npins);
    CHECK(rc == 0, "pin/ls: %d pins", npins);
    cx_buf_free(&b);
    if (j->selftest) selftest(j, ipfs);
done:
    cx_ipfs_client_free(ipfs);
out:
    cx_loop_stop(cx_coro_loop(cx_coro_self()));
}

int main(int argc, char **argv) {
    job j = {.url = "http://127.0.0.1:5001"};
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--selftest"))
            j.selftest = true;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: example_ipfs_client [URL] [--selftest [FILE]]\n");
            return 2;
        } else if (pos++ == 0)
            j.url = argv[i];
        else
            j.file = argv[i];
    }
    cx_loop *loop;
    int rc = cx_loop_new(&loop, NULL);
    if (!rc) rc = cx_fetch_client_new(&j.fetch, loop, NULL);
    if (rc) {
        fprintf(stderr, "start-up failed: %s\n", cx_strerror(rc));
        return 1;
    }
    if (cx_coro_start(loop, run, &j, NULL) == 1) cx_loop_run(loop);
    cx_fetch_client_free(j.fetch);
    cx_loop_free(loop);
    printf("%s\n", j.failures ? "failed" : "done");
    return j.failures ? 1 : 0;
}
