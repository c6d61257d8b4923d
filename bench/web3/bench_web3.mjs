// The same operations as bench_web3.c, with ethers v6 in Node (its Keccak
// and secp256k1 come from @noble/hashes and @noble/curves). Same output
// format; timed with process.cpuUsage (user+system CPU), median of RUNS.
import { createRequire } from "module";
import path from "path";

const [ethersDir, runsArg, secsArg] = process.argv.slice(2);
const require = createRequire(path.join(ethersDir, "node_modules", "x.js"));
const ethers = require("ethers");
const RUNS = parseInt(runsArg || "5", 10);
const SECS = parseFloat(secsArg || "0.5");

function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
let sink = 0;
function measure(fn) {
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    let n = 0, batch = 1, t;
    const t0 = cpu();
    do {
      for (let i = 0; i < batch; i++) fn(n + i);
      n += batch;
      if (batch < 4096) batch *= 2;
    } while ((t = cpu() - t0) < SECS);
    rates.push(n / t);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(RUNS / 2)];
}

const big = new Uint8Array(1 << 20);
for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
for (const [name, size] of [["keccak256_32B", 32], ["keccak256_1KiB", 1024], ["keccak256_1MiB", 1 << 20]]) {
  const view = big.subarray(0, size);
  const r = measure((i) => { view[0] = i & 255; sink ^= ethers.keccak256(view).charCodeAt(2); });
  console.log(`${name}\t${r.toFixed(0)}\t${(r * size / 1e6).toFixed(1)}`);
}
const key = new ethers.SigningKey("0x" + "46".repeat(32));
const wallet = new ethers.Wallet(key);
const digest = new Uint8Array(32);
console.log(`sign_digest\t${measure((i) => {
  digest[0] = i & 255; digest[1] = (i >> 8) & 255; digest[2] = (i >> 16) & 255;
  sink ^= key.sign(digest).v;
}).toFixed(0)}\t0`);
console.log(`sign_tx_eip1559\t${measure((i) => {
  const tx = ethers.Transaction.from({ type: 2, chainId: 1n, nonce: i, gasLimit: 21000n,
    maxFeePerGas: 30000000000n, maxPriorityFeePerGas: 1000000000n,
    value: 1000000000000000000n, to: "0x" + "35".repeat(20) });
  tx.signature = key.sign(tx.unsignedHash);
  sink ^= tx.serialized.length;
}).toFixed(0)}\t0`);
console.log(`sign_message_eip191\t${measure((i) => {
  sink ^= wallet.signMessageSync("hello world " + i).length;
}).toFixed(0)}\t0`);
const d1 = new Uint8Array(32); d1[0] = 1;
const sig = key.sign(d1);
console.log(`recover\t${measure(() => {
  sink ^= ethers.SigningKey.recoverPublicKey(d1, sig).length;
}).toFixed(0)}\t0`);
if (sink === 0.5) console.log("");
