/* Tests for the JSON module: parser, tree accessors, writer, conformance. */
#include "harness.h"
#include <cortex/error.h>
#include <cortex/json.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

static const cx_json *parse_n(cx_arena *a, const char *s, size_t n) {
    const cx_json *v = NULL;
    cx_json_error e;
    int rc = cx_json_parse(a, s, n, NULL, &v, &e);
    if (rc) fprintf(stderr, "  parse of '%.*s' failed: %s\n", (int)n, s, e.message);
    return v;
}

static const cx_json *parse(cx_arena *a, const char *s) {
    return parse_n(a, s, strlen(s));
}

/* The parse must fail with this code at this offset, with msg in the message. */
static bool fails_n(const char *s, size_t n, const cx_json_options *opt, int code, size_t offset,
                    const char *msg) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = (const cx_json *)1;
    cx_json_error e;
    memset(&e, 0x55, sizeof e);
    int rc = cx_json_parse(a, s, n, opt, &v, &e);
    bool ok = rc == code && e.code == code && v == NULL && e.offset == offset &&
              (!msg || strstr(e.message, msg));
    if (!ok)
        fprintf(stderr, "  '%.*s': got rc=%d offset=%zu \"%s\", want rc=%d offset=%zu \"%s\"\n",
                (int)(n > 60 ? 60 : n), s, rc, rc ? e.offset : 0, rc ? e.message : "", code, offset,
                msg ? msg : "");
    cx_arena_free(a);
    return ok;
}

static bool fails(const char *s, int code, size_t offset, const char *msg) {
    return fails_n(s, strlen(s), NULL, code, offset, msg);
}

/* Compact serialisation as a NUL-terminated string in the arena. */
static const char *dump(cx_arena *a, const cx_json *v, unsigned flags) {
    cx_buf b = CX_BUF_INIT;
    int rc = cx_json_stringify(&b, v, flags);
    const char *s = rc ? NULL : cx_arena_strndup(a, b.data, b.len);
    cx_buf_free(&b);
    return s;
}

/* parse + compact dump. */
static const char *canon(cx_arena *a, const char *s) {
    const cx_json *v = parse(a, s);
    return v ? dump(a, v, 0) : NULL;
}

static const char *buf_str(cx_buf *b) {
    if (cx_buf_reserve(b, 1)) return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool same_bits(double a, double b) {
    return memcmp(&a, &b, sizeof a) == 0;
}

static int64_t as_i64(const cx_json *v) {
    int64_t x = -12345;
    return cx_json_int64(v, &x) ? -12345 : x;
}

static double as_dbl(const cx_json *v) {
    double d = NAN;
    cx_json_double(v, &d);
    return d;
}

/* ---- parsing: values ---------------------------------------------------- */

TEST(parse_literals) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "null");
    CHECK_EQ(cx_json_typeof(v), CX_JSON_NULL);
    CHECK(cx_json_is_null(v));
    bool b = false;
    v = parse(a, "true");
    CHECK_EQ(cx_json_typeof(v), CX_JSON_BOOL);
    CHECK(cx_json_bool(v, &b) == 0 && b);
    CHECK(!cx_json_is_null(v));
    v = parse(a, "false");
    b = true;
    CHECK(cx_json_bool(v, &b) == 0 && !b);
    cx_arena_free(a);
}

TEST(parse_top_level_scalars_and_whitespace) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, " \t\r\n 42 \n\t\r ");
    CHECK_EQ(as_i64(v), 42);
    v = parse(a, "\"hi\"");
    CHECK_STR(cx_json_cstr(v), "hi");
    v = parse(a, "-1.5");
    CHECK(as_dbl(v) == -1.5);
    v = parse(a, "[ 1 , 2 ]");
    CHECK_EQ(cx_json_len(v), 2);
    v = parse(a, "{ \"a\" : 1 , \"b\" :2}");
    CHECK_EQ(cx_json_len(v), 2);
    cx_arena_free(a);
}

TEST(parse_nested_access) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"user\":{\"name\":\"ada\",\"langs\":[\"c\",\"ml\"],\"age\":36},"
                                "\"ok\":true,\"n\":null,\"e\":[],\"o\":{}}");
    CHECK_EQ(cx_json_typeof(v), CX_JSON_OBJECT);
    CHECK_EQ(cx_json_len(v), 5);
    const cx_json *u = cx_json_get(v, "user");
    CHECK_EQ(cx_json_typeof(u), CX_JSON_OBJECT);
    CHECK_STR(cx_json_cstr(cx_json_get(u, "name")), "ada");
    CHECK_EQ(as_i64(cx_json_get(u, "age")), 36);
    const cx_json *langs = cx_json_get(u, "langs");
    CHECK_EQ(cx_json_typeof(langs), CX_JSON_ARRAY);
    CHECK_EQ(cx_json_len(langs), 2);
    CHECK_STR(cx_json_cstr(cx_json_at(langs, 0)), "c");
    CHECK_STR(cx_json_cstr(cx_json_at(langs, 1)), "ml");
    CHECK(cx_json_at(langs, 2) == NULL);
    CHECK(cx_json_is_null(cx_json_get(v, "n")));
    CHECK_EQ(cx_json_len(cx_json_get(v, "e")), 0);
    CHECK_EQ(cx_json_typeof(cx_json_get(v, "e")), CX_JSON_ARRAY);
    CHECK_EQ(cx_json_len(cx_json_get(v, "o")), 0);
    CHECK_EQ(cx_json_typeof(cx_json_get(v, "o")), CX_JSON_OBJECT);
    CHECK(cx_json_get(v, "missing") == NULL);
    CHECK(cx_json_get(cx_json_get(v, "missing"), "x") == NULL);
    cx_arena_free(a);
}

TEST(parse_key_at_value_at) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"x\":1,\"y\":[2],\"z\":\"3\"}");
    cx_str k = cx_json_key_at(v, 0);
    CHECK_MEM(k.ptr, k.len, "x");
    CHECK_EQ(k.ptr[k.len], '\0');
    k = cx_json_key_at(v, 2);
    CHECK_MEM(k.ptr, k.len, "z");
    CHECK_EQ(as_i64(cx_json_value_at(v, 0)), 1);
    CHECK_EQ(cx_json_typeof(cx_json_value_at(v, 1)), CX_JSON_ARRAY);
    CHECK_STR(cx_json_cstr(cx_json_value_at(v, 2)), "3");
    CHECK(cx_json_key_at(v, 3).ptr == NULL);
    CHECK(cx_json_value_at(v, 3) == NULL);
    /* not an object */
    const cx_json *arr = cx_json_get(v, "y");
    CHECK(cx_json_key_at(arr, 0).ptr == NULL);
    CHECK(cx_json_value_at(arr, 0) == NULL);
    cx_arena_free(a);
}

TEST(parse_duplicate_keys_last_wins) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"a\":1,\"b\":2,\"a\":3}");
    CHECK_EQ(cx_json_len(v), 3);
    CHECK_EQ(as_i64(cx_json_get(v, "a")), 3);
    CHECK_EQ(as_i64(cx_json_value_at(v, 0)), 1);
    CHECK_STR(dump(a, v, 0), "{\"a\":1,\"b\":2,\"a\":3}");
    cx_arena_free(a);
}

TEST(parse_getn_with_nul_and_empty_key) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"a\\u0000b\":1,\"a\":2,\"\":3}");
    CHECK_EQ(as_i64(cx_json_getn(v, "a\0b", 3)), 1);
    CHECK_EQ(as_i64(cx_json_get(v, "a")), 2);
    CHECK_EQ(as_i64(cx_json_get(v, "")), 3);
    CHECK_EQ(as_i64(cx_json_getn(v, NULL, 0)), 3);
    CHECK(cx_json_getn(v, NULL, 1) == NULL);
    CHECK(cx_json_get(v, NULL) == NULL);
    CHECK(cx_json_getn(v, "ab", 2) == NULL);
    cx_arena_free(a);
}

TEST(parse_iterate) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"a\":1,\"b\":[true],\"a\":2}");
    cx_json_iter it = cx_json_iterate(v);
    cx_str key;
    const cx_json *val;
    const char *keys[] = {"a", "b", "a"};
    int n = 0;
    while (cx_json_next(&it, &key, &val)) {
        CHECK(n < 3);
        if (n >= 3) break;
        CHECK_MEM(key.ptr, key.len, keys[n]);
        if (n == 1) CHECK_EQ(cx_json_typeof(val), CX_JSON_ARRAY);
        n++;
    }
    CHECK_EQ(n, 3);
    CHECK(!cx_json_next(&it, &key, &val));
    /* arrays give no key; NULL outs are allowed */
    it = cx_json_iterate(parse(a, "[10,20,30]"));
    int64_t sum = 0;
    n = 0;
    while (cx_json_next(&it, &key, &val)) {
        CHECK(key.ptr == NULL && key.len == 0);
        sum += as_i64(val);
        n++;
    }
    CHECK_EQ(n, 3);
    CHECK_EQ(sum, 60);
    it = cx_json_iterate(parse(a, "[1,2]"));
    CHECK(cx_json_next(&it, NULL, NULL));
    CHECK(cx_json_next(&it, NULL, NULL));
    CHECK(!cx_json_next(&it, NULL, NULL));
    /* scalars, empty containers and NULL walk nothing */
    it = cx_json_iterate(parse(a, "5"));
    CHECK(!cx_json_next(&it, &key, &val));
    it = cx_json_iterate(parse(a, "{}"));
    CHECK(!cx_json_next(&it, &key, &val));
    it = cx_json_iterate(NULL);
    CHECK(!cx_json_next(&it, &key, &val));
    CHECK(!cx_json_next(NULL, &key, &val));
    cx_arena_free(a);
}

