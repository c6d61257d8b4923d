/* EIP-55 mixed-case checksum addresses: a hex digit is upper-cased when the
 * matching nibble of keccak256(lower-case hex) is 8 or more. */
#include <string.h>
#include <cortex/error.h>
#include <cortex/web3.h>

void cx_eth_address_format(const uint8_t addr[20], char dst[43]) {
    cx_hex_format(dst, addr, 20);
    uint8_t h[32];
    cx_keccak256(dst + 2, 40, h);
    for (int i = 0; i < 40; i++) {
        char *c = &dst[2 + i];
        unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        if (*c >= 'a' && nib >= 8) *c = (char)(*c - 'a' + 'A');
    }
}

int cx_eth_address_parse(const char *s, size_t n, uint8_t addr[20]) {
    if (!s || !addr) return CX_EINVAL;
    if (n != 42) return CX_EPARSE;
    size_t len;
    if (cx_hex_decode(s, n, CX_HEX_PREFIX, addr, 20, &len) || len != 20) return CX_EPARSE;
    bool lower = false, upper = false;
    for (size_t i = 2; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'f') lower = true;
        if (s[i] >= 'A' && s[i] <= 'F') upper = true;
    }
    if (lower && upper) {
        char want[43];
        cx_eth_address_format(addr, want);
        if (memcmp(want + 2, s + 2, 40) != 0) return CX_EPARSE;
    }
    return 0;
}
