/* An HTTP handler plugin written in C, compiled to wasm32 by
 * cmake/modules/wasm.cmake. It implements the Cortex plugin ABI (docs/WASM.md):
 *
 *   cx_plugin_alloc(size) -> ptr      room for the request, in this memory
 *   cx_plugin_handle(ptr, len) -> i64 (resp_ptr << 32 | resp_len), < 0 on error
 *
 * Request bytes:  "METHOD TARGET\n" ("Name: value\n")* "\n" body
 * Response bytes: "STATUS\n" ("Name: value\n")* "\n" body
 *
 * This one greets the caller and echoes the request line and body length.
 * Memory is a bump arena reset on every request, so a plugin instance holds
 * nothing between calls. Served over HTTP by examples/wasm_mount (see
 * docs/WASM.md, "Serving plugins"). */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define ARENA        (256 * 1024)

static uint8_t arena[ARENA];
static uint32_t used;

EXPORT(cx_plugin_alloc) uint8_t *plugin_alloc(uint32_t size) {
    used = 0; /* one request at a time: start over */
    if (size > ARENA / 2) return 0;
    used = (size + 15) & ~15u;
    return arena;
}

static uint32_t put(uint8_t *out, uint32_t at, const char *s, uint32_t n) {
    for (uint32_t i = 0; i < n && at < ARENA; i++) out[at++] = (uint8_t)s[i];
    return at;
}

static uint32_t puts_(uint8_t *out, uint32_t at, const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    return put(out, at, s, n);
}

static uint32_t putu(uint8_t *out, uint32_t at, uint32_t v) {
    char d[10];
    int n = 0;
    do d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) at = put(out, at, &d[--n], 1);
    return at;
}

EXPORT(cx_plugin_handle) int64_t plugin_handle(const uint8_t *req, uint32_t len) {
    uint32_t line = 0;
    while (line < len && req[line] != '\n') line++;
    if (line == len) return -1; /* no request line */
    uint32_t p = line + 1;      /* skip headers up to the blank line */
    while (p < len && req[p] != '\n') {
        while (p < len && req[p] != '\n') p++;
        p++;
    }
    uint32_t body = p < len ? len - p - 1 : 0;
    uint8_t *out = arena + used;
    uint32_t n = 0, cap = ARENA - used;
    (void)cap;
    n = puts_(out, n, "200\nContent-Type: text/plain\nX-Plugin: hello-wasm\n\n");
    n = puts_(out, n, "hello from a wasm plugin: ");
    n = put(out, n, (const char *)req, line);
    n = puts_(out, n, " (body ");
    n = putu(out, n, body);
    n = puts_(out, n, " bytes)\n");
    return (int64_t)((uint64_t)(uintptr_t)out << 32 | n);
}
