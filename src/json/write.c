/* The streaming writer, and serialising a parsed tree.
 *
 * All output goes through room(): one capacity check, growing the cx_buf
 * only when needed, so a warm buffer makes writing allocation-free. The tree
 * is walked without a stack by following the header slots that the parser
 * put before each children array (see json_int.h).
 */
#include "json_int.h"
#include <cortex/error.h>
#include <math.h>

#define DEFAULT_INDENT 2

static int set_err(cx_json_writer *w, int rc) {
    if (!w->err) w->err = rc;
    return w->err;
}

/* Space for n more bytes at the end of the buffer, or NULL (error set). */
static inline char *room(cx_json_writer *w, size_t n) {
    cx_buf *b = w->out;
    if (b->cap - b->len < n || !b->data) {
        int rc = cx_buf_reserve(b, n);
        if (rc) {
            set_err(w, rc);
            return NULL;
        }
    }
    return b->data + b->len;
}

static inline int put(cx_json_writer *w, const void *p, size_t n) {
    char *o = room(w, n);
    if (!o) return w->err;
    memcpy(o, p, n);
    w->out->len += n;
    return 0;
}

static inline int put_c(cx_json_writer *w, char c) {
    char *o = room(w, 1);
    if (!o) return w->err;
    *o = c;
    w->out->len++;
    return 0;
}

static unsigned indent_width(const cx_json_writer *w) {
    unsigned n = w->flags >> 8 & 0xFu;
    return n ? n : DEFAULT_INDENT;
}

static int newline_indent(cx_json_writer *w, size_t depth) {
    size_t n = depth * indent_width(w);
    char *o = room(w, n + 1);
    if (!o) return w->err;
    o[0] = '\n';
    memset(o + 1, ' ', n);
    w->out->len += n + 1;
    return 0;
}

/* ---- strings ------------------------------------------------------------ */

/* Bytes from s that can be copied as they are: printable ASCII other than
 * '"' and '\\'. */
static inline size_t plain_run(const char *s, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(' ');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
                                 _mm_cmplt_epi8(x, sp));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    }
    return i;
}

/* A UTF-8 sequence that may end before 4 bytes are available. */
static size_t utf8_len_n(const char *s, size_t n) {
    if (n >= 4) return cx__utf8_len((const unsigned char *)s);
    unsigned char tmp[4] = {0};
    memcpy(tmp, s, n);
    return cx__utf8_len(tmp);
}

/* The escape for control or special byte c; returns its length. */
static size_t escape(char *o, unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    static const char short_form[32] = {
        ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
    o[0] = '\\';
    if (c == '"' || c == '\\') {
        o[1] = (char)c;
        return 2;
    }
    if (short_form[c]) {
        o[1] = short_form[c];
        return 2;
    }
    memcpy(o + 1, "u00", 3);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 0xF];
    return 6;
}

/* A quoted, escaped string. Room is kept for the rest of the input plus the
 * closing quote, so plain runs need no check of their own. */
static int put_string(cx_json_writer *w, const char *s, size_t n) {
    if (!s && n) return set_err(w, CX_EINVAL);
    if (!room(w, n + 2)) return w->err;
    cx_buf *b = w->out;
    b->data[b->len++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = plain_run(s + i, n - i);
        memcpy(b->data + b->len, s + i, run);
        b->len += run;
        i += run;
        if (i == n) break;
        unsigned char c = (unsigned char)s[i];
        if (!room(w, n - i + 7)) return w->err;
        if (c < 0x80) {
            b->len += escape(b->data + b->len, c);
            i++;
            continue;
        }
        size_t k = utf8_len_n(s + i, n - i);
        if (k) {
            memcpy(b->data + b->len, s + i, k);
            b->len += k;
            i += k;
        } else if (w->flags & CX_JSON_REPLACE_INVALID) {
            memcpy(b->data + b->len, "\xEF\xBF\xBD", 3);
            b->len += 3;
            i++;
        } else {
            return set_err(w, CX_EUTF8);
        }
    }
    b->data[b->len++] = '"';
    return 0;
}

/* ---- structure ---------------------------------------------------------- */

static inline bool in_object(const cx_json_writer *w) {
    unsigned d = w->depth - 1;
    return w->object_bits[d / 64] >> (d % 64) & 1;
}

