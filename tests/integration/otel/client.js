// The traced Node.js client of the interop test: the OpenTelemetry JS SDK
// with the http instrumentation makes a CLIENT span for one GET and injects
// its traceparent; the span goes to the receiver through the SDK's own OTLP
// protobuf exporter. Prints one JSON line: the status, the body and the
// client span's ids.
//
//   node client.js URL OTLP_URL       (the modules are found through NODE_PATH)
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

const [url, otlpUrl] = process.argv.slice(2);
const exporter = new OTLPTraceExporter({ url: otlpUrl });
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'node-client' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
provider.register();
let clientSpan = null;
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      // Only our GET: not the exporter's own POSTs to the receiver.
      ignoreOutgoingRequestHook: (opts) => (opts.path || '').startsWith('/v1/traces'),
      requestHook: (span) => {
        clientSpan = span;
      },
    }),
  ],
});

// Required after the instrumentation is registered, so that it is patched.
const http = require('http');

function done(out, code) {
  provider
    .forceFlush()
    .then(() => provider.shutdown())
    .then(() => {
      console.log(JSON.stringify(out));
      process.exit(code);
    }, (e) => {
      console.log(JSON.stringify({ ...out, flushError: String(e) }));
      process.exit(1);
    });
}

http
  .get(url, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const ctx = clientSpan ? clientSpan.spanContext() : {};
      done({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'),
             traceId: ctx.traceId, spanId: ctx.spanId }, 0);
    });
  })
  .on('error', (e) => done({ error: String(e) }, 1));
