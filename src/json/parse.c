/* The parser: one pass, no recursion.
 *
 * The input is copied into the arena with zeroed padding behind it, so the
 * scanners may read a vector past the end and a NUL always stops them.
 * Strings are decoded in place (an escape never gets longer when decoded)
 * and NUL-terminated over their closing quote. Values are pushed onto a
 * value stack as they are read; when a container closes, its children are
 * copied from the top of that stack into one arena array. Open containers
 * are frames on a second stack. Both stacks start in the parser struct (on
 * the C stack, about 1 KiB) and move to the heap only for larger documents.
 */
#include "json_int.h"
#include "core/hexval.h"
#include <cortex/error.h>
#include <stdio.h>
#include <stdlib.h>

#define PAD           48 /* zero bytes readable behind the copied text */
#define INLINE_NODES  24
#define INLINE_FRAMES 16

typedef struct frame {
    uint32_t start; /* value stack index of the first child */
    uint32_t type;  /* CX_JSON_ARRAY or CX_JSON_OBJECT */
} frame;

typedef struct parser {
    cx_arena *arena;
    char *base; /* the arena copy */
    const char *end;
    cx_json *vs;
    size_t vlen, vcap;
    frame *fs;
    size_t depth, fcap, max_depth;
    int code;
    const char *at;
    const char *msg;
    cx_json vs_inline[INLINE_NODES];
    frame fs_inline[INLINE_FRAMES];
} parser;

static void *fail(parser *ps, int code, const char *at, const char *msg) {
    ps->code = code;
    ps->at = at;
    ps->msg = msg;
    return NULL;
}

/* ---- stacks ------------------------------------------------------------- */

static void *grow(void *inline_buf, void *cur, size_t used, size_t *cap, size_t elem) {
    size_t ncap = *cap * 2;
    void *n = cur == inline_buf ? malloc(ncap * elem) : realloc(cur, ncap * elem);
    if (!n) return NULL;
    if (cur == inline_buf) memcpy(n, cur, used * elem);
    *cap = ncap;
    return n;
}

static inline cx_json *push(parser *ps) {
    if (ps->vlen == ps->vcap) {
        cx_json *n = grow(ps->vs_inline, ps->vs, ps->vlen, &ps->vcap, sizeof *n);
        if (!n) return fail(ps, CX_ENOMEM, ps->base, "out of memory");
        ps->vs = n;
    }
    return &ps->vs[ps->vlen++];
}

static bool open_container(parser *ps, const char *at, uint32_t type) {
    if (ps->depth >= ps->max_depth) {
        fail(ps, CX_EDEPTH, at, "nesting too deep (more than max_depth arrays/objects)");
        return false;
    }
    if (ps->depth == ps->fcap) {
        frame *n = grow(ps->fs_inline, ps->fs, ps->depth, &ps->fcap, sizeof *n);
        if (!n) {
            fail(ps, CX_ENOMEM, at, "out of memory");
            return false;
        }
        ps->fs = n;
    }
    ps->fs[ps->depth++] = (frame){(uint32_t)ps->vlen, type};
    return true;
}

/* Lead every child container's header back to its slot in `kids`. */
static void link_children(cx_json *kids, size_t n, uint8_t type) {
    for (size_t i = 0; i < n; i++) {
        cx_json *c = &kids[i];
        if (c->type < CX_JSON_ARRAY || c->len == 0) continue;
        cx_json *hdr = (cx_json *)c->a.kids - 1;
        hdr->type = type;
        hdr->len = (uint32_t)n;
        hdr->a.back = c;
        hdr->b.pstart = kids;
    }
}

