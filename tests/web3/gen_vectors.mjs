// Generates random test vectors for `cortex eth` with ethers v6 as the
// reference. Usage: node gen_vectors.mjs ETHERS_DIR SEED COUNT > vectors.jsonl
// Each line: {"kind": ..., "args": [argv after "eth"], "expect": stdout}.
import { createRequire } from "module";
import path from "path";

const [ethersDir, seedArg, countArg] = process.argv.slice(2);
const require = createRequire(path.join(ethersDir, "node_modules", "x.js"));
const ethers = require("ethers");
const COUNT = parseInt(countArg || "100", 10);

// mulberry32: small seeded PRNG so a failing vector can be regenerated.
let state = parseInt(seedArg || "1", 10) >>> 0;
function rnd() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
const randBytes = (n) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = ri(256);
  return b;
};
const hex = (b) => ethers.hexlify(b);
function randBig(bits) {
  // Mix edge values with uniform ones.
  const r = ri(6);
  const max = (1n << BigInt(bits)) - 1n;
  if (r === 0) return 0n;
  if (r === 1) return max;
  if (r === 2) return BigInt(ri(1000));
  let v = 0n;
  for (let i = 0; i < bits; i += 8) v = (v << 8n) | BigInt(ri(256));
  return v & (max >> BigInt(ri(bits)));
}
const ALPHA = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:;!?=+*/";
const UNI = ["é", "ü", "中", "文", "🙂", "ß", "ñ", "Ω", "\t", ",", "[", "]", "(", ")", "\"", "'", "\\"];
function randText(n, unicode) {
  let s = "";
  for (let i = 0; i < n; i++) s += unicode && ri(5) === 0 ? pick(UNI) : ALPHA[ri(ALPHA.length)];
  return s;
}
function randAddress() {
  const a = ethers.getAddress(hex(randBytes(20)));
  return ri(2) ? a : a.toLowerCase();
}

const out = [];
const emit = (kind, args, expect) => out.push(JSON.stringify({ kind, args, expect }));

// ---- Keccak ----
for (let i = 0; i < COUNT; i++) {
  const b = randBytes(ri(3) === 0 ? ri(400) : ri(140));
  emit("keccak", ["keccak", hex(b)], ethers.keccak256(b));
  const t = randText(ri(200), true);
  if (!t.startsWith("0x")) emit("keccak", ["keccak", t], ethers.id(t));
}

// ---- ABI ----
// A type: {ours (our signature text), theirs (ethers), gen(nested) -> {js (ethers value),
// arg (cast argument text), out (cast raw output)}}
function randType(depth) {
  const leaf = depth >= 3 || ri(3) > 0;
  if (!leaf) {
    const k = ri(3);
    if (k < 2) {
      const el = randType(depth + 1);
      const n = k === 0 ? null : 1 + ri(3);
      const suffix = n === null ? "[]" : `[${n}]`;
      return {
        ours: el.ours + suffix, theirs: el.theirs + suffix,
        gen() {
          const len = n === null ? ri(4) : n;
          const items = Array.from({ length: len }, () => el.gen(true));
          return {
            js: items.map((x) => x.js),
            arg: "[" + items.map((x) => x.arg).join(ri(2) ? "," : ", ") + "]",
            out: "[" + items.map((x) => x.out).join(", ") + "]",
          };
        },
      };
    }
    const fields = Array.from({ length: 1 + ri(3) }, () => randType(depth + 1));
    return {
      ours: "(" + fields.map((f) => f.ours).join(",") + ")",
      theirs: "tuple(" + fields.map((f) => f.theirs).join(",") + ")",
      gen() {
        const items = fields.map((f) => f.gen(true));
        return {
          js: items.map((x) => x.js),
          arg: "(" + items.map((x) => x.arg).join(ri(2) ? "," : ", ") + ")",
          out: "(" + items.map((x) => x.out).join(", ") + ")",
        };
      },
    };
  }
  const k = ri(8);
  if (k === 0 || k === 1) {
    const bits = ri(3) === 0 ? 256 : 8 * (1 + ri(32));
    const signed = k === 1;
    const name = (signed ? "int" : "uint") + bits;
    const alias = bits === 256 && ri(3) === 0 ? (signed ? "int" : "uint") : name;
    return {
      ours: alias, theirs: name,
      gen() {
        let v = randBig(signed ? bits - 1 : bits);
        if (signed && ri(2)) v = -v - (ri(4) === 0 ? 1n : 0n);
        const txt = v < 0n ? "-" + (ri(3) === 0 ? "0x" + (-v).toString(16) : (-v).toString())
                           : ri(3) === 0 ? "0x" + v.toString(16) : v.toString();
        return { js: v, arg: txt, out: v.toString() };
      },
    };
  }
  if (k === 2) return { ours: "address", theirs: "address", gen() {
    const a = randAddress();
    return { js: a, arg: a, out: ethers.getAddress(a) };
  } };
  if (k === 3) return { ours: "bool", theirs: "bool", gen() {
    const b = ri(2) === 1;
    return { js: b, arg: String(b), out: String(b) };
  } };
  if (k === 4) {
    const n = 1 + ri(32);
    return { ours: "bytes" + n, theirs: "bytes" + n, gen() {
      const h = hex(randBytes(n));
      return { js: h, arg: h, out: h };
    } };
  }
  if (k === 5) return { ours: "bytes", theirs: "bytes", gen() {
    const h = hex(randBytes(ri(4) === 0 ? ri(100) : ri(40)));
    return { js: h, arg: h, out: h };
  } };
  return { ours: "string", theirs: "string", gen(nested) {
    // At top level anything goes (taken verbatim); nested strings are
    // quoted, so they stay within a quote-free alphabet.
    if (nested) { const t = randText(ri(20), false); return { js: t, arg: JSON.stringify(t), out: t }; }
    const t = randText(ri(50), true);
    return { js: t, arg: t, out: t };
  } };
}

