/* IPFS in a few calls: import bytes as Kubo would, read them back verified,
 * pin, collect garbage, and (with "serve") put a gateway in front.
 *
 *   ./example_ipfs            prints the CIDs and the round trip
 *   ./example_ipfs serve      also serves http://127.0.0.1:8081/ipfs/<cid>
 */
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/ipfs.h>
#include <cortex/router.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int to_stdout(void *arg, const void *p, size_t n) {
    (void)arg;
    return fwrite(p, 1, n, stdout) == n ? 0 : CX_EIO;
}

/* Store every block the importer makes. */
static int store(void *arg, const cx_cid *cid, const uint8_t *data, size_t len) {
    return cx_blockstore_put(arg, cid, data, len);
}

int main(int argc, char **argv) {
    char repo[] = "/tmp/cortex-ipfs-example-XXXXXX";
    if (!mkdtemp(repo)) return 1;
    cx_blockstore_options bo;
    cx_blockstore_options_default(&bo);
    bo.path = repo;
    cx_blockstore *bs;
    int rc = cx_blockstore_open(&bs, &bo);
    if (rc) {
        fprintf(stderr, "open: %s\n", cx_strerror(rc));
        return 1;
    }

    /* 1. Import, streaming: any split of the bytes gives the same CID. */
    cx_import_options o;
    cx_import_options_default(&o); /* CIDv0, 256 KiB chunks, 174 links: `ipfs add` */
    cx_importer *im;
    cx_cid root;
    uint64_t dag_size;
    rc = cx_importer_new(&im, &o, store, bs);
    if (!rc) rc = cx_importer_write(im, "hello ", 6);
    if (!rc) rc = cx_importer_write(im, "world\n", 6);
    if (!rc) rc = cx_importer_finish(im, &root, &dag_size);
    cx_importer_free(im);
    if (rc) {
        fprintf(stderr, "import: %s\n", cx_strerror(rc));
        return 1;
    }
    char text[CX_CID_MAX_TEXT], v1text[CX_CID_MAX_TEXT];
    cx_cid v1;
    cx_cid_format(&root, 0, text, sizeof text);
    cx_cid_to_v1(&root, &v1);
    cx_cid_format(&v1, 0, v1text, sizeof v1text);
    printf("root   %s (the CID `ipfs add` prints)\nas v1  %s\nsize   %llu bytes of DAG\n", text,
           v1text, (unsigned long long)dag_size);

    /* 2. Parse a CID from text, with a reason when it is wrong. */
    cx_cid parsed;
    const char *why = NULL;
    if (cx_cid_parse(&parsed, "Qmnot-a-cid", 11, &why)) printf("parse  refused: %s\n", why);

    /* 3. Read back: every block re-hashed on the way. */
    printf("cat    ");
    fflush(stdout);
    rc = cx_ipfs_cat(bs, &root, 0, UINT64_MAX, to_stdout, NULL);
    if (rc) fprintf(stderr, "cat: %s\n", cx_strerror(rc));

    /* 4. Pin, then collect garbage: pinned content stays. */
    cx_blockstore_pin(bs, &root, CX_PIN_RECURSIVE);
    size_t removed = 0;
    cx_blockstore_gc(bs, &removed);
    printf("gc     removed %zu blocks; pinned root still there: %s\n", removed,
           cx_blockstore_has(bs, &root) == 1 ? "yes" : "no");

    if (argc > 1 && !strcmp(argv[1], "serve")) {
        cx_router *r;
        cx_ipfs_gateway *gw;
        cx_server *srv;
        cx_router_new(&r);
        cx_ipfs_gateway_new(&gw, bs, r, true, 64u << 20);
        cx_server_options so;
        cx_server_options_default(&so);
        so.host = "127.0.0.1";
        so.port = 8081;
        so.handler = cx_router_handle;
        so.handler_data = r;
        if (cx_server_new(&srv, &so) == 0) {
            printf("serve  http://127.0.0.1:8081/ipfs/%s (Ctrl-C stops)\n", text);
            cx_server_run(srv);
            cx_server_free(srv);
        }
        cx_ipfs_gateway_free(gw);
        cx_router_free(r);
    }
    cx_blockstore_close(bs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
    return system(cmd) == 0 && rc == 0 ? 0 : 1;
}
