/* Static files. The safety argument is short on purpose: every name is
 * resolved by the kernel beneath the root's descriptor (openat2 with
 * RESOLVE_BENEATH, or a component walk that refuses every symbolic link),
 * after ".." and NUL have already been refused textually; so no string
 * handling here decides what is inside the tree. Everything else — types,
 * validators, conditionals, ranges — only shapes the answer for a file that
 * is already open. */
#include <cortex/static.h>
#include <cortex/error.h>
#include "core/beneath.h"
#include "ctx.h"
#include "message.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_INDEX "index.html"
#define DEFAULT_PARAM "path"
/* Non-blocking so that a FIFO that slipped past the type check cannot stall
 * the worker; the type is checked with fstat() right after. */
#define FILE_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
#define NOT_FOUND  "no such file"

struct cx_static {
    cx_beneath dir; /* the root, held open; names resolve beneath it */
    char *index;
    char *param;
    uint32_t max_age;
    cx_static_etag etag;
    bool hidden;
    size_t max_path;
    cx_static_mime_fn mime;
    void *mime_arg;
};

/* ---- options, construction ------------------------------------------------ */

void cx_static_options_default(cx_static_options *o) {
    memset(o, 0, sizeof *o);
    o->index = DEFAULT_INDEX;
    o->etag = CX_STATIC_ETAG_STRONG;
    o->max_path = CX_STATIC_DEFAULT_MAX_PATH;
    o->param = DEFAULT_PARAM;
}

/* An index is looked up inside a directory, so it must be one plain name. */
static bool plain_name(const char *s) {
    return !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int copy_options(cx_static *st, const cx_static_options *o) {
    const char *index = o->index ? o->index : DEFAULT_INDEX;
    const char *param = o->param && *o->param ? o->param : DEFAULT_PARAM;
    if (*index && !plain_name(index)) return CX_ECONFIG;
    st->index = strdup(index);
    st->param = strdup(param);
    if (!st->index || !st->param) return CX_ENOMEM;
    st->max_age = o->max_age;
    st->etag = o->etag;
    st->hidden = o->hidden;
    st->max_path = o->max_path ? o->max_path : CX_STATIC_DEFAULT_MAX_PATH;
    st->mime = o->mime;
    st->mime_arg = o->mime_arg;
    return CX_OK;
}

int cx_static_new(cx_static **out, const cx_static_options *opts) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    if (!opts || !opts->root || !*opts->root) return CX_EINVAL;
    if (opts->etag > CX_STATIC_ETAG_OFF) return CX_ECONFIG;
    cx_static *st = calloc(1, sizeof *st);
    if (!st) return CX_ENOMEM;
    st->dir.root = -1;
    int rc = copy_options(st, opts);
    if (rc == CX_OK) rc = cx__beneath_open_root(&st->dir, opts->root, opts->no_openat2);
    if (rc) {
        cx_static_free(st);
        return rc;
    }
    *out = st;
    return CX_OK;
}

void cx_static_free(cx_static *st) {
    if (!st) return;
    cx__beneath_close(&st->dir);
    free(st->index);
    free(st->param);
    free(st);
}

/* ---- resolving a name beneath the root ------------------------------------ */

/* Failures that mean "there is nothing here for you": all become 404. */
static bool is_miss(int err) {
    static const int miss[] = {ENOENT,       ENOTDIR, EXDEV,  ELOOP,  EACCES, EPERM,
                               ENAMETOOLONG, ENXIO,   ENODEV, EISDIR, EAGAIN};
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
        if (err == miss[i]) return true;
    return false;
}

/* rel has no leading slash; "" is the root itself. */
static int open_beneath(const cx_static *st, char *rel, int *out) {
    return cx__beneath_open(&st->dir, rel, FILE_FLAGS, out);
}

typedef struct sfile {
    int fd;
    struct stat sb;
    cx_str name; /* the file's own name, for its type */
} sfile;

/* 0 with f->fd open and stat'ed, 404, or a negative system error. */
static int open_stat(const cx_static *st, char *rel, sfile *f) {
    int rc = open_beneath(st, rel, &f->fd);
    if (rc) return is_miss(-rc) ? 404 : rc;
    if (fstat(f->fd, &f->sb) < 0) {
        rc = -errno;
        close(f->fd);
        f->fd = -1;
        return rc;
    }
    return CX_OK;
}

static int drop(sfile *f, int status) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    return status;
}

