/* JSON: parse a document, read fields, write one.
 *
 *   example_json                 the built-in order below
 *   example_json order.json      a file of your own (same shape)
 *
 * It parses an order into an arena, reads typed fields (with the error you
 * get for a wrong type or a missing key), walks the items, then writes a
 * summary with the streaming writer, pretty-printed, and shows what a parse
 * error looks like.
 */
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char builtin[] = "{\n"
                              "  \"id\": 9007199254740993,\n"
                              "  \"customer\": {\"name\": \"Zo\\u00eb\", \"vip\": true},\n"
                              "  \"items\": [\n"
                              "    {\"sku\": \"A-1\", \"qty\": 2, \"price\": 19.99},\n"
                              "    {\"sku\": \"B-7\", \"qty\": 1, \"price\": 5.5}\n"
                              "  ],\n"
                              "  \"note\": null\n"
                              "}\n";

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cx_buf b = CX_BUF_INIT;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (cx_buf_append(&b, tmp, n)) break;
    fclose(f);
    *len = b.len;
    return b.data;
}

/* Typed reads: each says what went wrong instead of guessing. */
static void show_fields(const cx_json *order) {
    int64_t id;
    int rc = cx_json_int64(cx_json_get(order, "id"), &id);
    if (rc == 0) printf("order %" PRId64 " (exact: it is above 2^53)\n", id);

    const cx_json *customer = cx_json_get(order, "customer");
    bool vip = false;
    cx_json_bool(cx_json_get(customer, "vip"), &vip);
    printf("customer %s%s\n", cx_json_cstr(cx_json_get(customer, "name")), vip ? " (vip)" : "");

    printf("note is %s\n", cx_json_is_null(cx_json_get(order, "note")) ? "null" : "set");
    /* A missing key is NULL, and every accessor takes NULL. */
    double d;
    rc = cx_json_double(cx_json_get(order, "discount"), &d);
    printf("discount: %s\n", rc ? cx_strerror(rc) : "present");
}

static double walk_items(const cx_json *items) {
    double total = 0;
    for (size_t i = 0; i < cx_json_len(items); i++) {
        const cx_json *item = cx_json_at(items, i);
        int64_t qty = 0;
        double price = 0;
        cx_json_int64(cx_json_get(item, "qty"), &qty);
        cx_json_double(cx_json_get(item, "price"), &price);
        cx_str text = cx_json_number_text(cx_json_get(item, "price"));
        printf("  %s x%" PRId64 " at %.*s\n", cx_json_cstr(cx_json_get(item, "sku")), qty,
               (int)text.len, text.ptr);
        total += (double)qty * price;
    }
    return total;
}

/* The writer appends to a cx_buf; errors stick, so one check at the end. */
static int write_summary(const cx_json *order, double total, cx_buf *out) {
    cx_json_writer w;
    cx_json_writer_init(&w, out, CX_JSON_PRETTY);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "order", 5);
    cx_json_write_value(&w, cx_json_get(order, "id")); /* a subtree, as parsed */
    cx_json_write_key(&w, "items", 5);
    cx_json_write_uint64(&w, cx_json_len(cx_json_get(order, "items")));
    cx_json_write_key(&w, "total", 5);
    cx_json_write_double(&w, total);
    cx_json_write_key(&w, "message", 7);
    cx_json_write_string(&w, "merci, \"Zoë\"\n", 14);
    cx_json_write_object_end(&w);
    return cx_json_writer_error(&w);
}

int main(int argc, char **argv) {
    size_t len = sizeof builtin - 1;
    char *text = argc > 1 ? read_file(argv[1], &len) : NULL;
    if (argc > 1 && !text) {
        perror(argv[1]);
        return 1;
    }
    cx_arena *arena = cx_arena_new(0, 0);
    if (!arena) return 1;

    const cx_json *order;
    cx_json_error err;
    int rc = cx_json_parse(arena, text ? text : builtin, len, NULL, &order, &err);
    free(text); /* the tree does not need the text any more */
    if (rc) {
        fprintf(stderr, "parse error: %s\n", err.message);
        cx_arena_free(arena);
        return 1;
    }

    show_fields(order);
    double total = walk_items(cx_json_get(order, "items"));

    cx_buf out = CX_BUF_INIT;
    rc = write_summary(order, total, &out);
    if (rc == 0) printf("%.*s\n", (int)out.len, out.data);
    cx_buf_free(&out);

    /* What a mistake looks like. */
    const char bad[] = "{\"qty\": 2,\n \"price\": 19.99,}";
    if (cx_json_parse(arena, bad, sizeof bad - 1, NULL, &order, &err))
        printf("bad input -> %s (%s)\n", err.message, cx_strerror(err.code));

    cx_arena_free(arena); /* the tree and its strings go in one step */
    return rc ? 1 : 0;
}
