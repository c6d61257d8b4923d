/* EIP-712 typed structured data hashing over the eth_signTypedData_v4 JSON
 * document. Atomic values reuse the ABI text parser (so integers, addresses
 * and bytesN obey the same strict rules as everywhere else); structs and
 * arrays recurse up to max_depth. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/web3.h>

cx_eip712_limits cx_eip712_limits_defaults(void) {
    return (cx_eip712_limits){.max_depth = 32};
}

typedef struct ctx {
    cx_arena *a;
    const cx_json *types;         /* object: name -> [{name,type}] */
    const cx_json *domain_fields; /* derived EIP712Domain when types lacks it */
    size_t depth, max_depth;
    char *msg;
    size_t cap;
} ctx;

static int efail(ctx *c, const char *fmt, ...) {
    if (c->msg && c->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, c->cap, fmt, ap);
        va_end(ap);
    }
    return CX_EPARSE;
}

static const cx_json *fields_of(ctx *c, cx_str name) {
    const cx_json *f = cx_json_getn(c->types, name.ptr, name.len);
    if (!f && c->domain_fields && cx_str_eq(name, CX_STR("EIP712Domain"))) f = c->domain_fields;
    return cx_json_typeof(f) == CX_JSON_ARRAY ? f : NULL;
}

/* The struct name a field type refers to: "Person[][2]" -> "Person". */
static cx_str base_name(cx_str t) {
    size_t n = t.len;
    while (n && t.ptr[n - 1] == ']') {
        while (n && t.ptr[n - 1] != '[') n--;
        if (n) n--;
    }
    return (cx_str){t.ptr, n};
}

typedef struct names {
    cx_str v[CX_EIP712_MAX_TYPES];
    size_t n;
} names;

static bool has(const names *s, cx_str x) {
    for (size_t i = 0; i < s->n; i++)
        if (cx_str_eq(s->v[i], x)) return true;
    return false;
}

static int collect(ctx *c, cx_str type, names *seen) {
    if (has(seen, type) || !fields_of(c, type)) return 0;
    if (seen->n == CX_EIP712_MAX_TYPES)
        return efail(c, "more than %d struct types", CX_EIP712_MAX_TYPES);
    seen->v[seen->n++] = type;
    const cx_json *f = fields_of(c, type);
    for (size_t i = 0; i < cx_json_len(f); i++) {
        int rc = collect(c, base_name(cx_json_str(cx_json_get(cx_json_at(f, i), "type"))), seen);
        if (rc) return rc;
    }
    return 0;
}

static int cmp_str(const void *x, const void *y) {
    const cx_str *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->ptr, b->ptr, n);
    return r ? r : (a->len > b->len) - (a->len < b->len);
}

static int encode_type(ctx *c, cx_str primary, cx_buf *out) {
    names seen = {.n = 0};
    int rc = collect(c, primary, &seen);
    if (rc) return rc;
    if (seen.n > 1) qsort(seen.v + 1, seen.n - 1, sizeof(cx_str), cmp_str);
    for (size_t i = 0; !rc && i < seen.n; i++) {
        const cx_json *f = fields_of(c, seen.v[i]);
        rc = cx_buf_append(out, seen.v[i].ptr, seen.v[i].len);
        if (!rc) rc = cx_buf_putc(out, '(');
        for (size_t j = 0; !rc && j < cx_json_len(f); j++) {
            const cx_json *fd = cx_json_at(f, j);
            cx_str fn = cx_json_str(cx_json_get(fd, "name")),
                   ft = cx_json_str(cx_json_get(fd, "type"));
            if (!fn.ptr || !ft.ptr)
                return efail(c, "type '%.*s': field %zu needs string name and type",
                             (int)seen.v[i].len, seen.v[i].ptr, j);
            if (j) rc = cx_buf_putc(out, ',');
            if (!rc) rc = cx_buf_printf(out, "%.*s %.*s", (int)ft.len, ft.ptr, (int)fn.len, fn.ptr);
        }
        if (!rc) rc = cx_buf_putc(out, ')');
    }
    return rc;
}

