/* Configuration: one table of settings drives parsing, defaults, the
 * environment, the dump and the docs' reference (cx_config_keys). */
#include "core/config_int.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/wasm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum vtype { V_STR, V_UINT, V_SIZE, V_DUR, V_BOOL, V_LEVEL, V_FORMAT, V_PLUGINS };

typedef struct spec {
    enum vtype type;
    size_t offset, width;
    bool nullable;     /* a string that may be unset */
    uint64_t min, max; /* for strings: length in bytes */
} spec;

#define KIB    1024ull
#define MIB    (1024ull * KIB)
#define TIB    (1024ull * 1024 * MIB)
#define DAY_MS (24ull * 3600 * 1000)

/* The settings, in dump order (grouped by section). Defaults are written as
 * cx_config_get() prints them; a unit test holds the two together. */
#define CX_SETTINGS(X)                                                                             \
    X("server.host", V_STR, host, 0, 1, 255, "0.0.0.0",                                            \
      "Address to listen on: an IP address or a host name; 0.0.0.0 is every IPv4 address, :: "     \
      "every IPv6 one.")                                                                           \
    X("server.port", V_UINT, port, 0, 0, 65535, "8080",                                            \
      "TCP port to listen on; 0 picks a free one.")                                                \
    X("server.threads", V_UINT, threads, 0, 0, 1024, "0",                                          \
      "Worker threads, each with its own event loop and listening socket; 0 is one per CPU core.") \
    X("server.static_dir", V_STR, static_dir, 1, 1, CX_CONFIG_MAX_STRING, "null",                  \
      "Directory whose files `cortex serve` serves under /; unset (null or empty) serves none.")   \
    X("server.drain_timeout", V_DUR, drain_timeout_ms, 0, 0, DAY_MS, "10s",                        \
      "On SIGTERM or SIGINT, how long requests in flight may take to finish before the workers "   \
      "stop; 0 stops at once.")                                                                    \
    X("tls.cert", V_STR, tls_cert, 1, 1, CX_CONFIG_MAX_STRING, "null",                             \
      "Certificate chain files (PEM), comma-separated; the first is the default, the others are "  \
      "chosen by SNI. Set: the listener speaks TLS 1.2/1.3.")                                      \
    X("tls.key", V_STR, tls_key, 1, 1, CX_CONFIG_MAX_STRING, "null",                               \
      "Private key files (PEM), comma-separated, one per tls.cert entry.")                         \
    X("tls.ocsp", V_STR, tls_ocsp, 1, 1, CX_CONFIG_MAX_STRING, "null",                             \
      "OCSP response files (DER) to staple, comma-separated, one per tls.cert entry (may be "      \
      "empty).")                                                                                   \
    X("tls.client_ca", V_STR, tls_client_ca, 1, 1, CX_CONFIG_MAX_STRING, "null",                   \
      "CA bundle (PEM) that client certificates are verified against (mTLS).")                     \
    X("tls.client_auth", V_STR, tls_client_auth, 0, 1, 16, "none",                                 \
      "Client certificates: none, optional (verified when sent) or required.")                     \
    X("tls.handshake_timeout", V_DUR, tls_handshake_timeout_ms, 0, 1, DAY_MS, "10s",               \
      "Time a client has to complete the TLS handshake.")                                          \
    X("tls.ticket_rotate", V_DUR, tls_ticket_rotate_ms, 0, 0, DAY_MS, "1h",                        \
      "Lifetime of a session-ticket key (tickets stay valid for two); 0 turns tickets off.")       \
    X("tls.redirect_port", V_UINT, tls_redirect_port, 0, 0, 65535, "0",                            \
      "With TLS: a plain HTTP port answering every request with a 308 to https; 0: none.")         \
    X("tls.hsts_max_age", V_DUR, tls_hsts_max_age_ms, 0, 0, 3650 * DAY_MS, "0s",                   \
      "With TLS: send Strict-Transport-Security with this max-age; 0: do not.")                    \
    X("http2.enabled", V_BOOL, http2, 0, 0, 0, "true",                                             \
      "HTTP/2: h2 by ALPN over TLS, h2c (prior knowledge or Upgrade) on plain TCP.")               \
    X("http2.max_concurrent_streams", V_UINT, h2_max_streams, 0, 1, 100000, "100",                 \
      "Streams a client may have open at once on one connection.")                                 \
    X("http2.max_header_list", V_SIZE, h2_max_header_list, 0, 256, 16 * MIB, "64KiB",              \
      "Largest decoded header list of a request; larger resets the stream.")                       \
    X("http2.hpack_table_size", V_SIZE, h2_hpack_table, 0, 0, 1 * MIB, "4KiB",                     \
      "HPACK dynamic table size the server lets clients use.")                                     \
    X("log.level", V_LEVEL, log_level, 0, 0, 0, "info",                                            \
      "Least severe level written: trace, debug, info, warn, error, or off.")                      \
    X("log.format", V_FORMAT, log_format, 0, 0, 0, "logfmt",                                       \
      "Line format: logfmt (key=value pairs) or json (one object per line).")                      \
    X("log.access", V_BOOL, access_log, 0, 0, 0, "true", "Write one access-log line per request.") \
    X("log.max_line", V_SIZE, log_max_line, 0, CX_LOG_LINE_MIN, CX_LOG_LINE_MAX, "4KiB",           \
      "Longest log line; longer lines are cut and marked truncated=true.")                         \
    X("limits.max_request_line", V_SIZE, limits.max_request_line, 0, 16, 16 * MIB, "8KiB",         \
      "Longest request line (method, target, version); longer is answered 414.")                   \
    X("limits.max_header_bytes", V_SIZE, limits.max_header_bytes, 0, 64, 16 * MIB, "32KiB",        \
      "Largest request head (request line and headers); larger is answered 431.")                  \
    X("limits.max_headers", V_UINT, limits.max_headers, 0, 1, 10000, "100",                        \
      "Most header fields in a request; more is answered 431.")                                    \
    X("limits.max_body", V_SIZE, limits.max_body, 0, 0, TIB, "8MiB",                               \
      "Largest request body; larger is answered 413.")                                             \
    X("limits.header_timeout", V_DUR, limits.header_timeout_ms, 0, 0, DAY_MS, "10s",               \
      "Time to receive a whole request head once it has begun; then 408. 0: no limit.")            \
    X("limits.body_timeout", V_DUR, limits.body_timeout_ms, 0, 1, DAY_MS, "30s",                   \
      "Longest wait between two reads of a request body; then 408.")                               \
    X("limits.idle_timeout", V_DUR, limits.idle_timeout_ms, 0, 0, DAY_MS, "1m",                    \
      "How long a keep-alive connection may wait for its next request. 0: no limit.")              \
    X("limits.write_timeout", V_DUR, limits.write_timeout_ms, 0, 1, DAY_MS, "30s",                 \
      "How long a client may stop reading a response before the connection is closed.")            \
    X("limits.max_pipelined", V_UINT, limits.max_pipelined, 0, 1, 65535, "64",                     \
      "Pipelined requests parsed ahead on one connection before its responses are written.")       \
    X("limits.max_connections", V_UINT, limits.max_connections, 0, 0, 16777216, "0",               \
      "Open connections per worker thread; 0: no limit.")                                          \
    X("metrics.enabled", V_BOOL, metrics_enabled, 0, 0, 0, "true",                                 \
      "Count requests, connections and loop lag, and serve them on GET /metrics (cortex serve).")  \
    X("metrics.max_series", V_UINT, metrics_max_series, 0, 1, 1048576, "1000",                     \
      "Most label combinations one metric family keeps; more are refused and counted.")            \
    X("health.enabled", V_BOOL, health_enabled, 0, 0, 0, "true",                                   \
      "Serve GET /health, /health/live and /health/ready (cortex serve).")                         \
    X("tracing.exporter", V_STR, tracing_exporter, 0, 1, 16, "none",                               \
      "Where server spans go: none, console (stderr), otlp (OTLP/HTTP) or zipkin (v2 JSON).")      \
    X("tracing.endpoint", V_STR, tracing_endpoint, 1, 1, CX_CONFIG_MAX_STRING, "null",             \
      "Collector URL for otlp or zipkin, e.g. http://127.0.0.1:4318/v1/traces.")                   \
    X("tracing.sample_permille", V_UINT, tracing_sample_permille, 0, 0, 1000, "1000",              \
      "New traces sampled per thousand requests (parent-based: a caller's decision is kept).")     \
    X("tracing.service", V_STR, tracing_service, 0, 1, 255, "cortex",                              \
      "service.name reported with every span.")                                                    \
    X("tracing.protocol", V_STR, tracing_protocol, 0, 1, 16, "http/protobuf",                      \
      "OTLP wire for tracing.exporter=otlp: http/protobuf or http/json.")                          \
    X("wasm.plugins", V_PLUGINS, wasm_plugins, 0, 0, CX_CONFIG_MAX_PLUGINS, "[]",                  \
      "WebAssembly plugins `cortex serve` mounts as handlers or middleware (docs/WASM.md); a "     \
      "list, written only in the YAML file.")

