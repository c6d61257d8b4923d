/* The router's radix tree (private).
 *
 * Nodes are static text (compressed: one node per run of bytes shared by
 * the patterns below it), a ":param" (one non-empty segment) or a "*wild"
 * (the rest). A node may end routes: its leaf holds one route per method
 * plus one for "any". The tree only points at routes; the router owns them.
 * Insertion validates nothing about the pattern's syntax (cx_radix_check
 * does that first) but detects conflicts. Lookups never allocate and keep
 * their backtracking stack in a fixed array bounded by
 * CX_ROUTER_MAX_SEGMENTS.
 */
#ifndef CX_HTTP_RADIX_H
#define CX_HTTP_RADIX_H

#include <cortex/router.h>
#include "ctx.h"

_Static_assert(CX_ROUTER_MAX_PARAMS == CX_MAX_PARAMS, "router.h and ctx.h disagree");
_Static_assert(CX_METHOD_COUNT_ <= 32, "the allowed mask is 32 bits");

/* Slot in a leaf for cx_router_any() routes. */
#define CX_RADIX_ANY CX_METHOD_OTHER

/* A registered route. */
typedef struct cx_rroute {
    int slot;   /* cx_method, or CX_RADIX_ANY */
    char *rel;  /* the pattern as registered, relative to its router */
    char *full; /* with every prefix; NUL-terminated */
    size_t full_len;
    cx_str names[CX_MAX_PARAMS]; /* slices of full, in order */
    unsigned nparams;
    cx_handler_fn fn;
    void *data;
    cx_mw *chain; /* laid out when the router freezes */
    unsigned chain_len;
} cx_rroute;

typedef struct cx_rnode cx_rnode;

/* An empty tree; NULL when out of memory. */
cx_rnode *cx_radix_new(void);
void cx_radix_free(cx_rnode *root);

/* Validate a full pattern and collect its parameter names (slices of p):
 * 0, CX_EINVAL (malformed) or CX_ELIMIT (too long, too many parameters or
 * segments). */
int cx_radix_check(const char *p, size_t len, cx_str *names, unsigned *nparams);

/* Add rt under the (checked) pattern p. 0, CX_EEXIST, CX_EINVAL (a
 * parameter or wildcard named differently at the same position) or
 * CX_ENOMEM; after an error the tree matches exactly what it matched
 * before. */
int cx_radix_insert(cx_rnode *root, const char *p, size_t len, cx_rroute *rt);
/* Undo cx_radix_insert(root, p, len, rt). */
void cx_radix_remove(cx_rnode *root, const char *p, size_t len, const cx_rroute *rt);

/* The best route for method m and path, or NULL. Parameter values (slices
 * of path, in pattern order) go to values[CX_MAX_PARAMS]. */
const cx_rroute *cx_radix_find(const cx_rnode *root, cx_method m, cx_str path, cx_str *values,
                               unsigned *nvalues);
/* The union of the allowed masks of every leaf that matches path. */
uint32_t cx_radix_allowed(const cx_rnode *root, cx_str path);

/* The bit for method m in an allowed mask. */
#define CX_RADIX_BIT(m) (1u << (unsigned)(m))

#endif
