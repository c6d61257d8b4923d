/* Static files: serving a directory tree over HTTP.
 *
 * A cx_static is a directory opened once (a file descriptor kept for the
 * life of the object) plus the settings for serving it. It is read-only
 * after cx_static_new(), so one object may be shared by every worker thread.
 * cx_static_handler() is an ordinary handler: register it with the
 * cx_static as its data, either on a route whose pattern ends with the
 * wildcard "*path" (its value names the file), or as the server's root
 * handler, in which case the whole request path names the file.
 *
 * Every lookup is resolved by the kernel relative to the directory's
 * descriptor and may not leave it: with openat2(RESOLVE_BENEATH) on Linux
 * 5.6 and later, or, where that system call is missing or filtered, by
 * walking the path one component at a time without following any symbolic
 * link. "..", NUL bytes, hidden names (a leading '.') unless allowed,
 * names that escape through a symbolic link, files that are neither regular
 * files nor directories, and files that cannot be opened all answer the
 * same 404, so a client learns nothing about what lies outside the tree.
 *
 * Responses carry Content-Type (from the file name), Last-Modified, an ETag,
 * Accept-Ranges and optionally Cache-Control; conditional requests
 * (If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since,
 * If-Range) and single byte ranges are honoured. Bodies go out with
 * cx_res_sendfile(), so the bytes never pass through user space on
 * HTTP/1.1. docs/static.md has the details.
 */
#ifndef CORTEX_STATIC_H
#define CORTEX_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_static cx_static;

/* Which entity tag to send. Strong tags allow If-Range and If-Match to
 * succeed; weak ones only serve If-None-Match revalidation. */
typedef enum cx_static_etag {
    CX_STATIC_ETAG_STRONG = 0,
    CX_STATIC_ETAG_WEAK,
    CX_STATIC_ETAG_OFF,
} cx_static_etag;

/* A Content-Type for a file name (the last path component, e.g.
 * "app.js"), or NULL to use the built-in table. The returned string must
 * stay valid until the handler returns (a literal, usually); it is copied
 * into the response. */
typedef const char *(*cx_static_mime_fn)(cx_str name, void *arg);

/* The default path limit: decoded request paths longer than this get 414. */
#define CX_STATIC_DEFAULT_MAX_PATH 4096

typedef struct cx_static_options {
    const char *root;       /* the directory to serve; required */
    const char *index;      /* file served for a directory, "index.html";
                               NULL: the default; "": directories are 404 */
    uint32_t max_age;       /* Cache-Control: max-age in seconds; 0 omits it */
    cx_static_etag etag;    /* CX_STATIC_ETAG_STRONG */
    bool hidden;            /* serve names beginning with '.'; false: 404 */
    size_t max_path;        /* bytes of decoded path; 0: CX_STATIC_DEFAULT_MAX_PATH */
    const char *param;      /* the route wildcard holding the path, "path" */
    cx_static_mime_fn mime; /* consulted before the built-in table */
    void *mime_arg;         /* passed to mime */
    bool no_openat2;        /* always use the component walk (see above) */
} cx_static_options;

/* The defaults above, root NULL. A zeroed struct means the same. */
void cx_static_options_default(cx_static_options *o);

/* Open opts->root and copy the options. 0 and *out set (free with
 * cx_static_free), or: CX_EINVAL (no options, no root), CX_ECONFIG (an index
 * name that is not a plain file name), -errno from opening the root
 * (CX_ENOENT when missing, -ENOTDIR when not a directory), CX_ENOMEM. *out
 * is NULL on failure. The options' strings need not outlive the call. */
int cx_static_new(cx_static **out, const cx_static_options *opts);

/* The handler; cx_ctx_data(ctx) must be the cx_static. GET and HEAD only
 * (anything else: 405 with Allow). Answers 200, 206, 301 (a directory named
 * without its trailing slash), 304, 400 (a path with a bad escape), 404,
 * 405, 412, 414 or 416; returns a negative CX_E* code (the server then
 * answers 500) for system failures such as running out of descriptors. */
int cx_static_handler(cx_ctx *ctx);

/* Close the directory and free the object; NULL is ignored. No handler may
 * be running with it. */
void cx_static_free(cx_static *st);

/* The built-in Content-Type for a file name, by its extension (case
 * insensitive): text types carry "; charset=utf-8"; unknown or missing
 * extensions give "application/octet-stream". A static string. */
const char *cx_static_mime_type(cx_str name);

#ifdef __cplusplus
}
#endif
#endif
