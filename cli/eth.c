/* cortex eth — offline Ethereum utilities over the web3 module. Output and
 * argument syntax follow Foundry's `cast` (hex lower-case with 0x, addresses
 * EIP-55), so scripts can switch between the two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f, "usage: cortex eth <command> [args]\n\n"
               "  keccak ARG                         keccak256 of 0x-hex bytes or UTF-8 text\n"
               "  calldata SIG [ARG...]              selector + ABI encoding of the arguments\n"
               "  abi-encode SIG [ARG...]            ABI encoding of the arguments\n"
               "  abi-decode 'f(in)(out)' 0xDATA     decode return data, one value per line\n"
               "  abi-decode --input 'f(in)' 0xDATA  decode call arguments (selector optional)\n"
               "  selector SIG                       4-byte function selector\n"
               "  to-rlp JSON                        RLP of a string or nested arrays of 0x hex\n"
               "  from-rlp 0xHEX                     decode RLP to compact JSON\n"
               "  address --private-key 0xKEY        EIP-55 address of a key\n"
               "  sign-tx --private-key 0xKEY --json TX        signed raw transaction\n"
               "  sign-message --private-key 0xKEY MSG         EIP-191 signature r||s||v\n"
               "  hash-typed-data --json TYPED_DATA            EIP-712 digest\n");
}

static int bad(const char *what, const char *detail) {
    fprintf(stderr, "cortex eth: %s%s%s\n", what, detail && *detail ? ": " : "",
            detail ? detail : "");
    return 2;
}

/* "0x12": problem with 0x-prefixed hex, for error messages. */
static int bad_hex(const char *what, const char *s) {
    const char *why = cx_hex_problem(s, strlen(s), CX_HEX_PREFIX);
    fprintf(stderr, "cortex eth: %s: %s: '%.80s'\n", what, why ? why : "invalid hex", s);
    return 2;
}

static int print_hex(const void *p, size_t n) {
    cx_buf b = CX_BUF_INIT;
    int rc = cx_hex_encode(&b, p, n);
    if (!rc) printf("%.*s\n", (int)b.len, b.data);
    cx_buf_free(&b);
    return rc ? 1 : 0;
}

static int cmd_keccak(int argc, char **argv) {
    if (argc != 2) return bad("usage", "cortex eth keccak ARG");
    const char *s = argv[1];
    size_t n = strlen(s);
    uint8_t h[32];
    if (n >= 2 && s[0] == '0' && s[1] == 'x') {
        cx_arena *a = cx_arena_new(0, 0);
        uint8_t *d;
        size_t len;
        if (!a) return 1;
        int rc = cx_hex_decode_alloc(a, s, n, CX_HEX_PREFIX, &d, &len);
        if (rc) {
            cx_arena_free(a);
            return bad_hex("keccak: argument starts with 0x but is not valid hex bytes", s);
        }
        cx_keccak256(d, len, h);
        cx_arena_free(a);
    } else {
        cx_keccak256(s, n, h);
    }
    return print_hex(h, 32);
}

static int encode_args(cx_arena *a, const cx_abi_sig *sig, int argc, char **argv, cx_buf *out) {
    const cx_abi_type *in = sig->inputs;
    if ((size_t)argc != in->nfields) {
        char m[128];
        snprintf(m, sizeof m, "%s takes %zu argument(s), got %d", sig->canonical, in->nfields,
                 argc);
        return bad("wrong number of arguments", m);
    }
    cx_abi_value *items = argc ? cx_arena_calloc(a, (size_t)argc * sizeof *items) : NULL;
    if (argc && !items) return 1;
    for (int i = 0; i < argc; i++) {
        const cx_abi_value *v;
        cx_abi_error e;
        if (cx_abi_parse_value(a, in->fields[i], argv[i], strlen(argv[i]), &v, &e)) {
            char m[220];
            snprintf(m, sizeof m, "argument %d: %s", i + 1, e.message);
            return bad("bad argument", m);
        }
        items[i] = *v;
    }
    cx_abi_value tuple = {.type = in, .items = items, .count = (size_t)argc};
    cx_abi_error e;
    if (cx_abi_encode(out, &tuple, &e)) return bad("encoding failed", e.message);
    return 0;
}

