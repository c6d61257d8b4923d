/* A client for any Kubo RPC endpoint (/api/v0), over cx_fetch.
 *
 * Every call is one POST, as Kubo requires, made from the calling coroutine
 * (which waits; the loop goes on). Arguments travel in the query string,
 * uploads as multipart/form-data. Kubo reports failures as a non-2xx status
 * with {"Message": ..., "Code": ...}; the message is kept in the client
 * (cx_ipfs_client_error) and mapped to a CX_E* code. What comes back is
 * checked where it can be: a block from block/get must hash to the CID
 * asked for, the CID from block/put must be the one computed here, so a
 * confused or lying node is an error rather than wrong data. */
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/ipfs.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOUNDARY     "cortex-ipfs-client-7f3a9c2e"
#define ERROR_BODY   (64u * 1024) /* bytes of an error body read from a stream */
#define STREAM_CHUNK (64u * 1024)

struct cx_ipfs_client {
    cx_fetch_client *fetch;
    char *base;
    cx_ipfs_client_limits lim;
    char err[CX_IPFS_CLIENT_MESSAGE_MAX];
};

void cx_ipfs_client_limits_default(cx_ipfs_client_limits *l) {
    l->max_cat = 64u << 20;
    l->max_block = 2u << 20;
    l->max_json = 16u << 20;
    l->timeout_ms = 120000;
}

int cx_ipfs_client_new(cx_ipfs_client **out, cx_fetch_client *fetch, const char *base_url,
                       const cx_ipfs_client_limits *lim) {
    *out = NULL;
    if (!fetch || !base_url ||
        (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0))
        return CX_EINVAL;
    cx_ipfs_client *c = calloc(1, sizeof *c);
    if (!c) return CX_ENOMEM;
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/') n--;
    c->base = strndup(base_url, n);
    if (!c->base) {
        free(c);
        return CX_ENOMEM;
    }
    c->fetch = fetch;
    if (lim)
        c->lim = *lim;
    else
        cx_ipfs_client_limits_default(&c->lim);
    *out = c;
    return 0;
}

void cx_ipfs_client_free(cx_ipfs_client *c) {
    if (!c) return;
    free(c->base);
    free(c);
}

const char *cx_ipfs_client_error(const cx_ipfs_client *c) {
    return c->err;
}

static int set_err(cx_ipfs_client *c, int rc, const char *fmt, const char *detail) {
    snprintf(c->err, sizeof c->err, fmt, detail);
    return rc;
}

/* ---- requests ------------------------------------------------------------------ */

static void put_escaped(cx_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~/", ch))
            cx_buf_putc(b, (char)ch);
        else
            cx_buf_printf(b, "%%%02X", ch);
    }
}

/* base + /api/v0/cmd, then "?arg=..." when arg, then the extra query. */
static int make_url(cx_ipfs_client *c, cx_buf *url, const char *cmd, const char *arg,
                    const char *query) {
    cx_buf_reset(url);
    cx_buf_printf(url, "%s/api/v0/%s", c->base, cmd);
    char sep = '?';
    if (arg) {
        cx_buf_puts(url, "?arg=");
        put_escaped(url, arg, strlen(arg));
        sep = '&';
    }
    if (query && *query) {
        cx_buf_putc(url, sep);
        cx_buf_puts(url, query);
    }
    return cx_buf_putc(url, 0);
}

static bool contains(cx_str hay, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= hay.len; i++)
        if (memcmp(hay.ptr + i, needle, n) == 0) return true;
    return false;
}

/* Turn a finished exchange into a result: transport errors keep fetch's
 * message; a non-2xx status takes Kubo's {"Message"} when there is one. */
static int check_response(cx_ipfs_client *c, int rc, const cx_fetch_response *res, const char *body,
                          size_t len) {
    if (rc) {
        if (rc == CX_ELIMIT) return set_err(c, rc, "%s", "the answer is larger than the limit");
        return set_err(c, rc, "%s", res->error.message[0] ? res->error.message : cx_strerror(rc));
    }
    if (res->status >= 200 && res->status < 300) return 0;
    int code = res->status == 400   ? CX_EINVAL
               : res->status == 404 ? CX_ENOTFOUND
               : res->status == 413 ? CX_ELIMIT
                                    : CX_EIO;
    snprintf(c->err, sizeof c->err, "HTTP %d", res->status);
    cx_arena *a = cx_arena_new(4096, 1u << 20);
    const cx_json *j = NULL;
    if (a && len && cx_json_parse(a, body, len, NULL, &j, NULL) == 0 &&
        cx_json_typeof(cx_json_get(j, "Message")) == CX_JSON_STRING) {
        cx_str m = cx_json_str(cx_json_get(j, "Message"));
        snprintf(c->err, sizeof c->err, "%.*s", (int)m.len, m.ptr);
        /* Kubo answers 500 for most failures; its words say which. */
        if (code == CX_EIO && (contains(m, "not found") || contains(m, "could not find")))
            code = CX_ENOTFOUND;
    }
    cx_arena_free(a);
    return code;
}

