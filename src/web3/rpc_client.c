/* A JSON-RPC 2.0 client for Ethereum nodes over cx_fetch: one POST per
 * call, the response checked against the request id, errors sorted into
 * transport (cx_fetch's kinds), node (the JSON-RPC error object, kept whole)
 * and shape problems. Typed helpers below turn results into C values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/coro.h>
#include <cortex/error.h>
#include "rpc_int.h"

struct cx_eth_client {
    cx_fetch_client *fetch;
    char *url;
    cx_eth_rpc_limits lim;
    uint64_t next_id;
};

cx_eth_rpc_limits cx_eth_rpc_limits_defaults(void) {
    return (cx_eth_rpc_limits){
        .max_response_bytes = CX_ETH_RPC_DEFAULT_MAX_RESPONSE_BYTES,
        .timeout_ms = CX_ETH_RPC_DEFAULT_TIMEOUT_MS,
        .connect_timeout_ms = CX_ETH_RPC_DEFAULT_CONNECT_TIMEOUT_MS,
        .max_json_depth = CX_ETH_RPC_DEFAULT_MAX_JSON_DEPTH,
        .max_items = CX_ETH_RPC_DEFAULT_MAX_ITEMS,
    };
}

int cx_eth_client_new(cx_eth_client **out, cx_fetch_client *fetch, const char *url,
                      const cx_eth_rpc_limits *lim) {
    if (!out || !fetch || !url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
        return CX_EINVAL;
    cx_eth_client *c = calloc(1, sizeof *c);
    if (!c || !(c->url = strdup(url))) {
        free(c);
        return CX_ENOMEM;
    }
    c->fetch = fetch;
    cx_eth_rpc_limits d = cx_eth_rpc_limits_defaults();
    c->lim = lim ? *lim : d;
    if (!c->lim.max_response_bytes) c->lim.max_response_bytes = d.max_response_bytes;
    if (!c->lim.timeout_ms) c->lim.timeout_ms = d.timeout_ms;
    if (!c->lim.connect_timeout_ms) c->lim.connect_timeout_ms = d.connect_timeout_ms;
    if (!c->lim.max_json_depth) c->lim.max_json_depth = d.max_json_depth;
    if (!c->lim.max_items) c->lim.max_items = d.max_items;
    c->next_id = 1;
    *out = c;
    return 0;
}

void cx_eth_client_free(cx_eth_client *c) {
    if (!c) return;
    free(c->url);
    free(c);
}

/* The error object, kept whole: code, message and data (compact JSON). */
static int rpc_error(cx_eth_rpc_error *err, const cx_json *e, int status) {
    if (!err) return CX_EPROTO;
    memset(err, 0, sizeof *err);
    err->rpc = true;
    err->http_status = status;
    cx_json_int64(cx_json_get(e, "code"), &err->code);
    const char *m = cx_json_cstr(cx_json_get(e, "message"));
    snprintf(err->message, sizeof err->message, "%s", m ? m : "(no message)");
    const cx_json *d = cx_json_get(e, "data");
    if (d) {
        cx_buf b = CX_BUF_INIT;
        if (!cx_json_stringify(&b, d, 0))
            snprintf(err->data, sizeof err->data, "%.*s", (int)b.len, (const char *)b.data);
        cx_buf_free(&b);
    }
    return CX_EPROTO;
}

