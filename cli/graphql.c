/* cortex graphql — run a query against a schema and a JSON root value, or
 * print a schema's introspection result; output matches graphql-js 16.
 *
 *   cortex graphql exec --schema S.graphql --root R.json --query Q.graphql
 *                       [--variables V.json] [--operation NAME]
 *   cortex graphql introspect --schema S.graphql
 *
 * Exit status: 0 when a response was printed (even one with errors), 1 on
 * usage, file or schema errors. */
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <cortex/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static int usage(void) {
    fprintf(stderr,
            "usage: cortex graphql exec --schema S.graphql [--root R.json] --query Q.graphql\n"
            "                           [--variables V.json] [--operation NAME]\n"
            "       cortex graphql introspect --schema S.graphql\n");
    return 1;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cx_buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (cx_buf_append(&b, tmp, n)) break;
    fclose(f);
    cx_buf_putc(&b, 0);
    if (!b.data) return NULL;
    *len = b.len - 1;
    return b.data;
}

int cx_cli_graphql(int argc, char **argv) {
    if (argc < 2) return usage();
    const char *cmd = argv[1];
    const char *schema_path = NULL, *root_path = NULL, *query_path = NULL, *vars_path = NULL,
               *opname = NULL;
    for (int i = 2; i < argc; i += 2) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        if (!strcmp(o, "--schema"))
            schema_path = v;
        else if (!strcmp(o, "--root"))
            root_path = v;
        else if (!strcmp(o, "--query"))
            query_path = v;
        else if (!strcmp(o, "--variables"))
            vars_path = v;
        else if (!strcmp(o, "--operation"))
            opname = v;
        else
            return usage();
    }
    bool intro = !strcmp(cmd, "introspect");
    if ((!intro && strcmp(cmd, "exec")) || !schema_path || (!intro && !query_path)) return usage();
    int rc = 1;
    size_t slen = 0, rlen = 0, qlen = 0, vlen = 0;
    char *sdl = read_file(schema_path, &slen);
    char *root = root_path ? read_file(root_path, &rlen) : NULL;
    char *query = query_path ? read_file(query_path, &qlen) : NULL;
    char *vars = vars_path ? read_file(vars_path, &vlen) : NULL;
    cx_arena *a = cx_arena_new(0, 0);
    cx_gql_schema *s = NULL;
    cx_buf err = {0}, out = {0};
    if (!sdl || (root_path && !root) || (query_path && !query) || (vars_path && !vars)) {
        fprintf(stderr, "cortex graphql: cannot read an input file\n");
        goto done;
    }
    if (!a) goto done;
    int e = cx_gql_schema_parse(sdl, slen, NULL, &s, &err);
    if (e) {
        fprintf(stderr, "cortex graphql: invalid schema:\n%.*s", (int)err.len,
                err.data ? err.data : "");
        goto done;
    }
    cx_gql_request req = {0};
    req.root = cx_gql_null();
    if (root) {
        const cx_json *j;
        cx_json_error je;
        if (cx_json_parse(a, root, rlen, NULL, &j, &je)) {
            fprintf(stderr, "cortex graphql: %s: %s\n", root_path, je.message);
            goto done;
        }
        req.root = cx_gql_json(j);
    }
    if (vars) {
        const cx_json *j;
        cx_json_error je;
        if (cx_json_parse(a, vars, vlen, NULL, &j, &je)) {
            fprintf(stderr, "cortex graphql: %s: %s\n", vars_path, je.message);
            goto done;
        }
        req.variables = j;
    }
    if (intro) {
        req.query = cx_gql_introspection_query();
        req.query_len = strlen(req.query);
    } else {
        req.query = query;
        req.query_len = qlen;
    }
    req.operation_name = opname;
    e = cx_gql_execute(s, &req, NULL, a, &out, NULL);
    if (e) {
        fprintf(stderr, "cortex graphql: %s\n", cx_strerror(e));
        goto done;
    }
    fwrite(out.data, 1, out.len, stdout);
    fputc('\n', stdout);
    rc = 0;
done:
    cx_buf_free(&err);
    cx_buf_free(&out);
    cx_gql_schema_free(s);
    cx_arena_free(a);
    free(sdl);
    free(root);
    free(query);
    free(vars);
    return rc;
}
