/* Method names and reason phrases (RFC 9110 9 and 15, plus the other codes
 * in the IANA HTTP Status Code Registry). */
#include <cortex/http.h>

static const char *const method_names[CX_METHOD_COUNT_] = {
    [CX_METHOD_OTHER] = NULL,        [CX_METHOD_GET] = "GET",         [CX_METHOD_HEAD] = "HEAD",
    [CX_METHOD_POST] = "POST",       [CX_METHOD_PUT] = "PUT",         [CX_METHOD_DELETE] = "DELETE",
    [CX_METHOD_PATCH] = "PATCH",     [CX_METHOD_OPTIONS] = "OPTIONS", [CX_METHOD_TRACE] = "TRACE",
    [CX_METHOD_CONNECT] = "CONNECT",
};

const char *cx_method_name(cx_method m) {
    return (unsigned)m < CX_METHOD_COUNT_ ? method_names[m] : NULL;
}

static const char *reason_1xx_2xx(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 102:
        return "Processing";
    case 103:
        return "Early Hints";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 205:
        return "Reset Content";
    case 206:
        return "Partial Content";
    case 207:
        return "Multi-Status";
    case 208:
        return "Already Reported";
    case 226:
        return "IM Used";
    default:
        return "Unknown";
    }
}

static const char *reason_3xx(int status) {
    switch (status) {
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 305:
        return "Use Proxy";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    default:
        return "Unknown";
    }
}

static const char *reason_4xx(int status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 451:
        return "Unavailable For Legal Reasons";
    default:
        return "Unknown";
    }
}

static const char *reason_5xx(int status) {
    switch (status) {
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 506:
        return "Variant Also Negotiates";
    case 507:
        return "Insufficient Storage";
    case 508:
        return "Loop Detected";
    case 510:
        return "Not Extended";
    case 511:
        return "Network Authentication Required";
    default:
        return "Unknown";
    }
}

const char *cx_status_reason(int status) {
    switch (status / 100) {
    case 1:
    case 2:
        return reason_1xx_2xx(status);
    case 3:
        return reason_3xx(status);
    case 4:
        return reason_4xx(status);
    case 5:
        return reason_5xx(status);
    default:
        return "Unknown";
    }
}