static cx_str last_component(const char *rel) {
    const char *s = strrchr(rel, '/');
    s = s ? s + 1 : rel;
    return cx_str_from(s);
}

/* Find what rel names: 0 with a regular file open, 301 when rel is a
 * directory named without its slash that has an index, 404, or an error. */
static int find_file(const cx_static *st, cx_arena *a, char *rel, bool slash, sfile *f) {
    int rc = open_stat(st, rel, f);
    if (rc) return rc;
    f->name = last_component(rel);
    if (S_ISREG(f->sb.st_mode)) return slash ? drop(f, 404) : CX_OK;
    if (!S_ISDIR(f->sb.st_mode) || !*st->index) return drop(f, 404);
    drop(f, 0);
    /* A copy even for the root: the walk writes into the name it is given. */
    char *ipath = cx_arena_printf(a, "%s%s%s", rel, *rel ? "/" : "", st->index);
    if (!ipath) return CX_ENOMEM;
    if ((rc = open_stat(st, ipath, f))) return rc;
    if (!S_ISREG(f->sb.st_mode)) return drop(f, 404);
    if (*rel && !slash) return drop(f, 301);
    f->name = cx_str_from(st->index);
    return CX_OK;
}

/* ---- the request path ---------------------------------------------------- */

/* The wildcard's value when the route has one, else the decoded path.
 * 0 or 400 for a path whose escapes do not decode. */
static int request_path(cx_ctx *ctx, const cx_static *st, cx_str *out) {
    cx_str want = cx_str_from(st->param);
    for (unsigned i = 0; i < ctx->nparams && i < CX_MAX_PARAMS; i++) {
        if (cx_str_eq(ctx->params[i].name, want)) {
            *out = ctx->params[i].value;
            return 0;
        }
    }
    return cx_req_path_checked(cx_ctx_req(ctx), out) == CX_OK ? 0 : 400;
}

static bool refused_component(const cx_static *st, const char *c, size_t n) {
    if (n == 2 && c[0] == '.' && c[1] == '.') return true;
    return !st->hidden && n > 1 && c[0] == '.';
}

/* Copy path into the arena without its leading and trailing slashes, with
 * *slash telling whether it ended in one. 0, or the status to answer. */
static int clean_path(const cx_static *st, cx_arena *a, cx_str p, char **rel, bool *slash) {
    if (!p.ptr) p = (cx_str){"", 0};
    if (p.len > st->max_path) return 414;
    if (p.len && memchr(p.ptr, '\0', p.len)) return 404;
    *slash = p.len > 0 && p.ptr[p.len - 1] == '/';
    while (p.len && p.ptr[0] == '/') p.ptr++, p.len--;
    while (p.len && p.ptr[p.len - 1] == '/') p.len--;
    size_t start = 0;
    for (size_t i = 0; i <= p.len; i++) {
        if (i < p.len && p.ptr[i] != '/') continue;
        if (refused_component(st, p.ptr + start, i - start)) return 404;
        start = i + 1;
    }
    *rel = cx_arena_strndup(a, p.ptr, p.len);
    return *rel ? 0 : CX_ENOMEM;
}

/* ---- dates ------------------------------------------------------------------ */

static const char wkdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const long_wkdays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};

