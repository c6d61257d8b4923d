/* ABI type and signature parsing. A small recursive-descent parser over the
 * grammar  type := base ('[' digits? ']')* ; base := elementary | '(' list ')'
 * with optional parameter names (and "indexed") after each type, so that
 * human-written signatures like "transfer(address to, uint256 amount)" work.
 * Recursion is bounded by max_depth. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/web3.h>

cx_abi_limits cx_abi_limits_defaults(void) {
    return (cx_abi_limits){
        .max_depth = 32, .max_fields = 1024, .max_elements = 1000000, .max_total = 4000000};
}

typedef struct parser {
    cx_arena *a;
    const char *s, *end;
    size_t depth, max_depth, max_fields;
    cx_abi_error *err;
} parser;

/* The parser for text[0..n) under lim (NULL or zero fields: defaults). */
static parser make_parser(cx_arena *a, const char *text, size_t n, const cx_abi_limits *lim,
                          cx_abi_error *err) {
    cx_abi_limits d = cx_abi_limits_defaults();
    parser p = {a, text, text + n, 0, d.max_depth, d.max_fields, err};
    if (lim && lim->max_depth) p.max_depth = lim->max_depth;
    if (lim && lim->max_fields) p.max_fields = lim->max_fields;
    return p;
}

static int perr(parser *p, int code, const char *fmt, ...) {
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void skip_ws(parser *p) {
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t')) p->s++;
}

static bool is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
}

/* Parses an unsigned decimal in [lo, hi] from s[0..n); -1 if not. */
static long small_num(const char *s, size_t n, long lo, long hi) {
    if (n == 0 || n > 9 || (n > 1 && s[0] == '0')) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

static cx_abi_type *new_type(parser *p, cx_abi_kind k, unsigned size) {
    cx_abi_type *t = cx_arena_calloc(p->a, sizeof *t);
    if (t) {
        t->kind = k;
        t->size = size;
    }
    return t;
}

static int elementary(parser *p, const char *w, size_t n, cx_abi_type **out) {
    cx_abi_type *t = NULL;
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(w, lit, n))
    if (IS("address"))
        t = new_type(p, CX_ABI_ADDRESS, 160);
    else if (IS("bool"))
        t = new_type(p, CX_ABI_BOOL, 8);
    else if (IS("string"))
        t = new_type(p, CX_ABI_STRING, 0);
    else if (IS("bytes"))
        t = new_type(p, CX_ABI_BYTES, 0);
    else if (IS("function")) {
        t = new_type(p, CX_ABI_FBYTES, 24);
        if (t) t->function = true;
    } else if (IS("uint"))
        t = new_type(p, CX_ABI_UINT, 256);
    else if (IS("int"))
        t = new_type(p, CX_ABI_INT, 256);
    else if (n > 5 && !memcmp(w, "bytes", 5)) {
        long v = small_num(w + 5, n - 5, 1, 32);
        if (v < 0) return perr(p, CX_EPARSE, "bad type '%.*s': bytesN needs N in 1..32", (int)n, w);
        t = new_type(p, CX_ABI_FBYTES, (unsigned)v);
    } else if ((n > 4 && !memcmp(w, "uint", 4)) || (n > 3 && !memcmp(w, "int", 3))) {
        bool u = w[0] == 'u';
        size_t pre = u ? 4 : 3;
        long v = small_num(w + pre, n - pre, 8, 256);
        if (v < 0 || v % 8)
            return perr(p, CX_EPARSE, "bad type '%.*s': width must be a multiple of 8 in 8..256",
                        (int)n, w);
        t = new_type(p, u ? CX_ABI_UINT : CX_ABI_INT, (unsigned)v);
    } else {
        return perr(p, CX_EPARSE, "unknown type '%.*s'", (int)n, w);
    }
#undef IS
    if (!t) return CX_ENOMEM;
    *out = t;
    return 0;
}

static int parse_type(parser *p, cx_abi_type **out);

/* '(' [type {',' type}] ')' ; the opening parenthesis is at p->s. The
 * components are gathered in a heap buffer (not on the stack, so deep
 * nesting stays cheap on a small coroutine stack) and copied to the arena. */
