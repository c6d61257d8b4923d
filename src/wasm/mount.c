/* A wasm plugin served through the router, as a handler or as middleware.
 *
 * Each request becomes one job: take the module from the cache (a replaced
 * file is recompiled here, so new requests get new code while calls in
 * flight finish on the old), take an instance (fresh by default; with
 * `reuse`, a warm one from the mount's idle list), call the plugin under
 * the mount's fuel, deadline and memory limits, and hand the response bytes
 * back. The job runs on the thread pool, so neither compiling nor running
 * guest code ever stalls a worker's loop; the request coroutine only builds
 * the request bytes and turns the answer (or the failure) into a response.
 * An instance is only ever used by the one job holding it.
 */
#include <cortex/http.h>
#include <cortex/router.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include "wasm/pooled.h"
#include "wasm_int.h"

/* An instance with what it imports (WASI when the module asks for it). */
typedef struct slot {
    cx_wasm_module *mod; /* one cache reference */
    cx_wasm_instance *inst;
    cx_wasm_imports *im;
    cx_wasm_wasi *wasi;
    struct slot *next;
} slot;

struct cx_wasm_mount {
    cx_wasm_cache *cache;
    char *path;
    cx_wasm_mount_options o;
    cx_wasm_limits lim;
    pthread_mutex_t mu; /* idle list */
    slot *idle;
    unsigned nidle;
    atomic_uint_fast64_t requests, instances;
};

void cx_wasm_mount_options_defaults(cx_wasm_mount_options *o) {
    *o = (cx_wasm_mount_options){
        .fuel = CX_WASM_MOUNT_DEFAULT_FUEL,
        .deadline_ms = CX_WASM_MOUNT_DEFAULT_DEADLINE_MS,
        .max_memory_pages = CX_WASM_MOUNT_DEFAULT_MEMORY_PAGES,
        .max_call_depth = CX_WASM_MOUNT_DEFAULT_CALL_DEPTH,
        .stack_slots = CX_WASM_MOUNT_DEFAULT_STACK_SLOTS,
        .max_head = CX_WASM_MOUNT_DEFAULT_MAX_HEAD,
        .max_body = CX_WASM_MOUNT_DEFAULT_MAX_BODY,
        .max_response = CX_WASM_MOUNT_DEFAULT_MAX_RESPONSE,
        .max_idle = CX_WASM_MOUNT_DEFAULT_MAX_IDLE,
    };
}

int cx_wasm_mount_new(cx_wasm_cache *cache, const char *path, const cx_wasm_mount_options *o,
                      cx_wasm_mount **out) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    if (!cache || !path || !*path) return CX_EINVAL;
    cx_wasm_mount *m = calloc(1, sizeof *m);
    if (!m) return CX_ENOMEM;
    m->path = strdup(path);
    if (!m->path) {
        free(m);
        return CX_ENOMEM;
    }
    m->cache = cache;
    if (o)
        m->o = *o;
    else
        cx_wasm_mount_options_defaults(&m->o);
    cx_wasm_limits_defaults(&m->lim);
    if (m->o.max_memory_pages) m->lim.max_memory_pages = m->o.max_memory_pages;
    if (m->o.max_call_depth) m->lim.max_call_depth = m->o.max_call_depth;
    if (m->o.stack_slots) m->lim.stack_slots = m->o.stack_slots;
    pthread_mutex_init(&m->mu, NULL);
    atomic_init(&m->requests, 0);
    atomic_init(&m->instances, 0);
    *out = m;
    return 0;
}

static void slot_free(cx_wasm_mount *m, slot *s) {
    if (!s) return;
    cx_wasm_instance_free(s->inst);
    cx_wasm_wasi_free(s->wasi);
    cx_wasm_imports_free(s->im);
    cx_wasm_cache_release(m->cache, s->mod);
    free(s);
}

void cx_wasm_mount_free(cx_wasm_mount *m) {
    if (!m) return;
    while (m->idle) {
        slot *s = m->idle;
        m->idle = s->next;
        slot_free(m, s);
    }
    pthread_mutex_destroy(&m->mu);
    free(m->path);
    free(m);
}

uint64_t cx_wasm_mount_requests(const cx_wasm_mount *m) {
    return m ? atomic_load(&((cx_wasm_mount *)m)->requests) : 0;
}

uint64_t cx_wasm_mount_instances(const cx_wasm_mount *m) {
    return m ? atomic_load(&((cx_wasm_mount *)m)->instances) : 0;
}

/* ---- instances ----------------------------------------------------------------------- */

static bool wants_wasi(const cx_wasm_module *mod) {
    for (uint32_t i = 0; i < cx_wasm_module_import_count(mod); i++) {
        const char *module, *name;
        int kind;
        if (!cx_wasm_module_import(mod, i, &module, &name, &kind) &&
            !strcmp(module, "wasi_snapshot_preview1"))
            return true;
    }
    return false;
}

