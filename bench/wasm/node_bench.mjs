// Runs the same kernels.wasm under node (V8: JIT-compiled wasm) for comparison.
//   node node_bench.mjs build/wasm/kernels.wasm
import { readFileSync } from "node:fs";
const bytes = readFileSync(process.argv[2]);
const { instance } = await WebAssembly.instantiate(bytes, {});
const e = instance.exports;
const ks = [["fib", 30], ["matmul", 100], ["sha256", 1000], ["sort", 100000], ["coremark", 2000]];
for (const [k, arg] of ks) {
  let best = Infinity, r;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    r = e[k](arg);
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (t < best) best = t;
  }
  console.log(`${k.padEnd(10)} ${best.toFixed(2).padStart(10)} ms  (result ${r})`);
}
