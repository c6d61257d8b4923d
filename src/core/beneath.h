/* Opening files beneath a directory, so that no string handling decides
 * what is inside it. The directory is held open (O_PATH) and every name is
 * resolved by the kernel relative to it: openat2() with RESOLVE_BENEATH
 * where the kernel has it and a sandbox lets it through (symbolic links
 * that stay inside the tree are followed, none that lead out, no /proc
 * magic links), else a walk one component at a time that follows no
 * symbolic link at all. Callers still refuse ".." and NUL textually first;
 * this is the part that holds when a link is planted inside the tree.
 * Used by the static file handler and the WASI preopened directory. */
#ifndef CX_CORE_BENEATH_H
#define CX_CORE_BENEATH_H

#include <stdbool.h>

typedef struct cx_beneath {
    int root;  /* O_PATH descriptor of the directory; -1 when not open */
    bool walk; /* resolve by component walk: openat2 missing or refused */
} cx_beneath;

/* Open the directory at path. no_openat2 forces the component walk.
 * 0, or a negative errno (b->root is then -1). */
int cx__beneath_open_root(cx_beneath *b, const char *path, bool no_openat2);
void cx__beneath_close(cx_beneath *b);

/* Open rel (no leading slash; "" is the directory itself) with flags
 * (O_NOFOLLOW is added in walk mode). rel is modified and restored.
 * 0 with *out set, or a negative errno: ELOOP/ENOTDIR/EXDEV when a link
 * or the tree's edge is in the way. */
int cx__beneath_open(const cx_beneath *b, char *rel, int flags, int *out);

#endif