/* A new instance of mod (takes over the caller's reference to mod). A
 * reactor's _initialize runs once here. WASI output is discarded. */
static int slot_new(cx_wasm_mount *m, cx_wasm_module *mod, uint64_t deadline, slot **out,
                    cx_wasm_trap *trap, char *err) {
    slot *s = calloc(1, sizeof *s);
    if (!s) {
        cx_wasm_cache_release(m->cache, mod);
        return CX_ENOMEM;
    }
    s->mod = mod;
    int rc = 0;
    if (wants_wasi(mod)) {
        cx_wasm_wasi_options wo = {.stdout_fd = -1, .stderr_fd = -1};
        s->im = cx_wasm_imports_new();
        s->wasi = s->im ? cx_wasm_wasi_new(&wo, s->im) : NULL;
        if (!s->wasi) rc = CX_ENOMEM;
    }
    /* the start function gets the request's fuel and what is left of its deadline */
    cx_wasm_limits lim = m->lim;
    lim.start_fuel = m->o.fuel;
    if (deadline) {
        uint64_t now = cx_wasm__now_ns();
        lim.start_timeout_ms = deadline > now ? (uint32_t)((deadline - now) / 1000000u) + 1 : 1;
    }
    if (!rc) rc = cx_wasm_instance_new(mod, s->im, &lim, &s->inst, trap, err);
    if (!rc) {
        atomic_fetch_add(&m->instances, 1);
        cx_wasm_func *init = cx_wasm_instance_func(s->inst, "_initialize");
        if (init && !cx_wasm_func_param_count(init) && !cx_wasm_func_result_count(init)) {
            cx_wasm_instance_set_fuel(s->inst, m->o.fuel);
            cx_wasm_instance_set_deadline(s->inst, deadline);
            rc = cx_wasm_call(s->inst, init, NULL, 0, NULL, 0, trap);
        }
    }
    if (rc) {
        slot_free(m, s);
        return rc;
    }
    *out = s;
    return 0;
}

/* A warm instance of mod from the idle list, dropping those of older code. */
static slot *slot_take(cx_wasm_mount *m, const cx_wasm_module *mod) {
    slot *stale = NULL, *found = NULL;
    pthread_mutex_lock(&m->mu);
    while (m->idle && !found) {
        slot *s = m->idle;
        m->idle = s->next;
        m->nidle--;
        if (s->mod == mod) {
            found = s;
        } else {
            s->next = stale;
            stale = s;
        }
    }
    pthread_mutex_unlock(&m->mu);
    while (stale) {
        slot *s = stale;
        stale = s->next;
        slot_free(m, s);
    }
    return found;
}

static void slot_put(cx_wasm_mount *m, slot *s) {
    pthread_mutex_lock(&m->mu);
    bool keep = m->nidle < m->o.max_idle;
    if (keep) {
        s->next = m->idle;
        m->idle = s;
        m->nidle++;
    }
    pthread_mutex_unlock(&m->mu);
    if (!keep) slot_free(m, s);
}

/* ---- one call: the job ------------------------------------------------------------- */

enum { FAIL_NONE, FAIL_LOAD, FAIL_INSTANTIATE, FAIL_CALL };

typedef struct call {
    cx_wasm_mount *m;
    uint8_t *req;
    size_t len;
    uint64_t deadline; /* ns, absolute; 0: none */
    int rc, where;
    cx_wasm_trap trap;
    uint8_t *resp;
    size_t resp_len;
    char err[CX_WASM_ERROR_MAX];
} call;

static void call_work(void *p) {
    call *c = p;
    cx_wasm_mount *m = c->m;
    cx_wasm_module *mod;
    c->rc = cx_wasm_cache_get(m->cache, m->path, &mod, c->err);
    if (c->rc) {
        c->where = FAIL_LOAD;
        return;
    }
    slot *s = m->o.reuse ? slot_take(m, mod) : NULL;
    if (s) {
        cx_wasm_cache_release(m->cache, mod); /* the slot holds its own */
    } else if ((c->rc = slot_new(m, mod, c->deadline, &s, &c->trap, c->err)) != 0) {
        c->where = FAIL_INSTANTIATE;
        return;
    }
    cx_wasm_instance_set_fuel(s->inst, m->o.fuel);
    cx_wasm_instance_set_deadline(s->inst, c->deadline);
    c->rc = cx_wasm_plugin_call(s->inst, c->req, c->len, &c->resp, &c->resp_len, &c->trap);
    if (c->rc) c->where = FAIL_CALL;
    /* A trapped instance may hold half-updated state: never reuse it. */
    if (m->o.reuse && c->rc == 0)
        slot_put(m, s);
    else
        slot_free(m, s);
}

