/* The plugin ABI, host side: hand a request to a wasm module's
 * cx_plugin_handle through its own memory and copy the response out.
 * See docs/WASM.md for the byte formats. Every guest pointer and length is
 * checked against the memory before use. */
#include <stdlib.h>
#include "wasm_int.h"

int cx_wasm_plugin_call(cx_wasm_instance *inst, const void *req, size_t len, uint8_t **resp,
                        size_t *resp_len, cx_wasm_trap *trap) {
    if (trap) *trap = CX_WASM_TRAP_NONE;
    if (!inst || (!req && len) || !resp || !resp_len || len > UINT32_MAX / 2) return CX_EINVAL;
    *resp = NULL;
    *resp_len = 0;
    cx_wasm_func *alloc = cx_wasm_instance_func(inst, "cx_plugin_alloc");
    cx_wasm_func *handle = cx_wasm_instance_func(inst, "cx_plugin_handle");
    cx_wasm_memory *mem = cx_wasm_instance_memory(inst, "memory");
    if (!alloc || !handle || !mem) return CX_ENOTFOUND;
    if (alloc->type->nparams != 1 || alloc->type->nresults != 1 ||
        alloc->type->types[0] != CX_WASM_I32 || alloc->type->types[1] != CX_WASM_I32 ||
        handle->type->nparams != 2 || handle->type->nresults != 1 ||
        handle->type->types[0] != CX_WASM_I32 || handle->type->types[1] != CX_WASM_I32 ||
        handle->type->types[2] != CX_WASM_I64)
        return CX_EPROTO;
    cx_wasm_val a[2], r;
    a[0].type = CX_WASM_I32;
    a[0].of.i32 = (int32_t)len;
    int rc = cx_wasm_call(inst, alloc, a, 1, &r, 1, trap);
    if (rc) return rc;
    uint32_t ptr = (uint32_t)r.of.i32;
    if (ptr == 0 && len) return CX_ENOMEM;
    if (cx_wasm_memory_write(mem, ptr, req, len)) return CX_EPROTO;
    a[0].of.i32 = (int32_t)ptr;
    a[1].type = CX_WASM_I32;
    a[1].of.i32 = (int32_t)len;
    rc = cx_wasm_call(inst, handle, a, 2, &r, 1, trap);
    if (rc) return rc;
    if (r.of.i64 < 0) return CX_EPROTO;
    uint32_t rp = (uint32_t)((uint64_t)r.of.i64 >> 32), rl = (uint32_t)r.of.i64;
    const void *src = cx_wasm_memory_ptr(mem, rp, rl);
    if (!src) return CX_EPROTO;
    *resp = malloc(rl ? rl : 1);
    if (!*resp) return CX_ENOMEM;
    memcpy(*resp, src, rl);
    *resp_len = rl;
    return 0;
}