TEST(types_and_names) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "[null,true,1,\"s\",[],{}]");
    cx_json_type want[] = {CX_JSON_NULL,   CX_JSON_BOOL,  CX_JSON_NUMBER,
                           CX_JSON_STRING, CX_JSON_ARRAY, CX_JSON_OBJECT};
    const char *names[] = {"null", "bool", "number", "string", "array", "object"};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(cx_json_typeof(cx_json_at(v, (size_t)i)), want[i]);
        CHECK_STR(cx_json_type_name(cx_json_typeof(cx_json_at(v, (size_t)i))), names[i]);
    }
    CHECK_EQ(cx_json_typeof(NULL), CX_JSON_NONE);
    CHECK_STR(cx_json_type_name(CX_JSON_NONE), "none");
    CHECK_STR(cx_json_type_name((cx_json_type)99), "none");
    CHECK_EQ(cx_json_number_kind(cx_json_at(v, 2)), CX_JSON_NUM_INT);
    CHECK_EQ(cx_json_number_kind(cx_json_at(v, 3)), CX_JSON_NUM_NONE);
    CHECK_EQ(cx_json_number_kind(NULL), CX_JSON_NUM_NONE);
    cx_arena_free(a);
}

TEST(accessors_on_null_and_wrong_types) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *s = parse(a, "\"str\"");
    const cx_json *n = parse(a, "7");
    int64_t i = 99;
    uint64_t u = 99;
    double d = 99;
    bool b = true;
    CHECK_EQ(cx_json_int64(NULL, &i), CX_EINVAL);
    CHECK_EQ(cx_json_int64(s, &i), CX_EINVAL);
    CHECK_EQ(cx_json_int64(n, NULL), CX_EINVAL);
    CHECK_EQ(cx_json_uint64(NULL, &u), CX_EINVAL);
    CHECK_EQ(cx_json_uint64(s, &u), CX_EINVAL);
    CHECK_EQ(cx_json_double(NULL, &d), CX_EINVAL);
    CHECK_EQ(cx_json_double(s, &d), CX_EINVAL);
    CHECK_EQ(cx_json_bool(NULL, &b), CX_EINVAL);
    CHECK_EQ(cx_json_bool(n, &b), CX_EINVAL);
    CHECK_EQ(cx_json_bool(parse(a, "true"), NULL), CX_EINVAL);
    CHECK(i == 99 && u == 99 && d == 99 && b);
    CHECK(cx_json_str(n).ptr == NULL && cx_json_str(n).len == 0);
    CHECK(cx_json_str(NULL).ptr == NULL);
    CHECK(cx_json_cstr(n) == NULL);
    CHECK(cx_json_cstr(NULL) == NULL);
    CHECK(cx_json_number_text(s).ptr == NULL);
    CHECK(cx_json_number_text(NULL).ptr == NULL);
    CHECK_EQ(cx_json_len(NULL), 0);
    CHECK_EQ(cx_json_len(n), 0);
    CHECK_EQ(cx_json_len(s), 3);
    CHECK(cx_json_at(NULL, 0) == NULL);
    CHECK(cx_json_at(s, 0) == NULL);
    CHECK(cx_json_get(NULL, "a") == NULL);
    CHECK(cx_json_get(s, "a") == NULL);
    CHECK(cx_json_at(parse(a, "{\"a\":1}"), 0) == NULL);
    CHECK(cx_json_get(parse(a, "[1]"), "a") == NULL);
    CHECK(!cx_json_is_null(NULL));
    CHECK(cx_json_key_at(NULL, 0).ptr == NULL);
    CHECK(cx_json_value_at(NULL, 0) == NULL);
    cx_arena_free(a);
}

TEST(parse_input_not_needed_afterwards) {
    cx_arena *a = cx_arena_new(0, 0);
    char *text = strdup("{\"k\":\"value\",\"n\":12.5,\"e\":\"a\\nb\"}");
    size_t n = strlen(text);
    const cx_json *v = parse_n(a, text, n);
    memset(text, 'x', n);
    free(text);
    CHECK_STR(cx_json_cstr(cx_json_get(v, "k")), "value");
    CHECK(as_dbl(cx_json_get(v, "n")) == 12.5);
    cx_str t = cx_json_number_text(cx_json_get(v, "n"));
    CHECK_MEM(t.ptr, t.len, "12.5");
    CHECK_STR(cx_json_cstr(cx_json_get(v, "e")), "a\nb");
    cx_arena_free(a);
}

TEST(parse_arena_reuse) {
    cx_arena *a = cx_arena_new(0, 0);
    for (int i = 0; i < 1000; i++) {
        cx_arena_reset(a);
        const cx_json *v = parse(a, "{\"i\":[1,2,{\"x\":\"y\"}],\"s\":\"text\"}");
        CHECK_STR(cx_json_cstr(cx_json_get(cx_json_at(cx_json_get(v, "i"), 2), "x")), "y");
    }
    cx_arena_free(a);
}

/* ---- parsing: strings --------------------------------------------------- */

TEST(strings_simple_escapes) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "\"q\\\" b\\\\ s\\/ b\\b f\\f n\\n r\\r t\\t\"");
    CHECK_STR(cx_json_cstr(v), "q\" b\\ s/ b\b f\f n\n r\r t\t");
    CHECK_EQ(cx_json_len(v), strlen("q\" b\\ s/ b\b f\f n\n r\r t\t"));
    cx_arena_free(a);
}

TEST(strings_unicode_escapes) {
    cx_arena *a = cx_arena_new(0, 0);
    CHECK_STR(cx_json_cstr(parse(a, "\"\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\"")),
              "A\xC3\xA9\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF");
    CHECK_STR(cx_json_cstr(parse(a, "\"\\ud83d\\ude00\"")), "\xF0\x9F\x98\x80");
    CHECK_STR(cx_json_cstr(parse(a, "\"\\uDBFF\\uDFFF\"")), "\xF4\x8F\xBF\xBF");
    CHECK_STR(cx_json_cstr(parse(a, "\"\\uD800\\uDC00\"")), "\xF0\x90\x80\x80");
    CHECK_STR(cx_json_cstr(parse(a, "\"\\u007f\\u0080\\u07ff\\u0800\"")),
              "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80");
    cx_arena_free(a);
}

TEST(strings_escaped_nul) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "\"A\\u0000B\"");
    cx_str s = cx_json_str(v);
    CHECK_EQ(s.len, 3);
    CHECK(memcmp(s.ptr, "A\0B", 4) == 0); /* and the terminating NUL */
    CHECK_STR(dump(a, v, 0), "\"A\\u0000B\"");
    cx_arena_free(a);
}

TEST(strings_raw_utf8_accepted) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *ok[] = {"\xC2\x80",
                        "\xDF\xBF",
                        "\xE0\xA0\x80",
                        "\xED\x9F\xBF",
                        "\xEE\x80\x80",
                        "\xEF\xBF\xBF",
                        "\xF0\x90\x80\x80",
                        "\xF4\x8F\xBF\xBF",
                        "\x7F",
                        "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x9A\x80"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char doc[64];
        snprintf(doc, sizeof doc, "\"%s\"", ok[i]);
        CHECK_STR(cx_json_cstr(parse(a, doc)), ok[i]);
    }
    cx_arena_free(a);
}

TEST(strings_invalid_utf8_rejected_with_offset) {
    const char *bad[] = {
        "\xC0\x80",         /* overlong NUL */
        "\xC1\xBF",         /* overlong 2-byte */
        "\xE0\x80\x80",     /* overlong 3-byte */
        "\xE0\x9F\xBF",     /* overlong 3-byte, top */
        "\xF0\x80\x80\x80", /* overlong 4-byte */
        "\xF0\x8F\xBF\xBF", /* overlong 4-byte, top */
        "\xED\xA0\x80",     /* U+D800 encoded */
        "\xED\xBF\xBF",     /* U+DFFF encoded */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", /* lead byte out of range */
        "\xFF",
        "\xFE",
        "\x80", /* lone continuation */
        "\xBF",
        "\xC3\x28", /* bad continuation */
        "\xE2\x82\x28",
        "\xF0\x9F\x98\x28",
        "\xE2\x82", /* truncated before the quote */
        "\xF0\x9F\x98",
        "\xC3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char doc[64];
        snprintf(doc, sizeof doc, "[\"ab%s\"]", bad[i]);
        CHECK(fails(doc, CX_EUTF8, 4, "invalid UTF-8"));
    }
    /* in keys, and after an escape (the slow path) */
    CHECK(fails("{\"k\xC0\x80\":1}", CX_EUTF8, 3, "invalid UTF-8"));
    CHECK(fails("\"\\n\xED\xA0\x80\"", CX_EUTF8, 3, "invalid UTF-8"));
    /* non-ASCII outside strings */
    CHECK(fails("[\xC3\xA9]", CX_EPARSE, 1, "expected a value"));
}

TEST(strings_bad_escapes) {
    CHECK(fails("\"a\\x\"", CX_EPARSE, 2, "invalid escape"));
    CHECK(fails("\"a\\'\"", CX_EPARSE, 2, "invalid escape"));
    CHECK(fails("\"a\\U0041\"", CX_EPARSE, 2, "invalid escape"));
    CHECK(fails("\"\\u00g1\"", CX_EPARSE, 1, "\\u escape"));
    CHECK(fails("\"\\u12\"", CX_EPARSE, 1, "\\u escape"));
    CHECK(fails("\"\\u", CX_EPARSE, 1, "\\u escape"));
    CHECK(fails("\"\\", CX_EPARSE, 1, "invalid escape"));
    CHECK(fails("[\"\\\xC3\xA9\"]", CX_EPARSE, 2, "invalid escape"));
}

