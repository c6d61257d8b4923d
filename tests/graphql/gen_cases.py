"""Systematic GraphQL parity cases: schema x query x variables.

cases(dir) returns a list of dicts {name, schema (file stem), query,
variables, operation}. Categories: selections (aliases, fragments on
interfaces and unions, __typename, nesting), result coercion and null
bubbling, arguments and variables (coercion, defaults, lists, input
objects, oneOf), @skip/@include, mutations, every validation rule, and
syntax errors (hand-picked plus every prefix of a few documents).
"""

import itertools
import json


def _c(out, cat, schema, query, variables=None, operation=None):
    out.append({"name": "%s-%d" % (cat, len(out)), "schema": schema, "query": query,
                "variables": variables, "operation": operation})


SW_CHAR = "id name appearsIn"
SW_FIELDS = {
    "Human": "id name appearsIn homePlanet height mass",
    "Droid": "id name appearsIn primaryFunction",
    "Starship": "id name length coordinates",
}


def selections(out):
    s = "starwars"
    # every root field with plain, aliased and typename selections
    for f, sub in [("hero", SW_CHAR), ("heroes", SW_CHAR), ("human(id: 1)", SW_FIELDS["Human"]),
                   ("droid(id: \"2\")", SW_FIELDS["Droid"]), ("character(id: 3)", SW_CHAR),
                   ("node(id: 4)", "id"), ("starship(id: 5)", SW_FIELDS["Starship"]),
                   ("reviews(episode: JEDI)", "episode stars commentary"),
                   ("brokenHero", "name"), ("unknownTypeHero", "name"), ("wrongTypeHero", "name"),
                   ("notAList", "name"), ("strictHeroes", "name")]:
        _c(out, "sel", s, "{ %s { %s } }" % (f, sub))
        _c(out, "sel", s, "{ a: %s { __typename x: %s } b: __typename }" % (f, sub.split()[0]))
        _c(out, "sel", s, "query Q { %s { __typename ... on Human { homePlanet starships { name } } "
                          "... on Droid { primaryFunction } ...N } } fragment N on Node { id }" % f)
    _c(out, "sel", s, "{ strictNames }")
    _c(out, "sel", s, "{ search(text: \"a\") { __typename ... on Character { name } ... on Starship { length } } }")
    _c(out, "sel", s, "{ search { ... on Node { id } ... on Human { name height(unit: FOOT) } } }")
    _c(out, "sel", s, "{ search { __typename } }")
    _c(out, "sel", s, "{ hero { friends { name ... on Human { friends { name } } } } }")
    _c(out, "sel", s, "{ hero { ...F ...G } } fragment F on Character { name friends { id } } "
                      "fragment G on Droid { name primaryFunction friends { name } }")
    _c(out, "sel", s, "{ hero { name ... { id } ... @include(if: true) { appearsIn } } }")
    _c(out, "sel", s, "{ heroes { ... on Human { starships { name length coordinates } } } }")
    _c(out, "sel", s, "{ h1: hero { name } h2: hero { id } h1: hero { appearsIn } }")
    _c(out, "sel", s, "{ __typename __schema { queryType { name } } }")
    _c(out, "sel", s, "{ __type(name: \"Human\") { name kind fields { name type { name kind ofType { name } } } } }")
    _c(out, "sel", s, "{ __type(name: \"Nope\") { name } }")
    _c(out, "sel", s, "{ __type(name: \"SearchResult\") { possibleTypes { name } interfaces { name } } }")
    _c(out, "sel", s, "{ __type(name: \"Episode\") { enumValues { name isDeprecated } all: enumValues(includeDeprecated: true) { name deprecationReason } } }")
    _c(out, "sel", s, "{ __type(name: \"Character\") { interfaces { name } possibleTypes { name } fields(includeDeprecated: true) { name args { name defaultValue } } } }")
    _c(out, "sel", s, "{ __type(name: \"DateTime\") { specifiedByURL kind } }")
    _c(out, "sel", s, "{ __schema { directives { name locations isRepeatable args { name type { kind ofType { name } } } } } }")
    _c(out, "sel", s, "{ __schema { types { name } mutationType { name fields { name } } subscriptionType { name } } }")
    # scalars schema: every field
    q = "scalars"
    for f in ["int", "float", "string", "bool", "id", "intNN", "floatNN", "stringNN", "boolNN",
              "idNN", "ints", "intsNN", "intsNNNN", "matrix", "json", "color", "colors"]:
        _c(out, "coerce", q, "{ %s }" % f)
        _c(out, "coerce", q, "{ a: int %s b: string }" % f)
    for f in ["nested", "nestedNN", "nestedList", "nestedListNN"]:
        _c(out, "bubble", q, "{ %s { a b } }" % f)
        _c(out, "bubble", q, "{ %s { a c { a b } d { b } } x: int }" % f)
        _c(out, "bubble", q, "{ x: string %s { b } y: int }" % f)
    _c(out, "bubble", q, "{ deep { v s l1 { v s l1 { v s l1 { v } } } } }")
    _c(out, "bubble", q, "{ deep { l1 { l1 { s } l1b: l1 { v } } } int }")
    _c(out, "bubble", q, "{ deep { l1 { l1 { l1 { s } } } } }")
    _c(out, "bubble", q, "{ nested { __typename c { __typename } } }")
    _c(out, "bubble", q, "{ intNN stringNN }")


