/* Tests for automatic DataLoader batching in the GraphQL executor: a level of
 * a list whose items each load a related object makes exactly one batch call
 * (keys deduplicated), nested levels one call each, per-key errors become
 * field errors with their path, the response equals the unbatched one, the
 * batch function may wait in a coroutine, mutations stay serial, and the
 * round limit holds. */
#include "harness.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <cortex/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SDL = "type Query { books(n: Int!): [Book!]! again: Author }\n"
                         "type Book { id: ID! author: Author authorNN: Author! }\n"
                         "type Author { id: ID! name: String! company: Company }\n"
                         "type Company { id: ID! name: String }\n"
                         "type Mutation { add(n: Int!): Int }\n";

typedef struct ctx {
    bool batched;
    bool sleepy; /* batch functions wait 1 ms on the loop */
    cx_gql_loader *authors, *companies;
    size_t author_calls, company_calls;     /* unbatched lookups */
    size_t author_keys, company_keys;       /* keys of the last batch call */
    size_t author_batches, company_batches; /* batch calls of the last request */
    int64_t total;                          /* the mutation's state */
    char order[64];                         /* the mutation's call order */
} ctx;

typedef struct author {
    const char *id;
    int n;
} author;

/* Author "a7" and company "c2" do not load: per-key errors. */
static int lookup_author(const char *key, cx_arena *a, cx_gql_value *v, const char **err) {
    if (!strcmp(key, "a7")) {
        *err = "no author a7";
        return CX_ENOENT;
    }
    author *au = cx_arena_calloc(a, sizeof *au);
    if (!au) return CX_ENOMEM;
    au->id = cx_arena_strdup(a, key);
    au->n = atoi(key + 1);
    *v = cx_gql_object(au, "Author");
    return 0;
}

static int lookup_company(const char *key, cx_arena *a, cx_gql_value *v, const char **err) {
    if (!strcmp(key, "c2")) {
        *err = "company c2 is gone";
        return CX_ENOENT;
    }
    char *s = cx_arena_strdup(a, key);
    *v = cx_gql_string(s, strlen(s));
    return 0;
}

static int batch_authors(const char *const *keys, size_t n, cx_gql_value *values,
                         const char **errors, cx_arena *a, void *ud) {
    ctx *c = ud;
    c->author_keys = n;
    if (c->sleepy && cx_sleep(1)) return CX_EIO; /* waits on the loop */
    for (size_t i = 0; i < n; i++) {
        int rc = lookup_author(keys[i], a, &values[i], &errors[i]);
        if (rc == CX_ENOMEM) return rc;
    }
    return 0;
}

static int batch_companies(const char *const *keys, size_t n, cx_gql_value *values,
                           const char **errors, cx_arena *a, void *ud) {
    ctx *c = ud;
    c->company_keys = n;
    if (c->sleepy && cx_sleep(1)) return CX_EIO;
    for (size_t i = 0; i < n; i++) lookup_company(keys[i], a, &values[i], &errors[i]);
    return 0;
}

static int r_books(cx_gql_info *info, cx_gql_value *out) {
    int64_t n;
    if (cx_gql_arg_int(info, "n", &n) || n < 0 || n > 100000) return CX_EINVAL;
    cx_arena *a = cx_gql_info_arena(info);
    cx_gql_value *items = cx_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *items);
    int *ids = cx_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *ids);
    if (!items || !ids) return CX_ENOMEM;
    for (int64_t i = 0; i < n; i++) {
        ids[i] = (int)i;
        items[i] = cx_gql_object(&ids[i], "Book");
    }
    *out = cx_gql_list(items, (size_t)n);
    return 0;
}

