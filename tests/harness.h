/* A small test harness, header only.
 *
 *   #include "harness.h"
 *   TEST(arena_grows) { CHECK(x == 1); CHECK_EQ(a, b); CHECK_STR(s, "ok"); }
 *   TEST_MAIN()
 *
 * Tests register themselves (a constructor per TEST), run in file order, and
 * a failed CHECK fails its test but not the run. The last line printed is
 * "N passed, N failed" (", N skipped" when tests were skipped), the plain
 * closing line CI reads; the exit code is non-zero when anything failed.
 * SKIP("reason") ends a test as skipped and says why.
 */
#ifndef CX_TEST_HARNESS_H
#define CX_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*cx_test_fn)(void);
struct cx_test_case {
    const char *name;
    cx_test_fn fn;
};

#define CX_TEST_MAX 1024
static struct cx_test_case cx_tests_[CX_TEST_MAX];
static int cx_ntests_;
static int cx_test_failed_; /* checks failed in the current test */
static int cx_test_skipped_;

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void) {                               \
        if (cx_ntests_ < CX_TEST_MAX)                                                              \
            cx_tests_[cx_ntests_++] = (struct cx_test_case){#name, test_##name};                   \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            cx_test_failed_++;                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_) {                                                                          \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,    \
                    #b, va_, vb_);                                                                 \
            cx_test_failed_++;                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                               \
            fprintf(stderr, "  %s:%d: %s == \"%s\" failed: got \"%s\"\n", __FILE__, __LINE__, #a,  \
                    sb_ ? sb_ : "(null)", sa_ ? sa_ : "(null)");                                   \
            cx_test_failed_++;                                                                     \
        }                                                                                          \
    } while (0)

/* Compare a (pointer, length) slice with a C string. */
#define CHECK_MEM(p, n, s)                                                                         \
    do {                                                                                           \
        const char *sp_ = (const char *)(p), *ss_ = (s);                                           \
        size_t sn_ = (size_t)(n);                                                                  \
        if (!sp_ || sn_ != strlen(ss_) || memcmp(sp_, ss_, sn_) != 0) {                            \
            fprintf(stderr, "  %s:%d: %s == \"%s\" failed: got \"%.*s\"\n", __FILE__, __LINE__,    \
                    #p, ss_, sp_ ? (int)sn_ : 6, sp_ ? sp_ : "(null)");                            \
            cx_test_failed_++;                                                                     \
        }                                                                                          \
    } while (0)

#define SKIP(reason)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "  skipped: %s\n", reason);                                                \
        cx_test_skipped_ = 1;                                                                      \
        return;                                                                                    \
    } while (0)

static inline int cx_test_main_(int argc, char **argv) {
    int passed = 0, failed = 0, skipped = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (int i = 0; i < cx_ntests_; i++) {
        if (only && !strstr(cx_tests_[i].name, only)) continue;
        cx_test_failed_ = 0;
        cx_test_skipped_ = 0;
        cx_tests_[i].fn();
        if (cx_test_failed_) {
            failed++;
            fprintf(stderr, "FAIL %s\n", cx_tests_[i].name);
        } else if (cx_test_skipped_) {
            skipped++;
            fprintf(stderr, "SKIP %s\n", cx_tests_[i].name);
        } else {
            passed++;
        }
    }
    fflush(stderr);
    if (skipped)
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN()                                                                                \
    int main(int argc, char **argv) {                                                              \
        return cx_test_main_(argc, argv);                                                          \
    }

#endif
