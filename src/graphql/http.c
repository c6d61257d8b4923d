/* GraphQL over HTTP: POST application/json and GET, media types and status
 * codes after the GraphQL-over-HTTP draft, persisted queries by SHA-256, and
 * an optional in-browser IDE page. */
#include "gql_int.h"
#include <cortex/http.h>
#include <cortex/router.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

typedef struct pq {
    char hash[65];
    char *query;
    size_t len;
} pq;

struct cx_gql_http {
    const cx_gql_schema *s;
    cx_gql_http_options opt;
    pq *pqs;
    size_t npq, cappq;
};

void cx_gql_query_hash(const char *query, size_t len, char hex[65]) {
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";
    if (!EVP_Digest(query ? query : "", query ? len : 0, md, &mdlen, EVP_sha256(), NULL) ||
        mdlen != 32) {
        hex[0] = 0;
        return;
    }
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = 0;
}

cx_gql_http *cx_gql_http_new(const cx_gql_schema *s, const cx_gql_http_options *opt) {
    if (!s) return NULL;
    cx_gql_http *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->s = s;
    if (opt) h->opt = *opt;
    cx_gql_limits d;
    cx_gql_limits_defaults(&d);
    if (!h->opt.limits.max_document_size) h->opt.limits.max_document_size = d.max_document_size;
    if (!h->opt.limits.max_tokens) h->opt.limits.max_tokens = d.max_tokens;
    /* requests run on 64 KiB coroutine stacks: keep the recursive parser,
     * validator and executor well inside them */
    if (!h->opt.limits.max_parse_depth) h->opt.limits.max_parse_depth = CX_GQL_HTTP_MAX_PARSE_DEPTH;
    if (!h->opt.limits.max_errors) h->opt.limits.max_errors = d.max_errors;
    if (!h->opt.max_body) h->opt.max_body = 1u << 20;
    if (h->opt.root.kind == CX_GQL_UNDEFINED) h->opt.root = cx_gql_null();
    return h;
}

void cx_gql_http_free(cx_gql_http *h) {
    if (!h) return;
    for (size_t i = 0; i < h->npq; i++) free(h->pqs[i].query);
    free(h->pqs);
    free(h);
}

int cx_gql_http_persist(cx_gql_http *h, const char *query, size_t len, char hex_out[65]) {
    if (!h || !query) return CX_EINVAL;
    if (h->npq == h->cappq) {
        size_t c = h->cappq ? h->cappq * 2 : 8;
        pq *v = realloc(h->pqs, c * sizeof *v);
        if (!v) return CX_ENOMEM;
        h->pqs = v;
        h->cappq = c;
    }
    pq *p = &h->pqs[h->npq];
    p->query = malloc(len + 1);
    if (!p->query) return CX_ENOMEM;
    memcpy(p->query, query, len);
    p->query[len] = 0;
    p->len = len;
    cx_gql_query_hash(query, len, p->hash);
    if (hex_out) memcpy(hex_out, p->hash, 65);
    h->npq++;
    return 0;
}

static const pq *find_pq(const cx_gql_http *h, const char *hash, size_t n) {
    for (size_t i = 0; i < h->npq; i++)
        if (n == 64 && !memcmp(h->pqs[i].hash, hash, 64)) return &h->pqs[i];
    return NULL;
}

static const char ide_page[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>GraphQL</title><style>"
    "body{margin:0;font:14px monospace;display:flex;height:100vh}"
    "textarea,pre{flex:1;margin:0;padding:12px;border:0;border-right:1px solid #ccc;"
    "overflow:auto;font:inherit}#bar{position:fixed;bottom:8px;left:8px}</style></head>"
    "<body><textarea id=\"q\">{ __typename }</textarea><textarea id=\"v\">{}</textarea>"
    "<pre id=\"out\"></pre><div id=\"bar\"><button id=\"run\">Run (Ctrl+Enter)</button></div>"
    "<script>"
    "async function run(){let v;try{v=JSON.parse(document.getElementById('v').value||'{}')}"
    "catch(e){document.getElementById('out').textContent='variables: '+e;return}"
    "const r=await fetch(location.pathname,{method:'POST',headers:{'content-type':"
    "'application/json',accept:'application/graphql-response+json'},body:JSON.stringify("
    "{query:document.getElementById('q').value,variables:v})});"
    "document.getElementById('out').textContent=r.status+'\\n'+JSON.stringify("
    "await r.json(),null,2)}"
    "document.getElementById('run').onclick=run;"
    "document.onkeydown=e=>{if(e.ctrlKey&&e.key==='Enter')run()};"
    "</script></body></html>";

/* Which media type the client accepts: 2 graphql-response+json, 1 json,
 * 3 html (preferred over the JSON ones), 0 none acceptable. */
static int accept_kind(cx_req *req) {
    cx_str a;
    if (cx_req_header(req, "accept", &a) || !a.len) return 1;
    char *s = strndup(a.ptr, a.len);
    if (!s) return 1;
    int best = 0;
    bool html_first = false;
    char *save = NULL;
    int pos = 0;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save), pos++) {
        while (*t == ' ') t++;
        char *semi = strchr(t, ';');
        if (semi) *semi = 0;
        char *e = t + strlen(t);
        while (e > t && e[-1] == ' ') *--e = 0;
        if (!strcasecmp(t, "application/graphql-response+json")) {
            if (best != 2) best = 2;
        } else if (!strcasecmp(t, "application/json") || !strcasecmp(t, "application/*") ||
                   !strcasecmp(t, "*/*")) {
            if (!best) best = 1;
        } else if (!strcasecmp(t, "text/html") && pos == 0)
            html_first = true;
    }
    free(s);
    if (html_first) return 3;
    return best;
}