static bool close_container(parser *ps, const char *at) {
    frame f = ps->fs[--ps->depth];
    size_t n = ps->vlen - f.start;
    cx_json *kids = NULL;
    if (n) {
        cx_json *blk = cx_arena_alloc(ps->arena, (n + 1) * sizeof *blk);
        if (!blk) {
            fail(ps, CX_ENOMEM, at, "out of memory (arena)");
            return false;
        }
        memset(blk, 0, sizeof *blk);
        kids = blk + 1;
        memcpy(kids, ps->vs + f.start, n * sizeof *kids);
        link_children(kids, n, (uint8_t)f.type);
    }
    ps->vlen = f.start;
    cx_json *node = push(ps);
    if (!node) return false;
    *node = (cx_json){.type = (uint8_t)f.type,
                      .len = (uint32_t)(f.type == CX_JSON_OBJECT ? n / 2 : n),
                      .a.kids = kids};
    return true;
}

/* ---- scanning ----------------------------------------------------------- */

static inline char *skip_ws(char *p) {
    while ((unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* Index of the first byte that is '"', '\\', a control character or
 * non-ASCII. The NUL behind the text guarantees one. */
static inline size_t scan_str(const char *p) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(' ');
    /* signed compare: bytes >= 0x80 are negative, so "< ' '" catches them too */
#define SPECIAL(x)                                                                                 \
    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)), _mm_cmplt_epi8(x, sp))
    for (;;) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
        uint32_t mask =
            (uint32_t)_mm_movemask_epi8(SPECIAL(a)) | (uint32_t)_mm_movemask_epi8(SPECIAL(b)) << 16;
        if (mask) return i + (size_t)__builtin_ctz(mask);
        i += 32;
    }
#undef SPECIAL
#else
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    for (;;) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t a = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t m = (((a - ones) & ~a) | ((b - ones) & ~b) | ((x - ones * ' ') & ~x) | x) & high;
        if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(m) / 8;
#else
            return i + (size_t)__builtin_clzll(m) / 8;
#endif
        }
        i += 8;
    }
#endif
}

static inline int32_t hex4(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    int a = cx_hexval(u[0]), b = cx_hexval(u[1]), c = cx_hexval(u[2]), d = cx_hexval(u[3]);
    if ((a | b | c | d) < 0) return -1;
    return a << 12 | b << 8 | c << 4 | d;
}

/* ---- strings ------------------------------------------------------------ */

static char *string_error(parser *ps, const char *open_quote, const char *p) {
    if (p == ps->end) return fail(ps, CX_EPARSE, open_quote, "unterminated string");
    return fail(ps, CX_EPARSE, p, "control character in a string (must be escaped)");
}

/* p at a backslash; decodes one escape to *wp. Returns the byte after it. */
static char *unescape(parser *ps, char *p, char **wp) {
    static const char simple[128] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};
    unsigned char e = (unsigned char)p[1];
    if (e < 128 && simple[e]) {
        *(*wp)++ = simple[e];
        return p + 2;
    }
    if (e != 'u') return fail(ps, CX_EPARSE, p, "invalid escape in a string");
    int32_t cp = hex4(p + 2);
    if (cp < 0) return fail(ps, CX_EPARSE, p, "invalid \\u escape (needs 4 hex digits)");
    char *q = p + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (q[0] != '\\' || q[1] != 'u')
            return fail(ps, CX_EUTF8, p, "unpaired surrogate in a \\u escape");
        int32_t lo = hex4(q + 2);
        if (lo < 0) return fail(ps, CX_EPARSE, q, "invalid \\u escape (needs 4 hex digits)");
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(ps, CX_EUTF8, p, "unpaired surrogate in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(ps, CX_EUTF8, p, "unpaired surrogate in a \\u escape");
    }
    *wp += cx__utf8_put(*wp, (uint32_t)cp);
    return q;
}

/* The rest of a string once an escape was seen at p: decode while moving. */
static char *string_escaped(parser *ps, const char *open_quote, char *p, char **wp) {
    char *w = p;
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c == '\\') {
            if (!(p = unescape(ps, p, &w))) return NULL;
        } else if (c >= 0x80) {
            size_t n = cx__utf8_len((const unsigned char *)p);
            if (!n) return fail(ps, CX_EUTF8, p, "invalid UTF-8 in a string");
            memmove(w, p, n);
            w += n;
            p += n;
        } else if (c < 0x20) {
            return string_error(ps, open_quote, p);
        } else {
            size_t n = scan_str(p);
            memmove(w, p, n);
            w += n;
            p += n;
        }
    }
    *wp = w;
    return p;
}

