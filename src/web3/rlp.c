/* RLP decoding (strict, bounded, recursive only up to max_depth) and
 * encoding. Every length is checked against the bytes its enclosing item
 * actually has before anything is read or allocated. */
#include <stdio.h>
#include <cortex/error.h>
#include <cortex/rlp.h>

cx_rlp_limits cx_rlp_limits_defaults(void) {
    return (cx_rlp_limits){.max_depth = 64, .max_items = 1000000};
}

typedef struct dec {
    cx_arena *a;
    const uint8_t *base;
    cx_rlp_limits lim;
    size_t items;
    cx_rlp_error *err;
} dec;

static int fail(dec *d, int code, size_t off, const char *msg) {
    if (d->err) {
        d->err->offset = off;
        snprintf(d->err->message, sizeof d->err->message, "byte %zu: %s", off, msg);
    }
    return code;
}

/* Read the header at p (end = end of the enclosing payload). Sets list,
 * payload start and payload length. */
static int header(dec *d, const uint8_t *p, const uint8_t *end, bool *list, const uint8_t **pay,
                  size_t *plen) {
    size_t off = (size_t)(p - d->base);
    if (p >= end) return fail(d, CX_EPARSE, off, "truncated: expected an item");
    uint8_t b = *p;
    size_t avail = (size_t)(end - p) - 1;
    if (b < 0x80) {
        *list = false;
        *pay = p;
        *plen = 1;
        return 0;
    }
    *list = b >= 0xc0;
    unsigned short_base = *list ? 0xc0 : 0x80;
    if (b <= short_base + 55) {
        size_t n = b - short_base;
        if (n > avail) return fail(d, CX_EPARSE, off, "truncated: length runs past the end");
        if (!*list && n == 1 && p[1] < 0x80)
            return fail(d, CX_EPARSE, off,
                        "non-canonical: single byte below 0x80 wrapped in a length prefix");
        *pay = p + 1;
        *plen = n;
        return 0;
    }
    size_t lenlen = b - (short_base + 55);
    if (lenlen > avail)
        return fail(d, CX_EPARSE, off, "truncated: length of length runs past the end");
    if (p[1] == 0) return fail(d, CX_EPARSE, off, "non-canonical: length has a leading zero byte");
    if (lenlen > sizeof(size_t))
        return fail(d, CX_EPARSE, off, "oversized: length does not fit in memory");
    size_t n = 0;
    for (size_t i = 0; i < lenlen; i++) n = n << 8 | p[1 + i];
    if (n < 56) return fail(d, CX_EPARSE, off, "non-canonical: long form for a length below 56");
    if (n > avail - lenlen)
        return fail(d, CX_EPARSE, off, "oversized: length runs past the end of the input");
    *pay = p + 1 + lenlen;
    *plen = n;
    return 0;
}

static int item(dec *d, const uint8_t *p, const uint8_t *end, size_t depth, cx_rlp_item *out,
                const uint8_t **next) {
    bool list;
    const uint8_t *pay;
    size_t plen;
    int rc = header(d, p, end, &list, &pay, &plen);
    if (rc) return rc;
    if (++d->items > d->lim.max_items)
        return fail(d, CX_ELIMIT, (size_t)(p - d->base), "too many items");
    *next = pay + plen;
    out->list = list;
    if (!list) {
        out->data = pay;
        out->len = plen;
        return 0;
    }
    if (depth >= d->lim.max_depth)
        return fail(d, CX_EDEPTH, (size_t)(p - d->base), "lists nested too deep");
    /* Count first so the element array is allocated once, exactly. */
    size_t count = 0;
    const uint8_t *q = pay, *pend = pay + plen;
    while (q < pend) {
        bool l2;
        const uint8_t *p2;
        size_t n2;
        if ((rc = header(d, q, pend, &l2, &p2, &n2))) return rc;
        q = p2 + n2;
        count++;
    }
    cx_rlp_item *items = NULL;
    if (count) {
        if (count > d->lim.max_items)
            return fail(d, CX_ELIMIT, (size_t)(p - d->base), "too many items");
        items = cx_arena_calloc(d->a, count * sizeof *items);
        if (!items) return CX_ENOMEM;
    }
    q = pay;
    for (size_t i = 0; i < count; i++)
        if ((rc = item(d, q, pend, depth + 1, &items[i], &q))) return rc;
    out->items = items;
    out->count = count;
    return 0;
}