static int reply(cx_ctx *ctx, int status, int kind, const cx_buf *body) {
    cx_res *res = cx_ctx_res(ctx);
    cx_res_status(res, status);
    return cx_res_send(res,
                       kind == 2 ? "application/graphql-response+json; charset=utf-8"
                                 : "application/json; charset=utf-8",
                       body->data, body->len);
}

static int request_error(cx_ctx *ctx, int kind, const char *msg) {
    cx_buf b = {0};
    cx_json_writer w;
    cx_buf_puts(&b, "{\"errors\":[{\"message\":");
    cx_json_writer_init(&w, &b, CX_JSON_REPLACE_INVALID);
    cx_json_write_string(&w, msg, strlen(msg));
    cx_buf_puts(&b, "}]}");
    int rc = reply(ctx, 400, kind ? kind : 1, &b);
    cx_buf_free(&b);
    return rc;
}

/* Is the operation the request selects a mutation (or subscription)? */
static bool selects_non_query(const cx_gql_http *h, cx_arena *a, const char *q, size_t n,
                              const char *opname) {
    gq_parse_error pe;
    gq_node *doc = gq_parse(a, q, n, &h->opt.limits, &pe);
    if (!doc) return false;
    for (uint32_t i = 0; i < doc->sel.n; i++) {
        const gq_node *d = doc->sel.v[i];
        if (d->kind != GN_OPERATION) continue;
        if (opname && (!d->name || strcmp(d->name, opname))) continue;
        return d->flags != GQ_QUERY;
    }
    return false;
}

