/* cortex eth — Ethereum utilities over the web3 module: offline ones
 * (hashing, ABI, RLP, keys, signing) and, with --rpc URL, node commands
 * over JSON-RPC (chain-id, balance, call, send, deploy, receipt, logs...). Output and
 * argument syntax follow Foundry's `cast` (hex lower-case with 0x, addresses
 * EIP-55), so scripts can switch between the two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/json.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: cortex eth <command> [args]\n\n"
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
            "  hash-typed-data --json TYPED_DATA            EIP-712 digest\n\n"
            "with a node (--rpc URL before or after the command, or --rpc-url, or "
            "ETH_RPC_URL):\n"
            "  chain-id | block-number | gas-price\n"
            "  balance ADDR [--block B]           wei, decimal\n"
            "  nonce ADDR [--block B]             transaction count (B: pending for queued)\n"
            "  call --to ADDR SIG [ARG...] [--from A] [--block B]\n"
            "                                     decoded outputs for 'f(in)(out)', else hex\n"
            "  send --private-key K --to ADDR [SIG ARG...] [--value V] [--gas-limit G]\n"
            "       [--gas-price P] [--legacy] [--async] [--timeout S]\n"
            "                                     tx hash; waits for the receipt unless --async\n"
            "  deploy --private-key K 0xBYTECODE [--constructor SIG ARG...]\n"
            "                                     tx hash, then the contract address\n"
            "  receipt 0xTXHASH                   receipt JSON\n"
            "  block [B|0xHASH]                   block JSON (transaction hashes)\n"
            "  logs [--address A]... [--from-block B] [--to-block B] [TOPIC...]\n"
            "                                     one log JSON per line; TOPIC: null, an\n"
            "                                     event signature, or 0xH1,0xH2 (any of)\n");
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

/* ---- network commands (JSON-RPC through cx_fetch) ----------------------- */

/* The CLI has no server: it makes its own loop and fetch client and runs
 * the command in one coroutine on it, the way examples/fetch does. */
typedef struct net {
    const char *cmd, *rpc, *key, *to, *from, *block, *value, *gas_limit, *gas_price;
    const char *from_block, *to_block, *ctor, *timeout;
    const char *addresses[16];
    int naddr;
    bool legacy, async;
    char *rest[64];
    int nrest;
    int (*fn)(struct net *);
    cx_eth_client *c;
    cx_loop *loop;
    int rc;
} net;

static int net_fail(net *n, int rc, const cx_eth_rpc_error *e) {
    if (e->rpc) {
        fprintf(stderr, "cortex eth %s: JSON-RPC error %lld: %s\n", n->cmd, (long long)e->code,
                e->message);
        if (e->data[0]) fprintf(stderr, "  data: %s\n", e->data);
    } else {
        fprintf(stderr, "cortex eth %s: %s (%s)\n", n->cmd,
                e->message[0] ? e->message : cx_strerror(rc), cx_strerror(rc));
    }
    return 1;
}

static int parse_addr(const char *what, const char *s, uint8_t a[20]) {
    if (!s || cx_eth_address_parse(s, strlen(s), a)) {
        fprintf(stderr,
                "cortex eth: %s: not an address (0x + 40 hex digits, EIP-55 if mixed "
                "case): '%.80s'\n",
                what, s ? s : "(missing)");
        return 2;
    }
    return 0;
}

static int parse_hash(const char *what, const char *s, uint8_t h[32]) {
    size_t got;
    if (!s || cx_hex_decode(s, strlen(s), CX_HEX_PREFIX, h, 32, &got) || got != 32) {
        fprintf(stderr, "cortex eth: %s: not a 32-byte 0x hash: '%.80s'\n", what,
                s ? s : "(missing)");
        return 2;
    }
    return 0;
}

/* An amount: decimal or 0x wei, or a decimal with a unit "ether"/"gwei"/
 * "wei" ("1.5ether"). */