def variables(out):
    q = "scalars"
    values = {
        "Int": [1, -5, 2147483647, 2147483648, 1.0, 1.5, "1", True, None, [1], {"a": 1}, 1e3],
        "Float": [1, 1.5, "1.5", False, None, [2.5], 1e308],
        "String": ["x", "", 1, True, None, ["a"], {"k": "v"}, "\u00e9\n"],
        "Boolean": [True, False, 0, "true", None, [True]],
        "ID": ["abc", 12, 1.5, True, None, -0],
        "Color": ["RED", "red", "PURPLE", 1, None, ["RED"], "GREN"],
        "[Int]": [[1, 2], [1, None], 3, None, [1, "x"], [[1]], ["a", "b", 2.5]],
        "[[Int!]]": [[[1]], [1], [[None]], [[1, 2], [3]], 5],
        "Filter": [{"max": 1}, {"max": 1, "name": "n", "colors": ["GREEN"]}, {}, {"min": 2},
                   {"max": 1, "extra": 2}, {"max": 1, "nme": 2}, "x", [{"max": 1}],
                   {"max": 1, "sub": {"min": 3}}, {"max": None}, {"max": "1", "colors": ["RED", "X"]}],
        "OneOf": [{"a": 1}, {"b": "x"}, {"a": 1, "b": "x"}, {}, {"a": None}, {"c": 1}],
    }
    argname = {"Int": "i", "Float": "f", "String": "s", "Boolean": "b", "ID": "id", "Color": "c",
               "[Int]": "l", "[[Int!]]": "ll", "Filter": "o", "OneOf": "one"}
    for t, vals in values.items():
        for nn in ["", "!"]:
            vt = t + nn
            query = "query Q($v: %s) { echo(%s: $v, nn: 1) }" % (vt, argname[t])
            for val in vals:
                _c(out, "var", q, query, {"v": val})
            _c(out, "var", q, query, {})
        # default values on the variable
        if t in ("Int", "String", "Color", "[Int]"):
            d = {"Int": "7", "String": "\"d\"", "Color": "BLUE", "[Int]": "[1, 2]"}[t]
            query = "query Q($v: %s = %s) { echo(%s: $v, nn: 2) }" % (t, d, argname[t])
            _c(out, "var", q, query, {})
            _c(out, "var", q, query, {"v": None})
    # required argument via variable not provided at runtime (nullable variable)
    _c(out, "var", q, "query Q($v: Int = 3) { echo(nn: $v) }", {"v": None})
    _c(out, "var", q, "query Q($v: Int!) { echo(nn: $v) }", {"v": 3})
    _c(out, "var", q, "query Q($v: Int!) { echo(nn: $v) }", None)
    _c(out, "var", q, "query Q($v: Int!, $w: String!) { echo(nn: $v, s: $w) }", {"v": "a", "w": 1})
    _c(out, "var", q, "query Q($v: Nested) { echo(nn: 1) }", {})
    _c(out, "var", q, "query Q($v: Unknown) { echo(nn: 1) }", {})
    # literal arguments that pass validation
    for lit in ["i: 1", "f: 1", "f: 1.5e3", "s: \"x\"", "s: \"\"\"block\"\"\"", "b: false", "id: 1",
                "id: \"1\"", "c: RED", "l: 1", "l: [1, null]", "ll: [[1]]", "o: {max: 1}",
                "o: {max: 1, sub: {max: 2, colors: BLUE}}", "one: {a: 1}", "l: null"]:
        _c(out, "arg", q, "{ echo(nn: 0, %s) }" % lit)
    # operation selection
    _c(out, "op", q, "query A { int } query B { string }", None, "B")
    _c(out, "op", q, "query A { int } query B { string }", None, "C")
    _c(out, "op", q, "query A { int } query B { string }")
    _c(out, "op", q, "query A { int }", None, "A")
    _c(out, "op", q, "{ int }", None, "A")
    _c(out, "op", q, "fragment F on Query { int }")
    _c(out, "op", q, "mutation M { x }")
    _c(out, "op", q, "subscription S { int }")


