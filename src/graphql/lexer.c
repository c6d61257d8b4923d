/* GraphQL lexer: one token at a time, with graphql-js's error messages and
 * locations (lines end at \n, \r\n or \r; columns count UTF-16 units). */
#include "gql_int.h"
#include "core/hexval.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gq_lex_init(gq_lexer *lx, cx_arena *a, const char *src, size_t len) {
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->arena = a;
    lx->line = 1;
    lx->kind = GT_SOF;
}

void gq_location(const char *src, size_t len, size_t pos, uint32_t *line, uint32_t *col) {
    uint32_t l = 1;
    size_t ls = 0;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (src[i] == '\n') {
            l++;
            ls = i + 1;
        } else if (src[i] == '\r') {
            if (i + 1 < len && src[i + 1] == '\n' && i + 1 < pos) i++;
            l++;
            ls = i + 1;
        }
    }
    uint32_t c = 1;
    for (size_t i = ls; i < pos && i < len; i++) {
        unsigned char ch = (unsigned char)src[i];
        if ((ch & 0xC0) != 0x80) c += ch >= 0xF0 ? 2 : 1;
    }
    *line = l;
    *col = c;
}

static const char *const tok_names[] = {"<SOF>", "<EOF>",   "\"!\"",      "\"$\"", "\"&\"", "\"(\"",
                                        "\")\"", "\"...\"", "\":\"",      "\"=\"", "\"@\"", "\"[\"",
                                        "\"]\"", "\"{\"",   "\"|\"",      "\"}\"", "Name",  "Int",
                                        "Float", "String",  "BlockString"};

const char *gq_tok_desc(gq_tok k) {
    return tok_names[k];
}

/* Decode one UTF-8 code point at p; returns its length (1 for an invalid byte,
 * with *cp = -1). */
static int utf8_at(const char *s, size_t len, size_t p, int32_t *cp) {
    const unsigned char *u = (const unsigned char *)s + p;
    size_t left = len - p;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    int n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || u[0] > 0xF4 || (size_t)n > left) {
        *cp = -1;
        return 1;
    }
    int32_t c = u[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return n;
}

/* printCodePointAt: how graphql-js names the character at p. */
static const char *code_desc(gq_lexer *lx, size_t p, char buf[16]) {
    if (p >= lx->len) return "<EOF>";
    int32_t cp;
    utf8_at(lx->src, lx->len, p, &cp);
    if (cp >= 0x20 && cp <= 0x7E) {
        if (cp == '"') return "'\"'";
        snprintf(buf, 16, "\"%c\"", (char)cp);
        return buf;
    }
    if (cp < 0) cp = 0xFFFD;
    snprintf(buf, 16, "U+%04X", (unsigned)cp);
    return buf;
}