#define TYPE_NAME(t)                                                                               \
    ((t) == V_STR       ? "string"                                                                 \
     : (t) == V_UINT    ? "integer"                                                                \
     : (t) == V_SIZE    ? "size"                                                                   \
     : (t) == V_DUR     ? "duration"                                                               \
     : (t) == V_BOOL    ? "boolean"                                                                \
     : (t) == V_LEVEL   ? "log level"                                                              \
     : (t) == V_PLUGINS ? "list"                                                                   \
                        : "log format")

#define AS_INFO(key, type, field, nullable, min, max, dflt, doc) {key, TYPE_NAME(type), dflt, doc},
#define AS_SPEC(key, type, field, nullable, min, max, dflt, doc)                                   \
    {type, offsetof(cx_config, field), sizeof(((cx_config *)0)->field), nullable, min, max},

static const cx_config_key_info infos[] = {CX_SETTINGS(AS_INFO)};
static const spec specs[] = {CX_SETTINGS(AS_SPEC)};
#define NSETTINGS (sizeof specs / sizeof specs[0])

const cx_config_key_info *cx_config_keys(size_t *count) {
    if (count) *count = NSETTINGS;
    return infos;
}

size_t cx__config_count(void) {
    return NSETTINGS;
}

int cx__config_find(const char *key, size_t len) {
    static const char prefix[] = "server.";
    bool short_form = !memchr(key, '.', len);
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *k = infos[i].key;
        if (strlen(k) == len && memcmp(k, key, len) == 0) return (int)i;
        if (short_form && strncmp(k, prefix, sizeof prefix - 1) == 0 &&
            strlen(k + sizeof prefix - 1) == len && memcmp(k + sizeof prefix - 1, key, len) == 0)
            return (int)i;
    }
    return -1;
}

bool cx__config_is_section(const char *prefix, size_t len) {
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *k = infos[i].key;
        if (strlen(k) > len && memcmp(k, prefix, len) == 0 && k[len] == '.') return true;
    }
    return false;
}

/* ---- messages -------------------------------------------------------------- */

