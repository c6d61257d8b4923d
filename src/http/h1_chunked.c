/* The chunked transfer coding (RFC 9112 7.1), decoded in place.
 *
 * Data bytes are moved in bulk; everything else (sizes, extensions, CRLFs,
 * trailers) goes through a byte-at-a-time state machine, so a body may be
 * split anywhere and no line is ever buffered. Strictness: hex digits only
 * (at most 16), extensions are token[=token|quoted-string] with whitespace
 * only where the grammar has BWS (around ';' and '=', never before the
 * CRLF), every line ends in CRLF, and trailer lines follow the header-line
 * rules.
 */
#include "h1.h"
#include "core/hexval.h"
#include <cortex/error.h>
#include <string.h>

enum {
    CH_SIZE0,      /* first hex digit of a chunk size */
    CH_SIZE,       /* more hex digits */
    CH_BWS_SEMI,   /* whitespace that must lead to ';' */
    CH_BWS_EQ,     /* whitespace after a name: '=' or ';' must follow */
    CH_EXT_NAME0,  /* after ';' (and whitespace) */
    CH_EXT_NAME,   /* in an extension name */
    CH_EXT_VALUE0, /* after '=' (and whitespace) */
    CH_EXT_TOKEN,  /* in a token value */
    CH_EXT_QUOTED, /* in a quoted-string value */
    CH_EXT_ESCAPE, /* after '\' in a quoted string */
    CH_EXT_QEND,   /* after the closing quote */
    CH_SIZE_LF,    /* CR of the size line seen */
    CH_DATA,
    CH_DATA_CR, /* the CRLF after data */
    CH_DATA_LF,
    CH_TR_LINE0, /* start of a trailer line, or the final empty line */
    CH_TR_NAME,
    CH_TR_VALUE,
    CH_TR_LF,
    CH_END_LF, /* the LF of the final empty line */
    CH_DONE,
    CH_FAILED,
};

#define CC(c)     (cx_h1_cc[(unsigned char)(c)])
#define IS(c, cl) ((CC(c) & (cl)) != 0)

void cx_h1_chunked_init(cx_h1_chunked *d) {
    memset(d, 0, sizeof *d);
    d->state = CH_SIZE0;
    d->max_line = CX_H1_DEFAULT_MAX_CHUNK_LINE;
    d->max_trailer_bytes = CX_H1_DEFAULT_MAX_TRAILER_BYTES;
}

static int failed(cx_h1_chunked *d, int err, const char *why) {
    d->state = CH_FAILED;
    d->err = err;
    d->error = why;
    return err;
}

#define BWS(c) ((c) == ' ' || (c) == '\t')

/* After a complete size, name or value: what may follow. BWS is allowed
 * only where RFC 9112 7.1.1 has it (around ';' and '='), never before the
 * CRLF, so "5 \r\n" stays an error. */
static int after_item(unsigned char c, bool name) {
    if (c == ';') return CH_EXT_NAME0;
    if (c == '\r') return CH_SIZE_LF;
    if (name && c == '=') return CH_EXT_VALUE0;
    if (BWS(c)) return name ? CH_BWS_EQ : CH_BWS_SEMI;
    return -1;
}

/* A byte of a size line (size, extensions, CRLF): the next state, or -1. */
static int size_line(cx_h1_chunked *d, unsigned char c) {
    switch (d->state) {
    case CH_SIZE0:
        if (!IS(c, CX_H1_C_HEX)) return -1;
        d->remaining = (uint64_t)cx_hexval(c);
        return CH_SIZE;
    case CH_SIZE:
        if (!IS(c, CX_H1_C_HEX)) return after_item(c, false);
        if (d->line_len > 16) return -1; /* line_len counts this digit already */
        d->remaining = d->remaining << 4 | (uint64_t)cx_hexval(c);
        return CH_SIZE;
    case CH_BWS_SEMI:
        return BWS(c) ? CH_BWS_SEMI : c == ';' ? CH_EXT_NAME0 : -1;
    case CH_BWS_EQ:
        return BWS(c) ? CH_BWS_EQ : c == ';' ? CH_EXT_NAME0 : c == '=' ? CH_EXT_VALUE0 : -1;
    case CH_EXT_NAME0:
        return BWS(c) ? CH_EXT_NAME0 : IS(c, CX_H1_C_TOKEN) ? CH_EXT_NAME : -1;
    case CH_EXT_NAME:
        return IS(c, CX_H1_C_TOKEN) ? CH_EXT_NAME : after_item(c, true);
    case CH_EXT_VALUE0:
        if (BWS(c)) return CH_EXT_VALUE0;
        return c == '"' ? CH_EXT_QUOTED : IS(c, CX_H1_C_TOKEN) ? CH_EXT_TOKEN : -1;
    case CH_EXT_TOKEN:
        return IS(c, CX_H1_C_TOKEN) ? CH_EXT_TOKEN : after_item(c, false);
    case CH_EXT_QUOTED:
        return c == '"'                ? CH_EXT_QEND
               : c == '\\'             ? CH_EXT_ESCAPE
               : IS(c, CX_H1_C_QDTEXT) ? CH_EXT_QUOTED
                                       : -1;
    case CH_EXT_ESCAPE: /* quoted-pair: HTAB, SP, VCHAR, obs-text */
        return IS(c, CX_H1_C_VALUE) ? CH_EXT_QUOTED : -1;
    case CH_EXT_QEND:
        return after_item(c, false);
    default: /* CH_SIZE_LF */
        if (c != '\n') return -1;
        return d->remaining ? CH_DATA : CH_TR_LINE0;
    }
}

