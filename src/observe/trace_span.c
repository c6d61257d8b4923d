/* Spans and the tracer; the current span per coroutine.
 *
 * A span copies what it is given into an arena of its own, so freeing one is
 * one call however many attributes and events it has. The current span is
 * kept in a per-thread table keyed by the running coroutine: the coroutine
 * module stays unaware of tracing, and a coroutine's current span survives
 * its waits because the key is the coroutine itself. */
#include "trace_int.h"
#include "hooks.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SPAN_ARENA_BLOCK 1024
#define SPAN_ARENA_LIMIT (256u * 1024u)

uint64_t cx__trace_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cx__hex(const uint8_t *p, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- the tracing runtime: per-thread state ---------------------------------
 *
 * Everything mutable that is not in an object: each thread's id generator and
 * its table of current spans (freed by a thread-exit destructor). */
typedef struct active_slot {
    const void *key; /* the coroutine, or &tl_rng for the thread itself */
    cx_span *span;
} active_slot;

#define ACTIVE_CAP (2 * CX_TRACE_MAX_ACTIVE)

static struct {
    pthread_once_t once;
    pthread_key_t key;
} cx_trace_runtime = {.once = PTHREAD_ONCE_INIT};

static _Thread_local uint64_t tl_rng[2];
static _Thread_local active_slot *tl_active;
static _Thread_local size_t tl_nactive;

static void active_free(void *p) {
    active_slot *t = p;
    for (size_t i = 0; i < ACTIVE_CAP; i++)
        if (t[i].key) cx_span_unref(t[i].span);
    free(t);
    tl_active = NULL;
    tl_nactive = 0;
}

static void runtime_init(void) {
    pthread_key_create(&cx_trace_runtime.key, active_free);
}

static uint64_t rng_next(void) {
    if (!tl_rng[0] && !tl_rng[1]) {
        if (getrandom(tl_rng, sizeof tl_rng, 0) != sizeof tl_rng) {
            tl_rng[0] = (uint64_t)cx__trace_now_ns() ^ (uint64_t)(uintptr_t)&tl_rng;
            tl_rng[1] = 0x9e3779b97f4a7c15ull;
        }
        tl_rng[0] |= 1;
    }
    /* xorshift128+ */
    uint64_t s1 = tl_rng[0];
    const uint64_t s0 = tl_rng[1];
    tl_rng[0] = s0;
    s1 ^= s1 << 23;
    tl_rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return tl_rng[1] + s0;
}

static void random_id(uint8_t *p, size_t n) {
    do {
        for (size_t i = 0; i < n; i += 8) {
            uint64_t r = rng_next();
            memcpy(p + i, &r, n - i < 8 ? n - i : 8);
        }
        bool zero = true;
        for (size_t i = 0; i < n; i++) zero &= p[i] == 0;
        if (!zero) return;
    } while (1);
}

static const void *active_key(void) {
    cx_coro *co = cx_coro_self();
    return co ? (const void *)co : (const void *)&tl_rng;
}

static size_t slot_of(const void *key) {
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & (ACTIVE_CAP - 1);
}

static active_slot *active_find(const void *key) {
    if (!tl_active) return NULL;
    for (size_t i = slot_of(key);; i = (i + 1) & (ACTIVE_CAP - 1)) {
        if (!tl_active[i].key) return NULL;
        if (tl_active[i].key == key) return &tl_active[i];
    }
}

/* Remove slot i, shifting later members of its probe run back (no
 * tombstones, so lookups stay short). */
static void active_remove(size_t i) {
    tl_active[i].key = NULL;
    tl_active[i].span = NULL;
    tl_nactive--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & (ACTIVE_CAP - 1);
        if (!tl_active[j].key) return;
        size_t home = slot_of(tl_active[j].key);
        bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (between) continue;
        tl_active[i] = tl_active[j];
        tl_active[j].key = NULL;
        tl_active[j].span = NULL;
        i = j;
    }
}

void cx__trace_coro_done(void) {
    if (!tl_active) return; /* the usual case: no span was ever current here */
    active_slot *slot = active_find(active_key());
    if (!slot) return;
    cx_span *s = slot->span;
    active_remove((size_t)(slot - tl_active));
    if (s->scope_owned && !s->ended) {
        /* Its middleware never came back: end it with the reference the
         * middleware would have given back. */
        cx_span_set_status(s, CX_SPAN_ERROR, "the handler panicked");
        cx_span_end(s, 0);
    }
    cx_span_unref(s);
}

cx_span *cx_span_current(void) {
    active_slot *s = active_find(active_key());
    return s ? s->span : NULL;
}

