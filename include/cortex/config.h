/* Configuration: the server's settings, in layers.
 *
 * A cx_config is a plain struct of effective values. It starts from the
 * defaults (cx_config_init) and each layer overrides the one before:
 *
 *   defaults < YAML file < CORTEX_* environment < command-line flags
 *
 * Every setting has one dotted key ("server.port", "limits.max_body"), and
 * one table of settings serves every layer: YAML nests the key's parts
 * (server: {port: 9000}), the environment upper-cases it with '.' -> '_'
 * behind "CORTEX_" (CORTEX_SERVER_PORT), and flags go through
 * cx_config_set() with the key itself. The "server." part may be left out
 * everywhere ("port", CORTEX_PORT); the full name wins when both are given.
 * docs/config.md lists every key with its type, default and meaning.
 *
 * Values are text parsed by type: integers ("64"), sizes ("8MiB", "64k",
 * "1048576"; binary units only), durations ("10s", "500ms", "1m30s"; a unit
 * is required except for 0), booleans (true/false, yes/no, on/off, 1/0),
 * log levels, log formats and strings (UTF-8, no control characters).
 *
 * One setting is a list: wasm.plugins, the WebAssembly plugins `cortex
 * serve` mounts. Only the YAML file can write it (a sequence of mappings,
 * one per plugin, at most CX_CONFIG_MAX_PLUGINS); the environment and
 * cx_config_set() can only clear it ("" or "[]"). Each entry keeps the
 * file, line and column it came from, so that a later check (the module
 * file itself) can say where the plugin was configured.
 *
 * Loading is all or nothing: when a file, a string or the environment has
 * an error, cfg is left as it was and the error says where (file, line,
 * column), which key, and what is wrong. Bad input of any kind, malformed
 * YAML included, is an error, never a crash.
 */
#ifndef CORTEX_CONFIG_H
#define CORTEX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/log.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the loader itself. */
#define CX_CONFIG_MAX_FILE    (1u << 20) /* bytes of YAML in one file or string */
#define CX_CONFIG_MAX_DEPTH   8          /* nested mappings */
#define CX_CONFIG_MAX_STRING  4096       /* bytes of one value */
#define CX_CONFIG_MAX_KEY     128        /* bytes of one dotted key */
#define CX_CONFIG_MAX_PLUGINS 64         /* entries of wasm.plugins */

/* The fields of cx_http_limits (cortex/http.h), with the same defaults. */
typedef struct cx_config_limits {
    size_t max_request_line;    /* limits.max_request_line, 8KiB */
    size_t max_header_bytes;    /* limits.max_header_bytes, 32KiB */
    unsigned max_headers;       /* limits.max_headers, 100 */
    size_t max_body;            /* limits.max_body, 8MiB */
    uint32_t header_timeout_ms; /* limits.header_timeout, 10s */
    uint32_t body_timeout_ms;   /* limits.body_timeout, 30s */
    uint32_t idle_timeout_ms;   /* limits.idle_timeout, 60s */
    uint32_t write_timeout_ms;  /* limits.write_timeout, 30s */
    unsigned max_pipelined;     /* limits.max_pipelined, 64 */
    unsigned max_connections;   /* limits.max_connections, 0: no limit */
} cx_config_limits;

/* One entry of wasm.plugins: a plugin file mounted as a handler on a route
 * or as middleware. The limits default to cx_wasm_mount_options_defaults()
 * (cortex/wasm.h). Strings are owned by the entry. */