static int hash_struct(ctx *c, cx_str type, const cx_json *v, uint8_t out[32]);

static int encode_field(ctx *c, cx_str type, const cx_json *v, uint8_t out[32]) {
    if (c->depth >= c->max_depth) return efail(c, "typed data nested too deep");
    c->depth++;
    int rc = 0;
    if (type.len && type.ptr[type.len - 1] == ']') {
        size_t open = type.len - 1;
        while (open && type.ptr[open] != '[') open--;
        cx_str inner = {type.ptr, open};
        if (cx_json_typeof(v) != CX_JSON_ARRAY)
            return efail(c, "value of type %.*s must be an array", (int)type.len, type.ptr);
        size_t want = 0;
        for (size_t i = open + 1; i < type.len - 1; i++)
            want = want * 10 + (size_t)(type.ptr[i] - '0');
        if (open + 2 < type.len && cx_json_len(v) != want)
            return efail(c, "array of type %.*s has %zu elements", (int)type.len, type.ptr,
                         cx_json_len(v));
        cx_keccak256_ctx k;
        cx_keccak256_init(&k);
        for (size_t i = 0; !rc && i < cx_json_len(v); i++) {
            uint8_t w[32];
            rc = encode_field(c, inner, cx_json_at(v, i), w);
            cx_keccak256_update(&k, w, 32);
        }
        cx_keccak256_final(&k, out);
    } else if (fields_of(c, type)) {
        rc = hash_struct(c, type, v, out);
    } else if (cx_str_eq(type, CX_STR("string"))) {
        cx_str s = cx_json_str(v);
        if (!s.ptr) return efail(c, "string value expected");
        cx_keccak256(s.ptr, s.len, out);
    } else if (cx_str_eq(type, CX_STR("bytes"))) {
        cx_str s = cx_json_str(v);
        uint8_t *b;
        size_t n;
        if (!s.ptr || cx_hex_decode_alloc(c->a, s.ptr, s.len, CX_HEX_PREFIX, &b, &n))
            return efail(c, "bytes value must be 0x hex");
        cx_keccak256(b, n, out);
    } else {
        const cx_abi_type *t;
        cx_abi_error e;
        if (cx_abi_type_parse(c->a, type.ptr, type.len, NULL, &t, &e) || t->kind > CX_ABI_FBYTES)
            return efail(c, "unknown type '%.*s'", (int)type.len, type.ptr);
        cx_str text;
        if (cx_json_typeof(v) == CX_JSON_NUMBER) {
            if (cx_json_number_kind(v) == CX_JSON_NUM_REAL)
                return efail(c, "value of type %.*s is not an integer", (int)type.len, type.ptr);
            text = cx_json_number_text(v);
        } else if (cx_json_typeof(v) == CX_JSON_BOOL) {
            bool b = false;
            cx_json_bool(v, &b);
            text = b ? CX_STR("true") : CX_STR("false");
        } else {
            text = cx_json_str(v);
        }
        if (!text.ptr) return efail(c, "missing value of type %.*s", (int)type.len, type.ptr);
        const cx_abi_value *av;
        if (cx_abi_parse_value(c->a, t, text.ptr, text.len, &av, &e))
            return efail(c, "%s", e.message);
        if (t->kind == CX_ABI_FBYTES && text.len != 2 + 2 * (size_t)t->size)
            return efail(c, "value of type %.*s must have exactly %u bytes", (int)type.len,
                         type.ptr, t->size);
        memcpy(out, av->word, 32);
    }
    c->depth--;
    return rc;
}