def directives(out):
    q = "scalars"
    for d1, d2 in itertools.product(["", "@skip(if: true)", "@skip(if: false)", "@include(if: true)",
                                     "@include(if: false)", "@skip(if: $t)", "@include(if: $f)",
                                     "@skip(if: $f) @include(if: $t)"],
                                    ["", "@include(if: false)", "@skip(if: $t)"]):
        body = "int %s string ... @include(if: true) { bool } ... F %s" % (d1, d2)
        _c(out, "dir", q, "query Q($t: Boolean = true, $f: Boolean = false) { %s id %s } fragment F on Query { float }"
           % (body, d1), {})
    _c(out, "dir", q, "query Q($t: Boolean!) { int @skip(if: $t) string @include(if: $t) }", {"t": True})
    _c(out, "dir", q, "query Q($t: Boolean!) { int @skip(if: $t) string @include(if: $t) }", {"t": False})
    _c(out, "dir", q, "{ nested { a @skip(if: true) b } nested { a } }")


def mutations(out):
    s = "starwars"
    _c(out, "mut", s, "mutation { createReview(episode: JEDI, review: {stars: 5}) { stars episode commentary } rate(stars: 1) clear }")
    _c(out, "mut", s, "mutation M($r: ReviewInput!) { first: rate(stars: 2) createReview(review: $r) { stars } second: clear }",
       {"r": {"stars": 3, "tags": ["a"], "favoriteColor": {"red": 1}}})
    _c(out, "mut", s, "mutation M($r: ReviewInput!) { createReview(review: $r) { stars } }", {"r": {"stars": "x"}})
    _c(out, "mut", s, "mutation M($r: ReviewInput!) { createReview(review: $r) { stars } }",
       {"r": {"stars": 1, "favoriteColor": {"red": None}}})
    _c(out, "mut", s, "mutation { clear } query { hero { name } }")