void cx__config_quote(char *out, size_t cap, const char *s, size_t n, size_t max) {
    size_t o = 0;
    if (cap < 8) {
        if (cap) out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == max) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Append to a message buffer, cutting what does not fit. */
static void cat(char msg[CX_CONFIG_MESSAGE_MAX], size_t *len, const char *s) {
    size_t n = strlen(s), room = CX_CONFIG_MESSAGE_MAX - 1 - *len;
    if (n > room) n = room;
    memcpy(msg + *len, s, n);
    *len += n;
    msg[*len] = '\0';
}

int cx__config_fail(cx_config_error *err, int code, const cx__config_pos *pos, const char *key,
                    const char *fmt, ...) {
    if (!err) return code;
    memset(err, 0, sizeof *err);
    err->code = code;
    const char *source = pos && pos->source ? pos->source : "";
    snprintf(err->source, sizeof err->source, "%s", source);
    if (pos) {
        err->line = pos->line;
        err->column = pos->column;
    }
    if (key) snprintf(err->key, sizeof err->key, "%s", key);
    char detail[CX_CONFIG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const char *label = pos && pos->label ? pos->label : err->key;
    size_t len = 0;
    if (*source) {
        cat(err->message, &len, source);
        if (err->line) {
            char at[32];
            snprintf(at, sizeof at, ":%u:%u", err->line, err->column);
            cat(err->message, &len, at);
        }
        cat(err->message, &len, ": ");
    }
    if (*label) {
        char safe[CX_CONFIG_MAX_KEY + 1];
        size_t i = 0;
        for (; label[i] && i < CX_CONFIG_MAX_KEY; i++) {
            unsigned char c = (unsigned char)label[i];
            safe[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
        }
        safe[i] = '\0';
        cat(err->message, &len, safe);
        cat(err->message, &len, ": ");
    }
    cat(err->message, &len, detail);
    return code;
}

/* Edit distance, for "did you mean"; keys are short (CX_CONFIG_MAX_KEY). */
static size_t distance(const char *a, size_t n, const char *b) {
    size_t m = strlen(b), row[CX_CONFIG_MAX_KEY + 2];
    if (n > CX_CONFIG_MAX_KEY || m > CX_CONFIG_MAX_KEY) return SIZE_MAX;
    for (size_t j = 0; j <= m; j++) row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

static const char *suggest(const char *key, size_t len) {
    const char *best = NULL;
    size_t best_d = len / 3 + 1;
    for (size_t i = 0; i < NSETTINGS; i++) {
        size_t d = distance(key, len, infos[i].key);
        if (d <= best_d && (!best || d < best_d)) {
            best = infos[i].key;
            best_d = d;
        }
    }
    return best;
}

static int unknown_key(const char *key, const cx__config_pos *pos, cx_config_error *err) {
    size_t len = strlen(key);
    char shown[CX_CONFIG_MAX_KEY + 64];
    cx__config_quote(shown, sizeof shown, key, len, CX_CONFIG_MAX_KEY);
    const char *hint = suggest(key, len);
    cx__config_pos p = *pos;
    p.label = "";
    if (hint)
        return cx__config_fail(err, CX_ENOTFOUND, &p, key, "unknown key %s (did you mean \"%s\"?)",
                               shown, hint);
    return cx__config_fail(err, CX_ENOTFOUND, &p, key, "unknown key %s", shown);
}

/* ---- values ---------------------------------------------------------------- */

/* A value's outcome: a code and, on error, a detail for the message. */
typedef struct verdict {
    int code;
    char detail[CX_CONFIG_MESSAGE_MAX / 2];
} verdict;

static int reject(verdict *v, int code, const char *what, const char *s) {
    char shown[96];
    cx__config_quote(shown, sizeof shown, s, strlen(s), 48);
    snprintf(v->detail, sizeof v->detail, "%s: %s", what, shown);
    return v->code = code;
}

/* Decimal digits at *s, advancing it. 0, CX_ECONFIG (no digit) or CX_ERANGE. */
static int digits(const char **s, uint64_t *out) {
    const char *p = *s;
    uint64_t n = 0;
    if (*p < '0' || *p > '9') return CX_ECONFIG;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (UINT64_MAX - d) / 10) return CX_ERANGE;
        n = n * 10 + d;
    }
    *s = p;
    *out = n;
    return CX_OK;
}

static int parse_uint(const char *s, uint64_t *out, verdict *v) {
    const char *p = s;
    int rc = digits(&p, out);
    if (rc == CX_ERANGE) return reject(v, CX_ERANGE, "number too large", s);
    if (rc || *p) return reject(v, CX_ECONFIG, "not a non-negative integer", s);
    return CX_OK;
}

/* Sizes: an integer and an optional binary unit, case-insensitive, with
 * optional spaces between: B, K/KiB, M/MiB, G/GiB, T/TiB. KB, MB, ... are
 * refused: whether they mean 1000 or 1024 is exactly the doubt to avoid. */
static int parse_size(const char *s, uint64_t *out, verdict *v) {
    static const struct {
        const char *name;
        uint64_t mult;
    } units[] = {{"", 1},      {"b", 1},          {"k", KIB},          {"kib", KIB}, {"m", MIB},
                 {"mib", MIB}, {"g", 1024 * MIB}, {"gib", 1024 * MIB}, {"t", TIB},   {"tib", TIB}};
    const char *p = s;
    uint64_t n;
    int rc = digits(&p, &n);
    if (rc == CX_ERANGE) return reject(v, CX_ERANGE, "size too large", s);
    if (rc) return reject(v, CX_ECONFIG, "not a size (e.g. 512, 64KiB, 8MiB)", s);
    while (*p == ' ') p++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(p, units[i].name) != 0) continue;
        if (n > UINT64_MAX / units[i].mult) return reject(v, CX_ERANGE, "size too large", s);
        *out = n * units[i].mult;
        return CX_OK;
    }
    if (strlen(p) == 2 && strchr("kKmMgGtT", p[0]) && (p[1] == 'b' || p[1] == 'B'))
        return reject(v, CX_ECONFIG, "ambiguous unit (write KiB, MiB, GiB or TiB: powers of 1024)",
                      s);
    return reject(v, CX_ECONFIG, "not a size (units: B, KiB, MiB, GiB, TiB or K, M, G, T)", s);
}

/* Durations: one or more <integer><unit> with unit ms, s, m or h ("1m30s");
 * a bare 0 is allowed, any other bare number is refused rather than
 * guessed at. The result is in milliseconds. */