TEST(strings_lone_surrogates_rejected) {
    CHECK(fails("\"\\uD800\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"x\\uDBFFy\"", CX_EUTF8, 2, "unpaired surrogate"));
    CHECK(fails("\"\\uDC00\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"\\uDFFF\\uD800\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"\\uD800\\uD800\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"\\uD800\\u0041\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"\\uD800\\n\"", CX_EUTF8, 1, "unpaired surrogate"));
    CHECK(fails("\"\\uD800\\uDZ00\"", CX_EPARSE, 7, "\\u escape"));
    CHECK(fails("{\"\\uDFAA\":0}", CX_EUTF8, 2, "unpaired surrogate"));
}

TEST(strings_control_characters_rejected) {
    for (int c = 1; c < 0x20; c++) {
        char doc[16];
        snprintf(doc, sizeof doc, "[\"ab%c\"]", c);
        CHECK(fails(doc, CX_EPARSE, 4, "control character"));
    }
    /* after an escape too */
    CHECK(fails("\"\\t\t\"", CX_EPARSE, 3, "control character"));
    /* a NUL byte inside the input is a control character, not the end */
    CHECK(fails_n("\"a\0b\"", 5, NULL, CX_EPARSE, 2, "control character"));
    /* DEL is fine */
    cx_arena *a = cx_arena_new(0, 0);
    CHECK_STR(cx_json_cstr(parse(a, "\"\x7F\"")), "\x7F");
    cx_arena_free(a);
}

TEST(strings_unterminated_point_at_the_quote) {
    CHECK(fails("\"abc", CX_EPARSE, 0, "unterminated string"));
    CHECK(fails("[1, \"abc", CX_EPARSE, 4, "unterminated string"));
    CHECK(fails("[\"a\\n", CX_EPARSE, 1, "unterminated string"));
    CHECK(fails("{\"key", CX_EPARSE, 1, "unterminated string"));
    CHECK(fails("\"", CX_EPARSE, 0, "unterminated string"));
}

/* Escapes and special bytes at every position around the 8/16-byte steps of
 * the vector scanners, in both the fast and the decoding loop. */
TEST(strings_special_bytes_at_every_offset) {
    cx_arena *a = cx_arena_new(0, 0);
    for (int pos = 0; pos < 48; pos++) {
        for (int kind = 0; kind < 4; kind++) {
            static const char *src[] = {"\\n", "\\u00e9", "\xC3\xA9", "\\\""};
            static const char *dec[] = {"\n", "\xC3\xA9", "\xC3\xA9", "\""};
            char doc[160], want[160];
            int n = 0, m = 0;
            doc[n++] = '"';
            for (int i = 0; i < pos; i++) doc[n++] = want[m++] = (char)('a' + i % 26);
            n += sprintf(doc + n, "%s", src[kind]);
            m += sprintf(want + m, "%s", dec[kind]);
            for (int i = 0; i < 40 - pos % 7; i++) doc[n++] = want[m++] = (char)('A' + i % 26);
            if (pos % 3 == 0) { /* a second special later: the decoding loop */
                n += sprintf(doc + n, "\\t\xE2\x82\xAC");
                m += sprintf(want + m, "\t\xE2\x82\xAC");
            }
            doc[n++] = '"';
            doc[n] = want[m] = '\0';
            const cx_json *v = parse_n(a, doc, (size_t)n);
            CHECK_STR(cx_json_cstr(v), want);
            CHECK_EQ(cx_json_len(v), m);
        }
    }
    cx_arena_free(a);
}

TEST(strings_long) {
    cx_arena *a = cx_arena_new(0, 0);
    size_t n = 100000;
    char *doc = malloc(n + 3);
    doc[0] = '"';
    for (size_t i = 0; i < n; i++) doc[i + 1] = (char)('a' + i % 26);
    doc[n + 1] = '"';
    const cx_json *v = parse_n(a, doc, n + 2);
    CHECK_EQ(cx_json_len(v), n);
    CHECK(v && memcmp(cx_json_cstr(v), doc + 1, n) == 0);
    free(doc);
    cx_arena_free(a);
}

/* Inputs big enough for the arena to give the copy a block of its own, so
 * that ASan sees any read beyond the padding, with the end of a string (or
 * its absence) at every distance from the end of the input. */
TEST(strings_end_near_end_of_input) {
    cx_arena *a = cx_arena_new(0, 0);
    char *doc = malloc(9200); /* above the default 8 KiB block */
    for (size_t n = 9000; n < 9080; n++) {
        doc[0] = '"';
        memset(doc + 1, 'x', n);
        CHECK(fails_n(doc, n + 1, NULL, CX_EPARSE, 0, "unterminated string"));
        doc[n + 1] = '"';
        const cx_json *v = parse_n(a, doc, n + 2);
        CHECK_EQ(cx_json_len(v), n);
        doc[n] = '\\'; /* an escape cut short at the very end */
        CHECK(fails_n(doc, n + 1, NULL, CX_EPARSE, n, "invalid escape"));
        doc[n] = '\xC3'; /* a sequence cut short at the very end */
        CHECK(fails_n(doc, n + 1, NULL, CX_EUTF8, n, "invalid UTF-8"));
        memcpy(doc + n - 4, "\\u12", 4); /* a \u escape cut short */
        CHECK(fails_n(doc, n + 1, NULL, CX_EPARSE, n - 4, "\\u escape"));
        cx_arena_reset(a);
    }
    free(doc);
    cx_arena_free(a);
}

/* ---- parsing: numbers --------------------------------------------------- */

TEST(numbers_integers) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "0");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_INT);
    CHECK_EQ(as_i64(v), 0);
    CHECK_EQ(as_i64(parse(a, "-1")), -1);
    CHECK_EQ(as_i64(parse(a, "123456789")), 123456789);
    CHECK_EQ(as_i64(parse(a, "9007199254740993")), 9007199254740993LL); /* beyond double */
    cx_str t = cx_json_number_text(parse(a, " -42 "));
    CHECK_MEM(t.ptr, t.len, "-42");
    cx_arena_free(a);
}

TEST(numbers_int64_limits) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "9223372036854775807");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_INT);
    int64_t i = 0;
    CHECK(cx_json_int64(v, &i) == 0 && i == INT64_MAX);
    v = parse(a, "-9223372036854775808");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_INT);
    CHECK(cx_json_int64(v, &i) == 0 && i == INT64_MIN);
    uint64_t u = 0;
    CHECK_EQ(cx_json_uint64(v, &u), CX_ERANGE);
    double d = 0;
    CHECK(cx_json_double(v, &d) == 0 && d == -9223372036854775808.0);
    cx_arena_free(a);
}

TEST(numbers_uint64_range) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "9223372036854775808");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_UINT);
    int64_t i = 0;
    uint64_t u = 0;
    CHECK_EQ(cx_json_int64(v, &i), CX_ERANGE);
    CHECK(cx_json_uint64(v, &u) == 0 && u == 9223372036854775808ull);
    v = parse(a, "18446744073709551615");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_UINT);
    CHECK(cx_json_uint64(v, &u) == 0 && u == UINT64_MAX);
    double d = 0;
    CHECK(cx_json_double(v, &d) == 0 && d == 18446744073709551616.0);
    v = parse(a, "10000000000000000000"); /* 20 digits, fits */
    CHECK(cx_json_uint64(v, &u) == 0 && u == 10000000000000000000ull);
    CHECK(cx_json_uint64(parse(a, "5"), &u) == 0 && u == 5);
    CHECK_EQ(cx_json_uint64(parse(a, "-5"), &u), CX_ERANGE);
    CHECK_EQ(cx_json_uint64(parse(a, "5.0"), &u), CX_ERANGE);
    cx_arena_free(a);
}

TEST(numbers_overflow_keeps_text) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *big[] = {"18446744073709551616", "-9223372036854775809",
                         "123456789012345678901234567890", "-99999999999999999999"};
    for (size_t i = 0; i < 4; i++) {
        const cx_json *v = parse(a, big[i]);
        CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_REAL);
        cx_str t = cx_json_number_text(v);
        CHECK_MEM(t.ptr, t.len, big[i]);
        int64_t x;
        uint64_t u;
        CHECK_EQ(cx_json_int64(v, &x), CX_ERANGE);
        CHECK_EQ(cx_json_uint64(v, &u), CX_ERANGE);
        CHECK(as_dbl(v) == strtod(big[i], NULL));
        CHECK_STR(dump(a, v, 0), big[i]);
    }
    cx_arena_free(a);
}

TEST(numbers_negative_zero) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "-0");
    CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_REAL);
    double d = 1;
    CHECK(cx_json_double(v, &d) == 0 && d == 0 && signbit(d));
    CHECK_STR(dump(a, v, 0), "-0");
    v = parse(a, "-0.0e5");
    CHECK(cx_json_double(v, &d) == 0 && d == 0 && signbit(d));
    v = parse(a, "0e-7");
    CHECK(cx_json_double(v, &d) == 0 && d == 0 && !signbit(d));
    cx_arena_free(a);
}

TEST(numbers_reals) {
    cx_arena *a = cx_arena_new(0, 0);
    struct {
        const char *text;
        double want;
    } cases[] = {
        {"1.5", 1.5},
        {"-0.25", -0.25},
        {"1e3", 1000},
        {"1E+2", 100},
        {"1e-2", 0.01},
        {"0.1", 0.1},
        {"123456.789", 123456.789},
        {"3.141592653589793", 3.141592653589793},
        {"1.7976931348623157e308", 1.7976931348623157e308},
        {"2.2250738585072014e-308", 2.2250738585072014e-308},
        {"4.9e-324", 4.9e-324},
        {"5e-324", 5e-324},
        {"1e22", 1e22},
        {"1e23", 1e23},
        {"12e30", 12e30},
        {"0.000001", 0.000001},
        {"9007199254740993.0", 9007199254740992.0},
        {"1.000000000000000005", 1.0},
        {"100000000000000000000000000000000000000000e-20", 1e21},
        {"0.30000000000000004", 0.30000000000000004},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const cx_json *v = parse(a, cases[i].text);
        CHECK_EQ(cx_json_number_kind(v), CX_JSON_NUM_REAL);
        double d = NAN;
        CHECK(cx_json_double(v, &d) == 0);
        if (!same_bits(d, cases[i].want)) fprintf(stderr, "  %s: got %.17g\n", cases[i].text, d);
        CHECK(same_bits(d, cases[i].want));
        cx_str t = cx_json_number_text(v);
        CHECK_MEM(t.ptr, t.len, cases[i].text);
        int64_t x;
        CHECK_EQ(cx_json_int64(v, &x), CX_ERANGE);
    }
    cx_arena_free(a);
}