VALIDATION = [
    # ExecutableDefinitions
    "{ hero { name } } type Foo { a: Int }",
    "{ hero { name } } schema { query: Query } extend type Human { x: Int }",
    # UniqueOperationNames / LoneAnonymousOperation
    "query A { hero { name } } query A { hero { id } }",
    "{ hero { name } } { hero { id } }",
    "{ hero { name } } query B { hero { id } }",
    # SingleFieldSubscriptions
    "subscription S { hero { name } }",
    # KnownTypeNames
    "query Q($v: Strin) { hero { name } }",
    "{ hero { ... on Humn { name } } }",
    "fragment F on Charcter { name } { hero { ...F } }",
    "query Q($v: [Episod!]) { hero { name } }",
    # FragmentsOnCompositeTypes
    "{ hero { ... on Episode { name } } }",
    "fragment F on String { x } { hero { ...F } }",
    # VariablesAreInputTypes
    "query Q($v: Human, $w: [Character!]) { hero { name } }",
    # ScalarLeafs
    "{ hero }",
    "{ hero { name { first } } }",
    "{ heroes { appearsIn { x } } }",
    "{ search }",
    # FieldsOnCorrectType
    "{ hero { nam } }",
    "{ hero { homePlanet } }",
    "{ search { name } }",
    "{ hero { primaryFunction } }",
    "{ node { name } }",
    "{ heroo { name } }",
    "{ hero { ... on Human { primaryFunction } } }",
    "{ search { __typename id } }",
    # UniqueFragmentNames / KnownFragmentNames / NoUnusedFragments
    "{ hero { ...F } } fragment F on Character { name } fragment F on Character { id }",
    "{ hero { ...Missing } }",
    "{ hero { name } } fragment Unused on Character { name }",
    # PossibleFragmentSpreads
    "{ hero { ... on Starship { length } } }",
    "{ human(id: 1) { ... on Droid { primaryFunction } } }",
    "{ hero { ...S } } fragment S on Starship { id }",
    "{ search { ... on Review { stars } } }",
    # NoFragmentCycles
    "{ hero { ...A } } fragment A on Character { ...B } fragment B on Character { ...A }",
    "{ hero { ...A } } fragment A on Character { name ...A }",
    "{ hero { ...A } } fragment A on Character { ...B } fragment B on Character { ...C } fragment C on Character { ...A ...B }",
    # UniqueVariableNames / NoUndefinedVariables / NoUnusedVariables
    "query Q($a: Int, $a: Int, $b: String) { hero { friends(first: $a, after: $b) { name } } }",
    "query Q { hero(episode: $e) { name } }",
    "{ hero(episode: $e) { name } }",
    "query Q($e: Episode, $u: Int) { hero(episode: $e) { name } }",
    "query Q($e: Episode) { hero { ...F } } fragment F on Character { friends(first: $x) { name } }",
    "query Q($u: Int) { hero { name } }",
    # KnownDirectives / UniqueDirectivesPerLocation
    "{ hero @unknown { name } }",
    "query Q @skip(if: true) { hero { name } }",
    "{ hero { name @include(if: true) @include(if: false) } }",
    "{ hero @deprecated { name } }",
    "query Q($v: Int @skip(if: true)) { hero { name } }",
    # KnownArgumentNames / UniqueArgumentNames
    "{ hero(episod: JEDI) { name } }",
    "{ hero { name @skip(iff: true) } }",
    "{ hero(episode: JEDI, episode: EMPIRE) { name } }",
    "{ hero { name @skip(if: true, if: false) } }",
    "{ human(id: 1, ID: 2) { name } }",
    # ValuesOfCorrectType
    "{ hero(episode: \"JEDI\") { name } }",
    "{ hero(episode: jedi) { name } }",
    "{ hero(episode: 1) { name } }",
    "{ human(id: 1.5) { name } }",
    "{ human(id: true) { name } }",
    "{ search(limit: \"5\") { __typename } }",
    "{ search(limit: 1.0) { __typename } }",
    "{ search(limit: 2147483648) { __typename } }",
    "{ search(text: 5) { __typename } }",
    "{ search(episodes: [JEDI, \"EMPIRE\"]) { __typename } }",
    "{ search(episodes: {a: 1}) { __typename } }",
    "{ reviews(episode: null) { stars } }",
    "{ human(id: null) { name } }",
    "{ hero { name @skip(if: \"yes\") } }",
    "{ hero { name @include(if: null) } }",
    "mutation { createReview(review: {stars: 5, stars: 4}) { stars } }",
    "mutation { createReview(review: {commentary: \"x\"}) { stars } }",
    "mutation { createReview(review: {stars: 1, color: 2}) { stars } }",
    "mutation { createReview(review: {stars: 1, favoriteColor: {red: \"x\"}}) { stars } }",
    "mutation { createReview(review: [1]) { stars } }",
    "mutation { createReview(review: 3) { stars } }",
    "{ reviews(episode: JEDI, since: {any: [1, 2]}) { stars } }",
    # ProvidedRequiredArguments
    "{ human { name } }",
    "{ hero { name @skip } }",
    "{ reviews { stars } }",
    "mutation { createReview { stars } }",
    # VariablesInAllowedPosition
    "query Q($id: String) { human(id: $id) { name } }",
    "query Q($id: ID) { human(id: $id) { name } }",
    "query Q($id: ID = \"1\") { human(id: $id) { name } }",
    "query Q($e: [Episode]) { search(episodes: $e) { __typename } }",
    "query Q($e: Episode) { search(episodes: [$e]) { __typename } }",
    "query Q($e: Episode!) { search(episodes: [$e]) { __typename } }",
    "query Q($b: Boolean) { hero { name @skip(if: $b) } }",
    "query Q($n: Int) { hero { friends(first: $n) { name } } }",
    "query Q($s: Int) { rate: search(limit: $s) { __typename } }",
    # OverlappingFieldsCanBeMerged
    "{ hero { name: id name } }",
    "{ hero { x: name x: appearsIn } }",
    "{ human(id: 1) { height(unit: METER) height(unit: FOOT) } }",
    "{ human(id: 1) { height height(unit: METER) } }",
    "{ hero { friends { name } friends { n: id name: id } } }",
    "{ hero { ... on Human { x: homePlanet } ... on Droid { x: primaryFunction } } }",
    "{ hero { ... on Human { x: height } ... on Droid { x: primaryFunction } } }",
    "{ hero { name ...F } } fragment F on Character { name: id }",
    "{ a: hero { name } a: human(id: 1) { name } }",
    "{ search { ... on Human { id: name } ... on Droid { id } } }",
    # UniqueInputFieldNames
    "mutation { createReview(review: {stars: 1, commentary: \"a\", commentary: \"b\"}) { stars } }",
    # several rules at once (ordering)
    "query Q($a: Int, $a: Strin) { hero(episod: JEDI) { nam ...Missing ... on Starship { id } } }",
    "{ hero { ...F } human { id } } fragment F on Character { name @skip(if: 1) friends(first: \"x\") }",
]