static void call_free(void *p) {
    call *c = p;
    free(c->req);
    free(c->resp);
    free(c);
}

/* ---- the request side ------------------------------------------------------------------ */

/* "METHOD TARGET\n" ("Name: value\n")* "\n" body, or NULL: CX_ELIMIT when the
 * head passes max_head, CX_ENOMEM. */
static uint8_t *request_bytes(cx_wasm_mount *m, cx_req *req, cx_str body, size_t *len, int *rc) {
    cx_str method = cx_req_method_str(req), target = cx_req_target(req);
    size_t head = method.len + 1 + target.len + 2, nh = cx_req_header_count(req);
    for (size_t i = 0; i < nh; i++) {
        cx_str n, v;
        if (cx_req_header_at(req, i, &n, &v) == 0) head += n.len + 2 + v.len + 1;
    }
    if (head > m->o.max_head) {
        *rc = CX_ELIMIT;
        return NULL;
    }
    uint8_t *b = malloc(head + body.len);
    if (!b) {
        *rc = CX_ENOMEM;
        return NULL;
    }
    size_t p = 0;
#define PUT(s, n)                                                                                  \
    do {                                                                                           \
        memcpy(b + p, (s), (n));                                                                   \
        p += (n);                                                                                  \
    } while (0)
    PUT(method.ptr, method.len);
    PUT(" ", 1);
    PUT(target.ptr, target.len);
    PUT("\n", 1);
    for (size_t i = 0; i < nh; i++) {
        cx_str n, v;
        if (cx_req_header_at(req, i, &n, &v)) continue;
        PUT(n.ptr, n.len);
        PUT(": ", 2);
        PUT(v.ptr, v.len);
        PUT("\n", 1);
    }
    PUT("\n", 1);
    if (body.len) PUT(body.ptr, body.len);
#undef PUT
    *len = p;
    return b;
}

#define CTX_PREFIX "Cx-Ctx-"

/* A header of the plugin's answer: onto the response, except, in a
 * "continue" answer, "Cx-Ctx-<key>: value", which becomes a context value
 * for the rest of the chain (cx_ctx_get(ctx, "<key>"), a string). */
typedef struct apply {
    cx_ctx *ctx;
    bool to_ctx;
} apply;

static int add_header(void *arg, const char *name, size_t nlen, const char *value, size_t vlen) {
    apply *a = arg;
    size_t pl = sizeof CTX_PREFIX - 1;
    if (a->to_ctx && nlen > pl && cx_str_ieq((cx_str){name, pl}, CX_STR(CTX_PREFIX))) {
        cx_arena *ar = cx_ctx_arena(a->ctx);
        char *k = cx_arena_strndup(ar, name + pl, nlen - pl);
        char *v = cx_arena_strndup(ar, value, vlen);
        return k && v ? cx_ctx_set(a->ctx, k, v) : CX_ENOMEM;
    }
    return cx_res_header_n(cx_ctx_res(a->ctx), (cx_str){name, nlen}, (cx_str){value, vlen});
}