static uint64_t duration_unit(const char **p) {
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t n = strlen(units[u].name);
        if (strncmp(*p, units[u].name, n) != 0) continue;
        if ((*p)[n] >= 'a' && (*p)[n] <= 'z') continue; /* "min" is not "m" */
        *p += n;
        return units[u].ms;
    }
    return 0;
}

static int parse_duration(const char *s, uint64_t *out, verdict *v) {
    const char *p = s;
    uint64_t total = 0;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return CX_OK;
    }
    do {
        uint64_t n;
        int rc = digits(&p, &n);
        if (rc == CX_ERANGE) return reject(v, CX_ERANGE, "duration too long", s);
        if (rc) return reject(v, CX_ECONFIG, "not a duration (e.g. 500ms, 10s, 1m30s)", s);
        uint64_t unit = duration_unit(&p);
        if (!unit) return reject(v, CX_ECONFIG, "duration needs a unit: ms, s, m or h", s);
        if (n > (UINT64_MAX - total) / unit) return reject(v, CX_ERANGE, "duration too long", s);
        total += n * unit;
    } while (*p);
    *out = total;
    return CX_OK;
}

static int parse_bool(const char *s, uint64_t *out, verdict *v) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return CX_OK;
        }
    }
    return reject(v, CX_ECONFIG, "not a boolean (true/false, yes/no, on/off)", s);
}

/* The code point of the well-formed UTF-8 sequence at s, with *len set, or
 * -1 (RFC 3629: no over-long forms, no surrogates, nothing past U+10FFFF). */
static long utf8_decode(const unsigned char *s, size_t n, size_t *len) {
    unsigned c = s[0];
    *len = 1;
    if (c < 0x80) return (long)c;
    size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0xC2 || c > 0xF4 || k > n) return -1;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (s[1] < lo || s[1] > hi) return -1;
    long cp = (long)(c & (0x7F >> k));
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *len = k;
    return cp;
}

/* Strings are UTF-8 text without control characters (C0, DEL, C1), line
 * or paragraph separators, byte-order marks or non-characters: they end up
 * in system calls, log lines and the YAML dump, which must read back. */
static bool valid_text(const char *s, size_t n) {
    for (size_t i = 0, len; i < n; i += len) {
        long cp = utf8_decode((const unsigned char *)s + i, n - i, &len);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
            cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
            return false;
    }
    return true;
}

static uint64_t width_max(size_t width) {
    return width >= 8 ? UINT64_MAX : (1ull << (width * 8)) - 1;
}

static void store_uint(void *p, size_t width, uint64_t n) {
    if (width == 1)
        *(uint8_t *)p = (uint8_t)n;
    else if (width == 2)
        *(uint16_t *)p = (uint16_t)n;
    else if (width == 4)
        *(uint32_t *)p = (uint32_t)n;
    else
        *(uint64_t *)p = n;
}

static uint64_t load_uint(const void *p, size_t width) {
    if (width == 1) return *(const uint8_t *)p;
    if (width == 2) return *(const uint16_t *)p;
    if (width == 4) return *(const uint32_t *)p;
    return *(const uint64_t *)p;
}

static void format_size(uint64_t n, char *out, size_t cap) {
    static const char *const names[] = {"TiB", "GiB", "MiB", "KiB"};
    static const uint64_t mult[] = {TIB, 1024 * MIB, MIB, KIB};
    for (size_t i = 0; i < 4 && n; i++) {
        if (n % mult[i] == 0) {
            snprintf(out, cap, "%llu%s", (unsigned long long)(n / mult[i]), names[i]);
            return;
        }
    }
    snprintf(out, cap, "%llu", (unsigned long long)n);
}

static void format_duration(uint64_t ms, char *out, size_t cap) {
    static const char *const names[] = {"h", "m", "s"};
    static const uint64_t mult[] = {3600000, 60000, 1000};
    for (size_t i = 0; i < 3 && ms; i++) {
        if (ms % mult[i] == 0) {
            snprintf(out, cap, "%llu%s", (unsigned long long)(ms / mult[i]), names[i]);
            return;
        }
    }
    snprintf(out, cap, ms ? "%llums" : "0s", (unsigned long long)ms);
}

static void format_number(const spec *sp, uint64_t n, char *out, size_t cap) {
    if (sp->type == V_SIZE)
        format_size(n, out, cap);
    else if (sp->type == V_DUR)
        format_duration(n, out, cap);
    else
        snprintf(out, cap, "%llu", (unsigned long long)n);
}

static int parse_number(const spec *sp, const char *s, uint64_t *n, verdict *v) {
    int rc = sp->type == V_SIZE   ? parse_size(s, n, v)
             : sp->type == V_DUR  ? parse_duration(s, n, v)
             : sp->type == V_BOOL ? parse_bool(s, n, v)
                                  : parse_uint(s, n, v);
    if (rc || sp->type == V_BOOL) return rc;
    uint64_t max = sp->max < width_max(sp->width) ? sp->max : width_max(sp->width);
    if (*n < sp->min || *n > max) {
        char lo[32], hi[32];
        format_number(sp, sp->min, lo, sizeof lo);
        format_number(sp, max, hi, sizeof hi);
        char what[96];
        snprintf(what, sizeof what, "out of range (%s to %s)", lo, hi);
        return reject(v, CX_ERANGE, what, s);
    }
    return CX_OK;
}

static int set_string(void *base, const spec *sp, const char *s, verdict *v) {
    char **slot = (char **)((char *)base + sp->offset);
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        if (!sp->nullable) return reject(v, CX_ECONFIG, "needs a value", "");
        free(*slot);
        *slot = NULL;
        return CX_OK;
    }
    if (n > sp->max) {
        snprintf(v->detail, sizeof v->detail, "longer than %llu bytes",
                 (unsigned long long)sp->max);
        return v->code = CX_ELIMIT;
    }
    if (!valid_text(s, n))
        return reject(v, CX_ECONFIG, "not UTF-8 text without control characters", s);
    char *copy = strdup(s);
    if (!copy) return v->code = CX_ENOMEM;
    free(*slot);
    *slot = copy;
    return CX_OK;
}

