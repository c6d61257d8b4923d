/* cortex ipfs — add, cat, pins, gc and the gateway (src/ipfs).
 *
 *   cortex ipfs add [--cid-version 0|1] [--raw-leaves[=true|false]]
 *                   [--chunker size-N] [--only-hash] [--pin=false] FILE|DIR|-
 *   cortex ipfs cat CID[/path]
 *   cortex ipfs pin add|rm|ls [CID]      cortex ipfs gc
 *   cortex ipfs cid CID                  (its parts and both versions)
 *   cortex ipfs serve [--host H] [--port N] [--threads N] [--no-api]
 * Every command takes --repo DIR; the default is $CORTEX_IPFS_REPO, else
 * $HOME/.cortex/ipfs. `add` prints only the root CID, like `ipfs add -Q`. */
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/ipfs.h>
#include <cortex/router.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

#define REPO_CAP           4096
#define DEFAULT_MAX_UPLOAD (1u << 30) /* bytes per request body; uploads stream */

static void usage(FILE *out) {
    fprintf(out,
            "usage: cortex ipfs <command> [options]\n"
            "  add [--cid-version 0|1] [--raw-leaves[=true|false]] [--chunker size-N]\n"
            "      [--only-hash] [--pin=true|false] FILE|DIR|-   print the root CID\n"
            "  cat CID[/path]                 write a file's bytes to stdout\n"
            "  pin add|rm CID [--direct]      pin ls\n"
            "  gc                             delete unpinned blocks\n"
            "  cid CID                        show a CID's parts and both forms\n"
            "  serve [--host ADDR] [--port N] [--threads N] [--no-api] [--max-upload BYTES]\n"
            "                                 path gateway (/ipfs/...) and Kubo RPC (/api/v0)\n"
            "  every command: --repo DIR (default $CORTEX_IPFS_REPO or ~/.cortex/ipfs)\n");
}

static const char *default_repo(char *buf, size_t cap) {
    const char *env = getenv("CORTEX_IPFS_REPO");
    if (env && *env) return env;
    const char *home = getenv("HOME");
    snprintf(buf, cap, "%s/.cortex/ipfs", home && *home ? home : ".");
    return buf;
}

static int open_repo(const char *repo, cx_blockstore **bs) {
    cx_blockstore_options o;
    cx_blockstore_options_default(&o);
    o.path = repo;
    int rc = cx_blockstore_open(bs, &o);
    if (rc) fprintf(stderr, "cortex ipfs: repo %s: %s\n", repo, cx_strerror(rc));
    return rc;
}