SYNTAX = [
    "", " ", "{", "}", "{ }", "{ hero { name }", "{ hero { name } }}", "query", "query {",
    "query Q(", "query Q($) { a }", "query Q($v) { a }", "query Q($v: ) { a }", "query Q($v: Int = $w) { a }",
    "{ a(b: ) }", "{ a(b) }", "{ a(: 1) }", "{ a(b: [1, 2) }", "{ a(b: {c}) }", "{ a(b: {c: 1 d: }) }",
    "{ ...  }", "{ ... on }", "{ ... on { a } }", "fragment on on T { a }", "fragment F T { a }",
    "fragment F on T", "{ a @ }", "{ a @skip( }", "{ a: }", "{ a: b: c }", "{ 1 }", "{ a(b: 01) }",
    "{ a(b: 1.) }", "{ a(b: 1.e5) }", "{ a(b: -) }", "{ a(b: 1e) }", "{ a(b: 0x10) }", "{ a(b: 1a) }",
    "{ a(b: 1.5.5) }", "{ a(b: \"unterminated) }", "{ a(b: \"bad \\x escape\") }", "{ a(b: \"\\u12\") }",
    "{ a(b: \"\\u{110000}\") }", "{ a(b: \"\"\"open) }", "{ a(b: 'single') }", "{ a ? }", "{ a & }",
    "{ a(b: .5) }", "{ a .. b }", "{ a(b: \"line\nbreak\") }", "\"desc\" query { a }", "\"\"\"d\"\"\" { a }",
    "extend { a }", "mutation", "subscription { a", "{ a(b: true, c: nul) }", "query Q($v: [Int) { a }",
    "query Q($v: Int!!) { a }", "{ a } garbage", "notakeyword { a }", "{ a(b: $) }", "{ a(b: {c: $}) }",
    "# comment only", "{ a # comment }", "{\n  hero {\n    name\n  \n", "{ a(b: \"\\\"ok\\\"\") c(d: \"\\u00e9\\uD83D\\uDE00\") }",
    "{\r\n a(b: 1.2.3)\r\n}", "{ \u00e9 }", "{ a(b: \"caf\u00e9 \u00e9\") x: \u00e9 }", "{ a(b: \"\\uD800\") }",
    "query Q @dir( { a }", "{ a(b: [[[[1]]]) }", "type T { a: Int", "enum E { true }", "directive @d on NOWHERE",
    "{ a(b: 1) @include(if: true) { ... on T @x { b } ... F @y } }",
    "{ a(b: \"\\u0\u00e9\") }", "{ a(b: \"\U0001F600 x\") \u00e9 }", "{ a(b: \"\U0001F600\") } \U0001F600",
    "{ a(b: \"\\u{1F600}\") c(d: \"\\uD83D\\uDE00\") } ?", "{ a(b: \"\\uD83Dx\") }",
]


