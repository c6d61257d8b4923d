/* ABI encoding and decoding (head/tail layout).
 *
 * Encoding writes a sequence's heads first, leaving a zero word for each
 * dynamic member, then appends each dynamic member's tail and patches its
 * offset, so one growing buffer suffices. Decoding checks every offset and
 * length against the region it must fall in before reading, and refuses
 * arrays whose claimed length could not fit in the bytes that remain, so a
 * hostile 32-byte length never turns into a huge allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/web3.h>

static int aerr(cx_abi_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- encoding ----------------------------------------------------------- */

static int enc(cx_buf *out, const cx_abi_value *v, cx_abi_error *err);

static void put_len_word(uint8_t w[32], size_t n) {
    memset(w, 0, 32);
    for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)((uint64_t)n >> (8 * i));
}

static int enc_seq(cx_buf *out, const cx_abi_value *items, size_t count, cx_abi_error *err) {
    size_t start = out->len;
    int rc = 0;
    for (size_t i = 0; !rc && i < count; i++) {
        if (cx_abi_type_is_dynamic(items[i].type)) {
            static const uint8_t zero[32];
            rc = cx_buf_append(out, zero, 32);
        } else {
            rc = enc(out, &items[i], err);
        }
    }
    size_t head = start;
    for (size_t i = 0; !rc && i < count; i++) {
        if (cx_abi_type_is_dynamic(items[i].type)) {
            put_len_word((uint8_t *)out->data + head, out->len - start);
            rc = enc(out, &items[i], err);
            head += 32;
        } else {
            head += cx_abi_type_head_size(items[i].type);
        }
    }
    return rc;
}

static int enc(cx_buf *out, const cx_abi_value *v, cx_abi_error *err) {
    const cx_abi_type *t = v->type;
    uint8_t w[32];
    int rc;
    switch (t->kind) {
    case CX_ABI_UINT:
    case CX_ABI_INT:
    case CX_ABI_ADDRESS:
    case CX_ABI_BOOL:
    case CX_ABI_FBYTES:
        return cx_buf_append(out, v->word, 32);
    case CX_ABI_BYTES:
    case CX_ABI_STRING: {
        put_len_word(w, v->len);
        if ((rc = cx_buf_append(out, w, 32))) return rc;
        if ((rc = cx_buf_append(out, v->bytes, v->len))) return rc;
        size_t pad = (32 - v->len % 32) % 32;
        memset(w, 0, 32);
        return cx_buf_append(out, w, pad);
    }
    case CX_ABI_ARRAY:
        if (v->count != t->length)
            return aerr(err, CX_EINVAL, "array needs %zu elements, got %zu", t->length, v->count);
        return enc_seq(out, v->items, v->count, err);
    case CX_ABI_SLICE:
        put_len_word(w, v->count);
        if ((rc = cx_buf_append(out, w, 32))) return rc;
        return enc_seq(out, v->items, v->count, err);
    case CX_ABI_TUPLE:
        if (v->count != t->nfields)
            return aerr(err, CX_EINVAL, "tuple needs %zu components, got %zu", t->nfields,
                        v->count);
        return enc_seq(out, v->items, v->count, err);
    }
    return CX_EINVAL;
}

int cx_abi_encode(cx_buf *out, const cx_abi_value *v, cx_abi_error *err) {
    if (!out || !v || !v->type) return CX_EINVAL;
    /* A lone value is encoded like abi.encode(x): a one-element tuple. */
    return v->type->kind == CX_ABI_TUPLE ? enc(out, v, err) : enc_seq(out, v, 1, err);
}

/* ---- decoding ----------------------------------------------------------- */

typedef struct dctx {
    cx_arena *a;
    const uint8_t *data;
    size_t len;
    cx_abi_limits lim;
    size_t total;
    cx_abi_error *err;
} dctx;

/* A word as a size, or SIZE_MAX when it does not fit in 64 bits. */
static size_t word_size(const uint8_t *w) {
    for (int i = 0; i < 24; i++)
        if (w[i]) return SIZE_MAX;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | w[i];
    return v > SIZE_MAX / 2 ? SIZE_MAX : (size_t)v;
}

static bool all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

static int dec(dctx *d, const cx_abi_type *t, size_t at, size_t end, cx_abi_value *out);

/* Decode count items of types (each items' type from types[i] or elem) laid
 * out as a sequence starting at `base`; the region ends at `end`. */
