/* Tests for configuration: defaults, every value type with good and bad
 * input, YAML shapes and errors with positions, the environment, layering,
 * the dump and its round trip, and what the config hands on (HTTP limits,
 * server options, the logger). Sample files live in tests/data/config/. */
#include "harness.h"
#include <cortex/config.h>
#include <cortex/http.h>
#include <cortex/log.h>
#include <cortex/wasm.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* tests/<rel>, found from this file's path so any working directory works. */
static const char *tests_path(const char *rel) {
    static char path[4096];
    const char *me = __FILE__, *cut = strstr(me, "unit/test_config.c");
    snprintf(path, sizeof path, "%.*s%s", cut ? (int)(cut - me) : 0, me, rel);
    return path;
}

static const char *data(const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s", tests_path("data/config/"));
    strncat(path, name, sizeof path - strlen(path) - 1);
    return path;
}

static int load(cx_config *cfg, const char *yaml, cx_config_error *err) {
    return cx_config_load_string(cfg, yaml, strlen(yaml), "test.yaml", err);
}

/* Set on a fresh default config; returns the code. */
static int try_set(const char *key, const char *value) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    int rc = cx_config_set(&cfg, key, value, &err);
    cx_config_free(&cfg);
    return rc;
}

static uint64_t size_of(const char *value, int *rc) {
    cx_config cfg;
    cx_config_init(&cfg);
    *rc = cx_config_set(&cfg, "limits.max_body", value, NULL);
    uint64_t v = cfg.limits.max_body;
    cx_config_free(&cfg);
    return v;
}

static uint64_t duration_of(const char *value, int *rc) {
    cx_config cfg;
    cx_config_init(&cfg);
    *rc = cx_config_set(&cfg, "server.drain_timeout", value, NULL);
    uint64_t v = cfg.drain_timeout_ms;
    cx_config_free(&cfg);
    return v;
}

static bool same_config(const cx_config *a, const cx_config *b) {
    bool strs = ((!a->host && !b->host) || (a->host && b->host && !strcmp(a->host, b->host))) &&
                ((!a->static_dir && !b->static_dir) ||
                 (a->static_dir && b->static_dir && !strcmp(a->static_dir, b->static_dir)));
    return strs && a->port == b->port && a->threads == b->threads &&
           a->drain_timeout_ms == b->drain_timeout_ms && a->log_level == b->log_level &&
           a->log_format == b->log_format && a->access_log == b->access_log &&
           a->log_max_line == b->log_max_line &&
           memcmp(&a->limits, &b->limits, sizeof a->limits) == 0;
}

/* ---- defaults --------------------------------------------------------------- */

TEST(defaults) {
    cx_config cfg;
    CHECK_EQ(cx_config_init(&cfg), 0);
    CHECK_STR(cfg.host, "0.0.0.0");
    CHECK_EQ(cfg.port, 8080);
    CHECK_EQ(cfg.threads, 0);
    CHECK(cfg.static_dir == NULL);
    CHECK_EQ(cfg.drain_timeout_ms, 10000);
    CHECK_EQ(cfg.log_level, CX_LOG_INFO);
    CHECK_EQ(cfg.log_format, CX_LOG_LOGFMT);
    CHECK(cfg.access_log);
    CHECK_EQ(cfg.log_max_line, 4096);
    CHECK_EQ(cfg.limits.max_request_line, 8192);
    CHECK_EQ(cfg.limits.max_header_bytes, 32768);
    CHECK_EQ(cfg.limits.max_headers, 100);
    CHECK_EQ(cfg.limits.max_body, 8 * 1024 * 1024);
    CHECK_EQ(cfg.limits.header_timeout_ms, 10000);
    CHECK_EQ(cfg.limits.body_timeout_ms, 30000);
    CHECK_EQ(cfg.limits.idle_timeout_ms, 60000);
    CHECK_EQ(cfg.limits.write_timeout_ms, 30000);
    CHECK_EQ(cfg.limits.max_pipelined, 64);
    CHECK_EQ(cfg.limits.max_connections, 0);
    cx_config_free(&cfg);
}

TEST(default_limits_match_the_http_defaults) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_http_limits mine, theirs;
    memset(&mine, 0xAB, sizeof mine);
    cx_config_http_limits(&cfg, &mine);
    cx_http_limits_default(&theirs);
    CHECK_EQ(mine.max_request_line, theirs.max_request_line);
    CHECK_EQ(mine.max_header_bytes, theirs.max_header_bytes);
    CHECK_EQ(mine.max_headers, theirs.max_headers);
    CHECK_EQ(mine.max_body, theirs.max_body);
    CHECK_EQ(mine.header_timeout_ms, theirs.header_timeout_ms);
    CHECK_EQ(mine.body_timeout_ms, theirs.body_timeout_ms);
    CHECK_EQ(mine.idle_timeout_ms, theirs.idle_timeout_ms);
    CHECK_EQ(mine.write_timeout_ms, theirs.write_timeout_ms);
    CHECK_EQ(mine.max_pipelined, theirs.max_pipelined);
    CHECK_EQ(mine.max_connections, theirs.max_connections);
    cx_config_free(&cfg);
}

TEST(http_limits_carry_every_field) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg,
                  "limits: {max_request_line: 1KiB, max_header_bytes: 2KiB, max_headers: 3,"
                  " max_body: 4KiB, header_timeout: 5s, body_timeout: 6s, idle_timeout: 7s,"
                  " write_timeout: 8s, max_pipelined: 9, max_connections: 10}",
                  NULL),
             0);
    cx_http_limits l;
    cx_config_http_limits(&cfg, &l);
    CHECK_EQ(l.max_request_line, 1024);
    CHECK_EQ(l.max_header_bytes, 2048);
    CHECK_EQ(l.max_headers, 3);
    CHECK_EQ(l.max_body, 4096);
    CHECK_EQ(l.header_timeout_ms, 5000);
    CHECK_EQ(l.body_timeout_ms, 6000);
    CHECK_EQ(l.idle_timeout_ms, 7000);
    CHECK_EQ(l.write_timeout_ms, 8000);
    CHECK_EQ(l.max_pipelined, 9);
    CHECK_EQ(l.max_connections, 10);
    cx_config_free(&cfg);
}

static int dummy_handler(cx_ctx *ctx) {
    return 0;
}

TEST(server_options_from_config) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_set(&cfg, "server.host", "127.0.0.1", NULL);
    cx_config_set(&cfg, "server.port", "9999", NULL);
    cx_config_set(&cfg, "server.threads", "3", NULL);
    cx_config_set(&cfg, "server.drain_timeout", "2s", NULL);
    cx_config_set(&cfg, "log.access", "false", NULL);
    cx_config_set(&cfg, "limits.max_body", "1KiB", NULL);
    cx_server_options o;
    memset(&o, 0, sizeof o);
    o.handler = dummy_handler;
    o.handler_data = &cfg;
    cx_config_server_options(&cfg, &o);
    CHECK_STR(o.host, "127.0.0.1");
    CHECK_EQ(o.port, 9999);
    CHECK_EQ(o.threads, 3);
    CHECK_EQ(o.drain_timeout_ms, 2000);
    CHECK(!o.access_log);
    CHECK_EQ(o.limits.max_body, 1024);
    CHECK_EQ(o.limits.max_headers, 100);
    CHECK(o.handler == dummy_handler); /* left alone */
    CHECK(o.handler_data == &cfg);
    cx_config_free(&cfg);
}

TEST(apply_log_configures_a_logger) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_set(&cfg, "log.level", "error", NULL);
    cx_config_set(&cfg, "log.format", "json", NULL);
    cx_config_set(&cfg, "log.access", "no", NULL);
    cx_config_set(&cfg, "log.max_line", "1KiB", NULL);
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    cx_config_apply_log(&cfg, lg);
    CHECK_EQ(cx_log_get_level(lg), CX_LOG_ERROR);
    CHECK_EQ(cx_log_get_format(lg), CX_LOG_JSON);
    CHECK(!cx_log_get_access(lg));
    CHECK_EQ(cx_log_get_max_line(lg), 1024);
    cx_logger_free(lg);
    cx_config_free(&cfg);
}

/* ---- the table --------------------------------------------------------------- */

TEST(key_table_is_complete_and_unique) {
    size_t n = 0;
    const cx_config_key_info *keys = cx_config_keys(&n);
    CHECK_EQ(n, 41); /* server, log, limits, tls, http2, metrics, health, tracing, wasm */
    CHECK(cx_config_keys(NULL) == keys);
    for (size_t i = 0; i < n; i++) {
        CHECK(keys[i].key && strchr(keys[i].key, '.'));
        CHECK(keys[i].type && *keys[i].type);
        CHECK(keys[i].default_value && *keys[i].default_value);
        CHECK(keys[i].doc && strlen(keys[i].doc) > 10);
        CHECK(strlen(keys[i].key) <= CX_CONFIG_MAX_KEY);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(keys[i].key, keys[j].key) != 0);
    }
}

/* The documented default is what a default config prints for the key. */
TEST(key_table_defaults_match_the_config) {
    size_t n;
    const cx_config_key_info *keys = cx_config_keys(&n);
    cx_config cfg;
    cx_config_init(&cfg);
    for (size_t i = 0; i < n; i++) {
        cx_buf got = CX_BUF_INIT, want = CX_BUF_INIT;
        CHECK_EQ(cx_config_get(&cfg, keys[i].key, &got), 0);
        if (!strcmp(keys[i].type, "string") && strcmp(keys[i].default_value, "null") != 0)
            cx_buf_printf(&want, "\"%s\"", keys[i].default_value);
        else
            cx_buf_puts(&want, keys[i].default_value);
        cx_buf_putc(&got, '\0');
        cx_buf_putc(&want, '\0');
        CHECK_STR(got.data, want.data);
        cx_buf_free(&got);
        cx_buf_free(&want);
    }
    cx_config_free(&cfg);
}