static int parse_bool(const char *v, int *out) {
    if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

/* Split "CID/rest" and parse the CID; an optional "/ipfs/" prefix is ok. */
static int parse_cid_path(const char *arg, cx_cid *cid, const char **rest) {
    if (!strncmp(arg, "/ipfs/", 6)) arg += 6;
    const char *slash = strchr(arg, '/');
    size_t len = slash ? (size_t)(slash - arg) : strlen(arg);
    const char *why = "malformed";
    int rc = cx_cid_parse(cid, arg, len, &why);
    if (rc) fprintf(stderr, "cortex ipfs: invalid CID %.*s: %s\n", (int)len, arg, why);
    *rest = slash ? slash + 1 : "";
    return rc;
}

enum {
    OPT_REPO = 1000,
    OPT_CIDV,
    OPT_RAW,
    OPT_CHUNK,
    OPT_PIN,
    OPT_ONLY,
    OPT_HOST,
    OPT_PORT,
    OPT_THREADS,
    OPT_NOAPI,
    OPT_DIRECT,
    OPT_UPLOAD
};

struct args {
    char repo_buf[REPO_CAP];
    const char *repo;
    cx_import_options imp;
    bool only_hash, direct, no_api;
    const char *host;
    unsigned port, threads;
    size_t max_upload;
};

static int parse_opts(struct args *a, int argc, char **argv) {
    static const struct option opts[] = {
        {"repo", required_argument, 0, OPT_REPO},
        {"cid-version", required_argument, 0, OPT_CIDV},
        {"raw-leaves", optional_argument, 0, OPT_RAW},
        {"chunker", required_argument, 0, OPT_CHUNK},
        {"pin", optional_argument, 0, OPT_PIN},
        {"only-hash", no_argument, 0, OPT_ONLY},
        {"host", required_argument, 0, OPT_HOST},
        {"port", required_argument, 0, OPT_PORT},
        {"threads", required_argument, 0, OPT_THREADS},
        {"no-api", no_argument, 0, OPT_NOAPI},
        {"direct", no_argument, 0, OPT_DIRECT},
        {"max-upload", required_argument, 0, OPT_UPLOAD},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    a->repo = default_repo(a->repo_buf, sizeof a->repo_buf);
    cx_import_options_default(&a->imp);
    a->host = "127.0.0.1";
    a->port = 8080;
    a->max_upload = DEFAULT_MAX_UPLOAD;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "nQqh", opts, NULL)) != -1) {
        char *end;
        unsigned long v;
        int b;
        switch (c) {
        case OPT_REPO:
            a->repo = optarg;
            break;
        case OPT_CIDV:
            if (strcmp(optarg, "0") && strcmp(optarg, "1")) {
                fprintf(stderr, "cortex ipfs: --cid-version must be 0 or 1\n");
                return 2;
            }
            a->imp.cid_version = optarg[0] - '0';
            break;
        case OPT_RAW:
            if (parse_bool(optarg, &b)) {
                fprintf(stderr, "cortex ipfs: --raw-leaves takes true or false\n");
                return 2;
            }
            a->imp.raw_leaves = b;
            break;
        case OPT_PIN:
            if (parse_bool(optarg, &b)) {
                fprintf(stderr, "cortex ipfs: --pin takes true or false\n");
                return 2;
            }
            a->imp.pin = b;
            break;
        case OPT_CHUNK:
            v = strncmp(optarg, "size-", 5) ? 0 : strtoul(optarg + 5, &end, 10);
            if (v < 1 || *end || v > CX_IPFS_MAX_CHUNK) {
                fprintf(stderr, "cortex ipfs: --chunker must be size-N with 1 <= N <= %u\n",
                        CX_IPFS_MAX_CHUNK);
                return 2;
            }
            a->imp.chunk_size = v;
            break;
        case 'n':
        case OPT_ONLY:
            a->only_hash = true;
            break;
        case 'Q':
        case 'q':
            break; /* quiet is the only mode */
        case OPT_HOST:
            a->host = optarg;
            break;
        case OPT_PORT:
        case OPT_THREADS:
        case OPT_UPLOAD:
            v = strtoul(optarg, &end, 10);
            if (*end || end == optarg || (c == OPT_PORT && v > 65535)) {
                fprintf(stderr, "cortex ipfs: bad number %s\n", optarg);
                return 2;
            }
            if (c == OPT_PORT)
                a->port = (unsigned)v;
            else if (c == OPT_THREADS)
                a->threads = (unsigned)v;
            else
                a->max_upload = v;
            break;
        case OPT_NOAPI:
            a->no_api = true;
            break;
        case OPT_DIRECT:
            a->direct = true;
            break;
        case 'h':
            usage(stdout);
            return 3;
        default:
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

static int cmd_add(struct args *a, int argc, char **argv) {
    if (argc - optind != 1) {
        fprintf(stderr, "cortex ipfs add: exactly one FILE, DIR or - expected\n");
        return 2;
    }
    const char *path = argv[optind];
    cx_blockstore *bs = NULL;
    if (!a->only_hash && open_repo(a->repo, &bs)) return 1;
    cx_cid root;
    uint64_t size;
    int rc;
    if (!strcmp(path, "-")) {
        rc = cx_ipfs_add_fd(bs, 0, &a->imp, &root, &size);
        if (!rc && bs && a->imp.pin) rc = cx_blockstore_pin(bs, &root, CX_PIN_RECURSIVE);
    } else {
        rc = cx_ipfs_add_path(bs, path, &a->imp, &root, &size);
    }
    cx_blockstore_close(bs);
    if (rc) {
        fprintf(stderr, "cortex ipfs add: %s: %s\n", path, cx_strerror(rc));
        return 1;
    }
    char text[CX_CID_MAX_TEXT];
    cx_cid_format(&root, 0, text, sizeof text);
    printf("%s\n", text);
    return 0;
}

static int write_stdout(void *arg, const void *p, size_t n) {
    (void)arg;
    return fwrite(p, 1, n, stdout) == n ? 0 : CX_EIO;
}

static int cmd_cat(struct args *a, int argc, char **argv) {
    if (argc - optind != 1) {
        fprintf(stderr, "cortex ipfs cat: one CID expected\n");
        return 2;
    }
    cx_cid cid, target;
    const char *rest;
    if (parse_cid_path(argv[optind], &cid, &rest)) return 2;
    cx_blockstore *bs;
    if (open_repo(a->repo, &bs)) return 1;
    int rc = cx_ipfs_resolve(bs, &cid, rest, &target, NULL, 0, NULL);
    if (!rc) rc = cx_ipfs_cat(bs, &target, 0, UINT64_MAX, write_stdout, NULL);
    if (!rc && fflush(stdout)) rc = CX_EIO;
    cx_blockstore_close(bs);
    if (rc) {
        fprintf(stderr, "cortex ipfs cat: %s: %s\n", argv[optind],
                rc == CX_EINVAL ? "not a file" : cx_strerror(rc));
        return 1;
    }
    return 0;
}

static int print_pin(void *arg, const cx_cid *cid, cx_pin_type type) {
    (void)arg;
    char text[CX_CID_MAX_TEXT];
    cx_cid_format(cid, 0, text, sizeof text);
    printf("%s %s\n", text, type == CX_PIN_RECURSIVE ? "recursive" : "direct");
    return 0;
}

static int cmd_pin(struct args *a, int argc, char **argv) {
    if (argc - optind < 1) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[optind];
    cx_blockstore *bs;
    if (strcmp(sub, "ls") && argc - optind != 2) {
        fprintf(stderr, "cortex ipfs pin %s: one CID expected\n", sub);
        return 2;
    }
    cx_cid cid;
    const char *rest;
    if (strcmp(sub, "ls") && parse_cid_path(argv[optind + 1], &cid, &rest)) return 2;
    if (open_repo(a->repo, &bs)) return 1;
    cx_pin_type t = a->direct ? CX_PIN_DIRECT : CX_PIN_RECURSIVE;
    int rc;
    if (!strcmp(sub, "ls"))
        rc = cx_blockstore_pins(bs, print_pin, NULL);
    else if (!strcmp(sub, "add"))
        rc = cx_blockstore_pin(bs, &cid, t);
    else if (!strcmp(sub, "rm"))
        rc = cx_blockstore_unpin(bs, &cid, t);
    else {
        cx_blockstore_close(bs);
        usage(stderr);
        return 2;
    }
    cx_blockstore_close(bs);
    if (rc) {
        fprintf(stderr, "cortex ipfs pin %s: %s\n", sub, cx_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_gc(struct args *a) {
    cx_blockstore *bs;
    if (open_repo(a->repo, &bs)) return 1;
    size_t removed = 0;
    int rc = cx_blockstore_gc(bs, &removed);
    cx_blockstore_close(bs);
    if (rc) {
        fprintf(stderr, "cortex ipfs gc: %s\n", cx_strerror(rc));
        return 1;
    }
    printf("removed %zu blocks\n", removed);
    return 0;
}

static int cmd_cid(int argc, char **argv) {
    if (argc - optind != 1) return 2;
    cx_cid cid, v1;
    const char *why = "malformed";
    const char *s = argv[optind];
    if (cx_cid_parse(&cid, s, strlen(s), &why)) {
        fprintf(stderr, "cortex ipfs cid: %s\n", why);
        return 1;
    }
    char text[CX_CID_MAX_TEXT];
    cx_cid_to_v1(&cid, &v1);
    printf("version %d\ncodec 0x%" PRIx64 "\nmultihash 0x%" PRIx64 " (%u bytes)\n", cid.version,
           cid.codec, cid.mh_code, cid.digest_len);
    if (cid.version == 0 && cx_cid_format(&cid, 0, text, sizeof text) > 0) printf("v0 %s\n", text);
    if (cx_cid_format(&v1, 'b', text, sizeof text) > 0) printf("v1 %s\n", text);
    if (cx_cid_format(&v1, 'k', text, sizeof text) > 0) printf("base36 %s\n", text);
    return 0;
}

static int cmd_serve(struct args *a) {
    cx_blockstore *bs;
    if (open_repo(a->repo, &bs)) return 1;
    cx_router *r = NULL;
    cx_ipfs_gateway *gw = NULL;
    cx_server *srv = NULL;
    int rc = cx_router_new(&r);
    if (!rc) rc = cx_ipfs_gateway_new(&gw, bs, r, !a->no_api, a->max_upload);
    cx_server_options so;
    cx_server_options_default(&so);
    so.host = a->host;
    so.port = (uint16_t)a->port;
    so.threads = a->threads;
    so.handler = cx_router_handle;
    so.handler_data = r;
    so.limits.max_body = a->max_upload;
    if (!rc) rc = cx_server_new(&srv, &so);
    if (!rc) {
        fprintf(stderr, "cortex ipfs: gateway on http://%s:%u/ipfs/ repo %s\n", a->host,
                cx_server_port(srv), a->repo);
        rc = cx_server_run(srv);
    }
    if (rc) fprintf(stderr, "cortex ipfs serve: %s\n", cx_strerror(rc));
    cx_server_free(srv);
    cx_ipfs_gateway_free(gw);
    cx_router_free(r);
    cx_blockstore_close(bs);
    return rc ? 1 : 0;
}

int cx_cli_ipfs(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    struct args a;
    memset(&a, 0, sizeof a);
    int rc = parse_opts(&a, argc - 1, argv + 1);
    if (rc) return rc == 3 ? 0 : rc;
    argc -= 1;
    argv += 1;
    if (!strcmp(cmd, "add")) return cmd_add(&a, argc, argv);
    if (!strcmp(cmd, "cat")) return cmd_cat(&a, argc, argv);
    if (!strcmp(cmd, "pin")) return cmd_pin(&a, argc, argv);
    if (!strcmp(cmd, "gc")) return cmd_gc(&a);
    if (!strcmp(cmd, "cid")) return cmd_cid(argc, argv);
    if (!strcmp(cmd, "serve")) return cmd_serve(&a);
    fprintf(stderr, "cortex ipfs: unknown command %s\n", cmd);
    usage(stderr);
    return 2;
}