typedef struct cx_config_plugin {
    char *path;            /* path: the .wasm file (required) */
    bool middleware;       /* kind: handler (false, the default) or middleware */
    char *route;           /* route: router pattern of a handler (required for one) */
    char *prefix;          /* prefix: middleware only; NULL: every route */
    unsigned methods;      /* methods: bit (1u << cx_method) each, bit 0 (CX_METHOD_OTHER)
                              for ANY; handler default GET; 0 for middleware */
    uint64_t fuel;         /* fuel, 100000000; 0: unlimited */
    uint32_t timeout_ms;   /* timeout (duration), 1s; 0: none */
    uint32_t memory_pages; /* memory_pages (64 KiB each), 256 */
    size_t max_body;       /* max_body (size), 1MiB */
    size_t max_response;   /* max_response (size), 8MiB */
    bool reuse;            /* reuse: keep instances warm between requests, false */
    unsigned max_idle;     /* max_idle: warm instances kept with reuse, 16 */
    /* Where the entry was written: a file name or "<string>" (NULL when it
     * was not read from YAML), 1-based line and column of its mapping. */
    char *source;
    unsigned line, column;
} cx_config_plugin;

typedef struct cx_config_plugins {
    cx_config_plugin *items; /* malloc'ed array, NULL when count is 0 */
    unsigned count;
} cx_config_plugins;

/* The strings are owned by the struct (malloc'ed, freed by
 * cx_config_free); change them through cx_config_set(). */
typedef struct cx_config {
    char *host;                /* server.host, "0.0.0.0" */
    uint16_t port;             /* server.port, 8080 */
    unsigned threads;          /* server.threads, 0: one per core */
    char *static_dir;          /* server.static_dir, NULL: none */
    uint32_t drain_timeout_ms; /* server.drain_timeout, 10s */
    cx_log_level log_level;    /* log.level, info */
    cx_log_format log_format;  /* log.format, logfmt */
    bool access_log;           /* log.access, true */
    size_t log_max_line;       /* log.max_line, 4KiB */
    cx_config_limits limits;
    /* tls.*: lists are comma-separated, one entry per certificate */
    char *tls_cert;                    /* tls.cert, NULL: no TLS */
    char *tls_key;                     /* tls.key */
    char *tls_ocsp;                    /* tls.ocsp, NULL: no stapling */
    char *tls_client_ca;               /* tls.client_ca */
    char *tls_client_auth;             /* tls.client_auth: none, optional, required */
    uint32_t tls_handshake_timeout_ms; /* tls.handshake_timeout, 10s */
    uint32_t tls_ticket_rotate_ms;     /* tls.ticket_rotate, 1h */
    uint16_t tls_redirect_port;        /* tls.redirect_port, 0: none */
    uint64_t tls_hsts_max_age_ms;      /* tls.hsts_max_age, 0: no header */
    bool http2;                        /* http2.enabled, true */
    unsigned h2_max_streams;           /* http2.max_concurrent_streams, 100 */
    size_t h2_max_header_list;         /* http2.max_header_list, 64KiB */
    size_t h2_hpack_table;             /* http2.hpack_table_size, 4KiB */
    bool metrics_enabled;              /* metrics.enabled, true */
    unsigned metrics_max_series;       /* metrics.max_series, 1000 */
    bool health_enabled;               /* health.enabled, true */
    char *tracing_exporter;            /* tracing.exporter: none, console, otlp, zipkin */
    char *tracing_endpoint;            /* tracing.endpoint, NULL: none */
    unsigned tracing_sample_permille;  /* tracing.sample_permille, 1000 */
    char *tracing_service;             /* tracing.service, "cortex" */
    char *tracing_protocol;            /* tracing.protocol: http/protobuf, http/json */
    cx_config_plugins wasm_plugins;    /* wasm.plugins, none (YAML file only) */
} cx_config;

#define CX_CONFIG_SOURCE_MAX  256
#define CX_CONFIG_MESSAGE_MAX 768

/* What went wrong, and where. */
typedef struct cx_config_error {
    int code; /* as returned */
    /* The file name, the string's name, "environment" or "" (cx_config_set). */
    char source[CX_CONFIG_SOURCE_MAX];
    unsigned line, column;           /* 1-based; 0 when there is no position */
    char key[CX_CONFIG_MAX_KEY + 1]; /* the dotted key (or env name); "" if none */
    /* The whole story on one line, ready to print:
     * "cortex.yaml:3:9: server.port: not an integer: \"80a\"" */
    char message[CX_CONFIG_MESSAGE_MAX];
} cx_config_error;

