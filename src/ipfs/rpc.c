/* A subset of Kubo's RPC API (/api/v0), enough for kubo-rpc-client's add,
 * cat, block.get/put, pin.add/ls/rm, id and version. Kubo's conventions:
 * every call is a POST, arguments come as ?arg=, answers are JSON (or
 * newline-delimited JSON), and errors are 500 with
 * {"Message": ..., "Code": 0, "Type": "error"}. Uploads are
 * multipart/form-data read whole into memory, bounded by the server's body
 * limit (`cortex ipfs serve --max-upload`). */
#include "gw_int.h"
#include <cortex/json.h>
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGENT "cortex/0.1.0"

static int rpc_error(cx_ctx *ctx, int status, const char *msg) {
    cx_res *res = cx_ctx_res(ctx);
    cx_res_status(res, status);
    cx_json_writer w;
    cx_buf *b = cx_res_body(res);
    cx_buf_reset(b);
    cx_json_writer_init(&w, b, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "Message", 7);
    cx_json_write_string(&w, msg, strlen(msg));
    cx_json_write_key(&w, "Code", 4);
    cx_json_write_int64(&w, 0);
    cx_json_write_key(&w, "Type", 4);
    cx_json_write_string(&w, "error", 5);
    cx_json_write_object_end(&w);
    cx_buf_putc(b, '\n');
    return cx_res_header(res, "Content-Type", "application/json");
}

static int rpc_fail(cx_ctx *ctx, int rc) {
    if (rc == CX_ENOTFOUND) return rpc_error(ctx, 500, "block not found locally");
    if (rc == CX_EPARSE) return rpc_error(ctx, 500, "malformed input");
    if (rc == CX_ELIMIT) return rpc_error(ctx, 413, "upload over the limit");
    return rpc_error(ctx, 500, cx_strerror(rc));
}

static int json_start(cx_ctx *ctx, cx_json_writer *w) {
    cx_res *res = cx_ctx_res(ctx);
    cx_json_writer_init(w, cx_res_body(res), 0);
    return cx_res_header(res, "Content-Type", "application/json");
}

static void put_str(cx_json_writer *w, const char *k, const char *v) {
    cx_json_write_key(w, k, strlen(k));
    cx_json_write_string(w, v, strlen(v));
}

/* ?name=true|false, with a default. */
static bool q_bool(cx_ctx *ctx, const char *name, bool dflt) {
    cx_str v;
    if (cx_req_query(cx_ctx_req(ctx), name, &v)) return dflt;
    return v.len == 0 || cx_str_eq(v, CX_STR("true")) || cx_str_eq(v, CX_STR("1"));
}

/* The ?arg= CID (with optional /ipfs/ prefix and /path). */
static int q_cid(cx_ctx *ctx, cx_cid *cid, const char **rest) {
    cx_str v;
    if (cx_req_query(cx_ctx_req(ctx), "arg", &v) || v.len == 0) {
        rpc_error(ctx, 400, "argument \"arg\" is required");
        return CX_EINVAL;
    }
    if (v.len >= 6 && !memcmp(v.ptr, "/ipfs/", 6)) {
        v.ptr += 6;
        v.len -= 6;
    }
    size_t cl = 0;
    while (cl < v.len && v.ptr[cl] != '/') cl++;
    const char *why = "malformed";
    if (cx_cid_parse(cid, v.ptr, cl, &why)) {
        char msg[160];
        snprintf(msg, sizeof msg, "invalid CID: %s", why);
        rpc_error(ctx, 400, msg);
        return CX_EINVAL;
    }
    if (rest) {
        char *r = cx_arena_alloc(cx_ctx_arena(ctx), v.len - cl + 1);
        if (!r) return CX_ENOMEM;
        memcpy(r, v.ptr + cl, v.len - cl);
        r[v.len - cl] = 0;
        *rest = r;
    }
    return 0;
}

static int rpc_version(cx_ctx *ctx) {
    cx_json_writer w;
    int rc = json_start(ctx, &w);
    cx_json_write_object_begin(&w);
    put_str(&w, "Version", "0.1.0");
    put_str(&w, "Commit", "cortex");
    put_str(&w, "Repo", "1");
    put_str(&w, "System", "linux");
    put_str(&w, "Golang", "none");
    cx_json_write_object_end(&w);
    return rc ? rc : cx_json_writer_error(&w);
}

/* A stable Ed25519-style peer ID derived from the repository path: an
 * identity multihash of a protobuf PublicKey. The node does not speak
 * libp2p and holds no key; the ID exists so that clients that parse it are
 * satisfied. */
