/* A GraphQL schema with C resolvers, run once from the command line and
 * (with --serve PORT) served over HTTP at /graphql with the in-browser IDE.
 *
 *   ./example_graphql                 prints the responses of a few queries
 *   ./example_graphql --serve 8080    then: curl -d '{"query":"{ books { title } }"}' \
 *                                         -H 'content-type: application/json'
 * localhost:8080/graphql
 *
 * Book.author loads through a cx_gql_loader: the authors of every book of a
 * list are fetched with one batch call (see "authors batch" in the output),
 * the way a resolver would batch database or HTTP lookups.
 */
#include <cortex/cortex.h>
#include <cortex/graphql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SDL[] = "type Query {\n"
                          "  books(author: String): [Book!]!\n"
                          "  book(id: ID!): Book\n"
                          "}\n"
                          "type Book { id: ID! title: String! author: Author! year: Int }\n"
                          "type Author { name: String! books: [Book!]! }\n"
                          "type Mutation { rate(id: ID!, stars: Int!): Float }\n";

typedef struct book {
    const char *id, *title, *author;
    int year;
    double stars, votes;
} book;

static book BOOKS[] = {
    {"1", "A Wizard of Earthsea", "Ursula K. Le Guin", 1968, 0, 0},
    {"2", "The Left Hand of Darkness", "Ursula K. Le Guin", 1969, 0, 0},
    {"3", "Kindred", "Octavia E. Butler", 1979, 0, 0},
};
#define NBOOKS (sizeof BOOKS / sizeof *BOOKS)

/* Query.books(author): every book, or those of one author. */
static int books(cx_gql_info *info, cx_gql_value *out) {
    const char *author = NULL;
    size_t n;
    cx_gql_arg_string(info, "author", &author, &n); /* absent: NULL */
    cx_gql_value *items = cx_arena_alloc(cx_gql_info_arena(info), NBOOKS * sizeof *items);
    if (!items) return CX_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < NBOOKS; i++)
        if (!author || !strcmp(author, BOOKS[i].author))
            items[k++] = cx_gql_object(&BOOKS[i], "Book");
    *out = cx_gql_list(items, k);
    return 0;
}

static int book_by_id(cx_gql_info *info, cx_gql_value *out) {
    const char *id;
    size_t n;
    if (cx_gql_arg_string(info, "id", &id, &n)) return CX_EINVAL;
    *out = cx_gql_null();
    for (size_t i = 0; i < NBOOKS; i++)
        if (!strcmp(id, BOOKS[i].id)) *out = cx_gql_object(&BOOKS[i], "Book");
    return 0;
}

/* Book's fields read the C struct. */
static int book_field(cx_gql_info *info, cx_gql_value *out) {
    const book *b = cx_gql_info_parent(info)->ptr;
    const char *f = cx_gql_info_field(info);
    if (!strcmp(f, "id"))
        *out = cx_gql_string(b->id, strlen(b->id));
    else if (!strcmp(f, "title"))
        *out = cx_gql_string(b->title, strlen(b->title));
    else if (!strcmp(f, "year"))
        *out = cx_gql_int(b->year);
    return 0;
}

/* The authors batch function: one call per level of a query, with every
 * distinct author name the level asked for. A real one would run one SQL
 * query or HTTP request here (it may wait: it runs in the request's
 * coroutine). ud: non-NULL to print the keys. */
static int load_authors(const char *const *keys, size_t n, cx_gql_value *values,
                        const char **errors, cx_arena *a, void *ud) {
    (void)a;
    if (ud) printf("  (authors batch:");
    for (size_t i = 0; i < n; i++) {
        if (ud) printf(" \"%s\"", keys[i]);
        errors[i] = "unknown author";
        for (size_t j = 0; j < NBOOKS; j++)
            if (!strcmp(keys[i], BOOKS[j].author)) {
                values[i] = cx_gql_object(BOOKS[j].author, "Author"); /* name string */
                errors[i] = NULL;
            }
    }
    if (ud) printf(")\n");
    return 0;
}

/* Book.author: ask the request's loader (the context) for the author. The
 * first call returns CX_EAGAIN, which the resolver returns as is: the
 * executor resolves the other books, calls load_authors once, and calls
 * this resolver again, which then gets the value. */
static int book_author(cx_gql_info *info, cx_gql_value *out) {
    const book *b = cx_gql_info_parent(info)->ptr;
    return cx_gql_loader_load(info, cx_gql_info_context(info), b->author, out);
}

static int author_name(cx_gql_info *info, cx_gql_value *out) {
    const char *name = cx_gql_info_parent(info)->ptr;
    *out = cx_gql_string(name, strlen(name));
    return 0;
}

