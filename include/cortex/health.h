/* Health checks: liveness, readiness and startup, served as
 * application/health+json (draft-inadarei-api-health-check).
 *
 * A cx_health registry holds named checks. Each check is a function that may
 * wait (it runs in its own coroutine, on the loop of the request that found
 * its result stale) and has its own timeout: the coroutine's deadline, so a
 * check that waits too long gets CX_ETIMEDOUT from its wait and is reported
 * as failed. Results are cached for the check's interval. A request never
 * waits for a check longer than the registry's answer budget (5 ms by
 * default): a check still running after that is reported from its previous
 * result, or as failing with "pending" when it has none, or as failing with
 * "timed out" once it is past its timeout. So the endpoint answers quickly
 * whatever a check does — as long as the check waits through Cortex's
 * waiting APIs (cx_sleep, cx_coro_wait_io, cx_pool_run, ...) rather than
 * blocking its thread.
 *
 * Kinds: GET /health/live runs the liveness checks (is the process able to
 * make progress — restart it if not), /health/ready the readiness and
 * startup checks (should it get traffic), /health all of them. The answer is
 * 200 when the worst status is "pass" or "warn", 503 when it is "fail".
 *
 * The registry is shared by all workers (a mutex guards the check states;
 * it is not on any path but the health endpoints'). Free it only after the
 * server that serves it has stopped.
 */
#ifndef CORTEX_HEALTH_H
#define CORTEX_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_health cx_health;

typedef enum cx_health_status {
    CX_HEALTH_PASS = 0,
    CX_HEALTH_WARN,
    CX_HEALTH_FAIL
} cx_health_status;

/* Which endpoints a check belongs to (a bit set). */
enum { CX_HEALTH_LIVENESS = 1, CX_HEALTH_READINESS = 2, CX_HEALTH_STARTUP = 4 };

#define CX_HEALTH_MAX_CHECKS 32
#define CX_HEALTH_MAX_OUTPUT 256 /* bytes of a check's output text */
#define CX_HEALTH_MAX_NAME   64

/* What a check reports. The check fills it; status defaults to pass. */
typedef struct cx_health_result {
    cx_health_status status;
    char output[CX_HEALTH_MAX_OUTPUT]; /* "" for none; shown when not pass */
    bool has_value;
    double value;     /* observedValue */
    const char *unit; /* observedUnit, a static string or NULL */
} cx_health_result;

/* Return 0 (the result says how it went) or a negative CX_E* (reported as
 * fail, with the error's text as output; CX_ETIMEDOUT as "timed out"). */
typedef int (*cx_health_fn)(void *arg, cx_health_result *out);

typedef struct cx_health_check {
    const char *name;           /* "component:measurement", e.g. "memory:rss"; copied */
    const char *component_type; /* "system", "datastore", ...; NULL: none. Copied. */
    unsigned kinds;             /* CX_HEALTH_* bits */
    cx_health_fn fn;
    void *arg;
    uint32_t timeout_ms;  /* 0: the registry's (1 s) */
    uint32_t interval_ms; /* result reused this long; 0: the registry's (1 s) */
} cx_health_check;

typedef struct cx_health_options {
    uint32_t timeout_ms;  /* default per-check timeout, 1000 */
    uint32_t interval_ms; /* default cache time, 1000 */
    uint32_t budget_ms;   /* longest a request waits for running checks, 5 */
    const char *service;  /* "description" in the answer; NULL: "cortex". Copied. */
} cx_health_options;

void cx_health_options_default(cx_health_options *o);
/* 0, CX_EINVAL or CX_ENOMEM; free with cx_health_free(). */
int cx_health_new(cx_health **out, const cx_health_options *opts);
void cx_health_free(cx_health *h);
/* Add a check. 0, CX_EINVAL (no name or fn, no kind, name too long),
 * CX_EEXIST (name taken), CX_ELIMIT (more than CX_HEALTH_MAX_CHECKS). */
int cx_health_add(cx_health *h, const cx_health_check *c);

/* The startup check "startup" (kind STARTUP, added by cx_health_new) fails
 * until this is called with true. */
void cx_health_set_started(cx_health *h, bool started);

/* Built-in checks. Thresholds of 0 disable that level. */
typedef struct cx_health_builtin_options {
    uint64_t rss_warn_bytes, rss_fail_bytes;   /* "memory:rss", readiness; 0, 0 */
    const char *disk_path;                     /* "disk:free", readiness; "/" (copied) */
    uint64_t disk_warn_bytes, disk_fail_bytes; /* free space below: 1 GiB, 64 MiB */
    uint32_t lag_warn_ms, lag_fail_ms;         /* "eventloop:lag", liveness; 100, 1000 */
} cx_health_builtin_options;

void cx_health_builtin_options_default(cx_health_builtin_options *o);
/* Add "memory:rss", "uptime" (liveness), "eventloop:lag" and "disk:free". */
int cx_health_add_builtins(cx_health *h, const cx_health_builtin_options *o);

/* Evaluate the checks of `kinds` and write the health+json document to out;
 * *http_status is set to 200 or 503. Must run inside a coroutine (it starts
 * the stale checks in coroutines of its own and waits up to the budget).
 * 0, CX_ESTATE outside a coroutine, CX_ENOMEM. */
int cx_health_report(cx_health *h, unsigned kinds, cx_buf *out, int *http_status);

/* Handlers; data is the cx_health *. cx_health_handler answers for every
 * kind, the others for liveness and readiness+startup. */
int cx_health_handler(cx_ctx *ctx);
int cx_health_live_handler(cx_ctx *ctx);
int cx_health_ready_handler(cx_ctx *ctx);

/* "pass", "warn", "fail". */
const char *cx_health_status_name(cx_health_status s);

#ifdef __cplusplus
}
#endif
#endif
