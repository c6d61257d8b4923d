/* RFC 9457 problem details. The body is written straight into the
 * response's body buffer (which the transport keeps between requests), so
 * an error answer costs no allocation. The JSON string writer is local on
 * purpose: it keeps this path free of a dependency on the JSON module, and
 * it must cope with anything — a detail may quote user input, so invalid
 * UTF-8 becomes U+FFFD rather than broken JSON. */
#include "ctx.h"
#include "message.h"
#include <cortex/error.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0; /* overlong */
        if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90; /* overlong */
        if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* The escape for an ASCII byte that cannot appear raw in a JSON string,
 * written to esc (7 bytes); 0 when c needs none. */
static size_t ascii_escape(unsigned char c, char esc[7]) {
    static const char hex[] = "0123456789abcdef";
    const char *short_form = NULL;
    switch (c) {
    case '"':
        short_form = "\\\"";
        break;
    case '\\':
        short_form = "\\\\";
        break;
    case '\b':
        short_form = "\\b";
        break;
    case '\f':
        short_form = "\\f";
        break;
    case '\n':
        short_form = "\\n";
        break;
    case '\r':
        short_form = "\\r";
        break;
    case '\t':
        short_form = "\\t";
        break;
    default:
        if (c >= 0x20) return 0;
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return 6;
    }
    memcpy(esc, short_form, 2);
    return 2;
}

/* Append s[0..n) as a JSON string literal, quotes included. */
static int put_json_string(cx_buf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    int rc = cx_buf_putc(b, '"');
    size_t run = 0, i = 0; /* s[run..i) is copied as it is */
    while (i < n && rc == CX_OK) {
        char esc[7];
        size_t elen;
        if (u[i] >= 0x80) {
            size_t l = utf8_seq(u + i, n - i);
            if (l) {
                i += l;
                continue;
            }
            memcpy(esc, "\\ufffd", 6);
            elen = 6;
        } else if (!(elen = ascii_escape(u[i], esc))) {
            i++;
            continue;
        }
        rc = cx_buf_append(b, s + run, i - run);
        if (rc == CX_OK) rc = cx_buf_append(b, esc, elen);
        run = ++i;
    }
    if (rc == CX_OK) rc = cx_buf_append(b, s + run, n - run);
    if (rc == CX_OK) rc = cx_buf_putc(b, '"');
    return rc;
}

/* The path as it appeared in the request (a URI reference, as "instance"
 * must be); empty when there is no request. */
static cx_str instance_of(const cx_ctx *ctx) {
    if (!ctx->req || !ctx->req->path_raw.ptr) return (cx_str){"", 0};
    return ctx->req->path_raw;
}

static int write_problem(cx_buf *b, int status, const char *detail, cx_str instance) {
    const char *title = cx_status_reason(status);
    int rc = cx_buf_puts(b, "{\"type\":\"about:blank\",\"title\":");
    if (!rc) rc = put_json_string(b, title, strlen(title));
    if (!rc) rc = cx_buf_printf(b, ",\"status\":%d", status);
    if (!rc && detail) rc = cx_buf_puts(b, ",\"detail\":");
    if (!rc && detail) rc = put_json_string(b, detail, strlen(detail));
    if (!rc && instance.len) rc = cx_buf_puts(b, ",\"instance\":");
    if (!rc && instance.len) rc = put_json_string(b, instance.ptr, instance.len);
    if (!rc) rc = cx_buf_putc(b, '}');
    return rc;
}

int cx_problem(cx_ctx *ctx, int status, const char *detail) {
    if (!ctx || !ctx->res) return CX_EINVAL;
    cx_res *res = ctx->res;
    if (cx_res_headers_sent(res)) return CX_ESTATE;
    if (status < 400 || status > 599) status = 500;
    cx_buf *body = cx_res_body(res);
    cx_buf_reset(body);
    int rc = write_problem(body, status, detail, instance_of(ctx));
    if (rc) {
        /* Out of room for the detail: the bare status still says enough. */
        cx_buf_reset(body);
        rc = write_problem(body, status, NULL, (cx_str){"", 0});
    }
    cx_res_status(res, status);
    int hrc = cx_res_header(res, "Content-Type", "application/problem+json");
    return rc ? rc : hrc;
}
