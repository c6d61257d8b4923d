/* WebAssembly: a strict decoder/validator, a fast interpreter and an x86-64 JIT.
 *
 * The model has three layers. A cx_wasm_module is decoded, validated and
 * compiled once from a .wasm binary (WebAssembly 2.0: the MVP plus
 * sign-extension, non-trapping float-to-int, multi-value, bulk memory and
 * reference types, and fixed-width SIMD); it is read-only afterwards and may be shared by threads.
 * A cx_wasm_instance is one instantiation of a module: its own linear
 * memory, tables, globals and value stack. Instances are cheap to create and
 * are used by one thread at a time. Imports are resolved from a
 * cx_wasm_imports set: host functions written in C (cx_wasm_func_new) or
 * exports of other instances.
 *
 * Function bodies are translated once, at compile time, into a direct-threaded
 * internal form (one cell per operation holding the address of its handler,
 * followed by its immediates), so the interpreter never decodes bytecode.
 * On x86-64 a module is also compiled to machine code at load time when
 * every function is within what the JIT emits (all but SIMD and the table
 * instructions; cx_wasm_limits.jit = 0 turns it off); both engines keep one
 * frame layout and the same traps, fuel and limits (docs/WASM.md).
 *
 * Untrusted code cannot crash the host: every memory access is bounds-checked
 * (alignment hints are ignored), memory and tables grow only up to the
 * instance limits, and a call ends with a trap (a negative return code plus a
 * cx_wasm_trap kind) on a wasm trap, on call-depth or value-stack exhaustion,
 * when its fuel runs out or when its wall-clock deadline passes.
 *
 * Plugins (the ABI in docs/WASM.md) are served through the router by a
 * cx_wasm_mount, as a handler or as middleware: each request runs as one
 * job on the thread pool (the request coroutine waits, the loop does not),
 * with a fresh instance by default, its module from a cx_wasm_cache (hot
 * reload), and fuel, deadline and memory limits; a failing plugin becomes a
 * problem response, never a crash. An instance is only ever used by one
 * thread at a time.
 *
 * Ownership: imports borrow the objects they name (an exporting instance or a
 * host function must outlive every instance that imported from it). Strings
 * returned by accessors live as long as the module or instance they came
 * from.
 */
#ifndef CORTEX_WASM_H
#define CORTEX_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_wasm_module cx_wasm_module;
typedef struct cx_wasm_instance cx_wasm_instance;
typedef struct cx_wasm_imports cx_wasm_imports;
typedef struct cx_wasm_func cx_wasm_func;
typedef struct cx_wasm_table cx_wasm_table;
typedef struct cx_wasm_memory cx_wasm_memory;
typedef struct cx_wasm_global cx_wasm_global;

/* Value types, numbered as in the binary format. */
typedef enum cx_wasm_type {
    CX_WASM_I32 = 0x7F,
    CX_WASM_I64 = 0x7E,
    CX_WASM_F32 = 0x7D,
    CX_WASM_F64 = 0x7C,
    CX_WASM_V128 = 0x7B,
    CX_WASM_FUNCREF = 0x70,
    CX_WASM_EXTERNREF = 0x6F,
} cx_wasm_type;

/* A typed value. Floats may be read/written as bits (f32_bits/f64_bits) to
 * carry exact NaN payloads. A v128 is its 16 bytes, lane 0 first. A funcref
 * is a cx_wasm_func* (NULL: null); an externref is any host pointer (NULL:
 * null). */
typedef struct cx_wasm_val {
    uint8_t type; /* cx_wasm_type */
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        void *ref;
        uint8_t v128[16]; /* lanes in little-endian order */
    } of;
} cx_wasm_val;

/* Kinds of trap; cx_wasm_call() returns CX_EPROTO (trap) or CX_ELIMIT
 * (resource limit) and stores the kind. */
