/* W3C Trace Context: traceparent and tracestate (https://www.w3.org/TR/trace-context/).
 *
 * Strict on what identifies a trace (lowercase hex, exact lengths, no zero
 * ids), forgiving on tracestate (a bad one is dropped, a long one is cut),
 * because a bad traceparent must start a new trace while a bad tracestate
 * must not break an otherwise good one. */
#include "trace_int.h"
#include <cortex/error.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1; /* uppercase is not allowed */
}

static bool hex_field(const char *p, size_t n, uint8_t *out) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(p[i]), lo = hexval(p[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
        any |= out[i / 2];
    }
    return any != 0 || n == 2;
}

static cx_str trim(cx_str s) {
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

int cx_traceparent_parse(cx_str value, cx_span_context *out) {
    if (!out) return CX_EINVAL;
    cx_str v = trim(value);
    if (!v.ptr || v.len < 55) return CX_EPARSE;
    const char *p = v.ptr;
    uint8_t version;
    if (!hex_field(p, 2, &version) || version == 0xff) return CX_EPARSE;
    if (version == 0 && v.len != 55) return CX_EPARSE;
    /* A later version may append fields after a '-'. */
    if (v.len > 55 && p[55] != '-') return CX_EPARSE;
    if (p[2] != '-' || p[35] != '-' || p[52] != '-') return CX_EPARSE;
    cx_span_context sc;
    memset(&sc, 0, sizeof sc);
    uint8_t flags;
    if (!hex_field(p + 3, 32, sc.trace_id) || !hex_field(p + 36, 16, sc.span_id) ||
        !hex_field(p + 53, 2, &flags))
        return CX_EPARSE;
    sc.flags = version == 0 ? flags & CX_TRACE_FLAG_SAMPLED : flags;
    sc.remote = true;
    *out = sc;
    return 0;
}

void cx_traceparent_format(const cx_span_context *sc, char buf[56]) {
    char t[33], s[17];
    cx__hex(sc->trace_id, 16, t);
    cx__hex(sc->span_id, 8, s);
    snprintf(buf, 56, "00-%s-%s-%02x", t, s, sc->flags & CX_TRACE_FLAG_SAMPLED);
}

/* ---- tracestate -------------------------------------------------------------- */

static bool lcalpha(char c) {
    return c >= 'a' && c <= 'z';
}
static bool key_char(char c) {
    return lcalpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

static bool valid_key(cx_str k) {
    if (k.len == 0 || k.len > 256) return false;
    const char *at = memchr(k.ptr, '@', k.len);
    if (!at) {
        if (!lcalpha(k.ptr[0])) return false;
        for (size_t i = 1; i < k.len; i++)
            if (!key_char(k.ptr[i])) return false;
        return true;
    }
    size_t tn = (size_t)(at - k.ptr), sn = k.len - tn - 1;
    if (tn == 0 || tn > 241 || sn == 0 || sn > 14) return false;
    if (!lcalpha(k.ptr[0]) && !(k.ptr[0] >= '0' && k.ptr[0] <= '9')) return false;
    for (size_t i = 1; i < tn; i++)
        if (!key_char(k.ptr[i])) return false;
    if (!lcalpha(at[1])) return false;
    for (size_t i = 2; i <= sn; i++)
        if (!key_char(at[i])) return false;
    return true;
}

static bool valid_value(cx_str v) {
    if (v.len == 0 || v.len > 256 || v.ptr[v.len - 1] == ' ') return false;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
    }
    return true;
}

int cx_tracestate_parse(cx_str value, char *out) {
    if (!out) return CX_EINVAL;
    out[0] = '\0';
    cx_str members[CX_TRACESTATE_MAX_KEYS];
    size_t n = 0;
    size_t pos = 0;
    while (value.ptr && pos <= value.len) {
        const char *comma = memchr(value.ptr + pos, ',', value.len - pos);
        size_t len = comma ? (size_t)(comma - (value.ptr + pos)) : value.len - pos;
        cx_str m = trim((cx_str){value.ptr + pos, len});
        pos += len + 1;
        if (m.len) {
            const char *eq = memchr(m.ptr, '=', m.len);
            if (!eq) return CX_EPARSE;
            cx_str k = {m.ptr, (size_t)(eq - m.ptr)};
            cx_str v = {eq + 1, m.len - k.len - 1};
            if (!valid_key(k) || !valid_value(v)) return CX_EPARSE;
            for (size_t i = 0; i < n; i++) {
                const char *eq2 = memchr(members[i].ptr, '=', members[i].len);
                if ((size_t)(eq2 - members[i].ptr) == k.len &&
                    !memcmp(members[i].ptr, k.ptr, k.len))
                    return CX_EPARSE; /* a key given twice */
            }
            /* Past 32 members the rest is cut, like an over-long value. */
            if (n < CX_TRACESTATE_MAX_KEYS) members[n++] = m;
        }
        if (!comma) break;
    }
    /* Fit into CX_TRACESTATE_MAX: first drop members over 128 bytes (from
     * the end), then members from the end. */
    size_t total = 0;
    bool keep[CX_TRACESTATE_MAX_KEYS];
    for (size_t i = 0; i < n; i++) {
        keep[i] = true;
        total += members[i].len + (i ? 1 : 0);
    }
    size_t kept = n;
    for (size_t i = n; i-- > 0 && total > CX_TRACESTATE_MAX;)
        if (members[i].len > 128) {
            keep[i] = false;
            total -= members[i].len + (--kept ? 1 : 0);
        }
    for (size_t i = n; i-- > 0 && total > CX_TRACESTATE_MAX;)
        if (keep[i]) {
            keep[i] = false;
            total -= members[i].len + (--kept ? 1 : 0);
        }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        if (o) out[o++] = ',';
        memcpy(out + o, members[i].ptr, members[i].len);
        o += members[i].len;
    }
    out[o] = '\0';
    return 0;
}

