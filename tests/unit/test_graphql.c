/* Tests for the GraphQL engine's C API: parser errors and limits, schema
 * errors, C resolvers (arguments, context, errors, objects, abstract types),
 * custom scalars, the batching loader, protection limits and the HTTP
 * endpoint (through in-memory exchanges). The wide behavioural comparison
 * with graphql-js lives in tests/integration/test_graphql_parity.py. */
#include "harness.h"
#include "http/memx.h"
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <cortex/json.h>
#include <cortex/router.h>
#include <stdio.h>
#include <string.h>

static const char *SDL = "type Query { hello(name: String = \"world\"): String!\n"
                         "  add(a: Int!, b: Int!): Int\n"
                         "  fail: String\n"
                         "  failNN: String!\n"
                         "  user(id: ID!): User\n"
                         "  users: [User!]!\n"
                         "  pet: Pet\n"
                         "  when: Date\n"
                         "  echoDate(d: Date!): Date\n"
                         "  json: String }\n"
                         "type User { id: ID! name: String friends: [User] }\n"
                         "interface Pet { name: String }\n"
                         "type Cat implements Pet { name: String lives: Int }\n"
                         "type Dog implements Pet { name: String barks: Boolean }\n"
                         "scalar Date\n"
                         "type Mutation { inc: Int! }\n";

typedef struct user {
    const char *id, *name;
} user;

static const user USERS[] = {{"1", "Ada"}, {"2", "Bob"}, {"3", "Cy"}};

static int r_hello(cx_gql_info *info, cx_gql_value *out) {
    const char *name;
    size_t n;
    if (cx_gql_arg_string(info, "name", &name, &n)) return CX_EINVAL;
    char *s = cx_arena_printf(cx_gql_info_arena(info), "Hello, %s!", name);
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

static int r_add(cx_gql_info *info, cx_gql_value *out) {
    int64_t a, b;
    if (cx_gql_arg_int(info, "a", &a) || cx_gql_arg_int(info, "b", &b)) return CX_EINVAL;
    *out = cx_gql_int(a + b);
    return 0;
}

static int r_fail(cx_gql_info *info, cx_gql_value *out) {
    (void)out;
    cx_gql_info_error(info, "resolver failed on purpose");
    return CX_EIO;
}

static int r_user(cx_gql_info *info, cx_gql_value *out) {
    const char *id;
    size_t n;
    cx_gql_arg_string(info, "id", &id, &n);
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(USERS[i].id, id)) {
            *out = cx_gql_object(&USERS[i], "User");
            return 0;
        }
    *out = cx_gql_null();
    return 0;
}

static int r_users(cx_gql_info *info, cx_gql_value *out) {
    cx_gql_value *v = cx_arena_alloc(cx_gql_info_arena(info), 3 * sizeof *v);
    for (size_t i = 0; i < 3; i++) v[i] = cx_gql_object(&USERS[i], "User");
    *out = cx_gql_list(v, 3);
    return 0;
}

