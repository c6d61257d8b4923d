/* ABI values to and from the text syntax of Foundry's `cast`: the CLI's
 * argument and output format. Parsing splits arrays and tuples on top-level
 * commas (brackets, parentheses and double-quoted strings nest) and is
 * bounded by the type, which is already depth-limited. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/web3.h>

static int terr(cx_abi_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void trim(const char **s, size_t *n) {
    while (*n && ws(**s)) (*s)++, (*n)--;
    while (*n && ws((*s)[*n - 1])) (*n)--;
}

static void negate(uint8_t w[32]) {
    unsigned carry = 1;
    for (int i = 31; i >= 0; i--) {
        unsigned v = (uint8_t)~w[i] + carry;
        w[i] = (uint8_t)v;
        carry = v >> 8;
    }
}

/* Is the unsigned word below 2^bits? */
static bool fits(const uint8_t w[32], unsigned bits) {
    unsigned full = (256 - bits) / 8, part = bits % 8;
    for (unsigned i = 0; i < full; i++)
        if (w[i]) return false;
    return part == 0 || (w[full] >> part) == 0;
}

static int parse_int(const cx_abi_type *t, const char *s, size_t n, uint8_t w[32],
                     cx_abi_error *err) {
    bool neg = n && s[0] == '-';
    const char *d = s + neg;
    size_t dn = n - neg;
    cx_u256 v;
    int rc = cx_u256_parse(d, dn, &v);
    if (rc == CX_EPARSE)
        return terr(err, rc, "'%.*s' is not an integer (decimal or 0x hex)", (int)n, s);
    if (rc) return terr(err, rc, "'%.*s' does not fit in 256 bits", (int)n, s);
    memcpy(w, v.b, 32);
    if (t->kind == CX_ABI_UINT) {
        if (neg && !cx_u256_is_zero(&v))
            return terr(err, CX_ERANGE, "'%.*s': negative value for uint%u", (int)n, s, t->size);
        if (!fits(w, t->size))
            return terr(err, CX_ERANGE, "'%.*s' does not fit in uint%u", (int)n, s, t->size);
        return 0;
    }
    /* intN: magnitude below 2^(N-1), or exactly 2^(N-1) when negative. */
    bool ok = fits(w, t->size - 1);
    if (!ok && neg) {
        uint8_t lim[32] = {0};
        unsigned bit = t->size - 1;
        lim[31 - bit / 8] = (uint8_t)(1u << (bit % 8));
        ok = memcmp(w, lim, 32) == 0;
    }
    if (!ok) return terr(err, CX_ERANGE, "'%.*s' does not fit in int%u", (int)n, s, t->size);
    if (neg) negate(w);
    return 0;
}

/* Split s[0..n) (inside the brackets) on top-level commas. */
static int split(cx_arena *a, const char *s, size_t n, cx_str **parts, size_t *count,
                 cx_abi_error *err) {
    size_t cap = 1, depth = 0;
    bool quote = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == '"')
                quote = false;
        } else if (c == '"')
            quote = true;
        else if (c == '[' || c == '(')
            depth++;
        else if (c == ']' || c == ')') {
            if (!depth) return terr(err, CX_EPARSE, "unbalanced '%c'", c);
            depth--;
        } else if (c == ',' && !depth)
            cap++;
    }
    if (quote) return terr(err, CX_EPARSE, "unterminated string");
    if (depth) return terr(err, CX_EPARSE, "unbalanced brackets");
    const char *t = s;
    size_t tn = n;
    trim(&t, &tn);
    if (tn == 0) {
        *parts = NULL;
        *count = 0;
        return 0;
    }
    cx_str *p = cx_arena_alloc(a, cap * sizeof *p);
    if (!p) return CX_ENOMEM;
    size_t k = 0, start = 0;
    depth = 0;
    quote = false;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : ',';
        if (i < n && quote) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == '"')
                quote = false;
            continue;
        }
        if (c == '"')
            quote = true;
        else if (c == '[' || c == '(')
            depth++;
        else if (c == ']' || c == ')')
            depth--;
        else if (c == ',' && !depth) {
            p[k++] = (cx_str){s + start, i - start};
            start = i + 1;
        }
    }
    *parts = p;
    *count = k;
    return 0;
}

