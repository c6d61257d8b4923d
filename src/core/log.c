/* Structured logging: records rendered into a per-thread buffer as logfmt or
 * JSON and written with one write(2). */
#include <cortex/log.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct cx_logger {
    _Atomic int level;
    _Atomic int format;
    _Atomic int fd;
    _Atomic bool access;
    _Atomic size_t max_line;
    _Atomic uint64_t dropped;
    _Atomic(cx_log_context_fn) context; /* extra fields per record, or NULL */
    void *_Atomic context_arg;
};

/* The one process-wide logger; its fields are atomics, so it is shared
 * state rather than a race. */
static cx_logger default_logger = {
    .level = CX_LOG_INFO,
    .format = CX_LOG_LOGFMT,
    .fd = 2,
    .access = true,
    .max_line = CX_LOG_LINE_DEFAULT,
    .dropped = 0,
};

/* Room kept past the content limit for what every line must end with: a
 * closing quote, the truncation marker, '}' and '\n'. */
#define TAIL_RESERVE 24
#define MARK_JSON    ",\"truncated\":true"
#define MARK_LOGFMT  " truncated=true"

/* The line buffer: per thread, because a record never yields mid-way. */
static _Thread_local char line_buf[CX_LOG_LINE_MAX];

cx_logger *cx_log_default(void) {
    return &default_logger;
}

static cx_logger *resolve(const cx_logger *lg) {
    return lg ? (cx_logger *)lg : &default_logger;
}

int cx_logger_new(cx_logger **out) {
    cx_logger *lg = malloc(sizeof *lg);
    if (!lg) return CX_ENOMEM;
    atomic_init(&lg->level, CX_LOG_INFO);
    atomic_init(&lg->format, CX_LOG_LOGFMT);
    atomic_init(&lg->fd, 2);
    atomic_init(&lg->access, true);
    atomic_init(&lg->max_line, CX_LOG_LINE_DEFAULT);
    atomic_init(&lg->dropped, 0);
    atomic_init(&lg->context, NULL);
    atomic_init(&lg->context_arg, NULL);
    *out = lg;
    return CX_OK;
}

void cx_logger_free(cx_logger *lg) {
    if (lg && lg != &default_logger) free(lg);
}

void cx_log_set_level(cx_logger *lg, cx_log_level level) {
    if ((unsigned)level > CX_LOG_OFF) level = CX_LOG_OFF;
    atomic_store_explicit(&resolve(lg)->level, (int)level, memory_order_relaxed);
}

cx_log_level cx_log_get_level(const cx_logger *lg) {
    return (cx_log_level)atomic_load_explicit(&resolve(lg)->level, memory_order_relaxed);
}

void cx_log_set_format(cx_logger *lg, cx_log_format format) {
    if (format != CX_LOG_JSON) format = CX_LOG_LOGFMT;
    atomic_store_explicit(&resolve(lg)->format, (int)format, memory_order_relaxed);
}

cx_log_format cx_log_get_format(const cx_logger *lg) {
    return (cx_log_format)atomic_load_explicit(&resolve(lg)->format, memory_order_relaxed);
}

void cx_log_set_fd(cx_logger *lg, int fd) {
    atomic_store_explicit(&resolve(lg)->fd, fd, memory_order_relaxed);
}

int cx_log_get_fd(const cx_logger *lg) {
    return atomic_load_explicit(&resolve(lg)->fd, memory_order_relaxed);
}

void cx_log_set_access(cx_logger *lg, bool on) {
    atomic_store_explicit(&resolve(lg)->access, on, memory_order_relaxed);
}

bool cx_log_get_access(const cx_logger *lg) {
    return atomic_load_explicit(&resolve(lg)->access, memory_order_relaxed);
}

void cx_log_set_max_line(cx_logger *lg, size_t bytes) {
    if (bytes < CX_LOG_LINE_MIN) bytes = CX_LOG_LINE_MIN;
    if (bytes > CX_LOG_LINE_MAX) bytes = CX_LOG_LINE_MAX;
    atomic_store_explicit(&resolve(lg)->max_line, bytes, memory_order_relaxed);
}

size_t cx_log_get_max_line(const cx_logger *lg) {
    return atomic_load_explicit(&resolve(lg)->max_line, memory_order_relaxed);
}

uint64_t cx_log_dropped(const cx_logger *lg) {
    return atomic_load_explicit(&resolve(lg)->dropped, memory_order_relaxed);
}