static int r_user_field(cx_gql_info *info, cx_gql_value *out) {
    const user *u = cx_gql_info_parent(info)->ptr;
    const char *f = cx_gql_info_field(info);
    const char *s = !strcmp(f, "id") ? u->id : u->name;
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

static int r_friends(cx_gql_info *info, cx_gql_value *out) {
    const user *u = cx_gql_info_parent(info)->ptr;
    cx_gql_value *v = cx_arena_alloc(cx_gql_info_arena(info), 2 * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        if (&USERS[i] != u) v[n++] = cx_gql_object(&USERS[i], NULL);
    *out = cx_gql_list(v, n);
    return 0;
}

static int r_pet(cx_gql_info *info, cx_gql_value *out) {
    int *ctx = cx_gql_info_context(info);
    *out = cx_gql_object(ctx, NULL); /* the type resolver decides */
    return 0;
}

static const char *pet_type(const cx_gql_value *v, void *context, void *ud) {
    (void)ud;
    (void)context;
    return *(const int *)v->ptr ? "Dog" : "Cat";
}

static int r_pet_name(cx_gql_info *info, cx_gql_value *out) {
    *out = cx_gql_string("Rex", 3);
    return strcmp(cx_gql_info_parent_type(info), "Dog") == 0 ? 0 : CX_EINVAL;
}

static int r_when(cx_gql_info *info, cx_gql_value *out) {
    (void)info;
    *out = cx_gql_int(1700000000);
    return 0;
}

static int r_echo_date(cx_gql_info *info, cx_gql_value *out) {
    const char *s;
    size_t n;
    int rc = cx_gql_arg_string(info, "d", &s, &n);
    *out = rc ? cx_gql_string("not a string", 12) : cx_gql_string(s, n);
    return 0;
}

static int date_serialize(const cx_gql_value *in, cx_gql_value *out, const char **msg, cx_arena *a,
                          void *ud) {
    (void)ud;
    if (in->kind != CX_GQL_INT) {
        *msg = "Date cannot represent this value";
        return CX_EINVAL;
    }
    char *s = cx_arena_printf(a, "@%lld", (long long)in->i);
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

static int date_parse(const cx_json *in, const char **msg, cx_arena *a, void *ud) {
    (void)a;
    (void)ud;
    if (cx_json_typeof(in) != CX_JSON_STRING || cx_json_len(in) != 10) {
        *msg = "Date must be YYYY-MM-DD";
        return CX_EINVAL;
    }
    return 0;
}

static int counter;
static int r_inc(cx_gql_info *info, cx_gql_value *out) {
    (void)info;
    *out = cx_gql_int(++counter);
    return 0;
}

static cx_gql_schema *make_schema(void) {
    cx_gql_schema *s = NULL;
    cx_buf err = {0};
    int rc = cx_gql_schema_parse(SDL, strlen(SDL), NULL, &s, &err);
    if (rc) fprintf(stderr, "schema: %.*s\n", (int)err.len, err.data);
    cx_buf_free(&err);
    if (!s) return NULL;
    cx_gql_schema_set_resolver(s, "Query", "hello", r_hello, NULL);
    cx_gql_schema_set_resolver(s, "Query", "add", r_add, NULL);
    cx_gql_schema_set_resolver(s, "Query", "fail", r_fail, NULL);
    cx_gql_schema_set_resolver(s, "Query", "failNN", r_fail, NULL);
    cx_gql_schema_set_resolver(s, "Query", "user", r_user, NULL);
    cx_gql_schema_set_resolver(s, "Query", "users", r_users, NULL);
    cx_gql_schema_set_resolver(s, "User", "id", r_user_field, NULL);
    cx_gql_schema_set_resolver(s, "User", "name", r_user_field, NULL);
    cx_gql_schema_set_resolver(s, "User", "friends", r_friends, NULL);
    cx_gql_schema_set_resolver(s, "Query", "pet", r_pet, NULL);
    cx_gql_schema_set_resolver(s, "Dog", "name", r_pet_name, NULL);
    cx_gql_schema_set_resolver(s, "Cat", "name", r_pet_name, NULL);
    cx_gql_schema_set_type_resolver(s, "Pet", pet_type, NULL);
    cx_gql_schema_set_resolver(s, "Query", "when", r_when, NULL);
    cx_gql_schema_set_resolver(s, "Query", "echoDate", r_echo_date, NULL);
    cx_gql_schema_set_resolver(s, "Mutation", "inc", r_inc, NULL);
    cx_gql_scalar date = {date_serialize, date_parse, NULL};
    cx_gql_schema_set_scalar(s, "Date", &date);
    return s;
}

/* Run query (with optional variables JSON) and return the response text. */
static char out_text[65536];
static const char *run_ex(cx_gql_schema *s, const char *q, const char *vars, void *ctx,
                          const cx_gql_limits *lim, cx_gql_outcome *oc) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_gql_request r = {0};
    r.query = q;
    r.query_len = strlen(q);
    r.root = cx_gql_null();
    r.context = ctx;
    if (vars) cx_json_parse(a, vars, strlen(vars), NULL, &r.variables, NULL);
    cx_buf out = {0};
    int rc = cx_gql_execute(s, &r, lim, a, &out, oc);
    snprintf(out_text, sizeof out_text, "%.*s", rc ? 8 : (int)out.len, rc ? "<failed>" : out.data);
    cx_buf_free(&out);
    cx_arena_free(a);
    return out_text;
}

static const char *run(cx_gql_schema *s, const char *q) {
    return run_ex(s, q, NULL, NULL, NULL, NULL);
}

TEST(syntax_errors_have_graphql_js_locations) {
    cx_gql_schema *s = make_schema();
    CHECK(s);
    CHECK_STR(run(s, "{ hello"),
              "{\"errors\":[{\"message\":\"Syntax Error: Expected Name, found <EOF>.\","
              "\"locations\":[{\"line\":1,\"column\":8}]}]}");
    CHECK_STR(run(s, "{\n  a(b: 01)\n}"),
              "{\"errors\":[{\"message\":\"Syntax Error: Invalid number, unexpected digit after 0: "
              "\\\"1\\\".\",\"locations\":[{\"line\":2,\"column\":9}]}]}");
    CHECK_STR(run(s, "{ a(b: \"\"\"x\n\n  y) }"),
              "{\"errors\":[{\"message\":\"Syntax Error: Unterminated string.\","
              "\"locations\":[{\"line\":3,\"column\":7}]}]}");
    CHECK_STR(run(s, "\xc3\xa9\xc3\xa9 ?"),
              "{\"errors\":[{\"message\":\"Syntax Error: Unexpected character: U+00E9.\","
              "\"locations\":[{\"line\":1,\"column\":1}]}]}");
    /* a message quoting invalid UTF-8 from the document stays valid JSON */
    const char *r = run(s, "{ a(b: \"\\u0e\xef\") }");
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *j = NULL;
    CHECK_EQ(cx_json_parse(a, r, strlen(r), NULL, &j, NULL), 0);
    CHECK(strstr(r, "Invalid Unicode escape sequence: \\\"\\\\u0e\xef\xbf\xbd"));
    cx_arena_free(a);
    cx_gql_schema_free(s);
}

TEST(parser_limits) {
    cx_gql_schema *s = make_schema();
    cx_gql_limits lim;
    cx_gql_limits_defaults(&lim);
    lim.max_tokens = 5;
    cx_gql_outcome oc;
    CHECK(strstr(run_ex(s, "{ a b c d e f }", NULL, NULL, &lim, &oc), "more than 5 tokens"));
    CHECK_EQ(oc, CX_GQL_REQUEST_ERROR);
    cx_gql_limits_defaults(&lim);
    lim.max_document_size = 4;
    CHECK(strstr(run_ex(s, "{ hello }", NULL, NULL, &lim, &oc), "larger than the limit"));
    cx_gql_limits_defaults(&lim);
    lim.max_parse_depth = 10;
    char deep[512] = "{ a(x: ";
    for (int i = 0; i < 50; i++) strcat(deep, "[");
    strcat(deep, "1");
    for (int i = 0; i < 50; i++) strcat(deep, "]");
    strcat(deep, ") }");
    CHECK(strstr(run_ex(s, deep, NULL, NULL, &lim, &oc), "maximum nesting depth of 10"));
    /* the default depth limit stops a hostile document without a crash */
    static char huge[300000];
    size_t n = 0;
    for (int i = 0; i < 100000; i++) huge[n++] = '[';
    huge[n] = 0;
    char *q = malloc(n + 32);
    memcpy(q, "{ a(x: ", 7);
    memcpy(q + 7, huge, n);
    memcpy(q + 7 + n, ") }", 4);
    CHECK(strstr(run(s, q), "maximum nesting depth"));
    free(q);
    cx_gql_schema_free(s);
}

TEST(schema_errors_are_reported) {
    cx_gql_schema *s = NULL;
    cx_buf err = {0};
    const char *bad = "type Query { a: Missing }";
    CHECK_EQ(cx_gql_schema_parse(bad, strlen(bad), NULL, &s, &err), CX_EINVAL);
    CHECK(s == NULL);
    CHECK(err.len && strstr(err.data, "Unknown type \"Missing\""));
    cx_buf_reset(&err);
    bad = "interface I { x: Int } type Query implements I { y: Int }";
    CHECK_EQ(cx_gql_schema_parse(bad, strlen(bad), NULL, &s, &err), CX_EINVAL);
    CHECK(strstr(err.data, "Interface field I.x expected but Query does not provide it."));
    cx_buf_reset(&err);
    bad = "type Foo { a: Int }";
    CHECK_EQ(cx_gql_schema_parse(bad, strlen(bad), NULL, &s, &err), CX_EINVAL);
    CHECK(strstr(err.data, "Query root type must be provided."));
    cx_buf_reset(&err);
    bad = "type Query { a: Int ";
    CHECK_EQ(cx_gql_schema_parse(bad, strlen(bad), NULL, &s, &err), CX_EPARSE);
    CHECK(strstr(err.data, "Syntax Error: Expected Name, found <EOF>."));
    cx_buf_free(&err);
    CHECK_EQ(cx_gql_schema_parse(NULL, 3, NULL, &s, NULL), CX_EINVAL);
}

TEST(c_resolvers_arguments_and_errors) {
    cx_gql_schema *s = make_schema();
    CHECK_STR(run(s, "{ hello a: hello(name: \"C\") add(a: 2, b: 40) }"),
              "{\"data\":{\"hello\":\"Hello, world!\",\"a\":\"Hello, C!\",\"add\":42}}");
    CHECK_STR(run_ex(s, "query($n: String) { hello(name: $n) }", "{\"n\":\"V\"}", NULL, NULL, NULL),
              "{\"data\":{\"hello\":\"Hello, V!\"}}");
    CHECK_STR(run(s, "{ fail hello }"),
              "{\"errors\":[{\"message\":\"resolver failed on purpose\",\"locations\":[{\"line\":1,"
              "\"column\":3}],\"path\":[\"fail\"]}],\"data\":{\"fail\":null,\"hello\":\"Hello, "
              "world!\"}}");
    CHECK_STR(run(s, "{ hello failNN }"),
              "{\"errors\":[{\"message\":\"resolver failed on purpose\",\"locations\":[{\"line\":1,"
              "\"column\":9}],\"path\":[\"failNN\"]}],\"data\":null}");
    CHECK_STR(run(s, "{ user(id: 2) { id name friends { name } } nobody: user(id: 9) { id } }"),
              "{\"data\":{\"user\":{\"id\":\"2\",\"name\":\"Bob\",\"friends\":[{\"name\":\"Ada\"},"
              "{\"name\":\"Cy\"}]},\"nobody\":null}}");
    CHECK_STR(run(s, "{ users { id } }"),
              "{\"data\":{\"users\":[{\"id\":\"1\"},{\"id\":\"2\"},{\"id\":\"3\"}]}}");
    CHECK_STR(run(s, "mutation { a: inc b: inc c: inc }"), "{\"data\":{\"a\":1,\"b\":2,\"c\":3}}");
    cx_gql_schema_free(s);
}

TEST(abstract_types_via_type_resolver_and_context) {
    cx_gql_schema *s = make_schema();
    int dog = 1, cat = 0;
    CHECK_STR(run_ex(s, "{ pet { __typename name ... on Dog { barks } } }", NULL, &dog, NULL, NULL),
              "{\"data\":{\"pet\":{\"__typename\":\"Dog\",\"name\":\"Rex\",\"barks\":null}}}");
    CHECK(strstr(run_ex(s, "{ pet { __typename name } }", NULL, &cat, NULL, NULL),
                 "\"data\":{\"pet\":{\"__typename\":\"Cat\",\"name\":null}}"));
    cx_gql_schema_free(s);
}

TEST(custom_scalar_callbacks) {
    cx_gql_schema *s = make_schema();
    CHECK_STR(run(s, "{ when }"), "{\"data\":{\"when\":\"@1700000000\"}}");
    CHECK_STR(run_ex(s, "query($d: Date!) { echoDate(d: $d) }", "{\"d\":\"2024-01-02\"}", NULL,
                     NULL, NULL),
              "{\"errors\":[{\"message\":\"Date cannot represent this value\",\"locations\":[{"
              "\"line\":1,\"column\":20}],\"path\":[\"echoDate\"]}],\"data\":{\"echoDate\":null}}");
    CHECK(
        strstr(run_ex(s, "query($d: Date!) { echoDate(d: $d) }", "{\"d\":\"x\"}", NULL, NULL, NULL),
               "Variable \\\"$d\\\" got invalid value \\\"x\\\"; Date must be YYYY-MM-DD"));
    cx_gql_schema_free(s);
}

TEST(introspection_runs) {
    cx_gql_schema *s = make_schema();
    const char *r = run(s, cx_gql_introspection_query());
    CHECK(strncmp(r, "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"", 45) == 0);
    CHECK(strstr(r, "\"name\":\"specifiedBy\""));
    cx_gql_schema_free(s);
}

static int batch_calls;
static int batch(const char *const *keys, size_t n, cx_gql_value *values, const char **errors,
                 cx_arena *a, void *ud) {
    (void)ud;
    (void)errors;
    batch_calls++;
    for (size_t i = 0; i < n; i++) {
        char *s = cx_arena_printf(a, "v%s", keys[i]);
        values[i] = cx_gql_string(s, strlen(s));
    }
    return 0;
}

TEST(loader_batches_keys) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_gql_loader *l = cx_gql_loader_new(a, batch, NULL);
    CHECK(l);
    CHECK(cx_gql_loader_queue(l, "1") >= 0);
    CHECK(cx_gql_loader_queue(l, "2") >= 0);
    CHECK(cx_gql_loader_queue(l, "1") >= 0);
    cx_gql_value v;
    CHECK_EQ(cx_gql_loader_get(l, "1", &v), CX_EAGAIN);
    CHECK_EQ(cx_gql_loader_dispatch(l), 0);
    CHECK_EQ(batch_calls, 1);
    CHECK_EQ(cx_gql_loader_get(l, "2", &v), 0);
    CHECK(v.kind == CX_GQL_STRING && v.n == 2 && !memcmp(v.s, "v2", 2));
    CHECK_EQ(cx_gql_loader_dispatch(l), 0); /* nothing new: no call */
    CHECK_EQ(cx_gql_loader_calls(l), 1);
    CHECK_EQ(cx_gql_loader_get(l, "9", &v), CX_ENOENT);
    cx_arena_free(a);
}

TEST(protection_limits) {
    cx_gql_schema *s = make_schema();
    cx_gql_limits lim;
    cx_gql_limits_defaults(&lim);
    lim.max_query_depth = 2;
    cx_gql_outcome oc;
    CHECK(strstr(run_ex(s, "{ user(id: 1) { friends { friends { id } } } }", NULL, NULL, &lim, &oc),
                 "Query depth 4 exceeds the limit of 2."));
    CHECK_EQ(oc, CX_GQL_LIMIT_EXCEEDED);
    CHECK_STR(run_ex(s, "{ user(id: 1) { id } }", NULL, NULL, &lim, &oc),
              "{\"data\":{\"user\":{\"id\":\"1\"}}}");
    cx_gql_limits_defaults(&lim);
    lim.max_aliases = 1;
    CHECK(strstr(run_ex(s, "{ a: hello b: hello }", NULL, NULL, &lim, &oc), "2 aliases"));
    cx_gql_limits_defaults(&lim);
    lim.max_cost = 20;
    CHECK(strstr(run_ex(s, "{ users { friends { id } } }", NULL, NULL, &lim, &oc),
                 "Query cost 111 exceeds the limit of 20."));
    cx_gql_schema_free(s);
}

/* ---- HTTP ----------------------------------------------------------------- */

static cx_memx *http(cx_router *r, const char *method, const char *target, const char *accept,
                     const char *body) {
    char raw[4096];
    snprintf(raw, sizeof raw,
             "%s %s HTTP/1.1\r\nHost: h\r\n%s%s%sContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             method, target, accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "",
             body ? strlen(body) : 0, body ? body : "");
    int err = 0, status = 0;
    cx_memx *m = cx_memx_new(raw, strlen(raw), &err, &status);
    if (m) cx_memx_run(m, cx_router_handle, r);
    return m;
}

static char body_buf[8192];
static const char *body(cx_memx *m) {
    cx_str b = cx_memx_body(m);
    snprintf(body_buf, sizeof body_buf, "%.*s", (int)b.len, b.ptr);
    return body_buf;
}

TEST(http_endpoint) {
    cx_gql_schema *s = make_schema();
    cx_gql_http_options o = {0};
    o.ide = true;
    cx_gql_http *h = cx_gql_http_new(s, &o);
    cx_router *r = NULL;
    CHECK_EQ(cx_router_new(&r), 0);
    CHECK_EQ(cx_gql_http_mount(h, r, "/graphql"), 0);
    const char *rg = "application/graphql-response+json";
    cx_memx *m = http(r, "POST", "/graphql", rg, "{\"query\":\"{ hello }\"}");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK(strstr(cx_memx_header(m, "content-type"), "application/graphql-response+json"));
    CHECK_STR(body(m), "{\"data\":{\"hello\":\"Hello, world!\"}}");
    cx_memx_free(m);
    /* validation error: 400 with graphql-response+json, 200 with json */
    m = http(r, "POST", "/graphql", rg, "{\"query\":\"{ nope }\"}");
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    m = http(r, "POST", "/graphql", "application/json", "{\"query\":\"{ nope }\"}");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK(strstr(body(m), "Cannot query field"));
    cx_memx_free(m);
    /* field error with data: 200 */
    m = http(r, "POST", "/graphql", rg, "{\"query\":\"{ fail }\"}");
    CHECK_EQ(cx_memx_status(m), 200);
    cx_memx_free(m);
    /* malformed body */
    m = http(r, "POST", "/graphql", rg, "{\"query\":");
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    m = http(r, "POST", "/graphql", rg, "{\"variables\":{}}");
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    /* GET query; GET mutation is 405 */
    m = http(r, "GET", "/graphql?query=%7B%20hello(name%3A%22G%22)%20%7D", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_STR(body(m), "{\"data\":{\"hello\":\"Hello, G!\"}}");
    cx_memx_free(m);
    m = http(r, "GET", "/graphql?query=mutation%20%7B%20inc%20%7D", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 405);
    CHECK(cx_memx_header(m, "allow") && !strcmp(cx_memx_header(m, "allow"), "POST"));
    cx_memx_free(m);
    /* IDE for browsers */
    m = http(r, "GET", "/graphql", "text/html,application/xhtml+xml", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK(strstr(body(m), "<!doctype html>"));
    cx_memx_free(m);
    /* persisted queries */
    char hex[65];
    const char *pq = "{ add(a: 1, b: 2) }";
    CHECK_EQ(cx_gql_http_persist(h, pq, strlen(pq), hex), 0);
    char req[256];
    snprintf(req, sizeof req,
             "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}}", hex);
    m = http(r, "POST", "/graphql", rg, req);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_STR(body(m), "{\"data\":{\"add\":3}}");
    cx_memx_free(m);
    m = http(r, "POST", "/graphql", rg,
             "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"00\"}}}");
    CHECK(strstr(body(m), "PersistedQueryNotFound"));
    cx_memx_free(m);
    cx_router_free(r);
    cx_gql_http_free(h);
    cx_gql_schema_free(s);
}

/* ---- Boolean and Float arguments, Boolean results ----------------------------------- */

static const char *SDL2 =
    "type Query {\n"
    "  probe(b: Boolean, f: Float, n: Int, s: String, d: Boolean = true): String!\n"
    "  not(b: Boolean!): Boolean!\n"
    "  flags: [Boolean!]!\n"
    "  half(x: Float!): Float }\n";

/* Report what each accessor returns for every argument, as text. */
static int r_probe(cx_gql_info *info, cx_gql_value *out) {
    static const char *names[] = {"b", "f", "n", "s", "d", "missing"};
    cx_buf b = CX_BUF_INIT;
    for (size_t i = 0; i < 6; i++) {
        bool bv = false;
        double fv = -1;
        int rb = cx_gql_arg_bool(info, names[i], &bv);
        int rf = cx_gql_arg_float(info, names[i], &fv);
        cx_buf_printf(&b, "%s%s:%s/%s", i ? " " : "", names[i],
                      rb == 0           ? (bv ? "true" : "false")
                      : rb == CX_ENOENT ? "absent"
                      : rb == CX_EINVAL ? "type"
                                        : "?",
                      rf == 0           ? "num"
                      : rf == CX_ENOENT ? "absent"
                      : rf == CX_EINVAL ? "type"
                                        : "?");
        if (rf == 0) cx_buf_printf(&b, "(%g)", fv);
    }
    char *txt = cx_arena_strndup(cx_gql_info_arena(info), b.data, b.len);
    cx_buf_free(&b);
    *out = cx_gql_string(txt, strlen(txt));
    return 0;
}

static int r_not(cx_gql_info *info, cx_gql_value *out) {
    bool v;
    int rc = cx_gql_arg_bool(info, "b", &v);
    if (rc) return rc;
    *out = cx_gql_bool(!v);
    return 0;
}

static int r_flags(cx_gql_info *info, cx_gql_value *out) {
    cx_gql_value *v = cx_arena_alloc(cx_gql_info_arena(info), 3 * sizeof *v);
    v[0] = cx_gql_bool(true);
    v[1] = cx_gql_bool(false);
    v[2] = cx_gql_bool(7); /* any non-zero is true */
    *out = cx_gql_list(v, 3);
    return 0;
}

static int r_half(cx_gql_info *info, cx_gql_value *out) {
    double x;
    int rc = cx_gql_arg_float(info, "x", &x);
    if (rc) return rc;
    *out = cx_gql_float(x / 2);
    return 0;
}

static cx_gql_schema *make_schema2(void) {
    cx_gql_schema *s = NULL;
    cx_buf err = {0};
    int rc = cx_gql_schema_parse(SDL2, strlen(SDL2), NULL, &s, &err);
    if (rc) fprintf(stderr, "schema: %.*s\n", (int)err.len, err.data);
    cx_buf_free(&err);
    if (!s) return NULL;
    cx_gql_schema_set_resolver(s, "Query", "probe", r_probe, NULL);
    cx_gql_schema_set_resolver(s, "Query", "not", r_not, NULL);
    cx_gql_schema_set_resolver(s, "Query", "flags", r_flags, NULL);
    cx_gql_schema_set_resolver(s, "Query", "half", r_half, NULL);
    return s;
}

TEST(bool_and_float_arguments) {
    cx_gql_schema *s = make_schema2();
    CHECK(s != NULL);
    if (!s) return;
    /* Literals: Boolean reads as bool only; Float and Int read as numbers;
     * a default applies; an argument never declared is absent. */
    CHECK_STR(run(s, "{ probe(b: true, f: 1.5, n: 3, s: \"x\") }"),
              "{\"data\":{\"probe\":\"b:true/type f:type/num(1.5) n:type/num(3) s:type/type "
              "d:true/type missing:absent/absent\"}}");
    /* Absent and explicit null are both CX_ENOENT. */
    CHECK_STR(run(s, "{ probe(b: null, f: null, d: false) }"),
              "{\"data\":{\"probe\":\"b:absent/absent f:absent/absent n:absent/absent "
              "s:absent/absent d:false/type missing:absent/absent\"}}");
    /* Through variables, with an Int literal coerced into a Float argument. */
    CHECK_STR(run_ex(s, "query($b: Boolean, $f: Float) { probe(b: $b, f: $f) }",
                     "{\"b\":false,\"f\":-2}", NULL, NULL, NULL),
              "{\"data\":{\"probe\":\"b:false/type f:type/num(-2) n:absent/absent "
              "s:absent/absent d:true/type missing:absent/absent\"}}");
    /* A variable left out is absent, not null. */
    CHECK_STR(run_ex(s, "query($b: Boolean) { probe(b: $b) }", "{}", NULL, NULL, NULL),
              "{\"data\":{\"probe\":\"b:absent/absent f:absent/absent n:absent/absent "
              "s:absent/absent d:true/type missing:absent/absent\"}}");
    CHECK_STR(run(s, "{ half(x: 3) a: half(x: 0.5) b: half(x: -1e3) }"),
              "{\"data\":{\"half\":1.5,\"a\":0.25,\"b\":-500}}"); /* as graphql-js prints numbers */
    /* Booleans as results: alone and in a list. */
    CHECK_STR(run(s, "{ t: not(b: false) f: not(b: true) flags }"),
              "{\"data\":{\"t\":true,\"f\":false,\"flags\":[true,false,true]}}");
    /* Wrong literal types never reach the resolver: validation errors. */
    CHECK(strstr(run(s, "{ not(b: 1) }"), "\"errors\"") != NULL);
    CHECK(strstr(run(s, "{ half(x: \"1\") }"), "\"errors\"") != NULL);
    CHECK(strstr(run(s, "{ half(x: true) }"), "\"errors\"") != NULL);
    cx_gql_value v = cx_gql_bool(false);
    CHECK_EQ(v.kind, CX_GQL_BOOL);
    CHECK(!v.b);
    v = cx_gql_bool(true);
    CHECK_EQ(v.kind, CX_GQL_BOOL);
    CHECK(v.b);
    cx_gql_schema_free(s);
}

TEST(query_hash_is_sha256_hex) {
    char hex[65];
    memset(hex, 'z', sizeof hex);
    cx_gql_query_hash("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cx_gql_query_hash("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* Only len bytes count. */
    cx_gql_query_hash("abcdef", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* The key cx_gql_http_persist stores a query under. */
    cx_gql_schema *s = make_schema();
    cx_gql_http *h = cx_gql_http_new(s, NULL);
    const char *q = "{ add(a: 1, b: 2) }";
    char key[65];
    CHECK_EQ(cx_gql_http_persist(h, q, strlen(q), key), 0);
    cx_gql_query_hash(q, strlen(q), hex);
    CHECK_STR(hex, key);
    /* One byte of difference changes it. */
    cx_gql_query_hash("{ add(a: 1, b: 3) }", strlen(q), hex);
    CHECK(strcmp(hex, key) != 0);
    CHECK_EQ(strlen(hex), 64);
    cx_gql_http_free(h);
    cx_gql_schema_free(s);
}

TEST(http_handler_registered_directly) {
    cx_gql_schema *s = make_schema();
    cx_gql_http *h = cx_gql_http_new(s, NULL);
    CHECK(h != NULL);
    cx_router *r = NULL;
    CHECK_EQ(cx_router_new(&r), 0);
    /* The handler alone, on routes of our choosing (POST only on one). */
    CHECK_EQ(cx_router_add(r, CX_METHOD_POST, "/api/q", cx_gql_http_handler, h), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_GET, "/api/g", cx_gql_http_handler, h), 0);
    const char *rg = "application/graphql-response+json";
    cx_memx *m = http(r, "POST", "/api/q", rg, "{\"query\":\"{ add(a: 20, b: 22) }\"}");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_STR(body(m), "{\"data\":{\"add\":42}}");
    cx_memx_free(m);
    m = http(r, "POST", "/api/q", rg,
             "{\"query\":\"query($n: String) { hello(name: $n) }\",\"variables\":{\"n\":\"D\"}}");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_STR(body(m), "{\"data\":{\"hello\":\"Hello, D!\"}}");
    cx_memx_free(m);
    m = http(r, "GET", "/api/g?query=%7B%20hello%20%7D", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_STR(body(m), "{\"data\":{\"hello\":\"Hello, world!\"}}");
    cx_memx_free(m);
    /* Errors as through the mount: malformed JSON, a missing query, a GET
     * without a query, a mutation over GET. */
    m = http(r, "POST", "/api/q", rg, "{\"query\":");
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    m = http(r, "POST", "/api/q", rg, "[]");
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    m = http(r, "GET", "/api/g", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 400);
    cx_memx_free(m);
    m = http(r, "GET", "/api/g?query=mutation%20%7B%20inc%20%7D", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 405);
    cx_memx_free(m);
    /* A method the router does not have for the path never reaches it. */
    m = http(r, "GET", "/api/q?query=%7B%20hello%20%7D", rg, NULL);
    CHECK_EQ(cx_memx_status(m), 405);
    cx_memx_free(m);
    cx_router_free(r);
    cx_gql_http_free(h);
    cx_gql_schema_free(s);
}

TEST_MAIN()
