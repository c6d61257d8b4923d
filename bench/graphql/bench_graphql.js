// The graphql-js side of bench_graphql.c: same schema, root and queries;
// graphql() (parse + validate + execute) plus JSON.stringify per request.
//   node bench_graphql.js GRAPHQL_MODULE_DIR SECONDS
'use strict';
const g = require(process.argv[2]);
const secs = Number(process.argv[3] || 2);
const { schema, root } = require('./bench_data.js')(g);
function bench(name, source) {
  let n = 0, out = '';
  // CPU time (user + system) of the process: fair on a shared machine
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const t0 = cpu();
  let t;
  do {
    for (let i = 0; i < 16; i++) {
      out = JSON.stringify(g.graphqlSync({ schema, source, rootValue: root }));
      n++;
    }
    t = cpu() - t0;
  } while (t < secs);
  console.log(`${name} ${Math.round(n / t)} ${out.length}`);
}
bench('simple', '{ hero { name } }');
bench('list1000', '{ items { id name price tags count owner { id name } } }');
