/* W3C Baggage (https://www.w3.org/TR/baggage/): "k=v;prop, k2=v2".
 *
 * Keys are HTTP tokens; values are percent-decoded on the way in and encoded
 * on the way out, so application code sees the text that was meant. */
#include "trace_int.h"
#include <cortex/error.h>
#include <stdlib.h>
#include <string.h>

static bool tchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool octet(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static cx_str trim(cx_str s) {
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool valid_key(const char *k, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!tchar((unsigned char)k[i])) return false;
    return true;
}

static ssize_t find(const cx_baggage *b, const char *k, size_t n) {
    for (size_t i = 0; i < b->n; i++)
        if (strlen(b->entries[i].key) == n && memcmp(b->entries[i].key, k, n) == 0)
            return (ssize_t)i;
    return -1;
}

static int put(cx_baggage *b, const char *k, size_t kn, const char *v, size_t vn, const char *p,
               size_t pn) {
    char *key = strndup(k, kn), *val = strndup(v, vn), *props = strndup(p ? p : "", pn);
    if (!key || !val || !props) {
        free(key), free(val), free(props);
        return CX_ENOMEM;
    }
    ssize_t i = find(b, k, kn);
    if (i < 0) {
        if (b->n >= CX_BAGGAGE_MAX_ENTRIES) {
            free(key), free(val), free(props);
            return CX_ELIMIT;
        }
        i = (ssize_t)b->n++;
    } else {
        free(b->entries[i].key), free(b->entries[i].value), free(b->entries[i].properties);
    }
    b->entries[i] = (cx_baggage_entry){key, val, props};
    return 0;
}

int cx_baggage_parse(cx_baggage *b, cx_str value) {
    if (!b) return CX_EINVAL;
    if (value.len > CX_BAGGAGE_MAX_BYTES) return CX_ELIMIT;
    char dec[CX_BAGGAGE_MAX_BYTES];
    size_t pos = 0;
    while (value.ptr && pos <= value.len) {
        const char *comma = memchr(value.ptr + pos, ',', value.len - pos);
        size_t len = comma ? (size_t)(comma - (value.ptr + pos)) : value.len - pos;
        cx_str m = trim((cx_str){value.ptr + pos, len});
        pos += len + 1;
        if (m.len == 0) {
            if (!comma) break;
            return CX_EPARSE; /* an empty member between commas */
        }
        const char *semi = memchr(m.ptr, ';', m.len);
        cx_str kv = trim((cx_str){m.ptr, semi ? (size_t)(semi - m.ptr) : m.len});
        cx_str props =
            semi ? trim((cx_str){semi + 1, m.len - (size_t)(semi + 1 - m.ptr)}) : (cx_str){"", 0};
        const char *eq = memchr(kv.ptr, '=', kv.len);
        if (!eq) return CX_EPARSE;
        cx_str k = trim((cx_str){kv.ptr, (size_t)(eq - kv.ptr)});
        cx_str v = trim((cx_str){eq + 1, kv.len - (size_t)(eq + 1 - kv.ptr)});
        if (!valid_key(k.ptr, k.len)) return CX_EPARSE;
        size_t dn = 0;
        for (size_t i = 0; i < v.len; i++) {
            unsigned char c = (unsigned char)v.ptr[i];
            if (!octet(c)) return CX_EPARSE;
            if (c == '%') {
                int hi = i + 2 < v.len ? hexv(v.ptr[i + 1]) : -1;
                int lo = hi >= 0 ? hexv(v.ptr[i + 2]) : -1;
                if (lo < 0) return CX_EPARSE;
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
            dec[dn++] = (char)c;
        }
        for (size_t i = 0; i < props.len; i++)
            if ((unsigned char)props.ptr[i] < 0x20 || (unsigned char)props.ptr[i] > 0x7e)
                return CX_EPARSE;
        int rc = put(b, k.ptr, k.len, dec, dn, props.ptr, props.len);
        if (rc) return rc;
        if (!comma) break;
    }
    return 0;
}

int cx_baggage_set(cx_baggage *b, const char *key, const char *value) {
    if (!b || !key || !valid_key(key, strlen(key))) return CX_EINVAL;
    if (!value) value = "";
    return put(b, key, strlen(key), value, strlen(value), "", 0);
}

const char *cx_baggage_get(const cx_baggage *b, const char *key) {
    if (!b || !key) return NULL;
    ssize_t i = find(b, key, strlen(key));
    return i < 0 ? NULL : b->entries[i].value;
}

int cx_baggage_format(const cx_baggage *b, cx_buf *out) {
    if (!b || !out) return CX_EINVAL;
    static const char hex[] = "0123456789ABCDEF";
    size_t start = out->len;
    int rc = 0;
    for (size_t i = 0; i < b->n; i++) {
        const cx_baggage_entry *e = &b->entries[i];
        size_t mark = out->len;
        if (mark > start) cx_buf_putc(out, ',');
        cx_buf_puts(out, e->key);
        cx_buf_putc(out, '=');
        for (const unsigned char *p = (const unsigned char *)e->value; *p; p++) {
            if (octet(*p) && *p != '%') {
                cx_buf_putc(out, (char)*p);
            } else {
                char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                cx_buf_append(out, enc, 3);
            }
        }
        if (e->properties[0]) {
            cx_buf_putc(out, ';');
            cx_buf_puts(out, e->properties);
        }
        if (out->len - start > CX_BAGGAGE_MAX_BYTES) {
            out->len = mark; /* this one does not fit */
            rc = CX_ELIMIT;
        }
    }
    return rc;
}

void cx_baggage_free(cx_baggage *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->entries[i].key);
        free(b->entries[i].value);
        free(b->entries[i].properties);
    }
    b->n = 0;
}