static int dec_seq(dctx *d, const cx_abi_type *elem, const cx_abi_type *const *types, size_t count,
                   size_t base, size_t end, cx_abi_value **out) {
    if (count == 0) {
        *out = NULL;
        return 0;
    }
    if (count > d->lim.max_elements || (d->total += count) > d->lim.max_total)
        return aerr(d->err, CX_ELIMIT, "too many values (limit %zu elements)", d->lim.max_elements);
    /* Every element of an array takes its head slot in the data, so a count
     * the bytes cannot hold is refused before the items are allocated: a
     * fixed array of dynamic elements (string[1000000]) would otherwise
     * cost 72 bytes of arena per element for 32 bytes of input. */
    size_t ehs = elem ? cx_abi_type_head_size(elem) : 0;
    if (ehs && (base > end || count > (end - base) / ehs))
        return aerr(d->err, CX_EPARSE,
                    "data too short: %zu elements at byte %zu need %zu bytes each", count, base,
                    ehs);
    cx_abi_value *items = cx_arena_calloc(d->a, count * sizeof *items);
    if (!items) return CX_ENOMEM;
    size_t head = base;
    for (size_t i = 0; i < count; i++) {
        const cx_abi_type *t = elem ? elem : types[i];
        size_t hs = cx_abi_type_head_size(t);
        if (hs > end || head > end - hs)
            return aerr(d->err, CX_EPARSE, "data too short: element %zu at byte %zu runs past %zu",
                        i, head, end);
        int rc;
        if (cx_abi_type_is_dynamic(t)) {
            size_t off = word_size(d->data + head);
            if (off == SIZE_MAX || off > end - base)
                return aerr(d->err, CX_EPARSE, "offset out of range at byte %zu", head);
            rc = dec(d, t, base + off, end, &items[i]);
        } else {
            rc = dec(d, t, head, end, &items[i]);
        }
        if (rc) return rc;
        head += hs;
    }
    *out = items;
    return 0;
}

static int dec(dctx *d, const cx_abi_type *t, size_t at, size_t end, cx_abi_value *out) {
    out->type = t;
    const uint8_t *p = d->data + at;
    bool word = t->kind <= CX_ABI_FBYTES;
    if (word) {
        if (at > end || end - at < 32)
            return aerr(d->err, CX_EPARSE, "data too short: word at byte %zu", at);
        memcpy(out->word, p, 32);
    }
    switch (t->kind) {
    case CX_ABI_UINT:
        if (!all_zero(p, 32 - t->size / 8))
            return aerr(d->err, CX_EPARSE, "value at byte %zu does not fit uint%u", at, t->size);
        return 0;
    case CX_ABI_INT: {
        size_t pad = 32 - t->size / 8;
        uint8_t fill = (p[pad] & 0x80) ? 0xff : 0;
        for (size_t i = 0; i < pad; i++)
            if (p[i] != fill)
                return aerr(d->err, CX_EPARSE, "value at byte %zu does not fit int%u", at, t->size);
        return 0;
    }
    case CX_ABI_ADDRESS:
        if (!all_zero(p, 12))
            return aerr(d->err, CX_EPARSE, "address at byte %zu has dirty high bytes", at);
        return 0;
    case CX_ABI_BOOL:
        if (!all_zero(p, 31) || p[31] > 1)
            return aerr(d->err, CX_EPARSE, "bool at byte %zu is neither 0 nor 1", at);
        return 0;
    case CX_ABI_FBYTES:
        if (!all_zero(p + t->size, 32 - t->size))
            return aerr(d->err, CX_EPARSE, "bytes%u at byte %zu has non-zero padding", t->size, at);
        return 0;
    case CX_ABI_BYTES:
    case CX_ABI_STRING: {
        if (at > end || end - at < 32)
            return aerr(d->err, CX_EPARSE, "data too short: length at byte %zu", at);
        size_t n = word_size(p);
        size_t room = end - at - 32;
        if (n > room)
            return aerr(d->err, CX_EPARSE, "length %s at byte %zu runs past the end of the data",
                        n == SIZE_MAX ? "(huge)" : "", at);
        size_t padded = n + (32 - n % 32) % 32;
        if (padded > room)
            return aerr(d->err, CX_EPARSE, "padding of bytes at byte %zu runs past the end", at);
        if (!all_zero(p + 32 + n, padded - n))
            return aerr(d->err, CX_EPARSE, "non-zero padding after bytes at byte %zu", at);
        out->bytes = p + 32;
        out->len = n;
        return 0;
    }
    case CX_ABI_ARRAY: {
        cx_abi_value *items;
        int rc = dec_seq(d, t->elem, NULL, t->length, at, end, &items);
        out->items = items;
        out->count = t->length;
        return rc;
    }
    case CX_ABI_SLICE: {
        if (at > end || end - at < 32)
            return aerr(d->err, CX_EPARSE, "data too short: array length at byte %zu", at);
        size_t n = word_size(p);
        size_t room = end - at - 32;
        /* Each element takes its head slot (32 bytes, or the static size)
         * in the data, so the length is bounded by the bytes left; only an
         * empty tuple "()" takes none, and max_elements bounds that. */
        size_t hs = cx_abi_type_head_size(t->elem);
        if (n == SIZE_MAX || (hs && n > room / hs))
            return aerr(d->err, CX_EPARSE, "array length at byte %zu exceeds the data", at);
        cx_abi_value *items;
        int rc = dec_seq(d, t->elem, NULL, n, at + 32, end, &items);
        out->items = items;
        out->count = n;
        return rc;
    }
    case CX_ABI_TUPLE: {
        cx_abi_value *items;
        int rc = dec_seq(d, NULL, t->fields, t->nfields, at, end, &items);
        out->items = items;
        out->count = t->nfields;
        return rc;
    }
    }
    return CX_EINVAL;
}

