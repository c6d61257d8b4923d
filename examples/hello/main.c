/* Hello, world: a router with two routes, served on $PORT (default 8080).
 * Build: see README.md ("Embedding"); run: ./hello; stop with Ctrl-C. */
#include <cortex/cortex.h>
#include <stdio.h>
#include <stdlib.h>

static int hello(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "Hello, World!", 13);
}

static int greet(cx_ctx *ctx) { /* GET /hello/:name */
    cx_str name = cx_param(ctx, "name");
    cx_buf *body = cx_res_body(cx_ctx_res(ctx));
    return cx_buf_printf(body, "Hello, %.*s!\n", (int)name.len, name.ptr);
}

int main(void) {
    cx_router *r;
    if (cx_router_new(&r)) return 1;
    cx_router_get(r, "/", hello, NULL);
    cx_router_get(r, "/hello/:name", greet, NULL);

    cx_server_options o;
    cx_server_options_default(&o);
    o.port = getenv("PORT") ? (uint16_t)atoi(getenv("PORT")) : 8080;
    o.handler = cx_router_handle;
    o.handler_data = r;
    cx_server *srv;
    int rc = cx_server_new(&srv, &o);
    if (rc) {
        fprintf(stderr, "hello: cannot listen on port %u: %s\n", o.port, cx_strerror(rc));
        return 1;
    }
    rc = cx_server_run(srv); /* until SIGTERM or SIGINT, then drains */
    cx_server_free(srv);
    cx_router_free(r);
    return rc ? 1 : 0;
}