TEST(env_names) {
    char name[64];
    CHECK_EQ(cx_config_env_name("limits.max_body", name, sizeof name), 0);
    CHECK_STR(name, "CORTEX_LIMITS_MAX_BODY");
    CHECK_EQ(cx_config_env_name("server.port", name, sizeof name), 0);
    CHECK_STR(name, "CORTEX_SERVER_PORT");
    CHECK_EQ(cx_config_env_name("port", name, sizeof name), 0); /* short form */
    CHECK_STR(name, "CORTEX_SERVER_PORT");
    CHECK_EQ(cx_config_env_name("log.level", name, sizeof name), 0);
    CHECK_STR(name, "CORTEX_LOG_LEVEL");
    CHECK_EQ(cx_config_env_name("nope", name, sizeof name), CX_ENOTFOUND);
    CHECK_EQ(cx_config_env_name(NULL, name, sizeof name), CX_ENOTFOUND);
    CHECK_EQ(cx_config_env_name("limits.max_body", name, 10), CX_ELIMIT);
}

/* docs/config.md is the reference users read: it must name every key, its
 * environment variable and its default. */
TEST(docs_list_every_key) {
    FILE *f = fopen(tests_path("../docs/config.md"), "r");
    if (!f) SKIP("docs/config.md not found next to the tests");
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    size_t count;
    const cx_config_key_info *keys = cx_config_keys(&count);
    for (size_t i = 0; i < count; i++) {
        char env[80], cell[128];
        cx_config_env_name(keys[i].key, env, sizeof env);
        snprintf(cell, sizeof cell, "`%s`", keys[i].key);
        if (!strstr(doc, cell)) fprintf(stderr, "  missing key %s\n", keys[i].key);
        CHECK(strstr(doc, cell) != NULL);
        CHECK(strstr(doc, env) != NULL);
        snprintf(cell, sizeof cell, "`%s`", keys[i].default_value);
        CHECK(strstr(doc, cell) != NULL);
    }
}

/* ---- integers ----------------------------------------------------------------- */

TEST(integers_good) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "server.port", "0", NULL), 0);
    CHECK_EQ(cfg.port, 0);
    CHECK_EQ(cx_config_set(&cfg, "server.port", "65535", NULL), 0);
    CHECK_EQ(cfg.port, 65535);
    CHECK_EQ(cx_config_set(&cfg, "server.port", "009000", NULL), 0);
    CHECK_EQ(cfg.port, 9000);
    CHECK_EQ(cx_config_set(&cfg, "server.threads", "1024", NULL), 0);
    CHECK_EQ(cfg.threads, 1024);
    CHECK_EQ(cx_config_set(&cfg, "limits.max_connections", "16777216", NULL), 0);
    CHECK_EQ(cfg.limits.max_connections, 16777216);
    cx_config_free(&cfg);
}

TEST(integers_bad) {
    CHECK_EQ(try_set("server.port", "-1"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "12a"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", " 80"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "80 "), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "0x50"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "1.5"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "+80"), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "8k"), CX_ECONFIG); /* units are for sizes */
    CHECK_EQ(try_set("server.port", ""), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", NULL), CX_ECONFIG);
    CHECK_EQ(try_set("server.port", "65536"), CX_ERANGE);
    CHECK_EQ(try_set("server.port", "99999999999999999999999"), CX_ERANGE);
    CHECK_EQ(try_set("server.threads", "1025"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_headers", "0"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_headers", "10001"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_pipelined", "0"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_connections", "16777217"), CX_ERANGE);
}

TEST(range_error_message_names_the_range) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "server.port", "70000", &err), CX_ERANGE);
    CHECK_EQ(err.code, CX_ERANGE);
    CHECK_STR(err.key, "server.port");
    CHECK_STR(err.source, "");
    CHECK_EQ(err.line, 0);
    CHECK_STR(err.message, "server.port: out of range (0 to 65535): \"70000\"");
    CHECK_EQ(cx_config_set(&cfg, "limits.max_request_line", "17MiB", &err), CX_ERANGE);
    CHECK_STR(err.message, "limits.max_request_line: out of range (16 to 16MiB): \"17MiB\"");
    cx_config_free(&cfg);
}

/* ---- sizes --------------------------------------------------------------------- */

TEST(sizes_good) {
    int rc;
    CHECK_EQ(size_of("0", &rc), 0);
    CHECK_EQ(rc, 0);
    CHECK_EQ(size_of("512", &rc), 512);
    CHECK_EQ(size_of("512B", &rc), 512);
    CHECK_EQ(size_of("512b", &rc), 512);
    CHECK_EQ(size_of("64k", &rc), 65536);
    CHECK_EQ(size_of("64K", &rc), 65536);
    CHECK_EQ(size_of("64KiB", &rc), 65536);
    CHECK_EQ(size_of("64kib", &rc), 65536);
    CHECK_EQ(size_of("8M", &rc), 8u << 20);
    CHECK_EQ(size_of("8MiB", &rc), 8u << 20);
    CHECK_EQ(size_of("8 MiB", &rc), 8u << 20);
    CHECK_EQ(size_of("1g", &rc), 1u << 30);
    CHECK_EQ(size_of("1GiB", &rc), 1u << 30);
    CHECK_EQ(size_of("1t", &rc), 1ull << 40);
    CHECK_EQ(size_of("1TiB", &rc), 1ull << 40);
    CHECK_EQ(rc, 0);
}