/* Error codes, in every function below:
 *   CX_ENOTFOUND  unknown key
 *   CX_ECONFIG    a value that does not parse as the key's type
 *   CX_ERANGE     a value outside the key's range
 *   CX_EPARSE     malformed YAML, or YAML of a shape the schema cannot take
 *                 (lists other than wasm.plugins, aliases, duplicate keys,
 *                 several documents)
 *   CX_ELIMIT     over CX_CONFIG_MAX_FILE, _STRING, _KEY or _PLUGINS
 *   CX_EDEPTH     mappings nested deeper than CX_CONFIG_MAX_DEPTH
 *   CX_ENOMEM, and -errno for a file that cannot be read.
 * err may be NULL when the details are not wanted. */

/* The defaults. 0 or CX_ENOMEM (cfg then holds no memory and may be
 * passed to cx_config_free). */
int cx_config_init(cx_config *cfg);
/* Release the strings; cfg may be initialised again afterwards. */
void cx_config_free(cx_config *cfg);
/* A deep copy into dst, which must not hold memory (it is overwritten).
 * 0 or CX_ENOMEM. */
int cx_config_copy(cx_config *dst, const cx_config *src);

/* One setting from text: "server.port" = "9000". value NULL or "" clears
 * a string that may be unset (server.static_dir) and is an error for any
 * other key. The strings are copied. On error cfg is unchanged. */
int cx_config_set(cx_config *cfg, const char *key, const char *value, cx_config_error *err);
/* The value of one key as text, appended to out in the form
 * cx_config_dump prints it ("8MiB", "10s", "\"0.0.0.0\""). */
int cx_config_get(const cx_config *cfg, const char *key, cx_buf *out);

/* A YAML file: at most CX_CONFIG_MAX_FILE bytes, one document whose top
 * level is a mapping. */
int cx_config_load_file(cx_config *cfg, const char *path, cx_config_error *err);
/* The same from memory; name is used in messages (NULL: "<string>"). The
 * bytes are only read and need not be NUL-terminated. */
int cx_config_load_string(cx_config *cfg, const char *data, size_t len, const char *name,
                          cx_config_error *err);
/* The CORTEX_* variables of envp ("NAME=value" strings, NULL-terminated;
 * NULL means the process environment). Variables that name no key are
 * ignored (other tools share the prefix); an empty value counts as unset. */
int cx_config_load_env(cx_config *cfg, char *const *envp, cx_config_error *err);

/* The effective configuration as YAML, appended to out; loading the text
 * gives the same configuration back. 0 or CX_ENOMEM/CX_ELIMIT from out. */
int cx_config_dump(const cx_config *cfg, cx_buf *out);

/* ---- handing the settings on ---------------------------------------------- */

struct cx_http_limits;
struct cx_server_options;

/* Every field of *out from cfg->limits. */
void cx_config_http_limits(const cx_config *cfg, struct cx_http_limits *out);
/* host, port, threads, limits, drain_timeout_ms and access_log of *o; the
 * handler fields are left alone. o->host points into cfg: keep cfg alive
 * (and unchanged) until the options have been used. */
void cx_config_server_options(const cx_config *cfg, struct cx_server_options *o);
/* Level, format, access log and max_line of lg (NULL: the default logger). */
void cx_config_apply_log(const cx_config *cfg, cx_logger *lg);

/* ---- the table of settings ------------------------------------------------ */

typedef struct cx_config_key_info {
    const char *key;           /* "limits.max_body" */
    const char *type;          /* "size", "duration", "integer", "boolean", "string", ... */
    const char *default_value; /* as text, "8MiB" */
    const char *doc;           /* one sentence */
} cx_config_key_info;

/* The table, in dump order; *count is set to its length. Static memory. */
const cx_config_key_info *cx_config_keys(size_t *count);
/* The environment variable of a key ("CORTEX_LIMITS_MAX_BODY") into
 * out[cap]. 0, CX_ENOTFOUND or CX_ELIMIT. */
int cx_config_env_name(const char *key, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
