/* web3: Keccak, hex, RLP, EIP-55, ABI, keys, transactions, EIP-191/712 and
 * JSON-RPC framing against published vectors (Keccak reference values, the
 * RLP wiki, EIP-55, the Solidity ABI spec, EIP-155, EIP-712). */
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>
#include "harness.h"

static const char *hexs(const void *p, size_t n) {
    static char buf[4096];
    cx_hex_format(buf, p, n < 2000 ? n : 2000);
    return buf;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = 0;
    int rc = cx_hex_decode(s, strlen(s), CX_HEX_PREFIX, out, cap, &n);
    return rc ? (size_t)-1 : n;
}

TEST(keccak_vectors) {
    uint8_t h[32];
    cx_keccak256("", 0, h);
    CHECK_STR(hexs(h, 32), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    cx_keccak256("abc", 3, h);
    CHECK_STR(hexs(h, 32), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    cx_keccak256(fox, strlen(fox), h);
    CHECK_STR(hexs(h, 32), "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

TEST(keccak_streaming_matches_oneshot) {
    uint8_t data[700], a[32], b[32];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof data; len += 17) {
        cx_keccak256(data, len, a);
        for (size_t split = 0; split <= len; split += 45) {
            cx_keccak256_ctx c;
            cx_keccak256_init(&c);
            cx_keccak256_update(&c, data, split);
            cx_keccak256_update(&c, data + split, len - split);
            cx_keccak256_final(&c, b);
            CHECK(memcmp(a, b, 32) == 0);
        }
    }
    /* Exactly one rate block (136) and one byte less: padding edge cases. */
    cx_keccak256(data, 136, a);
    cx_keccak256(data, 135, b);
    CHECK(memcmp(a, b, 32) != 0);
}

TEST(hex_strict) {
    uint8_t out[8];
    size_t n;
    CHECK_EQ(cx_hex_decode("0x", 2, CX_HEX_PREFIX, out, 8, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(cx_hex_decode("0xAbCd", 6, CX_HEX_PREFIX, out, 8, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(out[0], 0xab);
    CHECK_EQ(cx_hex_decode("0xabc", 5, CX_HEX_PREFIX, out, 8, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("abcd", 4, CX_HEX_PREFIX, out, 8, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("0Xab", 4, CX_HEX_PREFIX, out, 8, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("0xgg", 4, CX_HEX_PREFIX, out, 8, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("abcd", 4, 0, out, 1, &n), CX_ELIMIT);
    CHECK_STR(cx_hex_problem("0x123", 5, CX_HEX_PREFIX), "odd number of hex digits");
    CHECK(cx_hex_problem("0x12", 4, CX_HEX_PREFIX) == NULL);
}

TEST(u256_parse_print) {
    cx_u256 v;
    char d[80];
    const char *max =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    CHECK_EQ(cx_u256_parse(max, strlen(max), &v), 0);
    cx_u256_to_dec(&v, d);
    CHECK_STR(d, max);
    CHECK_EQ(cx_u256_parse(
                 "115792089237316195423570985008687907853269984665640564039457584007913129639936",
                 78, &v),
             CX_ERANGE);
    CHECK_EQ(cx_u256_parse("0x00ff", 6, &v), 0);
    cx_u256_to_dec(&v, d);
    CHECK_STR(d, "255");
    CHECK_EQ(cx_u256_parse("12a", 3, &v), CX_EPARSE);
    CHECK_EQ(cx_u256_parse("", 0, &v), CX_EPARSE);
    CHECK_EQ(cx_u256_parse("0x", 2, &v), CX_EPARSE);
}

/* Found by fuzz_abi: text that is too long for the output *and* malformed
 * was CX_ELIMIT; it is CX_EPARSE, as cx_hex_problem reports it. */
TEST(hex_malformed_and_too_long_is_parse_error) {
    uint8_t out[1] = {0x5a};
    size_t n = 99;
    CHECK_EQ(cx_hex_decode("0xzzzz", 6, CX_HEX_PREFIX, out, 1, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("00zz", 4, 0, out, 1, &n), CX_EPARSE);
    CHECK_EQ(cx_hex_decode("zz00", 4, 0, out, 0, &n), CX_EPARSE);
    CHECK(cx_hex_problem("0xzzzz", 6, CX_HEX_PREFIX) != NULL);
    /* well-formed but too long is still CX_ELIMIT, with nothing written past cap */
    CHECK_EQ(cx_hex_decode("0x0102", 6, CX_HEX_PREFIX, out, 1, &n), CX_ELIMIT);
    CHECK_EQ(cx_hex_decode("0102", 4, 0, out, 0, &n), CX_ELIMIT);
    CHECK_EQ(n, 99);
}

/* Found by fuzz_abi: malformed text with more than 64 significant hex
 * digits, or a decimal overflowing before its bad character, was
 * CX_ERANGE; CX_ERANGE now always means a well-formed value >= 2^256. */
TEST(u256_malformed_long_text_is_parse_error) {
    cx_u256 v;
    char t[100];
    memset(t, 'f', sizeof t);
    t[0] = '0', t[1] = 'x', t[99] = 'g'; /* 97 hex digits then a 'g' */
    CHECK_EQ(cx_u256_parse(t, sizeof t, &v), CX_EPARSE);
    t[99] = 'f';
    CHECK_EQ(cx_u256_parse(t, sizeof t, &v), CX_ERANGE);
    memset(t, '9', sizeof t);
    t[99] = 'x'; /* overflows at digit 78, then a bad character */
    CHECK_EQ(cx_u256_parse(t, sizeof t, &v), CX_EPARSE);
    CHECK_EQ(cx_u256_parse(t, 99, &v), CX_ERANGE);
    /* leading zeros still do not count against the 64 hex digits */
    char z[2 + 10 + 64];
    memcpy(z, "0x", 2);
    memset(z + 2, '0', 10);
    memset(z + 12, 'F', 64);
    CHECK_EQ(cx_u256_parse(z, sizeof z, &v), 0);
    for (int i = 0; i < 32; i++) CHECK_EQ(v.b[i], 0xff);
}

TEST(eip55) {
    static const char *addrs[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (size_t i = 0; i < 4; i++) {
        uint8_t a[20];
        char s[43];
        CHECK_EQ(cx_eth_address_parse(addrs[i], 42, a), 0);
        cx_eth_address_format(a, s);
        CHECK_STR(s, addrs[i]);
    }
    uint8_t a[20];
    CHECK_EQ(cx_eth_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", 42, a), 0);
    CHECK_EQ(cx_eth_address_parse("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", 42, a), 0);
    CHECK_EQ(cx_eth_address_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", 42, a), CX_EPARSE);
    CHECK_EQ(cx_eth_address_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", 40, a), CX_EPARSE);
}

/* ---- RLP ---------------------------------------------------------------- */

static const char *rlp_roundtrip(cx_arena *a, const char *hex) {
    uint8_t in[512];
    size_t n = unhex(hex, in, sizeof in);
    if (n == (size_t)-1) return "bad test vector";
    const cx_rlp_item *it;
    if (cx_rlp_decode(a, in, n, NULL, &it, NULL)) return "decode failed";
    cx_buf b = CX_BUF_INIT;
    cx_rlp_encode(&b, it);
    static char out[1100];
    cx_hex_format(out, b.data, b.len);
    cx_buf_free(&b);
    return out;
}

TEST(rlp_vectors) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_buf b = CX_BUF_INIT;
    cx_rlp_put_bytes(&b, "dog", 3);
    CHECK_STR(hexs(b.data, b.len), "0x83646f67");
    cx_buf_reset(&b);
    cx_rlp_put_bytes(&b, "", 0);
    CHECK_STR(hexs(b.data, b.len), "0x80");
    cx_buf_reset(&b);
    cx_rlp_put_bytes(&b, "\x00", 1);
    CHECK_STR(hexs(b.data, b.len), "0x00");
    cx_buf_reset(&b);
    cx_rlp_put_bytes(&b, "\x04\x00", 2);
    CHECK_STR(hexs(b.data, b.len), "0x820400");
    cx_buf_reset(&b);
    const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    cx_rlp_put_bytes(&b, lorem, strlen(lorem));
    CHECK_EQ(b.len, 58);
    CHECK_EQ((uint8_t)b.data[0], 0xb8);
    CHECK_EQ((uint8_t)b.data[1], 0x38);
    cx_buf_free(&b);
    CHECK_STR(rlp_roundtrip(a, "0xc88363617483646f67"), "0xc88363617483646f67");
    CHECK_STR(rlp_roundtrip(a, "0xc7c0c1c0c3c0c1c0"), "0xc7c0c1c0c3c0c1c0");
    CHECK_STR(rlp_roundtrip(a, "0xc0"), "0xc0");
    CHECK_STR(rlp_roundtrip(a, "0x7f"), "0x7f");
    cx_arena_free(a);
}

static int rlp_err(cx_arena *a, const char *hex, const char *needle) {
    uint8_t in[512];
    size_t n = unhex(hex, in, sizeof in);
    if (n == (size_t)-1) return -2; /* a broken test vector */
    const cx_rlp_item *it;
    cx_rlp_error e = {0};
    int rc = cx_rlp_decode(a, in, n, NULL, &it, &e);
    if (!strstr(e.message, needle)) {
        fprintf(stderr, "  %s: message '%s' lacks '%s'\n", hex, e.message, needle);
        return 0;
    }
    return rc;
}

TEST(rlp_strict) {
    cx_arena *a = cx_arena_new(0, 0);
    CHECK_EQ(rlp_err(a, "0x8105", "non-canonical: single byte"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xb80100", "non-canonical: long form"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xb9000100", "leading zero"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xf801c0", "non-canonical: long form"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0x83aabb", "truncated"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xb8", "truncated"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0x", "truncated"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xbfffffffffffffffff", "oversized"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xc0c0", "trailing"), CX_EPARSE);
    CHECK_EQ(rlp_err(a, "0xc2c3c0", "truncated"), CX_EPARSE);
    /* Depth limit: 12 lists, each holding the next (byte i = 0xc0 + 11 - i). */
    const cx_rlp_item *it;
    cx_rlp_limits lim = {.max_depth = 10, .max_items = 0};
    cx_rlp_error e;
    uint8_t nest[12];
    for (int i = 0; i < 12; i++) nest[i] = (uint8_t)(0xc0 + (11 - i));
    CHECK_EQ(cx_rlp_decode(a, nest, 12, NULL, &it, &e), 0);
    CHECK_EQ(cx_rlp_decode(a, nest, 12, &lim, &it, &e), CX_EDEPTH);
    cx_arena_free(a);
}

/* ---- ABI ---------------------------------------------------------------- */

static const char *encode_args(cx_arena *a, const char *sig, int argc, const char **argv) {
    cx_abi_sig s;
    cx_abi_error e;
    if (cx_abi_sig_parse(a, sig, strlen(sig), NULL, &s, &e)) return cx_arena_strdup(a, e.message);
    cx_abi_value *items = cx_arena_calloc(a, sizeof *items * (size_t)(argc + 1));
    for (int i = 0; i < argc; i++) {
        const cx_abi_value *v;
        if (cx_abi_parse_value(a, s.inputs->fields[i], argv[i], strlen(argv[i]), &v, &e))
            return cx_arena_strdup(a, e.message);
        items[i] = *v;
    }
    cx_abi_value t = {.type = s.inputs, .items = items, .count = (size_t)argc};
    cx_buf b = CX_BUF_INIT;
    cx_buf_append(&b, s.selector, 4);
    cx_abi_encode(&b, &t, &e);
    char *out = cx_arena_alloc(a, 2 * b.len + 3);
    cx_hex_format(out, b.data, b.len);
    cx_buf_free(&b);
    return out;
}

TEST(abi_spec_examples) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *baz[] = {"69", "true"};
    CHECK_STR(encode_args(a, "baz(uint32,bool)", 2, baz),
              "0xcdcd77c0"
              "0000000000000000000000000000000000000000000000000000000000000045"
              "0000000000000000000000000000000000000000000000000000000000000001");
    const char *sam[] = {"0x64617665", "true", "[1,2,3]"};
    CHECK_STR(encode_args(a, "sam(bytes,bool,uint256[])", 3, sam),
              "0xa5643bf2"
              "0000000000000000000000000000000000000000000000000000000000000060"
              "0000000000000000000000000000000000000000000000000000000000000001"
              "00000000000000000000000000000000000000000000000000000000000000a0"
              "0000000000000000000000000000000000000000000000000000000000000004"
              "6461766500000000000000000000000000000000000000000000000000000000"
              "0000000000000000000000000000000000000000000000000000000000000003"
              "0000000000000000000000000000000000000000000000000000000000000001"
              "0000000000000000000000000000000000000000000000000000000000000002"
              "0000000000000000000000000000000000000000000000000000000000000003");
    const char *f[] = {"0x123", "[0x456,0x789]", "0x31323334353637383930",
                       "0x48656c6c6f2c20776f726c6421"};
    CHECK_STR(encode_args(a, "f(uint256,uint32[],bytes10,bytes)", 4, f) + 2 + 8, /* skip selector */
              "0000000000000000000000000000000000000000000000000000000000000123"
              "0000000000000000000000000000000000000000000000000000000000000080"
              "3132333435363738393000000000000000000000000000000000000000000000"
              "00000000000000000000000000000000000000000000000000000000000000e0"
              "0000000000000000000000000000000000000000000000000000000000000002"
              "0000000000000000000000000000000000000000000000000000000000000456"
              "0000000000000000000000000000000000000000000000000000000000000789"
              "000000000000000000000000000000000000000000000000000000000000000d"
              "48656c6c6f2c20776f726c642100000000000000000000000000000000000000");
    cx_arena_free(a);
}

TEST(abi_sig_parse) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_abi_sig s;
    cx_abi_error e;
    CHECK_EQ(cx_abi_sig_parse(a, "transfer(address to, uint amount)", 33, NULL, &s, &e), 0);
    CHECK_STR(s.canonical, "transfer(address,uint256)");
    CHECK_STR(hexs(s.selector, 4), "0xa9059cbb");
    CHECK_EQ(cx_abi_sig_parse(a, "Transfer(address indexed from,address indexed to,uint256 value)",
                              63, NULL, &s, &e),
             0);
    CHECK_STR(hexs(s.topic, 32),
              "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    CHECK(s.inputs->fields[0]->indexed && !s.inputs->fields[2]->indexed);
    CHECK_EQ(
        cx_abi_sig_parse(a, "f((uint8,(bool,string)[])[2],tuple(int))(bytes)", 47, NULL, &s, &e),
        0);
    CHECK_STR(s.canonical, "f((uint8,(bool,string)[])[2],(int256))");
    CHECK_EQ(s.outputs->nfields, 1);
    CHECK_EQ(cx_abi_sig_parse(a, "f(uint257)", 10, NULL, &s, &e), CX_EPARSE);
    CHECK_EQ(cx_abi_sig_parse(a, "f(bytes0)", 9, NULL, &s, &e), CX_EPARSE);
    CHECK_EQ(cx_abi_sig_parse(a, "f(uint8[0])", 11, NULL, &s, &e), CX_EPARSE);
    CHECK_EQ(cx_abi_sig_parse(a, "f(()[])", 7, NULL, &s, &e), CX_EPARSE);
    CHECK_EQ(cx_abi_sig_parse(a, "f()()", 5, NULL, &s, &e), 0);
    CHECK_EQ(cx_abi_sig_parse(a, "f(foo)", 6, NULL, &s, &e), CX_EPARSE);
    CHECK(strstr(e.message, "unknown type") != NULL);
    char deep[200] = "f(";
    for (int i = 0; i < 60; i++) strcat(deep, "(");
    strcat(deep, "uint8");
    for (int i = 0; i < 60; i++) strcat(deep, ")");
    strcat(deep, ")");
    CHECK_EQ(cx_abi_sig_parse(a, deep, strlen(deep), NULL, &s, &e), CX_EDEPTH);
    cx_arena_free(a);
}

static int decode_hex(cx_arena *a, const char *type, const char *hex, const char **text) {
    const cx_abi_type *t;
    cx_abi_error e;
    static uint8_t d[4096];
    size_t n = unhex(hex, d, sizeof d);
    if (n == (size_t)-1) return -2; /* a broken test vector */
    if (cx_abi_type_parse(a, type, strlen(type), NULL, &t, &e)) return -1;
    const cx_abi_value *v;
    int rc = cx_abi_decode(a, t, d, n, NULL, &v, &e);
    if (rc) {
        *text = cx_arena_strdup(a, e.message);
        return rc;
    }
    cx_buf b = CX_BUF_INIT;
    cx_abi_format_value(&b, v);
    *text = cx_arena_strndup(a, b.data, b.len);
    cx_buf_free(&b);
    return 0;
}

#define W0   "0000000000000000000000000000000000000000000000000000000000000000"
#define W(x) "00000000000000000000000000000000000000000000000000000000000000" x

TEST(abi_decode_values_and_bounds) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *t;
    CHECK_EQ(
        decode_hex(a, "(int8,bool,address)",
                   "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80" W(
                       "01") "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                   &t),
        0);
    CHECK_STR(t, "(-128, true, 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed)");
    CHECK_EQ(decode_hex(a, "(string[])",
                        "0x" W("20") W("01") W("20") W(
                            "02") "6869"
                                  "00000000000000000000000000000000000000000000000000000000000000",
                        &t),
             0);
    CHECK_STR(t, "([hi])");
    /* offset past the end */
    CHECK_EQ(decode_hex(a, "(bytes)", "0x" W("40"), &t), CX_EPARSE);
    /* length past the end */
    CHECK_EQ(decode_hex(a, "(bytes)", "0x" W("20") W("21") W0, &t), CX_EPARSE);
    CHECK(strstr(t, "runs past") != NULL);
    /* huge array length */
    CHECK_EQ(
        decode_hex(a, "(uint8[])",
                   "0x" W("20") "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                   &t),
        CX_EPARSE);
    CHECK_EQ(decode_hex(a, "(uint8[])", "0x" W("20") W("03") W("01") W("02"), &t), CX_EPARSE);
    CHECK_EQ(decode_hex(a, "(uint8[])", "0x" W("20") W("02") W("01") W("02"), &t), 0);
    CHECK_STR(t, "([1, 2])");
    /* dirty bits */
    CHECK_EQ(decode_hex(a, "(uint8)",
                        "0x"
                        "00000000000000000000000000000000000000000000000000000000000001ff",
                        &t),
             CX_EPARSE);
    CHECK_EQ(decode_hex(a, "(int8)",
                        "0x"
                        "00000000000000000000000000000000000000000000000000000000000000ff",
                        &t),
             CX_EPARSE);
    CHECK_EQ(decode_hex(a, "(bool)", "0x" W("02"), &t), CX_EPARSE);
    CHECK_EQ(decode_hex(a, "(bytes1)",
                        "0x"
                        "0101000000000000000000000000000000000000000000000000000000000000",
                        &t),
             CX_EPARSE);
    /* truncated static */
    CHECK_EQ(decode_hex(a, "(uint256,uint256)", "0x" W("01"), &t), CX_EPARSE);
    cx_arena_free(a);
}

TEST(abi_event_log) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_abi_sig s;
    cx_abi_error e;
    const char *sig = "Transfer(address indexed from, address indexed to, uint256 value)";
    CHECK_EQ(cx_abi_sig_parse(a, sig, strlen(sig), NULL, &s, &e), 0);
    uint8_t topics[3][32] = {{0}};
    memcpy(topics[0], s.topic, 32);
    topics[1][31] = 0x11;
    topics[2][31] = 0x22;
    uint8_t data[32] = {0};
    data[31] = 100;
    const cx_abi_value *v;
    CHECK_EQ(
        cx_abi_decode_log(a, &s, false, (const uint8_t(*)[32])topics, 3, data, 32, NULL, &v, &e),
        0);
    cx_buf b = CX_BUF_INIT;
    cx_abi_format_value(&b, v);
    CHECK_EQ(b.len, strlen("(0x0000000000000000000000000000000000000011, "
                           "0x0000000000000000000000000000000000000022, 100)"));
    cx_buf_free(&b);
    topics[0][0] ^= 1;
    CHECK_EQ(
        cx_abi_decode_log(a, &s, false, (const uint8_t(*)[32])topics, 3, data, 32, NULL, &v, &e),
        CX_EPARSE);
    CHECK_EQ(
        cx_abi_decode_log(a, &s, false, (const uint8_t(*)[32])topics, 2, data, 32, NULL, &v, &e),
        CX_EPARSE);
    cx_arena_free(a);
}

TEST(abi_roundtrip_nested) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_abi_type *t;
    cx_abi_error e;
    const char *ty = "((uint16,string[],bytes3)[2],int256[][],bool)";
    CHECK_EQ(cx_abi_type_parse(a, ty, strlen(ty), NULL, &t, &e), 0);
    const char *txt =
        "([(1, [\"a\", \"b c\"], 0x010203), (65535, [], 0xffffff)], [[-1, 2], []], true)";
    const cx_abi_value *v, *back;
    CHECK_EQ(cx_abi_parse_value(a, t, txt, strlen(txt), &v, &e), 0);
    cx_buf enc = CX_BUF_INIT, out = CX_BUF_INIT;
    CHECK_EQ(cx_abi_encode(&enc, v, &e), 0);
    CHECK_EQ(cx_abi_decode(a, t, (const uint8_t *)enc.data, enc.len, NULL, &back, &e), 0);
    cx_abi_format_value(&out, back);
    cx_buf_putc(&out, 0);
    CHECK_STR(out.data, "([(1, [a, b c], 0x010203), (65535, [], 0xffffff)], [[-1, 2], []], true)");
    cx_buf_free(&enc);
    cx_buf_free(&out);
    cx_arena_free(a);
}

/* ---- keys, transactions, messages, typed data --------------------------- */

TEST(key_address_sign_recover) {
    uint8_t sk[32] = {0};
    sk[31] = 1;
    cx_eth_key *k = cx_eth_key_new(sk, NULL);
    CHECK(k != NULL);
    uint8_t addr[20], pub[64], rec[64], h[32];
    char s[43];
    cx_eth_key_address(k, addr);
    cx_eth_address_format(addr, s);
    CHECK_STR(s, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    cx_keccak256("msg", 3, h);
    cx_eth_sig sig;
    CHECK_EQ(cx_eth_key_sign(k, h, &sig), 0);
    CHECK(sig.s[0] < 0x80); /* low s */
    cx_eth_key_public(k, pub);
    CHECK_EQ(cx_eth_recover(h, &sig, rec), 0);
    CHECK(memcmp(pub, rec, 64) == 0);
    /* Deterministic (RFC 6979): same digest, same signature. */
    cx_eth_sig sig2;
    cx_eth_key_sign(k, h, &sig2);
    CHECK(memcmp(&sig, &sig2, sizeof sig) == 0);
    sig.recid = 2;
    CHECK_EQ(cx_eth_recover(h, &sig, rec), CX_EINVAL);
    cx_eth_key_free(k);
    memset(sk, 0, 32);
    int err = 0;
    CHECK(cx_eth_key_new(sk, &err) == NULL);
    CHECK_EQ(err, CX_EINVAL);
    memset(sk, 0xff, 32);
    CHECK(cx_eth_key_new(sk, &err) == NULL);
}

TEST(eip155_example) {
    uint8_t sk[32];
    memset(sk, 0x46, 32);
    cx_eth_key *k = cx_eth_key_new(sk, NULL);
    cx_eth_tx tx = {.type = 0};
    tx.nonce = cx_u256_from_u64(9);
    tx.gas_price = cx_u256_from_u64(20000000000ULL);
    tx.gas_limit = cx_u256_from_u64(21000);
    tx.value = cx_u256_from_u64(1000000000000000000ULL);
    tx.chain_id = cx_u256_from_u64(1);
    tx.has_to = true;
    memset(tx.to, 0x35, 20);
    uint8_t h[32];
    CHECK_EQ(cx_eth_tx_signing_hash(&tx, h), 0);
    CHECK_STR(hexs(h, 32), "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_eth_tx_sign(&tx, k, &b), 0);
    CHECK_STR(
        hexs(b.data, b.len),
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
        "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f76"
        "1aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    cx_buf_free(&b);
    cx_eth_key_free(k);
}

TEST(tx_from_json_types) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *j =
        "{\"type\":2,\"chainId\":\"1\",\"nonce\":0,\"gasLimit\":\"21000\","
        "\"maxFeePerGas\":\"0x3b9aca00\",\"maxPriorityFeePerGas\":\"1000\","
        "\"to\":null,\"data\":\"0x6000\",\"accessList\":[{\"address\":"
        "\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\",\"storageKeys\":[\"0x" W0 "\"]}]}";
    const cx_json *doc;
    CHECK_EQ(cx_json_parse(a, j, strlen(j), NULL, &doc, NULL), 0);
    cx_eth_tx tx;
    char msg[160];
    CHECK_EQ(cx_eth_tx_from_json(a, doc, &tx, msg, sizeof msg), 0);
    CHECK_EQ(tx.type, 2);
    CHECK(!tx.has_to);
    CHECK_EQ(tx.data_len, 2);
    CHECK_EQ(tx.access_count, 1);
    CHECK_EQ(tx.access_list[0].nkeys, 1);
    CHECK_EQ(tx.max_fee.b[28], 0x3b);
    const char *bad = "{\"type\":1,\"gasPrice\":\"1.5\"}";
    CHECK_EQ(cx_json_parse(a, bad, strlen(bad), NULL, &doc, NULL), 0);
    CHECK_EQ(cx_eth_tx_from_json(a, doc, &tx, msg, sizeof msg), CX_EPARSE);
    CHECK(strstr(msg, "gasPrice") != NULL);
    cx_arena_free(a);
}

TEST(eip191_message) {
    uint8_t h[32];
    cx_eth_message_hash("hello", 5, h);
    /* keccak256("\x19Ethereum Signed Message:\n5hello") */
    CHECK_STR(hexs(h, 32), "0x50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750");
    uint8_t sk[32] = {0};
    sk[31] = 1;
    cx_eth_key *k = cx_eth_key_new(sk, NULL);
    uint8_t sig[65];
    CHECK_EQ(cx_eth_message_sign(k, "hello", 5, sig), 0);
    CHECK(sig[64] == 27 || sig[64] == 28);
    cx_eth_sig s;
    memcpy(s.r, sig, 32);
    memcpy(s.s, sig + 32, 32);
    s.recid = sig[64] - 27;
    uint8_t pub[64], addr[20], want[20];
    CHECK_EQ(cx_eth_recover(h, &s, pub), 0);
    cx_eth_pubkey_address(pub, addr);
    cx_eth_key_address(k, want);
    CHECK(memcmp(addr, want, 20) == 0);
    cx_eth_key_free(k);
}

TEST(eip712_mail_example) {
    const char *doc =
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":"
        "\"version\",\"type\":\"string\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":"
        "\"verifyingContract\",\"type\":\"address\"}],\"Person\":[{\"name\":\"name\",\"type\":"
        "\"string\"},{\"name\":\"wallet\",\"type\":\"address\"}],\"Mail\":[{\"name\":\"from\","
        "\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},{\"name\":\"contents\","
        "\"type\":\"string\"}]},\"primaryType\":\"Mail\",\"domain\":{\"name\":\"Ether Mail\","
        "\"version\":\"1\",\"chainId\":1,\"verifyingContract\":"
        "\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},\"message\":{\"from\":{\"name\":\"Cow\","
        "\"wallet\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},\"to\":{\"name\":\"Bob\","
        "\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},\"contents\":\"Hello, Bob!\"}}";
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *j;
    CHECK_EQ(cx_json_parse(a, doc, strlen(doc), NULL, &j, NULL), 0);
    uint8_t h[32];
    char msg[200];
    CHECK_EQ(cx_eip712_hash(j, NULL, h, msg, sizeof msg), 0);
    CHECK_STR(hexs(h, 32), "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
    cx_arena_free(a);
}

TEST(rpc_framing) {
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_eth_rpc_request(&b, 7, "eth_blockNumber", "[]"), 0);
    cx_buf_putc(&b, 0);
    CHECK_STR(b.data,
              "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_blockNumber\",\"params\":[]}");
    cx_buf_free(&b);
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *doc, *res;
    char msg[160];
    const char *ok = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x10\"}";
    cx_json_parse(a, ok, strlen(ok), NULL, &doc, NULL);
    CHECK_EQ(cx_eth_rpc_response(doc, 7, &res, msg, sizeof msg), 0);
    CHECK_STR(cx_json_cstr(res), "0x10");
    CHECK_EQ(cx_eth_rpc_response(doc, 8, &res, msg, sizeof msg), CX_EPROTO);
    const char *er =
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32601,\"message\":\"nope\"}}";
    cx_json_parse(a, er, strlen(er), NULL, &doc, NULL);
    CHECK_EQ(cx_eth_rpc_response(doc, 7, &res, msg, sizeof msg), CX_EPROTO);
    CHECK(strstr(msg, "-32601") && strstr(msg, "nope"));
    cx_arena_free(a);
}

/* ---- public helpers no other test names ------------------------------------------- */

/* Parse type text, then check its canonical form, dynamism and head size. */
static void abi_type_case(cx_arena *a, const char *text, const char *canon, bool dyn, size_t head) {
    const cx_abi_type *t = NULL;
    cx_abi_error e;
    CHECK_EQ(cx_abi_type_parse(a, text, strlen(text), NULL, &t, &e), 0);
    if (!t) return;
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_abi_type_format(&b, t), 0);
    cx_buf_putc(&b, '\0');
    CHECK_STR(b.data, canon);
    CHECK_EQ(cx_abi_type_is_dynamic(t), dyn);
    CHECK_EQ(cx_abi_type_head_size(t), head);
    cx_buf_free(&b);
}

TEST(abi_type_format_dynamic_head_size) {
    cx_arena *a = cx_arena_new(0, 0);
    abi_type_case(a, "uint256", "uint256", false, 32);
    abi_type_case(a, "uint", "uint256", false, 32); /* aliases come out canonical */
    abi_type_case(a, "int", "int256", false, 32);
    abi_type_case(a, "int8", "int8", false, 32);
    abi_type_case(a, "address", "address", false, 32);
    abi_type_case(a, "bool", "bool", false, 32);
    abi_type_case(a, "bytes32", "bytes32", false, 32);
    abi_type_case(a, "bytes1", "bytes1", false, 32);
    abi_type_case(a, "bytes", "bytes", true, 32);
    abi_type_case(a, "string", "string", true, 32);
    abi_type_case(a, "uint8[3]", "uint8[3]", false, 96);
    abi_type_case(a, "uint8[]", "uint8[]", true, 32);
    abi_type_case(a, "string[2]", "string[2]", true, 32); /* static length, dynamic elements */
    abi_type_case(a, "(bool,bytes)[2]", "(bool,bytes)[2]", true, 32);
    abi_type_case(a, "(uint256,address)", "(uint256,address)", false, 64);
    abi_type_case(a, "(uint256,(bool,bytes32)[2])[3]", "(uint256,(bool,bytes32)[2])[3]", false,
                  3 * (32 + 2 * 64));
    abi_type_case(a, "(string)", "(string)", true, 32);
    abi_type_case(a, "uint256[2][3]", "uint256[2][3]", false, 192);
    abi_type_case(a, "uint256[][3]", "uint256[][3]", true, 32);
    /* Formatting appends; NULL arguments are refused. */
    const cx_abi_type *t;
    cx_abi_error e;
    CHECK_EQ(cx_abi_type_parse(a, "bool", 4, NULL, &t, &e), 0);
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, "x:");
    CHECK_EQ(cx_abi_type_format(&b, t), 0);
    CHECK_MEM(b.data, b.len, "x:bool");
    CHECK_EQ(cx_abi_type_format(&b, NULL), CX_EINVAL);
    CHECK_EQ(cx_abi_type_format(NULL, t), CX_EINVAL);
    CHECK_MEM(b.data, b.len, "x:bool");
    /* A capped buffer: the limit error is passed on. */
    CHECK_EQ(cx_abi_type_parse(a, "(uint256,uint256,uint256)", 25, NULL, &t, &e), 0);
    cx_buf small = CX_BUF_INIT;
    small.max = 8;
    CHECK_EQ(cx_abi_type_format(&small, t), CX_ELIMIT);
    cx_buf_free(&small);
    cx_buf_free(&b);
    /* Types the parser refuses never reach the helpers. */
    CHECK_EQ(cx_abi_type_parse(a, "()", 2, NULL, &t, &e), CX_EPARSE);
    CHECK_EQ(cx_abi_type_parse(a, "uint7", 5, NULL, &t, &e), CX_EPARSE);
    cx_arena_free(a);
}

TEST(abi_type_helpers_null_type) {
    /* A NULL type is not dynamic and takes no head bytes (like
     * cx_abi_type_format refusing it), rather than being dereferenced. */
    CHECK(!cx_abi_type_is_dynamic(NULL));
    CHECK_EQ(cx_abi_type_head_size(NULL), 0);
}

TEST(abi_function_type_keeps_its_name) {
    /* Encoded as bytes24 but named "function" in canonical text, so the
     * selector is keccak("f(function)"), as Solidity and Foundry's cast
     * compute it (cast sig 'f(function)' = 0xd6cd4974). */
    cx_arena *a = cx_arena_new(0, 0);
    cx_abi_sig s;
    cx_abi_error e;
    CHECK_EQ(cx_abi_sig_parse(a, "f(function)", 11, NULL, &s, &e), 0);
    CHECK_STR(s.canonical, "f(function)");
    static const uint8_t sel[4] = {0xd6, 0xcd, 0x49, 0x74};
    CHECK(memcmp(s.selector, sel, 4) == 0);
    const cx_abi_type *t = s.inputs->fields[0];
    CHECK_EQ(t->kind, CX_ABI_FBYTES);
    CHECK_EQ(t->size, 24);
    CHECK(t->function);
    CHECK_EQ(cx_abi_type_head_size(t), 32);
    cx_arena_free(a);
}

TEST(abi_fixed_array_longer_than_its_data_is_refused_before_allocating) {
    /* string[1000000] with one 32-byte word: each element needs a 32-byte
     * head slot, so the count is refused without allocating the items
     * (before, ~70 MB of arena went before "data too short"). */
    cx_arena *a = cx_arena_new(0, 1 << 20); /* a 1 MiB cap turns a regression into CX_ENOMEM */
    const cx_abi_type *t;
    const cx_abi_value *v;
    cx_abi_error e;
    uint8_t word[32] = {0};
    word[31] = 0x20; /* the offset of the array: right after this word */
    CHECK_EQ(cx_abi_type_parse(a, "(string[1000000])", 17, NULL, &t, &e), 0);
    CHECK_EQ(cx_abi_decode(a, t, word, sizeof word, NULL, &v, &e), CX_EPARSE);
    CHECK(strstr(e.message, "data too short") != NULL);
    cx_arena_free(a);
}

TEST(rlp_put_list_and_header) {
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_rlp_put_list(&b, NULL, 5), CX_EINVAL); /* no payload to copy */
    CHECK_EQ(b.len, 0);
    CHECK_EQ(cx_rlp_put_list(&b, NULL, 0), 0);
    CHECK_STR(hexs(b.data, b.len), "0xc0");
    cx_buf_reset(&b);
    /* Short lists: 0xc0 + length. */
    CHECK_EQ(cx_rlp_put_list_header(&b, 0), 0);
    CHECK_STR(hexs(b.data, b.len), "0xc0");
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list_header(&b, 55), 0);
    CHECK_STR(hexs(b.data, b.len), "0xf7");
    /* Long lists: 0xf7 + length of the length, then the length big-endian. */
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list_header(&b, 56), 0);
    CHECK_STR(hexs(b.data, b.len), "0xf838");
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list_header(&b, 1024), 0);
    CHECK_STR(hexs(b.data, b.len), "0xf90400");
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list_header(&b, 0x1000000), 0);
    CHECK_STR(hexs(b.data, b.len), "0xfb01000000");
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list_header(&b, SIZE_MAX), 0); /* header only: 8 length bytes */
    CHECK_STR(hexs(b.data, b.len), "0xffffffffffffffffff");
    CHECK_EQ(cx_rlp_put_list_header(NULL, 3), CX_EINVAL);
    /* The wiki's ["cat","dog"]: 0xc8 83 cat 83 dog. */
    cx_buf items = CX_BUF_INIT;
    cx_rlp_put_bytes(&items, "cat", 3);
    cx_rlp_put_bytes(&items, "dog", 3);
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list(&b, items.data, items.len), 0);
    CHECK_STR(hexs(b.data, b.len), "0xc88363617483646f67");
    /* The empty list, with and without a payload pointer. */
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list(&b, NULL, 0), 0);
    CHECK_EQ(cx_rlp_put_list(&b, "", 0), 0);
    CHECK_STR(hexs(b.data, b.len), "0xc0c0");
    /* A 60-byte payload takes the long form and decodes back to 20 items. */
    cx_buf_reset(&items);
    for (int i = 0; i < 20; i++) cx_rlp_put_bytes(&items, "ab", 2);
    cx_buf_reset(&b);
    CHECK_EQ(cx_rlp_put_list(&b, items.data, items.len), 0);
    CHECK_EQ(b.len, 62);
    CHECK_EQ((uint8_t)b.data[0], 0xf8);
    CHECK_EQ((uint8_t)b.data[1], 60);
    cx_arena *a = cx_arena_new(0, 0);
    const cx_rlp_item *it;
    CHECK_EQ(cx_rlp_decode(a, (const uint8_t *)b.data, b.len, NULL, &it, NULL), 0);
    CHECK(it->list);
    CHECK_EQ(it->count, 20);
    cx_arena_free(a);
    CHECK_EQ(cx_rlp_put_list(NULL, "", 0), CX_EINVAL);
    /* A capped buffer: CX_ELIMIT, for the header or the payload. */
    cx_buf cap = CX_BUF_INIT;
    cap.max = 4;
    CHECK_EQ(cx_rlp_put_list(&cap, items.data, items.len), CX_ELIMIT);
    cx_buf_free(&cap);
    cx_buf_free(&items);
    cx_buf_free(&b);
}

TEST(u256_is_zero_and_minimal) {
    cx_u256 z = {{0}}, v;
    size_t off = 99;
    CHECK(cx_u256_is_zero(&z));
    CHECK_EQ(cx_u256_minimal(&z, &off), 0); /* zero is empty */
    CHECK_EQ(off, 32);
    v = cx_u256_from_u64(1);
    CHECK(!cx_u256_is_zero(&v));
    CHECK_EQ(cx_u256_minimal(&v, &off), 1);
    CHECK_EQ(off, 31);
    CHECK_EQ(v.b[off], 1);
    v = cx_u256_from_u64(0x0100);
    CHECK_EQ(cx_u256_minimal(&v, &off), 2);
    CHECK_EQ(off, 30);
    CHECK_EQ(v.b[off], 1);
    /* Only the top bit set: every byte is significant. */
    memset(&v, 0, sizeof v);
    v.b[0] = 0x80;
    CHECK(!cx_u256_is_zero(&v));
    CHECK_EQ(cx_u256_minimal(&v, &off), 32);
    CHECK_EQ(off, 0);
    /* Only the lowest bit of the last byte, or of a middle byte. */
    memset(&v, 0, sizeof v);
    v.b[31] = 0x01;
    CHECK(!cx_u256_is_zero(&v));
    memset(&v, 0, sizeof v);
    v.b[16] = 0x10;
    CHECK(!cx_u256_is_zero(&v));
    CHECK_EQ(cx_u256_minimal(&v, &off), 16);
    CHECK_EQ(off, 16);
    /* 2^256 - 1 and a parsed zero. */
    CHECK_EQ(cx_u256_parse("0x"
                           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                           66, &v),
             0);
    CHECK_EQ(cx_u256_minimal(&v, &off), 32);
    CHECK_EQ(cx_u256_parse("0x0000", 6, &v), 0);
    CHECK(cx_u256_is_zero(&v));
    CHECK_EQ(cx_u256_parse("0", 1, &v), 0);
    CHECK(cx_u256_is_zero(&v));
}

/* The EIP-155 example again, signed and serialized in two steps. */
TEST(tx_serialize_from_signature) {
    uint8_t sk[32];
    memset(sk, 0x46, 32);
    cx_eth_key *k = cx_eth_key_new(sk, NULL);
    CHECK(k != NULL);
    cx_eth_tx tx = {.type = 0};
    tx.nonce = cx_u256_from_u64(9);
    tx.gas_price = cx_u256_from_u64(20000000000ULL);
    tx.gas_limit = cx_u256_from_u64(21000);
    tx.value = cx_u256_from_u64(1000000000000000000ULL);
    tx.chain_id = cx_u256_from_u64(1);
    tx.has_to = true;
    memset(tx.to, 0x35, 20);
    uint8_t h[32];
    cx_eth_sig sig;
    CHECK_EQ(cx_eth_tx_signing_hash(&tx, h), 0);
    CHECK_EQ(cx_eth_key_sign(k, h, &sig), 0);
    cx_buf b = CX_BUF_INIT;
    cx_eth_sig badsig = sig;
    badsig.recid = 5; /* only 0 and 1 exist: v would be wrong */
    CHECK_EQ(cx_eth_tx_serialize(&tx, &badsig, &b), CX_EINVAL);
    badsig.recid = -1;
    CHECK_EQ(cx_eth_tx_serialize(&tx, &badsig, &b), CX_EINVAL);
    CHECK_EQ(b.len, 0);
    cx_buf_puts(&b, "keep"); /* serialize appends */
    CHECK_EQ(cx_eth_tx_serialize(&tx, &sig, &b), 0);
    CHECK_MEM(b.data, 4, "keep");
    CHECK_STR(
        hexs(b.data + 4, b.len - 4),
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
        "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f76"
        "1aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    /* Same bytes as the one-step cx_eth_tx_sign. */
    cx_buf one = CX_BUF_INIT;
    CHECK_EQ(cx_eth_tx_sign(&tx, k, &one), 0);
    CHECK(one.len == b.len - 4 && !memcmp(one.data, b.data + 4, one.len));
    /* Pre-EIP-155 (chain id 0): v is 27 + recid. */
    cx_eth_tx pre = tx;
    pre.chain_id = cx_u256_from_u64(0);
    cx_eth_sig s2 = sig;
    s2.recid = 1;
    cx_buf_reset(&b);
    CHECK_EQ(cx_eth_tx_serialize(&pre, &s2, &b), 0);
    cx_arena *a = cx_arena_new(0, 0);
    const cx_rlp_item *it;
    CHECK_EQ(cx_rlp_decode(a, (const uint8_t *)b.data, b.len, NULL, &it, NULL), 0);
    CHECK_EQ(it->count, 9);
    CHECK_EQ(it->items[6].len, 1);
    CHECK_EQ(it->items[6].data[0], 28);
    CHECK(!memcmp(it->items[7].data, sig.r, 32));
    /* Typed (EIP-1559): a type byte, then 12 fields with v = recid; the
     * signature recovers the signer's address over the signing hash. */
    cx_eth_tx t2 = {.type = 2};
    t2.chain_id = cx_u256_from_u64(31337);
    t2.nonce = cx_u256_from_u64(0);
    t2.max_priority_fee = cx_u256_from_u64(1);
    t2.max_fee = cx_u256_from_u64(1000);
    t2.gas_limit = cx_u256_from_u64(21000);
    t2.has_to = false; /* contract creation: empty "to" */
    t2.data = (const uint8_t *)"\x60\x00";
    t2.data_len = 2;
    CHECK_EQ(cx_eth_tx_signing_hash(&t2, h), 0);
    CHECK_EQ(cx_eth_key_sign(k, h, &sig), 0);
    cx_buf_reset(&b);
    CHECK_EQ(cx_eth_tx_serialize(&t2, &sig, &b), 0);
    CHECK_EQ((uint8_t)b.data[0], 2);
    CHECK_EQ(cx_rlp_decode(a, (const uint8_t *)b.data + 1, b.len - 1, NULL, &it, NULL), 0);
    CHECK_EQ(it->count, 12);
    CHECK_EQ(it->items[5].len, 0); /* to */
    CHECK_EQ(it->items[6].len, 0); /* value 0: empty string */
    CHECK_EQ(it->items[7].len, 2); /* data */
    CHECK_EQ(it->items[9].len, (size_t)(sig.recid ? 1 : 0));
    cx_eth_sig back = {.recid = sig.recid};
    memcpy(back.r, sig.r, 32);
    memcpy(back.s, sig.s, 32);
    uint8_t pub[64], addr[20], want[20];
    CHECK_EQ(cx_eth_recover(h, &back, pub), 0);
    cx_eth_pubkey_address(pub, addr);
    cx_eth_key_address(k, want);
    CHECK(!memcmp(addr, want, 20));
    /* Invalid arguments: nothing appended. */
    cx_buf_reset(&b);
    CHECK_EQ(cx_eth_tx_serialize(NULL, &sig, &b), CX_EINVAL);
    CHECK_EQ(cx_eth_tx_serialize(&t2, NULL, &b), CX_EINVAL);
    CHECK_EQ(cx_eth_tx_serialize(&t2, &sig, NULL), CX_EINVAL);
    cx_eth_tx bad = t2;
    bad.type = 3;
    CHECK_EQ(cx_eth_tx_serialize(&bad, &sig, &b), CX_EINVAL);
    bad = t2;
    bad.data = NULL; /* data_len 2 without data */
    CHECK_EQ(cx_eth_tx_serialize(&bad, &sig, &b), CX_EINVAL);
    bad = t2;
    bad.access_count = 1;
    CHECK_EQ(cx_eth_tx_serialize(&bad, &sig, &b), CX_EINVAL);
    CHECK_EQ(b.len, 0);
    cx_arena_free(a);
    cx_buf_free(&one);
    cx_buf_free(&b);
    cx_eth_key_free(k);
}

TEST(eip712_limits_defaults_and_depth) {
    cx_eip712_limits l = cx_eip712_limits_defaults();
    CHECK_EQ(l.max_depth, 32);
    /* Mail holds Person: hashing it nests two structs deep. */
    const char *doc =
        "{\"types\":{\"Person\":[{\"name\":\"name\",\"type\":\"string\"}],\"Mail\":[{"
        "\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"n\",\"type\":\"uint256[]\"}]},"
        "\"primaryType\":\"Mail\",\"domain\":{\"name\":\"x\",\"chainId\":1},"
        "\"message\":{\"from\":{\"name\":\"Cow\"},\"n\":[1,2]}}";
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *j;
    CHECK_EQ(cx_json_parse(a, doc, strlen(doc), NULL, &j, NULL), 0);
    uint8_t h1[32], h2[32];
    char msg[200];
    CHECK_EQ(cx_eip712_hash(j, &l, h1, msg, sizeof msg), 0);
    CHECK_EQ(cx_eip712_hash(j, NULL, h2, msg, sizeof msg), 0); /* NULL means the defaults */
    CHECK(!memcmp(h1, h2, 32));
    /* Depth 1 admits the domain and the top struct but not Person inside. */
    l.max_depth = 1;
    msg[0] = 0;
    CHECK_EQ(cx_eip712_hash(j, &l, h2, msg, sizeof msg), CX_EPARSE);
    CHECK(strstr(msg, "deep") != NULL);
    l.max_depth = 3;
    CHECK_EQ(cx_eip712_hash(j, &l, h2, msg, sizeof msg), 0);
    CHECK(!memcmp(h1, h2, 32));
    l.max_depth = 0; /* zero means the default */
    CHECK_EQ(cx_eip712_hash(j, &l, h2, msg, sizeof msg), 0);
    cx_arena_free(a);
}

TEST(sender_options_defaults_values) {
    cx_eth_sender_options o = cx_eth_sender_options_defaults();
    CHECK_EQ(o.gas_margin_pct, 20);
    CHECK_EQ(o.fee_history_blocks, 5);
    CHECK_EQ(o.priority_percentile, 50);
    CHECK_EQ(o.base_fee_multiplier, 2);
    CHECK_EQ(o.nonce_retries, 2);
}

TEST_MAIN()
