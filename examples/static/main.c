/* Serve a directory over HTTP.
 *
 *   example_static [DIR] [PORT]      (defaults: "." and 8080)
 *   curl -i http://127.0.0.1:8080/
 *   curl -i -H 'Range: bytes=0-99' http://127.0.0.1:8080/some/file
 *
 * One GET route whose pattern is "/" plus the wildcard "*path" hands every
 * path to the cx_static handler; the router answers HEAD from the GET route
 * and 405 for other methods. Routes such as "/healthz" sit next to it and
 * win over the wildcard. Ctrl-C stops the server gracefully. */
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/router.h>
#include <cortex/static.h>
#include <stdio.h>
#include <stdlib.h>

static int health(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain; charset=utf-8", "ok\n", 3);
}

static int run(cx_router *router, long port) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.port = (uint16_t)port;
    o.handler = cx_router_handle;
    o.handler_data = router;
    cx_server *srv = NULL;
    int rc = cx_server_new(&srv, &o);
    if (rc) {
        fprintf(stderr, "cannot listen on port %ld: %s\n", port, cx_strerror(rc));
        return rc;
    }
    printf("serving on http://127.0.0.1:%u/\n", (unsigned)cx_server_port(srv));
    fflush(stdout);
    rc = cx_server_run(srv);
    cx_server_free(srv);
    return rc;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    long port = argc > 2 ? strtol(argv[2], NULL, 10) : 8080;
    if (port < 0 || port > 65535) {
        fprintf(stderr, "usage: %s [DIR] [PORT]\n", argv[0]);
        return 2;
    }

    cx_static_options so;
    cx_static_options_default(&so);
    so.root = dir;
    so.max_age = 60; /* let browsers reuse files for a minute */
    cx_static *files = NULL;
    int rc = cx_static_new(&files, &so);
    if (rc) {
        fprintf(stderr, "cannot serve '%s': %s\n", dir, cx_strerror(rc));
        return 1;
    }

    cx_router *router = NULL;
    rc = cx_router_new(&router);
    if (!rc) rc = cx_router_get(router, "/healthz", health, NULL);
    if (!rc) rc = cx_router_get(router, "/*path", cx_static_handler, files);
    if (rc)
        fprintf(stderr, "cannot build the routes: %s\n", cx_strerror(rc));
    else
        rc = run(router, port);

    cx_router_free(router);
    cx_static_free(files);
    return rc ? 1 : 0;
}
