/* HTTP/2 connections (private): see h2_conn.c. */
#ifndef CX_HTTP_H2_H
#define CX_HTTP_H2_H

#include "server.h"

#define CX_H2_PREFACE     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define CX_H2_PREFACE_LEN 24

/* An HTTP/1.1 request with "Upgrade: h2c": it becomes stream 1 (RFC 7540
 * section 3.2). Slices stay the caller's; cx_h2_start copies them. */
typedef struct cx_h2_upgrade {
    cx_str settings; /* HTTP2-Settings, base64url */
    cx_str method;
    cx_str target;
    const cx_h1_header *headers;
    unsigned num_headers;
} cx_h2_upgrade;

#endif
