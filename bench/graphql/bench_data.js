// The schema and root value of the GraphQL benchmarks for graphql-js, the
// same as bench_data.h builds for Cortex.
//   const { schema, root } = require('./bench_data.js')(graphqlModule);
'use strict';
module.exports = (g) => {
  const schema = g.buildSchema(`
type Query { hero: Character items: [Item!]! }
type Character { id: ID! name: String! friends: [Character] }
type Item { id: ID! name: String! price: Float tags: [String!]! owner: Character count: Int }
`);
  const items = [];
  for (let i = 0; i < 1000; i++)
    items.push({ id: String(i), name: `item ${i}`, price: i + 0.25, tags: ['a', 'b'],
                 owner: { id: String(i % 7), name: `owner ${i % 7}` }, count: i * 3 });
  const root = { hero: { id: '1', name: 'R2-D2', friends: [{ id: '2', name: 'Luke' }, { id: '3', name: 'Han' }] }, items };
  return { schema, root };
};
