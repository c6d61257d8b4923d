/* The path gateway: GET/HEAD /ipfs/{cid}[/path] per the IPFS HTTP gateway
 * specs. Content is immutable, so every success carries
 * "Cache-Control: public, max-age=29030400, immutable" and an ETag made
 * from the CID; If-None-Match answers 304 without reading the content.
 * Files stream from the blockstore block by block (verified), with a
 * single byte range honoured; `?format=raw` or Accept:
 * application/vnd.ipld.raw returns the block itself. A bad CID is 400, a
 * missing block or name 404. Directories may be flat or HAMT-sharded. */
#include "gw_int.h"
#include <cortex/router.h>
#include <cortex/static.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMMUTABLE   "public, max-age=29030400, immutable"
#define RAW_TYPE    "application/vnd.ipld.raw"
#define CAR_TYPE    "application/vnd.ipld.car"
#define SNIFF_BYTES 512
#define MAX_ROOTS   CX_IPFS_MAX_DEPTH

/* Does the If-None-Match list in h contain etag (weak comparison)? */
static bool etag_matches(cx_str h, const char *etag) {
    size_t elen = strlen(etag);
    size_t i = 0;
    while (i < h.len) {
        while (i < h.len && (h.ptr[i] == ' ' || h.ptr[i] == ',' || h.ptr[i] == '\t')) i++;
        size_t s = i;
        while (i < h.len && h.ptr[i] != ',') i++;
        size_t e = i;
        while (e > s && (h.ptr[e - 1] == ' ' || h.ptr[e - 1] == '\t')) e--;
        const char *t = h.ptr + s;
        size_t tl = e - s;
        if (tl == 1 && t[0] == '*') return true;
        if (tl > 2 && t[0] == 'W' && t[1] == '/') {
            t += 2;
            tl -= 2;
        }
        if (tl == elen && memcmp(t, etag, elen) == 0) return true;
    }
    return false;
}

enum format { FMT_DEFAULT, FMT_RAW, FMT_CAR, FMT_OTHER };

static bool accept_has(cx_str v, const char *type) {
    size_t n = strlen(type);
    for (size_t i = 0; i + n <= v.len; i++)
        if (memcmp(v.ptr + i, type, n) == 0) return true;
    return false;
}

/* ?format= wins over Accept, as the gateway spec says. */
static enum format wanted_format(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_str v;
    if (cx_req_query(req, "format", &v) == 0) {
        if (cx_str_eq(v, CX_STR("raw"))) return FMT_RAW;
        if (cx_str_eq(v, CX_STR("car"))) return FMT_CAR;
        return v.len > 0 ? FMT_OTHER : FMT_DEFAULT;
    }
    if (cx_req_header(req, "Accept", &v) == 0) {
        if (accept_has(v, RAW_TYPE)) return FMT_RAW;
        if (accept_has(v, CAR_TYPE)) return FMT_CAR;
    }
    return FMT_DEFAULT;
}

/* Headers every success shares. */
static int common_headers(cx_ctx *ctx, const char *xpath, const cx_cid *roots, size_t nroots,
                          const char *etag) {
    cx_res *res = cx_ctx_res(ctx);
    cx_buf b = CX_BUF_INIT;
    for (size_t i = 0; i < nroots && i < MAX_ROOTS; i++) {
        char t[CX_CID_MAX_TEXT];
        if (cx_cid_format(&roots[i], 0, t, sizeof t) < 0) continue;
        if (i) cx_buf_putc(&b, ',');
        cx_buf_puts(&b, t);
    }
    cx_buf_putc(&b, 0);
    int rc = cx_res_header(res, "Cache-Control", IMMUTABLE);
    if (!rc) rc = cx_res_header(res, "X-Ipfs-Path", xpath);
    if (!rc && b.data) rc = cx_res_header(res, "X-Ipfs-Roots", b.data);
    if (!rc) rc = cx_res_header(res, "ETag", etag);
    if (!rc) rc = cx_res_header(res, "Vary", "Accept");
    cx_buf_free(&b);
    return rc;
}