cx_span *cx_span_activate(cx_span *s) {
    const void *key = active_key();
    active_slot *slot = active_find(key);
    cx_span *prev = slot ? slot->span : NULL;
    if (s && prev == s) return s; /* already current: nothing to undo */
    if (slot) {
        if (s)
            slot->span = cx_span_ref(s);
        else
            active_remove((size_t)(slot - tl_active));
        return prev; /* the table's reference moves to the caller */
    }
    if (!s) return NULL;
    if (!tl_active) {
        pthread_once(&cx_trace_runtime.once, runtime_init);
        tl_active = calloc(ACTIVE_CAP, sizeof *tl_active);
        if (!tl_active) return s;
        pthread_setspecific(cx_trace_runtime.key, tl_active);
    }
    if (tl_nactive >= CX_TRACE_MAX_ACTIVE) return s; /* full: not made current */
    size_t i = slot_of(key);
    while (tl_active[i].key) i = (i + 1) & (ACTIVE_CAP - 1);
    tl_active[i].key = key;
    tl_active[i].span = cx_span_ref(s);
    tl_nactive++;
    return NULL;
}

void cx_span_deactivate(cx_span *s, cx_span *previous) {
    if (s && previous == s) return; /* activation had failed */
    const void *key = active_key();
    active_slot *slot = active_find(key);
    if (!slot) {
        if (previous) cx_span_activate(previous), cx_span_unref(previous);
        return;
    }
    cx_span *cur = slot->span;
    if (previous)
        slot->span = previous; /* the caller's reference goes back to the table */
    else
        active_remove((size_t)(slot - tl_active));
    cx_span_unref(cur);
}

bool cx_trace_current_ids(char trace_hex[33], char span_hex[17]) {
    cx_span *s = cx_span_current();
    if (!s) return false;
    cx__hex(s->ctx.trace_id, 16, trace_hex);
    cx__hex(s->ctx.span_id, 8, span_hex);
    return true;
}

static _Thread_local char tl_log_ids[33 + 17];

size_t cx_trace_log_context(void *arg, cx_log_field *out, size_t cap) {
    (void)arg;
    if (cap < 2 || !cx_trace_current_ids(tl_log_ids, tl_log_ids + 33)) return 0;
    out[0] = CX_KV_STR("trace_id", tl_log_ids);
    out[1] = CX_KV_STR("span_id", tl_log_ids + 33);
    return 2;
}

/* ---- spans ----------------------------------------------------------------- */

bool cx_span_context_valid(const cx_span_context *sc) {
    if (!sc) return false;
    uint8_t t = 0, s = 0;
    for (int i = 0; i < 16; i++) t |= sc->trace_id[i];
    for (int i = 0; i < 8; i++) s |= sc->span_id[i];
    return t && s;
}