static int rpc_id(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    uint8_t key[4 + 32], mh[2 + sizeof key];
    key[0] = 0x08, key[1] = 0x01, key[2] = 0x12, key[3] = 0x20;
    const char *root = cx_ipfs_bs_root(g->bs);
    SHA256((const uint8_t *)root, strlen(root), key + 4);
    mh[0] = 0x00, mh[1] = sizeof key;
    memcpy(mh + 2, key, sizeof key);
    cx_buf id = CX_BUF_INIT;
    int rc = cx_multibase_encode_raw('z', mh, sizeof mh, &id);
    if (!rc) rc = cx_buf_putc(&id, 0);
    cx_json_writer w;
    if (!rc) rc = json_start(ctx, &w);
    if (!rc) {
        cx_json_write_object_begin(&w);
        put_str(&w, "ID", id.data);
        cx_json_write_key(&w, "Addresses", 9);
        cx_json_write_array_begin(&w);
        cx_json_write_array_end(&w);
        put_str(&w, "AgentVersion", AGENT);
        put_str(&w, "ProtocolVersion", "ipfs/0.1.0");
        cx_json_write_key(&w, "Protocols", 9);
        cx_json_write_array_begin(&w);
        cx_json_write_array_end(&w);
        cx_json_write_object_end(&w);
        rc = cx_json_writer_error(&w);
    }
    cx_buf_free(&id);
    return rc;
}

static int write_res(void *arg, const void *p, size_t n) {
    return cx_res_write(arg, p, n);
}

static int rpc_cat(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_cid cid, target;
    const char *rest;
    if (q_cid(ctx, &cid, &rest)) return 0;
    int rc = cx_ipfs_resolve(g->bs, &cid, rest, &target, NULL, 0, NULL);
    cx_ipfs_stat st;
    if (!rc) rc = cx_ipfs_stat_node(g->bs, &target, &st);
    if (!rc && st.type != CX_UNIXFS_FILE && st.type != CX_UNIXFS_RAW)
        return rpc_error(ctx, 500, "this dag node is a directory");
    if (rc) return rpc_fail(ctx, rc);
    uint64_t off = 0, len = UINT64_MAX;
    cx_str v;
    if (!cx_req_query(cx_ctx_req(ctx), "offset", &v)) off = strtoull(v.ptr, NULL, 10);
    if (!cx_req_query(cx_ctx_req(ctx), "length", &v)) len = strtoull(v.ptr, NULL, 10);
    if (off > st.size) off = st.size;
    if (len > st.size - off) len = st.size - off;
    cx_res *res = cx_ctx_res(ctx);
    char cl[32];
    snprintf(cl, sizeof cl, "%" PRIu64, len);
    rc = cx_res_header(res, "Content-Type", "text/plain");
    if (!rc) rc = cx_res_header(res, "X-Content-Length", cl);
    if (!rc) rc = cx_res_header(res, "Content-Length", cl);
    if (rc) return rc;
    if (len == 0) return cx_res_send(res, NULL, "", 0);
    rc = cx_ipfs_cat(g->bs, &target, off, len, write_res, res);
    if (rc && !cx_res_headers_sent(res)) return rpc_fail(ctx, rc);
    return rc ? rc : cx_res_end(res);
}

static int rpc_block_get(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_cid cid;
    if (q_cid(ctx, &cid, NULL)) return 0;
    cx_buf b = CX_BUF_INIT;
    int rc = cx_blockstore_get(g->bs, &cid, &b);
    if (!rc)
        rc = cx_res_send(cx_ctx_res(ctx), "application/octet-stream", b.data, b.len);
    else
        rc = rpc_fail(ctx, rc);
    cx_buf_free(&b);
    return rc;
}

/* Start reading a multipart upload; on failure the error answer is set
 * and a non-zero code returned (the handler then returns 0). */
static int upload(cx_ctx *ctx, cx_mp_reader *r) {
    cx_req *req = cx_ctx_req(ctx);
    cx_str ct, boundary;
    if (cx_req_header(req, "Content-Type", &ct) || cx_ipfs_mp_boundary(ct, &boundary)) {
        rpc_error(ctx, 400, "expected a multipart/form-data body");
        return CX_EPARSE;
    }
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    int64_t declared = cx_req_content_length(req);
    if (g->max_upload && declared > 0 && (uint64_t)declared > g->max_upload) {
        rpc_error(ctx, 413, "upload over the limit");
        return CX_ELIMIT;
    }
    int rc = cx_ipfs_mp_open(r, req, boundary, g->max_upload);
    if (rc) rpc_error(ctx, rc == CX_ENOMEM ? 500 : 400, "cannot read the upload");
    return rc;
}

