/* Serving a wasm plugin: the C plugin of examples/wasm_plugin (compiled to
 * build/wasm/plugin.wasm by cmake/modules/wasm.cmake) answers GET and POST
 * /plugin/..., a fresh sandboxed instance per request, run on the thread
 * pool. Replace the .wasm file (write + rename) and the next request runs
 * the new code. A C route, /, shows that plugins and C handlers mix.
 *
 *   example_wasm_mount [PLUGIN.wasm] [--reuse] [--inline] [--threads N]
 *   PORT=8080 (default); stop with Ctrl-C.
 *   curl localhost:8080/plugin/hi -d 'some body'
 */
#include <cortex/cortex.h>
#include <cortex/wasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CX_WASM_OUT
#define CX_WASM_OUT "build/wasm"
#endif

static int home(cx_ctx *ctx) {
    const char msg[] = "try /plugin/anything\n";
    return cx_res_send(cx_ctx_res(ctx), "text/plain", msg, sizeof msg - 1);
}

int main(int argc, char **argv) {
    const char *path = CX_WASM_OUT "/plugin.wasm";
    cx_wasm_mount_options mo;
    cx_wasm_mount_options_defaults(&mo); /* fuel 1e8, 1 s, 16 MiB, fresh instances */
    unsigned threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reuse"))
            mo.reuse = true; /* warm instances: faster, but state persists */
        else if (!strcmp(argv[i], "--inline"))
            mo.inline_calls = true; /* on the worker thread instead of the pool */
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else
            path = argv[i];
    }

    cx_wasm_cache *cache = cx_wasm_cache_new(NULL); /* compiled modules, hot reload */
    cx_wasm_mount *plugin;
    cx_router *r;
    if (!cache || cx_wasm_mount_new(cache, path, &mo, &plugin) || cx_router_new(&r)) return 1;
    cx_router_get(r, "/", home, NULL);
    cx_wasm_mount_route(r, CX_METHOD_GET, "/plugin/*rest", plugin);
    cx_wasm_mount_route(r, CX_METHOD_POST, "/plugin/*rest", plugin);

    cx_server_options o;
    cx_server_options_default(&o);
    o.port = getenv("PORT") ? (uint16_t)atoi(getenv("PORT")) : 8080;
    o.threads = threads;
    o.handler = cx_router_handle;
    o.handler_data = r;
    cx_server *srv;
    int rc = cx_server_new(&srv, &o);
    if (rc) {
        fprintf(stderr, "wasm_mount: cannot listen on port %u: %s\n", o.port, cx_strerror(rc));
        return 1;
    }
    fprintf(stderr, "wasm_mount: serving %s on :%u/plugin/\n", path, (unsigned)o.port);
    rc = cx_server_run(srv); /* until SIGTERM/SIGINT; pool jobs are finished after this */
    cx_server_free(srv);
    cx_router_free(r);
    cx_wasm_mount_free(plugin); /* after the server: no job still uses it */
    cx_wasm_cache_free(cache);
    return rc ? 1 : 0;
}