typedef enum cx_wasm_trap {
    CX_WASM_TRAP_NONE = 0,
    CX_WASM_TRAP_UNREACHABLE,
    CX_WASM_TRAP_MEMORY_OOB,
    CX_WASM_TRAP_TABLE_OOB,
    CX_WASM_TRAP_DIV_ZERO,
    CX_WASM_TRAP_INT_OVERFLOW,
    CX_WASM_TRAP_INVALID_CONVERSION,
    CX_WASM_TRAP_UNINIT_ELEMENT,
    CX_WASM_TRAP_INDIRECT_TYPE,
    CX_WASM_TRAP_STACK_EXHAUSTED, /* call depth or value stack */
    CX_WASM_TRAP_FUEL,            /* resource limit: fuel ran out */
    CX_WASM_TRAP_DEADLINE,        /* resource limit: wall clock */
    CX_WASM_TRAP_HOST,            /* a host function returned an error */
    CX_WASM_TRAP_EXIT,            /* WASI proc_exit (see cx_wasm_exit_code) */
} cx_wasm_trap;

/* A static message for a trap kind ("integer divide by zero", ...). */
const char *cx_wasm_trap_message(cx_wasm_trap t);

/* ---- limits ------------------------------------------------------------- */
#define CX_WASM_DEFAULT_MAX_MODULE_SIZE  (64u << 20)
#define CX_WASM_DEFAULT_MAX_TYPES        100000
#define CX_WASM_DEFAULT_MAX_FUNCTIONS    100000
#define CX_WASM_DEFAULT_MAX_IMPORTS      100000
#define CX_WASM_DEFAULT_MAX_EXPORTS      100000
#define CX_WASM_DEFAULT_MAX_GLOBALS      100000
#define CX_WASM_DEFAULT_MAX_SEGMENTS     100000
#define CX_WASM_DEFAULT_MAX_PARAMS       1000
#define CX_WASM_DEFAULT_MAX_LOCALS       50000
#define CX_WASM_DEFAULT_MAX_NESTING      1024
#define CX_WASM_DEFAULT_MAX_BODY_SIZE    (8u << 20)
#define CX_WASM_DEFAULT_MAX_MEMORY_PAGES 16384 /* 1 GiB */
#define CX_WASM_DEFAULT_MAX_TABLE_SIZE   (1u << 20)
#define CX_WASM_DEFAULT_MAX_CALL_DEPTH   10000
#define CX_WASM_DEFAULT_STACK_SLOTS      (1u << 16) /* 512 KiB (8-byte slots), touched as used */
#define CX_WASM_DEFAULT_JIT              1 /* machine code where the platform has a JIT (x86-64) */

/* Decoder limits (module) and execution limits (instance). Fill with
 * cx_wasm_limits_defaults() and change what you need. */
typedef struct cx_wasm_limits {
    size_t max_module_size; /* bytes of the .wasm binary */
    uint32_t max_types;     /* type section entries */
    uint32_t max_functions; /* imported + defined */
    uint32_t max_imports;
    uint32_t max_exports;
    uint32_t max_globals;
    uint32_t max_segments;     /* element + data segments each */
    uint32_t max_params;       /* params or results of one function type */
    uint32_t max_locals;       /* params + locals of one function (a v128 counts twice) */
    uint32_t max_nesting;      /* open blocks in one function */
    uint32_t max_body_size;    /* bytes of one function body */
    uint32_t max_memory_pages; /* 64 KiB pages, per memory (grow fails past it) */
    uint32_t max_table_size;   /* elements, per table */
    uint32_t max_call_depth;   /* wasm frames; exhaustion is a trap */
    uint32_t stack_slots;      /* value stack of one instance, 8-byte slots */
    uint32_t jit; /* 1: compile functions to machine code where supported, 0: interpret */
    /* the start function runs inside cx_wasm_instance_new, before the caller
     * can set fuel or a deadline: these bound it (0: unbounded, the default) */
    uint64_t start_fuel;
    uint32_t start_timeout_ms;
} cx_wasm_limits;

void cx_wasm_limits_defaults(cx_wasm_limits *l);

/* ---- modules ------------------------------------------------------------ */
#define CX_WASM_ERROR_MAX 128

