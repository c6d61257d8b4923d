/* Arenas: bump allocation for memory that dies all at once.
 *
 * Each request gets an arena; anything whose life is the request (decoded
 * strings, the JSON DOM, route parameters, header copies) is allocated from
 * it and freed in one step when the request ends. An arena grows by chained
 * blocks; cx_arena_reset() keeps the first block (and a few spares) so that
 * a recycled arena serves the next request without touching malloc. Not thread-safe: an arena
 * belongs to one coroutine or thread at a time. A total-size limit guards
 * against a request that would otherwise eat the machine.
 */
#ifndef CORTEX_ARENA_H
#define CORTEX_ARENA_H

#include <stddef.h>
#include <cortex/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_arena cx_arena;

#define CX_ARENA_DEFAULT_BLOCK (8 * 1024)
#define CX_ARENA_DEFAULT_LIMIT (64u * 1024 * 1024)
/* Standard blocks a reset keeps for reuse besides the first (see arena.c). */
#define CX_ARENA_SPARE_BLOCKS 4

/* A new arena whose blocks are at least block_size bytes (0: the default)
 * and whose total may not exceed limit bytes (0: the default). NULL when out
 * of memory. Free with cx_arena_free(). */
cx_arena *cx_arena_new(size_t block_size, size_t limit);
void cx_arena_free(cx_arena *a);
/* Free everything allocated so far; keep the first block. */
void cx_arena_reset(cx_arena *a);

/* n bytes aligned for any type; NULL when out of memory or over the limit.
 * The memory lives until the arena is reset or freed. */
void *cx_arena_alloc(cx_arena *a, size_t n);
void *cx_arena_calloc(cx_arena *a, size_t n);
/* NUL-terminated copies. */
char *cx_arena_strndup(cx_arena *a, const char *s, size_t n);
char *cx_arena_strdup(cx_arena *a, const char *s);
char *cx_arena_printf(cx_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for limits and tests). */
size_t cx_arena_used(const cx_arena *a);

#ifdef __cplusplus
}
#endif
#endif