/* An upload that failed half way: the body error, or a malformed body. */
static int upload_fail(cx_ctx *ctx, int rc) {
    if (rc == CX_EPARSE) return rpc_error(ctx, 400, "malformed multipart body");
    if (rc == CX_ELIMIT) return rpc_error(ctx, 413, "upload over the limit");
    return rc; /* the connection's problem (timeout, closed): the server answers */
}

static int fmt_cid(const cx_cid *cid, char *text) {
    return cx_cid_format(cid, 0, text, CX_CID_MAX_TEXT);
}

static int rpc_block_put(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    /* Codec: ?cid-codec= (raw default, as in current Kubo), or the legacy
     * ?format= (v0 means dag-pb CIDv0). */
    int version = 1;
    uint64_t codec = CX_CODEC_RAW;
    cx_str v;
    cx_req *req = cx_ctx_req(ctx);
    if (!cx_req_query(req, "cid-codec", &v) || !cx_req_query(req, "format", &v)) {
        if (cx_str_eq(v, CX_STR("v0")))
            version = 0, codec = CX_CODEC_DAG_PB;
        else if (cx_str_eq(v, CX_STR("dag-pb")) || cx_str_eq(v, CX_STR("protobuf")))
            codec = CX_CODEC_DAG_PB;
        else if (cx_str_eq(v, CX_STR("dag-cbor")) || cx_str_eq(v, CX_STR("cbor")))
            codec = CX_CODEC_DAG_CBOR;
        else if (cx_str_eq(v, CX_STR("dag-json")))
            codec = CX_CODEC_DAG_JSON;
        else if (!cx_str_eq(v, CX_STR("raw")))
            return rpc_error(ctx, 400, "unsupported codec");
    }
    if (!cx_req_query(req, "mhtype", &v) && !cx_str_eq(v, CX_STR("sha2-256")))
        return rpc_error(ctx, 400, "only sha2-256 is supported");
    if (!cx_req_query(req, "version", &v) && cx_str_eq(v, CX_STR("0"))) version = 0;
    if (codec != CX_CODEC_DAG_PB) version = 1; /* v0 names dag-pb only */

    cx_mp_reader r;
    if (upload(ctx, &r)) return 0;
    cx_mpart part;
    cx_buf block = CX_BUF_INIT;
    block.max = cx_ipfs_bs_max_block(g->bs);
    int rc = cx_ipfs_mp_next_part(&r, &part);
    if (rc == 0) rc = CX_ENOTFOUND;
    const char *p;
    size_t n;
    while (rc == 1 && (rc = cx_ipfs_mp_read(&r, &p, &n)) == 1) {
        int arc = cx_buf_append(&block, p, n);
        if (arc) rc = arc;
    }
    cx_ipfs_mp_close(&r);
    if (rc == CX_ENOTFOUND)
        rc = rpc_error(ctx, 400, "no file in the upload");
    else if (rc == CX_ELIMIT)
        rc = rpc_error(ctx, 413, "block larger than the limit");
    else if (rc)
        rc = upload_fail(ctx, rc);
    else if (codec == CX_CODEC_DAG_PB) {
        cx_dagpb_node node;
        const char *why = "malformed";
        if (cx_dagpb_decode(&node, (const uint8_t *)block.data, block.len, NULL, &why))
            rc = rpc_error(ctx, 400, why);
        else
            rc = 1; /* go on */
    } else {
        rc = 1;
    }
    if (rc != 1) {
        cx_buf_free(&block);
        return rc;
    }
    cx_cid cid;
    const void *data = block.data ? block.data : "";
    rc = cx_cid_of(&cid, version, codec, CX_MH_SHA2_256, data, block.len);
    if (!rc) rc = cx_ipfs_bs_put_trusted(g->bs, &cid, data, block.len);
    if (!rc && q_bool(ctx, "pin", false)) rc = cx_ipfs_bs_pin_trusted(g->bs, &cid, CX_PIN_DIRECT);
    size_t size = block.len;
    cx_buf_free(&block);
    if (rc) return rpc_fail(ctx, rc);
    char text[CX_CID_MAX_TEXT];
    fmt_cid(&cid, text);
    cx_json_writer w;
    rc = json_start(ctx, &w);
    cx_json_write_object_begin(&w);
    put_str(&w, "Key", text);
    cx_json_write_key(&w, "Size", 4);
    cx_json_write_uint64(&w, size);
    cx_json_write_object_end(&w);
    return rc ? rc : cx_json_writer_error(&w);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 32);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode a filename into the request arena (NUL-terminated). */
