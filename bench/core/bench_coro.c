/* Context-switch and coroutine costs, printed in nanoseconds (no asserts).
 *
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Iinclude -Isrc bench/core/bench_coro.c \
 *      src/core/loop.c src/core/timer.c src/core/coro.c src/core/pool.c \
 *      src/core/error.c src/core/coro_switch.S -o /tmp/bench_coro -lpthread
 *   /tmp/bench_coro [iterations]
 *
 * What each line measures:
 *   raw switch (asm / ucontext)  one cx_ctx switch, half a ping-pong
 *   yield round trip             cx_coro_yield(): out to the loop, through the
 *                                deferred ring, back in (two switches + a
 *                                non-blocking epoll_wait per loop pass)
 *   suspend + wake               cx_coro_wake() from the loop side, resumed
 *                                from the deferred drain (two switches)
 *   start + finish (warm)        cx_coro_start() of a function that returns
 *                                at once, stack taken from the pool
 */
#include "core/coro_ctx.h"
#include "core/coro_int.h"
#include "core/loop_int.h"
#include <cortex/coro.h>
#include <cortex/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define STACK (64 * 1024)

#if CX_CTX_HAVE_ASM
static cx_actx a_main, a_co;
static void a_entry(void *arg) {
    for (;;) cx_actx_switch(&a_co, &a_main);
}

static double bench_raw_asm(long n) {
    char *stack = malloc(STACK);
    cx_actx_make(&a_co, stack, STACK, a_entry, NULL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) cx_actx_switch(&a_main, &a_co);
    double dt = now_ns() - t0;
    free(stack);
    return dt / (2.0 * (double)n);
}
#endif

static cx_uctx u_main, u_co;
static void u_entry(void *arg) {
    for (;;) cx_uctx_switch(&u_co, &u_main);
}

static double bench_raw_ucontext(long n) {
    char *stack = malloc(STACK);
    cx_uctx_make(&u_co, stack, STACK, u_entry, NULL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) cx_uctx_switch(&u_main, &u_co);
    double dt = now_ns() - t0;
    free(stack);
    return dt / (2.0 * (double)n);
}

static long yields_left;
static void yielder(void *arg) {
    while (yields_left-- > 0) cx_coro_yield();
    cx_loop_stop(arg);
}

static double bench_yield(cx_loop *loop, long n) {
    yields_left = n;
    double t0 = now_ns();
    cx_coro_start(loop, yielder, loop, NULL);
    cx_loop_run(loop);
    return (now_ns() - t0) / (double)n;
}

static long wakes_left;
static cx_coro *sleeper;
static void suspender(void *arg) {
    while (wakes_left > 0) cx_coro_suspend();
    cx_loop_stop(arg);
}

/* Deferred: wake the coroutine, then come back after it has run. */
static void waker(void *arg) {
    cx_loop *loop = arg;
    if (--wakes_left >= 0) {
        cx_coro_wake(sleeper, 0);
        cx_loop_defer(loop, waker, loop);
    }
}

static double bench_wake(cx_loop *loop, long n) {
    wakes_left = n;
    cx_coro_start(loop, suspender, loop, &sleeper);
    double t0 = now_ns();
    cx_loop_defer(loop, waker, loop);
    cx_loop_run(loop);
    return (now_ns() - t0) / (double)n;
}

static void nothing(void *arg) {}

static double bench_start(cx_loop *loop, long n) {
    cx_coro_start(loop, nothing, NULL, NULL); /* warm the pool */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) cx_coro_start(loop, nothing, NULL, NULL);
    return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    if (n <= 0) n = 2000000;
    cx_loop *loop;
    if (cx_loop_new(&loop, NULL)) return 1;
    printf("coroutine back-end: %s, %ld iterations\n", cx_coro__backend(), n);
#if CX_CTX_HAVE_ASM
    printf("raw switch, asm:        %7.1f ns\n", bench_raw_asm(n));
#endif
    printf("raw switch, ucontext:   %7.1f ns\n", bench_raw_ucontext(n / 4));
    printf("yield round trip:       %7.1f ns\n", bench_yield(loop, n / 4));
    printf("suspend + wake:         %7.1f ns\n", bench_wake(loop, n / 4));
    printf("start + finish (warm):  %7.1f ns\n", bench_start(loop, n));
    printf("stacks mapped:          %llu\n", (unsigned long long)cx_loop__coro_mmaps(loop));
    cx_loop_free(loop);
    return 0;
}
