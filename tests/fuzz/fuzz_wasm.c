/* libFuzzer target: decode + validate + compile any bytes; when the module
 * is valid and has no imports, instantiate it and call
 * every exported function with zero arguments under a small fuel budget,
 * call-depth and memory limit. Must never crash, leak or hang. */
#include <cortex/wasm.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_module_size = 1 << 20;
    lim.max_memory_pages = 32;
    lim.max_table_size = 10000;
    lim.max_call_depth = 200;
    lim.stack_slots = 1 << 14;
    lim.max_locals = 5000;
    lim.start_fuel = 100000; /* a start function that loops must not hang the run */
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *m = NULL;
    if (cx_wasm_module_new(data, size, &lim, &m, err) != 0) return 0;
    /* Only import-free modules run (the corpus has plenty). */
    cx_wasm_imports *im = cx_wasm_imports_new();
    uint32_t ni = cx_wasm_module_import_count(m);
    cx_wasm_instance *inst = NULL;
    cx_wasm_trap trap;
    if (ni == 0 && cx_wasm_instance_new(m, im, &lim, &inst, &trap, err) == 0) {
        uint32_t ne = cx_wasm_module_export_count(m);
        for (uint32_t i = 0; i < ne && i < 16; i++) {
            const char *name;
            int kind;
            cx_wasm_module_export(m, i, &name, &kind);
            if (kind != 0) continue;
            cx_wasm_func *f = cx_wasm_instance_func(inst, name);
            if (!f || cx_wasm_func_result_count(f) > 16) continue;
            uint32_t np = cx_wasm_func_param_count(f);
            if (np > 16) continue;
            cx_wasm_val args[16], res[16];
            for (uint32_t k = 0; k < np; k++) {
                args[k].type = cx_wasm_func_param_type(f, k);
                args[k].of.f64_bits = 0;
                args[k].of.i64 = (int64_t)k * 7;
            }
            cx_wasm_instance_set_fuel(inst, 20000);
            cx_wasm_call(inst, f, args, np, res, cx_wasm_func_result_count(f), &trap);
        }
    }
    cx_wasm_instance_free(inst);
    cx_wasm_imports_free(im);
    cx_wasm_module_free(m);
    return 0;
}