TEST(sizes_bad) {
    int rc;
    size_of("8MB", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("8kb", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("1.5MiB", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("MiB", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("8XiB", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("-1k", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("8MiB ", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("8 M i B", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    size_of("2TiB", &rc); /* over the key's range */
    CHECK_EQ(rc, CX_ERANGE);
    size_of("18446744073709551615k", &rc); /* overflows 64 bits */
    CHECK_EQ(rc, CX_ERANGE);
    size_of("99999999999999999999", &rc);
    CHECK_EQ(rc, CX_ERANGE);
}

TEST(ambiguous_units_say_why) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "limits.max_body", "10MB", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "ambiguous unit") != NULL);
    CHECK(strstr(err.message, "MiB") != NULL);
    CHECK_EQ(cfg.limits.max_body, 8u << 20); /* unchanged */
    cx_config_free(&cfg);
}

TEST(size_ranges) {
    CHECK_EQ(try_set("limits.max_request_line", "15"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_request_line", "16"), 0);
    CHECK_EQ(try_set("limits.max_request_line", "16MiB"), 0);
    CHECK_EQ(try_set("limits.max_header_bytes", "63"), CX_ERANGE);
    CHECK_EQ(try_set("limits.max_header_bytes", "64"), 0);
    CHECK_EQ(try_set("log.max_line", "255"), CX_ERANGE);
    CHECK_EQ(try_set("log.max_line", "256"), 0);
    CHECK_EQ(try_set("log.max_line", "16KiB"), 0);
    CHECK_EQ(try_set("log.max_line", "17KiB"), CX_ERANGE);
}

/* 0 means "no limit" only where the server treats it so. */
TEST(duration_ranges) {
    CHECK_EQ(try_set("limits.header_timeout", "0"), 0);
    CHECK_EQ(try_set("limits.idle_timeout", "0"), 0);
    CHECK_EQ(try_set("server.drain_timeout", "0"), 0);
    CHECK_EQ(try_set("limits.body_timeout", "0"), CX_ERANGE);
    CHECK_EQ(try_set("limits.write_timeout", "0s"), CX_ERANGE);
    CHECK_EQ(try_set("limits.write_timeout", "1ms"), 0);
    CHECK_EQ(try_set("limits.header_timeout", "24h"), 0);
    CHECK_EQ(try_set("limits.header_timeout", "24h1ms"), CX_ERANGE);
}

/* ---- durations ------------------------------------------------------------------ */

TEST(durations_good) {
    int rc;
    CHECK_EQ(duration_of("0", &rc), 0);
    CHECK_EQ(rc, 0);
    CHECK_EQ(duration_of("0s", &rc), 0);
    CHECK_EQ(duration_of("0ms", &rc), 0);
    CHECK_EQ(duration_of("500ms", &rc), 500);
    CHECK_EQ(duration_of("10s", &rc), 10000);
    CHECK_EQ(duration_of("1m", &rc), 60000);
    CHECK_EQ(duration_of("1h", &rc), 3600000);
    CHECK_EQ(duration_of("1m30s", &rc), 90000);
    CHECK_EQ(duration_of("1h0m1ms", &rc), 3600001);
    CHECK_EQ(duration_of("2s500ms", &rc), 2500);
    CHECK_EQ(duration_of("24h", &rc), 86400000);
    CHECK_EQ(rc, 0);
}

TEST(durations_bad) {
    int rc;
    duration_of("10", &rc); /* a unit is required */
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("10S", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("10 s", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("s", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("1.5s", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("10sec", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("5min", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("-1s", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("1d", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("1s ", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("", &rc);
    CHECK_EQ(rc, CX_ECONFIG);
    duration_of("25h", &rc);
    CHECK_EQ(rc, CX_ERANGE);
    duration_of("99999999999999999999h", &rc);
    CHECK_EQ(rc, CX_ERANGE);
    duration_of("9999999999999999h", &rc); /* overflows when scaled */
    CHECK_EQ(rc, CX_ERANGE);
}

TEST(duration_without_unit_says_so) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "limits.idle_timeout", "30", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "needs a unit") != NULL);
    CHECK_EQ(cfg.limits.idle_timeout_ms, 60000);
    cx_config_free(&cfg);
}

/* ---- booleans, levels, formats ---------------------------------------------------- */

TEST(booleans) {
    static const char *const yes[] = {"true", "yes", "on", "1", "TRUE", "Yes", "ON"};
    static const char *const no[] = {"false", "no", "off", "0", "False", "NO", "Off"};
    cx_config cfg;
    cx_config_init(&cfg);
    for (size_t i = 0; i < 7; i++) {
        CHECK_EQ(cx_config_set(&cfg, "log.access", no[i], NULL), 0);
        CHECK(!cfg.access_log);
        CHECK_EQ(cx_config_set(&cfg, "log.access", yes[i], NULL), 0);
        CHECK(cfg.access_log);
    }
    CHECK_EQ(cx_config_set(&cfg, "log.access", "maybe", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "log.access", "2", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "log.access", "y", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "log.access", "", NULL), CX_ECONFIG);
    CHECK(cfg.access_log);
    cx_config_free(&cfg);
}

TEST(log_levels_and_formats) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "log.level", "debug", NULL), 0);
    CHECK_EQ(cfg.log_level, CX_LOG_DEBUG);
    CHECK_EQ(cx_config_set(&cfg, "log.level", "WARNING", NULL), 0);
    CHECK_EQ(cfg.log_level, CX_LOG_WARN);
    CHECK_EQ(cx_config_set(&cfg, "log.level", "off", NULL), 0);
    CHECK_EQ(cfg.log_level, CX_LOG_OFF);
    CHECK_EQ(cx_config_set(&cfg, "log.level", "loud", NULL), CX_ECONFIG);
    CHECK_EQ(cfg.log_level, CX_LOG_OFF);
    CHECK_EQ(cx_config_set(&cfg, "log.format", "json", NULL), 0);
    CHECK_EQ(cfg.log_format, CX_LOG_JSON);
    CHECK_EQ(cx_config_set(&cfg, "log.format", "xml", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "log.format", NULL, NULL), CX_ECONFIG);
    CHECK_EQ(cfg.log_format, CX_LOG_JSON);
    cx_config_free(&cfg);
}

/* ---- strings ---------------------------------------------------------------------- */

TEST(strings_good) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "::1", NULL), 0);
    CHECK_STR(cfg.host, "::1");
    CHECK_EQ(cx_config_set(&cfg, "server.host", "example.com", NULL), 0);
    CHECK_STR(cfg.host, "example.com");
    CHECK_EQ(cx_config_set(&cfg, "server.static_dir", "/srv/caf\xC3\xA9 \"x\"", NULL), 0);
    CHECK_STR(cfg.static_dir, "/srv/caf\xC3\xA9 \"x\"");
    cx_config_free(&cfg);
}

TEST(optional_string_clears) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "server.static_dir", "/srv", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "server.static_dir", "", NULL), 0);
    CHECK(cfg.static_dir == NULL);
    CHECK_EQ(cx_config_set(&cfg, "server.static_dir", "/srv", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "server.static_dir", NULL, NULL), 0);
    CHECK(cfg.static_dir == NULL);
    cx_config_free(&cfg);
}

TEST(strings_bad) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "server.host", "", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "needs a value") != NULL);
    CHECK_EQ(cx_config_set(&cfg, "server.host", NULL, NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "a\nb", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "\\x0a") != NULL); /* shown escaped */
    CHECK_EQ(cx_config_set(&cfg, "server.host", "tab\there", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "del\x7f", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "bad\xFF", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "\xC0\xAF", NULL), CX_ECONFIG);     /* over-long */
    CHECK_EQ(cx_config_set(&cfg, "server.host", "\xED\xA0\x80", NULL), CX_ECONFIG); /* surrogate */
    CHECK_EQ(cx_config_set(&cfg, "server.host", "\xE2\x82", NULL), CX_ECONFIG);     /* cut short */
    CHECK_EQ(cx_config_set(&cfg, "server.host", "\xF4\x90\x80\x80", NULL), CX_ECONFIG);
    /* Code points YAML would fold or refuse, so the dump could not read back. */
    CHECK_EQ(cx_config_set(&cfg, "server.host", "c1\xC2\x80", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "nel\xC2\x85", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "ls\xE2\x80\xA8", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "bom\xEF\xBB\xBF", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "nc\xEF\xBF\xBF", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "nbsp\xC2\xA0ok", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "server.host", "\xF0\x9F\x98\x80", NULL), 0);
    cx_config_set(&cfg, "server.host", "0.0.0.0", NULL);
    CHECK_STR(cfg.host, "0.0.0.0");
    cx_config_free(&cfg);
}

TEST(string_lengths) {
    char s[CX_CONFIG_MAX_STRING + 2];
    memset(s, 'a', sizeof s);
    s[255] = '\0';
    CHECK_EQ(try_set("server.host", s), 0);
    s[255] = 'a';
    s[256] = '\0';
    CHECK_EQ(try_set("server.host", s), CX_ELIMIT);
    s[256] = 'a';
    s[CX_CONFIG_MAX_STRING] = '\0';
    CHECK_EQ(try_set("server.static_dir", s), 0);
    s[CX_CONFIG_MAX_STRING] = 'a';
    s[CX_CONFIG_MAX_STRING + 1] = '\0';
    CHECK_EQ(try_set("server.static_dir", s), CX_ELIMIT);
}

/* ---- keys --------------------------------------------------------------------------- */

TEST(unknown_key_suggests) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "server.prot", "1", &err), CX_ENOTFOUND);
    CHECK_EQ(err.code, CX_ENOTFOUND);
    CHECK_STR(err.key, "server.prot");
    CHECK_STR(err.message, "unknown key \"server.prot\" (did you mean \"server.port\"?)");
    CHECK_EQ(cx_config_set(&cfg, "limits.max_bdy", "1", &err), CX_ENOTFOUND);
    CHECK(strstr(err.message, "limits.max_body") != NULL);
    CHECK_EQ(cx_config_set(&cfg, "completely.different", "1", &err), CX_ENOTFOUND);
    CHECK_STR(err.message, "unknown key \"completely.different\"");
    CHECK_EQ(cx_config_set(&cfg, "", "1", &err), CX_ENOTFOUND);
    CHECK_EQ(cx_config_set(&cfg, NULL, "1", &err), CX_ENOTFOUND);
    CHECK_EQ(cx_config_set(&cfg, "SERVER.PORT", "1", &err), CX_ENOTFOUND); /* keys are exact */
    CHECK_EQ(cx_config_set(&cfg, "server.", "1", &err), CX_ENOTFOUND);
    CHECK_EQ(cx_config_set(&cfg, "server", "1", &err), CX_ENOTFOUND);
    CHECK_EQ(cfg.port, 8080);
    cx_config_free(&cfg);
}

TEST(unknown_key_with_odd_bytes_is_printable) {
    cx_config_error err;
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "bad\x1b[31mkey", "1", &err), CX_ENOTFOUND);
    CHECK(strchr(err.message, '\x1b') == NULL);
    cx_config_free(&cfg);
}

TEST(short_form_of_server_keys) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "port", "9000", NULL), 0);
    CHECK_EQ(cfg.port, 9000);
    CHECK_EQ(cx_config_set(&cfg, "host", "::", NULL), 0);
    CHECK_STR(cfg.host, "::");
    CHECK_EQ(cx_config_set(&cfg, "threads", "2", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "static_dir", "/x", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "drain_timeout", "1s", NULL), 0);
    CHECK_EQ(cfg.drain_timeout_ms, 1000);
    /* Only the server section has a short form. */
    CHECK_EQ(cx_config_set(&cfg, "level", "debug", NULL), CX_ENOTFOUND);
    CHECK_EQ(cx_config_set(&cfg, "max_body", "1k", NULL), CX_ENOTFOUND);
    cx_config_free(&cfg);
}

TEST(set_without_error_struct) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_set(&cfg, "nope", "1", NULL), CX_ENOTFOUND);
    CHECK_EQ(cx_config_set(&cfg, "server.port", "x", NULL), CX_ECONFIG);
    CHECK_EQ(cx_config_load_string(&cfg, "a: [", 4, NULL, NULL), CX_EPARSE);
    cx_config_free(&cfg);
}

/* ---- get, copy, free ------------------------------------------------------------------- */

static const char *get(const cx_config *cfg, const char *key) {
    static char out[256];
    cx_buf b = CX_BUF_INIT;
    int rc = cx_config_get(cfg, key, &b);
    snprintf(out, sizeof out, "%.*s", rc ? 3 : (int)b.len, rc ? "ERR" : b.data);
    cx_buf_free(&b);
    return out;
}