static int parse_amount(const char *s, cx_u256 *out) {
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '0' && s[1] == 'x') return cx_u256_parse(s, n, out);
    static const struct {
        const char *unit;
        unsigned exp;
    } units[] = {{"ether", 18}, {"gwei", 9}, {"wei", 0}};
    unsigned exp = 0;
    for (size_t i = 0; i < 3; i++) {
        size_t u = strlen(units[i].unit);
        if (n > u && !strcmp(s + n - u, units[i].unit)) {
            exp = units[i].exp;
            n -= u;
            break;
        }
    }
    char digits[100];
    size_t k = 0, frac = 0;
    bool dot = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = true;
        } else if (s[i] >= '0' && s[i] <= '9' && k < 80) {
            digits[k++] = s[i];
            frac += dot;
        } else {
            return CX_EPARSE;
        }
    }
    if (!k || frac > exp) return CX_EPARSE;
    for (unsigned i = 0; i < exp - frac; i++) digits[k++] = '0';
    return cx_u256_parse(digits, k, out);
}

static int parse_u64(const char *s, uint64_t *out) {
    cx_u256 v;
    if (cx_u256_parse(s, strlen(s), &v)) return CX_EPARSE;
    for (int i = 0; i < 24; i++)
        if (v.b[i]) return CX_ERANGE;
    uint64_t r = 0;
    for (int i = 24; i < 32; i++) r = r << 8 | v.b[i];
    *out = r;
    return 0;
}

static int print_u256(const cx_u256 *v) {
    char d[80];
    cx_u256_to_dec(v, d);
    printf("%s\n", d);
    return 0;
}

static int print_json(const cx_json *j) {
    cx_buf b = CX_BUF_INIT;
    int rc = cx_json_stringify(&b, j, 0);
    if (!rc) printf("%.*s\n", (int)b.len, b.data);
    cx_buf_free(&b);
    return rc ? 1 : 0;
}

static int print_u64(uint64_t v) {
    printf("%llu\n", (unsigned long long)v);
    return 0;
}

/* chain-id and block-number: a call that answers one integer. */
static int n_u64(net *n, int (*get)(cx_eth_client *, uint64_t *, cx_eth_rpc_error *)) {
    cx_eth_rpc_error e;
    uint64_t v;
    int rc = get(n->c, &v, &e);
    return rc ? net_fail(n, rc, &e) : print_u64(v);
}

static int n_chain_id(net *n) {
    return n_u64(n, cx_eth_client_chain_id);
}

static int n_block_number(net *n) {
    return n_u64(n, cx_eth_client_block_number);
}

static int n_gas_price(net *n) {
    cx_eth_rpc_error e;
    cx_u256 v;
    int rc = cx_eth_client_gas_price(n->c, &v, &e);
    return rc ? net_fail(n, rc, &e) : print_u256(&v);
}

static int check_block(const char *b) {
    char t[80];
    if (b && cx_eth_block_param(b, t)) {
        fprintf(stderr,
                "cortex eth: bad block '%.80s' (a number, 0x number, latest, pending, "
                "earliest, safe or finalized)\n",
                b);
        return 2;
    }
    return 0;
}

static int n_balance(net *n) {
    uint8_t a[20];
    if (n->nrest != 1) return bad("usage", "cortex eth balance ADDR [--block B]");
    if (parse_addr("balance", n->rest[0], a) || check_block(n->block)) return 2;
    cx_eth_rpc_error e;
    cx_u256 v;
    int rc = cx_eth_client_balance(n->c, a, n->block, &v, &e);
    return rc ? net_fail(n, rc, &e) : print_u256(&v);
}

static int n_nonce(net *n) {
    uint8_t a[20];
    if (n->nrest != 1) return bad("usage", "cortex eth nonce ADDR [--block B]");
    if (parse_addr("nonce", n->rest[0], a) || check_block(n->block)) return 2;
    cx_eth_rpc_error e;
    uint64_t v;
    int rc = cx_eth_client_nonce(n->c, a, n->block, &v, &e);
    return rc ? net_fail(n, rc, &e) : print_u64(v);
}

/* "--to ADDR SIG ARGS" or cast's "ADDR SIG ARGS": the target and where the
 * signature starts in rest[]. */
static int target(net *n, uint8_t to[20], int *first) {
    *first = 0;
    const char *t = n->to;
    if (!t && n->nrest && n->rest[0][0] == '0' && !strchr(n->rest[0], '(')) {
        t = n->rest[0];
        *first = 1;
    }
    return parse_addr("--to", t, to);
}