static int fail(cx_ctx *ctx, int rc, const char *what) {
    if (rc == CX_ENOTFOUND) return cx_problem(ctx, 404, what);
    if (rc == CX_EINVAL)
        return cx_problem(ctx, 501, "unsupported node type, codec or hash function");
    if (rc == CX_EIO) return cx_problem(ctx, 502, "a block failed verification");
    if (rc == CX_EPARSE || rc == CX_EDEPTH || rc == CX_ELIMIT)
        return cx_problem(ctx, 502, "malformed DAG");
    return rc;
}

static int write_res(void *arg, const void *p, size_t n) {
    return cx_res_write(arg, p, n);
}

static int collect(void *arg, const void *p, size_t n) {
    return cx_buf_append(arg, p, n);
}

/* Content-Type: by the name's extension when it has one, else sniffed. */
static const char *content_type(cx_blockstore *bs, const cx_cid *cid, const char *name,
                                uint64_t size) {
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot && !strchr(dot, '/')) {
        const char *t = cx_static_mime_type(cx_str_from(name));
        if (strcmp(t, "application/octet-stream") != 0) return t;
    }
    cx_buf head = CX_BUF_INIT;
    const char *t = "application/octet-stream";
    if (size && cx_ipfs_cat(bs, cid, 0, SNIFF_BYTES, collect, &head) == 0)
        t = cx_ipfs_sniff((const uint8_t *)head.data, head.len);
    else if (!size)
        t = "text/plain; charset=utf-8";
    cx_buf_free(&head);
    return t;
}

/* "bytes=a-b", "bytes=a-", "bytes=-n": 1 with [*off, *off+*len) set, 0 to
 * ignore the header (malformed or several ranges), -1 unsatisfiable. */
static int parse_range(cx_str h, uint64_t size, uint64_t *off, uint64_t *len) {
    if (h.len < 7 || memcmp(h.ptr, "bytes=", 6) != 0) return 0;
    const char *p = h.ptr + 6, *e = h.ptr + h.len;
    if (memchr(p, ',', (size_t)(e - p))) return 0;
    uint64_t a = 0, b = 0;
    bool ha = false, hb = false;
    while (p < e && *p >= '0' && *p <= '9') {
        if (a > UINT64_MAX / 10 - 10) return 0;
        a = a * 10 + (uint64_t)(*p++ - '0');
        ha = true;
    }
    if (p >= e || *p++ != '-') return 0;
    while (p < e && *p >= '0' && *p <= '9') {
        if (b > UINT64_MAX / 10 - 10) return 0;
        b = b * 10 + (uint64_t)(*p++ - '0');
        hb = true;
    }
    if (p != e || (!ha && !hb)) return 0;
    if (!ha) { /* suffix */
        if (b == 0 || size == 0) return -1;
        if (b > size) b = size;
        *off = size - b;
        *len = b;
        return 1;
    }
    if (hb && b < a) return 0;
    if (a >= size) return -1;
    if (!hb || b >= size) b = size - 1;
    *off = a;
    *len = b - a + 1;
    return 1;
}

static int serve_raw(cx_ctx *ctx, cx_blockstore *bs, const cx_cid *cid, const char *xpath,
                     const cx_cid *roots, size_t nroots) {
    char text[CX_CID_MAX_TEXT], etag[CX_CID_MAX_TEXT + 8], disp[CX_CID_MAX_TEXT + 48];
    cx_cid_format(cid, 0, text, sizeof text);
    snprintf(etag, sizeof etag, "\"%s.raw\"", text);
    cx_res *res = cx_ctx_res(ctx);
    cx_str inm;
    if (cx_req_header(cx_ctx_req(ctx), "If-None-Match", &inm) == 0 && etag_matches(inm, etag)) {
        int rc = common_headers(ctx, xpath, roots, nroots, etag);
        cx_res_status(res, 304);
        return rc;
    }
    cx_buf block = CX_BUF_INIT;
    int rc = cx_blockstore_get(bs, cid, &block);
    if (rc) {
        cx_buf_free(&block);
        return fail(ctx, rc, "block not found");
    }
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.bin\"", text);
    rc = common_headers(ctx, xpath, roots, nroots, etag);
    if (!rc) rc = cx_res_header(res, "Content-Disposition", disp);
    if (!rc) rc = cx_res_header(res, "X-Content-Type-Options", "nosniff");
    if (!rc) rc = cx_res_send(res, RAW_TYPE, block.data, block.len);
    cx_buf_free(&block);
    return rc;
}

