/* JSON module internals: the node layout and helpers shared by the parser,
 * the accessors and the writer.
 *
 * A node is 24 bytes. Containers point to a contiguous array of children
 * (objects: key, value, key, value, ...). Every non-empty children array is
 * preceded by one extra slot, its header, that leads back to the container
 * node and to the array the container itself sits in; with it a tree can be
 * walked without a stack or recursion (see cx__json_up). The root sits in a
 * one-element array of its own, so it has a place to come back to too. */
#ifndef CX_JSON_INT_H
#define CX_JSON_INT_H

#include <cortex/json.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    /* node.flags */
    CX_JSON_F_TRUE = 1,  /* bool: true */
    CX_JSON_F_PLAIN = 2, /* string: no byte needs escaping on output */
};

struct cx_json {
    uint8_t type; /* cx_json_type; in a header slot: the type of the array it leads back into */
    uint8_t kind; /* numbers: cx_json_num */
    uint16_t flags;
    uint32_t len; /* string bytes, number text bytes, elements, members; header: nodes */
    union {
        const char *s;              /* string bytes (NUL follows), number text */
        const struct cx_json *kids; /* children (objects: 2 * len nodes) */
        const struct cx_json *back; /* header: the container node it belongs to */
    } a;
    union {
        int64_t i;
        uint64_t u;
        double d;
        const struct cx_json *pstart; /* header: start of the array holding `back` */
    } b;
};

/* Children nodes of a container (2 per member for objects). */
static inline size_t cx__json_nodes(const cx_json *v) {
    return v->type == CX_JSON_OBJECT ? 2 * (size_t)v->len : v->len;
}

static inline bool cx__json_is_container(const cx_json *v) {
    return v->type >= CX_JSON_ARRAY;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is invalid:
 * overlong forms, UTF-16 surrogates, code points above U+10FFFF, bad or
 * missing continuation bytes. Reads at most 4 bytes but stops at the first
 * bad one, so a NUL terminator is a safe end. */
static inline size_t cx__utf8_len(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi) return 0;
        return (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi) return 0;
        if ((s[2] & 0xC0) != 0x80) return 0;
        return (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Encode code point cp (<= 0x10FFFF, not a surrogate) at p; returns bytes. */
static inline size_t cx__utf8_put(char *p, uint32_t cp) {
    unsigned char *u = (unsigned char *)p;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | cp >> 18);
    u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Numbers (num.c). */

/* Decimal digits of v into p (no sign, no NUL); returns the count (1-20). */
size_t cx__json_u64_digits(char *p, uint64_t v);
/* The shortest text that reads back as the finite double d; returns its
 * length (at most 32) and writes no NUL. */
size_t cx__json_fmt_double(char *out, double d);
/* The double nearest to a JSON number's text, which must be valid JSON
 * number syntax and be followed in memory by a byte that cannot continue a
 * number (a delimiter or NUL). Correctly rounded; HUGE_VAL on overflow. */
double cx__json_strtod(const char *s, size_t n);

extern const double cx__json_pow10[23];       /* 1e0 .. 1e22, all exact */
extern const uint64_t cx__json_pow10_u64[16]; /* 1 .. 10^15 */
#define CX__JSON_TWO53 (1ull << 53)

/* m * 10^e10, correctly rounded, when that is one IEEE operation on exact
 * operands (Clinger's fast path); false when it is not. Inline: the parser
 * calls it for every real. */
static inline bool cx__json_fast_double(uint64_t m, int e10, bool neg, double *out) {
#if FLT_EVAL_METHOD != 0
    /* Extended-precision evaluation would round twice. */
    (void)m, (void)e10, (void)neg, (void)out;
    return false;
#else
    if (m > CX__JSON_TWO53) return false;
    double d = (double)m;
    if (m == 0) {
        d = 0.0;
    } else if (e10 < 0) {
        if (e10 < -22) return false;
        d /= cx__json_pow10[-e10];
    } else if (e10 <= 22) {
        d *= cx__json_pow10[e10];
    } else {
        /* 12e30: move the excess into m while it stays exact (1.2e31 = 12000000e24). */
        int extra = e10 - 22;
        if (extra > 15 || m > CX__JSON_TWO53 / cx__json_pow10_u64[extra]) return false;
        d = (double)(m * cx__json_pow10_u64[extra]) * 1e22;
    }
    *out = neg ? -d : d;
    return true;
#endif
}

#endif
