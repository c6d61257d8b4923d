/* GraphQL: schema, validation and execution after the October 2021 spec,
 * behaving like graphql-js 16.
 *
 * A schema is built from SDL (cx_gql_schema_parse) and then given C
 * behaviour: resolvers per field, a type resolver per abstract type, and
 * callbacks per custom scalar. Fields without a resolver use the default
 * one, which reads the property of the same name from the parent value when
 * that value is a JSON object (so a JSON document is a complete "root
 * value"). A schema is immutable once requests run on it and may be shared
 * by every worker thread.
 *
 * cx_gql_execute() runs one request: parse (with the limits below), validate
 * (every rule of section 5), coerce variables, execute (queries' fields in
 * document order, mutations serially, null propagation), and writes the
 * complete response object {"errors":[...],"data":{...}} as JSON. Everything a
 * request allocates comes from the caller's arena. Resolvers run on the
 * caller's stack (for a server: the request coroutine), so a resolver may
 * wait on I/O with the coroutine API; cx_gql_loader batches the keys that
 * the resolvers of one level ask for into one batch call.
 *
 * Values flow through cx_gql_value: a tagged union that can hold a JSON node
 * (from the JSON module's arena DOM), a scalar, a list of values, or an
 * opaque C object with an optional concrete type name.
 */
#ifndef CORTEX_GRAPHQL_H
#define CORTEX_GRAPHQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ------------------------------------------------------------- */

typedef struct cx_gql_limits {
    size_t max_document_size; /* bytes of query or SDL text; default 1 MiB */
    size_t max_tokens;        /* lexical tokens per document; default 50,000 */
    size_t max_parse_depth;   /* nesting of selections/values/types; default 128 */
    size_t max_errors;        /* validation errors before aborting; default 100 */
    size_t max_query_depth;   /* protection: field nesting in an operation; 0 = off */
    size_t max_aliases;       /* protection: aliased fields per document; 0 = off */
    size_t max_cost;          /* protection: 1 per field, lists x first/limit arg (default
                                 10); 0 = off */
    size_t max_batch_rounds;  /* loader dispatch rounds per request; default 256 (0 = default) */
} cx_gql_limits;

#define CX_GQL_DEFAULT_MAX_DOCUMENT_SIZE (1024u * 1024u)
#define CX_GQL_DEFAULT_MAX_TOKENS        50000u
#define CX_GQL_DEFAULT_MAX_PARSE_DEPTH   128u
#define CX_GQL_DEFAULT_MAX_ERRORS        100u
#define CX_GQL_DEFAULT_MAX_BATCH_ROUNDS  256u

/* Fill *l with the defaults (protection limits off). */
void cx_gql_limits_defaults(cx_gql_limits *l);

/* ---- values ------------------------------------------------------------- */

typedef enum cx_gql_kind {
    CX_GQL_UNDEFINED = 0, /* nothing (becomes null in a response) */
    CX_GQL_NULL,
    CX_GQL_BOOL,
    CX_GQL_INT,
    CX_GQL_FLOAT,
    CX_GQL_STRING,
    CX_GQL_JSON,   /* json: a node of a parsed JSON tree */
    CX_GQL_LIST,   /* items[0..n) */
    CX_GQL_OBJECT, /* ptr: an opaque C object; type_name: its concrete type (or NULL) */
} cx_gql_kind;

typedef struct cx_gql_value {
    cx_gql_kind kind;
    bool b;
    int64_t i;
    double f;
    const char *s; /* STRING: bytes (need not be NUL-terminated) */
    size_t n;      /* STRING: length; LIST: item count */
    const cx_json *json;
    const struct cx_gql_value *items;
    const void *ptr;
    const char *type_name;
} cx_gql_value;