TEST(numbers_out_of_double_range) {
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(as_dbl(parse(a, "1e400")) == HUGE_VAL);
    CHECK(as_dbl(parse(a, "-1e400")) == -HUGE_VAL);
    CHECK(as_dbl(parse(a, "123123e100000")) == HUGE_VAL);
    CHECK(as_dbl(parse(a, "1e-400")) == 0);
    CHECK(as_dbl(parse(a, "1E-999")) == 0);
    CHECK(as_dbl(parse(a, "0.4e00669999999999999999999999999999999999999999999999")) == HUGE_VAL);
    CHECK_STR(dump(a, parse(a, "[1e400,-1e-400]"), 0), "[1e400,-1e-400]");
    cx_arena_free(a);
}

TEST(numbers_match_strtod) {
    /* Random number texts of every shape: the fast path and strtod must agree
     * with the C library bit for bit. */
    cx_arena *a = cx_arena_new(0, 0);
    char text[96];
    int bad = 0;
    for (int i = 0; i < 40000 && bad < 10; i++) {
        cx_arena_reset(a);
        uint64_t r = rnd();
        int n = 0;
        if (r & 1) text[n++] = '-';
        int ndig = 1 + (int)(r >> 1 & 15);
        if ((r >> 5 & 3) == 0) ndig += 10;
        text[n++] = (char)('1' + rnd() % 9);
        for (int k = 1; k < ndig; k++) text[n++] = (char)('0' + rnd() % 10);
        if (r >> 8 & 1) {
            text[n++] = '.';
            int nf = 1 + (int)(rnd() % 20);
            for (int k = 0; k < nf; k++) text[n++] = (char)('0' + rnd() % 10);
        }
        if (r >> 9 & 1) {
            int e = (int)(rnd() % 700) - 350;
            if ((r >> 10 & 3) == 0) e = (int)(rnd() % 50) - 25;
            n += sprintf(text + n, "e%d", e);
        }
        text[n] = '\0';
        const cx_json *v = parse_n(a, text, (size_t)n);
        double got = as_dbl(v), want = strtod(text, NULL);
        if (!v || !same_bits(got, want)) {
            if (cx_json_number_kind(v) == CX_JSON_NUM_INT ||
                cx_json_number_kind(v) == CX_JSON_NUM_UINT)
                continue; /* integers convert with (double), checked elsewhere */
            fprintf(stderr, "  %s: got %.17g want %.17g\n", text, got, want);
            bad++;
        }
    }
    CHECK_EQ(bad, 0);
    cx_arena_free(a);
}

TEST(numbers_syntax_errors) {
    CHECK(fails("01", CX_EPARSE, 1, "leading zeros"));
    CHECK(fails("-01", CX_EPARSE, 2, "leading zeros"));
    CHECK(fails("[00]", CX_EPARSE, 2, "leading zeros"));
    CHECK(fails("-", CX_EPARSE, 1, "end of input"));
    CHECK(fails("[-]", CX_EPARSE, 2, "invalid number"));
    CHECK(fails("-a", CX_EPARSE, 1, "invalid number"));
    CHECK(fails("1.", CX_EPARSE, 2, "end of input"));
    CHECK(fails("[1.]", CX_EPARSE, 3, "after the decimal point"));
    CHECK(fails("[1.e5]", CX_EPARSE, 3, "after the decimal point"));
    CHECK(fails("[.5]", CX_EPARSE, 1, "expected a value"));
    CHECK(fails("[1e]", CX_EPARSE, 3, "exponent"));
    CHECK(fails("[1e+]", CX_EPARSE, 4, "exponent"));
    CHECK(fails("[1E-x]", CX_EPARSE, 4, "exponent"));
    CHECK(fails("[+1]", CX_EPARSE, 1, "expected a value"));
    CHECK(fails("[0x10]", CX_EPARSE, 2, "expected ',' or ']'"));
    CHECK(fails("[1.5.2]", CX_EPARSE, 4, "expected ',' or ']'"));
    CHECK(fails("[--1]", CX_EPARSE, 2, "invalid number"));
    CHECK(fails("[NaN]", CX_EPARSE, 1, "expected a value"));
    CHECK(fails("[Infinity]", CX_EPARSE, 1, "expected a value"));
    CHECK(fails("[-Infinity]", CX_EPARSE, 2, "invalid number"));
    CHECK(fails("[1 000]", CX_EPARSE, 3, "expected ',' or ']'"));
}

TEST(numbers_with_another_locale) {
    /* A comma radix must not change how numbers are read or written. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8"};
    const char *old = setlocale(LC_NUMERIC, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    bool set = false;
    for (size_t i = 0; i < sizeof names / sizeof *names && !set; i++)
        set = setlocale(LC_NUMERIC, names[i]) != NULL;
    if (!set) SKIP("no locale with a comma radix is installed");
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(same_bits(as_dbl(parse(a, "0.12345678901234567")), 0.12345678901234567));
    CHECK(same_bits(as_dbl(parse(a, "1.5e-300")), 1.5e-300));
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_double(&w, 0.30000000000000004);
    CHECK_STR(buf_str(&b), "0.30000000000000004");
    cx_buf_free(&b);
    cx_arena_free(a);
    setlocale(LC_NUMERIC, saved);
}

/* ---- parsing: structure errors ------------------------------------------ */

TEST(errors_structure) {
    CHECK(fails("", CX_EPARSE, 0, "unexpected end of input"));
    CHECK(fails("   ", CX_EPARSE, 3, "unexpected end of input"));
    CHECK(fails("[1,]", CX_EPARSE, 3, "expected a value"));
    CHECK(fails("[1 2]", CX_EPARSE, 3, "expected ',' or ']'"));
    CHECK(fails("[1}", CX_EPARSE, 2, "expected ',' or ']'"));
    CHECK(fails("{\"a\":1]", CX_EPARSE, 6, "expected ',' or '}'"));
    CHECK(fails("{\"a\" 1}", CX_EPARSE, 5, "expected ':'"));
    CHECK(fails("{\"a\":1,}", CX_EPARSE, 7, "expected a string as object key"));
    CHECK(fails("{1:2}", CX_EPARSE, 1, "expected a string as object key"));
    CHECK(fails("{'a':2}", CX_EPARSE, 1, "expected a string as object key"));
    CHECK(fails("{\"a\":}", CX_EPARSE, 5, "expected a value"));
    CHECK(fails("[", CX_EPARSE, 1, "unexpected end of input"));
    CHECK(fails("{", CX_EPARSE, 1, "unexpected end of input"));
    CHECK(fails("[1", CX_EPARSE, 2, "unexpected end of input"));
    CHECK(fails("[1,", CX_EPARSE, 3, "unexpected end of input"));
    CHECK(fails("{\"a\"", CX_EPARSE, 4, "unexpected end of input"));
    CHECK(fails("{\"a\":", CX_EPARSE, 5, "unexpected end of input"));
    CHECK(fails("{\"a\":1", CX_EPARSE, 6, "unexpected end of input"));
    CHECK(fails("]", CX_EPARSE, 0, "expected a value"));
    CHECK(fails("}", CX_EPARSE, 0, "expected a value"));
    CHECK(fails("1 2", CX_EPARSE, 2, "unexpected data after the JSON value"));
    CHECK(fails("[] []", CX_EPARSE, 3, "unexpected data"));
    CHECK(fails("{}x", CX_EPARSE, 2, "unexpected data"));
    CHECK(fails("[1]]", CX_EPARSE, 3, "unexpected data"));
    CHECK(fails_n("[1,\0]", 5, NULL, CX_EPARSE, 3, "expected a value"));
    CHECK(fails_n("[1]\0", 4, NULL, CX_EPARSE, 3, "unexpected data"));
    CHECK(fails("[1,,2]", CX_EPARSE, 3, "expected a value"));
    CHECK(fails("/* c */ 1", CX_EPARSE, 0, "expected a value"));
    CHECK(fails("[1] // c", CX_EPARSE, 4, "unexpected data"));
    CHECK(fails("[\f1]", CX_EPARSE, 1, "expected a value")); /* form feed is not whitespace */
    CHECK(fails("[\x0b"
                "1]",
                CX_EPARSE, 1, "expected a value")); /* nor vertical tab */
}

TEST(errors_literals) {
    CHECK(fails("tru", CX_EPARSE, 0, "invalid literal"));
    CHECK(fails("nul", CX_EPARSE, 0, "invalid literal"));
    CHECK(fails("fals", CX_EPARSE, 0, "invalid literal"));
    CHECK(fails("[True]", CX_EPARSE, 1, "expected a value"));
    CHECK(fails("[nulL]", CX_EPARSE, 1, "invalid literal"));
    CHECK(fails("truex", CX_EPARSE, 4, "unexpected data"));
    CHECK(fails("[truex]", CX_EPARSE, 5, "expected ',' or ']'"));
    CHECK(fails("[t", CX_EPARSE, 1, "invalid literal"));
}

TEST(errors_bom_rejected) {
    CHECK(fails("\xEF\xBB\xBF{}", CX_EPARSE, 0, "byte order mark"));
    CHECK(fails("\xEF\xBB\xBF", CX_EPARSE, 0, "byte order mark"));
    CHECK(fails(" \xEF\xBB\xBF{}", CX_EPARSE, 1, "expected a value"));
}

TEST(errors_line_and_column) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *doc = "{\n  \"a\": 1,\n  \"b\" 2\n}";
    const cx_json *v;
    cx_json_error e;
    int rc = cx_json_parse(a, doc, strlen(doc), NULL, &v, &e);
    CHECK_EQ(rc, CX_EPARSE);
    CHECK_EQ(e.code, CX_EPARSE);
    CHECK_EQ(e.line, 3);
    CHECK_EQ(e.column, 7);
    CHECK_EQ(e.offset, 18);
    CHECK_STR(e.message, "line 3, column 7 (byte 18): expected ':' after an object key");
    /* the first byte */
    rc = cx_json_parse(a, "x", 1, NULL, &v, &e);
    CHECK(rc == CX_EPARSE && e.line == 1 && e.column == 1 && e.offset == 0);
    /* at the very end, after a newline */
    rc = cx_json_parse(a, "[1,\n", 4, NULL, &v, &e);
    CHECK(rc == CX_EPARSE && e.line == 2 && e.column == 1 && e.offset == 4);
    /* CR LF: columns count from the LF */
    rc = cx_json_parse(a, "[\r\n\r\n  x]", 9, NULL, &v, &e);
    CHECK(rc == CX_EPARSE && e.line == 3 && e.column == 3 && e.offset == 7);
    cx_arena_free(a);
}

