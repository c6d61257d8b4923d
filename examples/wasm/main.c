/* Embedding example: load the C plugin compiled to wasm (build/wasm/plugin.wasm,
 * made by cmake/modules/wasm.cmake), instantiate it, and send it a request
 * through the plugin ABI; then call an export with typed values.
 *   example_wasm [PLUGIN.wasm]
 */
#include <cortex/wasm.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "build/wasm/plugin.wasm";
    size_t len;
    uint8_t *bin = slurp(path, &len);
    if (!bin) {
        fprintf(stderr, "cannot read %s (build the wasm_guests target first)\n", path);
        return 1;
    }
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *mod = NULL;
    int rc = cx_wasm_module_new(bin, len, NULL, &mod, err); /* validate + compile once */
    free(bin);
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 1;
    }
    cx_wasm_instance *inst = NULL;
    if (cx_wasm_instance_new(mod, NULL, NULL, &inst, NULL, err)) {
        fprintf(stderr, "instantiate: %s\n", err);
        cx_wasm_module_free(mod);
        return 1;
    }
    cx_wasm_instance_set_fuel(inst, 10000000); /* bound every call */

    const char req[] = "GET /greet\nHost: example\n\nping";
    uint8_t *resp;
    size_t resp_len;
    cx_wasm_trap trap;
    rc = cx_wasm_plugin_call(inst, req, sizeof req - 1, &resp, &resp_len, &trap);
    if (rc)
        fprintf(stderr, "plugin failed: %d (%s)\n", rc, cx_wasm_trap_message(trap));
    else {
        printf("--- response (%zu bytes) ---\n%.*s", resp_len, (int)resp_len, (const char *)resp);
        free(resp);
    }
    /* Typed call of an export: cx_plugin_alloc(64) -> i32 */
    cx_wasm_val a = {.type = CX_WASM_I32, .of.i32 = 64}, r;
    if (cx_wasm_call(inst, cx_wasm_instance_func(inst, "cx_plugin_alloc"), &a, 1, &r, 1, &trap) ==
        0)
        printf("cx_plugin_alloc(64) = %d\n", r.of.i32);
    cx_wasm_instance_free(inst);
    cx_wasm_module_free(mod);
    return rc ? 1 : 0;
}
