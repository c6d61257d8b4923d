/* Fuzz the GraphQL parser, validator and executor.
 *
 * The input is a document run against a fixed schema (interfaces, a union,
 * enums, input objects, oneOf, a custom scalar) with a JSON root value, so
 * every phase sees it: lexing/parsing must fail cleanly or produce a tree,
 * validation must finish, execution of a valid document must produce a
 * response that is valid JSON. When the input has a NUL byte, the bytes
 * after it are used as the variables JSON. The same bytes are also tried as
 * SDL for the schema builder. Query.pal and User.best load through a
 * cx_gql_loader, so documents also drive the executor's batching passes
 * (suspension, resolver memo, per-key errors, the round limit).
 */
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <cortex/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

static const char SDL[] =
    "interface Node { id: ID! }\n"
    "interface Named implements Node { id: ID! name: String }\n"
    "type User implements Named & Node { id: ID! name: String friends(first: Int = 2): [User!] "
    "role: Role pets: [Pet] best: User }\n"
    "type Dog implements Node { id: ID! barks: Boolean }\n"
    "type Cat implements Node { id: ID! lives: Int! }\n"
    "union Pet = Dog | Cat\n"
    "enum Role { ADMIN USER }\n"
    "scalar Date\n"
    "input F { a: Int = 1 b: [String!] c: F r: Role! = USER }\n"
    "input O @oneOf { x: Int y: String }\n"
    "type Query { me: User user(id: ID!): User node(id: ID): Node search(f: F, o: O, d: Date): "
    "[Pet] n: Int! s: String pal(id: ID): User }\n"
    "type Mutation { set(v: Int!): Int }\n";

static const char ROOT[] =
    "{\"me\":{\"id\":1,\"name\":\"a\",\"role\":\"ADMIN\",\"friends\":[{\"id\":\"2\"},null],"
    "\"pets\":[{\"__typename\":\"Dog\",\"id\":3,\"barks\":true},{\"__typename\":\"Cat\",\"id\":4},"
    "{\"id\":5}]},\"node\":{\"__typename\":\"User\",\"id\":\"9\"},\"search\":[{\"__typename\":"
    "\"Cat\","
    "\"lives\":\"9\"}],\"n\":null,\"s\":[1]}";

static cx_gql_schema *schema;
static const cx_json *root;

/* Keys starting with 'x' fail; others load "me" of the root value. */
static int batch(const char *const *keys, size_t n, cx_gql_value *values, const char **errors,
                 cx_arena *a, void *ud) {
    (void)a;
    (void)ud;
    for (size_t i = 0; i < n; i++) {
        if (keys[i][0] == 'x')
            errors[i] = "no such pal";
        else
            values[i] = cx_gql_json(cx_json_get(root, "me"));
    }
    return 0;
}

static int r_pal(cx_gql_info *info, cx_gql_value *out) {
    const char *id = "me";
    size_t n;
    if (cx_gql_arg_string(info, "id", &id, &n) == CX_ENOMEM) return CX_ENOMEM;
    return cx_gql_loader_load(info, cx_gql_info_context(info), id, out);
}

static int r_best(cx_gql_info *info, cx_gql_value *out) {
    const cx_gql_value *p = cx_gql_info_parent(info);
    const cx_json *id = p->kind == CX_GQL_JSON ? cx_json_get(p->json, "id") : NULL;
    return cx_gql_loader_load(info, cx_gql_info_context(info),
                              cx_json_typeof(id) == CX_JSON_STRING ? cx_json_cstr(id) : "best",
                              out);
}
static cx_arena *root_arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!schema) {
        CHECK(cx_gql_schema_parse(SDL, sizeof SDL - 1, NULL, &schema, NULL) == 0);
        CHECK(cx_gql_schema_set_resolver(schema, "Query", "pal", r_pal, NULL) == 0);
        CHECK(cx_gql_schema_set_resolver(schema, "User", "best", r_best, NULL) == 0);
        root_arena = cx_arena_new(0, 0);
        CHECK(cx_json_parse(root_arena, ROOT, sizeof ROOT - 1, NULL, &root, NULL) == 0);
    }
    const char *text = (const char *)data;
    size_t qlen = size;
    const char *nul = memchr(text, 0, size);
    cx_arena *a = cx_arena_new(0, 0);
    CHECK(a);
    cx_gql_request r = {0};
    r.root = cx_gql_json(root);
    r.context = cx_gql_loader_new(a, batch, NULL);
    CHECK(r.context);
    if (nul) {
        qlen = (size_t)(nul - text);
        const cx_json *v = NULL;
        if (cx_json_parse(a, nul + 1, size - qlen - 1, NULL, &v, NULL) == 0) r.variables = v;
    }
    r.query = text;
    r.query_len = qlen;
    cx_gql_limits lim;
    cx_gql_limits_defaults(&lim);
    lim.max_cost = 100000;
    lim.max_query_depth = 50;
    lim.max_batch_rounds = 20;
    cx_buf out = {0};
    cx_gql_outcome oc;
    int rc = cx_gql_execute(schema, &r, &lim, a, &out, &oc);
    CHECK(rc == 0 || rc == CX_ENOMEM);
    if (rc == 0) {
        const cx_json *resp = NULL;
        CHECK(cx_json_parse(a, out.data, out.len, NULL, &resp, NULL) == 0);
        CHECK(cx_json_typeof(resp) == CX_JSON_OBJECT);
        CHECK(cx_json_get(resp, "data") || cx_json_get(resp, "errors"));
    }
    cx_buf_free(&out);
    cx_arena_free(a);
    /* the same bytes as SDL */
    cx_gql_schema *s = NULL;
    if (cx_gql_schema_parse(text, qlen, NULL, &s, NULL) == 0) cx_gql_schema_free(s);
    return 0;
}