int cx_eth_rpc_call(cx_eth_client *c, cx_arena *a, const char *method, const char *params_json,
                    const cx_json **result, cx_eth_rpc_error *err) {
    if (err) memset(err, 0, sizeof *err);
    if (!c || !a || !method || !result) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    *result = NULL;
    uint64_t id = c->next_id++;
    cx_buf body = CX_BUF_INIT;
    int rc = cx_eth_rpc_request(&body, id, method, params_json);
    if (rc) {
        cx_buf_free(&body);
        return cx_eth__fail(err, rc, "cannot encode the %s request", method);
    }
    static const cx_fetch_header accept[] = {{"Accept", "application/json"}};
    cx_fetch_request req = {
        .method = "POST",
        .url = c->url,
        .headers = accept,
        .nheaders = 1,
        .content_type = "application/json",
        .body = body.data,
        .body_len = body.len,
        .timeout_ms = c->lim.timeout_ms,
        .connect_timeout_ms = c->lim.connect_timeout_ms,
        .max_response_bytes = c->lim.max_response_bytes,
    };
    cx_fetch_response res;
    rc = cx_fetch(c->fetch, &req, &res);
    cx_buf_free(&body);
    if (rc) {
        if (err) {
            err->kind = res.error.kind;
            err->http_status = res.status;
            snprintf(err->message, sizeof err->message, "%s: %.200s",
                     cx_fetch_kind_name(res.error.kind), res.error.message);
        }
        cx_fetch_response_free(&res);
        return rc;
    }
    int status = res.status;
    bool ok_status = status >= 200 && status <= 299;
    const cx_json *doc = NULL;
    cx_json_error je;
    cx_json_options jo = {.max_depth = c->lim.max_json_depth,
                          .max_size = c->lim.max_response_bytes};
    rc = res.body.len ? cx_json_parse(a, (const char *)res.body.data, res.body.len, &jo, &doc, &je)
                      : CX_EPARSE;
    if (rc || cx_json_typeof(doc) != CX_JSON_OBJECT) {
        if (!ok_status)
            rc = cx_eth__fail(err, CX_EPROTO, "HTTP status %d: %.*s", status,
                              (int)(res.body.len < 120 ? res.body.len : 120),
                              (const char *)res.body.data);
        else if (rc)
            rc = cx_eth__fail(err, rc == CX_ENOMEM ? rc : CX_EPARSE, "%s: response is not JSON: %s",
                              method, res.body.len ? je.message : "empty body");
        else
            rc = cx_eth__fail(err, CX_EPROTO, "%s: response is not a JSON object", method);
        if (err) err->http_status = status;
        cx_fetch_response_free(&res);
        return rc;
    }
    cx_fetch_response_free(&res);
    const cx_json *e = cx_json_get(doc, "error");
    if (e && !cx_json_is_null(e)) return rpc_error(err, e, status);
    uint64_t got;
    if (!ok_status)
        rc = cx_eth__fail(err, CX_EPROTO, "HTTP status %d without a JSON-RPC error", status);
    else if (cx_json_uint64(cx_json_get(doc, "id"), &got) || got != id)
        rc = cx_eth__fail(err, CX_EPROTO, "%s: response id does not match request id %llu", method,
                          (unsigned long long)id);
    else if (!(*result = cx_json_get(doc, "result")))
        rc = cx_eth__fail(err, CX_EPROTO, "%s: response has neither result nor error", method);
    if (rc && err) err->http_status = status;
    return rc;
}

/* ---- helpers for typed calls ----------------------------------------------- */

int cx_eth_block_param(const char *block, char dst[80]) {
    if (!block) block = "latest";
    static const char *tags[] = {"latest", "pending", "earliest", "safe", "finalized"};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (!strcmp(block, tags[i])) {
            snprintf(dst, 80, "%s", block);
            return 0;
        }
    cx_u256 v;
    size_t n = strlen(block);
    if (!n || n > 78 || cx_u256_parse(block, n, &v)) return CX_EINVAL;
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    int rc = cx_eth__write_qty(&w, &v);
    if (!rc && b.len - 2 < 80) snprintf(dst, 80, "%.*s", (int)b.len - 2, (const char *)b.data + 1);
    cx_buf_free(&b);
    return rc;
}

/* A params array under construction. */
typedef struct params {
    cx_buf buf;
    cx_json_writer w;
} params;

static void p_begin(params *p) {
    p->buf = (cx_buf)CX_BUF_INIT;
    cx_json_writer_init(&p->w, &p->buf, 0);
    cx_json_write_array_begin(&p->w);
}

static int p_block(params *p, const char *block) {
    char b[80];
    if (cx_eth_block_param(block, b)) return CX_EINVAL;
    return cx_json_write_string(&p->w, b, strlen(b));
}

