/* Coroutines: stacks, the resume/suspend protocol, waits and deadlines.
 *
 * Who resumes whom: a coroutine is resumed either by cx_coro_start() (from
 * the loop's stack or from inside another coroutine) or by the loop's
 * deferred drain (wakes, yields). Every resume saves the resumer's context in
 * co->caller, and every suspend or finish switches back to exactly that
 * context, so a coroutine started from inside another returns to its starter
 * the first time and to the loop after any later wake.
 *
 * Layout: one mmap per coroutine — a PROT_NONE guard page at the low end,
 * the stack above it, and the struct cx_coro itself carved from the top.
 * The coroutine's entry function loops forever (run fn, report done, wait to
 * be reused), so a pooled coroutine is restarted by switching into it: no
 * mmap, no context set-up, no allocation.
 *
 * Releasing is done by the resumer, on its own stack, after the switch back:
 * a coroutine never unmaps the stack it runs on.
 */
#include "core/coro_ctx.h"
#include "core/coro_int.h"
#include "core/loop_int.h"
#include <cortex/error.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CX_ASAN 1
#endif
#endif
#ifdef CX_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CX_VALGRIND 1
#endif
#endif

enum co_state {
    CO_IDLE,      /* pooled */
    CO_RUNNING,   /* on the CPU, or resuming a coroutine it started */
    CO_SUSPENDED, /* waiting: a wake, its timer or a cancel ends it */
    CO_READY,     /* its resume is queued on the deferred ring */
    CO_DONE,      /* fn returned; the resumer releases it */
};

/* Tokens for the public suspend (any cx_coro_wake ends it). */
static const char SUSPEND_TOKEN = 0;

struct cx_coro {
    cx_ctx ctx;    /* the coroutine's own saved context */
    cx_ctx caller; /* whoever resumed it last */
    cx_loop *loop;
    cx_coro_fn fn;
    void *arg;
    void *data;
    uint64_t deadline;
    uint64_t sleep_until; /* valid while sleeping */
    bool sleeping;
    bool cancelled;
    enum co_state state;
    int result;
    const void *wait_token;
    cx_timer timer;
    cx_io io;
    cx_coro *next, *prev; /* live list, or idle list (next only) */
    void *map;
    size_t map_size;
    void *stack_lo;
    size_t stack_size;
#ifdef CX_VALGRIND
    unsigned vg_id;
#endif
#ifdef CX_ASAN
    void *asan_fake;
    const void *caller_bottom;
    size_t caller_size;
#endif
};

static _Thread_local cx_coro *tls_self;

const char *cx_coro__backend(void) {
    return CX_CTX_NAME;
}

void *cx_coro__stack_lo(const cx_coro *co) {
    return co->stack_lo;
}

/* ---- switching ------------------------------------------------------------------ */

/* From inside co, back to whoever resumed it. */
static void switch_out(cx_coro *co) {
#ifdef CX_ASAN
    __sanitizer_start_switch_fiber(&co->asan_fake, co->caller_bottom, co->caller_size);
#endif
    cx_ctx_switch(&co->ctx, &co->caller);
#ifdef CX_ASAN
    __sanitizer_finish_switch_fiber(co->asan_fake, &co->caller_bottom, &co->caller_size);
#endif
}

static void coro_main(void *p) {
    cx_coro *co = p;
#ifdef CX_ASAN
    __sanitizer_finish_switch_fiber(NULL, &co->caller_bottom, &co->caller_size);
#endif
    for (;;) {
        co->fn(co->arg);
        co->state = CO_DONE;
        switch_out(co); /* comes back here when reused */
    }
}

/* ---- stacks ---------------------------------------------------------------------- */

static size_t page_size(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static void coro_unmap(cx_coro *co) {
#ifdef CX_VALGRIND
    VALGRIND_STACK_DEREGISTER(co->vg_id);
#endif
#ifdef CX_ASAN
    /* Suspended frames leave poisoned redzones behind; a later mapping at
     * the same address must not inherit them. */
    ASAN_UNPOISON_MEMORY_REGION(co->stack_lo, co->stack_size);
#endif
    munmap(co->map, co->map_size);
}

static cx_coro *coro_new(cx_loop *loop) {
    size_t page = page_size();
    size_t total = page + loop->opts.coro_stack_size;
    void *map =
        mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) return NULL;
    if (mprotect(map, page, PROT_NONE) < 0) {
        munmap(map, total);
        return NULL;
    }
    loop->coro_mmaps++;
    uintptr_t top = (uintptr_t)map + total;
    cx_coro *co = (cx_coro *)((top - sizeof(cx_coro)) & ~(uintptr_t)63);
    memset(co, 0, sizeof *co);
    co->map = map;
    co->map_size = total;
    co->stack_lo = (char *)map + page;
    co->stack_size = ((uintptr_t)co - (uintptr_t)co->stack_lo) & ~(uintptr_t)15;
    co->loop = loop;
    co->io.fd = -1;
    co->io.data = co;
#ifdef CX_VALGRIND
    co->vg_id = VALGRIND_STACK_REGISTER(co->stack_lo, (char *)co->stack_lo + co->stack_size);
#endif
    if (cx_ctx_make(&co->ctx, co->stack_lo, co->stack_size, coro_main, co) < 0) {
        coro_unmap(co);
        return NULL;
    }
    return co;
}