/* Decode, validate and compile bytes[0..len). The bytes are copied where
 * needed; the caller keeps ownership of them. limits may be NULL (defaults);
 * err (CX_WASM_ERROR_MAX bytes, may be NULL) receives a message on failure.
 * Returns 0 and a module to free with cx_wasm_module_free(), or CX_EPARSE
 * (malformed or invalid), CX_ELIMIT (a decoder limit), CX_ENOMEM, CX_EINVAL. */
int cx_wasm_module_new(const uint8_t *bytes, size_t len, const cx_wasm_limits *limits,
                       cx_wasm_module **out, char *err);
/* Only decode and validate (no code generated). Same codes. */
int cx_wasm_validate(const uint8_t *bytes, size_t len, const cx_wasm_limits *limits, char *err);
/* Free a module; instances made from it must be freed first. NULL ok. */
void cx_wasm_module_free(cx_wasm_module *m);

/* Imports and exports of a module, by index. kind: 0 func, 1 table,
 * 2 memory, 3 global. Names live as long as the module. */
uint32_t cx_wasm_module_import_count(const cx_wasm_module *m);
int cx_wasm_module_import(const cx_wasm_module *m, uint32_t i, const char **module,
                          const char **name, int *kind);
uint32_t cx_wasm_module_export_count(const cx_wasm_module *m);
int cx_wasm_module_export(const cx_wasm_module *m, uint32_t i, const char **name, int *kind);

/* ---- host functions and the import set ---------------------------------- */

/* A host function: args[0..nargs) in, results[0..nresults) out (types
 * already set by the caller). inst is the calling instance (use it for
 * memory access). Return 0, or a negative code to trap with
 * CX_WASM_TRAP_HOST. */
typedef int (*cx_wasm_host_fn)(cx_wasm_instance *inst, void *data, const cx_wasm_val *args,
                               cx_wasm_val *results);

/* A host function of the given signature (types copied). Free it with
 * cx_wasm_func_free() after every instance that imports it. NULL: CX_ENOMEM
 * or CX_EINVAL. */
cx_wasm_func *cx_wasm_func_new(const uint8_t *params, uint32_t nparams, const uint8_t *results,
                               uint32_t nresults, cx_wasm_host_fn fn, void *data);
void cx_wasm_func_free(cx_wasm_func *f);

/* Standalone host objects (for imports); free with their _free functions.
 * NULL on bad arguments (a table's elem_type other than funcref/externref or
 * min > max, a global whose value is not of a value type)
 * or when out of memory. */
cx_wasm_memory *cx_wasm_memory_new(uint32_t min_pages, uint32_t max_pages /* UINT32_MAX: none */);
void cx_wasm_memory_free(cx_wasm_memory *m);
cx_wasm_table *cx_wasm_table_new(uint8_t elem_type, uint32_t min, uint32_t max);
void cx_wasm_table_free(cx_wasm_table *t);
cx_wasm_global *cx_wasm_global_new(cx_wasm_val v, bool mutable_);
void cx_wasm_global_free(cx_wasm_global *g);

/* An import set: (module, name) -> object. Names are copied; objects are
 * borrowed. Adding a name twice replaces the earlier entry. The add_*
 * functions return 0, CX_EINVAL when im, module, name or the object is
 * NULL, or CX_ENOMEM. */
cx_wasm_imports *cx_wasm_imports_new(void);
void cx_wasm_imports_free(cx_wasm_imports *im);
int cx_wasm_imports_add_func(cx_wasm_imports *im, const char *module, const char *name,
                             cx_wasm_func *f);
int cx_wasm_imports_add_table(cx_wasm_imports *im, const char *module, const char *name,
                              cx_wasm_table *t);
int cx_wasm_imports_add_memory(cx_wasm_imports *im, const char *module, const char *name,
                               cx_wasm_memory *m);
int cx_wasm_imports_add_global(cx_wasm_imports *im, const char *module, const char *name,
                               cx_wasm_global *g);
