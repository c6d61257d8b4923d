/* Cortex: the whole public API in one include.
 *
 * Each module has its own header, usable alone; this one includes them all
 * in dependency order, for applications that would rather not choose. */
#ifndef CORTEX_H
#define CORTEX_H

#include <cortex/error.h>
#include <cortex/buf.h>
#include <cortex/arena.h>
#include <cortex/loop.h>
#include <cortex/coro.h>
#include <cortex/pool.h>
#include <cortex/log.h>
#include <cortex/http.h>
#include <cortex/config.h>
#include <cortex/router.h>
#include <cortex/static.h>
#include <cortex/json.h>

#endif