for (let i = 0; i < COUNT * 3; i++) {
  const n = ri(5);
  const types = Array.from({ length: n }, () => randType(0));
  const vals = types.map((t) => t.gen(false));
  const jsVals = vals.map((v) => v.js);
  let enc;
  try {
    enc = ethers.AbiCoder.defaultAbiCoder().encode(types.map((t) => t.theirs), jsVals);
  } catch (e) {
    continue;
  }
  const sig = "f" + i + "(" + types.map((t) => t.ours).join(",") + ")";
  const canon = "f" + i + "(" + types.map((t) => t.theirs.replace(/tuple\(/g, "(")).join(",") + ")";
  const args = vals.map((v) => v.arg);
  emit("abi-encode", ["abi-encode", sig, ...args], enc);
  emit("calldata", ["calldata", sig, ...args], ethers.id(canon).slice(0, 10) + enc.slice(2));
  const outSig = "g(uint256)(" + types.map((t) => t.ours).join(",") + ")";
  emit("abi-decode", ["abi-decode", outSig, enc], vals.map((v) => v.out).join("\n"));
}

// ---- RLP ----
function randRlp(depth) {
  if (depth < 4 && ri(3) === 0) return Array.from({ length: ri(5) }, () => randRlp(depth + 1));
  const r = ri(6);
  if (r === 0) return "0x";
  if (r === 1) return hex(randBytes(1));
  if (r === 2) return hex(randBytes(56 + ri(300)));
  return hex(randBytes(ri(60)));
}
for (let i = 0; i < COUNT; i++) {
  const v = randRlp(0);
  const enc = ethers.encodeRlp(v);
  emit("to-rlp", ["to-rlp", JSON.stringify(v)], enc);
  emit("from-rlp", ["from-rlp", enc], JSON.stringify(ethers.decodeRlp(enc)));
}

// ---- keys, messages, transactions ----
function randKey() {
  for (;;) {
    const k = hex(randBytes(32));
    try {
      return new ethers.Wallet(k);
    } catch (e) {}
  }
}
const big = (bits) => randBig(bits).toString();
for (let i = 0; i < COUNT; i++) {
  const w = randKey();
  const pk = w.privateKey;
  emit("address", ["address", "--private-key", pk], w.address);
  const text = randText(ri(80), true);
  if (!text.startsWith("0x")) emit("sign-message", ["sign-message", "--private-key", pk, text], w.signMessageSync(text));
  const raw = randBytes(ri(70));
  emit("sign-message", ["sign-message", "--private-key", pk, hex(raw)], w.signMessageSync(raw));

  const type = ri(3);
  const tx = { type, chainId: pick(["1", "5", "137", "31337", big(40)]), nonce: big(ri(2) ? 16 : 48),
               gasLimit: big(ri(2) ? 24 : 64) };
  if (type === 0 && ri(6) === 0) tx.chainId = "0";
  if (type === 2) {
    const max = randBig(64);
    tx.maxFeePerGas = max.toString();
    tx.maxPriorityFeePerGas = (ri(3) === 0 ? max : max / BigInt(1 + ri(1000))).toString();
  }
  else tx.gasPrice = big(ri(2) ? 40 : 64);
  if (ri(4)) tx.to = randAddress(); else if (ri(2)) tx.to = null;
  if (ri(3)) tx.value = big(ri(2) ? 64 : 256);
  if (ri(3)) tx.data = hex(randBytes(ri(3) === 0 ? ri(400) : ri(40)));
  if (type !== 0 && ri(2)) tx.accessList = Array.from({ length: ri(3) }, () => ({
    address: randAddress(), storageKeys: Array.from({ length: ri(3) }, () => hex(randBytes(32))) }));
  const t = ethers.Transaction.from({ ...tx, chainId: BigInt(tx.chainId) });
  t.signature = w.signingKey.sign(t.unsignedHash);
  emit("sign-tx-" + type, ["sign-tx", "--private-key", pk, "--json", JSON.stringify(tx)], t.serialized);
}

// ---- EIP-712 ----
const ATOMS = ["uint256", "uint8", "int64", "int256", "address", "bool", "bytes32", "bytes4", "bytes", "string"];
function atomValue(t) {
  if (t.startsWith("uint")) { const v = randBig(parseInt(t.slice(4), 10)); return ri(2) ? v.toString() : "0x" + v.toString(16); }
  if (t.startsWith("int")) { const b = parseInt(t.slice(3), 10); let v = randBig(b - 1); if (ri(2)) v = -v; return v.toString(); }
  if (t === "address") return randAddress();
  if (t === "bool") return ri(2) === 1;
  if (t === "bytes") return hex(randBytes(ri(50)));
  if (t.startsWith("bytes")) return hex(randBytes(parseInt(t.slice(5), 10)));
  return randText(ri(30), true);
}
for (let i = 0; i < COUNT; i++) {
  const nstruct = 1 + ri(3);
  const names = ["Mail", "Person", "Asset", "Order"].slice(0, nstruct);
  const types = {};
  // Struct k may reference only structs after it (no cycles).
  for (let k = 0; k < nstruct; k++) {
    const fields = [];
    const nf = 1 + ri(4);
    for (let f = 0; f < nf; f++) {
      let t = pick(ATOMS);
      if (k + 1 < nstruct && ri(3) === 0) t = names[k + 1 + ri(nstruct - k - 1)];
      if (ri(5) === 0) t += ri(2) ? "[]" : "[2]";
      fields.push({ name: "f" + f, type: t });
    }
    // ethers rejects unused types: make sure struct k+1 is reachable.
    if (k + 1 < nstruct && !fields.some((f) => f.type.startsWith(names[k + 1])))
      fields.splice(ri(fields.length + 1), 0, { name: "next", type: names[k + 1] + (ri(4) === 0 ? "[]" : "") });
    types[names[k]] = fields;
  }
  function value(t) {
    const m = t.match(/^(.*)\[(\d*)\]$/);
    if (m) return Array.from({ length: m[2] === "" ? ri(3) : parseInt(m[2], 10) }, () => value(m[1]));
    if (types[t]) { const o = {}; for (const f of types[t]) o[f.name] = value(f.type); return o; }
    return atomValue(t);
  }
  const message = value(names[0]);
  const domain = {};
  if (ri(4)) domain.name = randText(ri(12), false);
  if (ri(2)) domain.version = String(ri(5));
  if (ri(4)) domain.chainId = ri(2) ? 1 : String(ri(100000));
  if (ri(2)) domain.verifyingContract = randAddress();
  if (ri(5) === 0) domain.salt = hex(randBytes(32));
  // ethers needs at least one domain field.
  if (Object.keys(domain).length === 0) domain.name = "x";
  let h;
  try { h = ethers.TypedDataEncoder.hash(domain, types, message); } catch (e) { continue; }
  const doc = { types, primaryType: names[0], domain, message };
  emit("hash-typed-data", ["hash-typed-data", "--json", JSON.stringify(doc)], h);
}

process.stdout.write(out.join("\n") + "\n");
