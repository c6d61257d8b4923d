/* Tests for structured logging: settings, names, both line formats, escaping,
 * truncation, the access log, write errors and concurrent writers. Lines are
 * captured through a pipe (or a file for the thread tests) and compared
 * after the timestamp, which is checked on its own. */
#include "harness.h"
#include <cortex/log.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* ---- capture --------------------------------------------------------------- */

typedef struct cap {
    int rd, wr;
    cx_logger *lg;
    char text[65536 + 1];
    size_t len;
} cap;

static void cap_open(cap *c, cx_log_format format) {
    int fds[2];
    memset(c, 0, sizeof *c);
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) abort();
    c->rd = fds[0];
    c->wr = fds[1];
    if (cx_logger_new(&c->lg) != 0) abort();
    cx_log_set_fd(c->lg, c->wr);
    cx_log_set_format(c->lg, format);
    cx_log_set_level(c->lg, CX_LOG_TRACE);
}

/* Everything written so far, NUL-terminated. */
static const char *cap_read(cap *c) {
    ssize_t n;
    while (c->len < sizeof c->text - 1 &&
           (n = read(c->rd, c->text + c->len, sizeof c->text - 1 - c->len)) > 0)
        c->len += (size_t)n;
    c->text[c->len] = '\0';
    return c->text;
}

static void cap_reset(cap *c) {
    cap_read(c);
    c->len = 0;
    c->text[0] = '\0';
}

static void cap_close(cap *c) {
    cx_logger_free(c->lg);
    close(c->rd);
    close(c->wr);
}

static bool is_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* "2024-05-01T12:00:00.123Z" */
static bool valid_ts(const char *t) {
    return is_digits(t, 4) && t[4] == '-' && is_digits(t + 5, 2) && t[7] == '-' &&
           is_digits(t + 8, 2) && t[10] == 'T' && is_digits(t + 11, 2) && t[13] == ':' &&
           is_digits(t + 14, 2) && t[16] == ':' && is_digits(t + 17, 2) && t[19] == '.' &&
           is_digits(t + 20, 3) && t[23] == 'Z';
}

/* The line after its timestamp: "level=..." or "\"level\":...", or NULL
 * when the line does not start with a well-formed ts. */
static const char *after_ts(const char *line) {
    if (strncmp(line, "ts=", 3) == 0 && valid_ts(line + 3) && line[27] == ' ') return line + 28;
    if (strncmp(line, "{\"ts\":\"", 7) == 0 && valid_ts(line + 7) && line[31] == '"' &&
        line[32] == ',')
        return line + 33;
    return NULL;
}

/* ---- a small JSON checker, for the property tests ------------------------- */

static bool utf8_ok(const unsigned char *s, size_t n, size_t *adv) {
    unsigned c = s[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (!len || len > n) return false;
    if (len >= 3) {
        if (c == 0xE0 && s[1] < 0xA0) return false;
        if (c == 0xED && s[1] > 0x9F) return false;
        if (c == 0xF0 && s[1] < 0x90) return false;
        if (c == 0xF4 && s[1] > 0x8F) return false;
    }
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return false;
    *adv = len;
    return true;
}

static bool json_string(const char **p) {
    const char *s = *p;
    if (*s++ != '"') return false;
    while (*s != '"') {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20) return false;
        if (c == '\\') {
            s++;
            if (*s == 'u') {
                if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]) ||
                    !isxdigit((unsigned char)s[3]) || !isxdigit((unsigned char)s[4]))
                    return false;
                s += 5;
            } else if (strchr("\"\\/bfnrt", *s) && *s) {
                s++;
            } else {
                return false;
            }
            continue;
        }
        size_t adv;
        if (!utf8_ok((const unsigned char *)s, strlen(s), &adv)) return false;
        s += adv;
    }
    *p = s + 1;
    return true;
}

static bool json_value(const char **p) {
    const char *s = *p;
    if (*s == '"') return json_string(p);
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        if (strncmp(s, words[i], strlen(words[i])) == 0) {
            *p = s + strlen(words[i]);
            return true;
        }
    }
    char *end;
    strtod(s, &end);
    if (end == s || *s == '+' || *s == '.' || isalpha((unsigned char)*s)) return false;
    *p = end;
    return true;
}

/* One flat JSON object and a newline, nothing else. */
static bool json_line(const char *s) {
    if (*s++ != '{') return false;
    for (bool first = true;; first = false) {
        if (*s == '}') break;
        if (!first && *s++ != ',') return false;
        if (!json_string(&s) || *s++ != ':' || !json_value(&s)) return false;
    }
    return s[1] == '\n' && s[2] == '\0';
}

/* logfmt: key=value pairs separated by single spaces, values bare (no space,
 * quote, '=' or control) or quoted with the escapes we produce. */
static bool logfmt_line(const char *s) {
    while (*s && *s != '\n') {
        const char *k = s;
        while (*s > ' ' && *s != '=' && *s != '"' && *s != 0x7f) s++;
        if (s == k || *s++ != '=') return false;
        if (*s == '"') {
            if (!json_string(&s)) return false;
        } else {
            while ((unsigned char)*s > ' ' && *s != '"' && *s != '=' && *s != 0x7f) s++;
        }
        if (*s == ' ')
            s++;
        else if (*s != '\n')
            return false;
    }
    return s[0] == '\n' && s[1] == '\0';
}

/* The checkers above are what the property tests trust: make sure they
 * reject what they should. */
