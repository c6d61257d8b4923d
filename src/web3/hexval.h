/* The value of one hex digit, either case, or -1: shared by the web3 hex
 * codec and the u256 parser, which accept the same digits. */
#ifndef CX_WEB3_HEXVAL_H
#define CX_WEB3_HEXVAL_H

static inline int cx_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

#endif
