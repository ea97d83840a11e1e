import Testing
import UnitModel

@Suite struct JSONValueTests {
    let document = JSONValue.object([
        ("unit", .string("a \"b\"\\\n\u{1}")),
        ("limits", .array([.number(1), .integer(-2), .null, .bool(true)])),
        ("empty", .object([])),
    ])

    @Test func compactEscapesStringsAndKeepsKeyOrder() {
        #expect(document.rendered() == #"{"unit":"a \"b\"\\\n\u0001","limits":[1,-2,null,true],"empty":{}}"#)
    }

    @Test func prettyIndentsEachLevel() {
        let expected = """
            {
              "unit": "a \\"b\\"\\\\\\n\\u0001",
              "limits": [
                1,
                -2,
                null,
                true
              ],
              "empty": {}
            }
            """
        #expect(document.rendered(indent: 2) == expected)
    }
}