TEST(line_checkers_reject_broken_lines) {
    CHECK(json_line("{\"a\":\"b\",\"n\":1,\"t\":true,\"z\":null}\n"));
    CHECK(!json_line("{\"a\":\"b\"\n"));         /* unclosed object */
    CHECK(!json_line("{\"a\":\"b}\n"));          /* unclosed string */
    CHECK(!json_line("{\"a\":\"b\",}\n"));       /* trailing comma */
    CHECK(!json_line("{\"a\":\"\x01\"}\n"));     /* raw control character */
    CHECK(!json_line("{\"a\":\"\\x\"}\n"));      /* bad escape */
    CHECK(!json_line("{\"a\":\"\xFF\"}\n"));     /* not UTF-8 */
    CHECK(!json_line("{\"a\":\"\xE2\x82\"}\n")); /* cut UTF-8 */
    CHECK(!json_line("{\"a\":\"b\"}\n\n"));      /* two newlines */
    CHECK(!json_line("{\"a\":nan}\n"));
    CHECK(logfmt_line("a=1 b=\"x y\" c=\"\"\n"));
    CHECK(!logfmt_line("a=1  b=2\n")); /* double space */
    CHECK(!logfmt_line("a=x y\n"));    /* bare word */
    CHECK(!logfmt_line("a=\"x\n"));    /* unclosed quote */
    CHECK(!logfmt_line("=1\n"));       /* empty key */
    CHECK(!logfmt_line("a=1"));        /* no newline */
}

/* ---- loggers and settings -------------------------------------------------- */

TEST(default_logger_settings) {
    cx_logger *lg = cx_log_default();
    CHECK(lg != NULL);
    CHECK(lg == cx_log_default());
    CHECK_EQ(cx_log_get_level(lg), CX_LOG_INFO);
    CHECK_EQ(cx_log_get_format(lg), CX_LOG_LOGFMT);
    CHECK_EQ(cx_log_get_fd(lg), 2);
    CHECK(cx_log_get_access(lg));
    CHECK_EQ(cx_log_get_max_line(lg), CX_LOG_LINE_DEFAULT);
    CHECK_EQ(CX_LOG_LINE_DEFAULT, 4096);
    /* NULL stands for the default everywhere. */
    CHECK_EQ(cx_log_get_level(NULL), CX_LOG_INFO);
    CHECK_EQ(cx_log_get_fd(NULL), 2);
}

TEST(new_logger_has_defaults_and_is_independent) {
    cx_logger *a, *b;
    CHECK_EQ(cx_logger_new(&a), 0);
    CHECK_EQ(cx_logger_new(&b), 0);
    CHECK(a != b && a != cx_log_default());
    CHECK_EQ(cx_log_get_level(a), CX_LOG_INFO);
    CHECK_EQ(cx_log_get_format(a), CX_LOG_LOGFMT);
    CHECK_EQ(cx_log_get_fd(a), 2);
    CHECK(cx_log_get_access(a));
    CHECK_EQ(cx_log_dropped(a), 0);
    cx_log_set_level(a, CX_LOG_ERROR);
    cx_log_set_format(a, CX_LOG_JSON);
    CHECK_EQ(cx_log_get_level(b), CX_LOG_INFO);
    CHECK_EQ(cx_log_get_format(b), CX_LOG_LOGFMT);
    CHECK_EQ(cx_log_get_level(cx_log_default()), CX_LOG_INFO);
    cx_logger_free(a);
    cx_logger_free(b);
    cx_logger_free(NULL);             /* ignored */
    cx_logger_free(cx_log_default()); /* ignored: the default is never freed */
    CHECK_EQ(cx_log_get_level(cx_log_default()), CX_LOG_INFO);
}

TEST(setters_and_getters) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    for (int l = CX_LOG_TRACE; l <= CX_LOG_OFF; l++) {
        cx_log_set_level(lg, (cx_log_level)l);
        CHECK_EQ(cx_log_get_level(lg), l);
    }
    cx_log_set_level(lg, (cx_log_level)99); /* out of range: treated as off */
    CHECK_EQ(cx_log_get_level(lg), CX_LOG_OFF);
    cx_log_set_format(lg, CX_LOG_JSON);
    CHECK_EQ(cx_log_get_format(lg), CX_LOG_JSON);
    cx_log_set_format(lg, (cx_log_format)7);
    CHECK_EQ(cx_log_get_format(lg), CX_LOG_LOGFMT);
    cx_log_set_fd(lg, 1);
    CHECK_EQ(cx_log_get_fd(lg), 1);
    cx_log_set_fd(lg, -1);
    CHECK_EQ(cx_log_get_fd(lg), -1);
    cx_log_set_access(lg, false);
    CHECK(!cx_log_get_access(lg));
    cx_log_set_access(lg, true);
    CHECK(cx_log_get_access(lg));
    cx_logger_free(lg);
}

TEST(max_line_is_clamped) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_max_line(lg, 1000);
    CHECK_EQ(cx_log_get_max_line(lg), 1000);
    cx_log_set_max_line(lg, 0);
    CHECK_EQ(cx_log_get_max_line(lg), CX_LOG_LINE_MIN);
    cx_log_set_max_line(lg, 1u << 30);
    CHECK_EQ(cx_log_get_max_line(lg), CX_LOG_LINE_MAX);
    cx_logger_free(lg);
}

