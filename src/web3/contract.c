/* Contract bindings from ABI JSON. Each function/event entry is turned
 * back into signature text ("transfer(address to,uint256 amount)(bool)",
 * tuples spelled out from their components) and parsed by the ABI module,
 * so there is one type parser and its limits apply to ABI files too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/error.h>
#include "rpc_int.h"

#define ABI_FILE_MAX  (16u * 1024 * 1024)
#define ABI_MAX_DEPTH 32 /* tuple nesting in an ABI entry */

struct cx_eth_contract {
    bool has_addr;
    uint8_t addr[20];
    cx_eth_function *fns;
    size_t nfns;
    cx_eth_event *evs;
    size_t nevs;
    const cx_abi_type *ctor;
};

static int emsg(char *msg, size_t cap, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int emsg(char *msg, size_t cap, int code, const char *fmt, ...) {
    if (msg && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool ident(cx_str s) {
    if (!s.len || s.len > 64) return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
              (i && c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* One parameter's type text: "tuple..." becomes "(components)..." */
static int param_type(cx_buf *b, const cx_json *p, int depth) {
    if (depth > ABI_MAX_DEPTH) return CX_EDEPTH;
    const cx_json *t = cx_json_get(p, "type");
    if (cx_json_typeof(t) != CX_JSON_STRING) return CX_EPARSE;
    cx_str ts = cx_json_str(t);
    for (size_t i = 0; i < ts.len; i++)
        if (ts.ptr[i] == '(' || ts.ptr[i] == ')' || ts.ptr[i] == ',' || ts.ptr[i] == ' ')
            return CX_EPARSE; /* no smuggled signature syntax */
    if (ts.len >= 5 && !memcmp(ts.ptr, "tuple", 5)) {
        const cx_json *comps = cx_json_get(p, "components");
        if (cx_json_typeof(comps) != CX_JSON_ARRAY) return CX_EPARSE;
        cx_buf_putc(b, '(');
        for (size_t i = 0; i < cx_json_len(comps); i++) {
            if (i) cx_buf_putc(b, ',');
            int rc = param_type(b, cx_json_at(comps, i), depth + 1);
            if (rc) return rc;
        }
        cx_buf_putc(b, ')');
        return cx_buf_append(b, ts.ptr + 5, ts.len - 5);
    }
    return cx_buf_append(b, ts.ptr, ts.len);
}

static int param_list(cx_buf *b, const cx_json *list, bool with_names) {
    if (list && cx_json_typeof(list) != CX_JSON_ARRAY) return CX_EPARSE;
    cx_buf_putc(b, '(');
    for (size_t i = 0; i < cx_json_len(list); i++) {
        const cx_json *p = cx_json_at(list, i);
        if (i) cx_buf_putc(b, ',');
        int rc = param_type(b, p, 0);
        if (rc) return rc;
        bool idx = false;
        cx_json_bool(cx_json_get(p, "indexed"), &idx);
        if (idx && with_names) cx_buf_puts(b, " indexed");
        cx_str name = cx_json_str(cx_json_get(p, "name"));
        if (with_names && ident(name)) {
            cx_buf_putc(b, ' ');
            cx_buf_append(b, name.ptr, name.len);
        }
    }
    return cx_buf_putc(b, ')');
}

/* Text for one entry, parsed into sig. */
static int entry_sig(cx_arena *a, const cx_json *e, bool event, bool outputs, cx_abi_sig *sig) {
    cx_buf b = CX_BUF_INIT;
    cx_str name = cx_json_str(cx_json_get(e, "name"));
    int rc = 0;
    if (outputs || event) {
        if (!ident(name)) rc = CX_EPARSE;
        if (!rc) rc = cx_buf_append(&b, name.ptr, name.len);
    }
    if (!rc) rc = param_list(&b, cx_json_get(e, "inputs"), true);
    if (!rc && outputs) rc = param_list(&b, cx_json_get(e, "outputs"), false);
    cx_abi_error ae;
    if (!rc) rc = cx_abi_sig_parse(a, b.data, b.len, NULL, sig, &ae);
    cx_buf_free(&b);
    return rc;
}

int cx_eth_contract_from_abi(cx_arena *a, const char *json, size_t len, const uint8_t addr[20],
                             cx_eth_contract **out, char *msg, size_t cap) {
    if (!a || !json || !out) return CX_EINVAL;
    const cx_json *doc;
    cx_json_error je;
    cx_json_options jo = {.max_depth = 2 * ABI_MAX_DEPTH + 8};
    if (cx_json_parse(a, json, len, &jo, &doc, &je))
        return emsg(msg, cap, CX_EPARSE, "ABI is not JSON: %s", je.message);
    if (cx_json_typeof(doc) == CX_JSON_OBJECT) doc = cx_json_get(doc, "abi"); /* an artifact */
    if (cx_json_typeof(doc) != CX_JSON_ARRAY)
        return emsg(msg, cap, CX_EPARSE, "ABI must be a JSON array (or an object with \"abi\")");
    size_t n = cx_json_len(doc);
    cx_eth_contract *k = cx_arena_calloc(a, sizeof *k);
    if (!k) return CX_ENOMEM;
    k->fns = cx_arena_calloc(a, (n ? n : 1) * sizeof *k->fns);
    k->evs = cx_arena_calloc(a, (n ? n : 1) * sizeof *k->evs);
    if (!k->fns || !k->evs) return CX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const cx_json *e = cx_json_at(doc, i);
        if (cx_json_typeof(e) != CX_JSON_OBJECT)
            return emsg(msg, cap, CX_EPARSE, "ABI entry %zu is not an object", i);
        const char *type = cx_json_cstr(cx_json_get(e, "type"));
        if (!type) type = "function"; /* old solc output */
        const char *sm = cx_json_cstr(cx_json_get(e, "stateMutability"));
        if (!strcmp(type, "function")) {
            cx_eth_function *f = &k->fns[k->nfns];
            if (entry_sig(a, e, false, true, &f->sig))
                return emsg(msg, cap, CX_EPARSE, "ABI function entry %zu is malformed", i);
            bool constant = false;
            cx_json_bool(cx_json_get(e, "constant"), &constant);
            f->view = constant || (sm && (!strcmp(sm, "view") || !strcmp(sm, "pure")));
            f->payable = sm && !strcmp(sm, "payable");
            k->nfns++;
        } else if (!strcmp(type, "event")) {
            cx_eth_event *ev = &k->evs[k->nevs];
            if (entry_sig(a, e, true, false, &ev->sig))
                return emsg(msg, cap, CX_EPARSE, "ABI event entry %zu is malformed", i);
            cx_json_bool(cx_json_get(e, "anonymous"), &ev->anonymous);
            k->nevs++;
        } else if (!strcmp(type, "constructor")) {
            cx_abi_sig s;
            if (entry_sig(a, e, false, false, &s))
                return emsg(msg, cap, CX_EPARSE, "ABI constructor entry %zu is malformed", i);
            k->ctor = s.inputs;
        }
        /* error, fallback, receive: nothing to bind */
    }
    if (!k->ctor) {
        cx_abi_sig s;
        cx_abi_error ae;
        if (cx_abi_sig_parse(a, "()", 2, NULL, &s, &ae)) return CX_ENOMEM;
        k->ctor = s.inputs;
    }
    if (addr) cx_eth_contract_set_address(k, addr);
    *out = k;
    return 0;
}

int cx_eth_contract_load(cx_arena *a, const char *path, const uint8_t addr[20],
                         cx_eth_contract **out, char *msg, size_t cap) {
    if (!a || !path || !out) return CX_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f) return emsg(msg, cap, CX_ENOENT, "cannot open %s", path);
    cx_buf b = CX_BUF_INIT;
    char chunk[8192];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + got > ABI_FILE_MAX)
            rc = CX_ELIMIT;
        else
            rc = cx_buf_append(&b, chunk, got);
    }
    if (!rc && ferror(f)) rc = CX_EIO;
    fclose(f);
    if (rc && msg && cap) snprintf(msg, cap, "cannot read %s: %s", path, cx_strerror(rc));
    if (!rc) rc = cx_eth_contract_from_abi(a, b.data, b.len, addr, out, msg, cap);
    cx_buf_free(&b);
    return rc;
}

void cx_eth_contract_set_address(cx_eth_contract *k, const uint8_t addr[20]) {
    if (!k || !addr) return;
    k->has_addr = true;
    memcpy(k->addr, addr, 20);
}

const cx_eth_function *cx_eth_contract_function(const cx_eth_contract *k, const char *name) {
    if (!k || !name) return NULL;
    bool canon = strchr(name, '(') != NULL;
    for (size_t i = 0; i < k->nfns; i++)
        if (!strcmp(canon ? k->fns[i].sig.canonical : k->fns[i].sig.name, name)) return &k->fns[i];
    return NULL;
}

const cx_eth_event *cx_eth_contract_event(const cx_eth_contract *k, const char *name) {
    if (!k || !name) return NULL;
    bool canon = strchr(name, '(') != NULL;
    for (size_t i = 0; i < k->nevs; i++)
        if (!strcmp(canon ? k->evs[i].sig.canonical : k->evs[i].sig.name, name)) return &k->evs[i];
    return NULL;
}

const cx_abi_type *cx_eth_contract_constructor(const cx_eth_contract *k) {
    return k ? k->ctor : NULL;
}
size_t cx_eth_contract_function_count(const cx_eth_contract *k) {
    return k ? k->nfns : 0;
}
size_t cx_eth_contract_event_count(const cx_eth_contract *k) {
    return k ? k->nevs : 0;
}

int cx_eth_args_from_text(cx_arena *a, const cx_abi_type *inputs, const char *const *argv,
                          size_t argc, const cx_abi_value **out, char *msg, size_t cap) {
    if (!a || !inputs || inputs->kind != CX_ABI_TUPLE || (argc && !argv) || !out) return CX_EINVAL;
    if (argc != inputs->nfields) {
        if (msg && cap) snprintf(msg, cap, "takes %zu argument(s), got %zu", inputs->nfields, argc);
        return CX_EPARSE;
    }
    cx_abi_value *items = cx_arena_calloc(a, (argc ? argc : 1) * sizeof *items);
    cx_abi_value *t = cx_arena_calloc(a, sizeof *t);
    if (!items || !t) return CX_ENOMEM;
    for (size_t i = 0; i < argc; i++) {
        const cx_abi_value *v;
        cx_abi_error e;
        int rc = cx_abi_parse_value(a, inputs->fields[i], argv[i], strlen(argv[i]), &v, &e);
        if (rc) {
            if (msg && cap) snprintf(msg, cap, "argument %zu: %s", i + 1, e.message);
            return rc;
        }
        items[i] = *v;
    }
    *t = (cx_abi_value){.type = inputs, .items = items, .count = argc};
    *out = t;
    return 0;
}

/* selector (when given) + encoded args (an empty tuple when NULL). */
static int encode(cx_buf *b, const uint8_t *selector, const cx_abi_type *inputs,
                  const cx_abi_value *args, cx_eth_rpc_error *err) {
    if (selector && cx_buf_append(b, selector, 4)) return cx_eth__fail(err, CX_ENOMEM, "no memory");
    cx_abi_value empty = {.type = inputs};
    if (!args) {
        if (inputs->nfields) return cx_eth__fail(err, CX_EINVAL, "arguments missing");
        args = &empty;
    }
    if (args->type != inputs && args->count != inputs->nfields)
        return cx_eth__fail(err, CX_EINVAL, "arguments do not match the inputs");
    cx_abi_error e;
    int rc = cx_abi_encode(b, args, &e);
    return rc ? cx_eth__fail(err, rc, "cannot encode the arguments: %s", e.message) : 0;
}

int cx_eth_contract_call(cx_eth_client *c, cx_arena *a, const cx_eth_contract *k,
                         const cx_eth_function *fn, const cx_abi_value *args, const char *block,
                         const cx_abi_value **out, cx_eth_rpc_error *err) {
    if (!c || !a || !k || !fn || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    if (!k->has_addr) return cx_eth__fail(err, CX_EINVAL, "the contract has no address");
    cx_buf b = CX_BUF_INIT;
    int rc = encode(&b, fn->sig.selector, fn->sig.inputs, args, err);
    cx_eth_call_msg m = {.has_to = true, .data = (const uint8_t *)b.data, .data_len = b.len};
    memcpy(m.to, k->addr, 20);
    uint8_t *ret = NULL;
    size_t n = 0;
    if (!rc) rc = cx_eth_client_call(c, a, &m, block, &ret, &n, err);
    cx_buf_free(&b);
    if (rc) return rc;
    cx_abi_error e;
    rc = cx_abi_decode(a, fn->sig.outputs, ret, n, NULL, out, &e);
    return rc ? cx_eth__fail(err, CX_EPARSE, "%s returned undecodable data: %s", fn->sig.canonical,
                             e.message)
              : 0;
}

int cx_eth_contract_send(cx_eth_sender *s, const cx_eth_contract *k, const cx_eth_function *fn,
                         const cx_abi_value *args, const cx_u256 *value, cx_eth_sent *out,
                         cx_eth_rpc_error *err) {
    if (!s || !k || !fn || !out) return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    if (!k->has_addr) return cx_eth__fail(err, CX_EINVAL, "the contract has no address");
    cx_buf b = CX_BUF_INIT;
    int rc = encode(&b, fn->sig.selector, fn->sig.inputs, args, err);
    cx_eth_send_req r = {
        .type = -1, .has_to = true, .data = (const uint8_t *)b.data, .data_len = b.len};
    memcpy(r.to, k->addr, 20);
    if (value) r.value = *value;
    if (!rc) rc = cx_eth_sender_send(s, &r, out, err);
    cx_buf_free(&b);
    return rc;
}

int cx_eth_contract_deploy(cx_eth_sender *s, const cx_eth_contract *k, const uint8_t *bytecode,
                           size_t len, const cx_abi_value *args, const cx_u256 *value,
                           cx_eth_sent *out, cx_eth_rpc_error *err) {
    if (!s || !k || !bytecode || !len || !out)
        return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    cx_buf b = CX_BUF_INIT;
    int rc = cx_buf_append(&b, bytecode, len) ? cx_eth__fail(err, CX_ENOMEM, "no memory") : 0;
    if (!rc) rc = encode(&b, NULL, k->ctor, args, err);
    cx_eth_send_req r = {.type = -1, .data = (const uint8_t *)b.data, .data_len = b.len};
    if (value) r.value = *value;
    if (!rc) rc = cx_eth_sender_send(s, &r, out, err);
    cx_buf_free(&b);
    return rc;
}

int cx_eth_contract_decode_log(cx_arena *a, const cx_eth_contract *k, const cx_eth_log *log,
                               const cx_eth_event **ev, const cx_abi_value **out, char *msg,
                               size_t cap) {
    if (!a || !k || !log || !ev || !out) return CX_EINVAL;
    if (!log->ntopics) return CX_ENOTFOUND;
    for (size_t i = 0; i < k->nevs; i++) {
        const cx_eth_event *e = &k->evs[i];
        if (e->anonymous || memcmp(e->sig.topic, log->topics[0], 32)) continue;
        cx_abi_error ae;
        int rc = cx_abi_decode_log(a, &e->sig, false, log->topics, log->ntopics, log->data,
                                   log->data_len, NULL, out, &ae);
        if (rc) {
            if (msg && cap) snprintf(msg, cap, "%s: %s", e->sig.canonical, ae.message);
            return rc;
        }
        *ev = e;
        return 0;
    }
    return CX_ENOTFOUND;
}