/* p just after the opening quote. Fills node; returns the byte after the
 * closing quote. */
static char *parse_string(parser *ps, char *p, cx_json *node) {
    char *start = p;
    uint16_t flags = CX_JSON_F_PLAIN;
    char *w;
    for (;;) {
        p += scan_str(p);
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            w = p;
            break;
        }
        if (c >= 0x80) {
            do {
                size_t n = cx__utf8_len((const unsigned char *)p);
                if (!n) return fail(ps, CX_EUTF8, p, "invalid UTF-8 in a string");
                p += n;
            } while ((unsigned char)*p >= 0x80);
            continue;
        }
        if (c != '\\') return string_error(ps, start - 1, p);
        flags = 0;
        if (!(p = string_escaped(ps, start - 1, p, &w))) return NULL;
        break;
    }
    *w = '\0';
    *node = (cx_json){
        .type = CX_JSON_STRING, .flags = flags, .len = (uint32_t)(w - start), .a.s = start};
    return p + 1;
}

/* ---- numbers ------------------------------------------------------------ */

#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10)

/* A 20-digit integer: uint64 if it fits. */
static bool u64_exact(const char *p, size_t n, uint64_t *out) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static void set_int(cx_json *node, bool neg, uint64_t m) {
    if (!neg) {
        node->kind = m <= INT64_MAX ? CX_JSON_NUM_INT : CX_JSON_NUM_UINT;
        node->b.u = m;
    } else if (m == 0) {
        node->kind = CX_JSON_NUM_REAL; /* "-0" keeps its sign as a double */
        node->b.d = -0.0;
    } else if (m <= (uint64_t)INT64_MAX + 1) {
        node->kind = CX_JSON_NUM_INT;
        node->b.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    } else {
        node->kind = CX_JSON_NUM_REAL;
        node->b.d = -(double)m;
    }
}

static char *number_error(parser *ps, const char *p, const char *msg) {
    return fail(ps, CX_EPARSE, p, p == ps->end ? "unexpected end of input in a number" : msg);
}

/* What the digits of a number said, gathered in one pass. */
typedef struct num_scan {
    uint64_t m;  /* the first 19 significant digits */
    int nd;      /* how many of them */
    int64_t e10; /* value = m * 10^e10 (64 bits: billions of zeros cannot overflow it) */
    bool integer;
} num_scan;

static char *int_part(parser *ps, char *p, num_scan *n) {
    if (*p == '0') {
        p++;
        if (IS_DIGIT(*p)) return number_error(ps, p, "leading zeros are not allowed in numbers");
        return p;
    }
    if (!IS_DIGIT(*p)) return number_error(ps, p, "invalid number");
    do {
        if (n->nd < 19) {
            n->m = n->m * 10 + (uint64_t)(*p - '0');
            n->nd++;
        } else {
            n->e10++;
        }
        p++;
    } while (IS_DIGIT(*p));
    return p;
}

static char *fraction(parser *ps, char *p, num_scan *n) {
    n->integer = false;
    p++;
    if (!IS_DIGIT(*p)) return number_error(ps, p, "expected a digit after the decimal point");
    do {
        if (n->nd < 19) {
            n->m = n->m * 10 + (uint64_t)(*p - '0');
            n->nd += n->m != 0; /* leading zeros of 0.00x are not significant */
            n->e10--;
        }
        p++;
    } while (IS_DIGIT(*p));
    return p;
}

static char *exponent(parser *ps, char *p, num_scan *n) {
    n->integer = false;
    p++;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!IS_DIGIT(*p)) return number_error(ps, p, "expected a digit in the exponent");
    int x = 0;
    do {
        if (x < 1000000) x = x * 10 + (*p - '0'); /* beyond that it is 0 or infinity anyway */
        p++;
    } while (IS_DIGIT(*p));
    n->e10 += neg ? -x : x;
    return p;
}