static int parse_sig(cx_arena *a, const char *s, cx_abi_sig *sig) {
    cx_abi_error e;
    if (cx_abi_sig_parse(a, s, strlen(s), NULL, sig, &e)) return bad("bad signature", e.message);
    return 0;
}

static int cmd_encode(int argc, char **argv, bool selector) {
    if (argc < 2)
        return bad("usage", selector ? "cortex eth calldata SIG [ARG...]"
                                     : "cortex eth abi-encode SIG [ARG...]");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_abi_sig sig;
    cx_buf out = CX_BUF_INIT;
    int rc = parse_sig(a, argv[1], &sig);
    if (!rc && selector) rc = cx_buf_append(&out, sig.selector, 4) ? 1 : 0;
    if (!rc) rc = encode_args(a, &sig, argc - 2, argv + 2, &out);
    if (!rc) rc = print_hex(out.data, out.len);
    cx_buf_free(&out);
    cx_arena_free(a);
    return rc;
}

static int cmd_selector(int argc, char **argv) {
    if (argc != 2) return bad("usage", "cortex eth selector SIG");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_abi_sig sig;
    int rc = parse_sig(a, argv[1], &sig);
    if (!rc) rc = print_hex(sig.selector, 4);
    cx_arena_free(a);
    return rc;
}

static int cmd_decode(int argc, char **argv) {
    bool input = argc > 1 && !strcmp(argv[1], "--input");
    if (input) argc--, argv++;
    if (argc != 3) return bad("usage", "cortex eth abi-decode [--input] 'f(in)(out)' 0xDATA");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_abi_sig sig;
    int rc = parse_sig(a, argv[1], &sig);
    uint8_t *d = NULL;
    size_t n = 0;
    if (!rc && cx_hex_decode_alloc(a, argv[2], strlen(argv[2]), CX_HEX_PREFIX, &d, &n))
        rc = bad_hex("data is not 0x-prefixed hex bytes", argv[2]);
    const cx_abi_type *t = input ? sig.inputs : sig.outputs;
    /* cast takes --input data without the selector; calldata with it (4
     * bytes past a 32-byte boundary, matching) is accepted too. */
    if (!rc && input && n % 32 == 4 && !memcmp(d, sig.selector, 4)) {
        d += 4;
        n -= 4;
    }
    const cx_abi_value *v;
    cx_abi_error e;
    if (!rc && cx_abi_decode(a, t, d, n, NULL, &v, &e)) rc = bad("cannot decode data", e.message);
    cx_buf out = CX_BUF_INIT;
    for (size_t i = 0; !rc && i < v->count; i++) {
        cx_buf_reset(&out);
        if (cx_abi_format_value(&out, &v->items[i]))
            rc = 1;
        else
            printf("%.*s\n", (int)out.len, out.data);
    }
    cx_buf_free(&out);
    cx_arena_free(a);
    return rc;
}

/* ---- RLP ---------------------------------------------------------------- */

static int json_to_item(cx_arena *a, const cx_json *j, cx_rlp_item *it, size_t depth) {
    if (depth > 512) return bad("to-rlp", "nested too deep");
    if (cx_json_typeof(j) == CX_JSON_STRING) {
        cx_str s = cx_json_str(j);
        uint8_t *d;
        if (cx_hex_decode_alloc(a, s.ptr, s.len, CX_HEX_PREFIX, &d, &it->len))
            return bad_hex("to-rlp: not a 0x-prefixed hex string", s.ptr);
        it->data = d;
        return 0;
    }
    if (cx_json_typeof(j) != CX_JSON_ARRAY)
        return bad("to-rlp", "expected a 0x hex string or an array of them");
    it->list = true;
    size_t n = cx_json_len(j);
    cx_rlp_item *items = n ? cx_arena_calloc(a, n * sizeof *items) : NULL;
    if (n && !items) return 1;
    for (size_t i = 0; i < n; i++) {
        int rc = json_to_item(a, cx_json_at(j, i), &items[i], depth + 1);
        if (rc) return rc;
    }
    it->items = items;
    it->count = n;
    return 0;
}

