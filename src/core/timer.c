/* Timers: a binary min-heap of pointers to the callers' cx_timer structs,
 * ordered by (when, seq). Each timer knows its heap slot, so restarting and
 * cancelling are O(log n) with no search. seq breaks ties in start order and
 * lets one run pass skip timers started during it. */
#include "core/loop_int.h"
#include <cortex/error.h>
#include <limits.h>
#include <stdlib.h>

#define HEAP_INITIAL 64

int cx_timer__heap_init(cx_loop *loop) {
    loop->heap = malloc(HEAP_INITIAL * sizeof *loop->heap);
    if (!loop->heap) return CX_ENOMEM;
    loop->capheap = HEAP_INITIAL;
    return CX_OK;
}

static bool earlier(const cx_timer *a, const cx_timer *b) {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(cx_loop *loop, size_t i, cx_timer *t) {
    loop->heap[i] = t;
    t->heap_index = i;
}

static void sift_up(cx_loop *loop, size_t i) {
    cx_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(t, loop->heap[parent])) break;
        place(loop, i, loop->heap[parent]);
        i = parent;
    }
    place(loop, i, t);
}

static void sift_down(cx_loop *loop, size_t i) {
    cx_timer *t = loop->heap[i];
    size_t n = loop->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && earlier(loop->heap[c + 1], loop->heap[c])) c++;
        if (!earlier(loop->heap[c], t)) break;
        place(loop, i, loop->heap[c]);
        i = c;
    }
    place(loop, i, t);
}

static void heap_fix(cx_loop *loop, size_t i) {
    if (i > 0 && earlier(loop->heap[i], loop->heap[(i - 1) / 2]))
        sift_up(loop, i);
    else
        sift_down(loop, i);
}

static void heap_remove(cx_loop *loop, cx_timer *t) {
    size_t i = t->heap_index;
    t->heap_index = SIZE_MAX;
    cx_timer *last = loop->heap[--loop->nheap];
    if (last == t) return;
    place(loop, i, last);
    heap_fix(loop, i);
}

void cx_timer_init(cx_timer *t, cx_timer_cb cb, void *data) {
    if (!t) return;
    t->when = 0;
    t->heap_index = SIZE_MAX;
    t->seq = 0;
    t->cb = cb;
    t->data = data;
}

int cx_timer_start(cx_loop *loop, cx_timer *t, uint64_t timeout_ms) {
    if (!loop || !t || !t->cb) return CX_EINVAL;
    uint64_t when = loop->now + timeout_ms;
    if (when < loop->now) when = UINT64_MAX;
    if (!cx_timer_active(t) && loop->nheap == loop->capheap) {
        if (loop->capheap > SIZE_MAX / 2 / sizeof *loop->heap) return CX_ENOMEM;
        cx_timer **h = realloc(loop->heap, 2 * loop->capheap * sizeof *h);
        if (!h) return CX_ENOMEM;
        loop->heap = h;
        loop->capheap *= 2;
    }
    t->when = when;
    t->seq = loop->timer_seq++;
    if (cx_timer_active(t)) {
        heap_fix(loop, t->heap_index);
        return CX_OK;
    }
    place(loop, loop->nheap++, t);
    sift_up(loop, t->heap_index);
    return CX_OK;
}

void cx_timer_stop(cx_loop *loop, cx_timer *t) {
    if (!loop || !t || !cx_timer_active(t)) return;
    heap_remove(loop, t);
}

/* Timers started by the callbacks of this pass have seq >= limit and wait
 * for the next iteration, however short their timeout. */
void cx_timer__run(cx_loop *loop) {
    uint64_t limit = loop->timer_seq;
    while (loop->nheap) {
        cx_timer *t = loop->heap[0];
        if (t->when > loop->now || t->seq >= limit) break;
        heap_remove(loop, t);
        t->cb(t);
    }
}

int cx_timer__timeout(const cx_loop *loop) {
    if (!loop->nheap) return -1;
    const cx_timer *t = loop->heap[0];
    if (t->when <= loop->now) return 0;
    uint64_t d = t->when - loop->now;
    return d > INT_MAX ? INT_MAX : (int)d;
}
