/* CIDs and multihashes. A CID is kept in its binary form with the offsets
 * of its parts, so comparing, hashing a key or writing it out never
 * re-encodes anything. */
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <openssl/sha.h>
#include <string.h>

#define FAIL(msg)                                                                                  \
    do {                                                                                           \
        if (why) *why = (msg);                                                                     \
        return CX_EPARSE;                                                                          \
    } while (0)

/* The multihash at p: code, digest length and where the digest starts. */
static int read_multihash(const uint8_t *p, size_t len, uint64_t *code, uint64_t *dlen,
                          size_t *doff, const char **why) {
    int n = cx_varint_decode(p, len, code);
    if (n < 0) FAIL("bad multihash code varint");
    int m = cx_varint_decode(p + n, len - (size_t)n, dlen);
    if (m < 0) FAIL("bad multihash length varint");
    if (*dlen > CX_CID_MAX_DIGEST) FAIL("multihash digest too long");
    if (*code == CX_MH_SHA2_256 && *dlen != CX_MH_SHA2_256_LEN)
        FAIL("sha2-256 digest must be 32 bytes");
    *doff = (size_t)n + (size_t)m;
    if (len - *doff < *dlen) FAIL("truncated multihash digest");
    return 0;
}

int cx_cid_read(cx_cid *cid, const uint8_t *p, size_t len, const char **why) {
    memset(cid, 0, offsetof(cx_cid, bytes));
    uint64_t code, dlen;
    size_t doff, total;
    if (len >= 2 && p[0] == 0x12 && p[1] == 0x20) {
        /* CIDv0: a bare sha2-256 multihash. */
        if (len < 34) FAIL("truncated CIDv0");
        cid->version = 0;
        cid->codec = CX_CODEC_DAG_PB;
        cid->mh_code = CX_MH_SHA2_256;
        cid->digest_len = 32;
        cid->digest_off = 2;
        cid->mh_off = 0;
        total = 34;
    } else {
        uint64_t ver, codec;
        int n = cx_varint_decode(p, len, &ver);
        if (n < 0) FAIL("bad CID version varint");
        if (ver != 1)
            FAIL(ver == 0 ? "CIDv0 must be a bare sha2-256 multihash" : "unknown CID version");
        int m = cx_varint_decode(p + n, len - (size_t)n, &codec);
        if (m < 0) FAIL("bad codec varint");
        size_t mh = (size_t)n + (size_t)m;
        int rc = read_multihash(p + mh, len - mh, &code, &dlen, &doff, why);
        if (rc) return rc;
        cid->version = 1;
        cid->codec = codec;
        cid->mh_code = code;
        cid->digest_len = (uint8_t)dlen;
        cid->digest_off = (uint8_t)(mh + doff);
        cid->mh_off = (uint8_t)mh;
        total = mh + doff + dlen;
    }
    if (total > CX_CID_MAX_BYTES) FAIL("CID too long");
    memcpy(cid->bytes, p, total);
    cid->len = (uint8_t)total;
    return (int)total;
}

int cx_cid_from_bytes(cx_cid *cid, const uint8_t *p, size_t len, const char **why) {
    int n = cx_cid_read(cid, p, len, why);
    if (n < 0) return n;
    if ((size_t)n != len) FAIL("trailing bytes after CID");
    return 0;
}

int cx_cid_parse(cx_cid *cid, const char *text, size_t len, const char **why) {
    if (len == 0) FAIL("empty CID");
    if (len > CX_CID_MAX_TEXT) FAIL("CID text too long");
    cx_buf b = CX_BUF_INIT;
    int rc;
    bool v0 = len == 46 && text[0] == 'Q' && text[1] == 'm';
    if (!v0 && len >= 2 && text[0] == 'Q' && text[1] == 'm')
        FAIL("a CIDv0 (Qm...) is 46 characters");
    if (v0)
        rc = cx_multibase_decode_raw('z', text, len, &b, why);
    else
        rc = cx_multibase_decode(text, len, &b, NULL, why);
    if (!rc) rc = cx_cid_from_bytes(cid, (const uint8_t *)b.data, b.len, why);
    if (!rc && v0 && cid->version != 0) {
        if (why) *why = "Qm... string is not a CIDv0";
        rc = CX_EPARSE;
    }
    if (!rc && !v0 && cid->version == 0) {
        /* A bare multihash in a multibase string is not a CID. */
        if (why) *why = "CIDv0 must be written in bare base58btc";
        rc = CX_EPARSE;
    }
    cx_buf_free(&b);
    return rc;
}