static char *parse_number(parser *ps, char *p, cx_json *node) {
    char *start = p;
    bool neg = *p == '-';
    p += neg;
    const char *int_start = p;
    num_scan n = {.integer = true};
    if (!(p = int_part(ps, p, &n))) return NULL;
    size_t nint = (size_t)(p - int_start);
    if (*p == '.' && !(p = fraction(ps, p, &n))) return NULL;
    if ((*p == 'e' || *p == 'E') && !(p = exponent(ps, p, &n))) return NULL;
    *node = (cx_json){.type = CX_JSON_NUMBER, .len = (uint32_t)(p - start), .a.s = start};
    if (n.integer) {
        uint64_t u;
        if (nint <= 19) { /* m holds every digit */
            set_int(node, neg, n.m);
            return p;
        }
        if (nint == 20 && !neg && u64_exact(int_start, nint, &u)) {
            set_int(node, false, u);
            return p;
        }
    }
    node->kind = CX_JSON_NUM_REAL;
    int e = n.e10 < -1000 ? -1000 : n.e10 > 1000 ? 1000 : (int)n.e10;
    if (!cx__json_fast_double(n.m, e, neg, &node->b.d))
        node->b.d = cx__json_strtod(start, (size_t)(p - start));
    return p;
}

/* ---- the document ------------------------------------------------------- */

static char *literal(parser *ps, char *p, cx_json *node) {
    if (p[0] == 't' && memcmp(p, "true", 4) == 0) {
        *node = (cx_json){.type = CX_JSON_BOOL, .flags = CX_JSON_F_TRUE};
        return p + 4;
    }
    if (p[0] == 'f' && memcmp(p, "false", 5) == 0) {
        *node = (cx_json){.type = CX_JSON_BOOL};
        return p + 5;
    }
    if (p[0] == 'n' && memcmp(p, "null", 4) == 0) {
        *node = (cx_json){.type = CX_JSON_NULL};
        return p + 4;
    }
    return fail(ps, CX_EPARSE, p, "invalid literal (expected true, false or null)");
}

static bool in_object(const parser *ps) {
    return ps->fs[ps->depth - 1].type == CX_JSON_OBJECT;
}

static const char *after_value_error(const parser *ps, const char *p) {
    if (p == ps->end) return "unexpected end of input";
    return in_object(ps) ? "expected ',' or '}' after an object member"
                         : "expected ',' or ']' after an array element";
}

