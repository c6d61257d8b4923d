/* libFuzzer target for the ABI type parser, decoder and text parser, the
 * signature parser, the event-log decoder, and the u256 and hex parsers
 * that the ABI layer is built on.
 *
 * Byte 0 picks the mode. 0x01..0x03 select the modes below; any other first
 * byte is the original layout, so the older seeds keep their meaning (a
 * type text can never start with a control byte, so nothing is lost):
 *
 *   type   "TYPE\nBYTES": a successful decode must re-encode to bytes that
 *          decode again to the same value; BYTES is also tried as cast-
 *          syntax text, whose encoding must decode.
 *   0x01   sig + log: FLAGS "SIG\n" TOPICS... DATA. cx_abi_sig_parse: the
 *          canonical text is name + the formatted inputs, topic/selector
 *          are its keccak256, and parsing the canonical text (with the
 *          formatted outputs) gives the same signature. cx_abi_decode_log
 *          with the topic count and topic 0 chosen by FLAGS: a wrong count
 *          or topic 0 must fail; a decoded log has one item per input,
 *          indexed items equal their topic, and re-encoding the plain items
 *          decodes to the same log.
 *   0x02   cx_u256_parse on the rest, checked against a separate model of
 *          the documented syntax (decimal, or 0x/0X hex of any case with at
 *          most 64 significant digits; EPARSE for malformed text, ERANGE
 *          for well-formed values >= 2^256), then decimal and hex printing
 *          must parse back to the same number.
 *   0x03   cx_hex_decode / cx_hex_decode_alloc / cx_hex_problem: FLAGS
 *          (bit 0: CX_HEX_PREFIX, bits 1-7: output capacity) then the text.
 *          The verdicts agree with each other and with the capacity;
 *          decoded bytes re-encode to the input digits modulo case. */
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/web3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- mode "type": the original target -------------------------------------------- */

static void check_roundtrip(cx_arena *a, const cx_abi_type *t, const cx_abi_value *v) {
    cx_buf enc = CX_BUF_INIT, f1 = CX_BUF_INIT, f2 = CX_BUF_INIT;
    cx_abi_error e;
    const cx_abi_value *back;
    if (cx_abi_encode(&enc, v, &e) != 0) abort();
    if (cx_abi_decode(a, t, (const uint8_t *)enc.data, enc.len, NULL, &back, &e) != 0) abort();
    if (cx_abi_format_value(&f1, v) || cx_abi_format_value(&f2, back)) abort();
    if (f1.len != f2.len || (f1.len && memcmp(f1.data, f2.data, f1.len))) abort();
    cx_buf_free(&enc);
    cx_buf_free(&f1);
    cx_buf_free(&f2);
}

static cx_abi_limits fuzz_limits(void) {
    cx_abi_limits lim = cx_abi_limits_defaults();
    lim.max_elements = 10000;
    lim.max_total = 50000;
    return lim;
}

static void fuzz_type(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return;
    size_t tl = (size_t)(nl - data);
    cx_arena *a = cx_arena_new(0, 16u << 20);
    if (!a) return;
    const cx_abi_type *t;
    cx_abi_error e;
    cx_abi_limits lim = fuzz_limits();
    if (cx_abi_type_parse(a, (const char *)data, tl, &lim, &t, &e) == 0) {
        const uint8_t *body = nl + 1;
        size_t bl = size - tl - 1;
        const cx_abi_value *v;
        if (cx_abi_decode(a, t, body, bl, &lim, &v, &e) == 0) check_roundtrip(a, t, v);
        if (cx_abi_parse_value(a, t, (const char *)body, bl, &v, &e) == 0) {
            cx_buf enc = CX_BUF_INIT;
            if (cx_abi_encode(&enc, v, &e) == 0) {
                const cx_abi_value *back;
                if (cx_abi_decode(a, t, (const uint8_t *)enc.data, enc.len, NULL, &back, &e))
                    abort(); /* our own encoding must decode */
            }
            cx_buf_free(&enc);
        }
    }
    cx_arena_free(a);
}