TEST(get_prints_each_type) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_STR(get(&cfg, "server.host"), "\"0.0.0.0\"");
    CHECK_STR(get(&cfg, "port"), "8080");
    CHECK_STR(get(&cfg, "server.static_dir"), "null");
    CHECK_STR(get(&cfg, "server.drain_timeout"), "10s");
    CHECK_STR(get(&cfg, "log.level"), "info");
    CHECK_STR(get(&cfg, "log.format"), "logfmt");
    CHECK_STR(get(&cfg, "log.access"), "true");
    CHECK_STR(get(&cfg, "limits.max_body"), "8MiB");
    CHECK_STR(get(&cfg, "limits.idle_timeout"), "1m");
    CHECK_STR(get(&cfg, "nope"), "ERR");
    CHECK_STR(get(&cfg, NULL), "ERR");
    cx_config_set(&cfg, "limits.max_body", "1000", NULL);
    CHECK_STR(get(&cfg, "limits.max_body"), "1000");
    cx_config_set(&cfg, "limits.max_body", "0", NULL);
    CHECK_STR(get(&cfg, "limits.max_body"), "0");
    cx_config_set(&cfg, "limits.max_body", "3072", NULL);
    CHECK_STR(get(&cfg, "limits.max_body"), "3KiB");
    cx_config_set(&cfg, "limits.max_body", "1TiB", NULL);
    CHECK_STR(get(&cfg, "limits.max_body"), "1TiB");
    cx_config_set(&cfg, "limits.max_body", "2GiB", NULL);
    CHECK_STR(get(&cfg, "limits.max_body"), "2GiB");
    cx_config_set(&cfg, "limits.idle_timeout", "1500ms", NULL);
    CHECK_STR(get(&cfg, "limits.idle_timeout"), "1500ms");
    cx_config_set(&cfg, "limits.idle_timeout", "0", NULL);
    CHECK_STR(get(&cfg, "limits.idle_timeout"), "0s");
    cx_config_set(&cfg, "limits.idle_timeout", "2h", NULL);
    CHECK_STR(get(&cfg, "limits.idle_timeout"), "2h");
    cx_config_set(&cfg, "limits.idle_timeout", "1m30s", NULL);
    CHECK_STR(get(&cfg, "limits.idle_timeout"), "90s");
    cx_config_set(&cfg, "server.host", "a\"b\\c", NULL);
    CHECK_STR(get(&cfg, "server.host"), "\"a\\\"b\\\\c\"");
    cx_config_free(&cfg);
}

TEST(copy_is_deep) {
    cx_config a, b;
    cx_config_init(&a);
    cx_config_set(&a, "server.static_dir", "/srv", NULL);
    CHECK_EQ(cx_config_copy(&b, &a), 0);
    CHECK(same_config(&a, &b));
    CHECK(a.host != b.host);
    CHECK(a.static_dir != b.static_dir);
    cx_config_set(&b, "server.host", "changed", NULL);
    CHECK_STR(a.host, "0.0.0.0");
    cx_config_free(&a);
    CHECK_STR(b.static_dir, "/srv");
    cx_config_free(&b);
}

TEST(free_is_idempotent) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_free(&cfg);
    CHECK(cfg.host == NULL);
    cx_config_free(&cfg);
    cx_config_free(NULL);
    CHECK_EQ(cx_config_init(&cfg), 0); /* reusable */
    CHECK_STR(cfg.host, "0.0.0.0");
    cx_config_free(&cfg);
}

/* ---- YAML ------------------------------------------------------------------------------ */

TEST(yaml_nested_mappings) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg,
                  "# comment\n"
                  "server:\n"
                  "  host: '::'      # trailing comment\n"
                  "  port: 9001\n"
                  "log:\n"
                  "  level: debug\n"
                  "  access: no\n"
                  "limits:\n"
                  "  max_body: 1MiB\n",
                  &err),
             0);
    CHECK_STR(cfg.host, "::");
    CHECK_EQ(cfg.port, 9001);
    CHECK_EQ(cfg.log_level, CX_LOG_DEBUG);
    CHECK(!cfg.access_log);
    CHECK_EQ(cfg.limits.max_body, 1u << 20);
    CHECK_EQ(cfg.threads, 0); /* untouched keys keep their values */
    cx_config_free(&cfg);
}

TEST(yaml_flow_style_and_quoting) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg, "{server: {port: \"9002\", host: \"a\\tb\"}}", NULL), CX_ECONFIG);
    CHECK_EQ(load(&cfg, "{server: {port: \"9002\", host: 'h'}, log: {format: json}}", NULL), 0);
    CHECK_EQ(cfg.port, 9002);
    CHECK_STR(cfg.host, "h");
    CHECK_EQ(cfg.log_format, CX_LOG_JSON);
    cx_config_free(&cfg);
}

TEST(yaml_dotted_and_short_keys) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(
        load(&cfg, "port: 1\nlog.level: error\nlimits: {max_body: 2k}\nserver.threads: 3\n", NULL),
        0);
    CHECK_EQ(cfg.port, 1);
    CHECK_EQ(cfg.log_level, CX_LOG_ERROR);
    CHECK_EQ(cfg.limits.max_body, 2048);
    CHECK_EQ(cfg.threads, 3);
    cx_config_free(&cfg);
}

TEST(yaml_empty_inputs) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "", &err), 0);
    CHECK_EQ(load(&cfg, "# only a comment\n\n", &err), 0);
    CHECK_EQ(load(&cfg, "---\n", &err), 0);
    CHECK_EQ(load(&cfg, "---\n...\n", &err), 0);
    CHECK_EQ(load(&cfg, "~\n", &err), 0);
    CHECK_EQ(load(&cfg, "{}", &err), 0);
    CHECK_EQ(load(&cfg, "server: {}\n", &err), 0);
    CHECK_EQ(cx_config_load_string(&cfg, NULL, 0, NULL, &err), 0);
    CHECK_EQ(cfg.port, 8080);
    cx_config_free(&cfg);
}

TEST(yaml_unknown_key_has_line_and_column) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  port: 1\n  prot: 2\n", &err), CX_ENOTFOUND);
    CHECK_EQ(err.code, CX_ENOTFOUND);
    CHECK_STR(err.source, "test.yaml");
    CHECK_EQ(err.line, 3);
    CHECK_EQ(err.column, 3);
    CHECK_STR(err.key, "server.prot");
    CHECK_STR(err.message,
              "test.yaml:3:3: unknown key \"server.prot\" (did you mean \"server.port\"?)");
    CHECK_EQ(cfg.port, 8080); /* nothing applied */
    cx_config_free(&cfg);
}

TEST(yaml_unknown_section_has_position) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  port: 1\nlogging:\n  level: debug\n", &err), CX_ENOTFOUND);
    CHECK_EQ(err.line, 3);
    CHECK_EQ(err.column, 1);
    CHECK_STR(err.key, "logging");
    CHECK(strstr(err.message, "unknown section \"logging\"") != NULL);
    CHECK_EQ(load(&cfg, "unknown_top: 1\n", &err), CX_ENOTFOUND);
    CHECK_EQ(err.line, 1);
    cx_config_free(&cfg);
}

TEST(yaml_bad_value_points_at_the_value) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "limits:\n  max_headers: 10\n  max_body:   8MB\n", &err), CX_ECONFIG);
    CHECK_EQ(err.line, 3);
    CHECK_EQ(err.column, 15);
    CHECK_STR(err.key, "limits.max_body");
    CHECK(strncmp(err.message, "test.yaml:3:15: limits.max_body: ambiguous unit", 47) == 0);
    CHECK_EQ(cfg.limits.max_headers, 100); /* the good line before it was not kept */
    CHECK_EQ(load(&cfg, "server:\n  port: 99999\n", &err), CX_ERANGE);
    CHECK_EQ(err.line, 2);
    CHECK_EQ(err.column, 9);
    cx_config_free(&cfg);
}

TEST(yaml_malformed_has_position) {
    static const struct {
        const char *text;
        unsigned line;
    } cases[] = {
        {"server:\n  host: \"0.0.0.0\n  port: 1\n", 4}, /* unclosed quote: found at the end */
        {"server:\n  port: 1\n bad: 2\n", 3},           /* indentation */
        {"server: {port: 1\n", 2},                      /* unclosed flow mapping */
        {"server:\n\tport: 1\n", 2},                    /* tab indentation */
        {"server:\n  port: 1\n  host: \"a\" b\n", 3},
        {"server:\n  port: 1\n  port 2\n", 4},
        {"- [\n", 2},
        {"key: 'unterminated\n", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cx_config cfg;
        cx_config_init(&cfg);
        cx_config_error err;
        int rc = load(&cfg, cases[i].text, &err);
        CHECK_EQ(rc, CX_EPARSE);
        CHECK(err.line >= 1 && err.line <= cases[i].line);
        CHECK(strstr(err.message, "test.yaml:") == err.message);
        if (rc == CX_EPARSE && !strstr(err.message, "malformed YAML") &&
            !strstr(err.message, "not supported"))
            fprintf(stderr, "  case %zu: %s\n", i, err.message);
        cx_config_free(&cfg);
    }
}

TEST(yaml_malformed_message) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  port: 1\n bad: 2\n", &err), CX_EPARSE);
    CHECK_EQ(err.line, 3);
    CHECK(strstr(err.message, "malformed YAML") != NULL);
    CHECK_STR(err.key, "");
    cx_config_free(&cfg);
}

