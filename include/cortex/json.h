/* JSON: a strict parser into an arena DOM, and a streaming writer.
 *
 * cx_json_parse() reads one RFC 8259 document (strict: UTF-8 only, no BOM,
 * no comments, no trailing commas, no NaN) in a single pass into a tree of
 * small read-only nodes allocated from a cx_arena. The parser first copies
 * the text into the arena and decodes strings in place, so the tree needs
 * nothing else: the caller's input may be freed right after the call, and
 * everything (text, strings, nodes) goes when the arena is reset or freed.
 * Array elements and object members sit in contiguous arrays, so indexing is
 * O(1) and key lookup is a linear scan (objects in real documents are small).
 * Nesting is handled with an explicit stack on the heap, never with
 * recursion, so any depth is safe on a small coroutine stack.
 *
 * Numbers keep their exact source text next to a decoded value: integers
 * that fit stay exact as int64 (or uint64 above INT64_MAX); everything else
 * (a fraction, an exponent, "-0", or an integer too big for 64 bits) is a
 * "real" with the nearest double, and the text keeps what a double cannot
 * hold. Writing a parsed tree back emits the original number text.
 *
 * Objects keep every member in document order, duplicates included; a
 * lookup by key returns the LAST member with that key.
 *
 * cx_json_writer emits JSON straight into a cx_buf: begin/end, keys and
 * values in order, commas and (optionally) indentation added for you. It
 * keeps its state in the caller's struct and allocates nothing beyond
 * growing the buffer. The first error sticks: every later call returns it
 * and writes nothing, so a sequence of writes can be checked once at the end
 * with cx_json_writer_error().
 *
 * All accessors accept NULL and then answer "absent" (CX_JSON_NONE, 0, NULL,
 * an empty cx_str or CX_EINVAL), so lookups chain without checks:
 *   cx_json_get(cx_json_get(doc, "user"), "name")
 */
#ifndef CORTEX_JSON_H
#define CORTEX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/arena.h>
#include <cortex/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- parsing ------------------------------------------------------------ */

typedef struct cx_json cx_json;

#define CX_JSON_DEFAULT_MAX_DEPTH 512
#define CX_JSON_DEFAULT_MAX_SIZE  (64u * 1024 * 1024)
/* Lengths are stored in 32 bits; a larger max_size is lowered to this. */
#define CX_JSON_MAX_SIZE_CAP (0xFFFFFFFFu - 64)

/* Zero-initialise for the defaults; a zero field means its default. */
typedef struct cx_json_options {
    size_t max_depth; /* arrays/objects open at once; default 512 */
    size_t max_size;  /* input bytes; default 64 MiB */
} cx_json_options;

#define CX_JSON_MESSAGE_MAX 160

/* Where and why a parse failed. Positions refer to the caller's input. */
typedef struct cx_json_error {
    int code;      /* as returned by cx_json_parse */
    size_t offset; /* 0-based byte offset of the offending byte (len at end of input) */
    size_t line;   /* 1-based; lines end with '\n' */
    size_t column; /* 1-based, in bytes from the start of the line */
    /* "line 3, column 9 (byte 42): expected ':' after an object key" */
    char message[CX_JSON_MESSAGE_MAX];
} cx_json_error;

/* Parse exactly one JSON document (any value; surrounding whitespace
 * allowed) from text[0..len). On success *out is the root, allocated from
 * `arena` together with everything it refers to; it lives until the arena is
 * reset or freed, and text is no longer needed. opt may be NULL (defaults);
 * err may be NULL. On failure *out is NULL and memory already taken from the
 * arena stays there until the arena is reset.
 * Returns 0 or:
 *   CX_EPARSE  not JSON (syntax, a bad escape, a control character in a
 *              string, a bad number)
 *   CX_EUTF8   invalid UTF-8 (overlong, surrogate, > U+10FFFF, bad or
 *              missing continuation byte) or a \u escape of an unpaired
 *              surrogate
 *   CX_EDEPTH  more than max_depth arrays/objects open at once
 *   CX_ELIMIT  len > max_size
 *   CX_ENOMEM  the arena (or the parser's temporary stack) is out of memory
 *   CX_EINVAL  arena, out or text (with len > 0) is NULL */