/* selector + args from rest[first..]: none at all means empty calldata. */
static int calldata(net *n, cx_arena *a, int first, cx_abi_sig *sig, bool *has_sig, cx_buf *out) {
    *has_sig = n->nrest > first;
    if (!*has_sig) return 0;
    int rc = parse_sig(a, n->rest[first], sig);
    if (!rc) rc = cx_buf_append(out, sig->selector, 4) ? 1 : 0;
    if (!rc) rc = encode_args(a, sig, n->nrest - first - 1, n->rest + first + 1, out);
    return rc;
}

static int n_call(net *n) {
    uint8_t to[20];
    int first;
    if (target(n, to, &first) || check_block(n->block)) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_abi_sig sig;
    bool has_sig;
    cx_buf data = CX_BUF_INIT;
    int rc = calldata(n, a, first, &sig, &has_sig, &data);
    cx_eth_call_msg m = {.has_to = true, .data = (const uint8_t *)data.data, .data_len = data.len};
    memcpy(m.to, to, 20);
    if (!rc && n->from) {
        m.has_from = true;
        rc = parse_addr("--from", n->from, m.from);
    }
    if (!rc && n->value) {
        m.has_value = true;
        if (parse_amount(n->value, &m.value)) rc = bad("bad --value", n->value);
    }
    uint8_t *ret = NULL;
    size_t len = 0;
    cx_eth_rpc_error e;
    if (!rc) {
        int r = cx_eth_client_call(n->c, a, &m, n->block, &ret, &len, &e);
        if (r) rc = net_fail(n, r, &e);
    }
    if (!rc && has_sig && sig.outputs->nfields) {
        const cx_abi_value *v;
        cx_abi_error ae;
        if (cx_abi_decode(a, sig.outputs, ret, len, NULL, &v, &ae)) {
            fprintf(stderr, "cortex eth call: cannot decode the result as %s: %s\n", sig.canonical,
                    ae.message);
            rc = 1;
        }
        cx_buf out = CX_BUF_INIT;
        for (size_t i = 0; !rc && i < v->count; i++) {
            cx_buf_reset(&out);
            if (cx_abi_format_value(&out, &v->items[i]))
                rc = 1;
            else
                printf("%.*s\n", (int)out.len, out.data);
        }
        cx_buf_free(&out);
    } else if (!rc) {
        rc = print_hex(ret, len);
    }
    cx_buf_free(&data);
    cx_arena_free(a);
    return rc;
}

static cx_eth_sender *net_sender(net *n) {
    if (!n->key) {
        bad("missing --private-key 0xKEY", NULL);
        return NULL;
    }
    const char *s = n->key;
    uint8_t k[32];
    size_t got, len = strlen(s);
    unsigned flags = len >= 2 && s[0] == '0' && s[1] == 'x' ? CX_HEX_PREFIX : 0;
    if (cx_hex_decode(s, len, flags, k, 32, &got) || got != 32) {
        bad("private key must be 32 bytes of hex (0x + 64 digits)", NULL);
        return NULL;
    }
    cx_eth_sender *snd = cx_eth_sender_new(n->c, k, NULL, NULL);
    memset(k, 0, sizeof k);
    if (!snd) bad("invalid private key (zero or not below the curve order)", NULL);
    return snd;
}

/* Common send options into r. */
static int send_opts(net *n, cx_eth_send_req *r) {
    r->type = n->legacy ? 0 : -1;
    if (n->value && parse_amount(n->value, &r->value)) return bad("bad --value", n->value);
    if (n->gas_limit && parse_u64(n->gas_limit, &r->gas_limit))
        return bad("bad --gas-limit", n->gas_limit);
    if (n->gas_price) {
        if (parse_amount(n->gas_price, &r->gas_price)) return bad("bad --gas-price", n->gas_price);
        r->has_gas_price = true;
        r->type = 0;
    }
    return 0;
}

/* Print the hash, then (unless --async) wait for the receipt: exit 1 when
 * the transaction reverted. *rcpt is filled when waited for. */