/* Which headers the server sets itself (cx_res_header refuses them). */
static int check_header(void *arg, const char *name, size_t nlen, const char *value, size_t vlen) {
    (void)arg, (void)value, (void)vlen;
    static const char *const own[] = {"content-length", "transfer-encoding", "connection", "date"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (cx_str_ieq((cx_str){name, nlen}, cx_str_from(own[i]))) return CX_EINVAL;
    return 0;
}

/* Turn a failed call into a problem response. */
static int failure(cx_ctx *ctx, const call *c) {
    char why[256];
    switch (c->where) {
    case FAIL_LOAD:
        snprintf(why, sizeof why, "plugin could not be loaded: %s",
                 c->rc == CX_ENOENT ? "file not found"
                 : c->err[0]        ? c->err
                                    : "error");
        return cx_problem(ctx, 500, why);
    case FAIL_INSTANTIATE:
        if (c->trap != CX_WASM_TRAP_NONE)
            snprintf(why, sizeof why, "plugin initialisation failed: %s",
                     cx_wasm_trap_message(c->trap));
        else
            snprintf(why, sizeof why, "plugin could not be instantiated: %s",
                     c->err[0]            ? c->err
                     : c->rc == CX_ENOMEM ? "out of memory"
                                          : "error");
        return cx_problem(ctx, 500, why);
    default:
        break;
    }
    if (c->trap == CX_WASM_TRAP_DEADLINE)
        return cx_problem(ctx, 504, "plugin exceeded its deadline");
    if (c->trap == CX_WASM_TRAP_FUEL) return cx_problem(ctx, 500, "plugin ran out of fuel");
    if (c->trap != CX_WASM_TRAP_NONE) {
        snprintf(why, sizeof why, "plugin trapped: %s", cx_wasm_trap_message(c->trap));
        return cx_problem(ctx, 500, why);
    }
    switch (c->rc) {
    case CX_ENOTFOUND:
        return cx_problem(ctx, 500,
                          "not a plugin: cx_plugin_alloc, cx_plugin_handle or memory "
                          "is not exported");
    case CX_ENOMEM:
        return cx_problem(ctx, 502, "plugin refused the request (cx_plugin_alloc returned 0)");
    default:
        return cx_problem(ctx, 502,
                          "plugin failed: bad signature, error result or response "
                          "outside its memory");
    }
}

/* Run the call on the pool (or inline) and answer. filter: middleware. */
static int serve(cx_ctx *ctx, bool filter) {
    cx_wasm_mount *m = cx_ctx_data(ctx);
    if (!m) return CX_EINVAL;
    atomic_fetch_add(&m->requests, 1);
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    cx_str body = {"", 0};
    if (!filter) {
        int64_t cl = cx_req_content_length(req);
        if (cl > 0 && (uint64_t)cl > m->o.max_body)
            return cx_problem(ctx, 413, "request body too large for the plugin");
        int rc = cx_req_body(req, &body);
        if (rc) return rc;
        if (body.len > m->o.max_body)
            return cx_problem(ctx, 413, "request body too large for the plugin");
    }
    call *c = calloc(1, sizeof *c);
    if (!c) return CX_ENOMEM;
    c->m = m;
    int rc = 0;
    c->req = request_bytes(m, req, body, &c->len, &rc);
    if (!c->req) {
        free(c);
        return rc == CX_ELIMIT ? cx_problem(ctx, 431, "request head too large for the plugin") : rc;
    }
    if (m->o.deadline_ms) c->deadline = cx_wasm__now_ns() + (uint64_t)m->o.deadline_ms * 1000000u;
    uint64_t cd = cx_wasm__coro_deadline_ns();
    if (cd && (!c->deadline || cd < c->deadline)) c->deadline = cd;
    bool handed = false;
    rc = m->o.inline_calls ? CX_ESTATE : cx_wasm__pooled(call_work, call_free, c, &handed);
    if (handed) return rc; /* gave up waiting: the job frees c */
    if (rc == CX_ESTATE) {
        call_work(c); /* no pool on this loop (or inline_calls): run here */
        rc = 0;
    }
    if (rc == CX_EBUSY) rc = cx_problem(ctx, 503, "plugin pool queue is full");
    if (rc) {
        call_free(c);
        return rc;
    }
    if (c->rc) {
        rc = failure(ctx, c);
        call_free(c);
        return rc;
    }
    int status = 0;
    size_t off = 0;
    const char *why = NULL;
    if (c->resp_len > m->o.max_response)
        why = "response too large";
    else if (cx_wasm_plugin_response_parse(c->resp, c->resp_len, check_header, NULL, &status, &off,
                                           &why) == CX_EINVAL)
        why = "it sets a header the server owns (Content-Length, Transfer-Encoding, Connection "
              "or Date)";
    else if (!why && status == 0 && !filter)
        why = "status 0 (continue) is for middleware";
    if (why) {
        char detail[256];
        snprintf(detail, sizeof detail, "plugin response is malformed: %s", why);
        call_free(c);
        return cx_problem(ctx, 502, detail);
    }
    apply ap = {ctx, status == 0};
    rc = cx_wasm_plugin_response_parse(c->resp, c->resp_len, add_header, &ap, &status, &off, NULL);
    if (!rc && status == 0) {
        call_free(c);
        return cx_next(ctx);
    }
    if (!rc) {
        cx_res_status(res, status);
        cx_buf *out = cx_res_body(res);
        cx_buf_reset(out);
        rc = cx_buf_append(out, c->resp + off, c->resp_len - off);
    }
    call_free(c);
    return rc;
}

int cx_wasm_mount_handle(cx_ctx *ctx) {
    return serve(ctx, false);
}

int cx_wasm_mount_filter(cx_ctx *ctx) {
    return serve(ctx, true);
}

int cx_wasm_mount_route(cx_router *r, int method, const char *pattern, cx_wasm_mount *m) {
    if (!m || method < 0 || method >= CX_METHOD_COUNT_) return CX_EINVAL;
    if (method == CX_METHOD_OTHER) return cx_router_any(r, pattern, cx_wasm_mount_handle, m);
    return cx_router_add(r, (cx_method)method, pattern, cx_wasm_mount_handle, m);
}

int cx_wasm_mount_use(cx_router *r, cx_wasm_mount *m) {
    if (!m) return CX_EINVAL;
    return cx_router_use(r, cx_wasm_mount_filter, m);
}