TEST(errors_err_may_be_null) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = (const cx_json *)1;
    CHECK_EQ(cx_json_parse(a, "[", 1, NULL, &v, NULL), CX_EPARSE);
    CHECK(v == NULL);
    CHECK_EQ(cx_json_parse(a, "[1]", 3, NULL, &v, NULL), 0);
    CHECK_EQ(cx_json_len(v), 1);
    cx_arena_free(a);
}

TEST(errors_invalid_arguments) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v;
    cx_json_error e;
    CHECK_EQ(cx_json_parse(NULL, "1", 1, NULL, &v, &e), CX_EINVAL);
    CHECK_EQ(e.code, CX_EINVAL);
    CHECK_EQ(cx_json_parse(a, "1", 1, NULL, NULL, &e), CX_EINVAL);
    CHECK_EQ(cx_json_parse(a, NULL, 1, NULL, &v, &e), CX_EINVAL);
    CHECK_EQ(cx_json_parse(a, NULL, 0, NULL, &v, &e), CX_EPARSE);
    CHECK_EQ(e.offset, 0);
    cx_arena_free(a);
}

/* ---- limits ------------------------------------------------------------- */

static char *nested(size_t depth, bool closed) {
    char *s = malloc(2 * depth + 1);
    memset(s, '[', depth);
    if (closed) memset(s + depth, ']', depth);
    s[closed ? 2 * depth : depth] = '\0';
    return s;
}

TEST(limits_depth_default) {
    cx_arena *a = cx_arena_new(0, 0);
    char *ok = nested(CX_JSON_DEFAULT_MAX_DEPTH, true);
    CHECK(parse(a, ok) != NULL);
    char *deep = nested(CX_JSON_DEFAULT_MAX_DEPTH + 1, true);
    CHECK(fails(deep, CX_EDEPTH, CX_JSON_DEFAULT_MAX_DEPTH, "nesting too deep"));
    free(ok);
    free(deep);
    /* objects count too */
    char doc[4096];
    size_t n = 0;
    for (int i = 0; i < 513; i++) n += (size_t)sprintf(doc + n, "{\"a\":");
    doc[n] = '\0';
    CHECK(fails(doc, CX_EDEPTH, 512 * 5, "nesting too deep"));
    cx_arena_free(a);
}

TEST(limits_depth_setting) {
    cx_json_options o = {.max_depth = 3};
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v;
    CHECK_EQ(cx_json_parse(a, "[[[]]]", 6, &o, &v, NULL), 0);
    CHECK_EQ(cx_json_parse(a, "[{\"a\":[1]}]", 11, &o, &v, NULL), 0);
    CHECK(fails_n("[[[[]]]]", 8, &o, CX_EDEPTH, 3, "nesting too deep"));
    CHECK(fails_n("[1,[2,[3,{}]]]", 14, &o, CX_EDEPTH, 9, "nesting too deep"));
    o.max_depth = 1;
    CHECK_EQ(cx_json_parse(a, "[1,2]", 5, &o, &v, NULL), 0);
    CHECK_EQ(cx_json_parse(a, "7", 1, &o, &v, NULL), 0);
    CHECK(fails_n("[[]]", 4, &o, CX_EDEPTH, 1, NULL));
    cx_arena_free(a);
}

TEST(limits_100000_open_arrays_rejected_not_crashed) {
    char *s = nested(100000, false);
    CHECK(fails(s, CX_EDEPTH, 512, "nesting too deep"));
    cx_json_options o = {.max_depth = 1000000};
    CHECK(fails_n(s, 100000, &o, CX_EPARSE, 100000, "unexpected end of input"));
    free(s);
}

struct deep_job {
    size_t depth;
    int parse_rc, write_rc;
    bool same;
};

static void *deep_worker(void *arg) {
    struct deep_job *j = arg;
    char *s = nested(j->depth, true);
    cx_arena *a = cx_arena_new(0, 0);
    cx_json_options o = {.max_depth = j->depth};
    const cx_json *v;
    j->parse_rc = cx_json_parse(a, s, 2 * j->depth, &o, &v, NULL);
    if (!j->parse_rc) {
        cx_buf b = CX_BUF_INIT;
        j->write_rc = cx_json_stringify(&b, v, 0);
        j->same = b.len == 2 * j->depth && memcmp(b.data, s, b.len) == 0;
        cx_buf_free(&b);
    }
    cx_arena_free(a);
    free(s);
    return NULL;
}

TEST(limits_deep_document_on_a_small_stack) {
    /* 200,000 levels parsed and written on a 64 KiB thread stack: neither
     * side recurses. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
#ifdef __SANITIZE_ADDRESS__
    pthread_attr_setstacksize(&attr, 256 * 1024); /* ASan's redzones inflate frames */
#else
    pthread_attr_setstacksize(&attr, 64 * 1024);
#endif
    struct deep_job j = {.depth = 200000};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, &attr, deep_worker, &j), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    CHECK_EQ(j.parse_rc, 0);
    CHECK_EQ(j.write_rc, 0);
    CHECK(j.same);
}

TEST(limits_size) {
    cx_json_options o = {.max_size = 8};
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v;
    CHECK_EQ(cx_json_parse(a, "[1,2,33]", 8, &o, &v, NULL), 0);
    CHECK(fails_n("[1,2,333]", 9, &o, CX_ELIMIT, 8, "max_size"));
    /* the default applies when the field is 0 */
    o.max_size = 0;
    CHECK_EQ(cx_json_parse(a, "[1,2,333]", 9, &o, &v, NULL), 0);
    cx_arena_free(a);
}

TEST(limits_size_default_is_64_mib) {
    CHECK_EQ(CX_JSON_DEFAULT_MAX_SIZE, 64u * 1024 * 1024);
    CHECK_EQ(CX_JSON_DEFAULT_MAX_DEPTH, 512);
    /* one byte over the default: rejected before anything is copied */
    size_t n = (size_t)CX_JSON_DEFAULT_MAX_SIZE + 1;
    char *big = calloc(1, n);
    CHECK(big != NULL);
    if (!big) return;
    CHECK(fails_n(big, n, NULL, CX_ELIMIT, CX_JSON_DEFAULT_MAX_SIZE, "max_size"));
    free(big);
}

TEST(limits_arena_exhausted) {
    cx_arena *a = cx_arena_new(1024, 4096);
    char doc[8192];
    size_t n = 0;
    doc[n++] = '[';
    for (int i = 0; i < 900; i++) n += (size_t)sprintf(doc + n, "%s[%d]", i ? "," : "", i);
    doc[n++] = ']';
    const cx_json *v;
    cx_json_error e;
    CHECK_EQ(cx_json_parse(a, doc, n, NULL, &v, &e), CX_ENOMEM);
    CHECK(v == NULL);
    CHECK(strstr(e.message, "out of memory") != NULL);
    cx_arena_free(a);
}

TEST(limits_many_values_spill_to_heap) {
    /* more values and frames than the parser keeps inline */
    cx_arena *a = cx_arena_new(0, 0);
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, "[");
    for (int i = 0; i < 10000; i++)
        cx_buf_printf(&b, "%s{\"k%d\":[%d,[%d]]}", i ? "," : "", i, i, -i);
    cx_buf_puts(&b, "]");
    const cx_json *v = parse_n(a, b.data, b.len);
    CHECK_EQ(cx_json_len(v), 10000);
    CHECK_EQ(as_i64(cx_json_at(cx_json_at(cx_json_get(cx_json_at(v, 9999), "k9999"), 1), 0)),
             -9999);
    CHECK_STR(dump(a, v, 0), buf_str(&b));
    cx_buf_free(&b);
    cx_arena_free(a);
}

/* ---- writer ------------------------------------------------------------- */

TEST(writer_compact_structure) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    CHECK(!cx_json_writer_done(&w));
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "a", 1);
    cx_json_write_int64(&w, 1);
    cx_json_write_key(&w, "list", 4);
    cx_json_write_array_begin(&w);
    cx_json_write_bool(&w, true);
    cx_json_write_bool(&w, false);
    cx_json_write_null(&w);
    cx_json_write_array_begin(&w);
    cx_json_write_array_end(&w);
    cx_json_write_object_begin(&w);
    cx_json_write_object_end(&w);
    cx_json_write_string(&w, "s", 1);
    cx_json_write_array_end(&w);
    cx_json_write_key(&w, "o", 1);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "x", 1);
    cx_json_write_uint64(&w, 18446744073709551615ull);
    cx_json_write_object_end(&w);
    CHECK(!cx_json_writer_done(&w));
    CHECK_EQ(cx_json_write_object_end(&w), 0);
    CHECK_EQ(cx_json_writer_error(&w), 0);
    CHECK(cx_json_writer_done(&w));
    CHECK_STR(
        buf_str(&b),
        "{\"a\":1,\"list\":[true,false,null,[],{},\"s\"],\"o\":{\"x\":18446744073709551615}}");
    cx_buf_free(&b);
}

