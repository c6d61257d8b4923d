/* Private to the health module. */
#ifndef CX_OBSERVE_HEALTH_INT_H
#define CX_OBSERVE_HEALTH_INT_H

#include <cortex/health.h>

/* Hand the registry a malloc'ed block to free with it (the state of built-in
 * checks). 0 or CX_ELIMIT. */
int cx__health_own(cx_health *h, void *p);

#endif