TEST(enabled_follows_level) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_level(lg, CX_LOG_WARN);
    CHECK(!cx_log_enabled(lg, CX_LOG_TRACE));
    CHECK(!cx_log_enabled(lg, CX_LOG_DEBUG));
    CHECK(!cx_log_enabled(lg, CX_LOG_INFO));
    CHECK(cx_log_enabled(lg, CX_LOG_WARN));
    CHECK(cx_log_enabled(lg, CX_LOG_ERROR));
    CHECK(!cx_log_enabled(lg, CX_LOG_OFF)); /* OFF is not a record level */
    cx_log_set_level(lg, CX_LOG_TRACE);
    CHECK(cx_log_enabled(lg, CX_LOG_TRACE));
    cx_log_set_level(lg, CX_LOG_OFF);
    CHECK(!cx_log_enabled(lg, CX_LOG_ERROR));
    cx_logger_free(lg);
}

/* ---- names ----------------------------------------------------------------- */

TEST(level_names_round_trip) {
    for (int l = CX_LOG_TRACE; l <= CX_LOG_OFF; l++) {
        cx_log_level out = CX_LOG_INFO;
        CHECK_EQ(cx_log_level_parse(cx_log_level_name((cx_log_level)l), &out), 0);
        CHECK_EQ(out, l);
    }
    CHECK_STR(cx_log_level_name(CX_LOG_WARN), "warn");
    CHECK_STR(cx_log_level_name((cx_log_level)42), "unknown");
}

TEST(level_parse_accepts_case_and_warning) {
    cx_log_level l = CX_LOG_TRACE;
    CHECK_EQ(cx_log_level_parse("INFO", &l), 0);
    CHECK_EQ(l, CX_LOG_INFO);
    CHECK_EQ(cx_log_level_parse("Debug", &l), 0);
    CHECK_EQ(l, CX_LOG_DEBUG);
    CHECK_EQ(cx_log_level_parse("warning", &l), 0);
    CHECK_EQ(l, CX_LOG_WARN);
    CHECK_EQ(cx_log_level_parse("Off", &l), 0);
    CHECK_EQ(l, CX_LOG_OFF);
}

TEST(level_parse_rejects_junk) {
    cx_log_level l = CX_LOG_DEBUG;
    CHECK_EQ(cx_log_level_parse("verbose", &l), CX_EINVAL);
    CHECK_EQ(cx_log_level_parse("", &l), CX_EINVAL);
    CHECK_EQ(cx_log_level_parse("info ", &l), CX_EINVAL);
    CHECK_EQ(cx_log_level_parse("inf", &l), CX_EINVAL);
    CHECK_EQ(cx_log_level_parse(NULL, &l), CX_EINVAL);
    CHECK_EQ(l, CX_LOG_DEBUG); /* untouched */
}

TEST(format_names_and_parse) {
    cx_log_format f = CX_LOG_LOGFMT;
    CHECK_STR(cx_log_format_name(CX_LOG_LOGFMT), "logfmt");
    CHECK_STR(cx_log_format_name(CX_LOG_JSON), "json");
    CHECK_STR(cx_log_format_name((cx_log_format)9), "unknown");
    CHECK_EQ(cx_log_format_parse("json", &f), 0);
    CHECK_EQ(f, CX_LOG_JSON);
    CHECK_EQ(cx_log_format_parse("LOGFMT", &f), 0);
    CHECK_EQ(f, CX_LOG_LOGFMT);
    CHECK_EQ(cx_log_format_parse("JSON", &f), 0);
    CHECK_EQ(f, CX_LOG_JSON);
    CHECK_EQ(cx_log_format_parse("text", &f), CX_EINVAL);
    CHECK_EQ(cx_log_format_parse("jsonl", &f), CX_EINVAL);
    CHECK_EQ(cx_log_format_parse("", &f), CX_EINVAL);
    CHECK_EQ(cx_log_format_parse(NULL, &f), CX_EINVAL);
    CHECK_EQ(f, CX_LOG_JSON);
}

/* ---- logfmt ---------------------------------------------------------------- */

TEST(logfmt_basic_line) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, "listening", "host", "0.0.0.0", "port", "8080", NULL);
    const char *out = cap_read(&c);
    CHECK(after_ts(out) != NULL);
    CHECK_STR(after_ts(out), "level=info msg=listening host=0.0.0.0 port=8080\n");
    CHECK(logfmt_line(out));
    cap_close(&c);
}

TEST(logfmt_every_level_name) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    static const char *const want[] = {"level=trace msg=m\n", "level=debug msg=m\n",
                                       "level=info msg=m\n", "level=warn msg=m\n",
                                       "level=error msg=m\n"};
    for (int l = CX_LOG_TRACE; l <= CX_LOG_ERROR; l++) {
        cap_reset(&c);
        cx_log(c.lg, (cx_log_level)l, "m", NULL);
        CHECK_STR(after_ts(cap_read(&c)), want[l]);
    }
    cap_close(&c);
}

TEST(logfmt_quotes_only_when_needed) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, "two words", "plain", "abc/def:1", "space", "a b", "eq", "a=b",
           "empty", "", "utf8", "h\xC3\xA9llo", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=\"two words\" plain=abc/def:1 space=\"a b\" "
                                      "eq=\"a=b\" empty=\"\" utf8=h\xC3\xA9llo\n");
    CHECK(logfmt_line(c.text));
    cap_close(&c);
}