TEST(writer_top_level_scalars) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_string(&w, "x", 1), 0);
    CHECK(cx_json_writer_done(&w));
    CHECK_EQ(cx_json_write_string(&w, "y", 1), CX_ESTATE); /* one value only */
    CHECK_STR(buf_str(&b), "\"x\"");
    cx_buf_free(&b);
    cx_json_writer_init(&w, &b, CX_JSON_PRETTY);
    CHECK_EQ(cx_json_write_int64(&w, -5), 0);
    CHECK_STR(buf_str(&b), "-5");
    cx_buf_free(&b);
}

TEST(writer_appends_to_existing_content) {
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, "data: ");
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    cx_json_write_int64(&w, 1);
    cx_json_write_array_end(&w);
    CHECK_STR(buf_str(&b), "data: [1]");
    cx_buf_free(&b);
}

TEST(writer_integers) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    int64_t vals[] = {0,   1,    -1,        9,         10,        99,
                      100, -100, 123456789, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) cx_json_write_int64(&w, vals[i]);
    cx_json_write_uint64(&w, 0);
    cx_json_write_uint64(&w, UINT64_MAX);
    cx_json_write_array_end(&w);
    CHECK_STR(buf_str(&b), "[0,1,-1,9,10,99,100,-100,123456789,9223372036854775807,"
                           "-9223372036854775808,-9223372036854775807,0,18446744073709551615]");
    cx_buf_free(&b);
}

static const char *fmt_double(cx_buf *b, double d) {
    cx_buf_reset(b);
    cx_json_writer w;
    cx_json_writer_init(&w, b, 0);
    if (cx_json_write_double(&w, d)) return "(error)";
    return buf_str(b);
}

TEST(writer_doubles_shortest) {
    cx_buf b = CX_BUF_INIT;
    struct {
        double d;
        const char *want;
    } cases[] = {
        {0.0, "0"},
        {-0.0, "-0"},
        {1.0, "1"},
        {-3.0, "-3"},
        {0.1, "0.1"},
        {-0.25, "-0.25"},
        {1.5, "1.5"},
        {100, "100"},
        {123456.789, "123456.789"},
        {0.30000000000000004, "0.30000000000000004"},
        {1.0 / 3, "0.3333333333333333"},
        {2.0 / 3, "0.6666666666666666"},
        {1e21, "1e+21"},
        {1e20, "100000000000000000000"},
        {1.5e300, "1.5e+300"},
        {1e-7, "1e-7"},
        {1.25e-7, "1.25e-7"},
        {0.000001, "0.000001"},
        {0.0000123, "0.0000123"},
        {9007199254740992.0, "9007199254740992"},
        {9007199254740994.0, "9007199254740994"},
        {1e16, "10000000000000000"},
        {123e18, "123000000000000000000"},
        {5e-324, "5e-324"},
        {-5e-324, "-5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {3.141592653589793, "3.141592653589793"},
        {1e23, "1e+23"},
        {0.1 + 0.7, "0.7999999999999999"},
        {37.7749295, "37.7749295"},
        {-122.4194155, "-122.4194155"},
        {4.35, "4.35"},
        {1e-10, "1e-10"},
        {6.02214076e23, "6.02214076e+23"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_STR(fmt_double(&b, cases[i].d), cases[i].want);
    cx_buf_free(&b);
}

/* Significant digits in a number's text. */
static int sig_digits(const char *s) {
    char dig[64];
    int n = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9') dig[n++] = *s;
    int lo = 0, hi = n;
    while (lo < hi && dig[lo] == '0') lo++;
    while (hi > lo && dig[hi - 1] == '0') hi--;
    return hi - lo;
}

TEST(writer_doubles_round_trip_and_are_shortest) {
    cx_buf b = CX_BUF_INIT;
    int bad = 0;
    for (int i = 0; i < 30000 && bad < 10; i++) {
        double d;
        uint64_t r = rnd();
        switch (i % 3) {
        case 0:
            memcpy(&d, &r, sizeof d);
            break; /* any bit pattern */
        case 1:
            d = (double)(r % 100000000) / 1000.0;
            break; /* short decimals */
        default:
            d = (double)(r >> 11) / 9007199254740992.0 * pow(10, (int)(r % 40) - 20);
        }
        if (!isfinite(d)) continue;
        const char *s = fmt_double(&b, d);
        double back = strtod(s, NULL);
        int ref = 17; /* fewest %.Ng digits that read back */
        char tmp[64];
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof tmp, "%.*g", p, d);
            if (strtod(tmp, NULL) == d) {
                ref = p;
                break;
            }
        }
        if (!same_bits(back, d) || (d != 0 && sig_digits(s) > ref)) {
            fprintf(stderr, "  %.17g -> %s (reference %d digits)\n", d, s, ref);
            bad++;
        }
        /* and our own parser reads it back */
        cx_arena *a = cx_arena_new(0, 0);
        const cx_json *v = parse(a, s);
        if (!same_bits(as_dbl(v), d)) bad++;
        cx_arena_free(a);
    }
    CHECK_EQ(bad, 0);
    cx_buf_free(&b);
}

TEST(writer_double_rejects_nan_and_infinity) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    CHECK_EQ(cx_json_write_double(&w, NAN), CX_EINVAL);
    CHECK_EQ(cx_json_writer_error(&w), CX_EINVAL);
    CHECK_EQ(cx_json_write_int64(&w, 1), CX_EINVAL); /* sticky */
    CHECK_STR(buf_str(&b), "[");
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_double(&w, INFINITY), CX_EINVAL);
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_double(&w, -INFINITY), CX_EINVAL);
    cx_buf_free(&b);
}

TEST(writer_string_escaping) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    char all[32];
    for (int i = 0; i < 32; i++) all[i] = (char)i;
    cx_json_write_array_begin(&w);
    cx_json_write_string(&w, all, 32);
    cx_json_write_string(&w, "q\"b\\s/d\x7F", 8);
    cx_json_write_string(&w, "caf\xC3\xA9 \xF0\x9F\x9A\x80", 10);
    cx_json_write_string(&w, "", 0);
    cx_json_write_string(&w, NULL, 0);
    CHECK_EQ(cx_json_write_array_end(&w), 0);
    CHECK_STR(buf_str(&b),
              "[\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
              "\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
              "\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\","
              "\"q\\\"b\\\\s/d\x7F\",\"caf\xC3\xA9 \xF0\x9F\x9A\x80\",\"\",\"\"]");
    cx_buf_free(&b);
}

TEST(writer_string_escapes_at_every_offset) {
    cx_buf b = CX_BUF_INIT;
    for (int pos = 0; pos < 40; pos++) {
        char s[64], want[128];
        int n = 0, m = 0;
        want[m++] = '"';
        for (int i = 0; i < pos; i++) s[n++] = want[m++] = 'x';
        s[n++] = '\n';
        want[m++] = '\\';
        want[m++] = 'n';
        for (int i = 0; i < 20; i++) s[n++] = want[m++] = 'y';
        want[m++] = '"';
        want[m] = '\0';
        cx_buf_reset(&b);
        cx_json_writer w;
        cx_json_writer_init(&w, &b, 0);
        CHECK_EQ(cx_json_write_string(&w, s, (size_t)n), 0);
        CHECK_STR(buf_str(&b), want);
    }
    cx_buf_free(&b);
}

TEST(writer_invalid_utf8_is_an_error) {
    const char *bad[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                         "\x80",     "\xC3",         "a\xE2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cx_buf b = CX_BUF_INIT;
        cx_json_writer w;
        cx_json_writer_init(&w, &b, 0);
        CHECK_EQ(cx_json_write_string(&w, bad[i], strlen(bad[i])), CX_EUTF8);
        CHECK_EQ(cx_json_writer_error(&w), CX_EUTF8);
        CHECK(!cx_json_writer_done(&w));
        cx_buf_free(&b);
    }
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_key(&w, "k\xFF", 2), CX_EUTF8);
    cx_buf_free(&b);
}

TEST(writer_replace_invalid_utf8) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, CX_JSON_REPLACE_INVALID);
    cx_json_write_array_begin(&w);
    cx_json_write_string(&w,
                         "a\xFF"
                         "b",
                         3);
    cx_json_write_string(&w, "\xC3", 1);
    cx_json_write_string(&w, "\xED\xA0\x80", 3);
    cx_json_write_string(&w, "ok\xC3\xA9", 4);
    CHECK_EQ(cx_json_write_array_end(&w), 0);
    CHECK_STR(buf_str(&b), "[\"a\xEF\xBF\xBD"
                           "b\",\"\xEF\xBF\xBD\","
                           "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\",\"ok\xC3\xA9\"]");
    /* the output parses */
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(parse_n(a, b.data, b.len) != NULL);
    cx_arena_free(a);
    cx_buf_free(&b);
}

TEST(writer_state_errors) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    /* a key outside an object */
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_key(&w, "k", 1), CX_ESTATE);
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    CHECK_EQ(cx_json_write_key(&w, "k", 1), CX_ESTATE);
    /* a value in an object without a key */
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_int64(&w, 1), CX_ESTATE);
    /* two keys in a row */
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "a", 1);
    CHECK_EQ(cx_json_write_key(&w, "b", 1), CX_ESTATE);
    /* closing an object whose last key has no value */
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "a", 1);
    CHECK_EQ(cx_json_write_object_end(&w), CX_ESTATE);
    /* mismatched and unopened ends */
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    CHECK_EQ(cx_json_write_object_end(&w), CX_ESTATE);
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_array_end(&w), CX_ESTATE);
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_array_end(&w), CX_ESTATE);
    /* a second top-level container */
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    cx_json_write_array_end(&w);
    CHECK_EQ(cx_json_write_object_begin(&w), CX_ESTATE);
    /* NULL with a length */
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_string(&w, NULL, 3), CX_EINVAL);
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_raw(&w, NULL, 3), CX_EINVAL);
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_key(&w, NULL, 3), CX_EINVAL);
    cx_buf_free(&b);
}

