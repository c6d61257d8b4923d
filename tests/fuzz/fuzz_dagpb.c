/* Fuzz the DAG-PB and UnixFS decoders.
 *
 * Any input must decode or fail with CX_EPARSE/CX_ELIMIT, never crash. The
 * DAG-PB decoder accepts only the canonical form, so an accepted block whose
 * links all carry Tsize must re-encode to exactly the input bytes; its link
 * iteration must yield nlinks links. The Data field, when present, goes
 * through the UnixFS decoder, and its blocksizes iterator must agree with
 * its count.
 */
#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/ipfs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cx_dagpb_node n;
    const char *why = NULL;
    int rc = cx_dagpb_decode(&n, data, size, NULL, &why);
    if (rc) {
        CHECK(rc == CX_EPARSE || rc == CX_ELIMIT);
        CHECK(why != NULL);
    } else {
        cx_buf out = CX_BUF_INIT;
        size_t pos = 0, count = 0;
        bool all_tsize = true;
        cx_dagpb_link l;
        while (cx_dagpb_link_next(&n, &pos, &l)) {
            count++;
            all_tsize &= l.has_tsize;
            CHECK(cx_dagpb_put_link(&out, &l.cid, l.name, l.name_len, l.tsize) == 0);
        }
        CHECK(count == n.nlinks);
        if (n.has_data) CHECK(cx_dagpb_put_data(&out, n.data, n.data_len) == 0);
        if (all_tsize) CHECK(out.len == size && (size == 0 || memcmp(out.data, data, size) == 0));
        cx_buf_free(&out);
    }
    /* UnixFS on the Data field if any, else on the raw input. */
    const uint8_t *u = rc == 0 && n.has_data ? n.data : data;
    size_t ul = rc == 0 && n.has_data ? n.data_len : size;
    cx_unixfs fs;
    if (cx_unixfs_decode(&fs, u, ul, &why) == 0) {
        size_t pos = 0, count = 0;
        uint64_t v;
        while (cx_unixfs_blocksize_next(&fs, &pos, &v)) count++;
        CHECK(count == fs.nblocksizes);
        CHECK(fs.type >= 0 && fs.type <= CX_UNIXFS_HAMT);
    }
    return 0;
}