static int r_book_id(cx_gql_info *info, cx_gql_value *out) {
    const int *id = cx_gql_info_parent(info)->ptr;
    char *s = cx_arena_printf(cx_gql_info_arena(info), "b%d", *id);
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

/* Book i is by author a(i % 10); authors of a level load through a loader
 * when batched, one by one otherwise. */
static int load_author(cx_gql_info *info, const char *key, cx_gql_value *out) {
    ctx *c = cx_gql_info_context(info);
    if (c->batched) return cx_gql_loader_load(info, c->authors, key, out);
    c->author_calls++;
    const char *err = NULL;
    int rc = lookup_author(key, cx_gql_info_arena(info), out, &err);
    if (err) cx_gql_info_error(info, err);
    return rc ? CX_EIO : 0;
}

static int r_book_author(cx_gql_info *info, cx_gql_value *out) {
    const int *id = cx_gql_info_parent(info)->ptr;
    char key[16];
    snprintf(key, sizeof key, "a%d", *id % 10);
    return load_author(info, key, out);
}

static int r_again(cx_gql_info *info, cx_gql_value *out) {
    return load_author(info, "a3", out);
}

static int r_author_id(cx_gql_info *info, cx_gql_value *out) {
    const author *au = cx_gql_info_parent(info)->ptr;
    *out = cx_gql_string(au->id, strlen(au->id));
    return 0;
}

static int r_author_name(cx_gql_info *info, cx_gql_value *out) {
    const author *au = cx_gql_info_parent(info)->ptr;
    char *s = cx_arena_printf(cx_gql_info_arena(info), "Author %d", au->n);
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

static int r_author_company(cx_gql_info *info, cx_gql_value *out) {
    ctx *c = cx_gql_info_context(info);
    const author *au = cx_gql_info_parent(info)->ptr;
    char key[16];
    snprintf(key, sizeof key, "c%d", au->n % 3);
    if (c->batched) return cx_gql_loader_load(info, c->companies, key, out);
    c->company_calls++;
    const char *err = NULL;
    lookup_company(key, cx_gql_info_arena(info), out, &err);
    if (err) {
        cx_gql_info_error(info, err);
        return CX_EIO;
    }
    return 0;
}

static int r_company_id(cx_gql_info *info, cx_gql_value *out) {
    *out = *cx_gql_info_parent(info);
    return 0;
}

static int r_company_name(cx_gql_info *info, cx_gql_value *out) {
    const cx_gql_value *p = cx_gql_info_parent(info);
    char *s = cx_arena_printf(cx_gql_info_arena(info), "Company %.*s", (int)p->n, p->s);
    *out = cx_gql_string(s, strlen(s));
    return 0;
}

/* add(n): loads author a<n> first (suspending), then adds n to the state:
 * serial execution means each add sees the previous one's total. */
static int r_add(cx_gql_info *info, cx_gql_value *out) {
    ctx *c = cx_gql_info_context(info);
    int64_t n;
    if (cx_gql_arg_int(info, "n", &n)) return CX_EINVAL;
    char key[24];
    snprintf(key, sizeof key, "a%lld", (long long)n);
    cx_gql_value au;
    int rc = cx_gql_loader_load(info, c->authors, key, &au);
    if (rc) return rc;
    c->total += n;
    size_t len = strlen(c->order);
    if (len + 2 < sizeof c->order) {
        c->order[len] = (char)('0' + n % 10);
        c->order[len + 1] = ',';
        c->order[len + 2] = 0;
    }
    *out = cx_gql_int(c->total);
    return 0;
}

static cx_gql_schema *make_schema(void) {
    cx_gql_schema *s = NULL;
    if (cx_gql_schema_parse(SDL, strlen(SDL), NULL, &s, NULL)) return NULL;
    cx_gql_schema_set_resolver(s, "Query", "books", r_books, NULL);
    cx_gql_schema_set_resolver(s, "Query", "again", r_again, NULL);
    cx_gql_schema_set_resolver(s, "Book", "id", r_book_id, NULL);
    cx_gql_schema_set_resolver(s, "Book", "author", r_book_author, NULL);
    cx_gql_schema_set_resolver(s, "Book", "authorNN", r_book_author, NULL);
    cx_gql_schema_set_resolver(s, "Author", "id", r_author_id, NULL);
    cx_gql_schema_set_resolver(s, "Author", "name", r_author_name, NULL);
    cx_gql_schema_set_resolver(s, "Author", "company", r_author_company, NULL);
    cx_gql_schema_set_resolver(s, "Company", "id", r_company_id, NULL);
    cx_gql_schema_set_resolver(s, "Company", "name", r_company_name, NULL);
    cx_gql_schema_set_resolver(s, "Mutation", "add", r_add, NULL);
    return s;
}

/* Run q with a fresh arena and (when batched) fresh loaders; returns a
 * malloc'd copy of the response. */
static char *exec(cx_gql_schema *s, const char *q, ctx *c, const cx_gql_limits *lim) {
    cx_arena *a = cx_arena_new(0, 0);
    c->authors = cx_gql_loader_new(a, batch_authors, c);
    c->companies = cx_gql_loader_new(a, batch_companies, c);
    cx_gql_request r = {.query = q, .query_len = strlen(q), .context = c};
    r.root = cx_gql_null();
    cx_buf out = {0};
    char *res = NULL;
    if (!cx_gql_execute(s, &r, lim, a, &out, NULL)) {
        res = malloc(out.len + 1);
        if (res) {
            memcpy(res, out.data, out.len);
            res[out.len] = 0;
        }
    }
    cx_buf_free(&out);
    c->author_batches = cx_gql_loader_calls(c->authors);
    c->company_batches = cx_gql_loader_calls(c->companies);
    c->authors = c->companies = NULL; /* they lived in the arena */
    cx_arena_free(a);
    return res;
}

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

TEST(one_batch_per_level_same_response) {
    cx_gql_schema *s = make_schema();
    CHECK(s);
    const char *q = "{ books(n: 1000) { id author { id name } } }";
    ctx plain = {0}, b = {.batched = true};
    char *want = exec(s, q, &plain, NULL);
    char *got = exec(s, q, &b, NULL);
    CHECK(want && got);
    CHECK_EQ(plain.author_calls, 1000);
    CHECK_EQ(b.author_batches, 1); /* one batch call */
    CHECK_EQ(b.author_keys, 10);   /* deduplicated */
    CHECK_STR(got, want);
    /* every 10th book's author fails with its own message and path */
    CHECK_EQ(count(got, "\"message\":\"no author a7\""), 100);
    CHECK(strstr(got, "{\"message\":\"no author a7\",\"locations\":[{\"line\":1,\"column\":23}],"
                      "\"path\":[\"books\",7,\"author\"]}"));
    CHECK(strstr(got, "{\"id\":\"b7\",\"author\":null}"));
    CHECK(strstr(got, "{\"id\":\"b8\",\"author\":{\"id\":\"a8\",\"name\":\"Author 8\"}}"));
    free(want);
    free(got);
    cx_gql_schema_free(s);
}

TEST(nested_levels_one_call_each_and_null_propagation) {
    cx_gql_schema *s = make_schema();
    const char *q = "{ books(n: 300) { author { name company { id name } } } again { id } }";
    ctx plain = {0}, b = {.batched = true};
    char *want = exec(s, q, &plain, NULL);
    char *got = exec(s, q, &b, NULL);
    CHECK(want && got);
    CHECK_STR(got, want);
    CHECK_EQ(b.author_batches, 1);  /* level 2 (and "again": same tick) */
    CHECK_EQ(b.company_batches, 1); /* level 3 */
    CHECK_EQ(b.company_keys, 3);
    CHECK(strstr(got, "\"again\":{\"id\":\"a3\"}"));
    CHECK(strstr(got, "\"path\":[\"books\",2,\"author\",\"company\"]"));
    free(want);
    free(got);
    /* a non-null field whose key fails nulls the list item's parent: the
     * whole (non-null) list, then data */
    const char *q2 = "{ books(n: 20) { authorNN { id } } }";
    ctx p2 = {0}, b2 = {.batched = true};
    want = exec(s, q2, &p2, NULL);
    got = exec(s, q2, &b2, NULL);
    CHECK(want && got);
    CHECK_STR(got, want);
    CHECK(strstr(got, "\"data\":null"));
    free(want);
    free(got);
    cx_gql_schema_free(s);
}

TEST(round_limit) {
    cx_gql_schema *s = make_schema();
    cx_gql_limits lim;
    cx_gql_limits_defaults(&lim);
    lim.max_batch_rounds = 1;
    ctx b = {.batched = true};
    char *got = exec(s, "{ books(n: 2) { author { company { name } } } }", &b, &lim);
    CHECK(got);
    CHECK(strstr(got, "Batch load rounds limit (1) reached."));
    CHECK(strstr(got, "\"author\":{\"company\":null}"));
    free(got);
    cx_gql_schema_free(s);
}

TEST(mutations_stay_serial) {
    cx_gql_schema *s = make_schema();
    ctx b = {.batched = true};
    char *got = exec(s, "mutation { x: add(n: 1) y: add(n: 2) z: add(n: 7) }", &b, NULL);
    CHECK(got);
    /* each field waits for its own batch before the next starts */
    CHECK_EQ(b.author_batches, 3);
    CHECK_STR(b.order, "1,2,");
    CHECK(strstr(got, "\"x\":1,\"y\":3,\"z\":null"));
    CHECK(strstr(got, "no author a7"));
    free(got);
    cx_gql_schema_free(s);
}

typedef struct co_run {
    cx_gql_schema *s;
    char *got, *want;
    ctx b;
    cx_loop *loop;
} co_run;

static void co_exec(void *arg) {
    co_run *r = arg;
    const char *q = "{ books(n: 50) { author { name company { name } } } }";
    ctx plain = {0};
    r->want = exec(r->s, q, &plain, NULL);
    r->got = exec(r->s, q, &r->b, NULL);
    cx_loop_stop(r->loop);
}

TEST(batch_function_may_wait) {
    co_run r = {.s = make_schema(), .b = {.batched = true, .sleepy = true}};
    CHECK_EQ(cx_loop_new(&r.loop, NULL), 0);
    int st = cx_coro_start(r.loop, co_exec, &r, NULL);
    CHECK_EQ(st, 1);                  /* suspended: the first batch function waits */
    if (st == 1) cx_loop_run(r.loop); /* the batch functions sleep on the loop */
    CHECK(r.got && r.want);
    if (r.got && r.want) CHECK_STR(r.got, r.want);
    CHECK_EQ(r.b.author_batches, 1);
    CHECK_EQ(r.b.company_batches, 1);
    free(r.got);
    free(r.want);
    cx_loop_free(r.loop);
    cx_gql_schema_free(r.s);
}

TEST(loader_outside_executor) {
    cx_arena *a = cx_arena_new(0, 0);
    ctx c = {0};
    cx_gql_loader *l = cx_gql_loader_new(a, batch_companies, &c);
    CHECK(l);
    for (int i = 0; i < 100; i++) {
        char k[8];
        snprintf(k, sizeof k, "c%d", i % 40);
        CHECK(cx_gql_loader_queue(l, k) >= 0);
    }
    cx_gql_value v;
    CHECK_EQ(cx_gql_loader_get(l, "c1", &v), CX_EAGAIN);
    CHECK_EQ(cx_gql_loader_dispatch(l), 0);
    CHECK_EQ(c.company_keys, 40);
    CHECK_EQ(cx_gql_loader_get(l, "c39", &v), 0);
    CHECK(v.kind == CX_GQL_STRING && v.n == 3 && !memcmp(v.s, "c39", 3));
    CHECK(cx_gql_loader_get(l, "c2", &v) < 0); /* per-key error */
    CHECK_EQ(cx_gql_loader_dispatch(l), 0);    /* nothing new: no call */
    CHECK_EQ(cx_gql_loader_calls(l), 1);
    CHECK_EQ(cx_gql_loader_get(l, "zz", &v), CX_ENOENT);
    CHECK_EQ(cx_gql_loader_load(NULL, l, "c1", &v), CX_EINVAL);
    cx_arena_free(a);
}

TEST_MAIN()