TEST(writer_errors_are_sticky) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_string(&w, "v", 1), CX_ESTATE);
    size_t len = b.len;
    CHECK_EQ(cx_json_write_key(&w, "k", 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_string(&w, "v", 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_int64(&w, 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_uint64(&w, 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_double(&w, 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_double(&w, NAN), CX_ESTATE); /* the first error stays */
    CHECK_EQ(cx_json_write_bool(&w, true), CX_ESTATE);
    CHECK_EQ(cx_json_write_null(&w), CX_ESTATE);
    CHECK_EQ(cx_json_write_raw(&w, "1", 1), CX_ESTATE);
    CHECK_EQ(cx_json_write_array_begin(&w), CX_ESTATE);
    CHECK_EQ(cx_json_write_object_end(&w), CX_ESTATE);
    CHECK_EQ(cx_json_write_value(&w, NULL), CX_ESTATE);
    CHECK_EQ(cx_json_writer_error(&w), CX_ESTATE);
    CHECK_EQ(b.len, len);
    CHECK(!cx_json_writer_done(&w));
    cx_buf_free(&b);
}

TEST(writer_null_buffer_and_writer) {
    cx_json_writer w;
    cx_json_writer_init(&w, NULL, 0);
    CHECK_EQ(cx_json_writer_error(&w), CX_EINVAL);
    CHECK_EQ(cx_json_write_null(&w), CX_EINVAL);
    CHECK_EQ(cx_json_writer_error(NULL), CX_EINVAL);
    CHECK(!cx_json_writer_done(NULL));
}

TEST(writer_depth_limit) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    for (int i = 0; i < CX_JSON_WRITER_MAX_DEPTH; i++) {
        int rc;
        if (i % 2 == 0) {
            rc = cx_json_write_object_begin(&w);
            if (!rc) rc = cx_json_write_key(&w, "k", 1);
        } else {
            rc = cx_json_write_array_begin(&w);
        }
        CHECK_EQ(rc, 0);
    }
    CHECK_EQ(cx_json_writer_error(&w), 0);
    /* the innermost is an array (odd index); one more level is too many */
    CHECK_EQ(cx_json_write_array_begin(&w), CX_EDEPTH);
    cx_buf_free(&b);
    /* and all the way back out: object/array bits across 64-bit words */
    cx_json_writer_init(&w, &b, 0);
    for (int i = 0; i < 300; i++) {
        if (i % 3 == 0) {
            cx_json_write_object_begin(&w);
            cx_json_write_key(&w, "k", 1);
        } else {
            cx_json_write_array_begin(&w);
        }
    }
    for (int i = 299; i >= 0; i--)
        CHECK_EQ(i % 3 == 0 ? cx_json_write_object_end(&w) : cx_json_write_array_end(&w), 0);
    CHECK(cx_json_writer_done(&w));
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(parse_n(a, b.data, b.len) != NULL);
    cx_arena_free(a);
    cx_buf_free(&b);
}

TEST(writer_buffer_limit) {
    cx_buf b = CX_BUF_INIT;
    b.max = 16;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_array_begin(&w);
    cx_json_write_string(&w, "0123456789", 10);
    CHECK_EQ(cx_json_write_string(&w, "0123456789", 10), CX_ELIMIT);
    CHECK_EQ(cx_json_writer_error(&w), CX_ELIMIT);
    CHECK(b.len <= 16);
    cx_buf_free(&b);
    /* a limit hit in the middle of escaping */
    cx_buf c = CX_BUF_INIT;
    c.max = 64;
    cx_json_writer_init(&w, &c, 0);
    char ctl[40];
    memset(ctl, 1, sizeof ctl);
    CHECK_EQ(cx_json_write_string(&w, ctl, sizeof ctl), CX_ELIMIT);
    CHECK(c.len <= 64);
    cx_buf_free(&c);
}

TEST(writer_no_allocation_into_a_warm_buffer) {
    cx_buf b = CX_BUF_INIT;
    cx_buf_reserve(&b, 4096);
    char *data = b.data;
    size_t cap = b.cap;
    cx_json_writer w;
    for (int round = 0; round < 3; round++) {
        cx_buf_reset(&b);
        cx_json_writer_init(&w, &b, CX_JSON_PRETTY);
        cx_json_write_object_begin(&w);
        cx_json_write_key(&w, "numbers", 7);
        cx_json_write_array_begin(&w);
        for (int i = 0; i < 50; i++) cx_json_write_double(&w, i * 0.1);
        cx_json_write_array_end(&w);
        cx_json_write_object_end(&w);
        CHECK_EQ(cx_json_writer_error(&w), 0);
    }
    CHECK(b.data == data && b.cap == cap);
    cx_buf_free(&b);
}

TEST(writer_raw) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "pre", 3);
    cx_json_write_raw(&w, "{\"cached\":[1,2]}", 16);
    cx_json_write_key(&w, "list", 4);
    cx_json_write_array_begin(&w);
    cx_json_write_raw(&w, "1", 1);
    cx_json_write_raw(&w, "2", 1);
    cx_json_write_array_end(&w);
    cx_json_write_object_end(&w);
    CHECK_STR(buf_str(&b), "{\"pre\":{\"cached\":[1,2]},\"list\":[1,2]}");
    cx_buf_free(&b);
}

TEST(writer_pretty) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, CX_JSON_PRETTY);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "a", 1);
    cx_json_write_int64(&w, 1);
    cx_json_write_key(&w, "b", 1);
    cx_json_write_array_begin(&w);
    cx_json_write_string(&w, "x", 1);
    cx_json_write_object_begin(&w);
    cx_json_write_object_end(&w);
    cx_json_write_array_begin(&w);
    cx_json_write_array_end(&w);
    cx_json_write_array_end(&w);
    cx_json_write_key(&w, "c", 1);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "d", 1);
    cx_json_write_null(&w);
    cx_json_write_object_end(&w);
    cx_json_write_object_end(&w);
    const char *want = "{\n"
                       "  \"a\": 1,\n"
                       "  \"b\": [\n"
                       "    \"x\",\n"
                       "    {},\n"
                       "    []\n"
                       "  ],\n"
                       "  \"c\": {\n"
                       "    \"d\": null\n"
                       "  }\n"
                       "}";
    CHECK_STR(buf_str(&b), want);
    /* the tree writer produces the same bytes */
    cx_arena *a = cx_arena_new(0, 0);
    CHECK_STR(dump(a, parse(a, want), CX_JSON_PRETTY), want);
    CHECK_STR(dump(a, parse(a, want), 0), "{\"a\":1,\"b\":[\"x\",{},[]],\"c\":{\"d\":null}}");
    cx_arena_free(a);
    cx_buf_free(&b);
}

TEST(writer_pretty_indent_width) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"k\":[1,{\"z\":true}]}");
    CHECK_STR(
        dump(a, v, CX_JSON_INDENT(4)),
        "{\n    \"k\": [\n        1,\n        {\n            \"z\": true\n        }\n    ]\n}");
    CHECK_STR(dump(a, v, CX_JSON_INDENT(1)), "{\n \"k\": [\n  1,\n  {\n   \"z\": true\n  }\n ]\n}");
    CHECK_STR(dump(a, v, CX_JSON_INDENT(0)), dump(a, v, CX_JSON_PRETTY));
    CHECK_STR(dump(a, parse(a, "[]"), CX_JSON_PRETTY), "[]");
    CHECK_STR(dump(a, parse(a, "\"s\""), CX_JSON_PRETTY), "\"s\"");
    cx_arena_free(a);
}

TEST(write_value_round_trip) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *docs[] = {
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1.50",
        "1E+2",
        "\"\"",
        "[]",
        "{}",
        "[[[]],[{}],{\"a\":[]}]",
        "{\"a\":{\"b\":{\"c\":[1,[2,[3,{\"d\":4}]],5]}},\"e\":6}",
        "[\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0001 \\u00e9 \\ud83d\\ude00\"]",
        "{\"big\":123456789012345678901234567890,\"neg\":-9223372036854775808,\"r\":1.0e-5}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        const char *once = canon(a, docs[i]);
        const char *twice = once ? canon(a, once) : NULL;
        CHECK(once != NULL);
        CHECK_STR(twice, once);
    }
    /* canonical output: escapes are re-encoded, '/' unescaped, non-ASCII raw */
    CHECK_STR(canon(a, docs[12]),
              "[\"esc \\\" \\\\ / \\b \\f \\n \\r \\t \\u0001 \xC3\xA9 \xF0\x9F\x98\x80\"]");
    CHECK_STR(canon(a, " [ 1 , { \"a\" : 2 } ] "), "[1,{\"a\":2}]");
    CHECK_STR(canon(a, "1.50"), "1.50");
    cx_arena_free(a);
}

