/* UnixFS Data, the message inside a DAG-PB node's Data field:
 *   Type = 1 (varint), Data = 2 (bytes), filesize = 3, blocksizes = 4
 *   (repeated varint, packed or not), hashType = 5, fanout = 6, mode = 7,
 *   mtime = 8 (message).
 * It is plain protobuf, so the decoder takes fields in any order but each
 * singular field once; the encoder writes field order, as Kubo does. */
#include "pb.h"
#include <string.h>

#define FAIL(msg)                                                                                  \
    do {                                                                                           \
        if (why) *why = (msg);                                                                     \
        return CX_EPARSE;                                                                          \
    } while (0)

int cx_unixfs_decode(cx_unixfs *u, const uint8_t *p, size_t len, const char **why) {
    memset(u, 0, sizeof *u);
    u->type = -1;
    unsigned seen = 0;
    size_t pos = 0;
    const uint8_t *bs_start = NULL;
    size_t bs_len = 0;
    bool bs_packed = false;
    while (pos < len) {
        uint64_t field, v;
        unsigned wire;
        if (pb_key(p, len, &pos, &field, &wire)) FAIL("bad key in UnixFS data");
        if (field < 1 || field > 8) FAIL("unknown field in UnixFS data");
        if (field != 4) {
            if (seen & (1u << field)) FAIL("repeated UnixFS field");
            seen |= 1u << field;
        }
        if (field == 2 || field == 8 || (field == 4 && wire == PB_LEN)) {
            if (wire != PB_LEN) FAIL("UnixFS field has the wrong wire type");
            const uint8_t *b;
            size_t n;
            if (pb_bytes(p, len, &pos, &b, &n)) FAIL("truncated UnixFS field");
            if (field == 2) {
                u->data = b;
                u->data_len = n;
            } else if (field == 4) {
                if (bs_start) FAIL("mixed packed and unpacked blocksizes");
                size_t q = 0;
                while (q < n) {
                    if (pb_varint(b, n, &q, &v)) FAIL("bad packed blocksize");
                    u->nblocksizes++;
                }
                bs_start = b;
                bs_len = n;
                bs_packed = true;
            }
            continue;
        }
        if (wire != PB_VARINT) FAIL("UnixFS field has the wrong wire type");
        size_t vstart = pos;
        if (pb_varint(p, len, &pos, &v)) FAIL("bad UnixFS varint");
        switch (field) {
        case 1:
            if (v > CX_UNIXFS_HAMT) FAIL("unknown UnixFS type");
            u->type = (int)v;
            break;
        case 3:
            u->has_filesize = true;
            u->filesize = v;
            break;
        case 4:
            if (bs_packed) FAIL("mixed packed and unpacked blocksizes");
            if (!bs_start) bs_start = p + vstart - 1; /* key 0x20 is one byte */
            bs_len = pos - (size_t)(bs_start - p);
            u->nblocksizes++;
            break;
        case 5:
            u->hash_type = v;
            break;
        case 6:
            u->has_fanout = true;
            u->fanout = v;
            break;
        case 7:
            if (v > 0xffffffffu) FAIL("mode out of range");
            u->has_mode = true;
            u->mode = (uint32_t)v;
            break;
        }
    }
    if (u->type < 0) FAIL("UnixFS data without Type");
    u->blocksizes = bs_start;
    u->blocksizes_len = bs_len;
    /* Remember the layout in the sign of nblocksizes' storage: packed lists
     * are iterated as bare varints, unpacked ones as key+varint. */
    if (bs_packed) u->blocksizes_len |= (size_t)1 << (sizeof(size_t) * 8 - 1);
    return 0;
}

int cx_unixfs_blocksize_next(const cx_unixfs *u, size_t *pos, uint64_t *v) {
    const size_t top = (size_t)1 << (sizeof(size_t) * 8 - 1);
    bool packed = (u->blocksizes_len & top) != 0;
    size_t len = u->blocksizes_len & ~top;
    while (*pos < len) {
        if (!packed) {
            uint64_t field;
            unsigned wire;
            if (pb_key(u->blocksizes, len, pos, &field, &wire)) return 0;
            if (field != 4) { /* another field between blocksizes: skip it */
                uint64_t skip;
                const uint8_t *b;
                size_t n;
                if (wire == PB_VARINT ? pb_varint(u->blocksizes, len, pos, &skip)
                                      : pb_bytes(u->blocksizes, len, pos, &b, &n))
                    return 0;
                continue;
            }
        }
        return pb_varint(u->blocksizes, len, pos, v) ? 0 : 1;
    }
    return 0;
}

int cx_unixfs_encode(cx_buf *out, int type, const uint8_t *data, size_t len, bool has_filesize,
                     uint64_t filesize, const uint64_t *blocksizes, size_t nblocksizes) {
    int rc = pb_put_key(out, 1, PB_VARINT);
    if (!rc) rc = pb_put_varint(out, (uint64_t)type);
    if (!rc && len) rc = pb_put_bytes(out, 2, data, len);
    if (!rc && has_filesize) {
        rc = pb_put_key(out, 3, PB_VARINT);
        if (!rc) rc = pb_put_varint(out, filesize);
    }
    for (size_t i = 0; !rc && i < nblocksizes; i++) {
        rc = pb_put_key(out, 4, PB_VARINT);
        if (!rc) rc = pb_put_varint(out, blocksizes[i]);
    }
    return rc;
}
