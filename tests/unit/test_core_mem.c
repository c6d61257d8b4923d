/* Tests for the small memory building blocks: errors, slices, cx_buf and
 * cx_arena. */
#include "harness.h"
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <stdarg.h>
#include <stdint.h>
#include <wchar.h>

TEST(strerror_known_codes) {
    CHECK_STR(cx_strerror(CX_OK), "success");
    CHECK_STR(cx_strerror(CX_EPARSE), "malformed input");
    CHECK_STR(cx_strerror(CX_ELIMIT), "limit exceeded");
    CHECK_STR(cx_strerror(CX_EDEPTH), "nesting too deep");
    CHECK(strlen(cx_strerror(CX_ENOMEM)) > 0);
    CHECK(strlen(cx_strerror(CX_ETIMEDOUT)) > 0);
}

TEST(strerror_unknown_codes) {
    CHECK_STR(cx_strerror(CX_E_BASE - 999), "unknown error");
    CHECK_STR(cx_strerror(5), "unknown error");
    CHECK_STR(cx_strerror(CX_E_BASE), "unknown error");
}

TEST(str_helpers) {
    cx_str a = CX_STR("Content-Type");
    CHECK_EQ(a.len, 12);
    CHECK(cx_str_eq(a, cx_str_from("Content-Type")));
    CHECK(!cx_str_eq(a, cx_str_from("content-type")));
    CHECK(cx_str_ieq(a, cx_str_from("content-TYPE")));
    CHECK(!cx_str_ieq(a, cx_str_from("content-typ")));
    CHECK(!cx_str_ieq(CX_STR("a["), CX_STR("A{"))); /* only letters fold */
    CHECK(cx_str_eq(cx_str_from(NULL), CX_STR("")));
    CHECK(cx_str_ieq(CX_STR(""), CX_STR("")));
}

/* cx_str_ieq folds exactly the ASCII letters: every pair of bytes agrees
 * with a plain tolower-style reference. */
TEST(str_ieq_every_byte_pair) {
    unsigned bad = 0;
    for (unsigned x = 0; x < 256; x++)
        for (unsigned y = 0; y < 256; y++) {
            unsigned lx = x - 'A' < 26u ? x + 32 : x, ly = y - 'A' < 26u ? y + 32 : y;
            char a[2] = {'k', (char)x}, b[2] = {'K', (char)y};
            if (cx_str_ieq((cx_str){a, 2}, (cx_str){b, 2}) != (lx == ly)) bad++;
        }
    CHECK_EQ(bad, 0);
}

TEST(buf_append_and_grow) {
    cx_buf b = CX_BUF_INIT;
    for (int i = 0; i < 1000; i++) CHECK_EQ(cx_buf_append(&b, "abc", 3), 0);
    CHECK_EQ(b.len, 3000);
    CHECK(b.cap >= 3000);
    CHECK(memcmp(b.data + 2997, "abc", 3) == 0);
    cx_buf_free(&b);
    CHECK(b.data == NULL);
    CHECK_EQ(b.len, 0);
}

TEST(buf_putc_puts_printf) {
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_buf_putc(&b, 'x'), 0);
    CHECK_EQ(cx_buf_puts(&b, "yz"), 0);
    CHECK_EQ(cx_buf_printf(&b, "-%d-%s", 42, "ok"), 0);
    CHECK_MEM(b.data, b.len, "xyz-42-ok");
    /* A printf larger than the spare room grows the buffer. */
    char big[500];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_EQ(cx_buf_printf(&b, "%s", big), 0);
    CHECK_EQ(b.len, 9 + 499);
    cx_buf_free(&b);
}

TEST(buf_max_limit) {
    cx_buf b = CX_BUF_INIT;
    b.max = 10;
    CHECK_EQ(cx_buf_append(&b, "0123456789", 10), 0);
    CHECK_EQ(cx_buf_append(&b, "x", 1), CX_ELIMIT);
    CHECK_EQ(b.len, 10);
    CHECK_EQ(cx_buf_printf(&b, "%d", 7), CX_ELIMIT);
    cx_buf_free(&b);
}

