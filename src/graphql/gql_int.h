/* GraphQL engine internals shared by the lexer, parser, schema builder,
 * validator and executor. Everything here lives in arenas: a document in the
 * arena it was parsed into, a schema in its own arena, a request's values in
 * the request arena. */
#ifndef CX_GQL_INT_H
#define CX_GQL_INT_H

#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <cortex/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- AST ------------------------------------------------------------------ */

typedef enum gq_kind {
    GN_DOCUMENT = 1,
    GN_OPERATION,
    GN_FRAGMENT_DEF,
    GN_FIELD,
    GN_SPREAD,
    GN_INLINE,
    GN_VARDEF,
    GN_ARGUMENT,
    GN_DIRECTIVE,
    /* values */
    GN_VARIABLE,
    GN_INT,
    GN_FLOAT,
    GN_STRING,
    GN_BOOLEAN,
    GN_NULL,
    GN_ENUM,
    GN_LIST,
    GN_OBJECT,
    GN_OBJECT_FIELD,
    /* type references */
    GN_NAMED_TYPE,
    GN_LIST_TYPE,
    GN_NON_NULL_TYPE,
    /* type system */
    GN_SCHEMA_DEF,
    GN_OPTYPE_DEF,
    GN_SCALAR_DEF,
    GN_OBJECT_DEF,
    GN_INTERFACE_DEF,
    GN_UNION_DEF,
    GN_ENUM_DEF,
    GN_INPUT_DEF,
    GN_DIRECTIVE_DEF,
    GN_FIELD_DEF,
    GN_INPUT_VALUE_DEF,
    GN_ENUM_VALUE_DEF,
    GN_SCHEMA_EXT,
    GN_SCALAR_EXT,
    GN_OBJECT_EXT,
    GN_INTERFACE_EXT,
    GN_UNION_EXT,
    GN_ENUM_EXT,
    GN_INPUT_EXT,
} gq_kind;

typedef enum gq_optype { GQ_QUERY = 0, GQ_MUTATION = 1, GQ_SUBSCRIPTION = 2 } gq_optype;

typedef struct gq_node gq_node;
typedef struct gq_list {
    gq_node **v;
    uint32_t n;
} gq_list;

/* One node shape for every kind; the comment on each field says which kinds
 * use it. Keeping one shape makes the parser and the walkers small. */
struct gq_node {
    uint16_t kind;
    uint16_t flags;       /* operation: gq_optype; boolean: value; string: block;
                             directive def: repeatable */
    uint32_t line, col;   /* of the node's first token, as graphql-js reports */
    uint32_t start;       /* byte offset of the first token */
    const char *name;     /* names; for an argument/object field the key */
    const char *alias;    /* field alias, or NULL */
    const char *value;    /* scalar literal text (decoded for strings); description */
    uint32_t value_len;   /* bytes of value (strings may hold NUL) */
    gq_node *type;        /* vardef/field def/input def type; fragment type
                             condition; wrapped type of list/non-null types */
    gq_node *val;         /* argument/object field value; default value */
    gq_list args;         /* arguments; variable defs (operation); argument defs */
    gq_list dirs;         /* directives */
    gq_list sel;          /* selection set; also: document definitions, list
                             items, object fields, fields/values/members/
                             locations/operation types of type definitions */
    gq_list ifaces;       /* implemented interfaces, union members */
    const char *desc;     /* type-system description, or NULL */
    bool has_sel;         /* a selection set was written */
    uint32_t sline, scol; /* of the selection set's '{' */
    uint32_t nline, ncol; /* of the name (operations, fragments, spreads, vardefs) */
};

/* ---- lexer ---------------------------------------------------------------- */

typedef enum gq_tok {
    GT_SOF = 0,
    GT_EOF,
    GT_BANG,
    GT_DOLLAR,
    GT_AMP,
    GT_PAREN_L,
    GT_PAREN_R,
    GT_SPREAD,
    GT_COLON,
    GT_EQUALS,
    GT_AT,
    GT_BRACKET_L,
    GT_BRACKET_R,
    GT_BRACE_L,
    GT_PIPE,
    GT_BRACE_R,
    GT_NAME,
    GT_INT,
    GT_FLOAT,
    GT_STRING,
    GT_BLOCK_STRING,
} gq_tok;