TEST(logfmt_escapes) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, "m", "q", "say \"hi\"", "bs", "a\\b", "nl", "a\nb", "cr", "a\rb",
           "tab", "a\tb", "ctl",
           "a\x01"
           "b",
           "del",
           "a\x7f"
           "b",
           NULL);
    CHECK_STR(after_ts(cap_read(&c)),
              "level=info msg=m q=\"say \\\"hi\\\"\" bs=\"a\\\\b\" nl=\"a\\nb\" cr=\"a\\rb\" "
              "tab=\"a\\tb\" ctl=\"a\\u0001b\" del=\"a\\u007fb\"\n");
    CHECK(logfmt_line(c.text));
    cap_close(&c);
}

TEST(logfmt_message_with_newline_stays_one_line) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_ERROR, "line one\nline two", NULL);
    const char *out = cap_read(&c);
    CHECK_STR(after_ts(out), "level=error msg=\"line one\\nline two\"\n");
    CHECK(strchr(out, '\n') == out + strlen(out) - 1);
    cap_close(&c);
}

TEST(logfmt_keys_are_sanitised) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, "m", "a b", "1", "k=v", "2", "", "3", "q\"", "4", "\xC3\xA9", "5",
           "ok.key-1", "6", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=m a_b=1 k_v=2 _=3 q_=4 __=5 ok.key-1=6\n");
    CHECK(logfmt_line(c.text));
    cap_close(&c);
}

TEST(logfmt_invalid_utf8_becomes_replacement) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, "m", "v",
           "a\xFF"
           "b",
           "over", "\xC0\xAF", "cut", "x\xE2\x82", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=m v=a\xEF\xBF\xBD"
                                      "b over=\xEF\xBF\xBD\xEF\xBF\xBD "
                                      "cut=x\xEF\xBF\xBD\xEF\xBF\xBD\n");
    cap_close(&c);
}

TEST(logfmt_typed_fields) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    CX_LOG(c.lg, CX_LOG_INFO, "typed", CX_KV_INT("i", -42), CX_KV_UINT("u", UINT64_MAX),
           CX_KV_FLOAT("f", 0.1), CX_KV_BOOL("t", true), CX_KV_BOOL("n", false),
           CX_KV_STR("s", "x y"), CX_KV_STR("null", NULL));
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=typed i=-42 u=18446744073709551615 f=0.1 "
                                      "t=true n=false s=\"x y\" null=\"\"\n");
    cap_close(&c);
}

TEST(logfmt_special_floats) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    CX_LOG(c.lg, CX_LOG_INFO, "f", CX_KV_FLOAT("nan", NAN), CX_KV_FLOAT("inf", INFINITY),
           CX_KV_FLOAT("ninf", -INFINITY), CX_KV_FLOAT("big", 1e300), CX_KV_FLOAT("third", 1.0 / 3),
           CX_KV_FLOAT("whole", 3.0));
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=f nan=NaN inf=+Inf ninf=-Inf big=1e+300 "
                                      "third=0.33333333333333331 whole=3\n");
    cap_close(&c);
}

TEST(int_extremes) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    CX_LOG(c.lg, CX_LOG_INFO, "m", CX_KV_INT("min", INT64_MIN), CX_KV_INT("max", INT64_MAX),
           CX_KV_UINT("zero", 0));
    CHECK_STR(after_ts(cap_read(&c)),
              "\"level\":\"info\",\"msg\":\"m\",\"min\":-9223372036854775808,"
              "\"max\":9223372036854775807,\"zero\":0}\n");
    CHECK(json_line(c.text));
    cap_close(&c);
}

TEST(slice_fields_need_no_terminator) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    const char text[] = {'a', 'b', 'c', 'd'}; /* no NUL */
    CX_LOG(c.lg, CX_LOG_INFO, "m", CX_KV_STRN("s", ((cx_str){text, 3})),
           CX_KV_STRN("empty", ((cx_str){NULL, 0})));
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=m s=abc empty=\"\"\n");
    cap_close(&c);
}

TEST(null_message_and_null_value) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log(c.lg, CX_LOG_INFO, NULL, NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=\"\"\n");
    cap_reset(&c);
    /* A NULL value ends the list; its key is written with an empty value. */
    cx_log(c.lg, CX_LOG_INFO, "m", "a", "1", "b", NULL, "never", "seen", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=m a=1 b=\"\"\n");
    cap_close(&c);
}

TEST(error_field_helper) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    CX_LOG(c.lg, CX_LOG_ERROR, "failed", CX_KV_ERR(CX_ELIMIT));
    CHECK_STR(after_ts(cap_read(&c)), "level=error msg=failed error=\"limit exceeded\"\n");
    cap_close(&c);
}

/* ---- JSON ------------------------------------------------------------------ */

TEST(json_basic_line) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log(c.lg, CX_LOG_WARN, "listening", "host", "0.0.0.0", "port", "8080", NULL);
    const char *out = cap_read(&c);
    CHECK_STR(after_ts(out),
              "\"level\":\"warn\",\"msg\":\"listening\",\"host\":\"0.0.0.0\",\"port\":\"8080\"}\n");
    CHECK(json_line(out));
    cap_close(&c);
}