/* ---- mode 0x01: signatures and event logs ----------------------------------------- */

static bool buf_eq(const cx_buf *x, const cx_buf *y) {
    return x->len == y->len && (!x->len || !memcmp(x->data, y->data, x->len));
}

static bool buf_is(const cx_buf *x, const char *s) {
    return x->len == strlen(s) && (!x->len || !memcmp(x->data, s, x->len));
}

/* Structural equality of two decoded values of the same shape. */
static bool value_eq(const cx_abi_value *x, const cx_abi_value *y) {
    if (x->type->kind != y->type->kind || x->type->size != y->type->size) return false;
    switch (x->type->kind) {
    case CX_ABI_UINT:
    case CX_ABI_INT:
    case CX_ABI_ADDRESS:
    case CX_ABI_BOOL:
    case CX_ABI_FBYTES:
        return !memcmp(x->word, y->word, 32);
    case CX_ABI_BYTES:
    case CX_ABI_STRING:
        return x->len == y->len && (!x->len || !memcmp(x->bytes, y->bytes, x->len));
    default:
        if (x->count != y->count) return false;
        for (size_t i = 0; i < x->count; i++)
            if (!value_eq(&x->items[i], &y->items[i])) return false;
        return true;
    }
}

static bool ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
}

static bool is_err(int rc) {
    return rc == CX_EPARSE || rc == CX_EDEPTH || rc == CX_ELIMIT || rc == CX_ENOMEM;
}

/* What sig_parse promises about a parsed signature. */
static void check_sig(cx_arena *a, const cx_abi_sig *s, const cx_abi_limits *lim) {
    if (!s->name || !s->inputs || !s->outputs || !s->canonical) abort();
    if (s->inputs->kind != CX_ABI_TUPLE || s->outputs->kind != CX_ABI_TUPLE) abort();
    if (s->name[0] >= '0' && s->name[0] <= '9') abort();
    for (const char *p = s->name; *p; p++)
        if (!ident(*p)) abort();
    cx_buf canon = CX_BUF_INIT, outs = CX_BUF_INIT, again = CX_BUF_INIT;
    if (cx_buf_puts(&canon, s->name) || cx_abi_type_format(&canon, s->inputs)) abort();
    if (!buf_is(&canon, s->canonical)) abort();
    uint8_t h[32];
    cx_keccak256(s->canonical, strlen(s->canonical), h);
    if (memcmp(h, s->topic, 32) || memcmp(h, s->selector, 4)) abort();
    /* canonical text + formatted outputs parses to the same signature */
    if (cx_abi_type_format(&outs, s->outputs)) abort();
    if (cx_buf_puts(&again, s->canonical)) abort();
    if (s->outputs->nfields && cx_buf_append(&again, outs.data, outs.len)) abort();
    cx_abi_sig s2;
    cx_abi_error e;
    int rc = cx_abi_sig_parse(a, again.data, again.len, lim, &s2, &e);
    if (rc == CX_ENOMEM) goto out;
    if (rc) abort();
    if (strcmp(s2.name, s->name) || strcmp(s2.canonical, s->canonical)) abort();
    if (memcmp(s2.topic, s->topic, 32) || memcmp(s2.selector, s->selector, 4)) abort();
    cx_buf outs2 = CX_BUF_INIT;
    if (cx_abi_type_format(&outs2, s2.outputs)) abort();
    if (!buf_eq(&outs, &outs2)) abort();
    cx_buf_free(&outs2);
    /* a non-empty parameter list is also a valid tuple type */
    if (s->inputs->nfields) {
        const cx_abi_type *t;
        cx_buf in = CX_BUF_INIT, in2 = CX_BUF_INIT;
        if (cx_abi_type_format(&in, s->inputs)) abort();
        rc = cx_abi_type_parse(a, in.data, in.len, lim, &t, &e);
        if (rc && rc != CX_ENOMEM) abort();
        if (!rc && (cx_abi_type_format(&in2, t) || !buf_eq(&in, &in2))) abort();
        cx_buf_free(&in);
        cx_buf_free(&in2);
    }
out:
    cx_buf_free(&canon);
    cx_buf_free(&outs);
    cx_buf_free(&again);
}

