/// A piece of HTML that is safe to send (R-WEB-9). Built by string interpolation: the
/// literal parts are markup written in this code; every interpolated `String` (or number) is
/// escaped (`& < > " '`), so a text from a signal can only ever be text, in an element or in
/// a double-quoted attribute. Only another `HTML` value is inserted as it is.
///
///     let page: HTML = "<p class=\"note\">\(referral.note ?? "")</p>"
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var markup: String

    init(stringLiteral value: StaticString) { markup = value.description }
    init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }
    private init(markup: String) { self.markup = markup }

    static let empty = HTML(markup: "")

    var description: String { markup }

    struct Interpolation: StringInterpolationProtocol {
        var markup = ""
        init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: StaticString) { markup += literal.description }
        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }
        mutating func appendInterpolation(_ number: Int) { markup += String(number) }
        mutating func appendInterpolation(_ html: HTML) { markup += html.markup }
        mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { markup += p.markup } }
    }

    /// `&`, `<`, `>`, `"` and `'` as character references, control characters (NUL, ESC, ...)
    /// as U+FFFD; the one escaping of pages and charts (Markup, R-WEB-37).
    static func escape(_ text: String) -> String { Markup.escape(text) }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(markup: lhs.markup + rhs.markup) }

    static func joined(_ parts: [HTML]) -> HTML { HTML(markup: parts.map(\.markup).joined()) }

    /// A dashboard chart as inline SVG: `SVGChart` escapes every text itself (`Markup`, the
    /// same escaping) and writes no script and no style attribute (R-WEB-37).
    init(_ chart: SVGChart) { markup = chart.svg() }

    /// A dashboard table: `DashboardTable.html()` escapes every cell itself (R-WEB-37).
    init(_ table: DashboardTable) { markup = table.html() }
}
