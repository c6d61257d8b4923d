/* Multibase: the text encodings CIDs are written in. base32 and base16 are
 * bit-packing codecs; base58btc and base36 are big-number conversions,
 * quadratic in the length, which is fine for CIDs (a hundred bytes at most
 * in practice) and bounded by the callers' limits. Decoders are strict:
 * one alphabet per base, no padding, no non-zero leftover bits, so a
 * string has exactly one decoding and one encoding. */
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <stdlib.h>

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char B36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char B16[] = "0123456789abcdef";

static int bignum_encode(const char *alpha, unsigned radix, const uint8_t *data, size_t len,
                         cx_buf *out) {
    if (len > CX_MULTIBASE_BIGNUM_MAX) return CX_ELIMIT;
    size_t zeros = 0;
    while (zeros < len && data[zeros] == 0) zeros++;
    /* Digits in the target base, least significant first. */
    size_t cap = (len - zeros) * 2 + 1; /* log(256)/log(36) < 2 */
    uint8_t *dig = calloc(cap, 1);
    if (!dig) return CX_ENOMEM;
    size_t nd = 0;
    for (size_t i = zeros; i < len; i++) {
        unsigned carry = data[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)dig[j] << 8;
            dig[j] = (uint8_t)(carry % radix);
            carry /= radix;
        }
        while (carry) {
            dig[nd++] = (uint8_t)(carry % radix);
            carry /= radix;
        }
    }
    int rc = cx_buf_reserve(out, zeros + nd + 1);
    if (!rc) {
        for (size_t i = 0; i < zeros; i++) out->data[out->len++] = alpha[0];
        for (size_t i = nd; i-- > 0;) out->data[out->len++] = alpha[dig[i]];
    }
    free(dig);
    return rc;
}

static int digit_of(const char *alpha, char c) {
    for (int i = 0; alpha[i]; i++)
        if (alpha[i] == c) return i;
    return -1;
}

static int bignum_decode(const char *alpha, unsigned radix, const char *text, size_t len,
                         cx_buf *out, const char **why) {
    if (len > CX_MULTIBASE_BIGNUM_MAX) {
        if (why) *why = "encoded string too long";
        return CX_ELIMIT;
    }
    size_t zeros = 0;
    while (zeros < len && text[zeros] == alpha[0]) zeros++;
    uint8_t *bytes = calloc(len + 1, 1); /* little-endian accumulator */
    if (!bytes) return CX_ENOMEM;
    size_t nb = 0;
    for (size_t i = zeros; i < len; i++) {
        int d = digit_of(alpha, text[i]);
        if (d < 0) {
            free(bytes);
            if (why) *why = "character outside the base's alphabet";
            return CX_EPARSE;
        }
        unsigned carry = (unsigned)d;
        for (size_t j = 0; j < nb; j++) {
            carry += (unsigned)bytes[j] * radix;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            bytes[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    int rc = cx_buf_reserve(out, zeros + nb);
    if (!rc) {
        for (size_t i = 0; i < zeros; i++) out->data[out->len++] = 0;
        for (size_t i = nb; i-- > 0;) out->data[out->len++] = (char)bytes[i];
    }
    free(bytes);
    return rc;
}

static int bits_encode(const char *alpha, unsigned bits, const uint8_t *data, size_t len,
                       cx_buf *out) {
    int rc = cx_buf_reserve(out, len * 8 / bits + 2);
    if (rc) return rc;
    uint32_t acc = 0;
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        n += 8;
        while (n >= bits) {
            n -= bits;
            out->data[out->len++] = alpha[(acc >> n) & ((1u << bits) - 1)];
        }
    }
    if (n) out->data[out->len++] = alpha[(acc << (bits - n)) & ((1u << bits) - 1)];
    return 0;
}

static int bits_decode(const char *alpha, unsigned bits, bool upper, const char *text, size_t len,
                       cx_buf *out, const char **why) {
    int rc = cx_buf_reserve(out, len * bits / 8 + 1);
    if (rc) return rc;
    uint32_t acc = 0;
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (upper && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (upper && c >= 'a' && c <= 'z')
            c = '!'; /* mixed case */
        int d = digit_of(alpha, c);
        if (d < 0) {
            if (why) *why = "character outside the base's alphabet";
            return CX_EPARSE;
        }
        acc = (acc << bits) | (uint32_t)d;
        n += bits;
        if (n >= 8) {
            n -= 8;
            out->data[out->len++] = (char)(acc >> n);
        }
        acc &= (1u << n) - 1;
    }
    /* Leftover bits must be padding zeros and fewer than one character. */
    if (n >= bits || acc != 0) {
        if (why) *why = "non-canonical trailing bits";
        return CX_EPARSE;
    }
    return 0;
}

int cx_multibase_encode_raw(char base, const uint8_t *data, size_t len, cx_buf *out) {
    switch (base) {
    case CX_MULTIBASE_BASE58BTC:
        return bignum_encode(B58, 58, data, len, out);
    case CX_MULTIBASE_BASE36:
        return bignum_encode(B36, 36, data, len, out);
    case CX_MULTIBASE_BASE32:
        return bits_encode(B32, 5, data, len, out);
    case CX_MULTIBASE_BASE16:
        return bits_encode(B16, 4, data, len, out);
    default:
        return CX_EINVAL;
    }
}

int cx_multibase_decode_raw(char base, const char *text, size_t len, cx_buf *out,
                            const char **why) {
    switch (base) {
    case 'z':
        return bignum_decode(B58, 58, text, len, out, why);
    case 'k':
        return bignum_decode(B36, 36, text, len, out, why);
    case 'K': {
        /* Upper-case base36: fold, refusing mixed case. */
        char tmp[CX_MULTIBASE_BIGNUM_MAX];
        if (len > sizeof tmp) {
            if (why) *why = "encoded string too long";
            return CX_ELIMIT;
        }
        for (size_t i = 0; i < len; i++) {
            char c = text[i];
            if (c >= 'a' && c <= 'z') {
                if (why) *why = "mixed case in base36 upper";
                return CX_EPARSE;
            }
            tmp[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        return bignum_decode(B36, 36, tmp, len, out, why);
    }
    case 'b':
        return bits_decode(B32, 5, false, text, len, out, why);
    case 'B':
        return bits_decode(B32, 5, true, text, len, out, why);
    case 'f':
        return bits_decode(B16, 4, false, text, len, out, why);
    case 'F':
        return bits_decode(B16, 4, true, text, len, out, why);
    default:
        if (why) *why = "unsupported multibase prefix";
        return CX_EPARSE;
    }
}

int cx_multibase_encode(char base, const uint8_t *data, size_t len, cx_buf *out) {
    if (!out || (base != 'z' && base != 'b' && base != 'k' && base != 'f')) return CX_EINVAL;
    size_t mark = out->len;
    int rc = cx_buf_putc(out, base);
    if (!rc) rc = cx_multibase_encode_raw(base, data, len, out);
    if (rc) out->len = mark; /* no stray prefix after a refusal */
    return rc;
}

int cx_multibase_decode(const char *text, size_t len, cx_buf *out, char *base, const char **why) {
    if (len < 1) {
        if (why) *why = "empty string";
        return CX_EPARSE;
    }
    if (base) *base = text[0];
    return cx_multibase_decode_raw(text[0], text + 1, len - 1, out, why);
}