/* ---- headers ------------------------------------------------------------------- */

int cx_trace_extract(const cx_req *req, cx_span_context *out) {
    if (!req || !out) return CX_EINVAL;
    cx_str tp = {NULL, 0};
    size_t nh = cx_req_header_count(req);
    unsigned ntp = 0;
    char joined[CX_TRACESTATE_MAX * 4];
    size_t jl = 0;
    bool ts_too_long = false;
    for (size_t i = 0; i < nh; i++) {
        cx_str name, val;
        if (cx_req_header_at(req, i, &name, &val)) break;
        if (cx_str_ieq(name, CX_STR("traceparent"))) {
            tp = val;
            ntp++;
        } else if (cx_str_ieq(name, CX_STR("tracestate"))) {
            /* Several tracestate headers are one list. */
            if (jl + val.len + 1 > sizeof joined) {
                ts_too_long = true;
                continue;
            }
            if (jl) joined[jl++] = ',';
            memcpy(joined + jl, val.ptr, val.len);
            jl += val.len;
        }
    }
    if (ntp != 1 || cx_traceparent_parse(tp, out) != 0) return CX_ENOTFOUND;
    (void)ts_too_long; /* members beyond the buffer are cut like an over-long list */
    if (jl && cx_tracestate_parse((cx_str){joined, jl}, out->tracestate) != 0)
        out->tracestate[0] = '\0';
    return 0;
}

int cx_trace_inject(const cx_span_context *sc,
                    int (*set_header)(void *arg, const char *name, const char *value), void *arg) {
    if (!sc || !set_header || !cx_span_context_valid(sc)) return CX_EINVAL;
    char tp[56];
    cx_traceparent_format(sc, tp);
    int rc = set_header(arg, "traceparent", tp);
    if (!rc && sc->tracestate[0]) rc = set_header(arg, "tracestate", sc->tracestate);
    return rc;
}