TEST(yaml_invalid_bytes) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  host: \"a\xFF\"\n", &err), CX_EPARSE); /* not UTF-8 */
    CHECK_EQ(err.line, 2);
    CHECK(err.column >= 10);
    static const char nul[] = "server:\n  port: 1\0\n";
    CHECK_EQ(cx_config_load_string(&cfg, nul, sizeof nul - 1, "nul", &err), CX_EPARSE);
    CHECK_EQ(load(&cfg, "server:\n  host: \"a\\0b\"\n", &err), CX_ECONFIG); /* escaped NUL */
    CHECK_EQ(load(&cfg, "server:\n  \"ho\\0st\": x\n", &err), CX_ENOTFOUND);
    CHECK_EQ(load(&cfg, "server:\n  host: \"a\\x01b\"\n", &err), CX_ECONFIG);
    cx_config_free(&cfg);
}

TEST(yaml_shapes_the_schema_cannot_take) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  host:\n    - a\n    - b\n", &err), CX_EPARSE);
    CHECK_EQ(err.line, 3);
    CHECK(strstr(err.message, "lists are not supported") != NULL);
    CHECK_STR(err.key, "server.host");
    CHECK_EQ(load(&cfg, "- 1\n- 2\n", &err), CX_EPARSE);
    CHECK_EQ(load(&cfg, "just a string\n", &err), CX_EPARSE);
    CHECK(strstr(err.message, "top level must be a mapping") != NULL);
    CHECK_EQ(load(&cfg, "server:\n  port: &p 1\n  threads: *p\n", &err), CX_EPARSE);
    CHECK(strstr(err.message, "aliases") != NULL);
    CHECK_EQ(load(&cfg, "server: {port: 1}\n---\nserver: {port: 2}\n", &err), CX_EPARSE);
    CHECK(strstr(err.message, "more than one YAML document") != NULL);
    CHECK_EQ(load(&cfg, "? {a: 1}\n: 2\n", &err), CX_EPARSE);
    CHECK(strstr(err.message, "a mapping as a key") != NULL);
    CHECK_EQ(load(&cfg, "server:\n  port:\n    value: 1\n", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "expects a value, not a mapping") != NULL);
    CHECK_EQ(load(&cfg, "server: [1]\n", &err), CX_EPARSE);
    CHECK_EQ(load(&cfg, "server: 8080\n", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "test.yaml:1:9: \"server\": a section: expects a mapping") ==
          err.message);
    CHECK_EQ(cfg.port, 8080);
    cx_config_free(&cfg);
}

TEST(yaml_duplicate_keys) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(load(&cfg, "server:\n  port: 1\n  port: 2\n", &err), CX_EPARSE);
    CHECK_EQ(err.line, 3);
    CHECK(strstr(err.message, "set twice") != NULL);
    CHECK_EQ(load(&cfg, "port: 1\nserver:\n  port: 2\n", &err), CX_EPARSE);
    CHECK_EQ(load(&cfg, "server: {port: 1}\nserver: {threads: 2}\n", &err), 0); /* merged */
    CHECK_EQ(cfg.port, 1);
    CHECK_EQ(cfg.threads, 2);
    cx_config_free(&cfg);
}

TEST(yaml_nulls) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    cx_config_set(&cfg, "server.static_dir", "/srv", NULL);
    CHECK_EQ(load(&cfg, "server:\n  static_dir: ~\n", &err), 0);
    CHECK(cfg.static_dir == NULL);
    cx_config_set(&cfg, "server.static_dir", "/srv", NULL);
    CHECK_EQ(load(&cfg, "server:\n  static_dir:\n", &err), 0);
    CHECK(cfg.static_dir == NULL);
    cx_config_set(&cfg, "server.static_dir", "/srv", NULL);
    CHECK_EQ(load(&cfg, "server:\n  static_dir: \"\"\n", &err), 0);
    CHECK(cfg.static_dir == NULL);
    CHECK_EQ(load(&cfg, "server:\n  static_dir: \"null\"\n", &err), 0); /* a string */
    CHECK_STR(cfg.static_dir, "null");
    CHECK_EQ(load(&cfg, "server:\n  port:\n", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "needs a value") != NULL);
    CHECK_EQ(load(&cfg, "server:\n  host: null\n", &err), CX_ECONFIG);
    cx_config_free(&cfg);
}

TEST(yaml_tags_and_styles) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg, "server:\n  port: !!int 8181\n  host: !!str 1.2.3.4\n", NULL), 0);
    CHECK_EQ(cfg.port, 8181);
    CHECK_STR(cfg.host, "1.2.3.4");
    CHECK_EQ(load(&cfg, "server:\n  host: |\n    literal\n", NULL), CX_ECONFIG); /* has \n */
    CHECK_EQ(load(&cfg, "server:\n  host: >-\n    folded\n", NULL), 0);
    CHECK_STR(cfg.host, "folded");
    cx_config_free(&cfg);
}

TEST(yaml_limits_on_keys_and_values) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    cx_buf b = CX_BUF_INIT;
    cx_buf_puts(&b, "server:\n  static_dir: ");
    for (int i = 0; i < CX_CONFIG_MAX_STRING + 1; i++) cx_buf_putc(&b, 'd');
    cx_buf_putc(&b, '\n');
    CHECK_EQ(cx_config_load_string(&cfg, b.data, b.len, "big", &err), CX_ELIMIT);
    CHECK_EQ(err.line, 2);
    cx_buf_reset(&b);
    for (int i = 0; i < CX_CONFIG_MAX_KEY + 1; i++) cx_buf_putc(&b, 'k');
    cx_buf_puts(&b, ": 1\n");
    CHECK_EQ(cx_config_load_string(&cfg, b.data, b.len, "big", &err), CX_ELIMIT);
    cx_buf_free(&b);
    cx_config_free(&cfg);
}

TEST(yaml_size_limit) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    size_t n = CX_CONFIG_MAX_FILE + 1;
    char *big = malloc(n);
    memset(big, '#', n);
    CHECK_EQ(cx_config_load_string(&cfg, big, n, "huge", &err), CX_ELIMIT);
    CHECK(strstr(err.message, "huge: larger than") == err.message);
    /* Exactly at the limit is fine (it is all one comment). */
    CHECK_EQ(cx_config_load_string(&cfg, big, n - 1, "huge", &err), 0);
    free(big);
    cx_config_free(&cfg);
}

TEST(yaml_deep_nesting_is_refused_quickly) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    cx_buf b = CX_BUF_INIT;
    for (int i = 0; i < 50000; i++) cx_buf_puts(&b, "{a: ");
    CHECK(cx_config_load_string(&cfg, b.data, b.len, "deep", &err) != 0);
    cx_buf_reset(&b);
    cx_buf_puts(&b, "server: ");
    for (int i = 0; i < 50000; i++) cx_buf_puts(&b, "{server: ");
    CHECK(cx_config_load_string(&cfg, b.data, b.len, "deep", &err) != 0);
    cx_buf_reset(&b);
    for (int i = 0; i < 50000; i++) cx_buf_puts(&b, "[");
    CHECK(cx_config_load_string(&cfg, b.data, b.len, "deep", &err) != 0);
    cx_buf_free(&b);
    CHECK_EQ(cfg.port, 8080);
    cx_config_free(&cfg);
}

TEST(yaml_input_needs_no_terminator) {
    cx_config cfg;
    cx_config_init(&cfg);
    static const char text[] = "server: {port: 4242}";
    char *exact = malloc(sizeof text - 1); /* ASan would see a read past the end */
    memcpy(exact, text, sizeof text - 1);
    CHECK_EQ(cx_config_load_string(&cfg, exact, sizeof text - 1, NULL, NULL), 0);
    CHECK_EQ(cfg.port, 4242);
    memcpy(exact, "port: 12", 8);
    CHECK_EQ(cx_config_load_string(&cfg, exact, 8, NULL, NULL), 0);
    CHECK_EQ(cfg.port, 12);
    free(exact);
    cx_config_free(&cfg);
}

TEST(yaml_default_name) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_load_string(&cfg, "nope: 1", 7, NULL, &err), CX_ENOTFOUND);
    CHECK_STR(err.source, "<string>");
    CHECK(strstr(err.message, "<string>:1:1: ") == err.message);
    cx_config_free(&cfg);
}

TEST(load_is_all_or_nothing) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_set(&cfg, "server.static_dir", "/keep", NULL);
    cx_config_error err;
    CHECK_EQ(load(&cfg,
                  "server:\n  host: changed\n  port: 1\n  static_dir: ~\nlog:\n  level: bogus\n",
                  &err),
             CX_ECONFIG);
    CHECK_STR(cfg.host, "0.0.0.0");
    CHECK_EQ(cfg.port, 8080);
    CHECK_STR(cfg.static_dir, "/keep");
    CHECK_EQ(cfg.log_level, CX_LOG_INFO);
    cx_config_free(&cfg);
}

/* ---- files ----------------------------------------------------------------------------- */

TEST(file_full) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    int rc = cx_config_load_file(&cfg, data("full.yaml"), &err);
    if (rc) fprintf(stderr, "  %s\n", err.message);
    CHECK_EQ(rc, 0);
    CHECK_STR(cfg.host, "127.0.0.1");
    CHECK_EQ(cfg.port, 9090);
    CHECK_EQ(cfg.threads, 4);
    CHECK_STR(cfg.static_dir, "/srv/www");
    CHECK_EQ(cfg.drain_timeout_ms, 5000);
    CHECK_EQ(cfg.log_level, CX_LOG_DEBUG);
    CHECK_EQ(cfg.log_format, CX_LOG_JSON);
    CHECK(!cfg.access_log);
    CHECK_EQ(cfg.log_max_line, 8192);
    CHECK_EQ(cfg.limits.max_request_line, 4096);
    CHECK_EQ(cfg.limits.max_header_bytes, 65536);
    CHECK_EQ(cfg.limits.max_headers, 50);
    CHECK_EQ(cfg.limits.max_body, 16u << 20);
    CHECK_EQ(cfg.limits.header_timeout_ms, 5000);
    CHECK_EQ(cfg.limits.body_timeout_ms, 60000);
    CHECK_EQ(cfg.limits.idle_timeout_ms, 150000);
    CHECK_EQ(cfg.limits.write_timeout_ms, 500);
    CHECK_EQ(cfg.limits.max_pipelined, 16);
    CHECK_EQ(cfg.limits.max_connections, 10000);
    cx_config_free(&cfg);
}