typedef struct gq_lexer {
    const char *src;
    size_t len;
    size_t pos;        /* next byte to read */
    size_t line_start; /* byte offset where the current line begins */
    uint32_t line;
    /* current token */
    gq_tok kind;
    size_t tstart, tend;
    uint32_t tline, tcol;
    const char *tval; /* decoded value (names, numbers, strings), in the arena */
    uint32_t tval_len;
    cx_arena *arena;
    /* error */
    bool failed;
    char *errmsg;
    uint32_t eline, ecol;
    size_t tokens, max_tokens;
} gq_lexer;

void gq_lex_init(gq_lexer *lx, cx_arena *a, const char *src, size_t len);
/* Advance to the next token; false on a lexical error (lx->errmsg set). */
bool gq_lex_next(gq_lexer *lx);
/* Line and column (UTF-16 units, like graphql-js) of byte offset pos. */
void gq_location(const char *src, size_t len, size_t pos, uint32_t *line, uint32_t *col);
const char *gq_tok_desc(gq_tok k);

/* ---- parser --------------------------------------------------------------- */

typedef struct gq_parse_error {
    char *message; /* "Syntax Error: ..." (arena) */
    uint32_t line, col;
} gq_parse_error;

/* Parse a whole document (executable definitions and SDL both accepted, as
 * graphql-js does). NULL on error with *err filled. */
gq_node *gq_parse(cx_arena *a, const char *src, size_t len, const cx_gql_limits *lim,
                  gq_parse_error *err);

/* ---- schema --------------------------------------------------------------- */

typedef enum gq_tkind {
    GK_SCALAR = 0,
    GK_OBJECT,
    GK_INTERFACE,
    GK_UNION,
    GK_ENUM,
    GK_INPUT_OBJECT,
    GK_LIST,
    GK_NON_NULL
} gq_tkind;

typedef struct gq_type gq_type;
typedef struct gq_field gq_field;

/* A type reference: named, list of, or non-null of. Named references point at
 * the type itself (gq_type starts with the same header). */
typedef struct gq_tref {
    uint8_t kind; /* GK_LIST, GK_NON_NULL, or the named type's kind */
    struct gq_tref *of;
} gq_tref;

typedef struct gq_ivdef { /* argument or input field definition */
    const char *name, *desc;
    gq_tref *type;
    gq_node *default_ast; /* NULL when none */
    const char *deprecation;
    gq_node *ast;
} gq_ivdef;

struct gq_field {
    const char *name, *desc;
    gq_tref *type;
    gq_ivdef *args;
    uint32_t nargs;
    const char *deprecation;
    cx_gql_resolver resolve;
    void *resolve_ud;
    int intro; /* built-in resolver id for introspection fields, 0 otherwise */
    gq_type *owner;
};

typedef struct gq_enumval {
    const char *name, *desc, *deprecation;
} gq_enumval;

struct gq_type {
    gq_tref ref; /* ref.kind = the type's kind; a gq_type* is a gq_tref* */
    const char *name, *desc, *specified_by;
    gq_field *fields;
    uint32_t nfields;
    gq_ivdef *ifields;
    uint32_t nifields;
    gq_type **ifaces;
    uint32_t nifaces;
    gq_type **members; /* union members; interface/union: possible types */
    uint32_t nmembers;
    gq_enumval *values;
    uint32_t nvalues;
    bool one_of, builtin;
    int32_t cycle_at; /* schema validation: input-object cycle search (-1: off path) */
    bool cycle_seen;
    gq_node *ast;
    const cx_gql_scalar *scalar; /* custom scalar callbacks, or NULL */
    cx_gql_type_resolver resolve_type;
    void *resolve_type_ud;
};

typedef struct gq_directive {
    const char *name, *desc;
    gq_ivdef *args;
    uint32_t nargs;
    uint32_t locations; /* bit per gq_dirloc */
    bool repeatable;
    const char **locnames; /* as written, for introspection order */
    uint32_t nlocnames;
} gq_directive;