int cx_gql_http_handler(cx_ctx *ctx) {
    cx_gql_http *h = cx_ctx_data(ctx);
    cx_req *req = cx_ctx_req(ctx);
    cx_arena *a = cx_ctx_arena(ctx);
    if (!h) return cx_problem(ctx, 500, "GraphQL endpoint without its data");
    cx_method m = cx_req_method(req);
    int kind = accept_kind(req);
    if (m == CX_METHOD_GET && kind == 3 && h->opt.ide) {
        cx_str q;
        if (cx_req_query(req, "query", &q)) {
            cx_res_status(cx_ctx_res(ctx), 200);
            return cx_res_send(cx_ctx_res(ctx), "text/html; charset=utf-8", ide_page,
                               sizeof ide_page - 1);
        }
    }
    if (kind == 3) kind = 1;
    if (kind == 0)
        return cx_problem(ctx, 406, "Accept application/graphql-response+json or application/json");
    cx_gql_request r = {0};
    r.root = h->opt.root;
    const cx_json *ext = NULL;
    const char *query = NULL;
    size_t qlen = 0;
    if (m == CX_METHOD_POST) {
        cx_str ct;
        if (cx_req_header(req, "content-type", &ct) || ct.len < 16 ||
            strncasecmp(ct.ptr, "application/json", 16))
            return cx_problem(ctx, 415, "Content-Type must be application/json");
        if (cx_req_content_length(req) > (int64_t)h->opt.max_body)
            return cx_problem(ctx, 413, "request body too large");
        cx_str body;
        if (cx_req_body(req, &body)) return cx_problem(ctx, 400, "cannot read the request body");
        const cx_json *j = NULL;
        if (body.len > h->opt.max_body) return cx_problem(ctx, 413, "request body too large");
        if (cx_json_parse(a, body.ptr, body.len, NULL, &j, NULL) ||
            cx_json_typeof(j) != CX_JSON_OBJECT)
            return request_error(ctx, kind, "The request body must be a JSON object.");
        const cx_json *q = cx_json_get(j, "query"), *v = cx_json_get(j, "variables"),
                      *o = cx_json_get(j, "operationName");
        ext = cx_json_get(j, "extensions");
        if (q && cx_json_typeof(q) != CX_JSON_STRING && !cx_json_is_null(q))
            return request_error(ctx, kind, "\"query\" must be a string.");
        if (v && cx_json_typeof(v) != CX_JSON_OBJECT && !cx_json_is_null(v))
            return request_error(ctx, kind, "\"variables\" must be an object.");
        if (o && cx_json_typeof(o) != CX_JSON_STRING && !cx_json_is_null(o))
            return request_error(ctx, kind, "\"operationName\" must be a string.");
        if (q && cx_json_typeof(q) == CX_JSON_STRING) {
            query = cx_json_cstr(q);
            qlen = cx_json_len(q);
        }
        r.variables = cx_json_typeof(v) == CX_JSON_OBJECT ? v : NULL;
        r.operation_name = cx_json_typeof(o) == CX_JSON_STRING ? cx_json_cstr(o) : NULL;
    } else if (m == CX_METHOD_GET) {
        cx_str q, v, o, e;
        if (!cx_req_query(req, "query", &q)) {
            query = q.ptr;
            qlen = q.len;
        }
        if (!cx_req_query(req, "variables", &v) && v.len) {
            const cx_json *j = NULL;
            if (cx_json_parse(a, v.ptr, v.len, NULL, &j, NULL) ||
                cx_json_typeof(j) != CX_JSON_OBJECT)
                return request_error(ctx, kind, "\"variables\" must be a JSON object.");
            r.variables = j;
        }
        if (!cx_req_query(req, "operationName", &o) && o.len)
            r.operation_name = cx_arena_strndup(a, o.ptr, o.len);
        if (!cx_req_query(req, "extensions", &e) && e.len)
            cx_json_parse(a, e.ptr, e.len, NULL, &ext, NULL);
    } else {
        cx_res_header(cx_ctx_res(ctx), "Allow", "GET, POST");
        return cx_problem(ctx, 405, "GraphQL accepts GET and POST");
    }
    /* persisted queries */
    const cx_json *hash = cx_json_get(cx_json_get(ext, "persistedQuery"), "sha256Hash");
    if (cx_json_typeof(hash) == CX_JSON_STRING) {
        const pq *p = find_pq(h, cx_json_cstr(hash), cx_json_len(hash));
        if (!p) return request_error(ctx, kind, "PersistedQueryNotFound");
        if (query && (qlen != p->len || memcmp(query, p->query, qlen)))
            return request_error(ctx, kind, "provided sha does not match query");
        query = p->query;
        qlen = p->len;
    } else if (h->opt.persisted_only && query) {
        char hex[65];
        cx_gql_query_hash(query, qlen, hex);
        if (!find_pq(h, hex, 64)) return request_error(ctx, kind, "PersistedQueryNotSupported");
    }
    if (!query) return request_error(ctx, kind, "Missing \"query\".");
    if (m == CX_METHOD_GET && selects_non_query(h, a, query, qlen, r.operation_name)) {
        cx_res_header(cx_ctx_res(ctx), "Allow", "POST");
        return cx_problem(ctx, 405, "mutations must use POST");
    }
    r.query = query;
    r.query_len = qlen;
    r.context = h->opt.context ? h->opt.context(ctx, h->opt.context_ud) : NULL;
    cx_buf out = {0};
    cx_gql_outcome oc = CX_GQL_OK;
    int rc = cx_gql_execute(h->s, &r, &h->opt.limits, a, &out, &oc);
    if (rc) {
        cx_buf_free(&out);
        return cx_problem(ctx, 500, cx_strerror(rc));
    }
    int status = kind == 2 && oc != CX_GQL_OK ? 400 : 200;
    rc = reply(ctx, status, kind, &out);
    cx_buf_free(&out);
    return rc;
}

int cx_gql_http_mount(cx_gql_http *h, cx_router *r, const char *path) {
    if (!h || !r || !path) return CX_EINVAL;
    int rc = cx_router_get(r, path, cx_gql_http_handler, h);
    if (!rc) rc = cx_router_post(r, path, cx_gql_http_handler, h);
    return rc;
}