/* Before any value: check that one may come here, and write the comma and
 * indentation an array element needs. */
static int begin_value(cx_json_writer *w) {
    if (w->err) return w->err;
    if (w->depth == 0) return w->done ? set_err(w, CX_ESTATE) : 0;
    if (in_object(w)) {
        if (!w->have_key) return set_err(w, CX_ESTATE);
        w->have_key = false;
        return 0;
    }
    if (!w->first && put_c(w, ',')) return w->err;
    w->first = false;
    if (w->flags & CX_JSON_PRETTY) return newline_indent(w, w->depth);
    return 0;
}

static int end_value(cx_json_writer *w) {
    if (w->depth == 0) w->done = true;
    return w->err;
}

void cx_json_writer_init(cx_json_writer *w, cx_buf *out, unsigned flags) {
    memset(w, 0, sizeof *w);
    w->out = out;
    w->flags = flags;
    w->first = true;
    if (!out) w->err = CX_EINVAL;
}

int cx_json_writer_error(const cx_json_writer *w) {
    return w ? w->err : CX_EINVAL;
}

bool cx_json_writer_done(const cx_json_writer *w) {
    return w && !w->err && w->done;
}

static int begin(cx_json_writer *w, bool object) {
    if (begin_value(w)) return w->err;
    if (w->depth >= CX_JSON_WRITER_MAX_DEPTH) return set_err(w, CX_EDEPTH);
    if (put_c(w, object ? '{' : '[')) return w->err;
    unsigned d = w->depth++;
    uint64_t bit = (uint64_t)1 << (d % 64);
    if (object)
        w->object_bits[d / 64] |= bit;
    else
        w->object_bits[d / 64] &= ~bit;
    w->first = true;
    return 0;
}

static int end(cx_json_writer *w, bool object) {
    if (w->err) return w->err;
    if (w->depth == 0 || in_object(w) != object || w->have_key) return set_err(w, CX_ESTATE);
    if (!w->first && (w->flags & CX_JSON_PRETTY) && newline_indent(w, w->depth - 1)) return w->err;
    if (put_c(w, object ? '}' : ']')) return w->err;
    w->depth--;
    w->first = false;
    return end_value(w);
}

int cx_json_write_object_begin(cx_json_writer *w) {
    return begin(w, true);
}
int cx_json_write_object_end(cx_json_writer *w) {
    return end(w, true);
}
int cx_json_write_array_begin(cx_json_writer *w) {
    return begin(w, false);
}
int cx_json_write_array_end(cx_json_writer *w) {
    return end(w, false);
}

int cx_json_write_key(cx_json_writer *w, const char *key, size_t n) {
    if (w->err) return w->err;
    if (w->depth == 0 || !in_object(w) || w->have_key) return set_err(w, CX_ESTATE);
    if (!w->first && put_c(w, ',')) return w->err;
    w->first = false;
    if ((w->flags & CX_JSON_PRETTY) && newline_indent(w, w->depth)) return w->err;
    if (put_string(w, key, n)) return w->err;
    if ((w->flags & CX_JSON_PRETTY) ? put(w, ": ", 2) : put_c(w, ':')) return w->err;
    w->have_key = true;
    return 0;
}

/* ---- scalars ------------------------------------------------------------ */

int cx_json_write_string(cx_json_writer *w, const char *s, size_t n) {
    if (begin_value(w) || put_string(w, s, n)) return w->err;
    return end_value(w);
}

int cx_json_write_int64(cx_json_writer *w, int64_t v) {
    if (begin_value(w)) return w->err;
    char *o = room(w, 21);
    if (!o) return w->err;
    size_t n = 0;
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        o[n++] = '-';
        u = 0 - u;
    }
    w->out->len += n + cx__json_u64_digits(o + n, u);
    return end_value(w);
}

int cx_json_write_uint64(cx_json_writer *w, uint64_t v) {
    if (begin_value(w)) return w->err;
    char *o = room(w, 20);
    if (!o) return w->err;
    w->out->len += cx__json_u64_digits(o, v);
    return end_value(w);
}

int cx_json_write_double(cx_json_writer *w, double v) {
    if (w->err) return w->err;
    if (!isfinite(v)) return set_err(w, CX_EINVAL);
    if (begin_value(w)) return w->err;
    char *o = room(w, 32);
    if (!o) return w->err;
    w->out->len += cx__json_fmt_double(o, v);
    return end_value(w);
}