/* A CARv1 of root/rest: the path's blocks, then the target's DAG (car.c). */
static int serve_car(cx_ctx *ctx, cx_blockstore *bs, const cx_cid *root, const char *rest,
                     const cx_cid *target, const char *xpath, const cx_cid *roots, size_t nroots) {
    char text[CX_CID_MAX_TEXT], etag[CX_CID_MAX_TEXT + 16], disp[CX_CID_MAX_TEXT + 48];
    cx_cid_format(target, 0, text, sizeof text);
    snprintf(etag, sizeof etag, "W/\"%s.car\"", text);
    cx_res *res = cx_ctx_res(ctx);
    int rc = common_headers(ctx, xpath, roots, nroots, etag);
    cx_str inm;
    if (!rc && cx_req_header(cx_ctx_req(ctx), "If-None-Match", &inm) == 0 &&
        etag_matches(inm, etag + 2)) {
        cx_res_status(res, 304);
        return 0;
    }
    cx_cid_format(root, 0, text, sizeof text);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.car\"", text);
    if (!rc) rc = cx_res_header(res, "Content-Disposition", disp);
    if (!rc) rc = cx_res_header(res, "X-Content-Type-Options", "nosniff");
    if (!rc) rc = cx_res_header(res, "Content-Type", CAR_TYPE "; version=1; order=dfs; dups=n");
    if (rc) return rc;
    if (cx_req_method(cx_ctx_req(ctx)) == CX_METHOD_HEAD) {
        rc = cx_res_write(res, "", 0);
        return rc ? rc : cx_res_end(res);
    }
    /* The path was resolved already, so failures now are in the DAG below
     * the target; once bytes are out they can only cut the stream short. */
    rc = cx_ipfs_car_export(bs, root, rest, 0, write_res, res);
    if (rc && !cx_res_headers_sent(res)) return fail(ctx, rc, "block not found");
    return rc ? rc : cx_res_end(res);
}

static int serve_file(cx_ctx *ctx, cx_blockstore *bs, const cx_cid *cid, uint64_t size,
                      const char *name, const char *xpath, const cx_cid *roots, size_t nroots) {
    char text[CX_CID_MAX_TEXT], etag[CX_CID_MAX_TEXT + 4];
    cx_cid_format(cid, 0, text, sizeof text);
    snprintf(etag, sizeof etag, "\"%s\"", text);
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    int rc = common_headers(ctx, xpath, roots, nroots, etag);
    if (rc) return rc;
    cx_str h;
    if (cx_req_header(req, "If-None-Match", &h) == 0 && etag_matches(h, etag)) {
        cx_res_status(res, 304);
        return 0;
    }
    const char *ctype = content_type(bs, cid, name, size);
    uint64_t off = 0, len = size;
    if (!rc) rc = cx_res_header(res, "Accept-Ranges", "bytes");
    if (!rc && cx_req_header(req, "Range", &h) == 0) {
        bool if_range_ok = true;
        cx_str ir;
        if (cx_req_header(req, "If-Range", &ir) == 0)
            if_range_ok = ir.len == strlen(etag) && memcmp(ir.ptr, etag, ir.len) == 0;
        int r = if_range_ok ? parse_range(h, size, &off, &len) : 0;
        char cr[96];
        if (r < 0) {
            snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
            cx_problem(ctx, 416, "range not satisfiable");
            return cx_res_header(res, "Content-Range", cr);
        }
        if (r > 0) {
            snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off, off + len - 1,
                     size);
            rc = cx_res_header(res, "Content-Range", cr);
            cx_res_status(res, 206);
        }
    }
    if (!rc) rc = cx_res_header(res, "Content-Type", ctype);
    if (rc) return rc;
    if (len == 0) return cx_res_send(res, NULL, "", 0);
    char cl[32];
    snprintf(cl, sizeof cl, "%" PRIu64, len);
    if ((rc = cx_res_header(res, "Content-Length", cl))) return rc;
    if (cx_req_method(req) == CX_METHOD_HEAD) {
        rc = cx_res_write(res, "", 0);
        return rc ? rc : cx_res_end(res);
    }
    /* Once bytes are out, an error can only cut the stream short. */
    rc = cx_ipfs_cat(bs, cid, off, len, write_res, res);
    if (rc && !cx_res_headers_sent(res)) return fail(ctx, rc, "block not found");
    return rc ? rc : cx_res_end(res);
}

