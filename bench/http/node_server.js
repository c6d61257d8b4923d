// Node.js peer for bench/http/run.sh: one process, the core `http` module,
// the same two routes as `cortex serve`.
//
//   node node_server.js [host] [port]
'use strict';
const http = require('http');

const host = process.argv[2] || '127.0.0.1';
const port = Number(process.argv[3] || 8080);
const plaintext = Buffer.from('Hello, World!');

function handle(req, res) {
  if (req.url === '/plaintext') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': plaintext.length });
    res.end(plaintext);
  } else if (req.url === '/json') {
    // Serialised per request, as Cortex does.
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
}

const server = http.createServer(handle);
// The idle-memory test holds connections open for a while; Node's 5 s
// keep-alive default would close them under the measurement.
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.listen({ host, port, backlog: 4096 }, () => {
  console.log(`node ${process.version} listening on ${host}:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