int cx_cid_format(const cx_cid *cid, char base, char *out, size_t cap) {
    cx_buf b = CX_BUF_INIT;
    int rc;
    if (cid->version == 0) {
        if (base != 0 && base != 'z') return CX_EINVAL;
        rc = cx_multibase_encode_raw('z', cid->bytes, cid->len, &b);
    } else {
        rc = cx_multibase_encode(base ? base : 'b', cid->bytes, cid->len, &b);
    }
    if (!rc && b.len + 1 > cap) rc = CX_ERANGE;
    if (!rc) {
        memcpy(out, b.data, b.len);
        out[b.len] = 0;
        rc = (int)b.len;
    }
    cx_buf_free(&b);
    return rc;
}

int cx_cid_make(cx_cid *cid, int version, uint64_t codec, uint64_t mh_code, const uint8_t *digest,
                size_t digest_len) {
    if (digest_len > CX_CID_MAX_DIGEST || (version != 0 && version != 1)) return CX_EINVAL;
    if (mh_code == CX_MH_SHA2_256 && digest_len != CX_MH_SHA2_256_LEN) return CX_EINVAL;
    if (version == 0 && (codec != CX_CODEC_DAG_PB || mh_code != CX_MH_SHA2_256)) return CX_EINVAL;
    if (codec >= (1ull << 63) || mh_code >= (1ull << 63)) return CX_EINVAL;
    memset(cid, 0, offsetof(cx_cid, bytes));
    size_t n = 0;
    if (version == 1) {
        n += cx_varint_encode(1, cid->bytes + n);
        n += cx_varint_encode(codec, cid->bytes + n);
    }
    cid->mh_off = (uint8_t)n;
    n += cx_varint_encode(mh_code, cid->bytes + n);
    n += cx_varint_encode(digest_len, cid->bytes + n);
    cid->digest_off = (uint8_t)n;
    if (digest_len) memcpy(cid->bytes + n, digest, digest_len); /* digest may be NULL then */
    cid->len = (uint8_t)(n + digest_len);
    cid->version = (uint8_t)version;
    cid->codec = codec;
    cid->mh_code = mh_code;
    cid->digest_len = (uint8_t)digest_len;
    return 0;
}

int cx_cid_of(cx_cid *cid, int version, uint64_t codec, uint64_t mh_code, const void *data,
              size_t len) {
    if (mh_code == CX_MH_IDENTITY) return cx_cid_make(cid, version, codec, mh_code, data, len);
    if (mh_code != CX_MH_SHA2_256) return CX_EINVAL;
    uint8_t d[32];
    SHA256(data, len, d);
    return cx_cid_make(cid, version, codec, mh_code, d, sizeof d);
}

void cx_cid_to_v1(const cx_cid *in, cx_cid *out) {
    if (in->version == 1) {
        *out = *in;
        return;
    }
    cx_cid_make(out, 1, in->codec, in->mh_code, in->bytes + in->digest_off, in->digest_len);
}

int cx_cid_verify(const cx_cid *cid, const void *data, size_t len) {
    const uint8_t *dig = cid->bytes + cid->digest_off;
    if (cid->mh_code == CX_MH_IDENTITY)
        return len == cid->digest_len && memcmp(dig, data, len) == 0 ? 0 : CX_EIO;
    if (cid->mh_code != CX_MH_SHA2_256) return CX_EINVAL;
    uint8_t d[32];
    SHA256(data, len, d);
    return memcmp(d, dig, 32) == 0 ? 0 : CX_EIO;
}

bool cx_cid_equal(const cx_cid *a, const cx_cid *b) {
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}