TEST(write_value_subtree_and_inside_writer) {
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "{\"x\":[1,{\"y\":[2,3]},4],\"z\":{\"w\":[5]},\"q\":7}");
    const cx_json *x = cx_json_get(v, "x");
    CHECK_STR(dump(a, x, 0), "[1,{\"y\":[2,3]},4]");
    CHECK_STR(dump(a, cx_json_at(x, 1), 0), "{\"y\":[2,3]}");
    CHECK_STR(dump(a, cx_json_get(v, "z"), 0), "{\"w\":[5]}");
    CHECK_STR(dump(a, cx_json_get(cx_json_get(v, "z"), "w"), 0), "[5]");
    CHECK_STR(dump(a, cx_json_get(v, "q"), 0), "7");
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "copy", 4);
    cx_json_write_value(&w, x);
    cx_json_write_key(&w, "list", 4);
    cx_json_write_array_begin(&w);
    cx_json_write_value(&w, cx_json_get(v, "z"));
    cx_json_write_value(&w, cx_json_get(v, "q"));
    cx_json_write_array_end(&w);
    CHECK_EQ(cx_json_write_object_end(&w), 0);
    CHECK_STR(buf_str(&b), "{\"copy\":[1,{\"y\":[2,3]},4],\"list\":[{\"w\":[5]},7]}");
    /* pretty: the subtree is indented from where it lands */
    cx_buf_reset(&b);
    cx_json_writer_init(&w, &b, CX_JSON_PRETTY);
    cx_json_write_array_begin(&w);
    cx_json_write_value(&w, cx_json_get(v, "z"));
    cx_json_write_array_end(&w);
    CHECK_STR(buf_str(&b), "[\n  {\n    \"w\": [\n      5\n    ]\n  }\n]");
    cx_buf_free(&b);
    cx_arena_free(a);
}

TEST(write_value_errors) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    CHECK_EQ(cx_json_write_value(&w, NULL), CX_EINVAL);
    CHECK_EQ(cx_json_stringify(&b, NULL, 0), CX_EINVAL);
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse(a, "[1]");
    cx_json_writer_init(&w, &b, 0);
    cx_json_write_object_begin(&w);
    CHECK_EQ(cx_json_write_value(&w, v), CX_ESTATE); /* no key */
    cx_buf small = CX_BUF_INIT;
    small.max = 4; /* a cx_buf's max applies when it grows */
    cx_json_writer_init(&w, &small, 0);
    CHECK_EQ(cx_json_write_value(&w, parse(a, "[1,2,3,4,5]")), CX_ELIMIT);
    CHECK(small.len <= 4);
    cx_buf_free(&small);
    cx_arena_free(a);
    cx_buf_free(&b);
}

TEST(stringify) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, ">");
    CHECK_EQ(cx_json_stringify(&b, parse(a, "{\"a\" : [ 1 ]}"), 0), 0);
    CHECK_STR(buf_str(&b), ">{\"a\":[1]}");
    cx_buf_free(&b);
    cx_arena_free(a);
}

TEST(round_trip_every_code_point) {
    /* Every scalar value through the writer and back through the parser. */
    cx_buf s = CX_BUF_INIT, out = CX_BUF_INIT;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        char u[4];
        size_t n;
        if (cp < 0x80) {
            u[0] = (char)cp, n = 1;
        } else if (cp < 0x800) {
            u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
        } else if (cp < 0x10000) {
            u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
        } else {
            u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            u[2] = (char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
        }
        cx_buf_append(&s, u, n);
    }
    cx_json_writer w;
    cx_json_writer_init(&w, &out, 0);
    CHECK_EQ(cx_json_write_string(&w, s.data, s.len), 0);
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *v = parse_n(a, out.data, out.len);
    cx_str back = cx_json_str(v);
    CHECK(back.len == s.len && memcmp(back.ptr, s.data, s.len) == 0);
    cx_arena_free(a);
    cx_buf_free(&s);
    cx_buf_free(&out);
}

/* ---- conformance: JSONTestSuite ----------------------------------------- */

static char *suite_dir(const char *sub) {
    const char *root = getenv("CX_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/conformance/json/%s", root && *root ? root : "../shared", sub);
    DIR *d = opendir(path);
    if (!d) return NULL;
    closedir(d);
    return strdup(path);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cx_buf b = CX_BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) cx_buf_append(&b, tmp, n);
    fclose(f);
    cx_buf_reserve(&b, 1);
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/* What Cortex does with the implementation-defined i_ files; docs/json.md
 * lists the same outcomes. */
static const char *i_accepted[] = {
    "i_number_double_huge_neg_exp.json",  "i_number_huge_exp.json",
    "i_number_neg_int_huge_exp.json",     "i_number_pos_double_huge_exp.json",
    "i_number_real_neg_overflow.json",    "i_number_real_pos_overflow.json",
    "i_number_real_underflow.json",       "i_number_too_big_neg_int.json",
    "i_number_too_big_pos_int.json",      "i_number_very_big_negative_int.json",
    "i_structure_500_nested_arrays.json",
};

static bool i_should_accept(const char *name) {
    for (size_t i = 0; i < sizeof i_accepted / sizeof *i_accepted; i++)
        if (strcmp(name, i_accepted[i]) == 0) return true;
    return false;
}

TEST(conformance_json_test_suite) {
    char *dir = suite_dir("test_parsing");
    if (!dir) SKIP("../shared/conformance/json not found");
    DIR *d = opendir(dir);
    struct dirent *ent;
    int y = 0, n = 0, i_acc = 0, i_rej = 0, files = 0;
    cx_arena *a = cx_arena_new(0, 0);
    while ((ent = readdir(d))) {
        const char *name = ent->d_name;
        if (name[0] == '.' || !strstr(name, ".json")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t len;
        char *text = read_file(path, &len);
        CHECK(text != NULL);
        if (!text) continue;
        files++;
        cx_arena_reset(a);
        const cx_json *v;
        cx_json_error e;
        int rc = cx_json_parse(a, text, len, NULL, &v, &e);
        if (name[0] == 'y') {
            if (rc) fprintf(stderr, "  %s rejected: %s\n", name, e.message);
            CHECK_EQ(rc, 0);
            y++;
        } else if (name[0] == 'n') {
            if (!rc) fprintf(stderr, "  %s accepted\n", name);
            CHECK(rc != 0);
            CHECK(rc != 0 && e.message[0] && e.offset <= len && e.line >= 1 && e.column >= 1);
            n++;
        } else if (name[0] == 'i') {
            bool want = i_should_accept(name);
            if ((rc == 0) != want)
                fprintf(stderr, "  %s: %s, docs/json.md says %s\n", name,
                        rc ? "rejected" : "accepted", want ? "accepted" : "rejected");
            CHECK((rc == 0) == want);
            rc ? i_rej++ : i_acc++;
        }
        if (!rc) { /* accepted documents survive write -> parse -> write */
            const char *once = dump(a, v, 0);
            const char *twice = once ? canon(a, once) : NULL;
            CHECK(once && twice && strcmp(once, twice) == 0);
            const char *pretty = dump(a, v, CX_JSON_PRETTY);
            CHECK(pretty && once && strcmp(canon(a, pretty), once) == 0);
        }
        free(text);
    }
    closedir(d);
    cx_arena_free(a);
    free(dir);
    fprintf(stderr, "  JSONTestSuite: %d files, y %d, n %d, i %d accepted / %d rejected\n", files,
            y, n, i_acc, i_rej);
    CHECK_EQ(y, 95);
    CHECK_EQ(n, 188);
    CHECK_EQ(i_acc + i_rej, 35);
}

/* test_transform has no verdicts; these are Cortex's documented answers. */
TEST(conformance_json_transform_cases) {
    char *dir = suite_dir("test_transform");
    if (!dir) SKIP("../shared/conformance/json not found");
    struct {
        const char *file;
        const char *out; /* compact output, or NULL: rejected */
    } cases[] = {
        {"number_-9223372036854775808.json", "[-9223372036854775808]"},
        {"number_-9223372036854775809.json", "[-9223372036854775809]"},
        {"number_1.0.json", "[1.0]"},
        {"number_1.000000000000000005.json", "[1.000000000000000005]"},
        {"number_1000000000000000.json", "[1000000000000000]"},
        {"number_10000000000000000999.json", "[10000000000000000999]"},
        {"number_1e-999.json", "[1E-999]"},
        {"number_1e6.json", "[1E6]"},
        {"number_9223372036854775807.json", "[9223372036854775807]"},
        {"number_9223372036854775808.json", "[9223372036854775808]"},
        {"object_key_nfc_nfd.json", "{\"\xC3\xA9\":\"NFC\",\"e\xCC\x81\":\"NFD\"}"},
        {"object_same_key_different_values.json", "{\"a\":1,\"a\":2}"},
        {"object_same_key_unclear_values.json", "{\"a\":0,\"a\":-0}"},
        {"string_1_escaped_invalid_codepoint.json", NULL},
        {"string_1_invalid_codepoint.json", NULL},
        {"string_2_escaped_invalid_codepoints.json", NULL},
        {"string_3_invalid_codepoints.json", NULL},
        {"string_with_escaped_NULL.json", "[\"A\\u0000B\"]"},
    };
    cx_arena *a = cx_arena_new(0, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        size_t len;
        char *text = read_file(path, &len);
        CHECK(text != NULL);
        if (!text) continue;
        const cx_json *v;
        int rc = cx_json_parse(a, text, len, NULL, &v, NULL);
        if (!cases[i].out) {
            CHECK(rc != 0);
        } else {
            CHECK_EQ(rc, 0);
            if (!rc) CHECK_STR(dump(a, v, 0), cases[i].out);
        }
        free(text);
    }
    /* and the values behind two of them */
    const cx_json *v = parse(a, "{\"a\":1,\"a\":2}");
    CHECK_EQ(as_i64(cx_json_get(v, "a")), 2);
    v = parse(a, "[10000000000000000999]"); /* 20 digits, but within uint64 */
    CHECK_EQ(cx_json_number_kind(cx_json_at(v, 0)), CX_JSON_NUM_UINT);
    uint64_t u = 0;
    CHECK(cx_json_uint64(cx_json_at(v, 0), &u) == 0 && u == 10000000000000000999ull);
    v = parse(a, "[100000000000000000999]");
    CHECK_EQ(cx_json_number_kind(cx_json_at(v, 0)), CX_JSON_NUM_REAL);
    cx_arena_free(a);
    free(dir);
}

TEST_MAIN()