static int cmd_to_rlp(int argc, char **argv) {
    if (argc != 2) return bad("usage", "cortex eth to-rlp JSON");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    const cx_json *j;
    cx_json_error je;
    int rc = 0;
    cx_rlp_item it = {0};
    cx_buf out = CX_BUF_INIT;
    if (cx_json_parse(a, argv[1], strlen(argv[1]), NULL, &j, &je))
        rc = bad("to-rlp: bad JSON", je.message);
    if (!rc) rc = json_to_item(a, j, &it, 0);
    if (!rc) rc = cx_rlp_encode(&out, &it) ? 1 : 0;
    if (!rc) rc = print_hex(out.data, out.len);
    cx_buf_free(&out);
    cx_arena_free(a);
    return rc;
}

static int write_item(cx_json_writer *w, const cx_rlp_item *it) {
    if (!it->list) {
        char *hex = malloc(2 * it->len + 3);
        if (!hex) return CX_ENOMEM;
        cx_hex_format(hex, it->data, it->len);
        int rc = cx_json_write_string(w, hex, 2 * it->len + 2);
        free(hex);
        return rc;
    }
    int rc = cx_json_write_array_begin(w);
    for (size_t i = 0; !rc && i < it->count; i++) rc = write_item(w, &it->items[i]);
    return rc ? rc : cx_json_write_array_end(w);
}

static int cmd_from_rlp(int argc, char **argv) {
    if (argc != 2) return bad("usage", "cortex eth from-rlp 0xHEX");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    uint8_t *d;
    size_t n;
    int rc = 0;
    const cx_rlp_item *it;
    cx_rlp_error e;
    cx_buf out = CX_BUF_INIT;
    if (cx_hex_decode_alloc(a, argv[1], strlen(argv[1]), CX_HEX_PREFIX, &d, &n))
        rc = bad_hex("from-rlp: not 0x-prefixed hex bytes", argv[1]);
    else if (cx_rlp_decode(a, d, n, NULL, &it, &e))
        rc = bad("from-rlp: invalid RLP", e.message);
    if (!rc) {
        cx_json_writer w;
        cx_json_writer_init(&w, &out, 0);
        rc = write_item(&w, it) ? 1 : 0;
        if (!rc) printf("%.*s\n", (int)out.len, out.data);
    }
    cx_buf_free(&out);
    cx_arena_free(a);
    return rc;
}

/* ---- keys and signing --------------------------------------------------- */

/* Pulls "--private-key K" and "--json J" out of argv; the rest stays in
 * order in rest[]. */
typedef struct opts {
    const char *key, *json;
    char *rest[8];
    int nrest;
} opts;

static int get_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--private-key") || !strcmp(argv[i], "--json")) {
            if (i + 1 >= argc) return bad("missing value after", argv[i]);
            if (argv[i][2] == 'p')
                o->key = argv[++i];
            else
                o->json = argv[++i];
        } else if (o->nrest < 8) {
            o->rest[o->nrest++] = argv[i];
        } else {
            return bad("too many arguments", NULL);
        }
    }
    return 0;
}

static cx_eth_key *load_key(const char *s) {
    if (!s) {
        bad("missing --private-key 0xKEY", NULL);
        return NULL;
    }
    uint8_t k[32];
    size_t n;
    size_t len = strlen(s);
    unsigned flags = len >= 2 && s[0] == '0' && s[1] == 'x' ? CX_HEX_PREFIX : 0;
    if (cx_hex_decode(s, len, flags, k, 32, &n) || n != 32) {
        bad("private key must be 32 bytes of hex (0x + 64 digits)", NULL);
        return NULL;
    }
    cx_eth_key *key = cx_eth_key_new(k, NULL);
    memset(k, 0, sizeof k);
    if (!key) bad("invalid private key (zero or not below the curve order)", NULL);
    return key;
}

static int cmd_address(int argc, char **argv) {
    opts o;
    if (get_opts(argc, argv, &o)) return 2;
    if (o.nrest) return bad("usage", "cortex eth address --private-key 0xKEY");
    cx_eth_key *k = load_key(o.key);
    if (!k) return 2;
    uint8_t addr[20];
    char s[43];
    cx_eth_key_address(k, addr);
    cx_eth_address_format(addr, s);
    printf("%s\n", s);
    cx_eth_key_free(k);
    return 0;
}