static int hash_struct(ctx *c, cx_str type, const cx_json *v, uint8_t out[32]) {
    if (cx_json_typeof(v) != CX_JSON_OBJECT)
        return efail(c, "value of struct %.*s must be an object", (int)type.len, type.ptr);
    cx_buf enc = CX_BUF_INIT;
    int rc = encode_type(c, type, &enc);
    uint8_t w[32];
    if (!rc) {
        cx_keccak256(enc.data, enc.len, w);
        cx_buf_reset(&enc);
        rc = cx_buf_append(&enc, w, 32);
    }
    const cx_json *f = fields_of(c, type);
    for (size_t i = 0; !rc && i < cx_json_len(f); i++) {
        const cx_json *fd = cx_json_at(f, i);
        cx_str fn = cx_json_str(cx_json_get(fd, "name")), ft = cx_json_str(cx_json_get(fd, "type"));
        const cx_json *fv = cx_json_getn(v, fn.ptr, fn.len);
        if (!fv) {
            rc = efail(c, "struct %.*s: missing field '%.*s'", (int)type.len, type.ptr, (int)fn.len,
                       fn.ptr);
            break;
        }
        rc = encode_field(c, ft, fv, w);
        if (!rc) rc = cx_buf_append(&enc, w, 32);
    }
    if (!rc) cx_keccak256(enc.data, enc.len, out);
    cx_buf_free(&enc);
    return rc;
}

/* {"name":"name","type":"string"}, ... for the domain fields present. */
static int derive_domain(ctx *c, const cx_json *domain) {
    static const char *order[][2] = {{"name", "string"},
                                     {"version", "string"},
                                     {"chainId", "uint256"},
                                     {"verifyingContract", "address"},
                                     {"salt", "bytes32"}};
    cx_buf b = CX_BUF_INIT;
    int rc = cx_buf_putc(&b, '[');
    bool first = true;
    for (size_t i = 0; !rc && i < 5; i++) {
        if (!cx_json_get(domain, order[i][0])) continue;
        rc = cx_buf_printf(&b, "%s{\"name\":\"%s\",\"type\":\"%s\"}", first ? "" : ",", order[i][0],
                           order[i][1]);
        first = false;
    }
    if (!rc) rc = cx_buf_putc(&b, ']');
    if (!rc) rc = cx_json_parse(c->a, b.data, b.len, NULL, &c->domain_fields, NULL);
    cx_buf_free(&b);
    return rc;
}

int cx_eip712_hash(const cx_json *doc, const cx_eip712_limits *lim, uint8_t out[32], char *msg,
                   size_t msg_cap) {
    if (!doc || !out) return CX_EINVAL;
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return CX_ENOMEM;
    ctx c = {.a = a, .types = cx_json_get(doc, "types"), .msg = msg, .cap = msg_cap};
    c.max_depth = lim && lim->max_depth ? lim->max_depth : 32;
    int rc = 0;
    const cx_json *domain = cx_json_get(doc, "domain");
    cx_str primary = cx_json_str(cx_json_get(doc, "primaryType"));
    const cx_json *message = cx_json_get(doc, "message");
    if (cx_json_typeof(c.types) != CX_JSON_OBJECT)
        rc = efail(&c, "'types' must be an object");
    else if (cx_json_typeof(domain) != CX_JSON_OBJECT)
        rc = efail(&c, "'domain' must be an object");
    else if (!primary.ptr)
        rc = efail(&c, "'primaryType' must be a string");
    else if (!cx_json_get(c.types, primary.ptr))
        rc = efail(&c, "primaryType '%s' is not in types", primary.ptr);
    else if (!cx_json_get(c.types, "EIP712Domain"))
        rc = derive_domain(&c, domain);
    uint8_t buf[66] = {0x19, 0x01};
    if (!rc) rc = hash_struct(&c, CX_STR("EIP712Domain"), domain, buf + 2);
    if (!rc) rc = hash_struct(&c, primary, message, buf + 34);
    if (!rc) cx_keccak256(buf, sizeof buf, out);
    cx_arena_free(a);
    return rc;
}
