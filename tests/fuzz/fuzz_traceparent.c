/* Fuzz the W3C propagation parsers: traceparent, tracestate and baggage.
 *
 * Byte 0 picks the parser (mod 3); the rest is the header value. Beyond not
 * crashing, each accepted input must survive a round trip:
 *   traceparent: format(parse(x)) parses to the same ids and sampled flag;
 *   tracestate:  the normalised output is at most 512 bytes and is its own
 *                normal form;
 *   baggage:     format(parse(x)) parses to the same keys and values. */
#include <cortex/error.h>
#include <cortex/trace.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    cx_str v = {(const char *)data + 1, size - 1};
    switch (data[0] % 3) {
    case 0: {
        cx_span_context a, b;
        if (cx_traceparent_parse(v, &a) != 0) break;
        if (!cx_span_context_valid(&a)) abort();
        char buf[56];
        cx_traceparent_format(&a, buf);
        if (cx_traceparent_parse(cx_str_from(buf), &b) != 0) abort();
        if (memcmp(a.trace_id, b.trace_id, 16) || memcmp(a.span_id, b.span_id, 8) ||
            (a.flags & 1) != (b.flags & 1))
            abort();
        break;
    }
    case 1: {
        char out[CX_TRACESTATE_MAX + 1], again[CX_TRACESTATE_MAX + 1];
        if (cx_tracestate_parse(v, out) != 0) {
            if (out[0]) abort(); /* a rejected list leaves nothing */
            break;
        }
        size_t n = strlen(out);
        if (n > CX_TRACESTATE_MAX) abort();
        if (cx_tracestate_parse((cx_str){out, n}, again) != 0 || strcmp(out, again) != 0) abort();
        break;
    }
    case 2: {
        cx_baggage b = {0}, c = {0};
        int rc = cx_baggage_parse(&b, v);
        if (rc == 0) {
            cx_buf out = CX_BUF_INIT;
            if (cx_baggage_format(&b, &out) == 0) {
                if (cx_baggage_parse(&c, (cx_str){out.data ? out.data : "", out.len}) != 0) abort();
                if (c.n != b.n) abort();
                for (size_t i = 0; i < b.n; i++)
                    if (strcmp(b.entries[i].key, c.entries[i].key) ||
                        strcmp(b.entries[i].value, c.entries[i].value))
                        abort();
            }
            cx_buf_free(&out);
        }
        cx_baggage_free(&b);
        cx_baggage_free(&c);
        break;
    }
    }
    return 0;
}
