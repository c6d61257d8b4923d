/* Fuzz the configuration loader: YAML bytes through cx_config_load_string.
 * Any input must give 0 or an error with a message, never a crash or a
 * leak; an accepted input must survive dump -> load unchanged; and the same
 * bytes, split at the first '=', go through cx_config_set as key and value. */
#include <cortex/config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* wasm.plugins as the dump prints it: entries with every field. */
static int same_plugins(const cx_config *a, const cx_config *b) {
    cx_buf x = CX_BUF_INIT, y = CX_BUF_INIT;
    if (cx_config_get(a, "wasm.plugins", &x) || cx_config_get(b, "wasm.plugins", &y)) abort();
    int eq = x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
    cx_buf_free(&x);
    cx_buf_free(&y);
    return eq;
}

static int same(const cx_config *a, const cx_config *b) {
    return same_plugins(a, b) && same_str(a->host, b->host) &&
           same_str(a->static_dir, b->static_dir) && a->port == b->port &&
           a->threads == b->threads && a->drain_timeout_ms == b->drain_timeout_ms &&
           a->log_level == b->log_level && a->log_format == b->log_format &&
           a->access_log == b->access_log && a->log_max_line == b->log_max_line &&
           memcmp(&a->limits, &b->limits, sizeof a->limits) == 0;
}

static void check_error(int rc, const cx_config_error *err) {
    if (rc == 0) return;
    if (err->code != rc || memchr(err->message, '\0', sizeof err->message) == NULL ||
        err->message[0] == '\0')
        abort();
}

static void round_trip(const cx_config *cfg) {
    cx_buf out = CX_BUF_INIT;
    if (cx_config_dump(cfg, &out)) abort();
    cx_config back;
    if (cx_config_init(&back)) abort();
    cx_config_error err;
    if (cx_config_load_string(&back, out.data, out.len, "dump", &err) || !same(cfg, &back)) abort();
    cx_config_free(&back);
    cx_buf_free(&out);
}

static void through_set(const uint8_t *data, size_t size) {
    if (size > 2 * CX_CONFIG_MAX_STRING) return;
    char *text = malloc(size + 1);
    if (!text) return;
    memcpy(text, data, size);
    text[size] = '\0';
    char *eq = strchr(text, '=');
    cx_config cfg;
    if (eq && cx_config_init(&cfg) == 0) {
        *eq = '\0';
        cx_config_error err;
        cx_config before;
        if (cx_config_copy(&before, &cfg)) abort();
        int rc = cx_config_set(&cfg, text, eq + 1, &err);
        check_error(rc, &err);
        if (rc && !same(&before, &cfg)) abort(); /* a failed set changes nothing */
        if (!rc) round_trip(&cfg);
        cx_config_free(&before);
        cx_config_free(&cfg);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_config cfg;
    if (cx_config_init(&cfg)) return 0;
    cx_config_error err;
    int rc = cx_config_load_string(&cfg, (const char *)data, size, "fuzz", &err);
    check_error(rc, &err);
    if (rc == 0) round_trip(&cfg);
    cx_config_free(&cfg);
    through_set(data, size);
    return 0;
}