static int after_send(net *n, cx_arena *a, const cx_eth_sent *s, cx_eth_receipt *rcpt,
                      bool *waited) {
    print_hex(s->hash, 32);
    fflush(stdout);
    *waited = false;
    if (n->async) return 0;
    uint64_t secs = 120;
    if (n->timeout && (parse_u64(n->timeout, &secs) || !secs || secs > 86400))
        return bad("bad --timeout (seconds)", n->timeout);
    cx_eth_rpc_error e;
    int rc = cx_eth_client_wait_receipt(n->c, a, s->hash, 100, (uint32_t)secs * 1000, rcpt, &e);
    if (rc) return net_fail(n, rc, &e);
    *waited = true;
    if (rcpt->status == 0) {
        fprintf(stderr, "cortex eth %s: transaction reverted (status 0) in block %llu\n", n->cmd,
                (unsigned long long)rcpt->block_number);
        return 1;
    }
    return 0;
}

static int n_send(net *n) {
    uint8_t to[20];
    int first;
    if (target(n, to, &first)) return 2;
    cx_eth_send_req r = {.has_to = true};
    memcpy(r.to, to, 20);
    int rc = send_opts(n, &r);
    if (rc) return rc;
    cx_eth_sender *s = net_sender(n);
    if (!s) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    cx_abi_sig sig;
    bool has_sig;
    cx_buf data = CX_BUF_INIT;
    rc = a ? calldata(n, a, first, &sig, &has_sig, &data) : 1;
    r.data = (const uint8_t *)data.data;
    r.data_len = data.len;
    cx_eth_sent sent;
    cx_eth_rpc_error e;
    cx_eth_receipt rcpt;
    bool waited;
    if (!rc) {
        int x = cx_eth_sender_send(s, &r, &sent, &e);
        rc = x ? net_fail(n, x, &e) : after_send(n, a, &sent, &rcpt, &waited);
    }
    cx_buf_free(&data);
    cx_arena_free(a);
    cx_eth_sender_free(s);
    return rc;
}

static int n_deploy(net *n) {
    if (n->nrest < 1)
        return bad("usage", "cortex eth deploy --private-key K 0xBYTECODE "
                            "[--constructor SIG ARGS...]");
    cx_eth_send_req r = {0};
    int rc = send_opts(n, &r);
    if (rc) return rc;
    if (!n->ctor && n->nrest != 1) return bad("constructor arguments need --constructor SIG", NULL);
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_buf data = CX_BUF_INIT;
    uint8_t *code = NULL;
    size_t len = 0;
    if (cx_hex_decode_alloc(a, n->rest[0], strlen(n->rest[0]), CX_HEX_PREFIX, &code, &len) || !len)
        rc = bad_hex("deploy: bytecode must be 0x-prefixed hex", n->rest[0]);
    if (!rc) rc = cx_buf_append(&data, code, len) ? 1 : 0;
    if (!rc && n->ctor) {
        cx_abi_sig sig;
        rc = parse_sig(a, n->ctor, &sig);
        if (!rc) rc = encode_args(a, &sig, n->nrest - 1, n->rest + 1, &data);
    }
    cx_eth_sender *s = rc ? NULL : net_sender(n);
    if (!rc && !s) rc = 2;
    r.data = (const uint8_t *)data.data;
    r.data_len = data.len;
    cx_eth_sent sent;
    cx_eth_rpc_error e;
    cx_eth_receipt rcpt;
    bool waited = false;
    if (!rc) {
        int x = cx_eth_sender_send(s, &r, &sent, &e);
        rc = x ? net_fail(n, x, &e) : after_send(n, a, &sent, &rcpt, &waited);
    }
    if (!rc && waited) {
        if (!rcpt.has_contract) {
            fprintf(stderr, "cortex eth deploy: the receipt has no contract address\n");
            rc = 1;
        } else {
            char addr[43];
            cx_eth_address_format(rcpt.contract_address, addr);
            printf("%s\n", addr);
        }
    }
    cx_buf_free(&data);
    cx_arena_free(a);
    cx_eth_sender_free(s);
    return rc;
}

