// Requests per second of Node.js's built-in fetch (undici) against one URL:
//   node node_fetch.js URL CONC SECONDS WARMUP
// CONC async workers loop over `await fetch(url)` and read each body. TLS
// trusts NODE_EXTRA_CA_CERTS. Prints the same line as bench_fetch.c.
'use strict';
const [url, conc = '1', seconds = '5', warmup = '1'] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const start = now() + Number(warmup);
const end = start + Number(seconds);
let ok = 0, errors = 0, firstError = null;

async function worker() {
  while (now() < end) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (now() >= start) { if (res.status === 200) ok++; else errors++; }
    } catch (e) {
      if (now() >= start) errors++;
      if (!firstError) firstError = e;
    }
  }
}

(async () => {
  await Promise.all(Array.from({ length: Number(conc) }, worker));
  const took = now() - start;
  console.log(`mode=node conc=${conc} ok=${ok} errors=${errors} seconds=${took.toFixed(2)} ` +
              `rps=${Math.round(ok / took)}`);
  if (firstError) console.error('first error:', firstError.cause || firstError);
  process.exit(errors ? 1 : 0);
})();