static void plugins_clear(cx_config_plugins *list);

/* Parse s as the setting's type and store it at base + sp->offset (base:
 * a cx_config, or a cx_config_plugin for the fields of a plugin); base is
 * untouched on error. */
static int set_value(void *base, const spec *sp, const char *s, verdict *v) {
    void *p = (char *)base + sp->offset;
    if (sp->type == V_STR) return set_string(base, sp, s, v);
    if (sp->type == V_PLUGINS) {
        /* Text can only clear the list: entries are YAML mappings. */
        if (s && *s && strcmp(s, "[]") != 0)
            return reject(v, CX_ECONFIG,
                          "a list of plugins: write it in the YAML file (only \"\" or [] "
                          "clears it here)",
                          s);
        plugins_clear(p);
        return CX_OK;
    }
    if (!s || !*s) return reject(v, CX_ECONFIG, "needs a value", "");
    if (sp->type == V_LEVEL) {
        cx_log_level lv;
        if (cx_log_level_parse(s, &lv))
            return reject(v, CX_ECONFIG, "not a log level (trace, debug, info, warn, error, off)",
                          s);
        *(cx_log_level *)p = lv;
        return CX_OK;
    }
    if (sp->type == V_FORMAT) {
        cx_log_format f;
        if (cx_log_format_parse(s, &f))
            return reject(v, CX_ECONFIG, "not a log format (logfmt, json)", s);
        *(cx_log_format *)p = f;
        return CX_OK;
    }
    uint64_t n = 0;
    int rc = parse_number(sp, s, &n, v);
    if (rc) return rc;
    if (sp->type == V_BOOL)
        *(bool *)p = n != 0;
    else
        store_uint(p, sp->width, n);
    return CX_OK;
}

int cx__config_set_at(cx_config *cfg, const char *key, const char *value, const cx__config_pos *pos,
                      unsigned char *seen, cx_config_error *err) {
    static const cx__config_pos none = {.source = ""};
    if (!pos) pos = &none;
    if (!key) key = "";
    int i = cx__config_find(key, strlen(key));
    if (i < 0) return unknown_key(key, pos, err);
    if (seen && seen[i]++)
        return cx__config_fail(err, CX_EPARSE, pos, infos[i].key, "set twice in the same place");
    verdict v = {0};
    int rc = set_value(cfg, &specs[i], value, &v);
    if (rc == CX_ENOMEM) return cx__config_fail(err, rc, pos, infos[i].key, "out of memory");
    if (rc) return cx__config_fail(err, rc, pos, infos[i].key, "%s", v.detail);
    return CX_OK;
}

int cx_config_set(cx_config *cfg, const char *key, const char *value, cx_config_error *err) {
    return cx__config_set_at(cfg, key, value, NULL, NULL, err);
}

/* ---- wasm.plugins entries -------------------------------------------------- */

/* The fields of one entry that take a value of a common type; kind and
 * methods are parsed on their own. Defaults come from the mount's. */
#define PLUGIN_FIELD(name, type, field, nullable, min, max)                                        \
    {                                                                                              \
        name, {                                                                                    \
            type, offsetof(cx_config_plugin, field), sizeof(((cx_config_plugin *)0)->field),       \
                nullable, min, max                                                                 \
        }                                                                                          \
    }
static const struct {
    const char *name;
    spec sp;
} plugin_fields[] = {
    PLUGIN_FIELD("path", V_STR, path, 0, 1, CX_CONFIG_MAX_STRING),
    {"kind", {V_STR, 0, 0, 0, 0, 0}},
    PLUGIN_FIELD("route", V_STR, route, 0, 1, 1024),
    PLUGIN_FIELD("prefix", V_STR, prefix, 1, 1, 1024),
    {"methods", {V_STR, 0, 0, 0, 0, 0}},
    PLUGIN_FIELD("fuel", V_UINT, fuel, 0, 0, UINT64_MAX),
    PLUGIN_FIELD("timeout", V_DUR, timeout_ms, 0, 0, 3600000),
    PLUGIN_FIELD("memory_pages", V_UINT, memory_pages, 0, 1, 65536),
    PLUGIN_FIELD("max_body", V_SIZE, max_body, 0, 0, 1024 * MIB),
    PLUGIN_FIELD("max_response", V_SIZE, max_response, 0, 1, 1024 * MIB),
    PLUGIN_FIELD("reuse", V_BOOL, reuse, 0, 0, 0),
    PLUGIN_FIELD("max_idle", V_UINT, max_idle, 0, 1, 4096),
};
#define NPLUGIN_FIELDS (sizeof plugin_fields / sizeof plugin_fields[0])
enum { F_PATH, F_KIND, F_ROUTE, F_PREFIX, F_METHODS };

void cx__config_plugin_init(cx_config_plugin *p) {
    cx_wasm_mount_options o;
    cx_wasm_mount_options_defaults(&o);
    *p = (cx_config_plugin){
        .methods = 1u << CX_METHOD_GET,
        .fuel = o.fuel,
        .timeout_ms = o.deadline_ms,
        .memory_pages = o.max_memory_pages,
        .max_body = o.max_body,
        .max_response = o.max_response,
        .reuse = o.reuse,
        .max_idle = o.max_idle,
    };
}

void cx__config_plugin_free(cx_config_plugin *p) {
    free(p->path);
    free(p->route);
    free(p->prefix);
    free(p->source);
    p->path = p->route = p->prefix = p->source = NULL;
}