/* POST url with an optional in-memory body; the answer in res. */
static int post(cx_ipfs_client *c, const char *url, const void *body, size_t len, const char *ctype,
                size_t max, cx_fetch_response *res) {
    cx_fetch_request req = {.method = "POST",
                            .url = url,
                            .body = body,
                            .body_len = len,
                            .content_type = ctype,
                            .timeout_ms = c->lim.timeout_ms,
                            .max_response_bytes = max};
    int rc = cx_fetch(c->fetch, &req, res);
    return check_response(c, rc, res, res->body.data, res->body.len);
}

/* POST and parse the JSON answer into a (the tree lives there). */
static int post_json(cx_ipfs_client *c, const char *cmd, const char *arg, const char *query,
                     const void *body, size_t len, const char *ctype, cx_arena *a,
                     const cx_json **out) {
    cx_buf url = CX_BUF_INIT;
    cx_fetch_response res = {0};
    int rc = make_url(c, &url, cmd, arg, query);
    if (!rc) rc = post(c, url.data, body, len, ctype, c->lim.max_json, &res);
    if (!rc) {
        /* add answers one JSON object per line: the last one is the root. */
        const char *p = res.body.data ? res.body.data : "";
        size_t n = res.body.len;
        while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
        size_t start = n;
        while (start && p[start - 1] != '\n') start--;
        cx_json_error je;
        if (cx_json_parse(a, p + start, n - start, NULL, out, &je) != 0)
            rc = set_err(c, CX_EPROTO, "the node's answer is not JSON: %s", je.message);
        else if (cx_json_typeof(*out) != CX_JSON_OBJECT)
            rc = set_err(c, CX_EPROTO, "%s", "the node's answer is not a JSON object");
    }
    cx_fetch_response_free(&res);
    cx_buf_free(&url);
    return rc;
}

static int json_cid(cx_ipfs_client *c, const cx_json *obj, const char *key, cx_cid *out) {
    const cx_json *v = cx_json_get(obj, key);
    if (cx_json_typeof(v) != CX_JSON_STRING)
        return set_err(c, CX_EPROTO, "the answer has no \"%s\"", key);
    cx_str s = cx_json_str(v);
    const char *why = NULL;
    if (cx_cid_parse(out, s.ptr, s.len, &why))
        return set_err(c, CX_EPROTO, "the node returned an invalid CID: %s", why);
    return 0;
}

/* ---- multipart ------------------------------------------------------------------ */

#define PART_HEAD                                                                                  \
    "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n"       \
    "Content-Type: application/octet-stream\r\n\r\n"
#define PART_TAIL  "\r\n--" BOUNDARY "--\r\n"
#define PART_CTYPE "multipart/form-data; boundary=" BOUNDARY

static int multipart(cx_buf *b, const void *data, size_t len) {
    int rc = cx_buf_puts(b, PART_HEAD);
    if (!rc && len) rc = cx_buf_append(b, data, len);
    if (!rc) rc = cx_buf_puts(b, PART_TAIL);
    return rc;
}

/* Streams head, the file, tail; runs on the loop's stack (a read() of a
 * regular file does not wait on the network). */
struct file_body {
    int fd;
    size_t head_off, tail_off;
    bool in_file;
    int err;
};

