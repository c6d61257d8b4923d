#!/usr/bin/env python3
"""Schema validation parity of `cortex graphql introspect` with graphql-js 16.

Every SDL below goes through graphql-js's buildSchema() (its SDL rules) and
validateSchema(), and through `cortex graphql introspect --schema`. For each
schema both must agree on valid / invalid; for invalid ones the messages are
compared as sets and the share of graphql-js messages Cortex gives word for
word must stay at or above MESSAGE_RATE (every mismatch is printed). Uses the
graphql@16 install of test_graphql_parity ($CX_BUILD_DIR/npm/graphql),
installing it when missing (SKIPPED when npm is unreachable).
Prints "N passed, N failed".
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# the graphql-js install, CLI location and SKIP handling of the query parity test
import test_graphql_parity as base  # noqa: E402

CORTEX = base.CORTEX
GRAPHQL_JS = base.GRAPHQL_JS
MESSAGE_RATE = 0.95

Q = "type Query { a: Int }\n"

CASES = [
    # root types
    ("no_query", "type Foo { a: Int }"),
    ("query_not_object", "schema { query: Q } input Q { a: Int }"),
    ("mutation_not_object", Q + "schema { query: Query mutation: M } input M { a: Int }"),
    ("subscription_not_object", Q + "schema { query: Query subscription: S } union S = Query"),
    ("roots_ok", Q + "type M { b: Int } schema { query: Query mutation: M subscription: M }"),
    # names reserved for introspection
    ("type_dunder", "type Query { a: __Foo } type __Foo { a: Int }"),
    ("field_dunder", "type Query { __a: Int }"),
    ("arg_dunder", "type Query { a(__b: Int): Int }"),
    ("enum_value_dunder", "type Query { a: E } enum E { __X Y }"),
    ("input_field_dunder", "type Query { a(i: In): Int } input In { __x: Int }"),
    ("directive_dunder", Q + "directive @__d on FIELD"),
    ("directive_arg_dunder", Q + "directive @d(__a: Int) on FIELD"),
    # directive definitions
    ("directive_arg_output", Q + "directive @d(a: Query) on FIELD"),
    ("directive_arg_dup", Q + "directive @d(a: Int, a: String) on FIELD"),
    ("directive_req_arg_deprecated", Q + "directive @d(a: Int! @deprecated) on FIELD"),
    ("directive_opt_arg_deprecated", Q + "directive @d(a: Int @deprecated, b: Int! = 1 @deprecated) on FIELD"),
    ("directive_dup", Q + "directive @d on FIELD directive @d on QUERY"),
    # fields and arguments
    ("object_no_fields", "type Query { a: Foo } type Foo"),
    ("interface_no_fields", "type Query { a: I } interface I"),
    ("field_input_type", "type Query { a: In } input In { b: Int }"),
    ("arg_output_type", "type Query { a(b: Query): Int }"),
    ("arg_output_type_list", "type Query { a(b: [Query!]): Int }"),
    ("field_arg_dup", "type Query { a(b: Int, b: Int): Int }"),
    ("field_dup", "type Query { a: Int a: String }"),
    ("req_arg_deprecated", "type Query { a(b: Int! @deprecated(reason: \"x\")): Int }"),
    ("opt_arg_deprecated", "type Query { a(b: Int @deprecated, c: Int! = 2 @deprecated): Int }"),
    # interfaces
    ("implements_object", "type Query implements Foo { a: Int } type Foo { a: Int }"),
    ("implements_union", "type Query implements U { a: Int } union U = Query"),
    ("implements_self", "type Query { i: I } interface I implements I { a: Int }"),
    ("implements_twice", "type Query implements I & I { a: Int } interface I { a: Int }"),
    ("missing_field", "type Query implements I { a: Int } interface I { a: Int b: String }"),
    ("field_not_subtype", "type Query implements I { a: String } interface I { a: Int }"),
    ("nullable_for_non_null", "type Query implements I { a: Int } interface I { a: Int! }"),
    ("list_for_item", "type Query implements I { a: Int } interface I { a: [Int] }"),
    ("item_for_list", "type Query implements I { a: [Int] } interface I { a: Int }"),
    ("covariant_ok",
     "type Query implements I { a: Int! b: [Obj!]! c: Obj d: Obj u: Obj }\n"
     "interface I { a: Int b: [J] c: J d: Obj u: U }\n"
     "interface J { x: Int } type Obj implements J { x: Int } union U = Obj"),
    ("covariant_interface_bad",
     "type Query implements I { c: Other }\n"
     "interface I { c: J } interface J { x: Int } type Other { x: Int }"),
    ("covariant_union_bad",
     "type Query implements I { u: Other }\n"
     "interface I { u: U } type Obj { x: Int } type Other { x: Int } union U = Obj"),
    ("arg_missing", "type Query implements I { a: Int } interface I { a(x: Int): Int }"),
    ("arg_type_differs", "type Query implements I { a(x: Int!): Int } interface I { a(x: Int): Int }"),
    ("arg_type_differs_back", "type Query implements I { a(x: Int): Int } interface I { a(x: Int!): Int }"),
    ("arg_type_list_differs", "type Query implements I { a(x: [Int!]): Int } interface I { a(x: [Int]): Int }"),
    ("arg_type_name_differs", "type Query implements I { a(x: String): Int } interface I { a(x: Int): Int }"),
    ("arg_types_equal", "type Query implements I { a(x: [Int!]!): Int } interface I { a(x: [Int!]!): Int }"),
    ("extra_arg_required", "type Query implements I { a(x: Int, y: Int!): Int } interface I { a(x: Int): Int }"),
    ("extra_arg_optional", "type Query implements I { a(x: Int, y: Int, z: Int! = 1): Int } interface I { a(x: Int): Int }"),
    ("iface_extra_arg_required",
     "type Query { j: J } interface I { a: Int } interface J implements I { a(y: Int!): Int }"),
    ("transitive_missing",
     "type Query implements B { a: Int } interface A { a: Int } interface B implements A { a: Int }"),
    ("transitive_ok",
     "type Query implements B & A { a: Int } interface A { a: Int } interface B implements A { a: Int }"),
    ("transitive_circular",
     "type Query { a: A } interface A implements B { a: Int } interface B implements A { a: Int }"),
    ("implements_unknown", "type Query implements Nope { a: Int }"),
    # unions
    ("union_interface_member", "type Query { u: U } union U = I interface I { a: Int }"),
    ("union_scalar_member", "type Query { u: U } union U = Query | String"),
    ("union_dup_member", "type Query { u: U } union U = Query | Query"),
    ("union_empty", "type Query { u: U } union U"),
    ("union_ok", "type Query { u: U } union U = Query | B type B { b: Int }"),
    # enums
    ("enum_empty", "type Query { e: E } enum E"),
    ("enum_dup_value", "type Query { e: E } enum E { A B A }"),
    ("enum_ok", "type Query { e: E } enum E { A B @deprecated }"),
    # input objects
    ("input_empty", "type Query { a(i: In): Int } input In"),
    ("input_field_output", "type Query { a(i: In): Int } input In { x: Query }"),
    ("input_field_dup", "type Query { a(i: In): Int } input In { x: Int x: String }"),
    ("input_req_field_deprecated", "type Query { a(i: In): Int } input In { x: Int! @deprecated }"),
    ("input_opt_field_deprecated", "type Query { a(i: In): Int } input In { x: Int @deprecated y: Int! = 3 @deprecated }"),
    ("input_self_cycle", "type Query { a(i: In): Int } input In { x: In! }"),
    ("input_cycle", "type Query { a(i: A): Int } input A { b: B! } input B { c: C! } input C { a: A! }"),
    ("input_two_cycles",
     "type Query { a(i: A): Int } input A { b: B! s: A! } input B { a: A! }"),
    ("input_nullable_cycle_ok", "type Query { a(i: A): Int } input A { a: A b: B! } input B { a: A }"),
    ("input_list_cycle_ok", "type Query { a(i: A): Int } input A { a: [A!]! }"),
    ("oneof_non_null", "type Query { a(i: O): Int } input O @oneOf { a: Int! b: Int }"),
    ("oneof_default", "type Query { a(i: O): Int } input O @oneOf { a: Int = 1 b: Int }"),
    ("oneof_ok", "type Query { a(i: O): Int } input O @oneOf { a: Int b: O }"),
    # several problems at once
    ("many",
     "type Query implements I { a(x: String): [Int] __b: Int }\n"
     "interface I { a(x: Int, y: Int): Int c: Int }\n"
     "union U = I | Query | Query\n"
     "input In { s: In! t: Query }\n"
     "enum E { __A }\n"
     "directive @d(a: Int! @deprecated, b: Query) on FIELD"),
]

RUNNER = r"""
'use strict';
const g = require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const out = cases.map((sdl) => {
  let schema;
  try {
    schema = g.buildSchema(sdl);
  } catch (e) {
    return { valid: false, messages: String(e.message).split('\n\n') };
  }
  const errors = g.validateSchema(schema);
  return { valid: errors.length === 0, messages: errors.map((e) => e.message) };
});
process.stdout.write(JSON.stringify(out));
"""


def cortex(path):
    r = subprocess.run([CORTEX, "graphql", "introspect", "--schema", path],
                       capture_output=True, timeout=30)
    if r.returncode == 0:
        json.loads(r.stdout.decode())  # a valid schema prints its introspection
        return True, []
    err = r.stderr.decode(errors="replace").splitlines()
    if not err or not err[0].startswith("cortex graphql: invalid schema"):
        return None, err  # crashed or failed otherwise
    return False, [line for line in err[1:] if line]


def main():
    if not os.path.exists(CORTEX):
        print("cortex binary not found: " + CORTEX)
        print("0 passed, 1 failed")
        return 1
    base.ensure_graphql_js()
    tmp = tempfile.mkdtemp(prefix="cx-gql-schema-")
    try:
        runner = os.path.join(tmp, "runner.js")
        with open(runner, "w") as f:
            f.write(RUNNER)
        cpath = os.path.join(tmp, "cases.json")
        with open(cpath, "w") as f:
            json.dump([sdl for _, sdl in CASES], f)
        r = subprocess.run(["node", runner, GRAPHQL_JS, cpath], capture_output=True, timeout=120)
        if r.returncode != 0:
            print("graphql-js runner failed: " + r.stderr.decode(errors="replace"))
            print("0 passed, 1 failed")
            return 1
        js = json.loads(r.stdout.decode())
        passed = failed = 0
        mtotal = mequal = 0
        for (name, sdl), ref in zip(CASES, js):
            path = os.path.join(tmp, name + ".graphql")
            with open(path, "w") as f:
                f.write(sdl)
            valid, msgs = cortex(path)
            if valid is None:
                failed += 1
                print("FAIL %s: cortex failed: %s" % (name, msgs))
                continue
            if valid != ref["valid"]:
                failed += 1
                print("FAIL %s: graphql-js %s, cortex %s\n  js: %s\n  cx: %s" % (
                    name, "accepts" if ref["valid"] else "rejects",
                    "accepts" if valid else "rejects", ref["messages"], msgs))
                continue
            passed += 1
            for m in ref["messages"]:
                mtotal += 1
                if m in msgs:
                    mequal += 1
                else:
                    print("  message %s: js %r\n    cx %s" % (name, m, msgs))
        rate = mequal / mtotal if mtotal else 1.0
        print("schemas: %d, graphql-js messages given word for word: %d/%d (%.1f%%)" % (
            len(CASES), mequal, mtotal, 100 * rate))
        if rate < MESSAGE_RATE:
            print("FAIL message match rate below %.0f%%" % (100 * MESSAGE_RATE))
            failed += 1
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        base.shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