static void plugins_clear(cx_config_plugins *list) {
    for (unsigned i = 0; i < list->count; i++) cx__config_plugin_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void cx__config_plugins_replace(cx_config *cfg, cx_config_plugins *list) {
    plugins_clear(&cfg->wasm_plugins);
    cfg->wasm_plugins = *list;
    *list = (cx_config_plugins){0};
}

static int plugin_copy(cx_config_plugin *dst, const cx_config_plugin *src) {
    *dst = *src;
    dst->path = dst->route = dst->prefix = dst->source = NULL;
    const char *from[4] = {src->path, src->route, src->prefix, src->source};
    char **to[4] = {&dst->path, &dst->route, &dst->prefix, &dst->source};
    for (int i = 0; i < 4; i++) {
        if (from[i] && !(*to[i] = strdup(from[i]))) {
            cx__config_plugin_free(dst);
            return CX_ENOMEM;
        }
    }
    return CX_OK;
}

static int plugins_copy(cx_config_plugins *dst, const cx_config_plugins *src) {
    *dst = (cx_config_plugins){0};
    if (!src->count) return CX_OK;
    dst->items = calloc(src->count, sizeof *dst->items);
    if (!dst->items) return CX_ENOMEM;
    for (; dst->count < src->count; dst->count++) {
        if (plugin_copy(&dst->items[dst->count], &src->items[dst->count])) {
            plugins_clear(dst);
            return CX_ENOMEM;
        }
    }
    return CX_OK;
}

/* One method name (as HTTP spells it: upper case) or ANY, added to p. */
int cx__config_plugin_method(cx_config_plugin *p, const char *name, const cx__config_pos *pos,
                             const char *label, cx_config_error *err) {
    if (strcmp(name, "ANY") == 0) {
        p->methods |= 1u; /* bit 0 (CX_METHOD_OTHER): every method */
        return CX_OK;
    }
    for (int m = CX_METHOD_GET; m < CX_METHOD_COUNT_; m++) {
        if (strcmp(name, cx_method_name((cx_method)m)) == 0) {
            p->methods |= 1u << m;
            return CX_OK;
        }
    }
    char shown[96];
    cx__config_quote(shown, sizeof shown, name, strlen(name), 48);
    return cx__config_fail(err, CX_ECONFIG, pos, label,
                           "not a method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, "
                           "CONNECT or ANY): %s",
                           shown);
}

/* methods as one scalar: "GET" or "GET, POST". */
static int methods_from_text(cx_config_plugin *p, const char *s, const cx__config_pos *pos,
                             const char *label, cx_config_error *err) {
    char one[16];
    for (;;) {
        while (*s == ' ') s++;
        size_t n = strcspn(s, ", ");
        if (n == 0 || n >= sizeof one)
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "a method or a list of methods ([GET, POST])");
        memcpy(one, s, n);
        one[n] = '\0';
        int rc = cx__config_plugin_method(p, one, pos, label, err);
        if (rc) return rc;
        s += n;
        while (*s == ' ') s++;
        if (!*s) return CX_OK;
        if (*s++ != ',')
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "methods are separated by commas ([GET, POST])");
    }
}

int cx__config_plugin_field(const char *name, size_t len) {
    for (size_t i = 0; i < NPLUGIN_FIELDS; i++)
        if (strlen(plugin_fields[i].name) == len && !memcmp(plugin_fields[i].name, name, len))
            return (int)i;
    return -1;
}

const char *cx__config_plugin_field_name(int field) {
    return field >= 0 && (size_t)field < NPLUGIN_FIELDS ? plugin_fields[field].name : "";
}

int cx__config_plugin_is_methods(int field) {
    return field == F_METHODS;
}

int cx__config_plugin_set(cx_config_plugin *p, int field, const char *value,
                          const cx__config_pos *pos, const char *label, cx_config_error *err) {
    if (field < 0 || (size_t)field >= NPLUGIN_FIELDS)
        return cx__config_fail(err, CX_ENOTFOUND, pos, label, "unknown field");
    if (field == F_KIND) {
        if (value && !strcmp(value, "handler"))
            p->middleware = false;
        else if (value && !strcmp(value, "middleware"))
            p->middleware = true;
        else
            return cx__config_fail(err, CX_ECONFIG, pos, label, "handler or middleware, not %s",
                                   value ? value : "null");
        return CX_OK;
    }
    if (field == F_METHODS) {
        p->methods = 0;
        if (!value || !*value)
            return cx__config_fail(err, CX_ECONFIG, pos, label, "needs at least one method");
        return methods_from_text(p, value, pos, label, err);
    }
    verdict v = {0};
    int rc = set_value(p, &plugin_fields[field].sp, value, &v);
    if (rc == CX_ENOMEM) return cx__config_fail(err, rc, pos, label, "out of memory");
    if (rc) return cx__config_fail(err, rc, pos, label, "%s", v.detail);
    return CX_OK;
}

/* Does a router pattern or prefix look like one? The router has the last
 * word (cortex serve reports its verdict with the entry's position); this
 * catches what is plainly wrong while the YAML position is at hand. */
static bool path_like(const char *s) {
    return s && s[0] == '/' && !strpbrk(s, " ?#");
}

int cx__config_plugin_check(cx_config_plugin *p, unsigned seen, const cx__config_pos *pos,
                            const char *label, cx_config_error *err) {
    if (!(seen & (1u << F_PATH)))
        return cx__config_fail(err, CX_ECONFIG, pos, label, "needs a path (the .wasm file)");
    if (p->middleware) {
        if (seen & (1u << F_ROUTE))
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "route is for handlers; middleware takes a prefix");
        if (seen & (1u << F_METHODS))
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "methods is for handlers; middleware sees every method");
        p->methods = 0;
        if (p->prefix && !path_like(p->prefix))
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "prefix must be a path starting with /");
        size_t n = p->prefix ? strlen(p->prefix) : 0;
        if (n > 1 && p->prefix[n - 1] == '/')
            return cx__config_fail(err, CX_ECONFIG, pos, label,
                                   "prefix must not end with / (write /api, not /api/)");
        if (n == 1) { /* "/": every route, as with no prefix */
            free(p->prefix);
            p->prefix = NULL;
        }
        return CX_OK;
    }
    if (seen & (1u << F_PREFIX))
        return cx__config_fail(err, CX_ECONFIG, pos, label,
                               "prefix is for middleware; a handler takes a route");
    if (!(seen & (1u << F_ROUTE)))
        return cx__config_fail(err, CX_ECONFIG, pos, label,
                               "a handler needs a route (e.g. /hello/*rest)");
    if (!path_like(p->route))
        return cx__config_fail(err, CX_ECONFIG, pos, label,
                               "route must be a path pattern starting with /");
    if ((p->methods & 1u) && p->methods != 1u)
        return cx__config_fail(err, CX_ECONFIG, pos, label,
                               "ANY already means every method: list no other");
    return CX_OK;
}

