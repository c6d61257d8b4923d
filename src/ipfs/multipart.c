/* multipart/form-data (RFC 7578), parsed in place from a body already in
 * memory: parts are slices of the body. Only what uploads to the RPC API
 * need: the part's name, filename and Content-Type, and its bytes. */
#include "gw_int.h"
#include <stdlib.h>
#include <string.h>

static const char *find(const char *h, size_t hl, const char *n, size_t nl) {
    if (nl == 0 || hl < nl) return NULL;
    return memmem(h, hl, n, nl);
}

int cx_ipfs_mp_boundary(cx_str ct, cx_str *boundary) {
    if (ct.len < 19 || !cx_str_ieq((cx_str){ct.ptr, 19}, CX_STR("multipart/form-data")))
        return CX_EPARSE;
    const char *b = find(ct.ptr, ct.len, "boundary=", 9);
    if (!b) return CX_EPARSE;
    b += 9;
    const char *e = ct.ptr + ct.len;
    size_t left = ct.len - (size_t)(b - ct.ptr);
    if (left > 0 && *b == '"') {
        b++;
        const char *q = memchr(b, '"', left - 1);
        if (!q) return CX_EPARSE;
        e = q;
    } else {
        const char *semi = memchr(b, ';', left);
        if (semi) e = semi;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
    }
    if (e == b || e - b > 200) return CX_EPARSE;
    *boundary = (cx_str){b, (size_t)(e - b)};
    return 0;
}

/* The value of `key="..."` in a Content-Disposition header. */
static cx_str disp_param(cx_str v, const char *key) {
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 <= v.len; i++) {
        if (memcmp(v.ptr + i, key, kl) != 0 || v.ptr[i + kl] != '=') continue;
        if (i > 0 && v.ptr[i - 1] != ' ' && v.ptr[i - 1] != ';') continue;
        const char *s = v.ptr + i + kl + 1, *e = v.ptr + v.len;
        if (*s == '"') {
            s++;
            const char *q = memchr(s, '"', (size_t)(e - s));
            return q ? (cx_str){s, (size_t)(q - s)} : (cx_str){NULL, 0};
        }
        const char *q = memchr(s, ';', (size_t)(e - s));
        return (cx_str){s, (size_t)((q ? q : e) - s)};
    }
    return (cx_str){NULL, 0};
}

void cx_ipfs_mp_headers(cx_str h, cx_mpart *part) {
    memset(part, 0, sizeof *part);
    const char *p = h.ptr, *end = h.ptr + h.len;
    while (p < end) {
        const char *nl = find(p, (size_t)(end - p), "\r\n", 2);
        if (!nl) nl = end;
        cx_str line = {p, (size_t)(nl - p)};
        const char *colon = memchr(line.ptr, ':', line.len);
        if (colon) {
            cx_str name = {line.ptr, (size_t)(colon - line.ptr)};
            const char *v = colon + 1;
            while (v < nl && (*v == ' ' || *v == '\t')) v++;
            cx_str val = {v, (size_t)(nl - v)};
            if (cx_str_ieq(name, CX_STR("Content-Disposition"))) {
                part->name = disp_param(val, "name");
                part->filename = disp_param(val, "filename");
            } else if (cx_str_ieq(name, CX_STR("Content-Type"))) {
                part->content_type = val;
            }
        }
        p = nl == end ? end : nl + 2;
    }
}

/* ---- the streaming reader ------------------------------------------------ */

#define MP_BUF     (64u << 10) /* window; also the most header bytes per part */
#define MP_IN_DATA 1
#define MP_AFTER   2 /* just past a delimiter */
#define MP_DONE    3

int cx_ipfs_mp_open(cx_mp_reader *r, cx_req *req, cx_str boundary, uint64_t limit) {
    memset(r, 0, sizeof *r);
    if (boundary.len + 4 > sizeof r->delim) return CX_EPARSE;
    /* The body is read as if it began with CRLF, so that the first
     * delimiter looks like every other one and the preamble is just the
     * data of a part before the first. */
    memcpy(r->delim, "\r\n--", 4);
    memcpy(r->delim + 4, boundary.ptr, boundary.len);
    r->dl = boundary.len + 4;
    r->req = req;
    r->limit = limit;
    r->buf = malloc(MP_BUF);
    if (!r->buf) return CX_ENOMEM;
    memcpy(r->buf, "\r\n", 2);
    r->len = 2;
    r->state = MP_IN_DATA;
    return 0;
}