/* A byte of the trailer section: the next state, or -1. */
static int trailer(cx_h1_chunked *d, unsigned char c) {
    switch (d->state) {
    case CH_TR_LINE0:
        if (c == '\r') return CH_END_LF;
        return IS(c, CX_H1_C_TOKEN) ? CH_TR_NAME : -1; /* SP/HTAB here is obs-fold */
    case CH_TR_NAME:
        return IS(c, CX_H1_C_TOKEN) ? CH_TR_NAME : c == ':' ? CH_TR_VALUE : -1;
    case CH_TR_VALUE:
        return IS(c, CX_H1_C_VALUE) ? CH_TR_VALUE : c == '\r' ? CH_TR_LF : -1;
    case CH_TR_LF:
        return c == '\n' ? CH_TR_LINE0 : -1;
    default: /* CH_END_LF */
        return c == '\n' ? CH_DONE : -1;
    }
}

static const char *why_size(int state) {
    if (state == CH_SIZE0) return "invalid chunk size";
    if (state == CH_SIZE) return "invalid chunk size";
    if (state == CH_SIZE_LF) return "bare CR in chunk size line";
    return "invalid chunk extension";
}

/* Append buf[from..to) to the trailer sink. */
static int sink(cx_h1_chunked *d, const char *buf, size_t from, size_t to) {
    if (!d->trailers || from >= to) return 0;
    return cx_buf_append(d->trailers, buf + from, to - from);
}

/* One byte of metadata at buf[i]. 0, or an error. *tr_from tracks the run
 * of trailer bytes still to be copied to the sink (SIZE_MAX: none). */
static int meta_byte(cx_h1_chunked *d, const char *buf, size_t i, size_t *tr_from) {
    unsigned char c = (unsigned char)buf[i];
    int st = d->state, next;
    if (st <= CH_SIZE_LF) {
        if (++d->line_len > d->max_line) return failed(d, CX_ELIMIT, "chunk size line too long");
        if ((next = size_line(d, c)) < 0) return failed(d, CX_EPARSE, why_size(st));
        if (next == CH_DATA || next == CH_TR_LINE0) d->line_len = 0;
        if (next == CH_TR_LINE0) {
            if (d->trailers) cx_buf_reset(d->trailers);
            *tr_from = i + 1;
        }
    } else if (st == CH_DATA_CR || st == CH_DATA_LF) {
        if (c != (st == CH_DATA_CR ? '\r' : '\n'))
            return failed(d, CX_EPARSE, "missing CRLF after chunk data");
        next = st == CH_DATA_CR ? CH_DATA_LF : CH_SIZE0;
    } else {
        bool kept = st != CH_END_LF && !(st == CH_TR_LINE0 && c == '\r');
        if (kept && ++d->trailer_bytes > d->max_trailer_bytes)
            return failed(d, CX_ELIMIT, "trailer section too large");
        if (kept && ++d->line_len > d->max_line)
            return failed(d, CX_ELIMIT, "trailer line too long");
        if ((next = trailer(d, c)) < 0)
            return failed(d, CX_EPARSE,
                          st == CH_TR_LINE0 && (c == ' ' || c == '\t') ? "obs-fold in trailer"
                                                                       : "invalid trailer line");
        if (next == CH_TR_LINE0) d->line_len = 0;
        if (next == CH_END_LF) { /* the final empty line is not kept */
            int rc = sink(d, buf, *tr_from, i);
            *tr_from = SIZE_MAX;
            if (rc) return failed(d, rc, "trailer buffer full");
        }
    }
    d->state = next;
    return 0;
}

ssize_t cx_h1_chunked_decode(cx_h1_chunked *d, char *buf, size_t *len) {
    size_t n = *len, i = 0, out = 0;
    size_t tr_from = d->state >= CH_TR_LINE0 && d->state <= CH_TR_LF ? 0 : SIZE_MAX;
    *len = 0;
    if (d->state == CH_FAILED) return d->err;
    while (i < n && d->state != CH_DONE) {
        if (d->state == CH_DATA) {
            size_t take = n - i;
            if (take > d->remaining) take = (size_t)d->remaining;
            if (out != i) memmove(buf + out, buf + i, take);
            out += take;
            i += take;
            d->remaining -= take;
            if (!d->remaining) d->state = CH_DATA_CR;
            continue;
        }
        int rc = meta_byte(d, buf, i, &tr_from);
        if (rc) {
            *len = out;
            return rc;
        }
        i++;
    }
    if (tr_from != SIZE_MAX) {
        int rc = sink(d, buf, tr_from, i);
        if (rc) return failed(d, rc, "trailer buffer full");
    }
    d->done = d->state == CH_DONE;
    *len = out;
    return (ssize_t)i;
}