static int parse(cx_arena *a, const cx_abi_type *t, const char *s, size_t n, bool nested,
                 cx_abi_value *v, cx_abi_error *err) {
    v->type = t;
    if (t->kind != CX_ABI_STRING || nested) trim(&s, &n);
    size_t got;
    int rc;
    switch (t->kind) {
    case CX_ABI_UINT:
    case CX_ABI_INT:
        return parse_int(t, s, n, v->word, err);
    case CX_ABI_ADDRESS:
        if (cx_eth_address_parse(s, n, v->word + 12))
            return terr(err, CX_EPARSE, "'%.*s' is not an address (0x + 40 hex, valid EIP-55)",
                        (int)n, s);
        return 0;
    case CX_ABI_BOOL:
        if (n == 4 && !memcmp(s, "true", 4))
            v->word[31] = 1;
        else if (!(n == 5 && !memcmp(s, "false", 5)))
            return terr(err, CX_EPARSE, "'%.*s' is not a bool (true or false)", (int)n, s);
        return 0;
    case CX_ABI_FBYTES:
        rc = cx_hex_decode(s, n, CX_HEX_PREFIX, v->word, t->size, &got);
        if (rc == CX_ELIMIT)
            return terr(err, rc, "'%.*s' is longer than bytes%u", (int)n, s, t->size);
        if (rc) return terr(err, rc, "'%.*s' is not 0x-prefixed hex", (int)n, s);
        return 0;
    case CX_ABI_BYTES: {
        uint8_t *b;
        if (cx_hex_decode_alloc(a, s, n, CX_HEX_PREFIX, &b, &v->len))
            return terr(err, CX_EPARSE, "'%.*s' is not 0x-prefixed hex bytes", (int)n, s);
        v->bytes = b;
        return 0;
    }
    case CX_ABI_STRING:
        if (nested) {
            if (n < 2 || s[0] != '"' || s[n - 1] != '"')
                return terr(err, CX_EPARSE,
                            "string in an array or tuple must be in double quotes: %.*s", (int)n,
                            s);
            /* Unescape \" and \\ only. */
            char *o = cx_arena_alloc(a, n);
            if (!o) return CX_ENOMEM;
            size_t k = 0;
            for (size_t i = 1; i + 1 < n; i++) {
                if (s[i] == '\\' && i + 2 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) i++;
                o[k++] = s[i];
            }
            v->bytes = (const uint8_t *)o;
            v->len = k;
        } else {
            v->bytes = (const uint8_t *)s;
            v->len = n;
        }
        return 0;
    case CX_ABI_ARRAY:
    case CX_ABI_SLICE:
    case CX_ABI_TUPLE: {
        char open = t->kind == CX_ABI_TUPLE ? '(' : '[', close = open == '(' ? ')' : ']';
        if (n < 2 || s[0] != open || s[n - 1] != close)
            return terr(err, CX_EPARSE, "expected %c...%c for %s, got '%.*s'", open, close,
                        t->kind == CX_ABI_TUPLE ? "a tuple" : "an array", (int)n, s);
        cx_str *parts = NULL;
        size_t count = 0;
        if ((rc = split(a, s + 1, n - 2, &parts, &count, err))) return rc;
        size_t want = t->kind == CX_ABI_ARRAY ? t->length : t->nfields;
        if (t->kind != CX_ABI_SLICE && count != want)
            return terr(err, CX_EPARSE, "expected %zu items in '%.*s', got %zu", want, (int)n, s,
                        count);
        cx_abi_value *items = count ? cx_arena_calloc(a, count * sizeof *items) : NULL;
        if (count && !items) return CX_ENOMEM;
        for (size_t i = 0; i < count; i++) {
            const cx_abi_type *et = t->kind == CX_ABI_TUPLE ? t->fields[i] : t->elem;
            if ((rc = parse(a, et, parts[i].ptr, parts[i].len, true, &items[i], err))) return rc;
        }
        v->items = items;
        v->count = count;
        return 0;
    }
    }
    return CX_EINVAL;
}

int cx_abi_parse_value(cx_arena *a, const cx_abi_type *t, const char *text, size_t n,
                       const cx_abi_value **out, cx_abi_error *err) {
    if (!a || !t || !out || (!text && n)) return CX_EINVAL;
    cx_abi_value *v = cx_arena_calloc(a, sizeof *v);
    if (!v) return CX_ENOMEM;
    int rc = parse(a, t, text ? text : "", n, false, v, err);
    if (rc) return rc;
    *out = v;
    return 0;
}

int cx_abi_format_value(cx_buf *out, const cx_abi_value *v) {
    if (!out || !v || !v->type) return CX_EINVAL;
    const cx_abi_type *t = v->type;
    char tmp[80];
    int rc = 0;
    switch (t->kind) {
    case CX_ABI_UINT: {
        cx_u256 u;
        memcpy(u.b, v->word, 32);
        cx_u256_to_dec(&u, tmp);
        return cx_buf_puts(out, tmp);
    }
    case CX_ABI_INT: {
        cx_u256 u;
        memcpy(u.b, v->word, 32);
        bool neg = u.b[0] & 0x80;
        if (neg) negate(u.b);
        cx_u256_to_dec(&u, tmp);
        if (neg && (rc = cx_buf_putc(out, '-'))) return rc;
        return cx_buf_puts(out, tmp);
    }
    case CX_ABI_ADDRESS:
        cx_eth_address_format(v->word + 12, tmp);
        return cx_buf_puts(out, tmp);
    case CX_ABI_BOOL:
        return cx_buf_puts(out, v->word[31] ? "true" : "false");
    case CX_ABI_FBYTES:
        return cx_hex_encode(out, v->word, t->size);
    case CX_ABI_BYTES:
        return cx_hex_encode(out, v->bytes, v->len);
    case CX_ABI_STRING:
        return cx_buf_append(out, v->bytes, v->len);
    case CX_ABI_ARRAY:
    case CX_ABI_SLICE:
    case CX_ABI_TUPLE:
        rc = cx_buf_putc(out, t->kind == CX_ABI_TUPLE ? '(' : '[');
        for (size_t i = 0; !rc && i < v->count; i++) {
            if (i) rc = cx_buf_puts(out, ", ");
            if (!rc) rc = cx_abi_format_value(out, &v->items[i]);
        }
        return rc ? rc : cx_buf_putc(out, t->kind == CX_ABI_TUPLE ? ')' : ']');
    }
    return CX_EINVAL;
}
