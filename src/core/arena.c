/* cx_arena: chained blocks, bump allocation, reset keeps the first block.
 *
 * Allocations larger than a quarter block get a block of their own so that a
 * single big string does not waste the tail of the current block. Reset also
 * keeps up to CX_ARENA_SPARE_BLOCKS standard blocks on a spare list: a
 * recycled arena whose requests need a few blocks each (a JSON body, a
 * GraphQL document) then reuses warm memory instead of calling malloc and
 * faulting fresh pages in every time. Spares do not count against the
 * limit; they are bounded by their number. */
#include <cortex/arena.h>
#include <cortex/error.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ALIGN 16

struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ALIGN) unsigned char mem[];
};

struct cx_arena {
    struct block *head;  /* current block, followed by older and big blocks */
    struct block *first; /* kept by reset */
    struct block *spare; /* standard blocks kept by reset for reuse */
    unsigned nspare;
    size_t block_size;
    size_t limit;
    size_t total; /* bytes of blocks held */
    size_t used;
};

static struct block *block_new(cx_arena *a, size_t size) {
    if (a->total + size > a->limit) return NULL;
    struct block *b;
    if (size == a->block_size && a->spare) {
        b = a->spare;
        a->spare = b->next;
        a->nspare--;
        b->used = 0;
        a->total += size;
        return b;
    }
    b = malloc(sizeof *b + size);
    if (!b) return NULL;
    b->size = size;
    b->used = 0;
    a->total += size;
    return b;
}

cx_arena *cx_arena_new(size_t block_size, size_t limit) {
    cx_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->block_size = block_size ? block_size : CX_ARENA_DEFAULT_BLOCK;
    a->limit = limit ? limit : CX_ARENA_DEFAULT_LIMIT;
    a->head = a->first = block_new(a, a->block_size);
    if (!a->head) {
        free(a);
        return NULL;
    }
    a->head->next = NULL;
    return a;
}

void cx_arena_reset(cx_arena *a) {
    for (struct block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (b == a->first) continue;
        a->total -= b->size;
        if (b->size == a->block_size && a->nspare < CX_ARENA_SPARE_BLOCKS) {
            b->next = a->spare;
            a->spare = b;
            a->nspare++;
        } else {
            free(b);
        }
    }
    a->first->next = NULL;
    a->first->used = 0;
    a->head = a->first;
    a->used = 0;
}

void cx_arena_free(cx_arena *a) {
    if (!a) return;
    cx_arena_reset(a);
    for (struct block *b = a->spare, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a->first);
    free(a);
}

void *cx_arena_alloc(cx_arena *a, size_t n) {
    if (n == 0) n = 1;
    if (n > SIZE_MAX - ALIGN) return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct block *b = a->head;
    if (b->size - b->used < need) {
        if (need > a->block_size / 4) {
            /* A big allocation: its own block, linked behind the current one
             * so the current block keeps serving small allocations. */
            struct block *big = block_new(a, need);
            if (!big) return NULL;
            big->used = need;
            big->next = b->next;
            b->next = big;
            a->used += need;
            return big->mem;
        }
        struct block *nb = block_new(a, a->block_size);
        if (!nb) return NULL;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->mem + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *cx_arena_calloc(cx_arena *a, size_t n) {
    void *p = cx_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *cx_arena_strndup(cx_arena *a, const char *s, size_t n) {
    char *p = cx_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cx_arena_strdup(cx_arena *a, const char *s) {
    return cx_arena_strndup(a, s, strlen(s));
}

char *cx_arena_printf(cx_arena *a, const char *fmt, ...) {
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *p = n < 0 ? NULL : cx_arena_alloc(a, (size_t)n + 1);
    if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t cx_arena_used(const cx_arena *a) {
    return a->used;
}