static bool hashed_topic(const cx_abi_type *f) {
    return cx_abi_type_is_dynamic(f) || f->kind == CX_ABI_TUPLE || f->kind == CX_ABI_ARRAY;
}

/* What decode_log promises about a decoded log; then the re-encoding of its
 * plain part must decode to the same log. */
static void check_log(cx_arena *a, const cx_abi_sig *s, bool anon, const uint8_t (*topics)[32],
                      size_t nt, const cx_abi_value *v, const cx_abi_limits *lim) {
    const cx_abi_type *in = s->inputs;
    if (v->type != in || v->count != in->nfields) abort();
    size_t ti = anon ? 0 : 1, nplain = 0;
    for (size_t i = 0; i < in->nfields; i++) {
        const cx_abi_type *f = in->fields[i];
        const cx_abi_value *it = &v->items[i];
        if (!f->indexed) {
            if (it->type != f) abort();
            nplain++;
            continue;
        }
        if (ti >= nt) abort();
        if (hashed_topic(f)) {
            if (it->type->kind != CX_ABI_FBYTES || it->type->size != 32) abort();
        } else if (it->type != f) {
            abort();
        }
        if (memcmp(it->word, topics[ti++], 32)) abort();
    }
    if (ti != nt) abort();
    /* the plain items as one tuple value, encoded */
    cx_abi_value *items = nplain ? cx_arena_calloc(a, nplain * sizeof *items) : NULL;
    const cx_abi_type **fields = nplain ? cx_arena_calloc(a, nplain * sizeof *fields) : NULL;
    cx_abi_type *tt = cx_arena_calloc(a, sizeof *tt);
    if ((nplain && (!items || !fields)) || !tt) return;
    for (size_t i = 0, k = 0; i < in->nfields; i++)
        if (!in->fields[i]->indexed) {
            fields[k] = in->fields[i];
            items[k++] = v->items[i];
        }
    tt->kind = CX_ABI_TUPLE;
    tt->fields = fields;
    tt->nfields = nplain;
    cx_abi_value tv = {.type = tt, .items = items, .count = nplain};
    cx_buf enc = CX_BUF_INIT;
    cx_abi_error e;
    if (cx_abi_encode(&enc, &tv, &e)) abort();
    const cx_abi_value *back;
    int rc = cx_abi_decode_log(a, s, anon, topics, nt, (const uint8_t *)enc.data, enc.len, lim,
                               &back, &e);
    if (rc != CX_ENOMEM) {
        if (rc || !value_eq(v, back)) abort();
        cx_buf f1 = CX_BUF_INIT, f2 = CX_BUF_INIT;
        if (cx_abi_format_value(&f1, v) || cx_abi_format_value(&f2, back)) abort();
        if (!buf_eq(&f1, &f2)) abort();
        cx_buf_free(&f1);
        cx_buf_free(&f2);
    }
    cx_buf_free(&enc);
}

