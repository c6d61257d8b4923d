/* The Cortex side of bench/graphql/http.sh: the GraphQL endpoint
 * (cx_gql_http) serving the schema and root value of bench_data.h at
 * /graphql, one worker thread.
 *   http_server PORT */
#include <cortex/graphql.h>
#include <cortex/http.h>
#include <cortex/json.h>
#include <cortex/router.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_data.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: http_server PORT\n");
        return 2;
    }
    cx_gql_schema *s = NULL;
    if (cx_gql_schema_parse(SDL, strlen(SDL), NULL, &s, NULL)) return 1;
    char *text = make_root(1000);
    cx_arena *ra = cx_arena_new(0, 0);
    const cx_json *root;
    if (!ra || cx_json_parse(ra, text, strlen(text), NULL, &root, NULL)) return 1;
    cx_gql_http_options o = {0};
    o.root = cx_gql_json(root);
    cx_gql_http *h = cx_gql_http_new(s, &o);
    cx_router *r = NULL;
    if (!h || cx_router_new(&r) || cx_gql_http_mount(h, r, "/graphql")) return 1;
    cx_server_options so;
    cx_server_options_default(&so);
    so.host = "127.0.0.1";
    so.port = (uint16_t)atoi(argv[1]);
    so.threads = 1;
    so.handler = cx_router_handle;
    so.handler_data = r;
    cx_server *srv = NULL;
    if (cx_server_new(&srv, &so)) return 1;
    int rc = cx_server_run(srv) ? 1 : 0; /* until SIGTERM */
    cx_server_free(srv);
    cx_router_free(r);
    cx_gql_http_free(h);
    cx_arena_free(ra);
    free(text);
    cx_gql_schema_free(s);
    return rc;
}
