/* Structured logging.
 *
 * A log line is a record: a timestamp (ts, RFC 3339 in UTC with
 * milliseconds), a level, a message (msg) and any number of key/value fields
 * in the order given. A cx_logger decides which records are written (its
 * level), how (logfmt or JSON lines) and where (a file descriptor, stderr by
 * default); it also carries the on/off switch of the access log. The process
 * has one default logger, cx_log_default(), and any number of others may be
 * made with cx_logger_new(); passing NULL where a logger is expected means
 * the default one.
 *
 * Each line is built in a per-thread buffer and leaves in one write(2), so
 * lines from different threads never interleave and nothing is allocated per
 * line. A line is cut at the logger's max_line bytes and then ends with the
 * field truncated=true; the default, 4096, is PIPE_BUF, the size up to which
 * the kernel keeps a write to a pipe whole. Values are escaped for the chosen
 * format, and bytes that are not valid UTF-8 become U+FFFD, so every JSON
 * line parses. Logging preserves errno and never fails the caller: a line
 * that cannot be written is counted (cx_log_dropped) and forgotten.
 *
 * A logger's settings are atomics: a reload may retune the logger while
 * workers are logging. Logging from a signal handler is not supported.
 *
 *   cx_log(NULL, CX_LOG_INFO, "listening", "host", host, "port", "8080", NULL);
 *   CX_LOG(lg, CX_LOG_WARN, "slow upstream", CX_KV_STR("name", name),
 *          CX_KV_INT("ms", elapsed), CX_KV_BOOL("retried", true));
 *
 * logfmt:  ts=2024-05-01T12:00:00.123Z level=info msg=listening host=0.0.0.0 port=8080
 * JSON:    {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"listening",...}
 */
#ifndef CORTEX_LOG_H
#define CORTEX_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cx_log_level {
    CX_LOG_TRACE = 0,
    CX_LOG_DEBUG,
    CX_LOG_INFO,
    CX_LOG_WARN,
    CX_LOG_ERROR,
    CX_LOG_OFF /* as a logger's level: write nothing (the access log aside) */
} cx_log_level;

typedef enum cx_log_format {
    CX_LOG_LOGFMT = 0, /* key=value pairs, quoted when needed */
    CX_LOG_JSON        /* one JSON object per line */
} cx_log_format;

/* Bounds of a logger's max_line, in bytes. */
#define CX_LOG_LINE_DEFAULT 4096
#define CX_LOG_LINE_MIN     256
#define CX_LOG_LINE_MAX     16384

typedef struct cx_logger cx_logger;

/* ---- loggers --------------------------------------------------------------- */

/* The process default: level info, logfmt, fd 2, access log on. Never NULL;
 * lives for the whole process and is never freed. */
cx_logger *cx_log_default(void);
/* A new logger with the same defaults as cx_log_default(). 0 or CX_ENOMEM.
 * The caller owns *out and frees it with cx_logger_free(); the fd stays the
 * caller's (it is not closed). */
int cx_logger_new(cx_logger **out);
/* Free a logger from cx_logger_new(); NULL and the default are ignored. */
void cx_logger_free(cx_logger *lg);

void cx_log_set_level(cx_logger *lg, cx_log_level level);
cx_log_level cx_log_get_level(const cx_logger *lg);
void cx_log_set_format(cx_logger *lg, cx_log_format format);
cx_log_format cx_log_get_format(const cx_logger *lg);
/* Where lines go; the fd is borrowed, never closed. A negative fd discards
 * every line. */
void cx_log_set_fd(cx_logger *lg, int fd);
int cx_log_get_fd(const cx_logger *lg);
void cx_log_set_access(cx_logger *lg, bool on);
bool cx_log_get_access(const cx_logger *lg);
/* Longest line in bytes, newline included; clamped to
 * [CX_LOG_LINE_MIN, CX_LOG_LINE_MAX]. */
void cx_log_set_max_line(cx_logger *lg, size_t bytes);
size_t cx_log_get_max_line(const cx_logger *lg);
/* Lines that could not be written (a write error such as EAGAIN on a
 * non-blocking fd, or a closed pipe). */
uint64_t cx_log_dropped(const cx_logger *lg);

/* Would a record at this level be written? Cheap: one atomic load. */
bool cx_log_enabled(const cx_logger *lg, cx_log_level level);

/* ---- names ----------------------------------------------------------------- */

/* "trace", "debug", "info", "warn", "error", "off"; "unknown" otherwise. */
const char *cx_log_level_name(cx_log_level level);
/* Case-insensitive; "warning" is taken for "warn". 0 or CX_EINVAL (*out is
 * then untouched). */