static cx_str pct_decode(cx_ctx *ctx, cx_str s) {
    char *o = cx_arena_alloc(cx_ctx_arena(ctx), s.len + 1);
    if (!o) return (cx_str){"", 0};
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        int hi, lo;
        if (s.ptr[i] == '%' && i + 2 < s.len + 1 && i + 2 <= s.len - 1 &&
            (hi = hexval(s.ptr[i + 1])) >= 0 && (lo = hexval(s.ptr[i + 2])) >= 0) {
            o[n++] = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        o[n++] = s.ptr[i];
    }
    o[n] = 0;
    return (cx_str){o, n};
}

static int rpc_add(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_import_options o;
    cx_import_options_default(&o);
    cx_req *req = cx_ctx_req(ctx);
    cx_str v;
    if (!cx_req_query(req, "cid-version", &v)) {
        if (!cx_str_eq(v, CX_STR("0")) && !cx_str_eq(v, CX_STR("1")))
            return rpc_error(ctx, 400, "cid-version must be 0 or 1");
        o.cid_version = v.ptr[0] - '0';
    }
    if (!cx_req_query(req, "raw-leaves", &v)) o.raw_leaves = q_bool(ctx, "raw-leaves", true);
    if (!cx_req_query(req, "chunker", &v)) {
        char tmp[32];
        unsigned long n = 0;
        char *end = NULL;
        if (v.len > 5 && v.len < sizeof tmp && !memcmp(v.ptr, "size-", 5)) {
            memcpy(tmp, v.ptr + 5, v.len - 5);
            tmp[v.len - 5] = 0;
            n = strtoul(tmp, &end, 10);
        }
        if (!end || *end || n < 1 || n > CX_IPFS_MAX_CHUNK)
            return rpc_error(ctx, 400, "chunker must be size-N");
        o.chunk_size = n;
    }
    o.pin = q_bool(ctx, "pin", true);
    bool only_hash = q_bool(ctx, "only-hash", false);
    cx_mp_reader mp;
    if (upload(ctx, &mp)) return 0;
    cx_res *res = cx_ctx_res(ctx);
    cx_buf out = CX_BUF_INIT;
    cx_mpart part;
    int r, rc = 0;
    /* Each file streams through the importer: memory stays constant. */
    while ((r = cx_ipfs_mp_next_part(&mp, &part)) == 1) {
        if (cx_str_eq(part.content_type, CX_STR("application/x-directory"))) continue;
        cx_importer *im;
        rc = cx_importer_new(&im, &o, only_hash ? NULL : cx_ipfs_bs_sink, g->bs);
        if (rc) break;
        cx_cid cid;
        uint64_t size;
        const char *p;
        size_t n;
        int rr;
        while (!rc && (rr = cx_ipfs_mp_read(&mp, &p, &n)) != 0)
            rc = rr < 0 ? rr : cx_importer_write(im, p, n);
        if (!rc) rc = cx_importer_finish(im, &cid, &size);
        cx_importer_free(im);
        if (!rc && o.pin && !only_hash) rc = cx_ipfs_bs_pin_trusted(g->bs, &cid, CX_PIN_RECURSIVE);
        if (rc) break;
        char text[CX_CID_MAX_TEXT], sz[24];
        fmt_cid(&cid, text);
        snprintf(sz, sizeof sz, "%" PRIu64, size);
        cx_str name = pct_decode(ctx, part.filename);
        cx_json_writer w;
        cx_json_writer_init(&w, &out, 0);
        cx_json_write_object_begin(&w);
        put_str(&w, "Name", name.len ? name.ptr : text);
        put_str(&w, "Hash", text);
        put_str(&w, "Size", sz);
        cx_json_write_object_end(&w);
        cx_buf_putc(&out, '\n');
    }
    cx_ipfs_mp_close(&mp);
    if (!rc && r < 0) rc = r;
    if (rc == CX_EPARSE || (rc == CX_ELIMIT && r < 0)) {
        cx_buf_free(&out);
        return upload_fail(ctx, rc);
    }
    if (rc) {
        cx_buf_free(&out);
        return rpc_fail(ctx, rc);
    }
    rc = cx_res_header(res, "X-Chunked-Output", "1");
    if (!rc) rc = cx_res_send(res, "application/json", out.data ? out.data : "", out.len);
    cx_buf_free(&out);
    return rc;
}