TEST(json_escapes) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log(c.lg, CX_LOG_INFO, "a \"quoted\"\nmsg", "q", "\"", "bs", "\\", "ctl", "\x01\x1f\x7f",
           "ws", "\t\r\n", "utf8", "\xF0\x9F\x98\x80", "k\"ey", "v", NULL);
    CHECK_STR(
        after_ts(cap_read(&c)),
        "\"level\":\"info\",\"msg\":\"a \\\"quoted\\\"\\nmsg\",\"q\":\"\\\"\",\"bs\":\"\\\\\","
        "\"ctl\":\"\\u0001\\u001f\\u007f\",\"ws\":\"\\t\\r\\n\",\"utf8\":\"\xF0\x9F\x98\x80\","
        "\"k\\\"ey\":\"v\"}\n");
    CHECK(json_line(c.text));
    cap_close(&c);
}

TEST(json_invalid_utf8_is_replaced) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    /* A stray continuation byte, a surrogate, an over-long form, a sequence
     * cut short, a code point past U+10FFFF. */
    cx_log(c.lg, CX_LOG_INFO, "m", "a", "\x80", "b", "\xED\xA0\x80", "c", "\xC1\xBF", "d",
           "\xE2\x82", "e", "\xF4\x90\x80\x80", NULL);
    const char *out = cap_read(&c);
    CHECK(json_line(out));
    CHECK(strstr(out, "\"a\":\"\xEF\xBF\xBD\"") != NULL);
    CHECK(strstr(out, "\"b\":\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"") != NULL);
    CHECK(strstr(out, "\"c\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"") != NULL);
    CHECK(strstr(out, "\"d\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"") != NULL);
    CHECK(strstr(out, "\"e\":\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"") != NULL);
    cap_close(&c);
}

TEST(json_typed_fields_stay_unquoted) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    CX_LOG(c.lg, CX_LOG_DEBUG, "typed", CX_KV_INT("i", -1), CX_KV_UINT("u", 7),
           CX_KV_FLOAT("f", 2.5), CX_KV_BOOL("b", true), CX_KV_STR("s", "1"), CX_KV_STR("n", NULL),
           CX_KV_FLOAT("nan", NAN), CX_KV_FLOAT("inf", -INFINITY));
    const char *out = cap_read(&c);
    CHECK_STR(after_ts(out), "\"level\":\"debug\",\"msg\":\"typed\",\"i\":-1,\"u\":7,\"f\":2.5,"
                             "\"b\":true,\"s\":\"1\",\"n\":null,\"nan\":null,\"inf\":null}\n");
    CHECK(json_line(out));
    cap_close(&c);
}

TEST(json_null_value_in_varargs) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log(c.lg, CX_LOG_INFO, "m", "user", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "\"level\":\"info\",\"msg\":\"m\",\"user\":null}\n");
    CHECK(json_line(c.text));
    cap_close(&c);
}

TEST(timestamp_is_utc_rfc3339_with_ms) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    time_t before = time(NULL);
    cx_log(c.lg, CX_LOG_INFO, "m", NULL);
    const char *out = cap_read(&c);
    CHECK(valid_ts(out + 3));
    struct tm tm = {0};
    CHECK(strptime(out + 3, "%Y-%m-%dT%H:%M:%S", &tm) != NULL);
    time_t t = timegm(&tm);
    /* Generous bounds: this checks the time zone and field order, not speed. */
    CHECK(t >= before - 86400 && t <= before + 86400);
    cap_close(&c);
}

/* ---- filtering -------------------------------------------------------------- */

static int evaluated;
static int64_t count_eval(void) {
    return ++evaluated;
}

TEST(levels_filter_records) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_level(c.lg, CX_LOG_WARN);
    cx_log(c.lg, CX_LOG_TRACE, "t", NULL);
    cx_log(c.lg, CX_LOG_DEBUG, "d", NULL);
    cx_log(c.lg, CX_LOG_INFO, "i", NULL);
    CHECK_STR(cap_read(&c), "");
    cx_log(c.lg, CX_LOG_WARN, "w", NULL);
    cx_log(c.lg, CX_LOG_ERROR, "e", NULL);
    const char *out = cap_read(&c);
    CHECK(strstr(out, "msg=w\n") != NULL);
    CHECK(strstr(out, "msg=e\n") != NULL);
    CHECK(strstr(out, "msg=i") == NULL);
    cap_reset(&c);
    cx_log_set_level(c.lg, CX_LOG_OFF);
    cx_log(c.lg, CX_LOG_ERROR, "e", NULL);
    cx_log(c.lg, CX_LOG_OFF, "never a record level", NULL);
    CHECK_STR(cap_read(&c), "");
    cap_close(&c);
}

TEST(filtered_macro_does_not_evaluate_fields) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_level(c.lg, CX_LOG_INFO);
    evaluated = 0;
    CX_LOG(c.lg, CX_LOG_DEBUG, "skipped", CX_KV_INT("n", count_eval()));
    CHECK_EQ(evaluated, 0);
    CHECK_STR(cap_read(&c), "");
    CX_LOG(c.lg, CX_LOG_INFO, "kept", CX_KV_INT("n", count_eval()));
    CHECK_EQ(evaluated, 1);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=kept n=1\n");
    cap_close(&c);
}

TEST(fields_function_filters_too) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_level(c.lg, CX_LOG_ERROR);
    cx_log_field f[] = {CX_KV_INT("a", 1)};
    cx_log_fields(c.lg, CX_LOG_WARN, "no", f, 1);
    CHECK_STR(cap_read(&c), "");
    cx_log_fields(c.lg, CX_LOG_ERROR, "yes", f, 1);
    cx_log_fields(c.lg, CX_LOG_ERROR, "none", NULL, 0);
    const char *out = cap_read(&c);
    CHECK(strstr(out, "level=error msg=yes a=1\n") != NULL);
    CHECK(strstr(out, "level=error msg=none\n") != NULL);
    cap_close(&c);
}

static void via_logv(cx_logger *lg, const char *msg, ...) {
    va_list ap;
    va_start(ap, msg);
    cx_logv(lg, CX_LOG_INFO, msg, ap);
    va_end(ap);
}

TEST(logv_takes_a_va_list) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    via_logv(c.lg, "wrapped", "k", "v", NULL);
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=wrapped k=v\n");
    cap_close(&c);
}