bool cx_log_enabled(const cx_logger *lg, cx_log_level level) {
    int min = atomic_load_explicit(&resolve(lg)->level, memory_order_relaxed);
    return level < CX_LOG_OFF && (int)level >= min;
}

/* ---- names ----------------------------------------------------------------- */

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

const char *cx_log_level_name(cx_log_level level) {
    return (unsigned)level <= CX_LOG_OFF ? level_names[level] : "unknown";
}

int cx_log_level_parse(const char *s, cx_log_level *out) {
    if (!s) return CX_EINVAL;
    for (int i = 0; i <= CX_LOG_OFF; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (cx_log_level)i;
            return CX_OK;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = CX_LOG_WARN;
        return CX_OK;
    }
    return CX_EINVAL;
}

const char *cx_log_format_name(cx_log_format format) {
    if (format == CX_LOG_LOGFMT) return "logfmt";
    if (format == CX_LOG_JSON) return "json";
    return "unknown";
}

int cx_log_format_parse(const char *s, cx_log_format *out) {
    if (!s) return CX_EINVAL;
    if (strcasecmp(s, "logfmt") == 0)
        *out = CX_LOG_LOGFMT;
    else if (strcasecmp(s, "json") == 0)
        *out = CX_LOG_JSON;
    else
        return CX_EINVAL;
    return CX_OK;
}

/* ---- the line writer ------------------------------------------------------- */

/* Bytes up to lim are content; the TAIL_RESERVE bytes after it are only
 * written by force_put(), for the endings every line must have. Once
 * anything did not fit, cut is set and no further field is started. */
typedef struct line {
    char *p;
    size_t len, lim;
    bool json, cut;
} line;

static bool put(line *w, const char *s, size_t n) {
    if (w->len + n > w->lim) {
        w->cut = true;
        return false;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    return true;
}

static void force_put(line *w, const char *s, size_t n) {
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

/* The escaped form of the character at s: written to tmp or pointed into s.
 * Returns the number of input bytes consumed. */
static size_t escape_one(const char *s, size_t n, char tmp[8], const char **out, size_t *outlen) {
    unsigned char c = (unsigned char)s[0];
    static const char hex[] = "0123456789abcdef";
    if (c >= 0x80) {
        size_t len = utf8_seq((const unsigned char *)s, n);
        if (len) {
            *out = s;
            *outlen = len;
            return len;
        }
        *out = "\xEF\xBF\xBD"; /* U+FFFD for a byte that is not UTF-8 */
        *outlen = 3;
        return 1;
    }
    *out = tmp;
    *outlen = 2;
    tmp[0] = '\\';
    switch (c) {
    case '"':
        tmp[1] = '"';
        break;
    case '\\':
        tmp[1] = '\\';
        break;
    case '\n':
        tmp[1] = 'n';
        break;
    case '\r':
        tmp[1] = 'r';
        break;
    case '\t':
        tmp[1] = 't';
        break;
    default:
        if (c >= 0x20 && c != 0x7f) {
            *out = s;
            *outlen = 1;
            break;
        }
        memcpy(tmp, "\\u00", 4);
        tmp[4] = hex[c >> 4];
        tmp[5] = hex[c & 15];
        *outlen = 6;
    }
    return 1;
}

/* Escaped text, whole characters only; false when it had to stop early. */
static bool put_escaped(line *w, const char *s, size_t n) {
    char tmp[8];
    size_t i = 0;
    while (i < n) {
        /* Runs of plain ASCII go in one copy. */
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
               s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            size_t room = w->len < w->lim ? w->lim - w->len : 0;
            size_t take = run - i < room ? run - i : room;
            memcpy(w->p + w->len, s + i, take);
            w->len += take;
            i += take;
            if (i < run) {
                w->cut = true;
                return false;
            }
            continue;
        }
        const char *out;
        size_t outlen;
        size_t used = escape_one(s + i, n - i, tmp, &out, &outlen);
        if (!put(w, out, outlen)) return false;
        i += used;
    }
    return true;
}

/* logfmt leaves a value bare unless it is empty or holds a space, '=', a
 * quote, a backslash or a control character. */
static bool logfmt_needs_quotes(const char *s, size_t n) {
    if (n == 0) return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f) return true;
    }
    return false;
}

/* A string value: partial when it runs out of room (then w->cut is set).
 * The closing quote always fits: it is part of the reserve. When not even
 * the first character fits, the line goes back to mark, dropping the field. */
