/* DAG-PB: PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }
 * and PBLink { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }.
 * The spec fixes one byte form per node (links first, fields in number
 * order, nothing unknown), and the decoder accepts only that form, so a
 * block that decodes re-encodes to itself and its CID means one thing. */
#include "pb.h"
#include <string.h>

#define FAIL(msg)                                                                                  \
    do {                                                                                           \
        if (why) *why = (msg);                                                                     \
        return CX_EPARSE;                                                                          \
    } while (0)

#define DEFAULT_MAX_BLOCK (2u << 20)
#define DEFAULT_MAX_LINKS (1u << 16)

void cx_dagpb_limits_default(cx_dagpb_limits *l) {
    l->max_block = DEFAULT_MAX_BLOCK;
    l->max_links = DEFAULT_MAX_LINKS;
}

/* Parse one PBLink message. */
static int decode_link(const uint8_t *p, size_t len, cx_dagpb_link *link, const char **why) {
    size_t pos = 0;
    int last = 0;
    bool has_hash = false;
    link->name = NULL;
    link->name_len = 0;
    link->has_tsize = false;
    link->tsize = 0;
    while (pos < len) {
        uint64_t field;
        unsigned wire;
        if (pb_key(p, len, &pos, &field, &wire)) FAIL("bad key varint in link");
        if (field < 1 || field > 3) FAIL("unknown field in link");
        if ((int)field <= last) FAIL("link fields out of order or repeated");
        last = (int)field;
        if (field == 3) {
            if (wire != PB_VARINT) FAIL("link Tsize has the wrong wire type");
            if (pb_varint(p, len, &pos, &link->tsize)) FAIL("bad Tsize varint");
            link->has_tsize = true;
            continue;
        }
        if (wire != PB_LEN) FAIL("link Hash/Name has the wrong wire type");
        const uint8_t *v;
        size_t n;
        if (pb_bytes(p, len, &pos, &v, &n)) FAIL("truncated link field");
        if (field == 1) {
            const char *w = NULL;
            if (cx_cid_from_bytes(&link->cid, v, n, &w)) FAIL("link Hash is not a valid CID");
            has_hash = true;
        } else {
            link->name = (const char *)v;
            link->name_len = n;
        }
    }
    if (!has_hash) FAIL("link without Hash");
    return 0;
}

int cx_dagpb_decode(cx_dagpb_node *node, const uint8_t *block, size_t len, const cx_dagpb_limits *l,
                    const char **why) {
    cx_dagpb_limits def;
    if (!l) {
        cx_dagpb_limits_default(&def);
        l = &def;
    }
    memset(node, 0, sizeof *node);
    if (len > l->max_block) {
        if (why) *why = "block larger than the limit";
        return CX_ELIMIT;
    }
    size_t pos = 0, links_start = 0, links_end = 0;
    while (pos < len) {
        uint64_t field;
        unsigned wire;
        if (pb_key(block, len, &pos, &field, &wire)) FAIL("bad key varint in node");
        if (field != 1 && field != 2) FAIL("unknown field in node");
        if (wire != PB_LEN) FAIL("node field has the wrong wire type");
        if (node->has_data) FAIL("fields after Data");
        size_t fstart = pos;
        const uint8_t *v;
        size_t n;
        if (pb_bytes(block, len, &pos, &v, &n)) FAIL("truncated node field");
        if (field == 1) {
            node->has_data = true;
            node->data = v;
            node->data_len = n;
            continue;
        }
        if (node->nlinks == 0) links_start = fstart - 1; /* the 1-byte key 0x12 */
        if (++node->nlinks > l->max_links) {
            if (why) *why = "too many links";
            return CX_ELIMIT;
        }
        cx_dagpb_link link;
        int rc = decode_link(v, n, &link, why);
        if (rc) return rc;
        links_end = pos;
    }
    node->links = block + links_start;
    node->links_len = links_end - links_start;
    return 0;
}

int cx_dagpb_link_next(const cx_dagpb_node *node, size_t *pos, cx_dagpb_link *link) {
    if (*pos >= node->links_len) return 0;
    uint64_t field;
    unsigned wire;
    const uint8_t *v;
    size_t n;
    if (pb_key(node->links, node->links_len, pos, &field, &wire) ||
        pb_bytes(node->links, node->links_len, pos, &v, &n) || decode_link(v, n, link, NULL))
        return 0; /* cannot happen on a decoded node */
    return 1;
}

int cx_dagpb_put_link(cx_buf *out, const cx_cid *cid, const char *name, size_t name_len,
                      uint64_t tsize) {
    uint8_t t[10];
    size_t inner = 1 + cx_varint_encode(cid->len, t) + cid->len;
    if (name) inner += 1 + cx_varint_encode(name_len, t) + name_len;
    inner += 1 + cx_varint_encode(tsize, t);
    int rc = pb_put_key(out, 2, PB_LEN);
    if (!rc) rc = pb_put_varint(out, inner);
    if (!rc) rc = pb_put_bytes(out, 1, cid->bytes, cid->len);
    if (!rc && name) rc = pb_put_bytes(out, 2, name, name_len);
    if (!rc) rc = pb_put_key(out, 3, PB_VARINT);
    if (!rc) rc = pb_put_varint(out, tsize);
    return rc;
}

int cx_dagpb_put_data(cx_buf *out, const uint8_t *data, size_t len) {
    return pb_put_bytes(out, 1, data, len);
}
