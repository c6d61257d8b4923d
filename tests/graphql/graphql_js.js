// Reference runner: executes GraphQL cases with graphql-js 16 exactly as
// `cortex graphql exec` / `introspect` are specified to behave, and prints
// one compact JSON response per case.
//   node graphql_js.js GRAPHQL_MODULE_DIR cases.json > results.json
// cases.json: [{"schema": SDL, "root": value, "query": text,
//               "variables": obj|null, "operation": name|null,
//               "introspect": bool}, ...]
// Output: a JSON array of response strings (or {"throw": message}).
'use strict';
const fs = require('fs');
const g = require(process.argv[2]);
const cases = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const schemas = new Map();
function schemaOf(sdl) {
  if (!schemas.has(sdl)) schemas.set(sdl, g.buildSchema(sdl));
  return schemas.get(sdl);
}
function run(c) {
  const schema = schemaOf(c.schema);
  const query = c.introspect ? g.getIntrospectionQuery({ descriptions: true }) : c.query;
  let doc;
  try {
    doc = g.parse(query);
  } catch (e) {
    return { errors: [e] };
  }
  const errors = g.validate(schema, doc);
  if (errors.length) return { errors };
  return g.execute({
    schema,
    document: doc,
    rootValue: c.root,
    variableValues: c.variables == null ? undefined : c.variables,
    operationName: c.operation == null ? undefined : c.operation,
  });
}
const out = cases.map((c) => {
  try {
    return JSON.stringify(run(c));
  } catch (e) {
    return JSON.stringify({ throw: String(e && e.message) });
  }
});
process.stdout.write(JSON.stringify(out));
