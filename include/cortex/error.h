/* Errors.
 *
 * Every Cortex function that can fail returns an int: 0 (CX_OK) on success or
 * a negative CX_E* code, or it returns NULL and says in its comment which
 * code explains it. System errors are passed through as negative errno values
 * (CX_ENOMEM is -ENOMEM), so a failed syscall needs no translation table;
 * Cortex's own conditions live below CX_E_BASE, far from any errno.
 * cx_strerror() turns either kind into a message that never needs freeing.
 */
#ifndef CORTEX_ERROR_H
#define CORTEX_ERROR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_OK 0

/* System errors, as negative errno. */
#define CX_ENOMEM     (-ENOMEM)
#define CX_EINVAL     (-EINVAL)
#define CX_EAGAIN     (-EAGAIN)
#define CX_ETIMEDOUT  (-ETIMEDOUT)
#define CX_ECANCELED  (-ECANCELED)
#define CX_EPIPE      (-EPIPE)
#define CX_ECONNRESET (-ECONNRESET)
#define CX_ENOENT     (-ENOENT)
#define CX_EEXIST     (-EEXIST)
#define CX_ERANGE     (-ERANGE)
#define CX_EBUSY      (-EBUSY)
#define CX_EIO        (-EIO)

/* Cortex's own conditions. */
#define CX_E_BASE    (-10000)
#define CX_EPARSE    (CX_E_BASE - 1) /* malformed input */
#define CX_ELIMIT    (CX_E_BASE - 2) /* a configured limit was exceeded */
#define CX_ECLOSED   (CX_E_BASE - 3) /* the peer or the object is closed */
#define CX_EPROTO    (CX_E_BASE - 4) /* protocol violation by the peer */
#define CX_ECONFIG   (CX_E_BASE - 5) /* bad configuration */
#define CX_ENOTFOUND (CX_E_BASE - 6) /* no such route, key or entry */
#define CX_ESTATE    (CX_E_BASE - 7) /* call not valid in the object's state */
#define CX_EUTF8     (CX_E_BASE - 8) /* invalid UTF-8 */
#define CX_EDEPTH    (CX_E_BASE - 9) /* nesting too deep */
/* A TLS handshake or certificate verification failed (server or client side). */
#define CX_ETLS (CX_E_BASE - 10)

/* A static, human-readable message for any code (CX_E* or -errno). */
const char *cx_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