int cx_log_level_parse(const char *s, cx_log_level *out);
/* "logfmt" or "json"; "unknown" otherwise. */
const char *cx_log_format_name(cx_log_format format);
/* "logfmt" or "json", case-insensitive. 0 or CX_EINVAL. */
int cx_log_format_parse(const char *s, cx_log_format *out);

/* ---- records --------------------------------------------------------------- */

/* A record with string fields: key, value, key, value, ..., NULL. Every
 * argument is a borrowed C string read before the call returns. A NULL
 * value ends the list too; its key is still written, with a null value
 * (JSON null, an empty value in logfmt). msg NULL is an empty message. */
void cx_log(cx_logger *lg, cx_log_level level, const char *msg, ...) __attribute__((sentinel));
void cx_logv(cx_logger *lg, cx_log_level level, const char *msg, va_list ap);

/* Typed fields: numbers and booleans stay unquoted in JSON. */
typedef enum cx_log_type {
    CX_LOG_T_STR,   /* v.s, a C string (NULL: null) */
    CX_LOG_T_STRN,  /* v.sn, a slice */
    CX_LOG_T_INT,   /* v.i */
    CX_LOG_T_UINT,  /* v.u */
    CX_LOG_T_FLOAT, /* v.f; NaN and infinities are null in JSON */
    CX_LOG_T_BOOL   /* v.b */
} cx_log_type;

typedef struct cx_log_field {
    const char *key;
    cx_log_type type;
    union {
        const char *s;
        cx_str sn;
        int64_t i;
        uint64_t u;
        double f;
        bool b;
    } v;
} cx_log_field;

#define CX_KV_STR(k, x)   ((cx_log_field){.key = (k), .type = CX_LOG_T_STR, .v.s = (x)})
#define CX_KV_STRN(k, x)  ((cx_log_field){.key = (k), .type = CX_LOG_T_STRN, .v.sn = (x)})
#define CX_KV_INT(k, x)   ((cx_log_field){.key = (k), .type = CX_LOG_T_INT, .v.i = (int64_t)(x)})
#define CX_KV_UINT(k, x)  ((cx_log_field){.key = (k), .type = CX_LOG_T_UINT, .v.u = (uint64_t)(x)})
#define CX_KV_FLOAT(k, x) ((cx_log_field){.key = (k), .type = CX_LOG_T_FLOAT, .v.f = (double)(x)})
#define CX_KV_BOOL(k, x)  ((cx_log_field){.key = (k), .type = CX_LOG_T_BOOL, .v.b = (x)})
/* error="..." from a CX_E* code, through cx_strerror(). */
#define CX_KV_ERR(rc) CX_KV_STR("error", cx_strerror(rc))

/* A record with n typed fields; the fields are only read. */
void cx_log_fields(cx_logger *lg, cx_log_level level, const char *msg, const cx_log_field *fields,
                   size_t n);

/* CX_LOG(lg, level, msg, CX_KV_...(...), ...): one or more typed fields.
 * The fields are not evaluated when the level is filtered out. For a record
 * without fields, use cx_log(lg, level, msg, NULL). */
#define CX_LOG(lg, level, msg, ...)                                                                \
    do {                                                                                           \
        cx_logger *cx_log_lg_ = (lg);                                                              \
        cx_log_level cx_log_lv_ = (level);                                                         \
        if (cx_log_enabled(cx_log_lg_, cx_log_lv_)) {                                              \
            const cx_log_field cx_log_f_[] = {__VA_ARGS__};                                        \
            cx_log_fields(cx_log_lg_, cx_log_lv_, (msg), cx_log_f_,                                \
                          sizeof cx_log_f_ / sizeof cx_log_f_[0]);                                 \
        }                                                                                          \
    } while (0)

/* ---- context fields -------------------------------------------------------- */

/* Fields every record of a logger carries after its own (the access log's
 * too): fn fills up to cap fields and returns how many; the strings it
 * points to must stay valid until the next call on the same thread. The
 * tracing module's cx_trace_log_context adds trace_id and span_id while a
 * span is current. fn NULL removes the hook. Set it before other threads
 * log (the pair is not swapped atomically). */
#define CX_LOG_CONTEXT_MAX 4
typedef size_t (*cx_log_context_fn)(void *arg, cx_log_field *out, size_t cap);
void cx_log_set_context(cx_logger *lg, cx_log_context_fn fn, void *arg);

/* ---- the access log -------------------------------------------------------- */

/* One line per finished request: level info, msg "access", then method,
 * path, status, bytes (body bytes sent), duration_us and peer. Written
 * whatever the logger's level, when and only when the access log is on;
 * when it is off this is one atomic load. The slices are only read. */
void cx_log_access(cx_logger *lg, cx_str method, cx_str path, int status, uint64_t bytes,
                   uint64_t duration_us, cx_str peer);

#ifdef __cplusplus
}
#endif
#endif