TEST(file_minimal_and_flat) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_load_file(&cfg, data("minimal.yaml"), NULL), 0);
    CHECK_EQ(cfg.port, 9000);
    CHECK_STR(cfg.host, "0.0.0.0");
    CHECK_EQ(cx_config_load_file(&cfg, data("flat.yaml"), NULL), 0);
    CHECK_EQ(cfg.port, 7000);
    CHECK_STR(cfg.host, "localhost");
    CHECK_EQ(cfg.log_level, CX_LOG_WARN);
    CHECK_EQ(cfg.limits.max_body, 1u << 20);
    CHECK_EQ(cfg.limits.max_headers, 20);
    CHECK_EQ(cfg.limits.idle_timeout_ms, 0);
    cx_config_free(&cfg);
}

TEST(file_errors_name_the_file) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    const char *path = data("unknown_key.yaml");
    CHECK_EQ(cx_config_load_file(&cfg, path, &err), CX_ENOTFOUND);
    CHECK_STR(err.source, path);
    CHECK_EQ(err.line, 4);
    CHECK_EQ(err.column, 3);
    CHECK(strstr(err.message, path) == err.message);
    CHECK(strstr(err.message, ":4:3: unknown key \"server.prot\"") != NULL);

    CHECK_EQ(cx_config_load_file(&cfg, data("bad_value.yaml"), &err), CX_ECONFIG);
    CHECK_EQ(err.line, 3);
    CHECK_EQ(err.column, 13);
    CHECK_STR(err.key, "limits.max_body");

    CHECK_EQ(cx_config_load_file(&cfg, data("malformed.yaml"), &err), CX_EPARSE);
    CHECK(err.line >= 2);
    CHECK(strstr(err.message, "malformed YAML") != NULL);

    CHECK_EQ(cx_config_load_file(&cfg, data("list.yaml"), &err), CX_EPARSE);
    CHECK_EQ(err.line, 3);
    CHECK_EQ(cfg.port, 8080);
    cx_config_free(&cfg);
}

TEST(file_missing_or_unreadable) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_load_file(&cfg, "/nonexistent/cortex.yaml", &err), CX_ENOENT);
    CHECK_STR(err.source, "/nonexistent/cortex.yaml");
    CHECK(strstr(err.message, "/nonexistent/cortex.yaml: cannot read") == err.message);
    CHECK_EQ(cx_config_load_file(&cfg, "/", &err), -EISDIR);
    CHECK_EQ(cx_config_load_file(&cfg, NULL, &err), CX_EINVAL);
    cx_config_free(&cfg);
}

TEST(file_too_large) {
    char path[] = "/tmp/cx_test_config_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    char block[65536];
    memset(block, '#', sizeof block);
    for (int i = 0; i < 17; i++) CHECK(write(fd, block, sizeof block) == (ssize_t)sizeof block);
    close(fd);
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_load_file(&cfg, path, &err), CX_ELIMIT);
    CHECK(strstr(err.message, "larger than") != NULL);
    unlink(path);
    cx_config_free(&cfg);
}

/* ---- the environment --------------------------------------------------------------------- */

TEST(env_sets_keys) {
    char *env[] = {"PATH=/bin",
                   "CORTEX_SERVER_PORT=1234",
                   "CORTEX_LOG_LEVEL=debug",
                   "CORTEX_LIMITS_MAX_BODY=1MiB",
                   "CORTEX_LOG_ACCESS=off",
                   "CORTEX_SERVER_STATIC_DIR=/www",
                   NULL};
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_load_env(&cfg, env, NULL), 0);
    CHECK_EQ(cfg.port, 1234);
    CHECK_EQ(cfg.log_level, CX_LOG_DEBUG);
    CHECK_EQ(cfg.limits.max_body, 1u << 20);
    CHECK(!cfg.access_log);
    CHECK_STR(cfg.static_dir, "/www");
    cx_config_free(&cfg);
}

TEST(env_short_names_and_precedence) {
    char *env[] = {"CORTEX_PORT=1111", "CORTEX_HOST=::", "CORTEX_THREADS=2", NULL};
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_load_env(&cfg, env, NULL), 0);
    CHECK_EQ(cfg.port, 1111);
    CHECK_STR(cfg.host, "::");
    CHECK_EQ(cfg.threads, 2);
    /* With both, the full name wins, in whichever order they appear. */
    char *both[] = {"CORTEX_SERVER_PORT=2222", "CORTEX_PORT=3333", NULL};
    CHECK_EQ(cx_config_load_env(&cfg, both, NULL), 0);
    CHECK_EQ(cfg.port, 2222);
    cx_config_free(&cfg);
}

TEST(env_ignores_unrelated_and_empty) {
    char *env[] = {"CORTEX_BIN=/usr/bin/cortex", "CORTEX_=x",
                   "CORTEX_NOT_A_KEY=1",         "cortex_server_port=1",
                   "CORTEX_SERVER_PORT",         "CORTEX_SERVER_PORTX=5",
                   "CORTEX_SERVER_THREADS=",     NULL};
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_load_env(&cfg, env, NULL), 0);
    CHECK_EQ(cfg.port, 8080);
    CHECK_EQ(cfg.threads, 0);
    cx_config_free(&cfg);
}

TEST(env_bad_value_names_the_variable) {
    char *env[] = {"CORTEX_SERVER_PORT=1234", "CORTEX_LIMITS_MAX_BODY=lots", NULL};
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_load_env(&cfg, env, &err), CX_ECONFIG);
    CHECK_STR(err.source, "environment");
    CHECK_STR(err.key, "limits.max_body");
    CHECK_EQ(err.line, 0);
    CHECK(strstr(err.message, "environment: CORTEX_LIMITS_MAX_BODY: not a size") == err.message);
    CHECK_EQ(cfg.port, 8080); /* all or nothing */
    cx_config_free(&cfg);
}

TEST(env_null_means_the_process_environment) {
    cx_config cfg;
    cx_config_init(&cfg);
    setenv("CORTEX_LIMITS_MAX_HEADERS", "77", 1);
    CHECK_EQ(cx_config_load_env(&cfg, NULL, NULL), 0);
    unsetenv("CORTEX_LIMITS_MAX_HEADERS");
    CHECK_EQ(cfg.limits.max_headers, 77);
    cx_config_free(&cfg);
}

/* ---- layering ------------------------------------------------------------------------------ */

TEST(layers_override_in_order) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    /* file: port, threads and level; env: port and threads; flag: port. */
    CHECK_EQ(load(&cfg, "server: {port: 1000, threads: 3}\nlog: {level: warn}\n", &err), 0);
    CHECK_EQ(cfg.port, 1000);
    char *env[] = {"CORTEX_SERVER_PORT=2000", "CORTEX_SERVER_THREADS=5", NULL};
    CHECK_EQ(cx_config_load_env(&cfg, env, &err), 0);
    CHECK_EQ(cfg.port, 2000);
    CHECK_EQ(cx_config_set(&cfg, "server.port", "3000", &err), 0);
    CHECK_EQ(cfg.port, 3000);
    CHECK_EQ(cfg.threads, 5);
    CHECK_EQ(cfg.log_level, CX_LOG_WARN);
    CHECK_EQ(cfg.limits.max_body, 8u << 20);
    cx_config_free(&cfg);
}

TEST(later_files_override_earlier) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cx_config_load_file(&cfg, data("full.yaml"), NULL), 0);
    CHECK_EQ(cx_config_load_file(&cfg, data("minimal.yaml"), NULL), 0);
    CHECK_EQ(cfg.port, 9000);
    CHECK_EQ(cfg.threads, 4); /* from full.yaml */
    cx_config_free(&cfg);
}

/* ---- wasm.plugins ------------------------------------------------------------------------ */

static char *plugins_text(const cx_config *cfg) {
    static char out[8192];
    cx_buf b = CX_BUF_INIT;
    int rc = cx_config_get(cfg, "wasm.plugins", &b);
    snprintf(out, sizeof out, "%.*s", rc ? 3 : (int)b.len, rc ? "ERR" : b.data);
    cx_buf_free(&b);
    return out;
}

TEST(plugins_default_to_none) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(cfg.wasm_plugins.count, 0);
    CHECK(cfg.wasm_plugins.items == NULL);
    CHECK_STR(plugins_text(&cfg), "[]");
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_config_dump(&cfg, &out), 0);
    cx_buf_putc(&out, '\0');
    CHECK(strstr(out.data, "\nwasm:\n  plugins: []\n") != NULL);
    cx_buf_free(&out);
    cx_config_free(&cfg);
}