static int parse_list_items(parser *p, cx_buf *fields) {
    skip_ws(p);
    if (p->s < p->end && *p->s == ')') {
        p->s++;
        return 0;
    }
    for (;;) {
        if (fields->len / sizeof(cx_abi_type *) >= p->max_fields)
            return perr(p, CX_ELIMIT, "more than %zu components in one tuple", p->max_fields);
        cx_abi_type *f;
        int rc = parse_type(p, &f);
        if (rc) return rc;
        if ((rc = cx_buf_append(fields, &f, sizeof f))) return rc;
        skip_ws(p);
        /* optional "indexed", then an optional parameter name */
        for (int word = 0; word < 2; word++) {
            const char *w = p->s;
            while (p->s < p->end && is_ident(*p->s)) p->s++;
            size_t wl = (size_t)(p->s - w);
            if (!wl) break;
            if (word == 0 && wl == 7 && !memcmp(w, "indexed", 7)) {
                f->indexed = true;
            } else {
                if (!(f->name = cx_arena_strndup(p->a, w, wl))) return CX_ENOMEM;
                word = 2;
            }
            skip_ws(p);
        }
        if (p->s >= p->end) return perr(p, CX_EPARSE, "unterminated '(' in type list");
        if (*p->s == ')') {
            p->s++;
            return 0;
        }
        if (*p->s != ',')
            return perr(p, CX_EPARSE, "expected ',' or ')' at '%.*s'",
                        (int)(p->end - p->s > 20 ? 20 : p->end - p->s), p->s);
        p->s++;
        skip_ws(p);
    }
}

static int parse_list(parser *p, cx_abi_type **out) {
    if (++p->depth > p->max_depth) return perr(p, CX_EDEPTH, "types nested too deep");
    p->s++; /* '(' */
    cx_buf fields = CX_BUF_INIT;
    int rc = parse_list_items(p, &fields);
    size_t n = fields.len / sizeof(cx_abi_type *);
    cx_abi_type *t = rc ? NULL : new_type(p, CX_ABI_TUPLE, 0);
    if (!rc && !t) rc = CX_ENOMEM;
    if (!rc && n) {
        cx_abi_type **f = cx_arena_alloc(p->a, fields.len);
        if (f) {
            memcpy(f, fields.data, fields.len);
            t->fields = (const cx_abi_type *const *)f;
        } else {
            rc = CX_ENOMEM;
        }
    }
    cx_buf_free(&fields);
    if (rc) return rc;
    t->nfields = n;
    p->depth--;
    *out = t;
    return 0;
}

static int parse_type(parser *p, cx_abi_type **out) {
    skip_ws(p);
    cx_abi_type *t;
    int rc;
    if (p->s < p->end && *p->s == '(') {
        rc = parse_list(p, &t);
    } else {
        const char *w = p->s;
        while (p->s < p->end && is_ident(*p->s)) p->s++;
        size_t n = (size_t)(p->s - w);
        if (n == 5 && !memcmp(w, "tuple", 5) && p->s < p->end && *p->s == '(')
            rc = parse_list(p, &t);
        else if (!n)
            return perr(p, CX_EPARSE, "expected a type at '%.*s'",
                        (int)(p->end - p->s > 20 ? 20 : p->end - p->s), p->s);
        else
            rc = elementary(p, w, n, &t);
    }
    if (rc) return rc;
    /* An empty tuple is a signature's empty list, never a value's type:
     * Solidity has no empty structs, and an array of zero-size elements
     * would let a few bytes of data claim millions of values. */
    if (t->kind == CX_ABI_TUPLE && t->nfields == 0)
        return perr(p, CX_EPARSE, "empty tuple '()' is not a valid type");
    size_t dims = 0;
    while (p->s < p->end && *p->s == '[') {
        if (++dims + p->depth > p->max_depth) return perr(p, CX_EDEPTH, "types nested too deep");
        const char *num = ++p->s;
        while (p->s < p->end && *p->s != ']') p->s++;
        if (p->s >= p->end) return perr(p, CX_EPARSE, "unterminated '['");
        size_t nl = (size_t)(p->s - num);
        p->s++;
        cx_abi_type *arr = new_type(p, nl ? CX_ABI_ARRAY : CX_ABI_SLICE, 0);
        if (!arr) return CX_ENOMEM;
        if (nl) {
            long v = small_num(num, nl, 1, 100000000);
            if (v < 0) return perr(p, CX_EPARSE, "bad array length '%.*s'", (int)nl, num);
            arr->length = (size_t)v;
        }
        arr->elem = t;
        t = arr;
    }
    *out = t;
    return 0;
}

int cx_abi_type_parse(cx_arena *a, const char *text, size_t n, const cx_abi_limits *lim,
                      const cx_abi_type **out, cx_abi_error *err) {
    if (!a || !text || !out) return CX_EINVAL;
    parser p = make_parser(a, text, n, lim, err);
    cx_abi_type *t;
    int rc = parse_type(&p, &t);
    if (rc) return rc;
    skip_ws(&p);
    if (p.s != p.end)
        return perr(&p, CX_EPARSE, "unexpected '%.*s' after the type", (int)(p.end - p.s), p.s);
    *out = t;
    return 0;
}

