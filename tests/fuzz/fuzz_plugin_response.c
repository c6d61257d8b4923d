/* libFuzzer target for cx_wasm_plugin_response_parse: the bytes a wasm
 * plugin leaves in its own memory, so fully untrusted.
 *
 * Byte 0 drives the harness, the rest is the response:
 *   bits 0-1  0: no callback, 1: a callback that accepts every header,
 *             2-3: a callback that fails at header number (bits 2-4)
 *   bits 5-6  the code that failing callback returns (an error code, or a
 *             positive number: any non-zero return must come back as is)
 *   bit 7     pass why = NULL (allowed by the API)
 *
 * Properties checked on every input:
 *   - the result agrees with a separate line-by-line model of docs/WASM.md
 *     (status 0 or 200..599 then LF; "token: value" lines; values of
 *     VCHAR, obs-text, SP and HTAB only, blanks trimmed; at most
 *     CX_WASM_PLUGIN_MAX_HEADERS;
 *     an empty line): same verdict, status, body offset and headers;
 *   - every header given to the callback lies inside the input, in order,
 *     with a non-empty token name and a value of field-value octets
 *     without surrounding blanks; at most CX_WASM_PLUGIN_MAX_HEADERS of them;
 *   - body_off <= len and the head ends with "\n\n";
 *   - the callback is never called for a malformed response; when it fails
 *     its code is returned and it is not called again;
 *   - a malformed response gives CX_EPARSE and a static non-empty `why`
 *     (not pointing into the input, the same on a second call); success
 *     and callback failures leave why NULL. */
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct span {
    size_t name, name_len, value, value_len;
} span;

typedef struct model {
    bool ok;
    int status;
    size_t body_off, n;
    span h[CX_WASM_PLUGIN_MAX_HEADERS];
} model;

/* A field-value octet (RFC 9110 5.5): VCHAR, obs-text, SP, HTAB. */
static bool value_octet(uint8_t c) {
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool tchar(uint8_t c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

static bool blank(uint8_t c) {
    return c == ' ' || c == '\t';
}

/* The reference: split into LF-terminated lines first, then judge each. */
static void run_model(const uint8_t *r, size_t len, model *m) {
    memset(m, 0, sizeof *m);
    const uint8_t *lf = memchr(r, '\n', len);
    if (!lf) return;
    size_t sl = (size_t)(lf - r);
    for (size_t i = 0; i < sl; i++)
        if (r[i] < '0' || r[i] > '9') return;
    if (sl == 1 && r[0] == '0')
        m->status = 0;
    else if (sl == 3 && r[0] >= '2' && r[0] <= '5')
        m->status = (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
    else
        return;
    size_t p = sl + 1;
    for (;;) {
        lf = p < len ? memchr(r + p, '\n', len - p) : NULL;
        if (!lf) return;
        size_t e = (size_t)(lf - r);
        if (e == p) break; /* the empty line */
        const uint8_t *colon = memchr(r + p, ':', e - p);
        if (!colon || colon == r + p) return;
        size_t c = (size_t)(colon - r);
        for (size_t i = p; i < c; i++)
            if (!tchar(r[i])) return;
        for (size_t i = c + 1; i < e; i++)
            if (!value_octet(r[i])) return;
        size_t vs = c + 1, ve = e;
        while (vs < ve && blank(r[vs])) vs++;
        while (ve > vs && blank(r[ve - 1])) ve--;
        if (m->n == CX_WASM_PLUGIN_MAX_HEADERS) return;
        m->h[m->n++] = (span){p, c - p, vs, ve - vs};
        p = e + 1;
    }
    m->ok = true;
    m->body_off = p + 1;
}

typedef struct seen {
    const uint8_t *base;
    size_t len;
    const model *m;
    size_t calls;
    size_t fail_at; /* SIZE_MAX: never fail */
    int fail_code;
    const char *prev_end;
} seen;

static int on_header(void *arg, const char *name, size_t name_len, const char *value,
                     size_t value_len) {
    seen *s = arg;
    const char *lo = (const char *)s->base, *hi = lo + s->len;
    /* inside the input, in order, after the previous header */
    if (!name || !value || name < lo || name_len > (size_t)(hi - name)) abort();
    if (value < lo || value_len > (size_t)(hi - value)) abort();
    if (s->prev_end && name < s->prev_end) abort();
    if (value < name + name_len) abort();
    s->prev_end = value + value_len;
    if (name_len == 0 || name[name_len] != ':') abort();
    for (size_t i = 0; i < name_len; i++)
        if (!tchar((uint8_t)name[i])) abort();
    for (size_t i = 0; i < value_len; i++)
        if (!value_octet((uint8_t)value[i])) abort();
    if (value_len && (blank((uint8_t)value[0]) || blank((uint8_t)value[value_len - 1]))) abort();
    /* exactly what the model found */
    if (s->calls >= s->m->n || s->calls >= CX_WASM_PLUGIN_MAX_HEADERS) abort();
    const span *h = &s->m->h[s->calls];
    if (name != lo + h->name || name_len != h->name_len || value != lo + h->value ||
        value_len != h->value_len)
        abort();
    if (s->calls++ == s->fail_at) return s->fail_code;
    return 0;
}

static bool points_into(const char *p, const uint8_t *base, size_t len) {
    return (const uint8_t *)p >= base && (const uint8_t *)p < base + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    const uint8_t *r = data + 1;
    size_t len = size - 1;
    static const int codes[4] = {CX_EINVAL, CX_ENOMEM, 7, CX_EPROTO};

    static model m; /* ~3 KiB: keep it off the stack */
    run_model(r, len, &m);

    seen s = {r, len, &m, 0, SIZE_MAX, 0, NULL};
    int mode = ctl & 3;
    if (mode >= 2) {
        s.fail_at = (ctl >> 2) & 7;
        s.fail_code = codes[(ctl >> 5) & 3];
    }
    int status = -1;
    size_t off = SIZE_MAX;
    const char *why = "unset";
    const char **whyp = (ctl & 0x80) ? NULL : &why;
    int rc =
        cx_wasm_plugin_response_parse(r, len, mode ? on_header : NULL, &s, &status, &off, whyp);

    bool cb_fails = mode >= 2 && m.ok && s.fail_at < m.n;
    if (!m.ok) {
        if (rc != CX_EPARSE || s.calls != 0) abort(); /* checked before any callback */
        if (whyp) {
            if (!why || !why[0] || strlen(why) > 200 || points_into(why, r, len)) abort();
            /* static text: the same pointer when asked again */
            const char *again = NULL;
            int st2;
            size_t off2;
            if (cx_wasm_plugin_response_parse(r, len, NULL, NULL, &st2, &off2, &again) !=
                    CX_EPARSE ||
                again != why)
                abort();
        }
        return 0;
    }
    if (cb_fails) {
        if (rc != s.fail_code || s.calls != s.fail_at + 1) abort();
        if (whyp && why) abort();
        return 0;
    }
    if (rc != 0) abort();
    if (whyp && why) abort();
    if (mode && s.calls != m.n) abort();
    if (m.n > CX_WASM_PLUGIN_MAX_HEADERS) abort();
    if (status != m.status || off != m.body_off) abort();
    if (!(status == 0 || (status >= 200 && status <= 599))) abort();
    if (off > len || off < 2 || r[off - 1] != '\n' || r[off - 2] != '\n') abort();
    return 0;
}