TEST(null_logger_is_the_default) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_logger *d = cx_log_default();
    int fd = cx_log_get_fd(d);
    cx_log_set_fd(d, c.wr);
    cx_log(NULL, CX_LOG_INFO, "via null", NULL);
    CX_LOG(NULL, CX_LOG_INFO, "typed", CX_KV_INT("n", 1));
    cx_log_access(NULL, CX_STR("GET"), CX_STR("/"), 200, 0, 1, CX_STR("p"));
    cx_log(NULL, CX_LOG_DEBUG, "filtered by the default's level", NULL);
    cx_log_set_fd(d, fd);
    const char *out = cap_read(&c);
    CHECK(strstr(out, "msg=\"via null\"\n") != NULL);
    CHECK(strstr(out, "msg=typed n=1\n") != NULL);
    CHECK(strstr(out, "msg=access method=GET") != NULL);
    CHECK(strstr(out, "filtered") == NULL);
    cap_close(&c);
}

/* ---- truncation ------------------------------------------------------------ */

TEST(logfmt_long_value_is_truncated_with_marker) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cx_log(c.lg, CX_LOG_INFO, "m", "a", "1", "big", big, "after", "2", NULL);
    const char *out = cap_read(&c);
    size_t n = strlen(out);
    CHECK(n <= CX_LOG_LINE_DEFAULT);
    CHECK(n > CX_LOG_LINE_DEFAULT - 64); /* most of the room is used */
    CHECK(strstr(out, " a=1 big=xxx") != NULL);
    CHECK(strstr(out, "after") == NULL);
    CHECK(n > 16 && strcmp(out + n - 16, " truncated=true\n") == 0);
    CHECK(logfmt_line(out));
    cap_close(&c);
}

TEST(json_long_value_is_truncated_and_still_valid) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    char big[10000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cx_log(c.lg, CX_LOG_INFO, "m", "big", big, "after", "2", NULL);
    const char *out = cap_read(&c);
    size_t n = strlen(out);
    CHECK(n <= CX_LOG_LINE_DEFAULT);
    CHECK(json_line(out));
    CHECK(strstr(out, "after") == NULL);
    CHECK(n > 20 && strcmp(out + n - 20, "\",\"truncated\":true}\n") == 0);
    cap_close(&c);
}

TEST(long_message_is_truncated) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log_set_max_line(c.lg, CX_LOG_LINE_MIN);
    char big[1000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cx_log(c.lg, CX_LOG_INFO, big, "k", "v", NULL);
    const char *out = cap_read(&c);
    CHECK(strlen(out) <= CX_LOG_LINE_MIN);
    CHECK(json_line(out));
    CHECK(strstr(out, "\"truncated\":true") != NULL);
    CHECK(strstr(out, "\"k\"") == NULL);
    cap_close(&c);
}

TEST(field_that_does_not_fit_is_dropped_whole) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log_set_max_line(c.lg, CX_LOG_LINE_MIN);
    /* Numbers are never cut: a number that does not fit is left out. */
    char msg[200];
    memset(msg, 'a', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    for (int i = 0; i < 40; i++) {
        cap_reset(&c);
        CX_LOG(c.lg, CX_LOG_INFO, msg + i, CX_KV_INT("number", INT64_MIN));
        const char *out = cap_read(&c);
        CHECK(json_line(out));
        CHECK(strlen(out) <= CX_LOG_LINE_MIN);
        bool whole = strstr(out, "\"number\":-9223372036854775808}") != NULL;
        bool marked = strstr(out, "\"truncated\":true}") != NULL && !strstr(out, "number");
        CHECK(whole != marked);
    }
    cap_close(&c);
}

/* Every cut point, with values made of one- to six-byte escapes: lines stay
 * within max_line, parse, and never split a character. */
TEST(truncation_property_all_boundaries) {
    static const char *const units[] = {
        "x", "\"", "\x01", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF"};
    for (int json = 0; json <= 1; json++) {
        cap c;
        cap_open(&c, json ? CX_LOG_JSON : CX_LOG_LOGFMT);
        cx_log_set_max_line(c.lg, 300);
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
            char val[400] = "";
            for (size_t reps = 0; strlen(val) + strlen(units[u]) < sizeof val; reps++) {
                strcat(val, units[u]);
                cap_reset(&c);
                cx_log(c.lg, CX_LOG_INFO, "m", "k", val, "tail", "t", NULL);
                const char *out = cap_read(&c);
                size_t n = strlen(out);
                CHECK(n <= 300);
                CHECK(json ? json_line(out) : logfmt_line(out));
                if (strstr(out, "truncated=true") || strstr(out, "\"truncated\":true"))
                    CHECK(strstr(out, "tail") == NULL);
                else
                    CHECK(strstr(out, "tail") != NULL);
            }
        }
        cap_close(&c);
    }
}