struct cx_gql_schema {
    cx_arena *arena;
    gq_type **types; /* typeMap order, as graphql-js builds it */
    uint32_t ntypes;
    gq_directive **dirs;
    uint32_t ndirs;
    gq_type *query, *mutation, *subscription;
    const char *desc;
    gq_type *t_string, *t_int, *t_float, *t_boolean, *t_id;
    gq_type *t_schema, *t_type;            /* __Schema, __Type */
    gq_field f_typename, f_schema, f_type; /* meta fields */
    gq_tref *ref_string_nn;
};

gq_type *gq_schema_type(const cx_gql_schema *s, const char *name);
gq_directive *gq_schema_directive(const cx_gql_schema *s, const char *name);
gq_field *gq_type_field(const gq_type *t, const char *name);
gq_ivdef *gq_find_arg(gq_ivdef *args, uint32_t n, const char *name);
gq_type *gq_named(const gq_tref *t);
static inline bool gq_is_nonnull(const gq_tref *t) {
    return t && t->kind == GK_NON_NULL;
}
static inline gq_tref *gq_nullable(gq_tref *t) {
    return gq_is_nonnull(t) ? t->of : t;
}
bool gq_is_input_type(const gq_tref *t);
bool gq_is_output_type(const gq_tref *t);
bool gq_is_leaf(const gq_type *t);
bool gq_is_composite(const gq_type *t);
bool gq_is_abstract(const gq_type *t);
bool gq_is_possible(const cx_gql_schema *s, const gq_type *abstract, const gq_type *obj);
bool gq_is_subtype(const cx_gql_schema *s, const gq_tref *sub, const gq_tref *super);
bool gq_types_overlap(const cx_gql_schema *s, const gq_type *a, const gq_type *b);
/* "[Int!]!" into the arena. */
char *gq_tref_str(cx_arena *a, const gq_tref *t);
/* Resolve an AST type reference against the schema; NULL if a name is unknown. */
gq_tref *gq_tref_from_ast(const cx_gql_schema *s, cx_arena *a, const gq_node *n);

extern const char gq_builtin_sdl[];
extern const char gq_introspection_query[];

/* Directive locations, in the spec's order. */
enum {
    GL_QUERY,
    GL_MUTATION,
    GL_SUBSCRIPTION,
    GL_FIELD,
    GL_FRAGMENT_DEFINITION,
    GL_FRAGMENT_SPREAD,
    GL_INLINE_FRAGMENT,
    GL_VARIABLE_DEFINITION,
    GL_SCHEMA,
    GL_SCALAR,
    GL_OBJECT,
    GL_FIELD_DEFINITION,
    GL_ARGUMENT_DEFINITION,
    GL_INTERFACE,
    GL_UNION,
    GL_ENUM,
    GL_ENUM_VALUE,
    GL_INPUT_OBJECT,
    GL_INPUT_FIELD_DEFINITION,
    GL_DIRECTIVE_DEFINITION,
    GL_COUNT
};
extern const char *const gq_dirloc_names[GL_COUNT];
int gq_dirloc_from_name(const char *name);

/* ---- values ----------------------------------------------------------------
 * Coerced input values (arguments and variables): a small tree like JSON,
 * with enums kept apart from strings. */

typedef enum gq_vkind {
    GV_UNDEF = 0,
    GV_NULL,
    GV_BOOL,
    GV_INT,
    GV_FLOAT,
    GV_STRING,
    GV_ENUM,
    GV_LIST,
    GV_OBJECT,
    GV_JSON /* a custom scalar's value: the JSON it was given */
} gq_vkind;

typedef struct gq_val gq_val;
struct gq_val {
    uint8_t kind;
    bool b;
    int64_t i;
    double f;
    const char *s; /* string, enum name */
    size_t n;      /* string bytes; list items; object members */
    gq_val *items;
    const char **keys;
    const cx_json *json;
};