int cx_rlp_decode(cx_arena *a, const uint8_t *in, size_t len, const cx_rlp_limits *lim,
                  const cx_rlp_item **out, cx_rlp_error *err) {
    if (!a || !out || (!in && len)) return CX_EINVAL;
    dec d = {.a = a, .base = in, .lim = lim ? *lim : cx_rlp_limits_defaults(), .err = err};
    if (!d.lim.max_depth) d.lim.max_depth = 64;
    if (!d.lim.max_items) d.lim.max_items = 1000000;
    cx_rlp_item *root = cx_arena_calloc(a, sizeof *root);
    if (!root) return CX_ENOMEM;
    const uint8_t *next;
    int rc = item(&d, in, in + len, 0, root, &next);
    if (rc) return rc;
    if (next != in + len)
        return fail(&d, CX_EPARSE, (size_t)(next - in), "trailing bytes after the item");
    *out = root;
    return 0;
}

static int put_header(cx_buf *out, unsigned base, size_t len) {
    uint8_t h[9];
    if (len < 56) {
        h[0] = (uint8_t)(base + len);
        return cx_buf_append(out, h, 1);
    }
    size_t n = 0;
    for (size_t v = len; v; v >>= 8) n++;
    h[0] = (uint8_t)(base + 55 + n);
    for (size_t i = 0; i < n; i++) h[n - i] = (uint8_t)(len >> (8 * i));
    return cx_buf_append(out, h, n + 1);
}

int cx_rlp_put_bytes(cx_buf *out, const void *data, size_t len) {
    if (!out || (!data && len)) return CX_EINVAL;
    if (len == 1 && *(const uint8_t *)data < 0x80) return cx_buf_append(out, data, 1);
    int rc = put_header(out, 0x80, len);
    return rc ? rc : cx_buf_append(out, data, len);
}

int cx_rlp_put_list_header(cx_buf *out, size_t payload_len) {
    if (!out) return CX_EINVAL;
    return put_header(out, 0xc0, payload_len);
}

int cx_rlp_put_list(cx_buf *out, const void *payload, size_t payload_len) {
    if (!payload && payload_len) return CX_EINVAL;
    int rc = cx_rlp_put_list_header(out, payload_len);
    return rc ? rc : cx_buf_append(out, payload, payload_len);
}

/* Encoded size of a tree, so a list header can be written before its items
 * without a temporary buffer. */
static size_t header_size(size_t len) {
    size_t n = 1;
    if (len >= 56)
        for (size_t v = len; v; v >>= 8) n++;
    return n;
}

static size_t payload_size(const cx_rlp_item *it) {
    if (!it->list) return it->len;
    size_t n = 0;
    for (size_t i = 0; i < it->count; i++) {
        const cx_rlp_item *c = &it->items[i];
        size_t p = payload_size(c);
        n += (!c->list && c->len == 1 && c->data[0] < 0x80) ? 1 : header_size(p) + p;
    }
    return n;
}

int cx_rlp_encode(cx_buf *out, const cx_rlp_item *item) {
    if (!out || !item) return CX_EINVAL;
    if (!item->list) return cx_rlp_put_bytes(out, item->data, item->len);
    int rc = cx_rlp_put_list_header(out, payload_size(item));
    for (size_t i = 0; !rc && i < item->count; i++) rc = cx_rlp_encode(out, &item->items[i]);
    return rc;
}