/* IMF-fixdate; false when the time does not fit the format. */
static bool format_http_date(int64_t t, char out[80]) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) return false;
    snprintf(out, 80, "%s, %02d %s %04d %02d:%02d:%02d GMT", wkdays[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

typedef struct cursor {
    const char *p, *e;
} cursor;

static bool lit(cursor *c, const char *s) {
    size_t n = strlen(s);
    if ((size_t)(c->e - c->p) < n || memcmp(c->p, s, n) != 0) return false;
    c->p += n;
    return true;
}

static bool digits(cursor *c, int n, int *v) {
    if (c->e - c->p < n) return false;
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9') return false;
        *v = *v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    return true;
}

static bool month_name(cursor *c, int *m) {
    for (int i = 0; i < 12; i++) {
        if (lit(c, months[i])) {
            *m = i + 1;
            return true;
        }
    }
    return false;
}

static bool clock_time(cursor *c, int *h, int *mi, int *s) {
    return digits(c, 2, h) && lit(c, ":") && digits(c, 2, mi) && lit(c, ":") && digits(c, 2, s);
}

static bool day_name(cursor *c, bool full) {
    for (int i = 0; i < 7; i++)
        if (lit(c, full ? long_wkdays[i] : wkdays[i])) return true;
    return false;
}

typedef struct date_parts {
    int y, mo, d, h, mi, s;
} date_parts;

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool imf_fixdate(cursor *c, date_parts *t) {
    return day_name(c, false) && lit(c, ", ") && digits(c, 2, &t->d) && lit(c, " ") &&
           month_name(c, &t->mo) && lit(c, " ") && digits(c, 4, &t->y) && lit(c, " ") &&
           clock_time(c, &t->h, &t->mi, &t->s) && lit(c, " GMT");
}

/* "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years below 70 are 20xx. */
static bool rfc850_date(cursor *c, date_parts *t) {
    bool ok = day_name(c, true) && lit(c, ", ") && digits(c, 2, &t->d) && lit(c, "-") &&
              month_name(c, &t->mo) && lit(c, "-") && digits(c, 2, &t->y) && lit(c, " ") &&
              clock_time(c, &t->h, &t->mi, &t->s) && lit(c, " GMT");
    t->y += t->y < 70 ? 2000 : 1900;
    return ok;
}

/* "Sun Nov  6 08:49:37 1994" */
static bool asctime_date(cursor *c, date_parts *t) {
    if (!(day_name(c, false) && lit(c, " ") && month_name(c, &t->mo) && lit(c, " "))) return false;
    if (lit(c, " ")) {
        if (!digits(c, 1, &t->d)) return false;
    } else if (!digits(c, 2, &t->d)) {
        return false;
    }
    return lit(c, " ") && clock_time(c, &t->h, &t->mi, &t->s) && lit(c, " ") && digits(c, 4, &t->y);
}

static bool valid_parts(const date_parts *t) {
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return t->mo >= 1 && t->mo <= 12 && t->d >= 1 && t->d <= mdays[t->mo - 1] && t->h < 24 &&
           t->mi < 60 && t->s <= 60;
}

/* Any of the three HTTP-date forms recipients must accept (RFC 9110
 * 5.6.7), as seconds since the epoch. */
static bool parse_http_date(cx_str v, int64_t *out) {
    date_parts t = {0};
    cursor c = {v.ptr, v.ptr + v.len};
    bool ok = imf_fixdate(&c, &t);
    if (!ok) c.p = v.ptr, ok = rfc850_date(&c, &t);
    if (!ok) c.p = v.ptr, ok = asctime_date(&c, &t);
    if (!ok || c.p != c.e || !valid_parts(&t)) return false;
    *out = days_from_civil(t.y, t.mo, t.d) * 86400 + t.h * 3600 + t.mi * 60 + t.s;
    return true;
}

/* ---- validators and conditional requests ---------------------------------- */

typedef struct validators {
    char etag[72]; /* the header value; empty when tags are off */
    cx_str opaque; /* the quoted part of etag */
    bool weak;
    char lastmod[80]; /* empty when the time cannot be written */
    int64_t mtime;    /* seconds */
} validators;

static void make_validators(const cx_static *st, const struct stat *sb, validators *v) {
    memset(v, 0, sizeof *v);
    v->mtime = (int64_t)sb->st_mtim.tv_sec;
    if (!format_http_date(v->mtime, v->lastmod)) v->lastmod[0] = '\0';
    if (st->etag == CX_STATIC_ETAG_OFF) return;
    v->weak = st->etag == CX_STATIC_ETAG_WEAK;
    uint64_t ns = (uint64_t)sb->st_mtim.tv_sec * 1000000000u + (uint64_t)sb->st_mtim.tv_nsec;
    int n = snprintf(v->etag, sizeof v->etag, "%s\"%llx-%llx-%llx\"", v->weak ? "W/" : "",
                     (unsigned long long)sb->st_size, (unsigned long long)ns,
                     (unsigned long long)sb->st_ino);
    size_t skip = v->weak ? 2 : 0;
    v->opaque = (cx_str){v->etag + skip, (size_t)n - skip};
}

static bool ows(char c) {
    return c == ' ' || c == '\t';
}

/* Does the If-Match / If-None-Match list h match our tag? "*" matches any
 * current representation. Strong comparison needs both tags strong; weak
 * compares the opaque parts. A malformed member ends the scan unmatched. */
static bool etag_list_match(cx_str h, const validators *v, bool strong) {
    const char *p = h.ptr, *e = h.ptr + h.len;
    while (p < e) {
        if (ows(*p) || *p == ',') {
            p++;
            continue;
        }
        if (*p == '*') return true;
        bool weak = e - p >= 2 && p[0] == 'W' && p[1] == '/';
        if (weak) p += 2;
        if (p >= e || *p != '"') return false;
        const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
        if (!q) return false;
        cx_str tag = {p, (size_t)(q - p + 1)};
        if (v->etag[0] && cx_str_eq(tag, v->opaque) && (!strong || (!weak && !v->weak)))
            return true;
        p = q + 1;
    }
    return false;
}

/* RFC 9110 13.2.2, steps 1 to 4: 0 to go on, 412 or 304. */
static int preconditions(cx_req *req, const validators *v) {
    cx_str h;
    int64_t t;
    if (cx_req_header(req, "If-Match", &h) == CX_OK) {
        if (!etag_list_match(h, v, true)) return 412;
    } else if (cx_req_header(req, "If-Unmodified-Since", &h) == CX_OK && parse_http_date(h, &t) &&
               v->mtime > t) {
        return 412;
    }
    if (cx_req_header(req, "If-None-Match", &h) == CX_OK) {
        if (etag_list_match(h, v, false)) return 304;
    } else if (cx_req_header(req, "If-Modified-Since", &h) == CX_OK && parse_http_date(h, &t) &&
               v->mtime <= t) {
        return 304;
    }
    return 0;
}

/* If-Range: the range applies only when the client's copy is current,
 * judged by a strong tag or the exact Last-Modified date. */
static bool if_range_holds(cx_req *req, const validators *v) {
    cx_str h;
    if (cx_req_header(req, "If-Range", &h) != CX_OK) return true;
    if (h.len && (h.ptr[0] == '"' || (h.len >= 2 && h.ptr[0] == 'W' && h.ptr[1] == '/')))
        return v->etag[0] && !v->weak && cx_str_eq(h, v->opaque);
    int64_t t;
    return v->lastmod[0] && parse_http_date(h, &t) && t == v->mtime;
}

/* ---- ranges ----------------------------------------------------------------- */

enum { RANGE_IGNORE, RANGE_OK, RANGE_UNSATISFIABLE };

/* Digits to a number, saturating: an absurd position is still a position. */
static bool range_number(cursor *c, uint64_t *v) {
    const char *start = c->p;
    *v = 0;
    for (; c->p < c->e && *c->p >= '0' && *c->p <= '9'; c->p++) {
        unsigned d = (unsigned)(*c->p - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
    }
    return c->p > start;
}

/* One byte range of a file of size bytes, as *off and *len. Only a single
 * range is served: a list (a comma) is ignored and the whole file sent,
 * which RFC 9110 14.2 permits. */
static int parse_range(cx_str h, uint64_t size, uint64_t *off, uint64_t *len) {
    cursor c = {h.ptr, h.ptr + h.len};
    while (c.p < c.e && ows(*c.p)) c.p++;
    while (c.e > c.p && ows(c.e[-1])) c.e--;
    if (c.e - c.p < 6 || !cx_str_ieq((cx_str){c.p, 6}, CX_STR("bytes="))) return RANGE_IGNORE;
    c.p += 6;
    if (memchr(c.p, ',', (size_t)(c.e - c.p))) return RANGE_IGNORE;
    uint64_t first, last = UINT64_MAX;
    if (lit(&c, "-")) {
        if (!range_number(&c, &last) || c.p != c.e) return RANGE_IGNORE;
        if (last == 0 || size == 0) return RANGE_UNSATISFIABLE;
        *len = last < size ? last : size;
        *off = size - *len;
        return RANGE_OK;
    }
    if (!range_number(&c, &first) || !lit(&c, "-")) return RANGE_IGNORE;
    if (c.p < c.e && (!range_number(&c, &last) || last < first)) return RANGE_IGNORE;
    if (c.p != c.e) return RANGE_IGNORE;
    if (first >= size) return RANGE_UNSATISFIABLE;
    if (last >= size) last = size - 1;
    *off = first;
    *len = last - first + 1;
    return RANGE_OK;
}

/* ---- answering -------------------------------------------------------------- */

static int add_validators(cx_res *res, const cx_static *st, const validators *v) {
    int rc = cx_res_header(res, "Accept-Ranges", "bytes");
    if (!rc && v->lastmod[0]) rc = cx_res_header(res, "Last-Modified", v->lastmod);
    if (!rc && v->etag[0]) rc = cx_res_header(res, "ETag", v->etag);
    if (!rc && st->max_age) {
        char cc[32];
        snprintf(cc, sizeof cc, "max-age=%u", (unsigned)st->max_age);
        rc = cx_res_header(res, "Cache-Control", cc);
    }
    return rc;
}

static const char *content_type(const cx_static *st, cx_str name) {
    const char *t = st->mime ? st->mime(name, st->mime_arg) : NULL;
    return t ? t : cx_static_mime_type(name);
}

static int unsatisfiable(cx_ctx *ctx, uint64_t size) {
    cx_problem(ctx, 416, "the range is outside the file");
    char cr[48];
    snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
    return cx_res_header(cx_ctx_res(ctx), "Content-Range", cr);
}

/* The body, or the part of it a Range asks for. Ranges apply to GET only
 * (RFC 9110 14.2); HEAD describes the whole file. */
static int send_body(cx_ctx *ctx, const cx_static *st, const sfile *f, const validators *v) {
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    uint64_t size = (uint64_t)f->sb.st_size, off = 0, len = size;
    cx_str h;
    if (cx_req_method(req) == CX_METHOD_GET && cx_req_header(req, "Range", &h) == CX_OK &&
        if_range_holds(req, v)) {
        int r = parse_range(h, size, &off, &len);
        if (r == RANGE_UNSATISFIABLE) return unsatisfiable(ctx, size);
        if (r == RANGE_OK) {
            char cr[80];
            snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)off,
                     (unsigned long long)(off + len - 1), (unsigned long long)size);
            int rc = cx_res_header(res, "Content-Range", cr);
            if (rc) return rc;
            cx_res_status(res, 206);
        }
    }
    return cx_res_sendfile(res, content_type(st, f->name), f->fd, (off_t)off, (size_t)len);
}

static int serve_file(cx_ctx *ctx, const cx_static *st, const sfile *f) {
    cx_res *res = cx_ctx_res(ctx);
    validators v;
    make_validators(st, &f->sb, &v);
    int cond = preconditions(cx_ctx_req(ctx), &v);
    if (cond == 412) return cx_problem(ctx, 412, "the file does not match the precondition");
    int rc = add_validators(res, st, &v);
    if (rc) return rc;
    if (cond == 304) {
        cx_res_status(res, 304);
        return CX_OK;
    }
    return send_body(ctx, st, f, &v);
}

/* Location for a directory named without its slash: the path as the client
 * sent it plus "/", with leading slashes collapsed so that "//host" can
 * never become a redirect to another site. */
static int redirect_to_dir(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_str p = req->path_raw, q = req->query;
    while (p.len && (p.ptr[0] == '/' || p.ptr[0] == '\\')) p.ptr++, p.len--;
    char *loc = cx_arena_printf(cx_ctx_arena(ctx), "/%.*s/%s%.*s", (int)p.len, p.ptr,
                                q.len ? "?" : "", (int)q.len, q.ptr);
    if (!loc) return CX_ENOMEM;
    cx_res_status(cx_ctx_res(ctx), 301);
    return cx_res_header(cx_ctx_res(ctx), "Location", loc);
}

static int method_not_allowed(cx_ctx *ctx) {
    cx_problem(ctx, 405, "only GET and HEAD are supported here");
    return cx_res_header(cx_ctx_res(ctx), "Allow", "GET, HEAD");
}

static int status_answer(cx_ctx *ctx, int status) {
    switch (status) {
    case 301:
        return redirect_to_dir(ctx);
    case 400:
        return cx_problem(ctx, 400, "the path has an invalid percent-encoding");
    case 414:
        return cx_problem(ctx, 414, "the path is too long");
    default:
        return cx_problem(ctx, 404, NOT_FOUND);
    }
}

int cx_static_handler(cx_ctx *ctx) {
    const cx_static *st = cx_ctx_data(ctx);
    if (!st) return CX_ECONFIG;
    cx_method m = cx_req_method(cx_ctx_req(ctx));
    if (m != CX_METHOD_GET && m != CX_METHOD_HEAD) return method_not_allowed(ctx);
    cx_str path;
    char *rel = NULL;
    bool slash = false;
    int rc = request_path(ctx, st, &path);
    if (rc == 0) rc = clean_path(st, cx_ctx_arena(ctx), path, &rel, &slash);
    sfile f = {.fd = -1};
    if (rc == 0) rc = find_file(st, cx_ctx_arena(ctx), rel, slash, &f);
    if (rc > 0) return status_answer(ctx, rc);
    if (rc < 0) return rc;
    rc = serve_file(ctx, st, &f);
    close(f.fd);
    return rc;
}