static int append_quoted(cx_buf *out, const char *s) {
    int rc = cx_buf_putc(out, '"');
    for (; *s && !rc; s++) {
        if (*s == '"' || *s == '\\') rc = cx_buf_putc(out, '\\');
        if (!rc) rc = cx_buf_putc(out, *s);
    }
    return rc ? rc : cx_buf_putc(out, '"');
}

/* One entry in YAML flow style, every field written out. */
static int append_plugin(const cx_config_plugin *p, cx_buf *out) {
    int rc = cx_buf_puts(out, "{path: ");
    if (!rc) rc = append_quoted(out, p->path ? p->path : "");
    if (!rc) rc = cx_buf_puts(out, p->middleware ? ", kind: middleware" : ", kind: handler");
    if (!rc && !p->middleware) {
        rc = cx_buf_puts(out, ", route: ");
        if (!rc) rc = append_quoted(out, p->route ? p->route : "");
        if (!rc) rc = cx_buf_puts(out, ", methods: [");
        const char *sep = "";
        if (!rc && (p->methods & 1u)) {
            rc = cx_buf_puts(out, "ANY");
            sep = ", ";
        }
        for (int m = CX_METHOD_GET; m < CX_METHOD_COUNT_ && !rc; m++) {
            if (!(p->methods & (1u << m))) continue;
            rc = cx_buf_printf(out, "%s%s", sep, cx_method_name((cx_method)m));
            sep = ", ";
        }
        if (!rc) rc = cx_buf_putc(out, ']');
    }
    if (!rc && p->middleware && p->prefix) {
        rc = cx_buf_puts(out, ", prefix: ");
        if (!rc) rc = append_quoted(out, p->prefix);
    }
    for (size_t i = F_METHODS + 1; i < NPLUGIN_FIELDS && !rc; i++) {
        const spec *sp = &plugin_fields[i].sp;
        const void *v = (const char *)p + sp->offset;
        char num[48];
        if (sp->type == V_BOOL)
            snprintf(num, sizeof num, "%s", *(const bool *)v ? "true" : "false");
        else
            format_number(sp, load_uint(v, sp->width), num, sizeof num);
        rc = cx_buf_printf(out, ", %s: %s", plugin_fields[i].name, num);
    }
    return rc ? rc : cx_buf_putc(out, '}');
}

static int append_plugins(const cx_config_plugins *list, cx_buf *out) {
    int rc = cx_buf_putc(out, '[');
    for (unsigned i = 0; i < list->count && !rc; i++) {
        if (i) rc = cx_buf_puts(out, ", ");
        if (!rc) rc = append_plugin(&list->items[i], out);
    }
    return rc ? rc : cx_buf_putc(out, ']');
}

/* ---- life cycle ------------------------------------------------------------ */

int cx_config_init(cx_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *d = infos[i].default_value;
        verdict v;
        int rc = set_value(cfg, &specs[i], strcmp(d, "null") == 0 ? NULL : d, &v);
        if (rc) {
            cx_config_free(cfg);
            return rc;
        }
    }
    return CX_OK;
}

void cx_config_free(cx_config *cfg) {
    if (!cfg) return;
    plugins_clear(&cfg->wasm_plugins);
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (specs[i].type != V_STR) continue;
        char **slot = (char **)((char *)cfg + specs[i].offset);
        free(*slot);
        *slot = NULL;
    }
}

int cx_config_copy(cx_config *dst, const cx_config *src) {
    *dst = *src;
    if (plugins_copy(&dst->wasm_plugins, &src->wasm_plugins)) {
        for (size_t j = 0; j < NSETTINGS; j++)
            if (specs[j].type == V_STR) *(char **)((char *)dst + specs[j].offset) = NULL;
        return CX_ENOMEM;
    }
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (specs[i].type != V_STR) continue;
        char **slot = (char **)((char *)dst + specs[i].offset);
        if (*slot && !(*slot = strdup(*slot))) {
            /* Later strings still alias src: clear them before freeing. */
            for (size_t j = i + 1; j < NSETTINGS; j++)
                if (specs[j].type == V_STR) *(char **)((char *)dst + specs[j].offset) = NULL;
            cx_config_free(dst);
            return CX_ENOMEM;
        }
    }
    return CX_OK;
}

/* ---- output ---------------------------------------------------------------- */

static int append_value(const cx_config *cfg, size_t i, cx_buf *out) {
    const spec *sp = &specs[i];
    const void *p = (const char *)cfg + sp->offset;
    char num[48];
    switch (sp->type) {
    case V_STR: {
        const char *s = *(char *const *)p;
        return s ? append_quoted(out, s) : cx_buf_puts(out, "null");
    }
    case V_BOOL:
        return cx_buf_puts(out, *(const bool *)p ? "true" : "false");
    case V_LEVEL:
        return cx_buf_puts(out, cx_log_level_name(*(const cx_log_level *)p));
    case V_FORMAT:
        return cx_buf_puts(out, cx_log_format_name(*(const cx_log_format *)p));
    case V_PLUGINS:
        return append_plugins(p, out);
    default:
        format_number(sp, load_uint(p, sp->width), num, sizeof num);
        return cx_buf_puts(out, num);
    }
}