TEST(plugins_from_yaml) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    int rc = load(&cfg,
                  "server:\n"
                  "  port: 9000\n"
                  "wasm:\n"
                  "  plugins:\n"
                  "    - path: /srv/hello.wasm\n"
                  "      route: /hello/*rest\n"
                  "      methods: [GET, POST]\n"
                  "      fuel: 5000\n"
                  "      timeout: 250ms\n"
                  "      memory_pages: 32\n"
                  "      max_body: 64KiB\n"
                  "      max_response: 1MiB\n"
                  "      reuse: yes\n"
                  "      max_idle: 4\n"
                  "    - path: /srv/guard.wasm\n"
                  "      kind: middleware\n"
                  "      prefix: /api\n"
                  "    - {path: /srv/any.wasm, route: /any, methods: ANY}\n"
                  "    - path: /srv/all.wasm\n"
                  "      kind: middleware\n"
                  "      prefix: /\n"
                  "    - path: /srv/two.wasm\n"
                  "      route: /two\n"
                  "      methods: PUT, DELETE\n",
                  &err);
    if (rc) fprintf(stderr, "  %s\n", err.message);
    CHECK_EQ(rc, 0);
    CHECK_EQ(cfg.port, 9000);
    CHECK_EQ(cfg.wasm_plugins.count, 5);
    const cx_config_plugin *p = cfg.wasm_plugins.items;
    CHECK_STR(p[0].path, "/srv/hello.wasm");
    CHECK(!p[0].middleware);
    CHECK_STR(p[0].route, "/hello/*rest");
    CHECK_EQ(p[0].methods, (1u << CX_METHOD_GET) | (1u << CX_METHOD_POST));
    CHECK_EQ(p[0].fuel, 5000);
    CHECK_EQ(p[0].timeout_ms, 250);
    CHECK_EQ(p[0].memory_pages, 32);
    CHECK_EQ(p[0].max_body, 64 * 1024);
    CHECK_EQ(p[0].max_response, 1 << 20);
    CHECK(p[0].reuse);
    CHECK_EQ(p[0].max_idle, 4);
    CHECK_STR(p[0].source, "test.yaml");
    CHECK_EQ(p[0].line, 5);
    CHECK_EQ(p[0].column, 7);
    CHECK(p[1].middleware);
    CHECK_STR(p[1].prefix, "/api");
    CHECK(p[1].route == NULL);
    CHECK_EQ(p[1].methods, 0);
    CHECK_EQ(p[1].line, 15);
    CHECK_EQ(p[2].methods, 1u); /* ANY */
    CHECK_EQ(p[2].line, 18);
    CHECK(p[3].middleware && p[3].prefix == NULL); /* "/" is every route */
    CHECK_EQ(p[4].methods, (1u << CX_METHOD_PUT) | (1u << CX_METHOD_DELETE));
    cx_config_free(&cfg);
    CHECK(cfg.wasm_plugins.items == NULL);
}

/* Left out, the limits are the mount's defaults (cortex/wasm.h). */
TEST(plugin_defaults_are_the_mounts) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg, "wasm:\n  plugins:\n    - {path: a.wasm, route: /a}\n", NULL), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 1);
    const cx_config_plugin *p = &cfg.wasm_plugins.items[0];
    cx_wasm_mount_options o;
    cx_wasm_mount_options_defaults(&o);
    CHECK_EQ(p->methods, 1u << CX_METHOD_GET);
    CHECK_EQ(p->fuel, o.fuel);
    CHECK_EQ(p->timeout_ms, o.deadline_ms);
    CHECK_EQ(p->memory_pages, o.max_memory_pages);
    CHECK_EQ(p->max_body, o.max_body);
    CHECK_EQ(p->max_response, o.max_response);
    CHECK_EQ(p->reuse, o.reuse);
    CHECK_EQ(p->max_idle, o.max_idle);
    cx_config_free(&cfg);
}

/* The error, its position and a piece of its message. */
static void plugin_error(const char *yaml, int code, unsigned line, unsigned col, const char *key,
                         const char *what) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err = {0};
    int rc = load(&cfg, yaml, &err);
    if (rc != code || !strstr(err.message, what))
        fprintf(stderr, "  for %s  got %d: %s\n", yaml, rc, err.message);
    CHECK_EQ(rc, code);
    CHECK_EQ(err.line, line);
    CHECK_EQ(err.column, col);
    CHECK_STR(err.key, key);
    CHECK(strstr(err.message, what) != NULL);
    CHECK_EQ(cfg.wasm_plugins.count, 0); /* all or nothing */
    cx_config_free(&cfg);
}

#define PLUGIN1(fields) "wasm:\n  plugins:\n    - path: a.wasm\n" fields

TEST(plugin_errors_have_positions) {
    plugin_error(PLUGIN1(""), CX_ECONFIG, 3, 7, "wasm.plugins[0]", "needs a route");
    plugin_error("wasm:\n  plugins:\n    - route: /a\n", CX_ECONFIG, 3, 7, "wasm.plugins[0]",
                 "needs a path");
    plugin_error(PLUGIN1("      route: /a\n      kind: filter\n"), CX_ECONFIG, 5, 13,
                 "wasm.plugins[0].kind", "handler or middleware, not filter");
    plugin_error(PLUGIN1("      route: /a\n      methods: [GET, FETCH]\n"), CX_ECONFIG, 5, 22,
                 "wasm.plugins[0].methods", "not a method");
    plugin_error(PLUGIN1("      route: /a\n      methods: get\n"), CX_ECONFIG, 5, 16,
                 "wasm.plugins[0].methods", "not a method");
    plugin_error(PLUGIN1("      route: /a\n      methods: []\n"), CX_ECONFIG, 5, 17,
                 "wasm.plugins[0].methods", "at least one method");
    plugin_error(PLUGIN1("      route: /a\n      methods: [ANY, GET]\n"), CX_ECONFIG, 3, 7,
                 "wasm.plugins[0]", "ANY already means every method");
    plugin_error(PLUGIN1("      route: /a\n      fuel: lots\n"), CX_ECONFIG, 5, 13,
                 "wasm.plugins[0].fuel", "not a non-negative integer");
    plugin_error(PLUGIN1("      route: /a\n      timeout: 5\n"), CX_ECONFIG, 5, 16,
                 "wasm.plugins[0].timeout", "needs a unit");
    plugin_error(PLUGIN1("      route: /a\n      memory_pages: 70000\n"), CX_ERANGE, 5, 21,
                 "wasm.plugins[0].memory_pages", "out of range");
    plugin_error(PLUGIN1("      route: /a\n      reuse: maybe\n"), CX_ECONFIG, 5, 14,
                 "wasm.plugins[0].reuse", "not a boolean");
    plugin_error(PLUGIN1("      rute: /a\n"), CX_ENOTFOUND, 4, 7, "wasm.plugins[0]",
                 "unknown field \"rute\"");
    plugin_error(PLUGIN1("      route: /a\n      route: /b\n"), CX_EPARSE, 5, 7, "wasm.plugins[0]",
                 "set twice");
    plugin_error(PLUGIN1("      route: a\n"), CX_ECONFIG, 3, 7, "wasm.plugins[0]",
                 "starting with /");
    plugin_error(PLUGIN1("      kind: middleware\n      route: /a\n"), CX_ECONFIG, 3, 7,
                 "wasm.plugins[0]", "takes a prefix");
    plugin_error(PLUGIN1("      kind: middleware\n      methods: GET\n"), CX_ECONFIG, 3, 7,
                 "wasm.plugins[0]", "methods is for handlers");
    plugin_error(PLUGIN1("      kind: middleware\n      prefix: /api/\n"), CX_ECONFIG, 3, 7,
                 "wasm.plugins[0]", "must not end with /");
    plugin_error(PLUGIN1("      route: /a\n      prefix: /b\n"), CX_ECONFIG, 3, 7,
                 "wasm.plugins[0]", "prefix is for middleware");
    plugin_error(PLUGIN1("      route: {a: 1}\n"), CX_ECONFIG, 4, 14, "wasm.plugins",
                 "not mappings");
    plugin_error(PLUGIN1("      route: [/a]\n"), CX_EPARSE, 4, 14, "wasm.plugins",
                 "lists are not supported");
    plugin_error("wasm:\n  plugins:\n    - a.wasm\n", CX_ECONFIG, 3, 7, "wasm.plugins",
                 "each plugin is a mapping");
    plugin_error("wasm:\n  plugins: a.wasm\n", CX_ECONFIG, 2, 12, "wasm.plugins",
                 "a list of plugins");
    plugin_error("wasm:\n  plugins: {path: a}\n", CX_ECONFIG, 2, 12, "wasm.plugins",
                 "expects a value");
    plugin_error("wasm:\n  plugins: []\n  plugins: []\n", CX_EPARSE, 3, 3, "wasm.plugins",
                 "set twice");
    plugin_error("wasm:\n  plugins:\n    - &x {path: a.wasm, route: /a}\n    - *x\n", CX_EPARSE, 4,
                 7, "wasm.plugins", "aliases");
    plugin_error("wasm:\n  nope: 1\n", CX_ENOTFOUND, 2, 3, "wasm.nope", "unknown key");
}

