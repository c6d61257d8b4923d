/* Internal to src/ipfs. */
#ifndef CX_IPFS_INT_H
#define CX_IPFS_INT_H

#include <cortex/ipfs.h>

/* Store a block whose CID the caller has just computed from these very
 * bytes (the importer), skipping the re-hash cx_blockstore_put does. */
int cx_ipfs_bs_put_trusted(cx_blockstore *bs, const cx_cid *cid, const void *data, size_t len);
/* Record a pin without walking the DAG (the importer just wrote it). */
int cx_ipfs_bs_pin_trusted(cx_blockstore *bs, const cx_cid *cid, cx_pin_type type);
/* A sink that stores into a blockstore (arg is the cx_blockstore). */
int cx_ipfs_bs_sink(void *arg, const cx_cid *cid, const uint8_t *data, size_t len);
/* The repository directory. */
const char *cx_ipfs_bs_root(const cx_blockstore *bs);
/* The blockstore's limit on one block. */
size_t cx_ipfs_bs_max_block(const cx_blockstore *bs);

/* A cx_block_get_fn over a blockstore (arg is the cx_blockstore). */
int cx_ipfs_bs_get_fn(void *arg, const cx_cid *cid, cx_buf *out);

#endif