static void put_string(line *w, const char *s, size_t n, size_t mark) {
    bool quote = w->json || logfmt_needs_quotes(s, n);
    if (quote && !put(w, "\"", 1)) {
        w->len = mark;
        return;
    }
    size_t start = w->len;
    if (!put_escaped(w, s, n) && w->len == start) {
        w->len = mark;
        return;
    }
    if (quote) force_put(w, "\"", 1);
}

/* logfmt keys cannot be quoted: anything outside printable ASCII or that
 * would end the key becomes '_'. */
static bool put_logfmt_key(line *w, const char *key) {
    size_t n = strlen(key);
    if (n == 0) return put(w, "_", 1);
    if (w->len + n > w->lim) {
        w->cut = true;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        bool ok = c > ' ' && c < 0x7f && c != '=' && c != '"' && c != '\\';
        w->p[w->len++] = ok ? (char)c : '_';
    }
    return true;
}

/* Separator, key and '='/':'; all or nothing. */
static bool begin_field(line *w, const char *key) {
    size_t mark = w->len;
    bool ok;
    if (!key) key = "";
    if (w->json) {
        ok = put(w, ",\"", 2) && put_escaped(w, key, strlen(key)) && put(w, "\":", 2);
    } else {
        ok = put(w, " ", 1) && put_logfmt_key(w, key) && put(w, "=", 1);
    }
    if (!ok) w->len = mark;
    return ok;
}

/* An unquoted token (number, boolean, null): the whole field or none. */
static void put_token_field(line *w, const char *key, const char *tok, size_t n) {
    size_t mark = w->len;
    if (!begin_field(w, key)) return;
    if (!put(w, tok, n)) w->len = mark;
}

static size_t format_double(double f, char *out, size_t cap, bool json) {
    if (isnan(f)) return (size_t)snprintf(out, cap, "%s", json ? "null" : "NaN");
    if (isinf(f)) return (size_t)snprintf(out, cap, "%s", json ? "null" : f > 0 ? "+Inf" : "-Inf");
    /* Shortest of the two precisions that reads back as the same double. */
    int n = snprintf(out, cap, "%.15g", f);
    if (strtod(out, NULL) != f) n = snprintf(out, cap, "%.17g", f);
    return (size_t)n;
}

static void put_field(line *w, const cx_log_field *f) {
    char num[40];
    size_t n;
    switch (f->type) {
    case CX_LOG_T_STR:
    case CX_LOG_T_STRN: {
        const char *s = f->type == CX_LOG_T_STR ? f->v.s : f->v.sn.ptr;
        size_t len = f->type == CX_LOG_T_STR ? (s ? strlen(s) : 0) : f->v.sn.len;
        if (f->type == CX_LOG_T_STRN && !s) s = "";
        if (!s && w->json) {
            put_token_field(w, f->key, "null", 4);
            return;
        }
        if (!s) s = "";
        size_t mark = w->len;
        if (begin_field(w, f->key)) put_string(w, s, len, mark);
        return;
    }
    case CX_LOG_T_INT:
        n = (size_t)snprintf(num, sizeof num, "%lld", (long long)f->v.i);
        break;
    case CX_LOG_T_UINT:
        n = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)f->v.u);
        break;
    case CX_LOG_T_FLOAT:
        n = format_double(f->v.f, num, sizeof num, w->json);
        break;
    case CX_LOG_T_BOOL:
        n = (size_t)snprintf(num, sizeof num, "%s", f->v.b ? "true" : "false");
        break;
    default:
        n = (size_t)snprintf(num, sizeof num, "%s", w->json ? "null" : "");
    }
    put_token_field(w, f->key, num, n);
}

/* "2024-05-01T12:00:00.123Z"; the part down to the second is cached per
 * thread, since consecutive lines nearly always share it. */
static size_t format_ts(char out[96]) {
    static _Thread_local time_t cached_sec;
    static _Thread_local bool cached;
    static _Thread_local char cached_text[80];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!cached || ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(cached_text, sizeof cached_text, "%04d-%02d-%02dT%02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = ts.tv_sec;
        cached = true;
    }
    return (size_t)snprintf(out, 96, "%s.%03dZ", cached_text, (int)(ts.tv_nsec / 1000000));
}