TEST(plugins_are_bounded) {
    cx_buf y = CX_BUF_INIT;
    cx_buf_puts(&y, "wasm:\n  plugins:\n");
    for (int i = 0; i < CX_CONFIG_MAX_PLUGINS; i++)
        cx_buf_printf(&y, "    - {path: p%d.wasm, route: /p%d}\n", i, i);
    cx_config cfg;
    cx_config_init(&cfg);
    cx_config_error err;
    CHECK_EQ(cx_config_load_string(&cfg, y.data, y.len, "many", &err), 0);
    CHECK_EQ(cfg.wasm_plugins.count, CX_CONFIG_MAX_PLUGINS);
    cx_buf_puts(&y, "    - {path: one-more.wasm, route: /more}\n");
    CHECK_EQ(cx_config_load_string(&cfg, y.data, y.len, "many", &err), CX_ELIMIT);
    CHECK(strstr(err.message, "more than 64 plugins") != NULL);
    CHECK_EQ(err.line, CX_CONFIG_MAX_PLUGINS + 3);
    CHECK_EQ(cfg.wasm_plugins.count, CX_CONFIG_MAX_PLUGINS); /* unchanged */
    cx_buf_free(&y);
    cx_config_free(&cfg);
}

/* A later file replaces the list; the environment and flags can only clear it. */
TEST(plugins_layers) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg, "wasm:\n  plugins:\n    - {path: a.wasm, route: /a}\n", NULL), 0);
    CHECK_EQ(load(&cfg, "port: 1\n", NULL), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 1); /* untouched by a file without it */
    CHECK_EQ(
        load(&cfg, "wasm: {plugins: [{path: b.wasm, route: /b}, {path: c.wasm, route: /c}]}", NULL),
        0);
    CHECK_EQ(cfg.wasm_plugins.count, 2);
    CHECK_STR(cfg.wasm_plugins.items[1].path, "c.wasm");
    cx_config_error err;
    CHECK_EQ(cx_config_set(&cfg, "wasm.plugins", "x.wasm", &err), CX_ECONFIG);
    CHECK(strstr(err.message, "wasm.plugins: a list of plugins") == err.message);
    CHECK_EQ(cfg.wasm_plugins.count, 2);
    char *env_bad[] = {"CORTEX_WASM_PLUGINS=x.wasm", NULL};
    CHECK_EQ(cx_config_load_env(&cfg, env_bad, &err), CX_ECONFIG);
    CHECK_STR(err.key, "wasm.plugins");
    char *env_empty[] = {"CORTEX_WASM_PLUGINS=", NULL};
    CHECK_EQ(cx_config_load_env(&cfg, env_empty, &err), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 2); /* empty is unset */
    char *env_clear[] = {"CORTEX_WASM_PLUGINS=[]", NULL};
    CHECK_EQ(cx_config_load_env(&cfg, env_clear, &err), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 0);
    CHECK_EQ(load(&cfg, "wasm: {plugins: [{path: b.wasm, route: /b}]}", NULL), 0);
    CHECK_EQ(cx_config_set(&cfg, "wasm.plugins", "", NULL), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 0);
    CHECK_EQ(load(&cfg, "wasm: {plugins: [{path: b.wasm, route: /b}]}", NULL), 0);
    CHECK_EQ(load(&cfg, "wasm:\n  plugins: null\n", NULL), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 0);
    CHECK_EQ(load(&cfg, "wasm: {plugins: [{path: b.wasm, route: /b}]}", NULL), 0);
    CHECK_EQ(load(&cfg, "wasm: {plugins: []}", NULL), 0);
    CHECK_EQ(cfg.wasm_plugins.count, 0);
    cx_config_free(&cfg);
}

TEST(plugins_copy_is_deep) {
    cx_config a, b;
    cx_config_init(&a);
    CHECK_EQ(load(&a,
                  "wasm: {plugins: [{path: a.wasm, route: /a}, {path: m.wasm, kind: "
                  "middleware, prefix: /m}]}",
                  NULL),
             0);
    CHECK_EQ(cx_config_copy(&b, &a), 0);
    CHECK_EQ(b.wasm_plugins.count, 2);
    CHECK(b.wasm_plugins.items != a.wasm_plugins.items);
    CHECK(b.wasm_plugins.items[0].path != a.wasm_plugins.items[0].path);
    CHECK(b.wasm_plugins.items[1].prefix != a.wasm_plugins.items[1].prefix);
    char text_a[8192];
    snprintf(text_a, sizeof text_a, "%s", plugins_text(&a));
    CHECK_STR(plugins_text(&b), text_a);
    cx_config_free(&a);
    CHECK_STR(b.wasm_plugins.items[1].prefix, "/m");
    CHECK_STR(b.wasm_plugins.items[0].source, "test.yaml");
    cx_config_free(&b);
}

TEST(plugins_dump_round_trips) {
    cx_config cfg;
    cx_config_init(&cfg);
    CHECK_EQ(load(&cfg,
                  "wasm:\n  plugins:\n"
                  "    - {path: \"/srv/we\\\"ird: #x.wasm\", route: \"/a/:id\", methods: [ANY], "
                  "fuel: 0, timeout: 1500ms, reuse: true}\n"
                  "    - {path: m.wasm, kind: middleware, prefix: /m, max_body: 1000}\n"
                  "    - {path: g.wasm, kind: middleware}\n"
                  "    - {path: p.wasm, route: /p, methods: [POST, HEAD]}\n",
                  NULL),
             0);
    char want[8192];
    snprintf(want, sizeof want, "%s", plugins_text(&cfg));
    CHECK(strstr(want, "methods: [ANY]") != NULL);
    CHECK(strstr(want, "methods: [HEAD, POST]") != NULL);
    CHECK(strstr(want, "timeout: 1500ms") != NULL);
    CHECK(strstr(want, "kind: middleware, prefix: \"/m\"") != NULL);
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_config_dump(&cfg, &out), 0);
    cx_buf_putc(&out, '\0');
    CHECK(strstr(out.data, "\nwasm:\n  plugins:\n    - {path: \"/srv/we") != NULL);
    CHECK(strstr(out.data, "\n    - {path: \"g.wasm\", kind: middleware, fuel: ") != NULL);
    cx_config back;
    cx_config_init(&back);
    cx_config_error err;
    int rc = cx_config_load_string(&back, out.data, out.len - 1, "dump", &err);
    if (rc) fprintf(stderr, "  %s\n", err.message);
    CHECK_EQ(rc, 0);
    CHECK_STR(plugins_text(&back), want);
    CHECK_STR(back.wasm_plugins.items[0].path, "/srv/we\"ird: #x.wasm");
    cx_config_free(&back);
    cx_buf_free(&out);
    cx_config_free(&cfg);
}

/* ---- the dump ------------------------------------------------------------------------------ */

TEST(dump_of_defaults) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_config_dump(&cfg, &out), 0);
    cx_buf_putc(&out, '\0');
    CHECK(strstr(out.data, "\nserver:\n  host: \"0.0.0.0\"\n  port: 8080\n") != NULL);
    CHECK(strstr(out.data, "  static_dir: null\n") != NULL);
    CHECK(strstr(out.data, "\nlog:\n  level: info\n  format: logfmt\n  access: true\n") != NULL);
    CHECK(strstr(out.data, "\nlimits:\n  max_request_line: 8KiB\n") != NULL);
    CHECK(strstr(out.data, "  max_body: 8MiB\n") != NULL);
    CHECK(strstr(out.data, "  idle_timeout: 1m\n") != NULL);
    size_t n;
    const cx_config_key_info *keys = cx_config_keys(&n);
    for (size_t i = 0; i < n; i++) CHECK(strstr(out.data, strchr(keys[i].key, '.') + 1) != NULL);
    cx_buf_free(&out);
    cx_config_free(&cfg);
}

static void round_trip(const cx_config *cfg) {
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_config_dump(cfg, &out), 0);
    cx_config back;
    cx_config_init(&back);
    cx_config_set(&back, "server.static_dir", "/must/be/cleared", NULL);
    cx_config_error err;
    int rc = cx_config_load_string(&back, out.data, out.len, "dump", &err);
    if (rc) fprintf(stderr, "  %s\n", err.message);
    CHECK_EQ(rc, 0);
    CHECK(same_config(cfg, &back));
    cx_config_free(&back);
    cx_buf_free(&out);
}

TEST(dump_round_trips) {
    cx_config cfg;
    cx_config_init(&cfg);
    round_trip(&cfg);
    CHECK_EQ(cx_config_load_file(&cfg, data("full.yaml"), NULL), 0);
    round_trip(&cfg);
    /* Values that are not whole units, strings that need escaping. */
    cx_config_set(&cfg, "server.host", "we\"ird\\ h\xC3\xB6st: #x", NULL);
    cx_config_set(&cfg, "server.static_dir", "'quoted' & *star", NULL);
    cx_config_set(&cfg, "limits.max_body", "1000", NULL);
    cx_config_set(&cfg, "limits.idle_timeout", "1500ms", NULL);
    cx_config_set(&cfg, "limits.header_timeout", "0", NULL);
    cx_config_set(&cfg, "limits.body_timeout", "1ms", NULL);
    cx_config_set(&cfg, "log.level", "off", NULL);
    cx_config_set(&cfg, "log.max_line", "300", NULL);
    round_trip(&cfg);
    cx_config_set(&cfg, "server.host", "true", NULL);
    cx_config_set(&cfg, "server.static_dir", "null", NULL);
    round_trip(&cfg);
    cx_config_free(&cfg);
}

TEST(dump_respects_a_full_buffer) {
    cx_config cfg;
    cx_config_init(&cfg);
    cx_buf out = CX_BUF_INIT;
    out.max = 100;
    CHECK_EQ(cx_config_dump(&cfg, &out), CX_ELIMIT);
    cx_buf_free(&out);
    cx_config_free(&cfg);
}

TEST_MAIN()
