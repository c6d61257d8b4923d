/* JSON-RPC 2.0 framing for Ethereum nodes, as pure functions over JSON so
 * the HTTP transport can be plugged in separately. */
#include <stdio.h>
#include <string.h>
#include <cortex/error.h>
#include <cortex/web3.h>

int cx_eth_rpc_request(cx_buf *out, uint64_t id, const char *method, const char *params_json) {
    if (!out || !method) return CX_EINVAL;
    cx_json_writer w;
    cx_json_writer_init(&w, out, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "jsonrpc", 7);
    cx_json_write_string(&w, "2.0", 3);
    cx_json_write_key(&w, "id", 2);
    cx_json_write_uint64(&w, id);
    cx_json_write_key(&w, "method", 6);
    cx_json_write_string(&w, method, strlen(method));
    cx_json_write_key(&w, "params", 6);
    const char *p = params_json ? params_json : "[]";
    cx_json_write_raw(&w, p, strlen(p));
    cx_json_write_object_end(&w);
    return cx_json_writer_error(&w);
}

int cx_eth_rpc_response(const cx_json *doc, uint64_t id, const cx_json **result, char *msg,
                        size_t msg_cap) {
    if (!result) return CX_EINVAL;
    char dummy[1];
    if (!msg || !msg_cap) msg = dummy, msg_cap = sizeof dummy;
    if (cx_json_typeof(doc) != CX_JSON_OBJECT) {
        snprintf(msg, msg_cap, "response is not a JSON object");
        return CX_EPROTO;
    }
    uint64_t got;
    if (cx_json_uint64(cx_json_get(doc, "id"), &got) || got != id) {
        snprintf(msg, msg_cap, "response id does not match request id %llu",
                 (unsigned long long)id);
        return CX_EPROTO;
    }
    const cx_json *err = cx_json_get(doc, "error");
    if (err) {
        int64_t code = 0;
        cx_json_int64(cx_json_get(err, "code"), &code);
        const char *m = cx_json_cstr(cx_json_get(err, "message"));
        snprintf(msg, msg_cap, "JSON-RPC error %lld: %s", (long long)code, m ? m : "(no message)");
        return CX_EPROTO;
    }
    const cx_json *r = cx_json_get(doc, "result");
    if (!r) {
        snprintf(msg, msg_cap, "response has neither result nor error");
        return CX_EPROTO;
    }
    *result = r;
    return 0;
}