static void begin_line(line *w, cx_log_level level, const char *msg) {
    char ts[96];
    size_t tslen = format_ts(ts);
    const char *lv = cx_log_level_name(level);
    /* The header always fits: max_line is at least CX_LOG_LINE_MIN. */
    if (w->json) {
        put(w, "{\"ts\":\"", 7);
        put(w, ts, tslen);
        put(w, "\",\"level\":\"", 11);
        put(w, lv, strlen(lv));
        put(w, "\",\"msg\":", 8);
    } else {
        put(w, "ts=", 3);
        put(w, ts, tslen);
        put(w, " level=", 7);
        put(w, lv, strlen(lv));
        put(w, " msg=", 5);
    }
    if (!msg) msg = "";
    put_string(w, msg, strlen(msg), w->len);
}

static void end_line(line *w) {
    if (w->cut) {
        if (w->json)
            force_put(w, MARK_JSON, sizeof MARK_JSON - 1);
        else
            force_put(w, MARK_LOGFMT, sizeof MARK_LOGFMT - 1);
    }
    if (w->json) force_put(w, "}", 1);
    force_put(w, "\n", 1);
}

static void emit(cx_logger *lg, const char *p, size_t n) {
    int fd = atomic_load_explicit(&lg->fd, memory_order_relaxed);
    if (fd < 0) return;
    int saved = errno;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            atomic_fetch_add_explicit(&lg->dropped, 1, memory_order_relaxed);
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    errno = saved;
}

static line start(cx_logger *lg) {
    size_t max = atomic_load_explicit(&lg->max_line, memory_order_relaxed);
    int format = atomic_load_explicit(&lg->format, memory_order_relaxed);
    return (line){.p = line_buf, .lim = max - TAIL_RESERVE, .json = format == CX_LOG_JSON};
}

void cx_log_set_context(cx_logger *lg, cx_log_context_fn fn, void *arg) {
    lg = resolve(lg);
    atomic_store(&lg->context_arg, arg);
    atomic_store(&lg->context, fn);
}

static void put_context(cx_logger *lg, line *w) {
    cx_log_context_fn fn = atomic_load_explicit(&lg->context, memory_order_relaxed);
    if (!fn || w->cut) return;
    cx_log_field f[CX_LOG_CONTEXT_MAX];
    void *arg = atomic_load_explicit(&lg->context_arg, memory_order_relaxed);
    size_t n = fn(arg, f, CX_LOG_CONTEXT_MAX);
    for (size_t i = 0; i < n && i < CX_LOG_CONTEXT_MAX && !w->cut; i++) put_field(w, &f[i]);
}

/* A record, level already checked. */
static void write_record(cx_logger *lg, cx_log_level level, const char *msg,
                         const cx_log_field *fields, size_t n) {
    line w = start(lg);
    begin_line(&w, level, msg);
    for (size_t i = 0; i < n && !w.cut; i++) put_field(&w, &fields[i]);
    put_context(lg, &w);
    end_line(&w);
    emit(lg, w.p, w.len);
}

void cx_log_fields(cx_logger *lg, cx_log_level level, const char *msg, const cx_log_field *fields,
                   size_t n) {
    lg = resolve(lg);
    if (!cx_log_enabled(lg, level)) return;
    write_record(lg, level, msg, fields, n);
}

void cx_logv(cx_logger *lg, cx_log_level level, const char *msg, va_list ap) {
    lg = resolve(lg);
    if (!cx_log_enabled(lg, level)) return;
    line w = start(lg);
    begin_line(&w, level, msg);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (!w.cut) put_field(&w, &CX_KV_STR(key, value));
        if (!value) break;
    }
    put_context(lg, &w);
    end_line(&w);
    emit(lg, w.p, w.len);
}

void cx_log(cx_logger *lg, cx_log_level level, const char *msg, ...) {
    va_list ap;
    va_start(ap, msg);
    cx_logv(lg, level, msg, ap);
    va_end(ap);
}

void cx_log_access(cx_logger *lg, cx_str method, cx_str path, int status, uint64_t bytes,
                   uint64_t duration_us, cx_str peer) {
    lg = resolve(lg);
    if (!atomic_load_explicit(&lg->access, memory_order_relaxed)) return;
    const cx_log_field f[] = {
        CX_KV_STRN("method", method),
        CX_KV_STRN("path", path),
        CX_KV_INT("status", status),
        CX_KV_UINT("bytes", bytes),
        CX_KV_UINT("duration_us", duration_us),
        CX_KV_STRN("peer", peer),
    };
    write_record(lg, CX_LOG_INFO, "access", f, sizeof f / sizeof f[0]);
}