static int n_receipt(net *n) {
    uint8_t h[32];
    if (n->nrest != 1) return bad("usage", "cortex eth receipt 0xTXHASH");
    if (parse_hash("receipt", n->rest[0], h)) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_eth_receipt r;
    cx_eth_rpc_error e;
    int rc = cx_eth_client_receipt(n->c, a, h, &r, &e);
    if (rc == CX_ENOTFOUND && e.kind == CX_FETCH_OK) {
        fprintf(stderr, "cortex eth receipt: no receipt for %s (pending or unknown)\n", n->rest[0]);
        rc = 1;
    } else if (rc) {
        rc = net_fail(n, rc, &e);
    } else {
        rc = print_json(r.json);
    }
    cx_arena_free(a);
    return rc;
}

static int n_block(net *n) {
    if (n->nrest > 1) return bad("usage", "cortex eth block [NUMBER|TAG|0xHASH]");
    const char *b = n->nrest ? n->rest[0] : NULL;
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_eth_block blk;
    cx_eth_rpc_error e;
    uint8_t h[32];
    int rc;
    if (b && strlen(b) == 66)
        rc = parse_hash("block", b, h) ? 2 : cx_eth_client_block_by_hash(n->c, a, h, &blk, &e);
    else
        rc = check_block(b) ? 2 : cx_eth_client_block(n->c, a, b, &blk, &e);
    if (rc == 2) {
    } else if (rc == CX_ENOTFOUND && e.kind == CX_FETCH_OK) {
        fprintf(stderr, "cortex eth block: no such block\n");
        rc = 1;
    } else if (rc) {
        rc = net_fail(n, rc, &e);
    } else {
        rc = print_json(blk.json);
    }
    cx_arena_free(a);
    return rc;
}

/* A topic argument: "null" or "" (any), an event signature (its topic),
 * or 0x hashes separated by commas (any of them). */
static int parse_topic(cx_arena *a, const char *s, cx_eth_topic_filter *t) {
    t->n = 0;
    if (!*s || !strcmp(s, "null")) return 0;
    size_t count = 1;
    for (const char *p = s; *p; p++) count += *p == ',';
    uint8_t(*v)[32] = cx_arena_alloc(a, count * 32);
    if (!v) return 1;
    if (strchr(s, '(')) {
        cx_abi_sig sig;
        if (parse_sig(a, s, &sig)) return 2;
        memcpy(v[0], sig.topic, 32);
        t->values = (const uint8_t(*)[32])v;
        t->n = 1;
        return 0;
    }
    const char *p = s;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p), got;
        if (cx_hex_decode(p, len, CX_HEX_PREFIX, v[i], 32, &got) || got != 32) {
            fprintf(stderr,
                    "cortex eth logs: topic must be null, an event signature or 0x "
                    "32-byte hashes separated by commas: '%.80s'\n",
                    s);
            return 2;
        }
        p = end ? end + 1 : p + len;
    }
    t->values = (const uint8_t(*)[32])v;
    t->n = count;
    return 0;
}

static int n_logs(net *n) {
    if (n->nrest > 4) return bad("usage", "at most 4 topics");
    if (check_block(n->from_block) || check_block(n->to_block)) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return 1;
    cx_eth_log_filter f = {.from_block = n->from_block, .to_block = n->to_block};
    uint8_t addrs[16][20];
    int rc = 0;
    for (int i = 0; !rc && i < n->naddr; i++)
        rc = parse_addr("--address", n->addresses[i], addrs[i]);
    f.addresses = (const uint8_t(*)[20])addrs;
    f.naddresses = (size_t)n->naddr;
    for (int i = 0; !rc && i < n->nrest; i++) rc = parse_topic(a, n->rest[i], &f.topics[i]);
    f.ntopics = (size_t)n->nrest;
    cx_eth_log *logs;
    size_t nlogs = 0;
    cx_eth_rpc_error e;
    if (!rc) {
        int x = cx_eth_client_logs(n->c, a, &f, &logs, &nlogs, &e);
        if (x) rc = net_fail(n, x, &e);
    }
    for (size_t i = 0; !rc && i < nlogs; i++) rc = print_json(logs[i].json);
    cx_arena_free(a);
    return rc;
}

static void net_main(void *p) {
    net *n = p;
    n->rc = n->fn(n);
    cx_loop_stop(n->loop);
}