/* Finish the params and make the call; frees p. */
static int p_call(cx_eth_client *c, cx_arena *a, params *p, const char *method,
                  const cx_json **result, cx_eth_rpc_error *err) {
    cx_json_write_array_end(&p->w);
    int rc = cx_json_writer_error(&p->w);
    if (!rc) rc = cx_buf_putc(&p->buf, '\0');
    if (rc) {
        cx_buf_free(&p->buf);
        return cx_eth__fail(err, rc, "%s: cannot encode params", method);
    }
    rc = cx_eth_rpc_call(c, a, method, (const char *)p->buf.data, result, err);
    cx_buf_free(&p->buf);
    return rc;
}

static int shape(cx_eth_rpc_error *err, const char *method, const char *what) {
    return cx_eth__fail(err, CX_EPROTO, "%s: result is not %s", method, what);
}

/* A call whose result is one quantity. */
static int call_qty(cx_eth_client *c, params *p, const char *method, cx_u256 *out,
                    cx_eth_rpc_error *err) {
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) {
        cx_buf_free(&p->buf);
        return cx_eth__fail(err, CX_ENOMEM, "out of memory");
    }
    const cx_json *r;
    int rc = p_call(c, a, p, method, &r, err);
    if (!rc && cx_eth__qty_u256(r, out)) rc = shape(err, method, "a 0x quantity");
    cx_arena_free(a);
    return rc;
}

static int to_u64(const cx_u256 *v, uint64_t *out) {
    for (int i = 0; i < 24; i++)
        if (v->b[i]) return CX_ERANGE;
    uint64_t r = 0;
    for (int i = 24; i < 32; i++) r = r << 8 | v->b[i];
    *out = r;
    return 0;
}

static int call_u64(cx_eth_client *c, params *p, const char *method, uint64_t *out,
                    cx_eth_rpc_error *err) {
    cx_u256 v;
    int rc = call_qty(c, p, method, &v, err);
    if (!rc && to_u64(&v, out)) rc = shape(err, method, "a 64-bit quantity");
    return rc;
}

/* ---- typed calls -------------------------------------------------------------- */