static cx_coro *coro_take(cx_loop *loop) {
    cx_coro *co = loop->coro_idle;
    if (co) {
        loop->coro_idle = co->next;
        loop->coro_nidle--;
        return co;
    }
    return coro_new(loop);
}

static void live_link(cx_loop *loop, cx_coro *co) {
    co->prev = NULL;
    co->next = loop->coro_live;
    if (co->next) co->next->prev = co;
    loop->coro_live = co;
    loop->coro_nlive++;
}

static void live_unlink(cx_loop *loop, cx_coro *co) {
    if (co->prev)
        co->prev->next = co->next;
    else
        loop->coro_live = co->next;
    if (co->next) co->next->prev = co->prev;
    loop->coro_nlive--;
}

static void coro_release(cx_coro *co) {
    cx_loop *loop = co->loop;
    live_unlink(loop, co);
    cx_loop__release_coro(loop);
    co->state = CO_IDLE;
    co->fn = NULL;
    co->arg = co->data = NULL;
    if (loop->coro_nidle >= loop->opts.coro_pool_max) {
        coro_unmap(co);
        return;
    }
    co->next = loop->coro_idle;
    loop->coro_idle = co;
    loop->coro_nidle++;
}

void cx_coro__loop_free(cx_loop *loop) {
    while (loop->coro_idle) {
        cx_coro *co = loop->coro_idle;
        loop->coro_idle = co->next;
        coro_unmap(co);
    }
    while (loop->coro_live) {
        cx_coro *co = loop->coro_live;
        loop->coro_live = co->next;
        coro_unmap(co);
    }
    loop->coro_nidle = 0;
    loop->coro_nlive = 0;
}

/* ---- resuming -------------------------------------------------------------------- */

/* Run co until it waits or finishes; true if it finished (and is released). */
static bool coro_resume(cx_coro *co) {
    cx_coro *prev = tls_self;
    tls_self = co;
    co->state = CO_RUNNING;
#ifdef CX_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, co->stack_lo, co->stack_size);
#endif
    cx_ctx_switch(&co->caller, &co->ctx);
#ifdef CX_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    tls_self = prev;
    if (co->state != CO_DONE) return false;
    coro_release(co);
    return true;
}

static void on_timer(cx_timer *t);

static void resume_task(void *arg) {
    coro_resume(arg);
}

/* The first of wake, timer and cancel: queue the resume with its result. */
static void schedule(cx_coro *co, int result) {
    co->state = CO_READY;
    co->result = result;
    cx_timer_stop(co->loop, &co->timer);
    cx_loop__defer_coro(co->loop, resume_task, co);
}

int cx_coro_start(cx_loop *loop, cx_coro_fn fn, void *arg, cx_coro **out) {
    if (!loop || !fn) return CX_EINVAL;
    cx_loop *cur = cx_loop_current();
    if (cur && cur != loop) return CX_ESTATE;
    if (cx_loop__reserve_coro(loop)) return CX_ENOMEM;
    cx_coro *co = coro_take(loop);
    if (!co) {
        cx_loop__release_coro(loop);
        return CX_ENOMEM;
    }
    co->fn = fn;
    co->arg = arg;
    co->data = NULL;
    co->deadline = 0;
    co->sleeping = co->cancelled = false;
    co->result = 0;
    co->wait_token = NULL;
    cx_timer_init(&co->timer, on_timer, co);
    live_link(loop, co);
    if (out) *out = co;
    return coro_resume(co) ? 0 : 1;
}

/* ---- timers and waits ------------------------------------------------------------ */

/* Arm co's timer for whichever comes first: the end of its sleep or its
 * deadline. A sleep wins a tie. */
static int arm(cx_coro *co) {
    uint64_t target = co->sleeping ? co->sleep_until : 0;
    if (co->deadline && (!target || co->deadline < target)) target = co->deadline;
    if (!target) {
        cx_timer_stop(co->loop, &co->timer);
        return CX_OK;
    }
    uint64_t now = cx_loop_now(co->loop);
    return cx_timer_start(co->loop, &co->timer, target > now ? target - now : 0);
}

static void on_timer(cx_timer *t) {
    cx_coro *co = t->data;
    if (co->state != CO_SUSPENDED) return;
    uint64_t now = cx_loop_now(co->loop);
    bool slept = co->sleeping && co->sleep_until <= now;
    if (slept && (!co->deadline || co->sleep_until <= co->deadline))
        schedule(co, CX_OK);
    else if (co->deadline && co->deadline <= now)
        schedule(co, CX_ETIMEDOUT);
    else
        arm(co); /* the deadline moved while it slept */
}

