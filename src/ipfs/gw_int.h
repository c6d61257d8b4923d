/* Internal to the gateway and RPC handlers. */
#ifndef CX_IPFS_GW_INT_H
#define CX_IPFS_GW_INT_H

#include "ipfs_int.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/router.h>

struct cx_ipfs_gateway {
    cx_blockstore *bs;
    size_t max_upload;
};

int cx_ipfs_gw_handle(cx_ctx *ctx);
int cx_ipfs_rpc_register(cx_ipfs_gateway *g, cx_router *r);
/* A Content-Type guessed from a file's first bytes. A static string. */
const char *cx_ipfs_sniff(const uint8_t *p, size_t n);

/* multipart/form-data (RFC 7578), read from the request body as it
 * arrives: memory is one 64 KiB window whatever the upload size. */
typedef struct cx_mpart {
    cx_str name, filename, content_type; /* valid until the next part */
    cx_str data;
} cx_mpart;
/* The boundary parameter of a Content-Type value; 0 or CX_EPARSE. */
int cx_ipfs_mp_boundary(cx_str ctype, cx_str *boundary);
/* Parse a part's header block (without the final CRLFCRLF). */
void cx_ipfs_mp_headers(cx_str headers, cx_mpart *part);

typedef struct cx_mp_reader {
    cx_req *req;
    char delim[260]; /* CRLF "--" boundary */
    size_t dl;
    char *buf; /* window of the body: buf[off..len) unread */
    size_t len, off;
    uint64_t total, limit; /* body bytes read so far; most allowed (0: none) */
    int state;
    char filename[256], ctype[128];
} cx_mp_reader;
/* Start reading req's body, at most limit bytes of it (0: no limit of
 * its own; the server's body limit still applies). 0, CX_EPARSE (boundary
 * too long), CX_ENOMEM; reads past the limit fail with CX_ELIMIT. */
int cx_ipfs_mp_open(cx_mp_reader *r, cx_req *req, cx_str boundary, uint64_t limit);
/* The next part's headers: 1, 0 after the closing delimiter, or an error
 * (CX_EPARSE malformed or cut short, CX_ELIMIT headers over 64 KiB, or the
 * body read's error). Unread data of the previous part is skipped. */
int cx_ipfs_mp_next_part(cx_mp_reader *r, cx_mpart *part);
/* The next piece of the current part's data: 1 with *p, *n set (valid
 * until the next call), 0 at the part's end, or an error. */
int cx_ipfs_mp_read(cx_mp_reader *r, const char **p, size_t *n);
void cx_ipfs_mp_close(cx_mp_reader *r);

#endif
