/* cx_strerror: one table for Cortex's own codes, strerror for the rest. */
#include <cortex/error.h>
#include <string.h>

static const char *const own_messages[] = {
    [1] = "malformed input",
    [2] = "limit exceeded",
    [3] = "closed",
    [4] = "protocol error",
    [5] = "bad configuration",
    [6] = "not found",
    [7] = "invalid in the current state",
    [8] = "invalid UTF-8",
    [9] = "nesting too deep",
    [10] = "TLS handshake or certificate verification failed",
};

const char *cx_strerror(int err) {
    if (err == CX_OK) return "success";
    if (err <= CX_E_BASE) {
        int i = CX_E_BASE - err;
        if (i > 0 && i < (int)(sizeof own_messages / sizeof *own_messages) && own_messages[i])
            return own_messages[i];
        return "unknown error";
    }
    if (err < 0) return strerror(-err); /* glibc's table is static and thread-safe */
    return "unknown error";
}