int cx_abi_sig_parse(cx_arena *a, const char *text, size_t n, const cx_abi_limits *lim,
                     cx_abi_sig *out, cx_abi_error *err) {
    if (!a || !text || !out) return CX_EINVAL;
    parser p = make_parser(a, text, n, lim, err);
    memset(out, 0, sizeof *out);
    skip_ws(&p);
    const char *w = p.s;
    while (p.s < p.end && is_ident(*p.s)) p.s++;
    if (p.s > w && w[0] >= '0' && w[0] <= '9')
        return perr(&p, CX_EPARSE, "function name may not start with a digit");
    out->name = cx_arena_strndup(a, w, (size_t)(p.s - w));
    if (!out->name) return CX_ENOMEM;
    if (p.s >= p.end || *p.s != '(')
        return perr(&p, CX_EPARSE, "expected '(' after the name in signature '%.*s'", (int)n, text);
    cx_abi_type *in, *outs = NULL;
    int rc = parse_list(&p, &in);
    if (rc) return rc;
    skip_ws(&p);
    if (p.s < p.end && *p.s == '(') {
        if ((rc = parse_list(&p, &outs))) return rc;
        skip_ws(&p);
    }
    if (p.s != p.end)
        return perr(&p, CX_EPARSE, "unexpected '%.*s' after the signature", (int)(p.end - p.s),
                    p.s);
    if (!outs && !(outs = new_type(&p, CX_ABI_TUPLE, 0))) return CX_ENOMEM;
    out->inputs = in;
    out->outputs = outs;
    cx_buf b = CX_BUF_INIT;
    rc = cx_buf_puts(&b, out->name);
    if (!rc) rc = cx_abi_type_format(&b, in);
    if (!rc) out->canonical = cx_arena_strndup(a, b.data, b.len);
    if (!rc && !out->canonical) rc = CX_ENOMEM;
    if (!rc) {
        cx_keccak256(b.data, b.len, out->topic);
        memcpy(out->selector, out->topic, 4);
    }
    cx_buf_free(&b);
    return rc;
}

int cx_abi_type_format(cx_buf *out, const cx_abi_type *t) {
    if (!out || !t) return CX_EINVAL;
    int rc = 0;
    switch (t->kind) {
    case CX_ABI_UINT:
        return cx_buf_printf(out, "uint%u", t->size);
    case CX_ABI_INT:
        return cx_buf_printf(out, "int%u", t->size);
    case CX_ABI_ADDRESS:
        return cx_buf_puts(out, "address");
    case CX_ABI_BOOL:
        return cx_buf_puts(out, "bool");
    case CX_ABI_FBYTES:
        if (t->function) return cx_buf_puts(out, "function");
        return cx_buf_printf(out, "bytes%u", t->size);
    case CX_ABI_BYTES:
        return cx_buf_puts(out, "bytes");
    case CX_ABI_STRING:
        return cx_buf_puts(out, "string");
    case CX_ABI_ARRAY:
        rc = cx_abi_type_format(out, t->elem);
        return rc ? rc : cx_buf_printf(out, "[%zu]", t->length);
    case CX_ABI_SLICE:
        rc = cx_abi_type_format(out, t->elem);
        return rc ? rc : cx_buf_puts(out, "[]");
    case CX_ABI_TUPLE:
        rc = cx_buf_putc(out, '(');
        for (size_t i = 0; !rc && i < t->nfields; i++) {
            if (i) rc = cx_buf_putc(out, ',');
            if (!rc) rc = cx_abi_type_format(out, t->fields[i]);
        }
        return rc ? rc : cx_buf_putc(out, ')');
    }
    return CX_EINVAL;
}

bool cx_abi_type_is_dynamic(const cx_abi_type *t) {
    if (!t) return false; /* documented: no type, nothing dynamic */
    switch (t->kind) {
    case CX_ABI_BYTES:
    case CX_ABI_STRING:
    case CX_ABI_SLICE:
        return true;
    case CX_ABI_ARRAY:
        return cx_abi_type_is_dynamic(t->elem);
    case CX_ABI_TUPLE:
        for (size_t i = 0; i < t->nfields; i++)
            if (cx_abi_type_is_dynamic(t->fields[i])) return true;
        return false;
    default:
        return false;
    }
}

size_t cx_abi_type_head_size(const cx_abi_type *t) {
    if (!t) return 0; /* documented: no type takes no head bytes */
    if (cx_abi_type_is_dynamic(t)) return 32;
    if (t->kind == CX_ABI_ARRAY) {
        size_t e = cx_abi_type_head_size(t->elem); /* 0 for an empty tuple */
        return e && t->length > SIZE_MAX / e ? SIZE_MAX : t->length * e;
    }
    if (t->kind == CX_ABI_TUPLE) {
        size_t s = 0;
        for (size_t i = 0; i < t->nfields; i++) {
            size_t f = cx_abi_type_head_size(t->fields[i]);
            s = s > SIZE_MAX - f ? SIZE_MAX : s + f;
        }
        return s;
    }
    return 32;
}