static const struct {
    const char *name;
    int (*fn)(net *);
} net_cmds[] = {
    {"chain-id", n_chain_id},   {"block-number", n_block_number},
    {"gas-price", n_gas_price}, {"balance", n_balance},
    {"nonce", n_nonce},         {"call", n_call},
    {"send", n_send},           {"deploy", n_deploy},
    {"receipt", n_receipt},     {"logs", n_logs},
    {"block", n_block},
};

static bool is_net_cmd(const char *c) {
    for (size_t i = 0; i < sizeof net_cmds / sizeof *net_cmds; i++)
        if (!strcmp(c, net_cmds[i].name)) return true;
    return false;
}

/* argv[0] is the command. */
static int cmd_net(const char *rpc, int argc, char **argv) {
    net n = {.cmd = argv[0], .rpc = rpc};
    for (size_t i = 0; i < sizeof net_cmds / sizeof *net_cmds; i++)
        if (!strcmp(argv[0], net_cmds[i].name)) n.fn = net_cmds[i].fn;
    static const char *valued[] = {"--rpc",       "--rpc-url",    "--private-key", "--to",
                                   "--from",      "--block",      "--value",       "--gas-limit",
                                   "--gas-price", "--from-block", "--to-block",    "--constructor",
                                   "--address",   "--timeout"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--legacy")) {
            n.legacy = true;
            continue;
        }
        if (!strcmp(a, "--async")) {
            n.async = true;
            continue;
        }
        size_t k = 0;
        while (k < sizeof valued / sizeof *valued && strcmp(a, valued[k])) k++;
        if (k == sizeof valued / sizeof *valued) {
            if (a[0] == '-' && a[1] == '-') return bad("unknown option", a);
            if (n.nrest >= 64) return bad("too many arguments", NULL);
            n.rest[n.nrest++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) return bad("missing value after", a);
        const char *v = argv[++i];
        switch (k) {
        case 0:
        case 1:
            n.rpc = v;
            break;
        case 2:
            n.key = v;
            break;
        case 3:
            n.to = v;
            break;
        case 4:
            n.from = v;
            break;
        case 5:
            n.block = v;
            break;
        case 6:
            n.value = v;
            break;
        case 7:
            n.gas_limit = v;
            break;
        case 8:
            n.gas_price = v;
            break;
        case 9:
            n.from_block = v;
            break;
        case 10:
            n.to_block = v;
            break;
        case 11:
            n.ctor = v;
            break;
        case 12:
            if (n.naddr >= 16) return bad("too many --address options", NULL);
            n.addresses[n.naddr++] = v;
            break;
        default:
            n.timeout = v;
            break;
        }
    }
    if (!n.rpc || !*n.rpc) n.rpc = getenv("ETH_RPC_URL");
    if (!n.rpc || !*n.rpc)
        return bad("no node: give --rpc URL (or --rpc-url, or ETH_RPC_URL)", NULL);
    cx_fetch_client *fc = NULL;
    int rc = cx_loop_new(&n.loop, NULL);
    if (!rc) rc = cx_fetch_client_new(&fc, n.loop, NULL);
    if (!rc) rc = cx_eth_client_new(&n.c, fc, n.rpc, NULL);
    if (rc == CX_EINVAL) {
        n.rc = bad("--rpc must be an http:// or https:// URL", n.rpc);
    } else if (rc) {
        fprintf(stderr, "cortex eth: start-up failed: %s\n", cx_strerror(rc));
        n.rc = 1;
    } else {
        n.rc = 1;
        rc = cx_coro_start(n.loop, net_main, &n, NULL);
        if (rc == 1)
            cx_loop_run(n.loop);
        else if (rc < 0)
            fprintf(stderr, "cortex eth: cannot start: %s\n", cx_strerror(rc));
    }
    cx_eth_client_free(n.c);
    cx_fetch_client_free(fc);
    if (n.loop) cx_loop_free(n.loop);
    return n.rc;
}

int cx_cli_eth(int argc, char **argv) {
    const char *rpc = NULL;
    while (argc >= 3 && (!strcmp(argv[1], "--rpc") || !strcmp(argv[1], "--rpc-url"))) {
        rpc = argv[2];
        argc -= 2, argv += 2;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *c = argv[1];
    argc--, argv++;
    if (is_net_cmd(c)) return cmd_net(rpc, argc, argv);
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