static void fuzz_sig_log(const uint8_t *data, size_t size) {
    if (size < 1) return;
    uint8_t flags = data[0];
    data++, size--;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t sl = nl ? (size_t)(nl - data) : size;
    cx_arena *a = cx_arena_new(0, 16u << 20);
    if (!a) return;
    cx_abi_limits lim = fuzz_limits();
    cx_abi_sig s;
    cx_abi_error e;
    e.message[0] = 0;
    int rc = cx_abi_sig_parse(a, (const char *)data, sl, &lim, &s, &e);
    if (rc) {
        if (!is_err(rc) || (rc != CX_ENOMEM && !e.message[0])) abort();
        goto done;
    }
    check_sig(a, &s, &lim);
    if (!nl) goto done;
    data += sl + 1;
    size -= sl + 1;

    /* topics: the right count, one more or one fewer; topic 0 given right
     * or taken from the input */
    bool anon = flags & 1, right0 = !anon && (flags & 2);
    size_t nidx = 0;
    for (size_t i = 0; i < s.inputs->nfields; i++) nidx += s.inputs->fields[i]->indexed;
    size_t want = (anon ? 0 : 1) + nidx, nt = want;
    switch ((flags >> 2) & 3) {
    case 1:
        nt = want + 1;
        break;
    case 2:
        nt = want ? want - 1 : 0;
        break;
    default:
        break;
    }
    uint8_t(*topics)[32] = nt ? cx_arena_calloc(a, nt * 32) : NULL;
    if (nt && !topics) goto done;
    for (size_t i = 0; i < nt; i++) {
        if (i == 0 && right0) {
            memcpy(topics[0], s.topic, 32);
            continue;
        }
        size_t take = size < 32 ? size : 32;
        memcpy(topics[i], data, take);
        data += take, size -= take;
    }
    const cx_abi_value *v;
    e.message[0] = 0;
    rc = cx_abi_decode_log(a, &s, anon, (const uint8_t(*)[32])topics, nt, data, size, &lim, &v, &e);
    bool bad_shape = nt != want || (!anon && memcmp(topics[0], s.topic, 32));
    if (rc) {
        if (!is_err(rc) || (rc != CX_ENOMEM && !e.message[0])) abort();
    } else {
        if (bad_shape) abort(); /* a wrong topic count or topic 0 must fail */
        check_log(a, &s, anon, (const uint8_t(*)[32])topics, nt, v, &lim);
    }
done:
    cx_arena_free(a);
}

/* ---- mode 0x02: u256 ------------------------------------------------------------ */

static const char u256_max[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The documented syntax, judged separately from the implementation. For
 * hex the value is built here too; for decimal *dec gets the digits
 * without leading zeros. */
static int u256_model(const char *s, size_t n, cx_u256 *hexval, const char **dec, size_t *decn) {
    *dec = NULL;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2, n -= 2;
        if (n == 0) return CX_EPARSE;
        for (size_t i = 0; i < n; i++)
            if (nibble(s[i]) < 0) return CX_EPARSE;
        while (n && s[0] == '0') s++, n--;
        if (n > 64) return CX_ERANGE;
        memset(hexval, 0, sizeof *hexval);
        for (size_t i = 0; i < n; i++) { /* shift left a nibble, add */
            for (int j = 0; j < 31; j++)
                hexval->b[j] = (uint8_t)(hexval->b[j] << 4 | hexval->b[j + 1] >> 4);
            hexval->b[31] = (uint8_t)(hexval->b[31] << 4 | nibble(s[i]));
        }
        return 0;
    }
    if (n == 0) return CX_EPARSE;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return CX_EPARSE;
    while (n > 1 && s[0] == '0') s++, n--;
    if (n > 78 || (n == 78 && memcmp(s, u256_max, 78) > 0)) return CX_ERANGE;
    *dec = s;
    *decn = n;
    return 0;
}

static void u256_hex(const cx_u256 *v, char *dst) {
    size_t off, n = cx_u256_minimal(v, &off);
    if (!n) {
        strcpy(dst, "0x0");
        return;
    }
    cx_hex_format(dst, v->b + off, n);
}

