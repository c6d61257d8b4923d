// The Node.js side of bench/graphql/http.sh: graphql-http's handler for
// node:http with graphql 16, the schema and root value of bench_data.js.
//   node http_server.js NODE_MODULES_DIR PORT
'use strict';
const path = require('path');
const http = require('http');
const dir = process.argv[2];
const g = require(path.join(dir, 'graphql'));
const { createHandler } = require(path.join(dir, 'graphql-http/lib/use/http'));
const { schema, root } = require('./bench_data.js')(g);
const handler = createHandler({ schema, rootValue: root });
http.createServer((req, res) => {
  if (req.url.startsWith('/graphql')) return handler(req, res);
  res.writeHead(404).end();
}).listen(Number(process.argv[3]), '127.0.0.1');