static ssize_t file_read(void *data, void *buf, size_t cap) {
    struct file_body *f = data;
    const size_t hl = sizeof PART_HEAD - 1, tl = sizeof PART_TAIL - 1;
    if (f->head_off < hl) {
        size_t n = hl - f->head_off < cap ? hl - f->head_off : cap;
        memcpy(buf, &PART_HEAD[f->head_off], n);
        f->head_off += n;
        return (ssize_t)n;
    }
    while (f->in_file) {
        ssize_t n = read(f->fd, buf, cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return f->err = -errno;
        if (n > 0) return n;
        f->in_file = false;
    }
    size_t n = tl - f->tail_off < cap ? tl - f->tail_off : cap;
    memcpy(buf, &PART_TAIL[f->tail_off], n);
    f->tail_off += n;
    return (ssize_t)n;
}

/* ---- add --------------------------------------------------------------------------- */

static void add_query(cx_buf *q, const cx_import_options *o) {
    cx_import_options d;
    if (!o) {
        cx_import_options_default(&d);
        o = &d;
    }
    cx_buf_printf(q, "cid-version=%d&pin=%s&chunker=size-%zu", o->cid_version,
                  o->pin ? "true" : "false", o->chunk_size);
    if (o->raw_leaves >= 0) cx_buf_printf(q, "&raw-leaves=%s", o->raw_leaves ? "true" : "false");
    cx_buf_putc(q, 0);
}

static int add_answer(cx_ipfs_client *c, int rc, const cx_json *j, cx_cid *root) {
    return rc ? rc : json_cid(c, j, "Hash", root);
}

int cx_ipfs_client_add(cx_ipfs_client *c, const void *data, size_t len, const cx_import_options *o,
                       cx_cid *root) {
    cx_buf body = CX_BUF_INIT, q = CX_BUF_INIT;
    cx_arena *a = cx_arena_new(4096, c->lim.max_json + 4096);
    int rc = a ? multipart(&body, data, len) : CX_ENOMEM;
    add_query(&q, o);
    const cx_json *j = NULL;
    if (!rc) rc = post_json(c, "add", NULL, q.data, body.data, body.len, PART_CTYPE, a, &j);
    rc = add_answer(c, rc, j, root);
    cx_arena_free(a);
    cx_buf_free(&body);
    cx_buf_free(&q);
    return rc;
}

int cx_ipfs_client_add_file(cx_ipfs_client *c, const char *path, const cx_import_options *o,
                            cx_cid *root) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return set_err(c, -errno, "cannot open %s", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return set_err(c, CX_EINVAL, "%s is not a regular file", path);
    }
    struct file_body fb = {.fd = fd, .in_file = true};
    cx_buf url = CX_BUF_INIT, q = CX_BUF_INIT;
    add_query(&q, o);
    int rc = make_url(c, &url, "add", NULL, q.data);
    cx_fetch_request req = {
        .method = "POST",
        .url = url.data,
        .content_type = PART_CTYPE,
        .body_reader = file_read,
        .body_reader_data = &fb,
        .body_reader_len = (int64_t)(sizeof PART_HEAD - 1 + sizeof PART_TAIL - 1) + st.st_size,
        .timeout_ms = CX_FETCH_NO_TIMEOUT, /* large files take what they take */
        .max_response_bytes = c->lim.max_json,
    };
    cx_fetch_response res = {0};
    if (!rc) rc = cx_fetch(c->fetch, &req, &res);
    if (rc && fb.err) rc = fb.err;
    rc = check_response(c, rc, &res, res.body.data, res.body.len);
    cx_arena *a = cx_arena_new(4096, c->lim.max_json + 4096);
    const cx_json *j = NULL;
    if (!rc && !a) rc = CX_ENOMEM;
    if (!rc) {
        const char *p = res.body.data ? res.body.data : "";
        size_t n = res.body.len;
        while (n && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
        size_t s = n;
        while (s && p[s - 1] != '\n') s--;
        if (cx_json_parse(a, p + s, n - s, NULL, &j, NULL) != 0)
            rc = set_err(c, CX_EPROTO, "%s", "the node's answer is not JSON");
    }
    rc = add_answer(c, rc, j, root);
    cx_arena_free(a);
    cx_fetch_response_free(&res);
    cx_buf_free(&url);
    cx_buf_free(&q);
    close(fd);
    return rc;
}

/* ---- cat ----------------------------------------------------------------------------- */

static void cat_query(cx_buf *q, uint64_t offset, uint64_t length) {
    cx_buf_printf(q, "offset=%" PRIu64, offset);
    if (length != UINT64_MAX) cx_buf_printf(q, "&length=%" PRIu64, length);
    cx_buf_putc(q, 0);
}

int cx_ipfs_client_cat(cx_ipfs_client *c, const char *path, uint64_t offset, uint64_t length,
                       cx_buf *out) {
    cx_buf url = CX_BUF_INIT, q = CX_BUF_INIT;
    cat_query(&q, offset, length);
    cx_fetch_response res = {0};
    int rc = make_url(c, &url, "cat", path, q.data);
    if (!rc) rc = post(c, url.data, NULL, 0, NULL, c->lim.max_cat, &res);
    if (rc == CX_ELIMIT && !res.status)
        snprintf(c->err, sizeof c->err, "cat: more than %zu bytes (max_cat)", c->lim.max_cat);
    if (!rc) {
        cx_buf_reset(out);
        rc = cx_buf_append(out, res.body.data, res.body.len);
    }
    cx_fetch_response_free(&res);
    cx_buf_free(&url);
    cx_buf_free(&q);
    return rc;
}

int cx_ipfs_client_cat_stream(cx_ipfs_client *c, const char *path, uint64_t offset, uint64_t length,
                              cx_write_fn fn, void *arg) {
    cx_buf url = CX_BUF_INIT, q = CX_BUF_INIT;
    cat_query(&q, offset, length);
    int rc = make_url(c, &url, "cat", path, q.data);
    cx_fetch_request req = {.method = "POST",
                            .url = url.data,
                            .timeout_ms = CX_FETCH_NO_TIMEOUT,
                            .max_response_bytes = SIZE_MAX};
    cx_fetch_response res = {0};
    cx_fetch_stream *s = NULL;
    if (!rc) rc = cx_fetch_open(c->fetch, &req, &res, &s);
    char *buf = malloc(STREAM_CHUNK);
    if (!rc && !buf) rc = CX_ENOMEM;
    if (rc) {
        rc = check_response(c, rc, &res, NULL, 0);
    } else if (res.status < 200 || res.status >= 300) {
        /* An error: its (small) body says why. */
        cx_buf body = CX_BUF_INIT;
        ssize_t n;
        while (body.len < ERROR_BODY && (n = cx_fetch_read(s, buf, STREAM_CHUNK)) > 0)
            cx_buf_append(&body, buf, (size_t)n);
        rc = check_response(c, 0, &res, body.data, body.len);
        cx_buf_free(&body);
    } else {
        ssize_t n;
        while ((n = cx_fetch_read(s, buf, STREAM_CHUNK)) > 0)
            if ((rc = fn(arg, buf, (size_t)n))) break;
        if (!rc && n < 0) rc = set_err(c, (int)n, "%s", res.error.message);
    }
    free(buf);
    cx_fetch_stream_close(s);
    cx_fetch_response_free(&res);
    cx_buf_free(&url);
    cx_buf_free(&q);
    return rc;
}

/* ---- blocks -------------------------------------------------------------------------- */

int cx_ipfs_client_block_get(cx_ipfs_client *c, const cx_cid *cid, cx_buf *out) {
    char text[CX_CID_MAX_TEXT];
    int rc = cx_cid_format(cid, 0, text, sizeof text);
    if (rc < 0) return rc;
    cx_buf url = CX_BUF_INIT;
    cx_fetch_response res = {0};
    rc = make_url(c, &url, "block/get", text, NULL);
    if (!rc) rc = post(c, url.data, NULL, 0, NULL, c->lim.max_block, &res);
    if (!rc && cx_cid_verify(cid, res.body.data, res.body.len) != 0)
        rc = set_err(c, CX_EIO, "the block from the node does not hash to %.200s", text);
    if (!rc) {
        cx_buf_reset(out);
        rc = cx_buf_append(out, res.body.data, res.body.len);
    }
    cx_fetch_response_free(&res);
    cx_buf_free(&url);
    return rc;
}

int cx_ipfs_client_block_put(cx_ipfs_client *c, const void *data, size_t len, int cid_version,
                             uint64_t codec, cx_cid *out) {
    if (len > c->lim.max_block) return set_err(c, CX_ELIMIT, "%s", "block larger than max_block");
    if ((codec != CX_CODEC_RAW && codec != CX_CODEC_DAG_PB) || cid_version < 0 || cid_version > 1 ||
        (cid_version == 0 && codec != CX_CODEC_DAG_PB))
        return set_err(c, CX_EINVAL, "%s", "block_put: raw (v1) or dag-pb (v0/v1) only");
    cx_cid want;
    int rc = cx_cid_of(&want, cid_version, codec, CX_MH_SHA2_256, data, len);
    if (rc) return rc;
    const char *q = cid_version == 0           ? "format=v0&mhtype=sha2-256"
                    : codec == CX_CODEC_DAG_PB ? "cid-codec=dag-pb&mhtype=sha2-256"
                                               : "cid-codec=raw&mhtype=sha2-256";
    cx_buf body = CX_BUF_INIT;
    cx_arena *a = cx_arena_new(4096, 1u << 20);
    rc = a ? multipart(&body, data, len) : CX_ENOMEM;
    const cx_json *j = NULL;
    if (!rc) rc = post_json(c, "block/put", NULL, q, body.data, body.len, PART_CTYPE, a, &j);
    if (!rc) rc = json_cid(c, j, "Key", out);
    if (!rc && !cx_cid_equal(out, &want)) {
        cx_cid v1a, v1b; /* a node may answer in the other version */
        cx_cid_to_v1(out, &v1a);
        cx_cid_to_v1(&want, &v1b);
        if (!cx_cid_equal(&v1a, &v1b))
            rc = set_err(c, CX_EIO, "%s", "the node named the block with another CID");
        *out = want;
    }
    cx_arena_free(a);
    cx_buf_free(&body);
    return rc;
}

/* ---- pins, id, version ---------------------------------------------------------------- */

int cx_ipfs_client_pin_add(cx_ipfs_client *c, const cx_cid *cid, bool recursive) {
    char text[CX_CID_MAX_TEXT];
    int rc = cx_cid_format(cid, 0, text, sizeof text);
    if (rc < 0) return rc;
    cx_arena *a = cx_arena_new(4096, 1u << 20);
    if (!a) return CX_ENOMEM;
    const cx_json *j;
    rc = post_json(c, "pin/add", text, recursive ? "recursive=true" : "recursive=false", NULL, 0,
                   NULL, a, &j);
    cx_arena_free(a);
    return rc;
}

int cx_ipfs_client_pin_rm(cx_ipfs_client *c, const cx_cid *cid) {
    char text[CX_CID_MAX_TEXT];
    int rc = cx_cid_format(cid, 0, text, sizeof text);
    if (rc < 0) return rc;
    cx_arena *a = cx_arena_new(4096, 1u << 20);
    if (!a) return CX_ENOMEM;
    const cx_json *j;
    rc = post_json(c, "pin/rm", text, NULL, NULL, 0, NULL, a, &j);
    cx_arena_free(a);
    return rc;
}

int cx_ipfs_client_pin_ls(cx_ipfs_client *c,
                          int (*fn)(void *arg, const cx_cid *cid, cx_pin_type type), void *arg) {
    cx_arena *a = cx_arena_new(1u << 16, c->lim.max_json * 4 + 4096);
    if (!a) return CX_ENOMEM;
    const cx_json *j;
    int rc = post_json(c, "pin/ls", NULL, "type=all", NULL, 0, NULL, a, &j);
    const cx_json *keys = rc ? NULL : cx_json_get(j, "Keys");
    if (!rc && cx_json_typeof(keys) != CX_JSON_OBJECT)
        rc = set_err(c, CX_EPROTO, "%s", "pin/ls answer without \"Keys\"");
    cx_json_iter it = rc ? (cx_json_iter){0} : cx_json_iterate(keys);
    cx_str key;
    const cx_json *v;
    while (!rc && cx_json_next(&it, &key, &v)) {
        const char *type = cx_json_cstr(cx_json_get(v, "Type"));
        if (!type || !strcmp(type, "indirect")) continue; /* implied by a recursive pin */
        cx_cid cid;
        const char *why;
        if (cx_cid_parse(&cid, key.ptr, key.len, &why)) {
            rc = set_err(c, CX_EPROTO, "pin/ls listed an invalid CID: %s", why);
            break;
        }
        rc = fn(arg, &cid, strcmp(type, "direct") ? CX_PIN_RECURSIVE : CX_PIN_DIRECT);
    }
    cx_arena_free(a);
    return rc;
}

static int string_field(cx_ipfs_client *c, const char *cmd, const char *key, char *out,
                        size_t cap) {
    cx_arena *a = cx_arena_new(4096, 1u << 20);
    if (!a) return CX_ENOMEM;
    const cx_json *j;
    int rc = post_json(c, cmd, NULL, NULL, NULL, 0, NULL, a, &j);
    const cx_json *v = rc ? NULL : cx_json_get(j, key);
    if (!rc && cx_json_typeof(v) != CX_JSON_STRING)
        rc = set_err(c, CX_EPROTO, "the answer has no \"%s\"", key);
    if (!rc) {
        cx_str s = cx_json_str(v);
        if (s.len >= cap)
            rc = CX_ERANGE;
        else {
            memcpy(out, s.ptr, s.len);
            out[s.len] = 0;
        }
    }
    cx_arena_free(a);
    return rc;
}

int cx_ipfs_client_id(cx_ipfs_client *c, char *peer_id, size_t cap) {
    return string_field(c, "id", "ID", peer_id, cap);
}

int cx_ipfs_client_version(cx_ipfs_client *c, char *version, size_t cap) {
    return string_field(c, "version", "Version", version, cap);
}