static const char *value_error(const parser *ps, const char *p) {
    if (p == ps->end) return "unexpected end of input";
    if (p == ps->base && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return "byte order mark (U+FEFF) is not allowed";
    return "expected a value";
}

/* The grammar as a loop over three states: a value is due, a key is due, or
 * a value just ended. */
static bool run(parser *ps, char *p) {
    cx_json *node;
value:
    p = skip_ws(p);
    switch (*p) {
    case '{':
        if (!open_container(ps, p, CX_JSON_OBJECT)) return false;
        p = skip_ws(p + 1);
        if (*p == '}') {
            if (!close_container(ps, p++)) return false;
            goto after;
        }
        goto key;
    case '[':
        if (!open_container(ps, p, CX_JSON_ARRAY)) return false;
        p = skip_ws(p + 1);
        if (*p == ']') {
            if (!close_container(ps, p++)) return false;
            goto after;
        }
        goto value;
    case '"':
        if (!(node = push(ps)) || !(p = parse_string(ps, p + 1, node))) return false;
        goto after;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (!(node = push(ps)) || !(p = parse_number(ps, p, node))) return false;
        goto after;
    case 't':
    case 'f':
    case 'n':
        if (!(node = push(ps)) || !(p = literal(ps, p, node))) return false;
        goto after;
    default:
        fail(ps, CX_EPARSE, p, value_error(ps, p));
        return false;
    }
key:
    if (*p != '"') {
        fail(ps, CX_EPARSE, p,
             p == ps->end ? "unexpected end of input" : "expected a string as object key");
        return false;
    }
    if (!(node = push(ps)) || !(p = parse_string(ps, p + 1, node))) return false;
    p = skip_ws(p);
    if (*p != ':') {
        fail(ps, CX_EPARSE, p,
             p == ps->end ? "unexpected end of input" : "expected ':' after an object key");
        return false;
    }
    p++;
    goto value;
after:
    if (ps->depth == 0) goto done;
    p = skip_ws(p);
    if (*p == ',') {
        p = skip_ws(p + 1);
        if (in_object(ps)) goto key;
        goto value;
    }
    if (*p == (in_object(ps) ? '}' : ']')) {
        if (!close_container(ps, p++)) return false;
        goto after;
    }
    fail(ps, CX_EPARSE, p, after_value_error(ps, p));
    return false;
done:
    p = skip_ws(p);
    if (p != ps->end) {
        fail(ps, CX_EPARSE, p, "unexpected data after the JSON value");
        return false;
    }
    return true;
}

/* ---- entry -------------------------------------------------------------- */

static void locate(const char *text, size_t offset, cx_json_error *err) {
    size_t line = 1, col_start = 0;
    const char *p = text, *end = text + offset, *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
        line++;
        p = nl + 1;
        col_start = (size_t)(p - text);
    }
    err->offset = offset;
    err->line = line;
    err->column = offset - col_start + 1;
}

static int report(int code, const char *text, size_t offset, const char *msg, cx_json_error *err) {
    if (!err) return code;
    err->code = code;
    if (text)
        locate(text, offset, err);
    else
        err->offset = 0, err->line = 1, err->column = 1;
    snprintf(err->message, sizeof err->message, "line %zu, column %zu (byte %zu): %s", err->line,
             err->column, err->offset, msg);
    return code;
}

static const cx_json *make_root(parser *ps) {
    cx_json *root = cx_arena_alloc(ps->arena, sizeof *root);
    if (!root) return fail(ps, CX_ENOMEM, ps->end, "out of memory (arena)");
    *root = ps->vs[0];
    link_children(root, 1, CX_JSON_NONE);
    return root;
}

int cx_json_parse(cx_arena *arena, const char *text, size_t len, const cx_json_options *opt,
                  const cx_json **out, cx_json_error *err) {
    if (out) *out = NULL;
    if (!arena || !out || (!text && len))
        return report(CX_EINVAL, NULL, 0, "invalid argument", err);
    size_t max_size = opt && opt->max_size ? opt->max_size : CX_JSON_DEFAULT_MAX_SIZE;
    if (max_size > CX_JSON_MAX_SIZE_CAP) max_size = CX_JSON_MAX_SIZE_CAP;
    if (len > max_size) return report(CX_ELIMIT, text, max_size, "input larger than max_size", err);

    parser ps;
    ps.arena = arena;
    ps.base = cx_arena_alloc(arena, len + PAD);
    if (!ps.base) return report(CX_ENOMEM, text, 0, "out of memory (arena)", err);
    if (len) memcpy(ps.base, text, len);
    memset(ps.base + len, 0, PAD);
    ps.end = ps.base + len;
    ps.vs = ps.vs_inline;
    ps.vlen = 0;
    ps.vcap = INLINE_NODES;
    ps.fs = ps.fs_inline;
    ps.depth = 0;
    ps.fcap = INLINE_FRAMES;
    ps.max_depth = opt && opt->max_depth ? opt->max_depth : CX_JSON_DEFAULT_MAX_DEPTH;

    bool ok = run(&ps, ps.base) && (*out = make_root(&ps)) != NULL;
    if (ps.vs != ps.vs_inline) free(ps.vs);
    if (ps.fs != ps.fs_inline) free(ps.fs);
    if (ok) return 0;
    return report(ps.code, text, (size_t)(ps.at - ps.base), ps.msg, err);
}
