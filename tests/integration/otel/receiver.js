// An OTLP/HTTP trace receiver for the interop test: POST /v1/traces with
// application/x-protobuf (decoded with the generated root of the official
// opentelemetry-proto definitions that ship in @opentelemetry/otlp-transformer)
// or application/json (the OTLP JSON mapping: checked with the same
// definitions, see fromJson). GET /spans lists every span received, one
// flat record each, with the content type it came in; GET /errors lists
// bodies that did not decode.
//
//   node receiver.js PORT      (the modules are found through NODE_PATH)
'use strict';
const http = require('http');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const pb = root.opentelemetry.proto;
const Request = pb.collector.trace.v1.ExportTraceServiceRequest;
const Response = pb.collector.trace.v1.ExportTraceServiceResponse;

const spans = [];
const errors = [];

const hex = (b) => (b ? Buffer.from(b).toString('hex') : '');

function anyValue(v) {
  if (!v) return null;
  for (const k of ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue'])
    if (v[k] !== undefined && v[k] !== null) return k === 'intValue' ? String(v[k]) : v[k];
  return null;
}

function attrs(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = anyValue(kv.value);
  return out;
}

// One record per span of a decoded ExportTraceServiceRequest.
function collect(msg, wire) {
  const obj = Request.toObject(msg, { longs: String, enums: Number, defaults: true });
  for (const rs of obj.resourceSpans || []) {
    const res = attrs(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        spans.push({
          wire,
          service: res['service.name'],
          scope: ss.scope ? ss.scope.name : '',
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          start: s.startTimeUnixNano,
          end: s.endTimeUnixNano,
          attributes: attrs(s.attributes),
          events: (s.events || []).map((e) => e.name),
          statusCode: s.status ? s.status.code : 0,
          flags: s.flags,
        });
      }
    }
  }
}

// Every key of a JSON object must name a field of the message it was read
// into: a misspelt field would otherwise be dropped without a word.
function knownKeys(j, msg, path) {
  for (const k of Object.keys(j)) {
    if (!(k in msg)) throw new Error('unknown field ' + path + k);
    const v = j[k];
    if (Array.isArray(v))
      v.forEach((e, i) => {
        if (e && typeof e === 'object' && !Buffer.isBuffer(e)) knownKeys(e, msg[k][i], path + k + '[' + i + '].');
      });
    else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) knownKeys(v, msg[k], path + k + '.');
  }
}

// The OTLP JSON mapping differs from protobufjs's JSON in one way: trace
// and span ids are hex, not base64. Turn them into bytes, build the message
// with the official definitions (64-bit integers as decimal strings, enums
// as numbers, as the protobuf JSON mapping allows), check that no key was
// left unread, and take it through the wire format and back.
function fromJson(text) {
  const j = JSON.parse(text);
  const ids = (o) => {
    for (const k of ['traceId', 'spanId', 'parentSpanId'])
      if (typeof o[k] === 'string') {
        if (!/^([0-9a-f]{2})*$/.test(o[k])) throw new Error('bad hex id ' + k + ': ' + o[k]);
        o[k] = Buffer.from(o[k], 'hex');
      }
  };
  for (const rs of j.resourceSpans || [])
    for (const ss of rs.scopeSpans || [])
      for (const s of ss.spans || []) {
        ids(s);
        (s.links || []).forEach(ids);
      }
  const msg = Request.fromObject(j);
  knownKeys(j, Request.toObject(msg, { defaults: true, arrays: true, oneofs: true }), '');
  return Request.decode(Request.encode(msg).finish());
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.method === 'GET' && req.url === '/spans') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(spans));
    }
    if (req.method === 'GET' && req.url === '/errors') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(errors));
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404);
      return res.end();
    }
    const type = (req.headers['content-type'] || '').split(';')[0].trim();
    try {
      if (type === 'application/x-protobuf') {
        collect(Request.decode(body), 'protobuf');
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        return res.end(Buffer.from(Response.encode(Response.create({})).finish()));
      }
      if (type === 'application/json') {
        collect(fromJson(body.toString('utf8')), 'json');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{}');
      }
      throw new Error('unexpected content type ' + type);
    } catch (e) {
      errors.push({ type, error: String(e), bytes: body.length });
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(String(e));
    }
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening on :' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