def validation(out):
    for q in VALIDATION:
        _c(out, "valid", "starwars", q)


def syntax(out):
    for q in SYNTAX:
        _c(out, "syntax", "starwars", q)
    # every proper prefix of a few documents: each is a syntax error (or valid)
    docs = [
        "query Q($v: [Int!] = [1], $w: ReviewInput) @tag { hero(episode: JEDI) { ...F ... on Droid @include(if: true) { id } } }",
        "fragment F on Character { name friends(first: -1, after: \"x\\n\") { n: name } }",
        "mutation { createReview(review: {stars: 1.5e3, tags: [\"\"\"a\n  b\"\"\", null]}) { stars } }",
    ]
    for d in docs:
        for i in range(0, len(d), 2):
            _c(out, "prefix", "starwars", d[:i])


EXTRA = [
    ("starwars", "{ hero { ...A ...B } } fragment A on Character { x: name } fragment B on Character { x: id }", None),
    ("starwars", "{ hero { ... on Droid { friends { name } } friends { name: id } } }", None),
    ("starwars", "{ hero { friends { ... on Human { n: homePlanet } } ...F } } fragment F on Character { friends { n: name } }", None),
    ("starwars", "{ search { ... on Human { height } ... on Starship { height: length } } }", None),
    ("starwars", "{ search { ... on Human { x: name } ... on Droid { x: appearsIn } } }", None),
    ("starwars", "query Q($f: Int) { hero { friends(first: $f) { name } a: friends(first: 1) { name } } }", {"f": 1}),
    ("starwars", "query Q($e: Episode = JEDI) { hero(episode: $e) { name } }", {"e": "EMPIRE"}),
    ("starwars", "mutation M($s: Int) { createReview(review: {stars: $s}) { stars } }", {}),
    ("starwars", "mutation M($s: Int!) { createReview(review: {stars: $s, favoriteColor: {}}) { stars } }", {"s": 2}),
    ("starwars", "mutation M($c: String) { createReview(review: {stars: 1, commentary: $c}) { commentary } }", {}),
    ("starwars", "mutation M($t: [String!]) { createReview(review: {stars: 1, tags: $t}) { stars } }", {"t": None}),
    ("starwars", "query Q($v: Boolean) { hero { name @include(if: $v) } }", {}),
    ("starwars", "query Q($v: Boolean!) { hero { name @include(if: $v) } }", {"v": None}),
    ("starwars", "{ __type(name: \"Human\") { fields(includeDeprecated: false) { name isDeprecated } } }", None),
    ("starwars", "{ __type(name: \"ReviewInput\") { inputFields { name defaultValue type { name kind } } } }", None),
    ("starwars", "{ a: __typename b: __typename hero { __typename } }", None),
    ("starwars", "query A { hero { name } } mutation B { clear }", None),
    ("starwars", "{ hero { name } } { hero { id } }", None),
    ("scalars", "{ ints intsNN matrix }", None),
    ("scalars", "{ nested { c { c { a } } d { a b } } }", None),
    ("scalars", "query Q($o: Filter) { echo(nn: 1, o: $o) }", {"o": {"max": 2, "sub": {"max": 3, "sub": {"min": "x"}}}}),
    ("scalars", "query Q($o: Filter) { echo(nn: 1, o: $o) }", {"o": {"max": 2, "colors": "RED"}}),
    ("scalars", "query Q($o: [[Int!]]) { echo(nn: 1, ll: $o) }", {"o": [[1, None, "x"], 2]}),
    ("scalars", "query Q($i: Int) { echo(nn: 1, o: {max: $i}) }", {}),
    ("scalars", "query Q($i: Int) { echo(nn: 1, o: {max: $i}) }", {"i": None}),
    ("scalars", "query Q($i: Int) { echo(nn: 1, l: [$i, 1]) }", {}),
    ("scalars", "query Q($i: Int!) { echo(nn: 1, ll: [[$i]]) }", {"i": 3}),
    ("scalars", "query Q($a: Int) { echo(nn: 1, one: {a: $a}) }", {"a": 1}),
    ("scalars", "query Q($a: Int!) { echo(nn: 1, one: {a: $a}) }", {"a": 1}),
    ("scalars", "{ echo(nn: 1, one: {a: 1, b: \"x\"}) }", None),
    ("scalars", "{ echo(nn: 1, one: {a: null}) }", None),
    ("scalars", "{ echo(nn: 1, one: {}) }", None),
    ("scalars", "{ echo(nn: 1, json: 1) }", None),
    ("scalars", "{ echo(nn: 2147483647, i: -2147483648, f: -0.0, s: \"\\u00e9\") }", None),
    ("scalars", "{ echo(nn: 1, c: GREEN, l: [1, 2], ll: [[1], [2, 3]]) }", None),
    ("scalars", "{ echo(nn: 1, o: {max: 1, min: null}) }", None),
    ("scalars", "{ echo(nn: 1, o: {max: 1, sub: {max: \"x\"}}) }", None),
    ("scalars", "{ echo(nn: 1, o: {max: 1, colors: [RED, YELOW]}) }", None),
    ("scalars", "{ echo(nn: 1, c: \"RED\", b: 1, s: 1.5, id: 1.5, f: \"1\") }", None),
    ("scalars", "{ echo(nn: 1.0) }", None),
    ("scalars", "{ echo(nn: 1, i: 99999999999) }", None),
    ("scalars", "query Q($v: JSON) { echo(nn: 1, json: $v) }", {"v": {"a": [1, {"b": None}]}}),
    ("scalars", "{\n  int\n  \u00e9: string\n}", None),
    ("scalars", "{ int string }\n# trailing comment", None),
    ("scalars", "{ a: int a: string }", None),
    ("scalars", "{ int(x: 1) }", None),
    ("scalars", "{ deep { ...D } } fragment D on Deep { v l1 { ...D } }", None),
    ("scalars", "{ nested { ... on Nested { a } ... on Query { int } } }", None),
    ("scalars", "query Q($x: Int = \"s\") { int }", None),
    ("scalars", "query Q($x: Filter = {min: 1}) { echo(nn: 1, o: $x) }", None),
    ("scalars", "query Q($x: Int = null) { echo(nn: $x) }", None),
    ("scalars", "query Q($x: Int = 3) { echo(nn: $x) }", None),
    ("scalars", "query Q($x: Int = 3) { echo(nn: $x) }", {"x": None}),
    ("defaults", "{ a b c { name weight ... on Box { size color } } more { name } d }", None),
    ("defaults", "{ a(x: 1, y: 2, z: [3], o: {x: 1, y: 2, e: PUBLIC}) b(e: PRIVATE) }", None),
    ("defaults", "{ a @tag(name: \"x\") @tag(name: \"y\") b @cache }", None),
    ("defaults", "query Q @tag(name: \"q\") { a ... @exp { b } }", None),
    ("defaults", "{ d(old: 1) __type(name: \"Query\") { fields { name args(includeDeprecated: true) { name isDeprecated deprecationReason } } } }", None),
    ("defaults", "{ __type(name: \"Opt\") { inputFields(includeDeprecated: true) { name defaultValue isDeprecated } } }", None),
    ("defaults", "{ __type(name: \"Stuff\") { interfaces { name } possibleTypes { name } } }", None),
    ("starwars", "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }", None),
    ("starwars", "{ __schema { types { interfaces { possibleTypes { name } } } } }", None),
    ("starwars", "{ __schema { types { interfaces { possibleTypes { inputFields { name } } } } } }", None),
    ("starwars", "{ __type(name: \"Human\") { ...T } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { interfaces { ...V } } fragment V on __Type { possibleTypes { name } }", None),
    ("starwars", "{ a: __type(name: \"Human\") { ...T } b: __schema { types { ...T } } } fragment T on __Type { fields { type { fields { name } } } }", None),
]


def extra(out):
    for schema, q, v in EXTRA:
        _c(out, "extra", schema, q, v)


def cases():
    out = []
    selections(out)
    variables(out)
    directives(out)
    mutations(out)
    validation(out)
    syntax(out)
    extra(out)
    return out


if __name__ == "__main__":
    print(json.dumps(cases(), indent=1))