/* Add every export of inst under the module name `module` (borrowed like
 * any import: inst must outlive every instance linked through it). 0, also
 * when inst exports nothing; CX_EINVAL when im, module or inst is NULL (even
 * for an instance without exports), like the add_* functions above;
 * CX_ENOMEM, after which the exports added so far stay in im. */
int cx_wasm_imports_add_instance(cx_wasm_imports *im, const char *module, cx_wasm_instance *inst);

/* ---- instances ---------------------------------------------------------- */

/* Instantiate m: resolve imports (im may be NULL when there are none),
 * allocate memory/tables/globals, apply segments, run the start function.
 * limits NULL: defaults. Returns 0, or CX_ENOTFOUND (unknown import),
 * CX_EINVAL (import type mismatch), CX_EPROTO (a segment is out of bounds or
 * the start function trapped; *trap tells which), CX_ELIMIT, CX_ENOMEM. err
 * may be NULL. The instance is the caller's to free — also after CX_EPROTO,
 * when *out is the partly initialised instance: earlier segments may have
 * stored its functions in an imported table, so free it only after the
 * owner of that table (on any other error *out is NULL). */
int cx_wasm_instance_new(const cx_wasm_module *m, const cx_wasm_imports *im,
                         const cx_wasm_limits *limits, cx_wasm_instance **out, cx_wasm_trap *trap,
                         char *err);
void cx_wasm_instance_free(cx_wasm_instance *inst);

/* Per-call resource limits for this instance: fuel (units: a function entry
 * or a loop iteration, plus one per KiB of a bulk memory operation and per
 * 256 elements of a bulk table operation; 0 = unlimited) and a deadline in
 * CLOCK_MONOTONIC nanoseconds (0 = none). They apply to every later call until changed. */
void cx_wasm_instance_set_fuel(cx_wasm_instance *inst, uint64_t fuel);
uint64_t cx_wasm_instance_fuel_left(const cx_wasm_instance *inst);
void cx_wasm_instance_set_deadline(cx_wasm_instance *inst, uint64_t deadline_ns);
/* Opaque pointer for host functions (e.g. WASI state). */
void cx_wasm_instance_set_user(cx_wasm_instance *inst, void *user);
void *cx_wasm_instance_user(const cx_wasm_instance *inst);

/* Exports by name; NULL when absent or of another kind. Borrowed from inst. */
cx_wasm_func *cx_wasm_instance_func(cx_wasm_instance *inst, const char *name);
cx_wasm_memory *cx_wasm_instance_memory(cx_wasm_instance *inst, const char *name);
cx_wasm_table *cx_wasm_instance_table(cx_wasm_instance *inst, const char *name);
cx_wasm_global *cx_wasm_instance_global(cx_wasm_instance *inst, const char *name);

/* Any export by name given with its length (names may contain NUL) and
 * kind (0 func, 1 table, 2 memory, 3 global); cast the result to the
 * kind's type. NULL when absent. */
void *cx_wasm_instance_export(cx_wasm_instance *inst, const char *name, size_t len, int kind);

/* Signature of a function. */
uint32_t cx_wasm_func_param_count(const cx_wasm_func *f);
uint32_t cx_wasm_func_result_count(const cx_wasm_func *f);
uint8_t cx_wasm_func_param_type(const cx_wasm_func *f, uint32_t i);
uint8_t cx_wasm_func_result_type(const cx_wasm_func *f, uint32_t i);

/* Call f (an export or any function) with args typed as its params; results
 * (room for its result count) receive typed values. The call runs on the
 * value stack of `inst` (pass the instance that exported f, or the caller
 * instance inside a host function). Returns 0; CX_EINVAL (wrong arity or
 * types); CX_EPROTO (a trap: *trap says which); CX_ELIMIT (fuel, deadline;
 * *trap says which). trap may be NULL. */
int cx_wasm_call(cx_wasm_instance *inst, cx_wasm_func *f, const cx_wasm_val *args, uint32_t nargs,
                 cx_wasm_val *results, uint32_t nresults, cx_wasm_trap *trap);
/* Exit code stored by WASI proc_exit (valid after CX_WASM_TRAP_EXIT). */
int cx_wasm_exit_code(const cx_wasm_instance *inst);