int cx_config_get(const cx_config *cfg, const char *key, cx_buf *out) {
    int i = key ? cx__config_find(key, strlen(key)) : -1;
    if (i < 0) return CX_ENOTFOUND;
    return append_value(cfg, (size_t)i, out);
}

int cx_config_dump(const cx_config *cfg, cx_buf *out) {
    int rc = cx_buf_puts(out, "# Cortex configuration (defaults < file < environment < flags)\n");
    const char *section = "";
    size_t section_len = 0;
    for (size_t i = 0; i < NSETTINGS && !rc; i++) {
        const char *key = infos[i].key, *dot = strchr(key, '.');
        size_t len = (size_t)(dot - key);
        if (len != section_len || memcmp(key, section, len) != 0) {
            rc = cx_buf_printf(out, "%.*s:\n", (int)len, key);
            section = key;
            section_len = len;
        }
        if (!rc) rc = cx_buf_printf(out, "  %s:", dot + 1);
        const cx_config_plugins *list = &cfg->wasm_plugins;
        if (specs[i].type == V_PLUGINS && list->count) {
            /* One entry per line, in flow style: readable, and it reads back. */
            for (unsigned k = 0; k < list->count && !rc; k++) {
                rc = cx_buf_puts(out, "\n    - ");
                if (!rc) rc = append_plugin(&list->items[k], out);
            }
        } else {
            if (!rc) rc = cx_buf_putc(out, ' ');
            if (!rc) rc = append_value(cfg, i, out);
        }
        if (!rc) rc = cx_buf_putc(out, '\n');
    }
    return rc;
}

/* ---- the environment ------------------------------------------------------- */

int cx_config_env_name(const char *key, char *out, size_t cap) {
    int i = key ? cx__config_find(key, strlen(key)) : -1;
    if (i < 0) return CX_ENOTFOUND;
    const char *k = infos[i].key;
    if (cap < strlen(k) + 8) return CX_ELIMIT;
    memcpy(out, "CORTEX_", 7);
    size_t o = 7;
    for (; *k; k++) out[o++] = *k == '.' ? '_' : (char)(*k >= 'a' && *k <= 'z' ? *k - 32 : *k);
    out[o] = '\0';
    return CX_OK;
}

static const char *env_lookup(char *const *envp, const char *name) {
    size_t n = strlen(name);
    for (; *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

/* The short form of a server key's variable: CORTEX_SERVER_PORT -> CORTEX_PORT. */
static bool env_alias(const char *name, char *out, size_t cap) {
    static const char full[] = "CORTEX_SERVER_";
    if (strncmp(name, full, sizeof full - 1) != 0) return false;
    snprintf(out, cap, "CORTEX_%s", name + sizeof full - 1);
    return true;
}

static int env_apply(cx_config *cfg, size_t i, const char *name, const char *value,
                     cx_config_error *err) {
    if (!value || !*value) return CX_OK;
    cx__config_pos pos = {.source = "environment", .label = name};
    return cx__config_set_at(cfg, infos[i].key, value, &pos, NULL, err);
}

int cx_config_load_env(cx_config *cfg, char *const *envp, cx_config_error *err) {
    if (!envp) envp = environ;
    cx_config tmp;
    if (cx_config_copy(&tmp, cfg))
        return cx__config_fail(err, CX_ENOMEM, NULL, "", "out of memory");
    int rc = CX_OK;
    for (size_t i = 0; i < NSETTINGS && !rc; i++) {
        char name[CX_CONFIG_MAX_KEY + 8], alias[CX_CONFIG_MAX_KEY + 8];
        cx_config_env_name(infos[i].key, name, sizeof name);
        /* The alias first, so that the full name wins. */
        if (env_alias(name, alias, sizeof alias))
            rc = env_apply(&tmp, i, alias, env_lookup(envp, alias), err);
        if (!rc) rc = env_apply(&tmp, i, name, env_lookup(envp, name), err);
    }
    if (rc) {
        cx_config_free(&tmp);
        return rc;
    }
    cx_config_free(cfg);
    *cfg = tmp;
    return CX_OK;
}

/* ---- handing on ------------------------------------------------------------ */

void cx_config_http_limits(const cx_config *cfg, cx_http_limits *out) {
    const cx_config_limits *l = &cfg->limits;
    *out = (cx_http_limits){
        .max_request_line = l->max_request_line,
        .max_header_bytes = l->max_header_bytes,
        .max_headers = l->max_headers,
        .max_body = l->max_body,
        .header_timeout_ms = l->header_timeout_ms,
        .body_timeout_ms = l->body_timeout_ms,
        .idle_timeout_ms = l->idle_timeout_ms,
        .write_timeout_ms = l->write_timeout_ms,
        .max_pipelined = l->max_pipelined,
        .max_connections = l->max_connections,
    };
}

void cx_config_server_options(const cx_config *cfg, cx_server_options *o) {
    o->host = cfg->host;
    o->port = cfg->port;
    o->threads = cfg->threads;
    cx_config_http_limits(cfg, &o->limits);
    o->drain_timeout_ms = cfg->drain_timeout_ms;
    o->access_log = cfg->access_log;
    o->http2 = cfg->http2;
    o->h2.max_concurrent_streams = cfg->h2_max_streams;
    o->h2.max_header_list = (uint32_t)cfg->h2_max_header_list;
    o->h2.hpack_table_size = (uint32_t)cfg->h2_hpack_table;
    o->redirect_port = cfg->tls_redirect_port;
    o->hsts_max_age = (uint32_t)(cfg->tls_hsts_max_age_ms / 1000);
}

void cx_config_apply_log(const cx_config *cfg, cx_logger *lg) {
    cx_log_set_level(lg, cfg->log_level);
    cx_log_set_format(lg, cfg->log_format);
    cx_log_set_access(lg, cfg->access_log);
    cx_log_set_max_line(lg, cfg->log_max_line);
}