static inline cx_gql_value cx_gql_null(void) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_NULL;
    return v;
}
static inline cx_gql_value cx_gql_int(int64_t i) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_INT;
    v.i = i;
    return v;
}
static inline cx_gql_value cx_gql_float(double f) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_FLOAT;
    v.f = f;
    return v;
}
static inline cx_gql_value cx_gql_bool(bool b) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_BOOL;
    v.b = b;
    return v;
}
static inline cx_gql_value cx_gql_string(const char *s, size_t n) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_STRING;
    v.s = s;
    v.n = n;
    return v;
}
static inline cx_gql_value cx_gql_json(const cx_json *j) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_JSON;
    v.json = j;
    return v;
}
static inline cx_gql_value cx_gql_object(const void *ptr, const char *type_name) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_OBJECT;
    v.ptr = ptr;
    v.type_name = type_name;
    return v;
}
static inline cx_gql_value cx_gql_list(const cx_gql_value *items, size_t n) {
    cx_gql_value v = {0};
    v.kind = CX_GQL_LIST;
    v.items = items;
    v.n = n;
    return v;
}

/* ---- schema ------------------------------------------------------------- */

typedef struct cx_gql_schema cx_gql_schema;
typedef struct cx_gql_info cx_gql_info;

/* A field resolver: set *out and return 0, or return a negative code (an
 * error message may be set with cx_gql_info_error first; otherwise the code's
 * cx_strerror text is used). Memory for *out: the request arena
 * (cx_gql_info_arena) or anything that outlives the request. */
typedef int (*cx_gql_resolver)(cx_gql_info *info, cx_gql_value *out);

/* Name of the concrete object type of v (an interface or union value), or
 * NULL when unknown. ud: as registered. */
typedef const char *(*cx_gql_type_resolver)(const cx_gql_value *v, void *context, void *ud);

/* Custom scalar behaviour. serialize: the resolved value to a JSON-ready
 * value (*out: STRING, INT, FLOAT, BOOL, NULL or JSON). parse: a variable's
 * JSON value, or a literal turned into JSON, to the internal value. Each
 * returns 0, or a negative code and may set *message (arena) for the error.
 * NULL callbacks pass values through unchanged (like graphql-js). */
typedef struct cx_gql_scalar {
    int (*serialize)(const cx_gql_value *in, cx_gql_value *out, const char **message,
                     cx_arena *arena, void *ud);
    int (*parse)(const cx_json *in, const char **message, cx_arena *arena, void *ud);
    void *ud;
} cx_gql_scalar;

/* Build a schema from SDL text[0..len) (type extensions included). On
 * success *out owns its own memory; free it with cx_gql_schema_free. On
 * failure returns CX_EPARSE (syntax) or CX_EINVAL (invalid schema) and, if
 * errors is not NULL, appends one message per line to it. lim may be NULL. */
int cx_gql_schema_parse(const char *text, size_t len, const cx_gql_limits *lim, cx_gql_schema **out,
                        cx_buf *errors);
void cx_gql_schema_free(cx_gql_schema *s);

/* Attach behaviour (before the schema is shared). Each returns 0, or
 * CX_ENOTFOUND when the type/field does not exist, CX_EINVAL when it is of
 * the wrong kind. The schema keeps the pointers; ud stays the caller's. */
int cx_gql_schema_set_resolver(cx_gql_schema *s, const char *type, const char *field,
                               cx_gql_resolver fn, void *ud);
int cx_gql_schema_set_type_resolver(cx_gql_schema *s, const char *abstract_type,
                                    cx_gql_type_resolver fn, void *ud);
int cx_gql_schema_set_scalar(cx_gql_schema *s, const char *scalar, const cx_gql_scalar *cb);

/* ---- resolver info ------------------------------------------------------ */

const cx_gql_value *cx_gql_info_parent(const cx_gql_info *info);
void *cx_gql_info_context(const cx_gql_info *info);
cx_arena *cx_gql_info_arena(const cx_gql_info *info);
const char *cx_gql_info_field(const cx_gql_info *info);       /* field name */
const char *cx_gql_info_parent_type(const cx_gql_info *info); /* object type name */
/* Coerced arguments. Each returns 0, CX_ENOENT when the argument is absent
 * or null, CX_EINVAL when it has another type. Strings point into the arena
 * and are NUL-terminated. */