/* ---- memory, tables, globals -------------------------------------------- */

/* The default memory of an instance (own or imported); NULL if none. */
cx_wasm_memory *cx_wasm_instance_default_memory(cx_wasm_instance *inst);
/* Size in bytes; 0 for NULL. */
size_t cx_wasm_memory_size(const cx_wasm_memory *m);
/* Copy between the host and [off, off+n) of memory; CX_ERANGE when the
 * range is not entirely inside it. */
int cx_wasm_memory_read(const cx_wasm_memory *m, uint64_t off, void *dst, size_t n);
int cx_wasm_memory_write(cx_wasm_memory *m, uint64_t off, const void *src, size_t n);
/* A direct pointer to [off, off+n), NULL when out of bounds. Valid until
 * the memory grows (any call into wasm may grow it). */
void *cx_wasm_memory_ptr(cx_wasm_memory *m, uint64_t off, size_t n);
/* Grow by delta pages: the old size in pages, or -1 when refused. */
int64_t cx_wasm_memory_grow(cx_wasm_memory *m, uint32_t delta);

uint32_t cx_wasm_table_size(const cx_wasm_table *t);
int cx_wasm_table_get(const cx_wasm_table *t, uint32_t i, cx_wasm_val *out);
int cx_wasm_table_set(cx_wasm_table *t, uint32_t i, cx_wasm_val v);

cx_wasm_val cx_wasm_global_get(const cx_wasm_global *g);
/* CX_ESTATE for an immutable global, CX_EINVAL for a wrong type. */
int cx_wasm_global_set(cx_wasm_global *g, cx_wasm_val v);

/* ---- module cache with hot reload --------------------------------------- */

typedef struct cx_wasm_cache cx_wasm_cache;

/* A cache of compiled modules by file path (limits copied; NULL: defaults).
 * Free with cx_wasm_cache_free() once every module obtained from it has
 * been released and its instances freed. NULL on CX_ENOMEM. Thread-safe. */
cx_wasm_cache *cx_wasm_cache_new(const cx_wasm_limits *limits);
void cx_wasm_cache_free(cx_wasm_cache *c);
/* The compiled module for `path`, recompiled when the file changed (inode,
 * size or mtime) since it was loaded. The module is referenced: give it back
 * with cx_wasm_cache_release() after freeing the instances made from it. A
 * replaced module stays alive until its last release. Returns 0, CX_ENOENT,
 * or a cx_wasm_module_new() error (err gets the message). */
int cx_wasm_cache_get(cx_wasm_cache *c, const char *path, cx_wasm_module **out, char *err);
void cx_wasm_cache_release(cx_wasm_cache *c, cx_wasm_module *m);
/* How many times a module was (re)compiled by this cache. */
uint64_t cx_wasm_cache_loads(cx_wasm_cache *c);

/* ---- plugin ABI ---------------------------------------------------------- */

/* Run one request through a plugin instance (see docs/WASM.md): the module
 * exports "memory", cx_plugin_alloc(i32 size) -> i32 ptr and
 * cx_plugin_handle(i32 ptr, i32 len) -> i64 (resp_ptr << 32 | resp_len).
 * req[0..len) is copied into the instance; on success *resp is a malloc'd
 * copy of the response bytes (the caller frees it). Returns 0, CX_ENOTFOUND
 * (not a plugin), CX_EPROTO (bad signature, bad pointers or a trap: *trap),
 * CX_ELIMIT (fuel/deadline), CX_ENOMEM, CX_EINVAL. */
int cx_wasm_plugin_call(cx_wasm_instance *inst, const void *req, size_t len, uint8_t **resp,
                        size_t *resp_len, cx_wasm_trap *trap);