TEST(larger_max_line_allows_longer_lines) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_max_line(c.lg, CX_LOG_LINE_MAX);
    char big[8000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cx_log(c.lg, CX_LOG_INFO, "m", "big", big, NULL);
    const char *out = cap_read(&c);
    CHECK(strstr(out, "truncated") == NULL);
    CHECK(strlen(out) > 8000);
    cap_close(&c);
}

/* ---- the access log --------------------------------------------------------- */

TEST(access_log_logfmt) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_access(c.lg, CX_STR("GET"), CX_STR("/users/42"), 200, 1234, 567,
                  CX_STR("10.0.0.1:5555"));
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=access method=GET path=/users/42 status=200 "
                                      "bytes=1234 duration_us=567 peer=10.0.0.1:5555\n");
    cap_close(&c);
}

TEST(access_log_json) {
    cap c;
    cap_open(&c, CX_LOG_JSON);
    cx_log_access(c.lg, CX_STR("POST"), CX_STR("/a \"b\"\n"), 413, 0, 12, CX_STR("[::1]:80"));
    const char *out = cap_read(&c);
    CHECK_STR(after_ts(out), "\"level\":\"info\",\"msg\":\"access\",\"method\":\"POST\","
                             "\"path\":\"/a \\\"b\\\"\\n\",\"status\":413,\"bytes\":0,"
                             "\"duration_us\":12,\"peer\":\"[::1]:80\"}\n");
    CHECK(json_line(out));
    cap_close(&c);
}

TEST(access_log_off_writes_nothing) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_access(c.lg, false);
    for (int i = 0; i < 100; i++)
        cx_log_access(c.lg, CX_STR("GET"), CX_STR("/"), 200, 1, 1, CX_STR("p"));
    CHECK_STR(cap_read(&c), "");
    cx_log_set_access(c.lg, true);
    cx_log_access(c.lg, CX_STR("GET"), CX_STR("/"), 200, 1, 1, CX_STR("p"));
    CHECK(strstr(cap_read(&c), "msg=access") != NULL);
    cap_close(&c);
}

TEST(access_log_ignores_level) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    cx_log_set_level(c.lg, CX_LOG_OFF);
    cx_log_access(c.lg, CX_STR("GET"), CX_STR("/"), 404, 9, 3, CX_STR(""));
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=access method=GET path=/ status=404 bytes=9 "
                                      "duration_us=3 peer=\"\"\n");
    cap_close(&c);
}

TEST(access_log_with_non_terminated_slices) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    const char req[] = "GET /path?q=1 HTTP/1.1"; /* slices into a request line */
    cx_log_access(c.lg, (cx_str){req, 3}, (cx_str){req + 4, 5}, 200, 0, 0, (cx_str){NULL, 0});
    CHECK_STR(after_ts(cap_read(&c)), "level=info msg=access method=GET path=/path status=200 "
                                      "bytes=0 duration_us=0 peer=\"\"\n");
    cap_close(&c);
}

/* ---- writing ---------------------------------------------------------------- */

TEST(negative_fd_discards) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_fd(lg, -1);
    cx_log(lg, CX_LOG_ERROR, "nowhere", NULL);
    cx_log_access(lg, CX_STR("GET"), CX_STR("/"), 200, 0, 0, CX_STR(""));
    CHECK_EQ(cx_log_dropped(lg), 0); /* discarding is not a failure */
    cx_logger_free(lg);
}

TEST(write_errors_are_counted_not_fatal) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* write() fails with EBADF */
    CHECK(fd >= 0);
    cx_log_set_fd(lg, fd);
    cx_log(lg, CX_LOG_ERROR, "lost", NULL);
    cx_log(lg, CX_LOG_ERROR, "lost", NULL);
    CHECK_EQ(cx_log_dropped(lg), 2);
    close(fd);
    cx_logger_free(lg);
}

TEST(full_nonblocking_pipe_drops_lines) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    /* Never read: the pipe fills and writes fail with EAGAIN. */
    for (int i = 0; i < 2000; i++) cx_log(c.lg, CX_LOG_INFO, "filling the pipe up", "i", "x", NULL);
    CHECK(cx_log_dropped(c.lg) > 0);
    cap_close(&c);
}

TEST(errno_is_preserved) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cx_log_set_fd(lg, fd);
    errno = ENOSPC;
    cx_log(lg, CX_LOG_ERROR, "write fails", NULL);
    CHECK_EQ(errno, ENOSPC);
    close(fd);
    cx_logger_free(lg);
}

TEST(each_record_is_one_line) {
    cap c;
    cap_open(&c, CX_LOG_LOGFMT);
    for (int i = 0; i < 10; i++) CX_LOG(c.lg, CX_LOG_INFO, "n", CX_KV_INT("i", i));
    const char *out = cap_read(&c);
    int lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    CHECK_EQ(lines, 10);
    cap_close(&c);
}

/* ---- threads ---------------------------------------------------------------- */

#define THREADS    8
#define PER_THREAD 1500

typedef struct writer {
    cx_logger *lg;
    int id;
} writer;

/* Each line carries its thread, its sequence number and a payload whose
 * length varies and whose content is derived from both, so a torn or
 * interleaved line is detectable. */