int cx_eth_client_chain_id(cx_eth_client *c, uint64_t *out, cx_eth_rpc_error *err) {
    if (!out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    return call_u64(c, &p, "eth_chainId", out, err);
}

int cx_eth_client_block_number(cx_eth_client *c, uint64_t *out, cx_eth_rpc_error *err) {
    if (!out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    return call_u64(c, &p, "eth_blockNumber", out, err);
}

static int addr_block(params *p, const uint8_t addr[20], const char *block, cx_eth_rpc_error *err) {
    p_begin(p);
    cx_eth__write_addr(&p->w, addr);
    if (p_block(p, block)) {
        cx_buf_free(&p->buf);
        return cx_eth__fail(err, CX_EINVAL, "bad block '%.60s'", block);
    }
    return 0;
}

int cx_eth_client_balance(cx_eth_client *c, const uint8_t addr[20], const char *block, cx_u256 *out,
                          cx_eth_rpc_error *err) {
    if (!addr || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    int rc = addr_block(&p, addr, block, err);
    return rc ? rc : call_qty(c, &p, "eth_getBalance", out, err);
}

int cx_eth_client_nonce(cx_eth_client *c, const uint8_t addr[20], const char *block, uint64_t *out,
                        cx_eth_rpc_error *err) {
    if (!addr || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    int rc = addr_block(&p, addr, block, err);
    return rc ? rc : call_u64(c, &p, "eth_getTransactionCount", out, err);
}

int cx_eth_client_gas_price(cx_eth_client *c, cx_u256 *out, cx_eth_rpc_error *err) {
    if (!out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    return call_qty(c, &p, "eth_gasPrice", out, err);
}

int cx_eth_client_max_priority_fee(cx_eth_client *c, cx_u256 *out, cx_eth_rpc_error *err) {
    if (!out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    return call_qty(c, &p, "eth_maxPriorityFeePerGas", out, err);
}

int cx_eth_client_code(cx_eth_client *c, cx_arena *a, const uint8_t addr[20], const char *block,
                       uint8_t **code, size_t *len, cx_eth_rpc_error *err) {
    if (!a || !addr || !code || !len) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    int rc = addr_block(&p, addr, block, err);
    const cx_json *r;
    if (!rc) rc = p_call(c, a, &p, "eth_getCode", &r, err);
    if (!rc && cx_eth__data(a, r, code, len)) rc = shape(err, "eth_getCode", "0x data");
    return rc;
}

static void write_msg(cx_json_writer *w, const cx_eth_call_msg *m) {
    cx_json_write_object_begin(w);
    if (m->has_from) {
        cx_json_write_key(w, "from", 4);
        cx_eth__write_addr(w, m->from);
    }
    if (m->has_to) {
        cx_json_write_key(w, "to", 2);
        cx_eth__write_addr(w, m->to);
    }
    if (m->gas) {
        cx_json_write_key(w, "gas", 3);
        cx_eth__write_qty64(w, m->gas);
    }
    if (m->has_value) {
        cx_json_write_key(w, "value", 5);
        cx_eth__write_qty(w, &m->value);
    }
    if (m->data_len) {
        cx_json_write_key(w, "input", 5);
        cx_eth__write_hex(w, m->data, m->data_len);
    }
    cx_json_write_object_end(w);
}

int cx_eth_client_call(cx_eth_client *c, cx_arena *a, const cx_eth_call_msg *msg, const char *block,
                       uint8_t **out, size_t *len, cx_eth_rpc_error *err) {
    if (!a || !msg || !out || !len) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    write_msg(&p.w, msg);
    if (p_block(&p, block)) {
        cx_buf_free(&p.buf);
        return cx_eth__fail(err, CX_EINVAL, "bad block '%.60s'", block);
    }
    const cx_json *r;
    int rc = p_call(c, a, &p, "eth_call", &r, err);
    if (!rc && cx_eth__data(a, r, out, len)) rc = shape(err, "eth_call", "0x data");
    return rc;
}

int cx_eth_client_estimate_gas(cx_eth_client *c, const cx_eth_call_msg *msg, uint64_t *out,
                               cx_eth_rpc_error *err) {
    if (!msg || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    write_msg(&p.w, msg);
    return call_u64(c, &p, "eth_estimateGas", out, err);
}

int cx_eth_client_fee_history(cx_eth_client *c, cx_arena *a, unsigned blocks, const char *newest,
                              const double *pct, size_t npct, cx_eth_fee_history *out,
                              cx_eth_rpc_error *err) {
    if (!a || !out || !blocks || (npct && !pct) || npct > 100)
        return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    memset(out, 0, sizeof *out);
    params p;
    p_begin(&p);
    cx_eth__write_qty64(&p.w, blocks);
    if (p_block(&p, newest)) {
        cx_buf_free(&p.buf);
        return cx_eth__fail(err, CX_EINVAL, "bad block '%.60s'", newest);
    }
    cx_json_write_array_begin(&p.w);
    for (size_t i = 0; i < npct; i++) cx_json_write_double(&p.w, pct[i]);
    cx_json_write_array_end(&p.w);
    const cx_json *r;
    const char *m = "eth_feeHistory";
    int rc = p_call(c, a, &p, m, &r, err);
    if (rc) return rc;
    if (cx_eth__qty_u64(cx_json_get(r, "oldestBlock"), &out->oldest_block))
        return shape(err, m, "an object with oldestBlock");
    const cx_json *bf = cx_json_get(r, "baseFeePerGas"), *gr = cx_json_get(r, "gasUsedRatio");
    const cx_json *rw = cx_json_get(r, "reward");
    if (cx_json_typeof(bf) != CX_JSON_ARRAY || cx_json_typeof(gr) != CX_JSON_ARRAY ||
        cx_json_len(bf) != cx_json_len(gr) + 1 || cx_json_len(gr) > blocks)
        return shape(err, m, "an object with matching baseFeePerGas and gasUsedRatio");
    size_t n = cx_json_len(gr);
    out->nblocks = n;
    out->npct = npct;
    out->base_fee = cx_arena_calloc(a, (n + 1) * sizeof *out->base_fee);
    out->gas_used_ratio = cx_arena_calloc(a, (n + 1) * sizeof *out->gas_used_ratio);
    out->reward = cx_arena_calloc(a, (n * npct + 1) * sizeof *out->reward);
    if (!out->base_fee || !out->gas_used_ratio || !out->reward)
        return cx_eth__fail(err, CX_ENOMEM, "out of memory");
    for (size_t i = 0; i <= n; i++)
        if (cx_eth__qty_u256(cx_json_at(bf, i), &out->base_fee[i]))
            return shape(err, m, "an object with 0x baseFeePerGas entries");
    for (size_t i = 0; i < n; i++)
        if (cx_json_double(cx_json_at(gr, i), &out->gas_used_ratio[i]))
            return shape(err, m, "an object with numeric gasUsedRatio entries");
    if (npct && rw && !cx_json_is_null(rw)) {
        if (cx_json_typeof(rw) != CX_JSON_ARRAY || cx_json_len(rw) != n)
            return shape(err, m, "an object with one reward row per block");
        for (size_t i = 0; i < n; i++) {
            const cx_json *row = cx_json_at(rw, i);
            if (cx_json_typeof(row) != CX_JSON_ARRAY || cx_json_len(row) != npct)
                return shape(err, m, "an object with one reward per percentile");
            for (size_t k = 0; k < npct; k++)
                if (cx_eth__qty_u256(cx_json_at(row, k), &out->reward[i * npct + k]))
                    return shape(err, m, "an object with 0x reward entries");
        }
    }
    return 0;
}

int cx_eth_client_send_raw(cx_eth_client *c, const uint8_t *raw, size_t len, uint8_t hash[32],
                           cx_eth_rpc_error *err) {
    if (!raw || !len || !hash) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return cx_eth__fail(err, CX_ENOMEM, "out of memory");
    params p;
    p_begin(&p);
    cx_eth__write_hex(&p.w, raw, len);
    const cx_json *r;
    int rc = p_call(c, a, &p, "eth_sendRawTransaction", &r, err);
    if (!rc && cx_eth__fixed(r, hash, 32))
        rc = shape(err, "eth_sendRawTransaction", "a 32-byte hash");
    cx_arena_free(a);
    return rc;
}

int cx_eth_client_receipt(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                          cx_eth_receipt *out, cx_eth_rpc_error *err) {
    if (!a || !hash || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    cx_eth__write_hex(&p.w, hash, 32);
    const cx_json *r;
    int rc = p_call(c, a, &p, "eth_getTransactionReceipt", &r, err);
    if (rc) return rc;
    if (cx_json_is_null(r)) return cx_eth__fail(err, CX_ENOTFOUND, "no receipt (not mined yet)");
    char msg[160];
    rc = cx_eth_receipt_parse(a, r, c->lim.max_items, out, msg, sizeof msg);
    return rc ? cx_eth__fail(err, rc, "eth_getTransactionReceipt: %s", msg) : 0;
}

int cx_eth_client_wait_receipt(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                               uint32_t poll_ms, uint32_t timeout_ms, cx_eth_receipt *out,
                               cx_eth_rpc_error *err) {
    cx_coro *co = cx_coro_self();
    if (!co) return cx_eth__fail(err, CX_ESTATE, "not in a coroutine");
    if (!poll_ms) poll_ms = 500;
    if (!timeout_ms) timeout_ms = 120000;
    cx_loop *loop = cx_coro_loop(co);
    uint64_t end = cx_loop_now(loop) + timeout_ms;
    cx_eth_rpc_error e;
    for (;;) {
        int rc = cx_eth_client_receipt(c, a, hash, out, &e);
        /* CX_ENOTFOUND is also cx_fetch's code for a DNS failure: only a
         * null result from the node means "not mined yet". */
        if (rc != CX_ENOTFOUND || e.kind != CX_FETCH_OK) {
            if (err) *err = e;
            return rc;
        }
        uint64_t now = cx_loop_now(loop);
        if (now >= end)
            return cx_eth__fail(err, CX_ETIMEDOUT, "no receipt within %u ms", timeout_ms);
        uint64_t wait = end - now < poll_ms ? end - now : poll_ms;
        rc = cx_sleep(wait);
        if (rc) return cx_eth__fail(err, rc, "waiting for the receipt: %s", cx_strerror(rc));
    }
}

int cx_eth_client_logs(cx_eth_client *c, cx_arena *a, const cx_eth_log_filter *f, cx_eth_log **logs,
                       size_t *nlogs, cx_eth_rpc_error *err) {
    if (!a || !f || !logs || !nlogs || f->ntopics > 4 || (f->naddresses && !f->addresses))
        return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    cx_json_writer *w = &p.w;
    cx_json_write_object_begin(w);
    if (f->has_block_hash) {
        cx_json_write_key(w, "blockHash", 9);
        cx_eth__write_hex(w, f->block_hash, 32);
    }
    const char *names[2] = {"fromBlock", "toBlock"};
    const char *vals[2] = {f->from_block, f->to_block};
    for (int i = 0; i < 2; i++) {
        if (!vals[i]) continue;
        cx_json_write_key(w, names[i], strlen(names[i]));
        if (p_block(&p, vals[i])) {
            cx_buf_free(&p.buf);
            return cx_eth__fail(err, CX_EINVAL, "bad block '%.60s'", vals[i]);
        }
    }
    if (f->naddresses) {
        cx_json_write_key(w, "address", 7);
        if (f->naddresses > 1) cx_json_write_array_begin(w);
        for (size_t i = 0; i < f->naddresses; i++) cx_eth__write_addr(w, f->addresses[i]);
        if (f->naddresses > 1) cx_json_write_array_end(w);
    }
    if (f->ntopics) {
        cx_json_write_key(w, "topics", 6);
        cx_json_write_array_begin(w);
        for (size_t i = 0; i < f->ntopics; i++) {
            const cx_eth_topic_filter *t = &f->topics[i];
            if (!t->n) {
                cx_json_write_null(w);
            } else if (t->n == 1) {
                cx_eth__write_hex(w, t->values[0], 32);
            } else {
                cx_json_write_array_begin(w);
                for (size_t k = 0; k < t->n; k++) cx_eth__write_hex(w, t->values[k], 32);
                cx_json_write_array_end(w);
            }
        }
        cx_json_write_array_end(w);
    }
    cx_json_write_object_end(w);
    const cx_json *r;
    int rc = p_call(c, a, &p, "eth_getLogs", &r, err);
    if (rc) return rc;
    char msg[160];
    rc = cx_eth__parse_logs(a, r, c->lim.max_items, logs, nlogs, msg, sizeof msg);
    return rc ? cx_eth__fail(err, rc, "eth_getLogs: %s", msg) : 0;
}

static int get_block(cx_eth_client *c, cx_arena *a, params *p, const char *method,
                     cx_eth_block *out, cx_eth_rpc_error *err) {
    cx_json_write_bool(&p->w, false);
    const cx_json *r;
    int rc = p_call(c, a, p, method, &r, err);
    if (rc) return rc;
    if (cx_json_is_null(r)) return cx_eth__fail(err, CX_ENOTFOUND, "%s: no such block", method);
    char msg[160];
    rc = cx_eth_block_parse(a, r, c->lim.max_items, out, msg, sizeof msg);
    return rc ? cx_eth__fail(err, rc, "%s: %s", method, msg) : 0;
}

int cx_eth_client_block(cx_eth_client *c, cx_arena *a, const char *block, cx_eth_block *out,
                        cx_eth_rpc_error *err) {
    if (!a || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    if (p_block(&p, block)) {
        cx_buf_free(&p.buf);
        return cx_eth__fail(err, CX_EINVAL, "bad block '%.60s'", block);
    }
    return get_block(c, a, &p, "eth_getBlockByNumber", out, err);
}

int cx_eth_client_block_by_hash(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                                cx_eth_block *out, cx_eth_rpc_error *err) {
    if (!a || !hash || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    params p;
    p_begin(&p);
    cx_eth__write_hex(&p.w, hash, 32);
    return get_block(c, a, &p, "eth_getBlockByHash", out, err);
}