int cx_gql_arg_int(const cx_gql_info *info, const char *name, int64_t *out);
int cx_gql_arg_float(const cx_gql_info *info, const char *name, double *out);
int cx_gql_arg_bool(const cx_gql_info *info, const char *name, bool *out);
int cx_gql_arg_string(const cx_gql_info *info, const char *name, const char **out, size_t *len);
/* Set the message of the error the resolver is about to return (copied). */
void cx_gql_info_error(cx_gql_info *info, const char *message);

/* ---- DataLoader-style batching ------------------------------------------
 * A loader turns the N lookups of one level of a query into one batch call,
 * like graphql-js with dataloader: a resolver asks for a key with
 * cx_gql_loader_load(); when the key is not loaded yet the resolver returns
 * CX_EAGAIN, the executor suspends that field and goes on with its siblings
 * (and the other items of the list). When no more progress can be made, the
 * executor calls each loader's batch function ONCE with every distinct key
 * collected, then calls the suspended resolvers again, which now get their
 * values. A query whose nested levels each load through a loader thus makes
 * one batch call per level. Values and per-key errors are cached for the
 * request (the same key is loaded once). The response is exactly the one an
 * unbatched execution gives: data and errors in document order, null
 * propagation unchanged.
 *
 * Resolvers that returned (a value or an error) are not called again: their
 * results are remembered by response path while the request runs. Only a
 * resolver that suspended is called again, so a resolver should call
 * cx_gql_loader_load() before doing anything it must not repeat. The batch
 * function runs on the caller's stack (the request's coroutine in a server)
 * and may wait (cx_fetch, cx_sleep). Create loaders per request (for
 * example in the HTTP endpoint's context callback) in the request arena. */
typedef struct cx_gql_loader cx_gql_loader;
/* Fill values[i] for keys[i] (i < n), or set errors[i] (a message in the
 * arena or static; errors[] arrives all NULL) to fail that key alone: the
 * message becomes the error of every field that loaded it. Return 0, or a
 * negative code to fail every key. Memory: arena (the request's). */
typedef int (*cx_gql_batch_fn)(const char *const *keys, size_t n, cx_gql_value *values,
                               const char **errors, cx_arena *arena, void *ud);
/* A loader living in arena a (the request's). NULL when out of memory. */
cx_gql_loader *cx_gql_loader_new(cx_arena *a, cx_gql_batch_fn fn, void *ud);
/* In a resolver: the value of key (copied). Returns 0 with *out set;
 * CX_EAGAIN when the key is queued for the next batch (return CX_EAGAIN from
 * the resolver at once; it is called again after the batch); or the key's
 * error code, with the key's message set as the resolver's error (return
 * that code). CX_EINVAL for NULL arguments, CX_ENOMEM. */
int cx_gql_loader_load(cx_gql_info *info, cx_gql_loader *l, const char *key, cx_gql_value *out);
/* Outside the executor: queue key (copied); returns its slot index (>= 0) or
 * a negative code. */
int cx_gql_loader_queue(cx_gql_loader *l, const char *key);
/* Run the batch function for every queued, not yet loaded key (one call). */
int cx_gql_loader_dispatch(cx_gql_loader *l);
/* The value of a key once dispatched: 0, or CX_ENOENT if never queued,
 * CX_EAGAIN if not dispatched yet, or the key's error code. */
int cx_gql_loader_get(cx_gql_loader *l, const char *key, cx_gql_value *out);
/* Number of batch calls made so far (for tests and metrics). */
size_t cx_gql_loader_calls(const cx_gql_loader *l);

/* ---- execution ---------------------------------------------------------- */

typedef struct cx_gql_request {
    const char *query; /* document text */
    size_t query_len;
    const cx_json *variables;   /* an object, or NULL */
    const char *operation_name; /* or NULL */
    cx_gql_value root;          /* the root value (e.g. a JSON object) */
    void *context;              /* handed to resolvers */
} cx_gql_request;