int cx_json_write_bool(cx_json_writer *w, bool v) {
    if (begin_value(w) || (v ? put(w, "true", 4) : put(w, "false", 5))) return w->err;
    return end_value(w);
}

int cx_json_write_null(cx_json_writer *w) {
    if (begin_value(w) || put(w, "null", 4)) return w->err;
    return end_value(w);
}

int cx_json_write_raw(cx_json_writer *w, const char *json, size_t n) {
    if (w->err) return w->err;
    if (!json && n) return set_err(w, CX_EINVAL);
    if (begin_value(w) || put(w, json, n)) return w->err;
    return end_value(w);
}

/* ---- trees -------------------------------------------------------------- */

/* A scalar, or an empty container. */
static int write_leaf(cx_json_writer *w, const cx_json *v) {
    switch (v->type) {
    case CX_JSON_NULL:
        return put(w, "null", 4);
    case CX_JSON_BOOL:
        return (v->flags & CX_JSON_F_TRUE) ? put(w, "true", 4) : put(w, "false", 5);
    case CX_JSON_NUMBER:
        return put(w, v->a.s, v->len);
    case CX_JSON_STRING: {
        if (!(v->flags & CX_JSON_F_PLAIN)) return put_string(w, v->a.s, v->len);
        char *o = room(w, (size_t)v->len + 2);
        if (!o) return w->err;
        o[0] = '"';
        memcpy(o + 1, v->a.s, v->len);
        o[v->len + 1] = '"';
        w->out->len += (size_t)v->len + 2;
        return 0;
    }
    case CX_JSON_ARRAY:
        return put(w, "[]", 2);
    case CX_JSON_OBJECT:
        return put(w, "{}", 2);
    }
    return set_err(w, CX_EINVAL);
}

/* Depth-first without a stack: going down follows a container's children
 * pointer; coming up follows the header slot in front of the children
 * array back to the container and to the array that holds it. */
static int write_tree(cx_json_writer *w, const cx_json *v) {
    if (!cx__json_is_container(v) || v->len == 0) return write_leaf(w, v);
    const bool pretty = (w->flags & CX_JSON_PRETTY) != 0;
    const size_t base = w->depth;
    size_t depth = 1;
    if (put_c(w, v->type == CX_JSON_OBJECT ? '{' : '[')) return w->err;
    const cx_json *start = v->a.kids, *pos = start, *stop = start + cx__json_nodes(v);
    bool obj = v->type == CX_JSON_OBJECT;
    while (!w->err) {
        if (pos == stop) {
            const cx_json *hdr = start - 1, *c = hdr->a.back;
            if (pretty) newline_indent(w, base + depth - 1);
            put_c(w, c->type == CX_JSON_OBJECT ? '}' : ']');
            if (--depth == 0) break;
            start = hdr->b.pstart;
            stop = start + hdr->len;
            obj = hdr->type == CX_JSON_OBJECT;
            pos = c + 1;
            continue;
        }
        if (pos != start) put_c(w, ',');
        if (pretty) newline_indent(w, base + depth);
        if (obj) {
            write_leaf(w, pos++);
            pretty ? put(w, ": ", 2) : put_c(w, ':');
        }
        if (cx__json_is_container(pos) && pos->len) {
            put_c(w, pos->type == CX_JSON_OBJECT ? '{' : '[');
            depth++;
            obj = pos->type == CX_JSON_OBJECT;
            start = pos->a.kids;
            stop = start + cx__json_nodes(pos);
            pos = start;
            continue;
        }
        write_leaf(w, pos++);
    }
    return w->err;
}

int cx_json_write_value(cx_json_writer *w, const cx_json *v) {
    if (w->err) return w->err;
    if (!v || v->type == CX_JSON_NONE) return set_err(w, CX_EINVAL);
    if (begin_value(w) || write_tree(w, v)) return w->err;
    return end_value(w);
}

int cx_json_stringify(cx_buf *out, const cx_json *v, unsigned flags) {
    cx_json_writer w;
    cx_json_writer_init(&w, out, flags);
    return cx_json_write_value(&w, v);
}