/* Check plugin response bytes ("STATUS LF" then "Name: value LF" per header,
 * "LF", body; see docs/WASM.md) and report them. STATUS is 200..599, or 0,
 * which means "continue" (only a middleware plugin may answer it: the
 * request goes on down the chain with the headers added to the response).
 * Header names are HTTP tokens, values are HTTP field values (no CR, LF,
 * NUL or other control byte but tab); at most
 * CX_WASM_PLUGIN_MAX_HEADERS of them. on_header (may be NULL) is called for
 * each header, in order, only once the whole response has been checked;
 * a non-zero return stops and is returned. Returns 0 with *status and
 * *body_off set, or CX_EPARSE with a static reason in *why (may be NULL). */
#define CX_WASM_PLUGIN_MAX_HEADERS 100
int cx_wasm_plugin_response_parse(const uint8_t *resp, size_t len,
                                  int (*on_header)(void *arg, const char *name, size_t name_len,
                                                   const char *value, size_t value_len),
                                  void *arg, int *status, size_t *body_off, const char **why);

/* ---- plugin calls on the thread pool ------------------------------------- */

/* What to do with an instance whose caller stopped waiting (see below). */
typedef void (*cx_wasm_release_fn)(void *arg, cx_wasm_instance *inst);

/* cx_wasm_plugin_call() on the thread pool attached to the calling
 * coroutine's loop (cortex/pool.h; a server attaches one to every worker):
 * the coroutine is suspended, the loop keeps serving other requests, and it
 * resumes with the result. Return codes and *trap are those of
 * cx_wasm_plugin_call(), plus those of cx_pool_run(): CX_ESTATE outside a
 * coroutine or without a pool, CX_EBUSY when the pool's queue is full,
 * CX_ETIMEDOUT / CX_ECANCELED when the coroutine's deadline passed or it was
 * cancelled.
 *
 * Ownership: an instance is used by one thread at a time. Until this
 * returns, inst belongs to the pool thread running it; afterwards it is the
 * caller's again — except after CX_ETIMEDOUT / CX_ECANCELED once the job
 * was queued, when the call may still be running: the job then calls
 * release(release_arg, inst) on the pool thread when it ends (release NULL:
 * cx_wasm_instance_free) and the caller must forget inst. The call stops
 * at the earlier of the instance's deadline and the coroutine's, so an
 * abandoned call ends soon; fuel applies as usual. req is copied. */
int cx_wasm_plugin_call_pooled(cx_wasm_instance *inst, const void *req, size_t len, uint8_t **resp,
                               size_t *resp_len, cx_wasm_trap *trap, cx_wasm_release_fn release,
                               void *release_arg);

/* ---- mounting a plugin on the router -------------------------------------- */

struct cx_ctx;
struct cx_router;

/* Per-mount settings; fill with cx_wasm_mount_options_defaults(). */
#define CX_WASM_MOUNT_DEFAULT_FUEL         100000000 /* function entries + loop iterations */
#define CX_WASM_MOUNT_DEFAULT_DEADLINE_MS  1000
#define CX_WASM_MOUNT_DEFAULT_MEMORY_PAGES 256 /* 16 MiB */
#define CX_WASM_MOUNT_DEFAULT_MAX_HEAD     (32u << 10)
#define CX_WASM_MOUNT_DEFAULT_MAX_BODY     (1u << 20)
#define CX_WASM_MOUNT_DEFAULT_MAX_RESPONSE (8u << 20)
#define CX_WASM_MOUNT_DEFAULT_MAX_IDLE     16
/* Smaller than the engine's defaults to bound what one request may use
 * (value stack and frames are only touched as deep as a call goes, and
 * instantiation costs the same with either: see docs/WASM.md, "Safety and
 * limits"). */
#define CX_WASM_MOUNT_DEFAULT_STACK_SLOTS 16384 /* 128 KiB */
#define CX_WASM_MOUNT_DEFAULT_CALL_DEPTH  2000
typedef struct cx_wasm_mount_options {
    uint64_t fuel;             /* per request; 0: unlimited */
    uint32_t deadline_ms;      /* per request, queue wait included; 0: none */
    uint32_t max_memory_pages; /* linear memory of an instance (64 KiB pages) */
    uint32_t max_call_depth;   /* wasm frames; exhaustion traps (500) */
    uint32_t stack_slots;      /* value stack, 8-byte slots; exhaustion traps (500) */
    size_t max_head;           /* request line + headers as sent to the plugin → 431 */
    size_t max_body;           /* request body → 413 (handlers only; middleware sees none) */
    size_t max_response;       /* response bytes from the plugin → 502 */
    bool reuse;                /* keep instances warm between requests (state persists!) */
    unsigned max_idle;         /* reuse: idle instances kept */
    bool inline_calls;         /* run on the worker thread, not the pool */
} cx_wasm_mount_options;