/* A growable message buffer in an arena. */
char *gq_printf(cx_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON string literal of s (as JSON.stringify would), into the arena. */
char *gq_json_quote(cx_arena *a, const char *s, size_t n);
/* graphql-js inspect() of a JSON value / of a coerced value. */
char *gq_inspect_json(cx_arena *a, const cx_json *v);
/* print() of an AST value, as graphql-js prints it. */
char *gq_print_ast_value(cx_arena *a, const gq_node *v);
/* Introspection defaultValue of an input value definition, or NULL. */
char *gq_default_value_str(const cx_gql_schema *s, cx_arena *a, const gq_ivdef *d);

/* coerceInputValue: a JSON variable value to type t. Every problem found is
 * recorded (graphql-js reports them all); returns true when none was. */
typedef struct gq_cerr {
    char *msg;
    char *path; /* ".a[0]" or "" */
    const cx_json *bad;
} gq_cerr;
typedef struct gq_cerrs {
    gq_cerr v[32];
    uint32_t n;
    uint32_t depth; /* nesting reached while coercing (bounded) */
} gq_cerrs;
bool gq_coerce_json(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const cx_json *v,
                    gq_val *out, gq_cerrs *errs);
/* A field default (valueFromAST of its literal), cached per call. */
bool gq_default_value(const cx_gql_schema *s, cx_arena *a, const gq_ivdef *d, gq_val *out);

/* valueFromAST: coerce a literal (with variables) to type t; false when invalid. */
typedef struct gq_vars {
    const char **names;
    gq_val *vals;
    uint32_t n;
} gq_vars;
bool gq_value_from_ast(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const gq_node *v,
                       const gq_vars *vars, gq_val *out);
const gq_val *gq_vars_get(const gq_vars *vars, const char *name);

/* "Did you mean ..." suffix for the best suggestions among options, or "". */
char *gq_did_you_mean(cx_arena *a, const char *input, const char **options, size_t n,
                      const char *sub_message);
size_t gq_suggestion_list(cx_arena *a, const char *input, const char **options, size_t n,
                          const char ***out);

/* ---- errors --------------------------------------------------------------- */

typedef struct gq_loc {
    uint32_t line, col;
} gq_loc;

typedef struct gq_pathseg {
    const char *key; /* NULL for an index */
    int64_t index;
} gq_pathseg;

typedef struct gq_error {
    char *message;
    gq_loc *locs;
    uint32_t nlocs;
    gq_pathseg *path;
    uint32_t npath;
    bool has_path;
} gq_error;

typedef struct gq_errors {
    gq_error *v;
    uint32_t n, cap;
    cx_arena *arena;
} gq_errors;

gq_error *gq_err_add(gq_errors *e, const char *msg);
void gq_err_loc(gq_errors *e, gq_error *err, const gq_node *n);

/* ---- validation ----------------------------------------------------------- */

/* Run every rule of the spec's section 5 in graphql-js's order; errors are
 * appended to errs. */
void gq_validate(const cx_gql_schema *s, cx_arena *a, const gq_node *doc, const cx_gql_limits *lim,
                 gq_errors *errs);

/* Protection limits (depth, aliases, cost); errors appended. */
void gq_protect(const cx_gql_schema *s, cx_arena *a, const gq_node *doc, const cx_gql_limits *lim,
                gq_errors *errs);

/* Execute an already parsed and validated document. */
int gq_execute_doc(const cx_gql_schema *s, const gq_node *doc, const cx_gql_request *req,
                   size_t max_batch_rounds, cx_arena *a, cx_buf *out, cx_gql_outcome *outcome);

/* Called by cx_gql_loader_load() when key of l is not loaded: the field of
 * info suspends, and l (when not NULL: not yet registered) is dispatched
 * when the executor can make no more progress. 0 or CX_ENOMEM. */
int gq_exec_suspend_on(cx_gql_info *info, cx_gql_loader *l);
/* Forget that l was handed to an execution that ended without dispatching
 * it (the round limit), so that a later execution takes it again. */
void gq_loader_release(cx_gql_loader *l);
/* Dispatch (from the executor). */
int cx_gql_loader_dispatch(cx_gql_loader *l);

#endif