static int author_books(cx_gql_info *info, cx_gql_value *out) {
    const char *name = cx_gql_info_parent(info)->ptr;
    cx_gql_value *items = cx_arena_alloc(cx_gql_info_arena(info), NBOOKS * sizeof *items);
    if (!items) return CX_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < NBOOKS; i++)
        if (!strcmp(name, BOOKS[i].author)) items[k++] = cx_gql_object(&BOOKS[i], "Book");
    *out = cx_gql_list(items, k);
    return 0;
}

static int rate(cx_gql_info *info, cx_gql_value *out) {
    const char *id;
    size_t n;
    int64_t stars;
    if (cx_gql_arg_string(info, "id", &id, &n) || cx_gql_arg_int(info, "stars", &stars))
        return CX_EINVAL;
    if (stars < 1 || stars > 5) {
        cx_gql_info_error(info, "stars must be between 1 and 5");
        return CX_ERANGE;
    }
    for (size_t i = 0; i < NBOOKS; i++)
        if (!strcmp(id, BOOKS[i].id)) {
            BOOKS[i].stars += (double)stars;
            BOOKS[i].votes += 1;
            *out = cx_gql_float(BOOKS[i].stars / BOOKS[i].votes);
            return 0;
        }
    *out = cx_gql_null();
    return 0;
}

static void run(const cx_gql_schema *s, const char *query) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_buf out = {0};
    cx_gql_request r = {.query = query, .query_len = strlen(query), .root = cx_gql_null()};
    if (a) r.context = cx_gql_loader_new(a, load_authors, (void *)1); /* one per request */
    if (r.context) printf("%s\n", query);
    if (r.context && cx_gql_execute(s, &r, NULL, a, &out, NULL) == 0)
        printf("  -> %.*s\n", (int)out.len, out.data);
    cx_buf_free(&out);
    cx_arena_free(a);
}

/* The endpoint's per-request context: a loader in the request's arena. */
static void *http_context(cx_ctx *ctx, void *ud) {
    (void)ud;
    return cx_gql_loader_new(cx_ctx_arena(ctx), load_authors, NULL);
}

int main(int argc, char **argv) {
    cx_gql_schema *s = NULL;
    cx_buf err = {0};
    if (cx_gql_schema_parse(SDL, sizeof SDL - 1, NULL, &s, &err)) {
        fprintf(stderr, "schema: %.*s", (int)err.len, err.data);
        return 1;
    }
    cx_gql_schema_set_resolver(s, "Query", "books", books, NULL);
    cx_gql_schema_set_resolver(s, "Query", "book", book_by_id, NULL);
    const char *bf[] = {"id", "title", "year"};
    for (size_t i = 0; i < 3; i++) cx_gql_schema_set_resolver(s, "Book", bf[i], book_field, NULL);
    cx_gql_schema_set_resolver(s, "Book", "author", book_author, NULL);
    cx_gql_schema_set_resolver(s, "Author", "name", author_name, NULL);
    cx_gql_schema_set_resolver(s, "Author", "books", author_books, NULL);
    cx_gql_schema_set_resolver(s, "Mutation", "rate", rate, NULL);

    run(s, "{ books { title year author { name } } }");
    run(s, "{ book(id: 3) { title author { books { title } } } }");
    run(s, "query ($a: String) { books(author: $a) { id } }");
    run(s,
        "mutation { a: rate(id: 1, stars: 5) b: rate(id: 1, stars: 4) c: rate(id: 1, stars: 9) }");
    run(s, "{ book(id: 1) { nope } }");

    int rc = 0;
    if (argc == 3 && !strcmp(argv[1], "--serve")) {
        cx_router *r = NULL;
        cx_gql_http_options o = {0};
        o.ide = true;
        o.context = http_context; /* a loader per request */
        cx_gql_http *h = cx_gql_http_new(s, &o);
        if (!h || cx_router_new(&r) || cx_gql_http_mount(h, r, "/graphql")) {
            rc = 1;
        } else {
            cx_server_options so;
            cx_server_options_default(&so);
            so.port = (uint16_t)atoi(argv[2]);
            so.handler = cx_router_handle;
            so.handler_data = r;
            cx_server *srv = NULL;
            if (cx_server_new(&srv, &so)) {
                rc = 1;
            } else {
                printf("serving http://127.0.0.1:%u/graphql (a browser gets the IDE)\n", so.port);
                rc = cx_server_run(srv) ? 1 : 0; /* until SIGTERM or SIGINT */
                cx_server_free(srv);
            }
        }
        cx_router_free(r);
        cx_gql_http_free(h);
    }
    cx_buf_free(&err);
    cx_gql_schema_free(s);
    return rc;
}
