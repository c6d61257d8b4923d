/* Fuzz CID, multibase and varint parsing.
 *
 * The input is tried as a CID string and as a binary CID. Whatever parses
 * must print, in every base it can be written in, to a string that parses
 * back to the same CID; binary CIDs must read back from their own bytes.
 * Multibase decoding of the input must be refused cleanly or re-encode to
 * the same text (the decoders are canonical), and varints must round-trip.
 */
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

static void round_trip(const cx_cid *c) {
    static const char bases[] = {0, 'b', 'z', 'k', 'f'};
    for (size_t i = 0; i < sizeof bases; i++) {
        char text[CX_CID_MAX_TEXT * 2];
        int n = cx_cid_format(c, bases[i], text, sizeof text);
        if (c->version == 0 && bases[i] && bases[i] != 'z') {
            CHECK(n == CX_EINVAL);
            continue;
        }
        CHECK(n > 0 && (size_t)n == strlen(text));
        cx_cid back;
        CHECK(cx_cid_parse(&back, text, (size_t)n, NULL) == 0);
        CHECK(cx_cid_equal(&back, c));
        CHECK(back.version == c->version && back.codec == c->codec && back.mh_code == c->mh_code);
    }
    cx_cid v1;
    cx_cid_to_v1(c, &v1);
    CHECK(v1.version == 1 && v1.codec == c->codec && v1.digest_len == c->digest_len);
    CHECK(memcmp(v1.bytes + v1.digest_off, c->bytes + c->digest_off, c->digest_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_cid c;
    const char *why = NULL;
    int rc = cx_cid_parse(&c, (const char *)data, size, &why);
    if (rc == 0)
        round_trip(&c);
    else
        CHECK(rc == CX_EPARSE || rc == CX_ELIMIT);

    rc = cx_cid_read(&c, data, size, &why);
    if (rc > 0) {
        CHECK((size_t)rc <= size && c.len == (size_t)rc);
        CHECK(memcmp(c.bytes, data, (size_t)rc) == 0);
        cx_cid again;
        CHECK(cx_cid_from_bytes(&again, c.bytes, c.len, NULL) == 0 && cx_cid_equal(&again, &c));
        round_trip(&c);
    } else {
        CHECK(rc == CX_EPARSE && why != NULL);
    }

    cx_buf dec = CX_BUF_INIT, enc = CX_BUF_INIT;
    char base = 0;
    if (size > 0 && cx_multibase_decode((const char *)data, size, &dec, &base, NULL) == 0 &&
        (base == 'z' || base == 'b' || base == 'k' || base == 'f')) {
        CHECK(cx_multibase_encode(base, (const uint8_t *)dec.data, dec.len, &enc) == 0);
        CHECK(enc.len == size && memcmp(enc.data, data, size) == 0);
    }
    cx_buf_free(&dec);
    cx_buf_free(&enc);

    uint64_t v;
    int n = cx_varint_decode(data, size, &v);
    if (n > 0) {
        uint8_t b[10];
        CHECK(cx_varint_encode(v, b) == (size_t)n && memcmp(b, data, (size_t)n) == 0);
    }
    return 0;
}
