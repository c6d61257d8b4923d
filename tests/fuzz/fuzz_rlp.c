/* libFuzzer target for the RLP decoder: anything accepted must be canonical,
 * so re-encoding the tree must give back exactly the input bytes. */
#include <stdlib.h>
#include <string.h>
#include <cortex/rlp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 0;
    const cx_rlp_item *it;
    cx_rlp_error err;
    cx_rlp_limits lim = cx_rlp_limits_defaults();
    lim.max_items = 100000;
    if (cx_rlp_decode(a, data, size, &lim, &it, &err) == 0) {
        cx_buf b = CX_BUF_INIT;
        if (cx_rlp_encode(&b, it) != 0 || b.len != size || memcmp(b.data, data, size) != 0)
            abort(); /* decoder accepted a non-canonical form */
        cx_buf_free(&b);
    }
    cx_arena_free(a);
    return 0;
}