static bool fail_at(gq_lexer *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_at(gq_lexer *lx, size_t pos, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lx->failed = true;
    lx->errmsg = gq_printf(lx->arena, "Syntax Error: %s", msg);
    gq_location(lx->src, lx->len, pos, &lx->eline, &lx->ecol);
    return false;
}

static inline bool is_name_start(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline bool is_name_cont(int c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}
static inline bool is_digit(int c) {
    return c >= '0' && c <= '9';
}

static int at(gq_lexer *lx, size_t p) {
    return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static bool token(gq_lexer *lx, gq_tok k, size_t start, size_t end) {
    lx->kind = k;
    lx->tstart = start;
    lx->tend = end;
    lx->tline = lx->line;
    uint32_t c = 1;
    for (size_t i = lx->line_start; i < start; i++) {
        unsigned char ch = (unsigned char)lx->src[i];
        if ((ch & 0xC0) != 0x80) c += ch >= 0xF0 ? 2 : 1;
    }
    lx->tcol = c;
    lx->pos = end;
    lx->tokens++;
    if (lx->max_tokens && lx->tokens > lx->max_tokens)
        return fail_at(lx, start, "Document contains more than %zu tokens. Parsing aborted.",
                       lx->max_tokens);
    return true;
}

static bool read_digits(gq_lexer *lx, size_t *p) {
    char b[16];
    if (!is_digit(at(lx, *p)))
        return fail_at(lx, *p, "Invalid number, expected digit but got: %s.", code_desc(lx, *p, b));
    while (is_digit(at(lx, *p))) (*p)++;
    return true;
}

static bool read_number(gq_lexer *lx, size_t start) {
    size_t p = start;
    bool is_float = false;
    char b[16];
    if (at(lx, p) == '-') p++;
    if (at(lx, p) == '0') {
        p++;
        if (is_digit(at(lx, p)))
            return fail_at(lx, p, "Invalid number, unexpected digit after 0: %s.",
                           code_desc(lx, p, b));
    } else if (!read_digits(lx, &p))
        return false;
    if (at(lx, p) == '.') {
        is_float = true;
        p++;
        if (!read_digits(lx, &p)) return false;
    }
    if (at(lx, p) == 'e' || at(lx, p) == 'E') {
        is_float = true;
        p++;
        if (at(lx, p) == '+' || at(lx, p) == '-') p++;
        if (!read_digits(lx, &p)) return false;
    }
    if (at(lx, p) == '.' || is_name_start(at(lx, p)))
        return fail_at(lx, p, "Invalid number, expected digit but got: %s.", code_desc(lx, p, b));
    lx->tval = cx_arena_strndup(lx->arena, lx->src + start, p - start);
    lx->tval_len = (uint32_t)(p - start);
    if (!lx->tval) return fail_at(lx, start, "out of memory");
    return token(lx, is_float ? GT_FLOAT : GT_INT, start, p);
}

static void put_utf8(cx_buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    cx_buf_append(b, t, n);
}

/* \uXXXX at p (p at the backslash); returns the code unit or -1. */
static int32_t read_u4(gq_lexer *lx, size_t p) {
    int32_t v = 0;
    for (int i = 2; i < 6; i++) {
        int c = at(lx, p + (size_t)i), h = c < 0 ? -1 : cx_hexval((unsigned char)c);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static bool finish_str(gq_lexer *lx, cx_buf *b, gq_tok k, size_t start, size_t end) {
    lx->tval = cx_arena_strndup(lx->arena, b->data ? b->data : "", b->len);
    lx->tval_len = (uint32_t)b->len;
    cx_buf_free(b);
    if (!lx->tval) return fail_at(lx, start, "out of memory");
    return token(lx, k, start, end);
}

/* Bytes from p spanning `units` UTF-16 code units (graphql-js slices its
 * UTF-16 source), clipped to the input. */
static int utf16_span(const gq_lexer *lx, size_t p, int units) {
    size_t q = p;
    while (units > 0 && q < lx->len) {
        int32_t cp;
        int n = utf8_at(lx->src, lx->len, q, &cp);
        units -= cp > 0xFFFF ? 2 : 1;
        q += (size_t)n;
    }
    return (int)(q - p);
}

static bool read_string(gq_lexer *lx, size_t start) {
    size_t p = start + 1;
    cx_buf b = {0};
    while (p < lx->len) {
        int c = at(lx, p);
        if (c == '"') return finish_str(lx, &b, GT_STRING, start, p + 1);
        if (c == '\\') {
            int e = at(lx, p + 1);
            const char *rep = NULL;
            switch (e) {
            case '"':
                rep = "\"";
                break;
            case '\\':
                rep = "\\";
                break;
            case '/':
                rep = "/";
                break;
            case 'b':
                rep = "\b";
                break;
            case 'f':
                rep = "\f";
                break;
            case 'n':
                rep = "\n";
                break;
            case 'r':
                rep = "\r";
                break;
            case 't':
                rep = "\t";
                break;
            default:
                break;
            }
            if (rep) {
                cx_buf_append(&b, rep, 1);
                p += 2;
                continue;
            }
            if (e == 'u') {
                if (at(lx, p + 2) == '{') {
                    size_t q = p + 3;
                    uint32_t v = 0;
                    bool ok = false;
                    while (q < lx->len && q < p + 16) {
                        int ch = at(lx, q);
                        if (ch == '}') {
                            ok = q > p + 3;
                            break;
                        }
                        int h = cx_hexval((unsigned char)ch);
                        if (h < 0 || v > 0x10FFFF) break;
                        v = v * 16 + (uint32_t)h;
                        q++;
                    }
                    if (!ok || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
                        size_t endp = q < lx->len ? q + 1 : q;
                        cx_buf_free(&b);
                        return fail_at(lx, p, "Invalid Unicode escape sequence: \"%.*s\".",
                                       (int)(endp - p), lx->src + p);
                    }
                    put_utf8(&b, v);
                    p = q + 1;
                    continue;
                }
                int32_t u = read_u4(lx, p);
                if (u >= 0 && !(u >= 0xD800 && u <= 0xDFFF)) {
                    put_utf8(&b, (uint32_t)u);
                    p += 6;
                    continue;
                }
                if (u >= 0xD800 && u <= 0xDBFF && at(lx, p + 6) == '\\' && at(lx, p + 7) == 'u') {
                    int32_t lo = read_u4(lx, p + 6);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        put_utf8(&b, 0x10000 + (((uint32_t)u - 0xD800) << 10) +
                                         ((uint32_t)lo - 0xDC00));
                        p += 12;
                        continue;
                    }
                }
                cx_buf_free(&b);
                return fail_at(lx, p, "Invalid Unicode escape sequence: \"%.*s\".",
                               utf16_span(lx, p, 6), lx->src + p);
            }
            cx_buf_free(&b);
            return fail_at(lx, p, "Invalid character escape sequence: \"%.*s\".",
                           utf16_span(lx, p, 2), lx->src + p);
        }
        if (c == '\n' || c == '\r') break;
        int32_t cp;
        int n = utf8_at(lx->src, lx->len, p, &cp);
        if (cp < 0)
            cx_buf_append(&b, "\xEF\xBF\xBD", 3); /* as a UTF-8 decoder would */
        else
            cx_buf_append(&b, lx->src + p, (size_t)n);
        p += (size_t)n;
    }
    cx_buf_free(&b);
    return fail_at(lx, p, "Unterminated string.");
}

static bool ws_only(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return false;
    return true;
}

static size_t lead_ws(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

/* dedentBlockStringLines on raw (escapes already replaced) text. */
static bool block_value(gq_lexer *lx, const char *raw, size_t n, size_t start, size_t end) {
    /* split into lines */
    size_t cap = 8, nl = 0;
    size_t *ls = malloc(cap * sizeof *ls), *le = malloc(cap * sizeof *le);
    if (!ls || !le) {
        free(ls);
        free(le);
        return fail_at(lx, start, "out of memory");
    }
    size_t s = 0;
    for (size_t i = 0; i <= n; i++) {
        bool eol = i == n || raw[i] == '\n' || raw[i] == '\r';
        if (!eol) continue;
        if (nl == cap) {
            cap *= 2;
            size_t *a = realloc(ls, cap * sizeof *ls),
                   *b2 = a ? realloc(le, cap * sizeof *le) : NULL;
            if (a) ls = a;
            if (b2) le = b2;
            if (!a || !b2) {
                free(ls);
                free(le);
                return fail_at(lx, start, "out of memory");
            }
        }
        ls[nl] = s;
        le[nl] = i;
        nl++;
        if (i < n && raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n') i++;
        s = i + 1;
    }
    size_t common = SIZE_MAX, first = SIZE_MAX, last = SIZE_MAX;
    for (size_t i = 0; i < nl; i++) {
        size_t len = le[i] - ls[i];
        size_t ind = lead_ws(raw + ls[i], len);
        if (ind == len) continue;
        if (first == SIZE_MAX) first = i;
        last = i;
        if (i != 0 && ind < common) common = ind;
    }
    cx_buf b = {0};
    if (first != SIZE_MAX) {
        for (size_t i = first; i <= last; i++) {
            size_t a0 = ls[i], len = le[i] - ls[i];
            if (i != 0 && common != SIZE_MAX) {
                size_t cut = common < len ? common : len;
                a0 += cut;
                len -= cut;
            }
            if (i > first) cx_buf_putc(&b, '\n');
            cx_buf_append(&b, raw + a0, len);
        }
    }
    (void)ws_only;
    free(ls);
    free(le);
    return finish_str(lx, &b, GT_BLOCK_STRING, start, end);
}

static bool read_block_string(gq_lexer *lx, size_t start) {
    size_t p = start + 3;
    cx_buf raw = {0};
    uint32_t nline = lx->line; /* applied after the token is made */
    size_t nls = lx->line_start;
    while (p < lx->len) {
        int c = at(lx, p);
        if (c == '"' && at(lx, p + 1) == '"' && at(lx, p + 2) == '"') {
            bool ok = block_value(lx, raw.data ? raw.data : "", raw.len, start, p + 3);
            cx_buf_free(&raw);
            lx->line = nline;
            lx->line_start = nls;
            return ok;
        }
        if (c == '\\' && at(lx, p + 1) == '"' && at(lx, p + 2) == '"' && at(lx, p + 3) == '"') {
            cx_buf_append(&raw, "\"\"\"", 3);
            p += 4;
            continue;
        }
        if (c == '\n' || c == '\r') {
            cx_buf_putc(&raw, (char)c);
            if (c == '\r' && at(lx, p + 1) == '\n') {
                cx_buf_putc(&raw, '\n');
                p++;
            }
            p++;
            nline++;
            nls = p;
            continue;
        }
        int32_t cp;
        int n = utf8_at(lx->src, lx->len, p, &cp);
        if (cp < 0)
            cx_buf_append(&raw, "\xEF\xBF\xBD", 3);
        else
            cx_buf_append(&raw, lx->src + p, (size_t)n);
        p += (size_t)n;
    }
    cx_buf_free(&raw);
    return fail_at(lx, p, "Unterminated string.");
}

bool gq_lex_next(gq_lexer *lx) {
    if (lx->failed) return false;
    if (lx->kind == GT_EOF) return true;
    size_t p = lx->pos;
    char d[16];
    /* A block string spanning lines moved line/line_start past its start;
     * token() computed the column before that, so nothing to fix here. */
    for (;;) {
        if (p >= lx->len) {
            lx->pos = p;
            return token(lx, GT_EOF, p, p);
        }
        int c = at(lx, p);
        if (c == ' ' || c == '\t' || c == ',') {
            p++;
        } else if (c == 0xEF && at(lx, p + 1) == 0xBB && at(lx, p + 2) == 0xBF) {
            p += 3; /* BOM */
        } else if (c == '\n') {
            p++;
            lx->line++;
            lx->line_start = p;
        } else if (c == '\r') {
            p += at(lx, p + 1) == '\n' ? 2 : 1;
            lx->line++;
            lx->line_start = p;
        } else if (c == '#') {
            while (p < lx->len) {
                int ch = at(lx, p);
                if (ch == '\n' || ch == '\r') break;
                p++;
            }
        } else
            break;
    }
    int c = at(lx, p);
    gq_tok k;
    switch (c) {
    case '!':
        k = GT_BANG;
        break;
    case '$':
        k = GT_DOLLAR;
        break;
    case '&':
        k = GT_AMP;
        break;
    case '(':
        k = GT_PAREN_L;
        break;
    case ')':
        k = GT_PAREN_R;
        break;
    case ':':
        k = GT_COLON;
        break;
    case '=':
        k = GT_EQUALS;
        break;
    case '@':
        k = GT_AT;
        break;
    case '[':
        k = GT_BRACKET_L;
        break;
    case ']':
        k = GT_BRACKET_R;
        break;
    case '{':
        k = GT_BRACE_L;
        break;
    case '|':
        k = GT_PIPE;
        break;
    case '}':
        k = GT_BRACE_R;
        break;
    case '.':
        if (at(lx, p + 1) == '.' && at(lx, p + 2) == '.') return token(lx, GT_SPREAD, p, p + 3);
        k = GT_SOF;
        break;
    case '"':
        if (at(lx, p + 1) == '"' && at(lx, p + 2) == '"') return read_block_string(lx, p);
        return read_string(lx, p);
    default:
        k = GT_SOF;
        break;
    }
    if (k != GT_SOF) return token(lx, k, p, p + 1);
    if (is_digit(c) || c == '-') return read_number(lx, p);
    if (is_name_start(c)) {
        size_t q = p;
        while (is_name_cont(at(lx, q))) q++;
        lx->tval = cx_arena_strndup(lx->arena, lx->src + p, q - p);
        lx->tval_len = (uint32_t)(q - p);
        if (!lx->tval) return fail_at(lx, p, "out of memory");
        return token(lx, GT_NAME, p, q);
    }
    if (c == '\'')
        return fail_at(lx, p,
                       "Unexpected single quote character ('), did you mean to use a double quote "
                       "(\")?");
    return fail_at(lx, p, "Unexpected character: %s.", code_desc(lx, p, d));
}