static bool deadline_passed(const cx_coro *co) {
    if (!co->deadline || co->deadline > cx_loop_now(co->loop)) return false;
    return !(co->sleeping && co->sleep_until <= co->deadline);
}

static int coro_wait(cx_coro *co, const void *token) {
    if (co->cancelled) return CX_ECANCELED;
    if (deadline_passed(co)) return CX_ETIMEDOUT;
    int rc = arm(co);
    if (rc) return rc;
    co->wait_token = token;
    co->state = CO_SUSPENDED;
    switch_out(co);
    co->wait_token = NULL;
    cx_timer_stop(co->loop, &co->timer);
    return co->result;
}

int cx_coro__wait(cx_coro *co, const void *token) {
    if (!co || co != tls_self || !token) return CX_ESTATE;
    return coro_wait(co, token);
}

void cx_coro__wake(cx_coro *co, const void *token, int result) {
    if (co && token && co->state == CO_SUSPENDED && co->wait_token == token) schedule(co, result);
}

/* ---- the public waits ------------------------------------------------------------ */

cx_coro *cx_coro_self(void) {
    return tls_self;
}

cx_loop *cx_coro_loop(const cx_coro *co) {
    return co ? co->loop : NULL;
}

int cx_coro_suspend(void) {
    cx_coro *co = tls_self;
    if (!co) return CX_ESTATE;
    return coro_wait(co, &SUSPEND_TOKEN);
}

void cx_coro_wake(cx_coro *co, int result) {
    cx_coro__wake(co, &SUSPEND_TOKEN, result);
}

int cx_coro_yield(void) {
    cx_coro *co = tls_self;
    if (!co) return CX_ESTATE;
    co->state = CO_READY;
    co->result = CX_OK;
    cx_loop__defer_coro(co->loop, resume_task, co);
    switch_out(co);
    if (co->cancelled) return CX_ECANCELED;
    if (co->deadline && co->deadline <= cx_loop_now(co->loop)) return CX_ETIMEDOUT;
    return CX_OK;
}

int cx_sleep(uint64_t ms) {
    cx_coro *co = tls_self;
    if (!co) return CX_ESTATE;
    uint64_t now = cx_loop_now(co->loop);
    co->sleep_until = now + ms < now ? UINT64_MAX : now + ms;
    co->sleeping = true;
    int rc = coro_wait(co, &co->sleep_until);
    co->sleeping = false;
    return rc;
}

static void on_io(cx_io *io, unsigned events) {
    cx_coro__wake(io->data, io, (int)events);
}

int cx_coro_wait_io(int fd, unsigned events) {
    cx_coro *co = tls_self;
    if (!co) return CX_ESTATE;
    events &= CX_READABLE | CX_WRITABLE;
    if (fd < 0 || !events) return CX_EINVAL;
    if (co->cancelled) return CX_ECANCELED;
    if (deadline_passed(co)) return CX_ETIMEDOUT;
    int rc = cx_io_start(co->loop, &co->io, fd, events, on_io);
    if (rc) return rc;
    rc = coro_wait(co, &co->io);
    cx_io_stop(co->loop, &co->io);
    co->io.fd = -1;
    return rc;
}

/* ---- deadlines, cancellation, data ------------------------------------------------- */

uint64_t cx_coro_deadline(const cx_coro *co) {
    return co ? co->deadline : 0;
}

void cx_coro_set_deadline(cx_coro *co, uint64_t deadline_ms) {
    if (!co) return;
    co->deadline = deadline_ms;
    if (co->state == CO_SUSPENDED) arm(co); /* the timer re-checks when it fires */
}

uint64_t cx_deadline_push(uint64_t timeout_ms) {
    cx_coro *co = tls_self;
    if (!co) return 0;
    uint64_t prev = co->deadline;
    uint64_t now = cx_loop_now(co->loop);
    uint64_t d = now + timeout_ms < now ? UINT64_MAX : now + timeout_ms;
    if (!prev || d < prev) co->deadline = d;
    return prev;
}

void cx_deadline_pop(uint64_t previous) {
    cx_coro *co = tls_self;
    if (co) co->deadline = previous;
}

void cx_coro_cancel(cx_coro *co) {
    if (!co || co->state == CO_IDLE || co->state == CO_DONE) return;
    co->cancelled = true;
    if (co->state == CO_SUSPENDED) schedule(co, CX_ECANCELED);
}

bool cx_coro_cancelled(const cx_coro *co) {
    return co && co->cancelled;
}

void cx_coro_set_data(cx_coro *co, void *data) {
    if (co) co->data = data;
}

void *cx_coro_data(const cx_coro *co) {
    return co ? co->data : NULL;
}
