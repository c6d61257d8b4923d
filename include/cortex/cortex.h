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
#include <cortex/tls.h>
#include <cortex/fetch.h>
#include <cortex/metrics.h>
#include <cortex/health.h>
#include <cortex/trace.h>
#include <cortex/graphql.h>
#include <cortex/wasm.h>
#include <cortex/web3.h>
#include <cortex/abi.h>
#include <cortex/rlp.h>
#include <cortex/ipfs.h>

#endif