/* cx_buf_vprintf through a variadic wrapper, as callers use it. */
static int vp(cx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vp(cx_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cx_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

TEST(buf_vprintf_appends_grows_and_limits) {
    cx_buf b = CX_BUF_INIT;
    /* From an empty buffer (no memory yet), and an empty result. */
    CHECK_EQ(vp(&b, "%s", ""), 0);
    CHECK_EQ(b.len, 0);
    CHECK_EQ(vp(&b, "%d:%s:%c:%.2f", -5, "ab", 'z', 1.5), 0);
    CHECK_MEM(b.data, b.len, "-5:ab:z:1.50");
    /* Exactly the spare room, then one byte past it: both grow correctly
     * (the second pass must re-read the arguments from the start). */
    size_t room = b.cap - b.len;
    char fill[300];
    memset(fill, 'f', sizeof fill);
    CHECK(room < sizeof fill);
    CHECK_EQ(vp(&b, "%.*s", (int)room, fill), 0);
    CHECK_EQ(b.len, 12 + room);
    size_t before = b.len;
    room = b.cap - b.len;
    CHECK(room < sizeof fill);
    CHECK_EQ(vp(&b, "%.*s|%d", (int)room, fill, 77), 0);
    CHECK_EQ(b.len, before + room + 3);
    CHECK(b.len >= 3 && !memcmp(b.data + b.len - 3, "|77", 3));
    CHECK(b.data[12] == 'f');
    /* A long one: many times the current capacity. */
    cx_buf_reset(&b);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_EQ(vp(&b, "<%s>", big), 0);
    CHECK_EQ(b.len, 5001);
    CHECK_EQ(b.data[0], '<');
    CHECK_EQ(b.data[5000], '>');
    cx_buf_free(&b);
    /* A capped buffer: what fits is written, what would pass max is
     * refused with the buffer unchanged. */
    cx_buf c = CX_BUF_INIT;
    c.max = 10;
    CHECK_EQ(vp(&c, "%s", "abcde"), 0);
    CHECK_EQ(vp(&c, "%d", 1234), 0);
    CHECK_MEM(c.data, c.len, "abcde1234");
    CHECK_EQ(vp(&c, "%s", "toolong"), CX_ELIMIT);
    CHECK_MEM(c.data, c.len, "abcde1234");
    /* Output that ends exactly at max fits (the NUL vsnprintf writes is
     * not part of the buffer), as with cx_buf_append. */
    CHECK_EQ(vp(&c, "%c", 'Z'), 0);
    CHECK_MEM(c.data, c.len, "abcde1234Z");
    CHECK_EQ(vp(&c, "%s", ""), 0);
    CHECK_EQ(vp(&c, "%c", 'x'), CX_ELIMIT);
    cx_buf_free(&c);
    cx_buf e = CX_BUF_INIT;
    e.max = 10;
    CHECK_EQ(vp(&e, "%s", "0123456789"), 0);
    CHECK_MEM(e.data, e.len, "0123456789");
    cx_buf_free(&e);
    /* A conversion the C library cannot do (a wide character outside the
     * "C" locale's charset) is CX_EINVAL. */
    cx_buf d = CX_BUF_INIT;
    wchar_t w[] = {0x20ac, 0};
    CHECK_EQ(vp(&d, "%ls", w), CX_EINVAL);
    CHECK_EQ(d.len, 0);
    cx_buf_free(&d);
}

TEST(buf_consume_and_reset) {
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, "hello world");
    cx_buf_consume(&b, 6);
    CHECK_MEM(b.data, b.len, "world");
    cx_buf_consume(&b, 100);
    CHECK_EQ(b.len, 0);
    cx_buf_puts(&b, "again");
    size_t cap = b.cap;
    cx_buf_reset(&b);
    CHECK_EQ(b.len, 0);
    CHECK_EQ(b.cap, cap);
    cx_buf_free(&b);
}

TEST(buf_reserve_overflow) {
    cx_buf b = CX_BUF_INIT;
    CHECK_EQ(cx_buf_reserve(&b, SIZE_MAX - 5), CX_ENOMEM);
    CHECK_EQ(cx_buf_reserve(&b, 0), 0);
    cx_buf_free(&b);
}

TEST(arena_alloc_aligned) {
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(a != NULL);
    for (int i = 1; i < 200; i++) {
        void *p = cx_arena_alloc(a, (size_t)i);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & 15) == 0);
        memset(p, 0xab, (size_t)i);
    }
    CHECK(cx_arena_used(a) >= 199 * 200 / 2);
    cx_arena_free(a);
}

