/* The value of one hex digit, either case, or -1 for any other byte. One
 * definition for every parser that reads hex: JSON and GraphQL \uXXXX
 * escapes, HTTP chunk sizes and percent-escapes, the web3 hex codec and the
 * u256 parser. (W3C traceparent takes lowercase only and keeps its own.)
 * Branch-light: digits by one unsigned compare, letters folded to
 * lowercase by one OR. */
#ifndef CX_CORE_HEXVAL_H
#define CX_CORE_HEXVAL_H

static inline int cx_hexval(unsigned char c) {
    if ((unsigned)(c - '0') < 10) return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6) return c - 'a' + 10;
    return -1;
}

#endif