static void fill_limits(cx_abi_limits *l, const cx_abi_limits *in) {
    *l = cx_abi_limits_defaults();
    if (in) {
        if (in->max_elements) l->max_elements = in->max_elements;
        if (in->max_total) l->max_total = in->max_total;
        if (in->max_depth) l->max_depth = in->max_depth;
    }
}

int cx_abi_decode(cx_arena *a, const cx_abi_type *t, const uint8_t *data, size_t len,
                  const cx_abi_limits *lim, const cx_abi_value **out, cx_abi_error *err) {
    if (!a || !t || !out || (!data && len)) return CX_EINVAL;
    static const uint8_t empty[1];
    dctx d = {.a = a, .data = data ? data : empty, .len = len, .err = err};
    fill_limits(&d.lim, lim);
    int rc;
    if (t->kind != CX_ABI_TUPLE) {
        /* A lone value is decoded as a one-element tuple (abi.encode(x)). */
        cx_abi_value *items = NULL;
        if ((rc = dec_seq(&d, t, NULL, 1, 0, len, &items))) return rc;
        *out = items;
        return 0;
    }
    cx_abi_value *v = cx_arena_calloc(a, sizeof *v);
    if (!v) return CX_ENOMEM;
    if ((rc = dec(&d, t, 0, len, v))) return rc;
    *out = v;
    return 0;
}

int cx_abi_decode_log(cx_arena *a, const cx_abi_sig *sig, bool anonymous,
                      const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, size_t len,
                      const cx_abi_limits *lim, const cx_abi_value **out, cx_abi_error *err) {
    if (!a || !sig || !sig->inputs || !out || (!topics && ntopics)) return CX_EINVAL;
    const cx_abi_type *in = sig->inputs;
    size_t first = anonymous ? 0 : 1;
    if (!anonymous && (ntopics < 1 || memcmp(topics[0], sig->topic, 32) != 0))
        return aerr(err, CX_EPARSE, "topic 0 is not the hash of %s", sig->canonical);
    /* Split parameters: indexed ones from topics, the rest as one tuple. */
    size_t nidx = 0, nplain = 0;
    for (size_t i = 0; i < in->nfields; i++) in->fields[i]->indexed ? nidx++ : nplain++;
    if (ntopics != first + nidx)
        return aerr(err, CX_EPARSE, "expected %zu topics, got %zu", first + nidx, ntopics);
    cx_abi_type *plain = cx_arena_calloc(a, sizeof *plain);
    const cx_abi_type **pf = nplain ? cx_arena_alloc(a, nplain * sizeof *pf) : NULL;
    cx_abi_type *b32 = cx_arena_calloc(a, sizeof *b32);
    cx_abi_value *items = in->nfields ? cx_arena_calloc(a, in->nfields * sizeof *items) : NULL;
    cx_abi_value *res = cx_arena_calloc(a, sizeof *res);
    if (!plain || (nplain && !pf) || !b32 || (in->nfields && !items) || !res) return CX_ENOMEM;
    b32->kind = CX_ABI_FBYTES;
    b32->size = 32;
    plain->kind = CX_ABI_TUPLE;
    for (size_t i = 0, k = 0; i < in->nfields; i++)
        if (!in->fields[i]->indexed) pf[k++] = in->fields[i];
    plain->fields = pf;
    plain->nfields = nplain;
    const cx_abi_value *pv;
    int rc = cx_abi_decode(a, plain, data, len, lim, &pv, err);
    if (rc) return rc;
    size_t ti = first, pi = 0;
    for (size_t i = 0; i < in->nfields; i++) {
        const cx_abi_type *f = in->fields[i];
        if (!f->indexed) {
            items[i] = pv->items[pi++];
            continue;
        }
        if (cx_abi_type_is_dynamic(f) || f->kind == CX_ABI_TUPLE || f->kind == CX_ABI_ARRAY) {
            items[i].type = b32;
            memcpy(items[i].word, topics[ti++], 32);
            continue;
        }
        const cx_abi_value *tv;
        if ((rc = cx_abi_decode(a, f, topics[ti++], 32, lim, &tv, err))) return rc;
        items[i] = *tv;
    }
    res->type = in;
    res->items = items;
    res->count = in->nfields;
    *out = res;
    return 0;
}