int cx_json_parse(cx_arena *arena, const char *text, size_t len, const cx_json_options *opt,
                  const cx_json **out, cx_json_error *err);

/* ---- the tree -----------------------------------------------------------
 * Every node, key and string handed out below lives in the arena the tree
 * was parsed into: nothing needs freeing, and nothing outlives a reset. */

typedef enum cx_json_type {
    CX_JSON_NONE = 0, /* only for a NULL node: "absent" */
    CX_JSON_NULL,
    CX_JSON_BOOL,
    CX_JSON_NUMBER,
    CX_JSON_STRING,
    CX_JSON_ARRAY,
    CX_JSON_OBJECT
} cx_json_type;

typedef enum cx_json_num {
    CX_JSON_NUM_NONE = 0, /* not a number */
    CX_JSON_NUM_INT,      /* integer in int64 range */
    CX_JSON_NUM_UINT,     /* integer above INT64_MAX, within uint64 */
    CX_JSON_NUM_REAL      /* fraction, exponent, "-0", or an integer beyond 64 bits */
} cx_json_num;

cx_json_type cx_json_typeof(const cx_json *v);
/* "null", "bool", "number", "string", "array", "object", "none". */
const char *cx_json_type_name(cx_json_type t);
cx_json_num cx_json_number_kind(const cx_json *v);
bool cx_json_is_null(const cx_json *v);

/* Elements of an array, members of an object, bytes of a string; else 0. */
size_t cx_json_len(const cx_json *v);
/* Element i of an array; NULL if out of range or not an array. */
const cx_json *cx_json_at(const cx_json *array, size_t i);
/* The value of the LAST member named key (NUL-terminated, or n bytes for
 * cx_json_getn, which may contain NUL); NULL if none or not an object. */
const cx_json *cx_json_get(const cx_json *object, const char *key);
const cx_json *cx_json_getn(const cx_json *object, const char *key, size_t n);
/* Member i (document order) of an object: its key and value. */
cx_str cx_json_key_at(const cx_json *object, size_t i);
const cx_json *cx_json_value_at(const cx_json *object, size_t i);

/* Walks the elements of an array or the members of an object in order:
 *   cx_json_iter it = cx_json_iterate(v);
 *   cx_str key; const cx_json *val;
 *   while (cx_json_next(&it, &key, &val)) ...
 * key is {NULL, 0} for array elements. Either out pointer may be NULL. A
 * scalar or NULL gives an empty walk. The struct is plain data: copy freely. */
typedef struct cx_json_iter {
    const cx_json *pos, *end;
    bool object;
} cx_json_iter;
cx_json_iter cx_json_iterate(const cx_json *v);
bool cx_json_next(cx_json_iter *it, cx_str *key, const cx_json **value);

/* String contents, unescaped, valid UTF-8, and followed by a NUL in memory
 * (the bytes may also contain NUL, from "\u0000"). Both point into the
 * arena. Not a string: {NULL, 0} / NULL. */
cx_str cx_json_str(const cx_json *v);
const char *cx_json_cstr(const cx_json *v);

/* Scalars. Each returns 0 and sets *out, CX_EINVAL if v is not of the type
 * (out untouched), or CX_ERANGE if v is a number that the type cannot hold
 * exactly: cx_json_int64 takes only CX_JSON_NUM_INT (so 1.0 and 1e2 are
 * CX_ERANGE), cx_json_uint64 takes non-negative INT and UINT. cx_json_double
 * accepts every number and always succeeds on one: integers are converted
 * (rounding beyond 2^53) and reals too large for a double give +-HUGE_VAL. */
int cx_json_int64(const cx_json *v, int64_t *out);
int cx_json_uint64(const cx_json *v, uint64_t *out);
int cx_json_double(const cx_json *v, double *out);
int cx_json_bool(const cx_json *v, bool *out);
/* The number exactly as written in the document (not NUL-terminated; in the
 * arena). Not a number: {NULL, 0}. */
cx_str cx_json_number_text(const cx_json *v);

/* ---- writing ------------------------------------------------------------ */