static int cmd_sign_message(int argc, char **argv) {
    opts o;
    if (get_opts(argc, argv, &o)) return 2;
    if (o.nrest != 1) return bad("usage", "cortex eth sign-message --private-key 0xKEY MSG");
    cx_eth_key *k = load_key(o.key);
    if (!k) return 2;
    const char *m = o.rest[0];
    size_t n = strlen(m);
    cx_arena *a = cx_arena_new(0, 0);
    uint8_t *d = (uint8_t *)m;
    int rc = a ? 0 : 1;
    if (!rc && n >= 2 && m[0] == '0' && m[1] == 'x' &&
        cx_hex_decode_alloc(a, m, n, CX_HEX_PREFIX, &d, &n))
        rc = bad_hex("message starts with 0x but is not valid hex bytes", m);
    uint8_t sig[65];
    if (!rc) rc = cx_eth_message_sign(k, d, n, sig) ? 1 : 0;
    if (!rc) rc = print_hex(sig, 65);
    cx_arena_free(a);
    cx_eth_key_free(k);
    return rc;
}

static int cmd_sign_tx(int argc, char **argv) {
    opts o;
    if (get_opts(argc, argv, &o)) return 2;
    if (o.nrest || !o.json) return bad("usage", "cortex eth sign-tx --private-key 0xKEY --json TX");
    cx_eth_key *k = load_key(o.key);
    if (!k) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    int rc = a ? 0 : 1;
    const cx_json *j;
    cx_json_error je;
    cx_eth_tx tx;
    char msg[160];
    cx_buf out = CX_BUF_INIT;
    if (!rc && cx_json_parse(a, o.json, strlen(o.json), NULL, &j, &je))
        rc = bad("sign-tx: bad JSON", je.message);
    if (!rc && cx_eth_tx_from_json(a, j, &tx, msg, sizeof msg)) rc = bad("sign-tx", msg);
    if (!rc) rc = cx_eth_tx_sign(&tx, k, &out) ? 1 : 0;
    if (!rc) rc = print_hex(out.data, out.len);
    cx_buf_free(&out);
    cx_arena_free(a);
    cx_eth_key_free(k);
    return rc;
}

static int cmd_typed(int argc, char **argv) {
    opts o;
    if (get_opts(argc, argv, &o)) return 2;
    if (o.nrest || !o.json) return bad("usage", "cortex eth hash-typed-data --json TYPED_DATA");
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    const cx_json *j;
    cx_json_error je;
    int rc = 0;
    uint8_t h[32];
    char msg[200];
    if (cx_json_parse(a, o.json, strlen(o.json), NULL, &j, &je))
        rc = bad("hash-typed-data: bad JSON", je.message);
    else if (cx_eip712_hash(j, NULL, h, msg, sizeof msg))
        rc = bad("hash-typed-data", msg);
    if (!rc) rc = print_hex(h, 32);
    cx_arena_free(a);
    return rc;
}

int cx_cli_eth(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *c = argv[1];
    argc--, argv++;
    if (!strcmp(c, "keccak")) return cmd_keccak(argc, argv);
    if (!strcmp(c, "calldata")) return cmd_encode(argc, argv, true);
    if (!strcmp(c, "abi-encode")) return cmd_encode(argc, argv, false);
    if (!strcmp(c, "abi-decode")) return cmd_decode(argc, argv);
    if (!strcmp(c, "selector")) return cmd_selector(argc, argv);
    if (!strcmp(c, "to-rlp")) return cmd_to_rlp(argc, argv);
    if (!strcmp(c, "from-rlp")) return cmd_from_rlp(argc, argv);
    if (!strcmp(c, "address")) return cmd_address(argc, argv);
    if (!strcmp(c, "sign-message")) return cmd_sign_message(argc, argv);
    if (!strcmp(c, "sign-tx")) return cmd_sign_tx(argc, argv);
    if (!strcmp(c, "hash-typed-data")) return cmd_typed(argc, argv);
    fprintf(stderr, "cortex eth: unknown command '%s'\n\n", c);
    usage(stderr);
    return 2;
}