static void fuzz_u256(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    cx_u256 got, want, back;
    memset(&got, 0xa5, sizeof got);
    const char *dec;
    size_t decn = 0;
    int mrc = u256_model(s, size, &want, &dec, &decn);
    int rc = cx_u256_parse(s, size, &got);
    if (rc != mrc) abort();
    if (rc) return;
    if (dec) {
        /* decimal: printing gives the digits back without leading zeros */
        char d[79];
        size_t dn = cx_u256_to_dec(&got, d);
        if (dn != decn || memcmp(d, dec, dn) || d[dn]) abort();
        if (decn <= 19) {
            char tmp[20];
            memcpy(tmp, dec, decn);
            tmp[decn] = 0;
            want = cx_u256_from_u64(strtoull(tmp, NULL, 10));
            if (memcmp(&want, &got, 32)) abort();
        }
    } else if (memcmp(&want, &got, 32)) {
        abort();
    }
    /* decimal and hex printing parse back to the same number */
    char d[79], h[67];
    size_t dn = cx_u256_to_dec(&got, d);
    if (dn == 0 || dn > 78 || strlen(d) != dn || (dn > 1 && d[0] == '0')) abort();
    if (cx_u256_parse(d, dn, &back) || memcmp(&back, &got, 32)) abort();
    u256_hex(&got, h);
    if (cx_u256_parse(h, strlen(h), &back) || memcmp(&back, &got, 32)) abort();
    if (cx_u256_is_zero(&got) != (dn == 1 && d[0] == '0')) abort();
}

/* ---- mode 0x03: hex --------------------------------------------------------------- */

static void fuzz_hex(const uint8_t *data, size_t size) {
    if (size < 1) return;
    unsigned flags = data[0] & 1 ? CX_HEX_PREFIX : 0;
    size_t cap = data[0] >> 1;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *problem = cx_hex_problem(s, n, flags);
    size_t digits = n - ((flags && n >= 2) ? 2 : 0);
    uint8_t *out = malloc(cap ? cap : 1); /* exactly cap: ASan sees any overrun */
    if (!out) return;
    size_t olen = SIZE_MAX;
    int rc = cx_hex_decode(s, n, flags, out, cap, &olen);
    if (problem) {
        if (rc != CX_EPARSE) abort();
    } else if (digits / 2 > cap) {
        if (rc != CX_ELIMIT) abort();
    } else {
        if (rc != 0 || olen != digits / 2) abort();
        /* re-encode: "0x" + the same digits in lower case */
        cx_buf enc = CX_BUF_INIT;
        if (cx_hex_encode(&enc, out, olen)) abort();
        if (enc.len != 2 + digits || memcmp(enc.data, "0x", 2)) abort();
        const char *dg = s + (n - digits);
        for (size_t i = 0; i < digits; i++) {
            char c = dg[i] >= 'A' && dg[i] <= 'F' ? (char)(dg[i] - 'A' + 'a') : dg[i];
            if (enc.data[2 + i] != c) abort();
        }
        if (cx_hex_problem(enc.data, enc.len, CX_HEX_PREFIX)) abort();
        char *fmt = malloc(2 * olen + 3);
        if (fmt) {
            cx_hex_format(fmt, out, olen);
            if (strlen(fmt) != enc.len || memcmp(fmt, enc.data, enc.len)) abort();
            free(fmt);
        }
        uint8_t *again = malloc(olen ? olen : 1);
        size_t alen;
        if (again) {
            if (cx_hex_decode(enc.data, enc.len, CX_HEX_PREFIX, again, olen, &alen) ||
                alen != olen || (olen && memcmp(again, out, olen)))
                abort();
            free(again);
        }
        cx_buf_free(&enc);
    }
    /* the arena variant has no capacity: it agrees with cx_hex_problem */
    cx_arena *a = cx_arena_new(0, 1u << 20);
    if (a) {
        uint8_t *ab = NULL;
        size_t alen = SIZE_MAX;
        int arc = cx_hex_decode_alloc(a, s, n, flags, &ab, &alen);
        if (problem) {
            if (arc != CX_EPARSE) abort();
        } else if (arc != CX_ENOMEM) {
            if (arc != 0 || !ab || alen != digits / 2) abort();
            if (rc == 0 && alen && memcmp(ab, out, alen)) abort();
        }
        cx_arena_free(a);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 1 && data[0] == 0x01) {
        fuzz_sig_log(data + 1, size - 1);
    } else if (size >= 1 && data[0] == 0x02) {
        fuzz_u256(data + 1, size - 1);
    } else if (size >= 1 && data[0] == 0x03) {
        fuzz_hex(data + 1, size - 1);
    } else {
        fuzz_type(data, size);
    }
    return 0;
}
