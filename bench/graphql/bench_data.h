/* The schema and root value shared by the GraphQL benchmarks (bench_graphql.c
 * in process, http_server.c over HTTP); bench_data.js builds the same for
 * graphql-js. */
#ifndef BENCH_GRAPHQL_DATA_H
#define BENCH_GRAPHQL_DATA_H
#include <cortex/buf.h>
#include <stddef.h>

static const char SDL[] =
    "type Query { hero: Character items: [Item!]! }\n"
    "type Character { id: ID! name: String! friends: [Character] }\n"
    "type Item { id: ID! name: String! price: Float tags: [String!]! owner: Character "
    "count: Int }\n";

/* The root value as JSON text: a hero and n items (malloc'd; free it). */
static char *make_root(size_t n) {
    cx_buf b = {0};
    cx_buf_puts(&b,
                "{\"hero\":{\"id\":\"1\",\"name\":\"R2-D2\",\"friends\":[{\"id\":\"2\",\"name\":"
                "\"Luke\"},{\"id\":\"3\",\"name\":\"Han\"}]},\"items\":[");
    for (size_t i = 0; i < n; i++)
        cx_buf_printf(&b,
                      "%s{\"id\":\"%zu\",\"name\":\"item %zu\",\"price\":%zu.25,\"tags\":[\"a\","
                      "\"b\"],\"owner\":{\"id\":\"%zu\",\"name\":\"owner %zu\"},\"count\":%zu}",
                      i ? "," : "", i, i, i, i % 7, i % 7, i * 3);
    cx_buf_puts(&b, "]}");
    cx_buf_putc(&b, 0);
    return b.data;
}

#endif