void cx_ipfs_mp_close(cx_mp_reader *r) {
    free(r->buf);
    r->buf = NULL;
}

/* Read more of the body; CX_EPARSE at a premature end. */
static int fill(cx_mp_reader *r) {
    if (r->off) {
        memmove(r->buf, r->buf + r->off, r->len - r->off);
        r->len -= r->off;
        r->off = 0;
    }
    if (r->len == MP_BUF) return CX_ELIMIT;
    ssize_t n = cx_req_read(r->req, r->buf + r->len, MP_BUF - r->len);
    if (n < 0) return (int)n;
    if (n == 0) return CX_EPARSE; /* the body ended inside the multipart */
    r->len += (size_t)n;
    r->total += (uint64_t)n;
    if (r->limit && r->total > r->limit) return CX_ELIMIT;
    return 0;
}

int cx_ipfs_mp_read(cx_mp_reader *r, const char **p, size_t *n) {
    if (r->state != MP_IN_DATA) return 0;
    for (;;) {
        const char *at = find(r->buf + r->off, r->len - r->off, r->delim, r->dl);
        if (at) {
            size_t i = (size_t)(at - r->buf);
            if (i > r->off) {
                *p = r->buf + r->off;
                *n = i - r->off;
                r->off = i;
                return 1;
            }
            r->off += r->dl;
            r->state = MP_AFTER;
            return 0;
        }
        /* Everything but a possible delimiter prefix at the end is data. */
        size_t avail = r->len - r->off;
        if (avail >= r->dl) {
            *p = r->buf + r->off;
            *n = avail - (r->dl - 1);
            r->off += *n;
            return 1;
        }
        int rc = fill(r);
        if (rc) return rc;
    }
}

int cx_ipfs_mp_next_part(cx_mp_reader *r, cx_mpart *part) {
    const char *p;
    size_t n;
    int rc;
    while ((rc = cx_ipfs_mp_read(r, &p, &n)) == 1) {
    } /* skip the rest of a part */
    if (rc < 0) return rc;
    if (r->state == MP_DONE) return 0;
    while (r->len - r->off < 2)
        if ((rc = fill(r))) return rc;
    if (r->buf[r->off] == '-' && r->buf[r->off + 1] == '-') {
        r->state = MP_DONE;
        return 0;
    }
    /* Transport padding, CRLF, then the part's headers up to CRLFCRLF. */
    for (;;) {
        const char *s = r->buf + r->off, *e = r->buf + r->len;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        if (e - s >= 2) {
            if (s[0] != '\r' || s[1] != '\n') return CX_EPARSE;
            s += 2;
            const char *h = e - s >= 2 && s[0] == '\r' && s[1] == '\n'
                                ? s - 2
                                : find(s, (size_t)(e - s), "\r\n\r\n", 4);
            if (h) {
                cx_ipfs_mp_headers((cx_str){s, (size_t)(h > s ? h - s : 0)}, part);
                /* Keep the strings the caller may want: the body window moves. */
                size_t fl = part->filename.len < sizeof r->filename - 1 ? part->filename.len
                                                                        : sizeof r->filename - 1;
                if (fl) memcpy(r->filename, part->filename.ptr, fl);
                r->filename[fl] = 0;
                part->filename = (cx_str){r->filename, fl};
                size_t tl = part->content_type.len < sizeof r->ctype - 1 ? part->content_type.len
                                                                         : sizeof r->ctype - 1;
                if (tl) memcpy(r->ctype, part->content_type.ptr, tl);
                r->ctype[tl] = 0;
                part->content_type = (cx_str){r->ctype, tl};
                part->name = (cx_str){NULL, 0};
                part->data = (cx_str){NULL, 0};
                r->off = (size_t)(h + 4 - r->buf);
                r->state = MP_IN_DATA;
                return 1;
            }
        }
        if ((rc = fill(r))) return rc;
    }
}