static int pins_reply(cx_ctx *ctx, const cx_cid *cid) {
    char text[CX_CID_MAX_TEXT];
    fmt_cid(cid, text);
    cx_json_writer w;
    int rc = json_start(ctx, &w);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "Pins", 4);
    cx_json_write_array_begin(&w);
    cx_json_write_string(&w, text, strlen(text));
    cx_json_write_array_end(&w);
    cx_json_write_object_end(&w);
    return rc ? rc : cx_json_writer_error(&w);
}

static int rpc_pin_add(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_cid cid, target;
    const char *rest;
    if (q_cid(ctx, &cid, &rest)) return 0;
    int rc = cx_ipfs_resolve(g->bs, &cid, rest, &target, NULL, 0, NULL);
    cx_pin_type t = q_bool(ctx, "recursive", true) ? CX_PIN_RECURSIVE : CX_PIN_DIRECT;
    if (!rc) rc = cx_blockstore_pin(g->bs, &target, t);
    return rc ? rpc_fail(ctx, rc) : pins_reply(ctx, &target);
}

static int rpc_pin_rm(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_cid cid;
    if (q_cid(ctx, &cid, NULL)) return 0;
    int rc = cx_blockstore_unpin(g->bs, &cid, CX_PIN_RECURSIVE);
    if (rc == CX_ENOTFOUND) rc = cx_blockstore_unpin(g->bs, &cid, CX_PIN_DIRECT);
    if (rc == CX_ENOTFOUND) return rpc_error(ctx, 500, "not pinned or pinned indirectly");
    return rc ? rpc_fail(ctx, rc) : pins_reply(ctx, &cid);
}

struct ls_state {
    cx_json_writer *w;
    int filter; /* 0: all */
};

static int ls_one(void *arg, const cx_cid *cid, cx_pin_type type) {
    struct ls_state *s = arg;
    if (s->filter && s->filter != (int)type) return 0;
    char text[CX_CID_MAX_TEXT];
    fmt_cid(cid, text);
    cx_json_write_key(s->w, text, strlen(text));
    cx_json_write_object_begin(s->w);
    put_str(s->w, "Type", type == CX_PIN_RECURSIVE ? "recursive" : "direct");
    cx_json_write_object_end(s->w);
    return 0;
}

static int rpc_pin_ls(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    struct ls_state s = {0};
    cx_str v;
    if (!cx_req_query(cx_ctx_req(ctx), "type", &v)) {
        if (cx_str_eq(v, CX_STR("recursive")))
            s.filter = CX_PIN_RECURSIVE;
        else if (cx_str_eq(v, CX_STR("direct")))
            s.filter = CX_PIN_DIRECT;
        else if (!cx_str_eq(v, CX_STR("all")))
            return rpc_error(ctx, 400, "type must be all, direct or recursive (no indirect)");
    }
    cx_json_writer w;
    s.w = &w;
    int rc = json_start(ctx, &w);
    if (rc) return rc;
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "Keys", 4);
    cx_json_write_object_begin(&w);
    cx_str arg;
    if (!cx_req_query(cx_ctx_req(ctx), "arg", &arg)) {
        cx_cid cid;
        if (q_cid(ctx, &cid, NULL)) return 0;
        int t = cx_blockstore_pinned(g->bs, &cid);
        if (t <= 0) {
            cx_buf_reset(cx_res_body(cx_ctx_res(ctx)));
            return rpc_error(ctx, 500, "path is not pinned");
        }
        ls_one(&s, &cid, (cx_pin_type)t);
    } else {
        rc = cx_blockstore_pins(g->bs, ls_one, &s);
    }
    cx_json_write_object_end(&w);
    cx_json_write_object_end(&w);
    cx_buf_putc(cx_res_body(cx_ctx_res(ctx)), '\n');
    return rc ? rc : cx_json_writer_error(&w);
}

int cx_ipfs_rpc_register(cx_ipfs_gateway *g, cx_router *r) {
    static const struct {
        const char *path;
        cx_handler_fn fn;
    } routes[] = {
        {"/api/v0/add", rpc_add},
        {"/api/v0/cat", rpc_cat},
        {"/api/v0/block/get", rpc_block_get},
        {"/api/v0/block/put", rpc_block_put},
        {"/api/v0/pin/add", rpc_pin_add},
        {"/api/v0/pin/ls", rpc_pin_ls},
        {"/api/v0/pin/rm", rpc_pin_rm},
        {"/api/v0/id", rpc_id},
        {"/api/v0/version", rpc_version},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        int rc = cx_router_post(r, routes[i].path, routes[i].fn, g);
        if (rc) return rc;
    }
    return 0;
}
