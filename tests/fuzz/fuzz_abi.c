/* libFuzzer target for the ABI type parser, decoder and text parser.
 * Input: a type text, a newline, then the bytes to decode (also tried as
 * cast-syntax text). A successful decode must re-encode to bytes that decode
 * again to the same formatted value. */
#include <stdlib.h>
#include <string.h>
#include <cortex/abi.h>

static void check_roundtrip(cx_arena *a, const cx_abi_type *t, const cx_abi_value *v) {
    cx_buf enc = CX_BUF_INIT, f1 = CX_BUF_INIT, f2 = CX_BUF_INIT;
    cx_abi_error e;
    const cx_abi_value *back;
    if (cx_abi_encode(&enc, v, &e) != 0) abort();
    if (cx_abi_decode(a, t, (const uint8_t *)enc.data, enc.len, NULL, &back, &e) != 0) abort();
    if (cx_abi_format_value(&f1, v) || cx_abi_format_value(&f2, back)) abort();
    if (f1.len != f2.len || (f1.len && memcmp(f1.data, f2.data, f1.len))) abort();
    cx_buf_free(&enc);
    cx_buf_free(&f1);
    cx_buf_free(&f2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return 0;
    size_t tl = (size_t)(nl - data);
    cx_arena *a = cx_arena_new(0, 16u << 20);
    if (!a) return 0;
    const cx_abi_type *t;
    cx_abi_error e;
    cx_abi_limits lim = cx_abi_limits_defaults();
    lim.max_elements = 10000;
    lim.max_total = 50000;
    if (cx_abi_type_parse(a, (const char *)data, tl, &lim, &t, &e) == 0) {
        const uint8_t *body = nl + 1;
        size_t bl = size - tl - 1;
        const cx_abi_value *v;
        if (cx_abi_decode(a, t, body, bl, &lim, &v, &e) == 0) check_roundtrip(a, t, v);
        if (cx_abi_parse_value(a, t, (const char *)body, bl, &v, &e) == 0) {
            cx_buf enc = CX_BUF_INIT;
            if (cx_abi_encode(&enc, v, &e) == 0) {
                const cx_abi_value *back;
                if (cx_abi_decode(a, t, (const uint8_t *)enc.data, enc.len, NULL, &back, &e))
                    abort(); /* our own encoding must decode */
            }
            cx_buf_free(&enc);
        }
    }
    cx_arena_free(a);
    return 0;
}