/* Writer flags. */
#define CX_JSON_PRETTY          0x1u /* newlines and 2-space indentation */
#define CX_JSON_INDENT(n)       (CX_JSON_PRETTY | ((unsigned)(n)&0xFu) << 8) /* n: 1-15 spaces */
#define CX_JSON_REPLACE_INVALID 0x2u /* invalid UTF-8 in strings becomes U+FFFD, not CX_EUTF8 */

#define CX_JSON_WRITER_MAX_DEPTH 512 /* arrays/objects open at once via begin calls */

/* Caller-allocated (88 bytes on 64-bit; fine on a coroutine stack), so unlike
 * the module's other types it is not opaque; the fields are private all the
 * same. Every write function copies the bytes it is given: the caller keeps
 * ownership of keys, strings and raw text, and the writer keeps no pointer
 * to them after the call. */
typedef struct cx_json_writer {
    cx_buf *out;
    int err;
    unsigned flags;
    unsigned depth;
    bool first;    /* nothing written yet at this level */
    bool have_key; /* in an object: a key was written, its value comes next */
    bool done;     /* a complete top-level value was written */
    uint64_t object_bits[CX_JSON_WRITER_MAX_DEPTH / 64];
} cx_json_writer;

/* Write into `out`, which the caller owns and keeps (its contents so far are
 * kept; output is appended). flags: 0 (compact) or CX_JSON_* above. */
void cx_json_writer_init(cx_json_writer *w, cx_buf *out, unsigned flags);
/* The first error so far, or 0. Errors:
 *   CX_ESTATE  a call out of order: a value where a key is due, a key outside
 *              an object, an end that does not match, a second top-level value
 *   CX_EDEPTH  more than CX_JSON_WRITER_MAX_DEPTH containers open
 *   CX_EUTF8   a string or key is not valid UTF-8 (unless CX_JSON_REPLACE_INVALID)
 *   CX_EINVAL  NaN or infinity, or a NULL pointer with a non-zero length
 *   CX_ENOMEM, CX_ELIMIT  from growing the cx_buf (CX_ELIMIT: its max)
 * After an error the output is incomplete; discard it. */
int cx_json_writer_error(const cx_json_writer *w);
/* True once one complete top-level value has been written without error. */
bool cx_json_writer_done(const cx_json_writer *w);

int cx_json_write_object_begin(cx_json_writer *w);
int cx_json_write_object_end(cx_json_writer *w);
int cx_json_write_array_begin(cx_json_writer *w);
int cx_json_write_array_end(cx_json_writer *w);
/* An object member's key (n bytes, escaped like a string); its value is the
 * next value written. */
int cx_json_write_key(cx_json_writer *w, const char *key, size_t n);
/* n bytes of UTF-8. '"', '\\' and control characters are escaped (\n, \t,
 * ... or \u00XX); everything else, non-ASCII included, is copied. */
int cx_json_write_string(cx_json_writer *w, const char *s, size_t n);
int cx_json_write_int64(cx_json_writer *w, int64_t v);
int cx_json_write_uint64(cx_json_writer *w, uint64_t v);
/* The shortest decimal that reads back as the same double (integral values
 * below 2^53 print without a fraction: 3.0 is "3"; exponents as in
 * JavaScript: 1e21 is "1e+21", 1e-7 is "1e-7"). NaN/infinity: CX_EINVAL. */
int cx_json_write_double(cx_json_writer *w, double v);
int cx_json_write_bool(cx_json_writer *w, bool v);
int cx_json_write_null(cx_json_writer *w);
/* n bytes copied verbatim as one value (commas still handled). The bytes are
 * NOT checked: they must be one valid JSON value. */
int cx_json_write_raw(cx_json_writer *w, const char *json, size_t n);
/* A parsed tree (or any node of one) as one value; numbers keep their source
 * text. Iterative: any depth. NULL: CX_EINVAL. */
int cx_json_write_value(cx_json_writer *w, const cx_json *v);

/* Serialise v into out (appended): cx_json_writer_init + cx_json_write_value.
 * 0 or the writer's error. */
int cx_json_stringify(cx_buf *out, const cx_json *v, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