cx_span *cx_span_ref(cx_span *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void cx_span_unref(cx_span *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    cx_arena_free(s->arena);
    free(s);
}

static const char *copy_str(cx_span *s, cx_str v, size_t max) {
    size_t n = v.len > max ? max : v.len;
    /* Do not cut a UTF-8 sequence in half. */
    while (n < v.len && n > 0 && ((unsigned char)v.ptr[n] & 0xC0) == 0x80) n--;
    return cx_arena_strndup(s->arena, v.ptr ? v.ptr : "", n);
}

static bool copy_attr(cx_span *s, cx_attr *dst, const cx_attr *a) {
    if (!a->key || !*a->key) return false;
    *dst = *a;
    dst->key = cx_arena_strdup(s->arena, a->key);
    if (!dst->key) return false;
    if (a->type == CX_ATTR_STR) {
        const char *p = copy_str(s, a->v.s, s->tracer->limits.max_value_len);
        if (!p) return false;
        dst->v.s = cx_str_from(p);
    }
    return true;
}

void cx_span_set_attr(cx_span *s, cx_attr a) {
    if (!s || !s->recording || s->ended) return;
    for (size_t i = 0; i < s->nattrs; i++)
        if (a.key && strcmp(s->attrs[i].key, a.key) == 0) {
            cx_attr tmp;
            if (copy_attr(s, &tmp, &a)) s->attrs[i] = tmp;
            return;
        }
    if (s->nattrs >= s->tracer->limits.max_attributes) {
        s->dropped_attrs++;
        return;
    }
    if (!s->attrs &&
        !(s->attrs = cx_arena_alloc(s->arena, sizeof(cx_attr) * s->tracer->limits.max_attributes)))
        return;
    if (copy_attr(s, &s->attrs[s->nattrs], &a))
        s->nattrs++;
    else
        s->dropped_attrs++;
}

void cx_span_add_event(cx_span *s, const char *name, const cx_attr *attrs, size_t n) {
    if (!s || !s->recording || s->ended) return;
    const cx_span_limits *l = &s->tracer->limits;
    if (s->nevents >= l->max_events) {
        s->dropped_events++;
        return;
    }
    if (!s->events &&
        !(s->events = cx_arena_alloc(s->arena, sizeof(cx_span_event_view) * l->max_events)))
        return;
    cx_span_event_view *e = &s->events[s->nevents];
    e->name = cx_arena_strdup(s->arena, name ? name : "");
    e->time_ns = cx__trace_now_ns();
    e->nattrs = 0;
    size_t keep = n > l->max_event_attributes ? l->max_event_attributes : n;
    cx_attr *ea = keep ? cx_arena_alloc(s->arena, sizeof(cx_attr) * keep) : NULL;
    e->attrs = ea;
    if (!e->name || (keep && !ea)) return;
    for (size_t i = 0; i < keep; i++)
        if (copy_attr(s, &ea[e->nattrs], &attrs[i])) e->nattrs++;
    s->nevents++;
}

void cx_span_add_link(cx_span *s, const cx_span_context *sc) {
    if (!s || !s->recording || s->ended || !cx_span_context_valid(sc)) return;
    const cx_span_limits *l = &s->tracer->limits;
    if (s->nlinks >= l->max_links) {
        s->dropped_links++;
        return;
    }
    if (!s->links && !(s->links = cx_arena_alloc(s->arena, sizeof(cx_span_context) * l->max_links)))
        return;
    s->links[s->nlinks++] = *sc;
}

void cx_span_set_status(cx_span *s, cx_span_status_code code, const char *description) {
    if (!s || !s->recording || s->ended) return;
    /* OK is final; UNSET never overrides. */
    if (s->status == CX_SPAN_OK || code == CX_SPAN_UNSET) return;
    s->status = code;
    s->status_description = "";
    if (code == CX_SPAN_ERROR && description)
        s->status_description =
            copy_str(s, cx_str_from(description), s->tracer->limits.max_value_len);
    if (!s->status_description) s->status_description = "";
}

void cx_span_set_name(cx_span *s, const char *name) {
    if (!s || !s->recording || s->ended || !name) return;
    const char *p = cx_arena_strdup(s->arena, name);
    if (p) s->name = p;
}

const cx_span_context *cx_span_context_of(const cx_span *s) {
    return s ? &s->ctx : NULL;
}

bool cx_span_recording(const cx_span *s) {
    return s && s->recording && !s->ended;
}

void cx_span_view_of(const cx_span *s, cx_span_view *v) {
    memset(v, 0, sizeof *v);
    if (!s) return;
    v->name = s->name ? s->name : "";
    v->kind = s->kind;
    v->ctx = s->ctx;
    memcpy(v->parent_span_id, s->parent_span_id, 8);
    v->start_ns = s->start_ns;
    v->end_ns = s->end_ns;
    v->attrs = s->attrs;
    v->nattrs = s->nattrs;
    v->events = s->events;
    v->nevents = s->nevents;
    v->links = s->links;
    v->nlinks = s->nlinks;
    v->status = s->status;
    v->status_description = s->status_description ? s->status_description : "";
    v->dropped_attrs = s->dropped_attrs;
    v->dropped_events = s->dropped_events;
    v->dropped_links = s->dropped_links;
}

cx_span *cx_tracer_start(cx_tracer *t, const char *name, const cx_span_start *opts) {
    if (!t) return NULL;
    cx_span_start d = {0};
    if (!opts) opts = &d;
    cx_span *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->tracer = t;
    s->kind = opts->kind;
    atomic_fetch_add_explicit(&t->started, 1, memory_order_relaxed);

    const cx_span_context *parent = opts->parent;
    if (!parent && !opts->root) {
        cx_span *cur = cx_span_current();
        if (cur) parent = &cur->ctx;
    }
    if (parent && !cx_span_context_valid(parent)) parent = NULL;
    if (parent) {
        memcpy(s->ctx.trace_id, parent->trace_id, 16);
        memcpy(s->parent_span_id, parent->span_id, 8);
        /* Only the used part: the buffer is 513 bytes, a tracestate is
         * usually empty or short. */
        size_t n = strnlen(parent->tracestate, CX_TRACESTATE_MAX);
        memcpy(s->ctx.tracestate, parent->tracestate, n);
        s->ctx.tracestate[n] = '\0';
    } else {
        random_id(s->ctx.trace_id, 16);
    }
    random_id(s->ctx.span_id, 8);
    cx_sampling_decision dec =
        cx_sampler_decide(t->sampler, parent, s->ctx.trace_id, name, opts->kind);
    s->ctx.flags = dec == CX_SAMPLE_RECORD_SAMPLE ? CX_TRACE_FLAG_SAMPLED : 0;
    if (dec == CX_SAMPLE_DROP) return s; /* carries the context, records nothing */
    s->arena = cx_arena_new(SPAN_ARENA_BLOCK, SPAN_ARENA_LIMIT);
    if (!s->arena) return s;
    s->recording = true;
    if (dec == CX_SAMPLE_RECORD_SAMPLE)
        atomic_fetch_add_explicit(&t->sampled, 1, memory_order_relaxed);
    s->name = cx_arena_strdup(s->arena, name ? name : "");
    s->start_ns = opts->start_ns ? opts->start_ns : cx__trace_now_ns();
    s->status_description = "";
    for (size_t i = 0; i < opts->nattrs; i++) cx_span_set_attr(s, opts->attrs[i]);
    for (size_t i = 0; i < opts->nlinks; i++) cx_span_add_link(s, &opts->links[i]);
    return s;
}

void cx_span_end(cx_span *s, uint64_t end_ns) {
    if (!s) return;
    if (s->ended) {
        cx_span_unref(s);
        return;
    }
    s->ended = true;
    s->end_ns = end_ns ? end_ns : cx__trace_now_ns();
    cx_tracer *t = s->tracer;
    if (s->recording && (s->ctx.flags & CX_TRACE_FLAG_SAMPLED) && t->batch) {
        if (!cx__batch_push(t->batch, cx_span_ref(s))) {
            atomic_fetch_add_explicit(&t->dropped, 1, memory_order_relaxed);
            cx_span_unref(s);
        }
    }
    cx_span_unref(s);
}

/* ---- the tracer ------------------------------------------------------------ */

void cx_tracer_options_default(cx_tracer_options *o) {
    memset(o, 0, sizeof *o);
    o->service = "cortex";
    cx_batch_options_default(&o->batch);
    o->limits.max_attributes = 32;
    o->limits.max_events = 32;
    o->limits.max_links = 16;
    o->limits.max_event_attributes = 8;
    o->limits.max_value_len = 256;
}

int cx_tracer_new(cx_tracer **out, const cx_tracer_options *o) {
    cx_tracer_options d;
    if (!o) {
        cx_tracer_options_default(&d);
        o = &d;
    }
    int rc = 0;
    cx_tracer *t = NULL;
    cx_sampler *sampler = o->sampler;
    if (!out || o->limits.max_attributes > 1024 || o->limits.max_events > 1024 ||
        o->limits.max_links > 1024 || o->limits.max_event_attributes > 128) {
        rc = CX_EINVAL;
        goto fail;
    }
    if (!sampler) {
        cx_sampler *on;
        if ((rc = cx_sampler_always_on(&on)) || (rc = cx_sampler_parent_based(&sampler, on)))
            goto fail;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->service = strdup(o->service ? o->service : "cortex"))) {
        rc = CX_ENOMEM;
        goto fail;
    }
    t->sampler = sampler;
    t->limits = o->limits;
    if (o->exporter.export_spans) {
        rc = cx__batch_new(&t->batch, &o->batch, o->exporter, t);
        if (rc) {
            cx_sampler_free(sampler);
            free(t->service);
            free(t);
            return rc; /* the batch released the exporter */
        }
    }
    *out = t;
    return 0;
fail:
    cx_sampler_free(sampler);
    if (o->exporter.shutdown) o->exporter.shutdown(o->exporter.self);
    if (t) free(t->service);
    free(t);
    return rc;
}

void cx_tracer_free(cx_tracer *t) {
    if (!t) return;
    cx__batch_free(t->batch);
    cx_sampler_free(t->sampler);
    free(t->service);
    free(t);
}

int cx_tracer_flush(cx_tracer *t, uint32_t timeout_ms) {
    if (!t) return CX_EINVAL;
    return t->batch ? cx__batch_flush(t->batch, timeout_ms) : 0;
}

void cx_tracer_stats_get(const cx_tracer *t, cx_tracer_stats *out) {
    memset(out, 0, sizeof *out);
    if (!t) return;
    out->started = atomic_load(&t->started);
    out->sampled = atomic_load(&t->sampled);
    out->exported = atomic_load(&t->exported);
    out->dropped = atomic_load(&t->dropped);
    out->export_errors = atomic_load(&t->export_errors);
}