/* What happened, for transports that map outcomes to statuses. */
typedef enum cx_gql_outcome {
    CX_GQL_OK = 0,         /* data present (maybe with field errors) */
    CX_GQL_REQUEST_ERROR,  /* no data: syntax, validation, variables, operation */
    CX_GQL_LIMIT_EXCEEDED, /* no data: a protection limit refused the document */
} cx_gql_outcome;

/* Execute req against s and append the response object to out (compact
 * JSON, not NUL-terminated: use out->len). Allocates only from arena a (the caller's; reset it
 * afterwards). lim may be NULL (defaults). *outcome (may be NULL) tells what happened. Returns 0
 * when a response was written, or a negative code (CX_ENOMEM, CX_EINVAL for NULL arguments) when
 * none could be. */
int cx_gql_execute(const cx_gql_schema *s, const cx_gql_request *req, const cx_gql_limits *lim,
                   cx_arena *a, cx_buf *out, cx_gql_outcome *outcome);

/* The introspection query graphql-js 16 getIntrospectionQuery({descriptions:
 * true}) sends (NUL-terminated, static). */
const char *cx_gql_introspection_query(void);

/* ---- HTTP (GraphQL over HTTP) --------------------------------------------
 * An endpoint answering POST application/json {"query", "variables",
 * "operationName", "extensions"} and GET ?query=&variables=&operationName=
 * (queries only: a mutation over GET gets 405 with Allow: POST). With
 * Accept: application/graphql-response+json the status is 200 when data is
 * present and 400 for request errors (syntax, validation, variables); with
 * Accept: application/json (or none) well-formed requests get 200. A
 * malformed request (bad JSON, no query) gets 400. With ide set, a GET
 * whose Accept prefers text/html gets a small in-browser IDE page.
 * Persisted queries: a request whose extensions.persistedQuery.sha256Hash
 * names a query registered with cx_gql_http_persist runs that query;
 * persisted_only refuses any other document. */

#include <cortex/http.h>
#include <cortex/router.h>

typedef struct cx_gql_http cx_gql_http;

/* The endpoint's default limits.max_parse_depth: requests run on coroutine
 * stacks (64 KiB by default) and parsing, validation and execution recurse
 * once per nesting level. */
#define CX_GQL_HTTP_MAX_PARSE_DEPTH 64u

typedef struct cx_gql_http_options {
    cx_gql_limits limits; /* zero fields: defaults */
    cx_gql_value root;    /* root value of every request */
    bool ide;             /* serve the IDE page to browsers */
    bool persisted_only;  /* refuse documents not registered */
    size_t max_body;      /* request body bytes; default 1 MiB */
    /* Per-request context for resolvers (may be NULL). */
    void *(*context)(cx_ctx *ctx, void *ud);
    void *context_ud;
} cx_gql_http_options;

/* A new endpoint for schema s (which must outlive it). opt may be NULL.
 * NULL when out of memory. Free with cx_gql_http_free after the server. */
cx_gql_http *cx_gql_http_new(const cx_gql_schema *s, const cx_gql_http_options *opt);
void cx_gql_http_free(cx_gql_http *h);
/* Register a persisted query (copied); its key is the SHA-256 hex of the
 * text, written to hex_out when not NULL. 0, CX_ENOMEM or CX_EINVAL. */
int cx_gql_http_persist(cx_gql_http *h, const char *query, size_t len, char hex_out[65]);
/* The handler; its data must be the cx_gql_http. */
int cx_gql_http_handler(cx_ctx *ctx);
/* Register GET and POST for path on r, both with h as data. */
int cx_gql_http_mount(cx_gql_http *h, cx_router *r, const char *path);

/* SHA-256 hex of a document, the key persisted queries are stored under. */
void cx_gql_query_hash(const char *query, size_t len, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