static void html_escape(cx_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            cx_buf_puts(b, "&lt;");
            break;
        case '>':
            cx_buf_puts(b, "&gt;");
            break;
        case '&':
            cx_buf_puts(b, "&amp;");
            break;
        case '"':
            cx_buf_puts(b, "&quot;");
            break;
        default:
            cx_buf_putc(b, s[i]);
        }
    }
}

/* One <li> of a listing: names percent-encoded in the href, escaped in the text. */
static int list_entry(void *arg, const char *name, size_t name_len, const cx_cid *cid,
                      uint64_t tsize) {
    cx_buf *b = arg;
    char lt[CX_CID_MAX_TEXT];
    cx_cid_format(cid, 0, lt, sizeof lt);
    cx_buf_puts(b, "<li><a href=\"./");
    for (size_t i = 0; i < name_len; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            cx_buf_putc(b, (char)c);
        else
            cx_buf_printf(b, "%%%02X", c);
    }
    cx_buf_puts(b, "\">");
    html_escape(b, name, name_len);
    return cx_buf_printf(b, "</a> %s %" PRIu64 "</li>\n", lt, tsize);
}

static int serve_dir(cx_ctx *ctx, cx_blockstore *bs, const cx_cid *cid, const char *xpath,
                     const cx_cid *roots, size_t nroots) {
    cx_res *res = cx_ctx_res(ctx);
    size_t plen = strlen(xpath);
    if (plen == 0 || xpath[plen - 1] != '/') {
        /* Relative links in the listing or index.html need the slash. */
        char *loc = cx_arena_alloc(cx_ctx_arena(ctx), plen + 2);
        if (!loc) return CX_ENOMEM;
        memcpy(loc, xpath, plen);
        memcpy(loc + plen, "/", 2);
        cx_res_status(res, 301);
        return cx_res_header(res, "Location", loc);
    }
    cx_cid index;
    if (cx_ipfs_resolve(bs, cid, "index.html", &index, NULL, 0, NULL) == 0) {
        cx_ipfs_stat st;
        int rc = cx_ipfs_stat_node(bs, &index, &st);
        if (rc) return fail(ctx, rc, "block not found");
        if (st.type == CX_UNIXFS_FILE || st.type == CX_UNIXFS_RAW)
            return serve_file(ctx, bs, &index, st.size, "index.html", xpath, roots, nroots);
    }
    char text[CX_CID_MAX_TEXT], etag[CX_CID_MAX_TEXT + 24];
    cx_cid_format(cid, 0, text, sizeof text);
    snprintf(etag, sizeof etag, "\"DirIndex-%s\"", text);
    int rc = common_headers(ctx, xpath, roots, nroots, etag);
    cx_str h;
    if (!rc && cx_req_header(cx_ctx_req(ctx), "If-None-Match", &h) == 0 && etag_matches(h, etag)) {
        cx_res_status(res, 304);
        return 0;
    }
    if (rc) return rc;
    cx_buf *b = cx_res_body(res);
    cx_buf_puts(b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
    html_escape(b, xpath, plen);
    cx_buf_puts(b, "</title></head><body><h1>Index of ");
    html_escape(b, xpath, plen);
    cx_buf_puts(b, "</h1><ul>\n");
    /* Flat or sharded alike; a failure before any byte is sent is an error
     * status, the listing is only in the buffer until the handler returns. */
    rc = cx_ipfs_ls(bs, cid, list_entry, b);
    if (rc) {
        cx_buf_reset(b);
        return fail(ctx, rc, "block not found");
    }
    cx_buf_puts(b, "</ul></body></html>\n");
    return cx_res_header(res, "Content-Type", "text/html; charset=utf-8");
}

int cx_ipfs_gw_handle(cx_ctx *ctx) {
    cx_ipfs_gateway *g = cx_ctx_data(ctx);
    cx_str path = cx_param(ctx, "path");
    if (path.len == 0) return cx_problem(ctx, 400, "missing CID");
    size_t cl = 0;
    while (cl < path.len && path.ptr[cl] != '/') cl++;
    cx_cid root;
    const char *why = "malformed";
    if (cx_cid_parse(&root, path.ptr, cl, &why) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "invalid CID: %s", why);
        return cx_problem(ctx, 400, msg);
    }
    cx_arena *arena = cx_ctx_arena(ctx);
    char *rest = cx_arena_alloc(arena, path.len - cl + 1);
    char *xpath = cx_arena_alloc(arena, path.len + 7);
    if (!rest || !xpath) return CX_ENOMEM;
    memcpy(rest, path.ptr + cl, path.len - cl);
    rest[path.len - cl] = 0;
    memcpy(xpath, "/ipfs/", 6);
    memcpy(xpath + 6, path.ptr, path.len);
    xpath[path.len + 6] = 0;
    if (memchr(path.ptr, 0, path.len)) return cx_problem(ctx, 400, "NUL in path");

    cx_cid roots[MAX_ROOTS], target;
    size_t nroots = 0;
    int rc = cx_ipfs_resolve(g->bs, &root, rest, &target, roots, MAX_ROOTS, &nroots);
    if (rc) return fail(ctx, rc, "no link named so, or a block is missing");
    if (nroots > MAX_ROOTS) nroots = MAX_ROOTS;
    enum format f = wanted_format(ctx);
    if (f == FMT_RAW) return serve_raw(ctx, g->bs, &target, xpath, roots, nroots);
    if (f == FMT_CAR) return serve_car(ctx, g->bs, &root, rest, &target, xpath, roots, nroots);
    if (f == FMT_OTHER) return cx_problem(ctx, 400, "unsupported format (raw and car are)");
    cx_ipfs_stat st;
    rc = cx_ipfs_stat_node(g->bs, &target, &st);
    if (rc) return fail(ctx, rc, "block not found");
    if (st.type == CX_UNIXFS_DIRECTORY || st.type == CX_UNIXFS_HAMT)
        return serve_dir(ctx, g->bs, &target, xpath, roots, nroots);
    if (st.type != CX_UNIXFS_FILE && st.type != CX_UNIXFS_RAW)
        return cx_problem(ctx, 501, "unsupported UnixFS node type");
    const char *slash = strrchr(rest, '/');
    const char *name = slash && slash[1] ? slash + 1 : NULL;
    return serve_file(ctx, g->bs, &target, st.size, name, xpath, roots, nroots);
}

int cx_ipfs_gateway_new(cx_ipfs_gateway **out, cx_blockstore *bs, struct cx_router *r, bool rpc,
                        size_t max_upload) {
    *out = NULL;
    if (!bs || !r) return CX_EINVAL;
    cx_ipfs_gateway *g = calloc(1, sizeof *g);
    if (!g) return CX_ENOMEM;
    g->bs = bs;
    g->max_upload = max_upload;
    int rc = cx_router_get(r, "/ipfs/*path", cx_ipfs_gw_handle, g);
    if (!rc && rpc) rc = cx_ipfs_rpc_register(g, r);
    if (rc) {
        free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void cx_ipfs_gateway_free(cx_ipfs_gateway *g) {
    free(g);
}
