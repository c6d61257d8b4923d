/* Fuzz the JSON parser and writer.
 *
 * Any input must parse or fail with a sane error. An accepted document must
 * survive write -> parse -> write byte for byte (compact and pretty), and its
 * tree must agree with itself (lookups find the last duplicate, iteration
 * matches indexing). The same bytes also go through the writer as a string
 * (invalid UTF-8 must be refused, or replaced with the flag) and must read
 * back; the first 8 bytes, read as a double, must print and read back to the
 * same bits.
 */
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

static const cx_json *parse(cx_arena *a, const char *s, size_t n, int *rc) {
    const cx_json *v = NULL;
    cx_json_error e;
    *rc = cx_json_parse(a, s, n, NULL, &v, &e);
    if (*rc) {
        CHECK(v == NULL && e.code == *rc && e.offset <= n && e.line >= 1 && e.column >= 1);
        CHECK(memchr(e.message, '\0', sizeof e.message) && e.message[0]);
        CHECK(*rc == CX_EPARSE || *rc == CX_EUTF8 || *rc == CX_EDEPTH || *rc == CX_ENOMEM ||
              *rc == CX_ELIMIT);
    }
    return v;
}

/* Accessors agree with each other; bounded by the parser's depth limit. */
static void walk(const cx_json *v, int depth) {
    CHECK(depth <= CX_JSON_DEFAULT_MAX_DEPTH + 1);
    cx_json_type t = cx_json_typeof(v);
    CHECK(t >= CX_JSON_NULL && t <= CX_JSON_OBJECT);
    if (t == CX_JSON_STRING) {
        cx_str s = cx_json_str(v);
        CHECK(s.ptr[s.len] == '\0' && cx_json_cstr(v) == s.ptr);
    } else if (t == CX_JSON_NUMBER) {
        double d;
        CHECK(cx_json_double(v, &d) == 0 && !isnan(d) && cx_json_number_text(v).len > 0);
    }
    if (t != CX_JSON_ARRAY && t != CX_JSON_OBJECT) return;
    cx_json_iter it = cx_json_iterate(v);
    cx_str key;
    const cx_json *val;
    size_t i = 0;
    while (cx_json_next(&it, &key, &val)) {
        if (t == CX_JSON_ARRAY) {
            CHECK(val == cx_json_at(v, i) && key.ptr == NULL);
        } else {
            cx_str k = cx_json_key_at(v, i);
            CHECK(val == cx_json_value_at(v, i) && k.ptr == key.ptr && k.len == key.len);
            /* the last member with this key */
            const cx_json *found = cx_json_getn(v, key.ptr, key.len);
            CHECK(found != NULL && found >= val);
        }
        walk(val, depth + 1);
        i++;
    }
    CHECK(i == cx_json_len(v));
}

static void round_trip(cx_arena *a, const cx_json *v) {
    cx_buf once = CX_BUF_INIT, twice = CX_BUF_INIT, pretty = CX_BUF_INIT;
    CHECK(cx_json_stringify(&once, v, 0) == 0);
    int rc;
    const cx_json *back = parse(a, once.data, once.len, &rc);
    CHECK(rc == 0);
    CHECK(cx_json_stringify(&twice, back, 0) == 0);
    CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0);
    CHECK(cx_json_stringify(&pretty, v, CX_JSON_INDENT(3)) == 0);
    back = parse(a, pretty.data, pretty.len, &rc);
    CHECK(rc == 0);
    cx_buf_reset(&twice);
    CHECK(cx_json_stringify(&twice, back, 0) == 0);
    CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0);
    cx_buf_free(&once);
    cx_buf_free(&twice);
    cx_buf_free(&pretty);
}

static void as_string(cx_arena *a, const uint8_t *data, size_t size) {
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    int wrc = cx_json_write_string(&w, (const char *)data, size);
    CHECK(wrc == 0 || wrc == CX_EUTF8);
    int rc;
    if (wrc == 0) {
        const cx_json *v = parse(a, b.data, b.len, &rc);
        cx_str s = cx_json_str(v);
        CHECK(rc == 0 && s.len == size && (size == 0 || memcmp(s.ptr, data, size) == 0));
    }
    cx_buf_reset(&b);
    cx_json_writer_init(&w, &b, CX_JSON_REPLACE_INVALID);
    CHECK(cx_json_write_string(&w, (const char *)data, size) == 0);
    parse(a, b.data, b.len, &rc);
    CHECK(rc == 0);
    if (wrc == 0) CHECK(cx_json_writer_done(&w));
    cx_buf_free(&b);
}

static void as_double(cx_arena *a, const uint8_t *data, size_t size) {
    if (size < 8) return;
    double d;
    memcpy(&d, data, sizeof d);
    cx_buf b = CX_BUF_INIT;
    cx_json_writer w;
    cx_json_writer_init(&w, &b, 0);
    int wrc = cx_json_write_double(&w, d);
    if (!isfinite(d)) {
        CHECK(wrc == CX_EINVAL);
    } else {
        CHECK(wrc == 0 && b.len <= 32);
        int rc;
        const cx_json *v = parse(a, b.data, b.len, &rc);
        double back = 0;
        CHECK(rc == 0 && cx_json_double(v, &back) == 0 && memcmp(&back, &d, sizeof d) == 0);
    }
    cx_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_arena *a = cx_arena_new(0, 256u * 1024 * 1024);
    CHECK(a != NULL);
    int rc;
    const cx_json *v = parse(a, (const char *)data, size, &rc);
    if (v) {
        walk(v, 0);
        round_trip(a, v);
    }
    as_string(a, data, size);
    as_double(a, data, size);
    cx_arena_free(a);
    return 0;
}