TEST(arena_big_allocations_get_own_blocks) {
    cx_arena *a = cx_arena_new(1024, 0);
    char *small1 = cx_arena_alloc(a, 16);
    char *big = cx_arena_alloc(a, 100000);
    char *small2 = cx_arena_alloc(a, 16);
    CHECK(small1 && big && small2);
    memset(big, 1, 100000);
    /* The small ones still come from the same block. */
    CHECK(small2 == small1 + 16);
    cx_arena_free(a);
}

TEST(arena_reset_reuses_first_block) {
    cx_arena *a = cx_arena_new(256, 0);
    char *first = cx_arena_alloc(a, 8);
    for (int i = 0; i < 100; i++) cx_arena_alloc(a, 100);
    cx_arena_reset(a);
    CHECK_EQ(cx_arena_used(a), 0);
    char *again = cx_arena_alloc(a, 8);
    CHECK(again == first);
    cx_arena_free(a);
}

TEST(arena_reset_keeps_spare_blocks) {
    cx_arena *a = cx_arena_new(256, 0);
    /* Fill the first block, then take a second and remember where it is. */
    cx_arena_alloc(a, 200);
    char *second = cx_arena_alloc(a, 60);
    CHECK(second != NULL);
    cx_arena_reset(a);
    cx_arena_alloc(a, 200);
    CHECK(cx_arena_alloc(a, 60) == second); /* the spare came back */
    /* Many blocks: reset keeps only CX_ARENA_SPARE_BLOCKS of them, and the
     * arena stays usable through repeated cycles (ASan checks for leaks). */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 50; i++) CHECK(cx_arena_alloc(a, 60) != NULL);
        cx_arena_reset(a);
        CHECK_EQ(cx_arena_used(a), 0);
    }
    cx_arena_free(a);
}

TEST(arena_spares_do_not_count_against_limit) {
    /* Small allocations fill standard blocks, which reset turns into spares;
     * every round must fit exactly as many as the first. */
    cx_arena *a = cx_arena_new(1024, 3 * 1024);
    int first_round = -1;
    for (int round = 0; round < 4; round++) {
        int n = 0;
        while (n < 1000 && cx_arena_alloc(a, 200)) n++;
        CHECK(n > 3 && n < 1000);
        if (first_round < 0) first_round = n;
        CHECK_EQ(n, first_round);
        cx_arena_reset(a);
    }
    cx_arena_free(a);
}

TEST(arena_limit) {
    cx_arena *a = cx_arena_new(1024, 4096);
    CHECK(a != NULL);
    CHECK(cx_arena_alloc(a, 2000) != NULL);
    CHECK(cx_arena_alloc(a, 5000) == NULL);
    CHECK(cx_arena_alloc(a, SIZE_MAX) == NULL);
    cx_arena_free(a);
    CHECK(cx_arena_new(1024, 100) == NULL); /* the first block is over the limit */
}

TEST(arena_strings) {
    cx_arena *a = cx_arena_new(0, 0);
    CHECK_STR(cx_arena_strdup(a, "abc"), "abc");
    CHECK_STR(cx_arena_strndup(a, "abcdef", 3), "abc");
    CHECK_STR(cx_arena_strndup(a, "", 0), "");
    CHECK_STR(cx_arena_printf(a, "%s=%d", "n", 5), "n=5");
    char *z = cx_arena_calloc(a, 64);
    int zero = 1;
    for (int i = 0; i < 64; i++) zero &= z[i] == 0;
    CHECK(zero);
    CHECK(cx_arena_alloc(a, 0) != NULL);
    cx_arena_free(a);
    cx_arena_free(NULL);
}

TEST_MAIN()
