/* Schema validation (graphql-js 16's validateSchema and SDL rules) without
 * node: each invalid SDL must be refused with graphql-js's message; each
 * valid one accepted. The full comparison with graphql-js runs in
 * tests/integration/test_graphql_schema_parity.py. */
#include "harness.h"
#include <cortex/error.h>
#include <cortex/graphql.h>
#include <string.h>

/* NULL when sdl is accepted, else the error text (static buffer). */
static const char *refuse(const char *sdl) {
    static char text[4096];
    cx_buf err = {0};
    cx_gql_schema *s = NULL;
    int rc = cx_gql_schema_parse(sdl, strlen(sdl), NULL, &s, &err);
    cx_gql_schema_free(s);
    snprintf(text, sizeof text, "%.*s", (int)err.len, err.data ? err.data : "");
    cx_buf_free(&err);
    return rc ? text : NULL;
}

#define REFUSED(sdl, msg)                                                                          \
    do {                                                                                           \
        const char *e_ = refuse(sdl);                                                              \
        CHECK(e_ != NULL);                                                                         \
        if (e_) CHECK(strstr(e_, msg) != NULL);                                                    \
    } while (0)

TEST(root_types) {
    REFUSED("type Foo { a: Int }", "Query root type must be provided.");
    REFUSED("type Query { a: Int } schema { query: Query mutation: M } input M { a: Int }",
            "Mutation root type must be Object type if provided, it cannot be M.");
}

TEST(reserved_names_and_directives) {
    REFUSED("type Query { __a: Int }", "Name \"__a\" must not begin with \"__\"");
    REFUSED("type Query { a: E } enum E { __X }", "Name \"__X\" must not begin");
    REFUSED("type Query { a: Int } directive @d(a: Query) on FIELD",
            "The type of @d(a:) must be Input Type but got: Query.");
    REFUSED("type Query { a: Int } directive @d(a: Int, a: Int) on FIELD",
            "Argument \"@d(a:)\" can only be defined once.");
    REFUSED("type Query { a: Int } directive @d(a: Int! @deprecated) on FIELD",
            "Required argument @d(a:) cannot be deprecated.");
    CHECK(!refuse("type Query { a(b: Int @deprecated, c: Int! = 1 @deprecated): Int }"));
}

TEST(interface_rules) {
    REFUSED("type Query implements I { a(x: Int!): Int } interface I { a(x: Int): Int }",
            "Interface field argument I.a(x:) expects type Int but Query.a(x:) is type Int!.");
    REFUSED("type Query implements I { a(x: Int, y: Int!): Int } interface I { a(x: Int): Int }",
            "Object field Query.a includes required argument y that is missing from the "
            "Interface field I.a.");
    REFUSED("type Query implements I { a: Int } interface I { a: [Int] }",
            "Interface field I.a expects type [Int] but Query.a is type Int.");
    REFUSED("type Query { a: A } interface A implements B { a: Int } interface B implements A "
            "{ a: Int }",
            "Type A cannot implement B because it would create a circular reference.");
    CHECK(!refuse("type Query implements I { b: [Obj!]! c: Obj u: Obj }\n"
                  "interface I { b: [J] c: J u: U } interface J { x: Int }\n"
                  "type Obj implements J { x: Int } union U = Obj"));
}

TEST(unions_enums_inputs) {
    REFUSED("type Query { u: U } union U = Query | Query",
            "Union type U can only include type Query once.");
    REFUSED("type Query { e: E } enum E { A A }", "Enum value \"E.A\" can only be defined once.");
    REFUSED("type Query { a(i: A): Int } input A { b: B! } input B { a: A! }",
            "Cannot reference Input Object \"A\" within itself through a series of non-null "
            "fields: \"b.a\".");
    REFUSED("type Query { a(i: In): Int } input In { x: Int! @deprecated }",
            "Required input field In.x cannot be deprecated.");
    REFUSED("type Query { a(i: In): Int } input In { x: Query }",
            "The type of In.x must be Input Type but got: Query.");
    CHECK(!refuse("type Query { a(i: A): Int } input A { a: A l: [A!]! }"));
}

TEST_MAIN()