void cx_wasm_mount_options_defaults(cx_wasm_mount_options *o);

/* A plugin file served through the router. */
typedef struct cx_wasm_mount cx_wasm_mount;

/* A mount for the plugin at `path` (copied), whose module comes from
 * `cache` (borrowed: it must outlive the mount) on every request, so a
 * replaced file is picked up by the next request. Nothing is loaded yet: a
 * missing or invalid file is reported per request (500). o NULL: defaults
 * (copied). Free with cx_wasm_mount_free() after the server has stopped
 * (cx_server_run() has returned, so no pool job still uses it). Returns 0,
 * CX_EINVAL, CX_ENOMEM. */
int cx_wasm_mount_new(cx_wasm_cache *cache, const char *path, const cx_wasm_mount_options *o,
                      cx_wasm_mount **out);
void cx_wasm_mount_free(cx_wasm_mount *m);

/* The handler: cx_ctx_data(ctx) is the mount. The plugin gets the request
 * (head and body) and its answer becomes the response. A trap → 500, fuel
 * → 500, deadline → 504, malformed answer or bad pointers → 502, a full
 * pool queue → 503, each a problem response saying why; status 0 → 502. */
int cx_wasm_mount_handle(struct cx_ctx *ctx);
/* The middleware: the plugin gets the request head (no body) and either
 * answers (status 200..599: the chain stops there) or returns status 0 to
 * continue: its headers are added to the response — except headers named
 * "Cx-Ctx-<key>", which become context values for the rest of the chain
 * (cx_ctx_get(ctx, "<key>") returns the value as a NUL-terminated string in
 * the request arena; keys compare case-sensitively as sent) — and cx_next()
 * runs the rest of the chain. Errors as for the handler. */
int cx_wasm_mount_filter(struct cx_ctx *ctx);

/* Shorthands: cx_router_add(r, method, pattern, cx_wasm_mount_handle, m)
 * and cx_router_use(r, cx_wasm_mount_filter, m), with their codes. The
 * mount stays the caller's. */
int cx_wasm_mount_route(struct cx_router *r, int method /* cx_method */, const char *pattern,
                        cx_wasm_mount *m);
int cx_wasm_mount_use(struct cx_router *r, cx_wasm_mount *m);

/* Counters: requests handled, instances created. */
uint64_t cx_wasm_mount_requests(const cx_wasm_mount *m);
uint64_t cx_wasm_mount_instances(const cx_wasm_mount *m);

/* ---- WASI preview1 (subset) --------------------------------------------- */

/* Options for the WASI imports: argv/envp as NULL-terminated arrays (copied);
 * preopen_dir: a host directory exposed read-only as "/" (NULL: none);
 * stdout_fd/stderr_fd: host fds for fd 1 and 2 (-1: discard). */
typedef struct cx_wasm_wasi_options {
    const char *const *argv;
    const char *const *envp;
    const char *preopen_dir;
    int stdout_fd;
    int stderr_fd;
} cx_wasm_wasi_options;

typedef struct cx_wasm_wasi cx_wasm_wasi;

/* Create WASI state and add its functions under "wasi_snapshot_preview1"
 * to im. The state must outlive instances using it; free it after them.
 * NULL on CX_ENOMEM. */
cx_wasm_wasi *cx_wasm_wasi_new(const cx_wasm_wasi_options *opt, cx_wasm_imports *im);
void cx_wasm_wasi_free(cx_wasm_wasi *w);

#ifdef __cplusplus
}
#endif
#endif