static void payload(int id, int seq, char *out, size_t *len) {
    size_t n = (size_t)((seq * 37 + id * 11) % 3000);
    for (size_t i = 0; i < n; i++) out[i] = (char)('a' + (id + seq + (int)i) % 26);
    out[n] = '\0';
    *len = n;
}

static void *write_lines(void *arg) {
    writer *w = arg;
    char buf[3100];
    size_t n;
    for (int seq = 0; seq < PER_THREAD; seq++) {
        payload(w->id, seq, buf, &n);
        CX_LOG(w->lg, CX_LOG_INFO, "concurrent", CX_KV_INT("thread", w->id), CX_KV_INT("seq", seq),
               CX_KV_STR("data", buf));
    }
    return NULL;
}

static bool check_line(const char *line, bool seen[THREADS][PER_THREAD]) {
    int id, seq, off = 0;
    const char *rest = after_ts(line);
    if (!rest) return false;
    if (sscanf(rest, "level=info msg=concurrent thread=%d seq=%d data=%n", &id, &seq, &off) != 2)
        return false;
    if (id < 0 || id >= THREADS || seq < 0 || seq >= PER_THREAD || seen[id][seq]) return false;
    char want[3100];
    size_t n;
    payload(id, seq, want, &n);
    if (n == 0) return strcmp(rest + off, "\"\"") == 0 && (seen[id][seq] = true);
    if (strcmp(rest + off, want) != 0) return false;
    seen[id][seq] = true;
    return true;
}

static void run_writers(cx_logger *lg) {
    pthread_t t[THREADS];
    writer w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (writer){lg, i};
        pthread_create(&t[i], NULL, write_lines, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
}

/* Every line read back is whole, and every record is there once. */
static void verify_lines(char *text, size_t len) {
    static bool seen[THREADS][PER_THREAD];
    memset(seen, 0, sizeof seen);
    size_t lines = 0, bad = 0;
    char *save = NULL;
    CHECK(len > 0 && text[len - 1] == '\n');
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines++;
        if (!check_line(line, seen)) bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(lines, THREADS * PER_THREAD);
}

TEST(concurrent_writers_to_a_file_give_whole_lines) {
    char path[] = "/tmp/cx_test_log_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    unlink(path);
    fcntl(fd, F_SETFL, O_APPEND);
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_fd(lg, fd);
    run_writers(lg);
    CHECK_EQ(cx_log_dropped(lg), 0);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    CHECK(pread(fd, text, (size_t)size, 0) == size);
    text[size] = '\0';
    verify_lines(text, (size_t)size);
    free(text);
    cx_logger_free(lg);
    close(fd);
}

typedef struct drain {
    int fd;
    char *text;
    size_t len, cap;
} drain;

static void *drain_pipe(void *arg) {
    drain *d = arg;
    for (;;) {
        if (d->cap - d->len < 65536) {
            d->cap *= 2;
            d->text = realloc(d->text, d->cap);
        }
        ssize_t n = read(d->fd, d->text + d->len, d->cap - d->len - 1);
        if (n <= 0) break;
        d->len += (size_t)n;
    }
    d->text[d->len] = '\0';
    return NULL;
}

/* Through a (blocking) pipe, where lines up to PIPE_BUF are written whole. */
TEST(concurrent_writers_to_a_pipe_give_whole_lines) {
    int fds[2];
    CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
    drain d = {.fd = fds[0], .cap = 1 << 20};
    d.text = malloc(d.cap);
    pthread_t reader;
    pthread_create(&reader, NULL, drain_pipe, &d);
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_fd(lg, fds[1]);
    run_writers(lg);
    close(fds[1]);
    pthread_join(reader, NULL);
    CHECK_EQ(cx_log_dropped(lg), 0);
    verify_lines(d.text, d.len);
    free(d.text);
    close(fds[0]);
    cx_logger_free(lg);
}

static void *retune(void *arg) {
    cx_logger *lg = arg;
    for (int i = 0; i < 2000; i++) {
        cx_log_set_format(lg, i % 2 ? CX_LOG_JSON : CX_LOG_LOGFMT);
        cx_log_set_level(lg, i % 3 ? CX_LOG_INFO : CX_LOG_DEBUG);
        cx_log_set_max_line(lg, 256 + (size_t)(i % 4) * 1000);
    }
    return NULL;
}

/* Settings change while threads log (a reload): each line is still whole
 * and in one of the two formats. */
TEST(retuning_while_logging_is_safe) {
    char path[] = "/tmp/cx_test_log_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    unlink(path);
    fcntl(fd, F_SETFL, O_APPEND);
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_log_set_fd(lg, fd);
    pthread_t t;
    pthread_create(&t, NULL, retune, lg);
    char val[600];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    for (int i = 0; i < 2000; i++)
        CX_LOG(lg, CX_LOG_INFO, "r", CX_KV_INT("i", i), CX_KV_STR("v", val));
    pthread_join(t, NULL);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    CHECK(pread(fd, text, (size_t)size, 0) == size);
    text[size] = '\0';
    size_t bad = 0, lines = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (!nl) {
            bad++;
            break;
        }
        char save = nl[1];
        nl[1] = '\0';
        if (!(p[0] == '{' ? json_line(p) : logfmt_line(p))) bad++;
        nl[1] = save;
        lines++;
        p = nl + 1;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(lines, 2000);
    free(text);
    cx_logger_free(lg);
    close(fd);
}

TEST_MAIN()
