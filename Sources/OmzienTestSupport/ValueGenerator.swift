import OmzienModel

/// Awkward values for property tests: NaN, -0.0, infinities, subnormals, extreme integers,
/// non-ASCII text (composed and decomposed accents, emoji, right-to-left, zero-width joiners).
public enum ValueGenerator {
    public static let awkwardDoubles: [Double] = [
        .nan, -.nan, Double(bitPattern: 0x7FF0_0000_0000_0001), 0.0, -0.0, .infinity, -.infinity,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.0 / 3.0, 1e-310, 42,
    ]
    public static let awkwardInts: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max, 1 << 53, (1 << 53) + 1]
    public static let awkwardStrings: [String] = [
        "", "a", "caf\u{E9}", "cafe\u{301}", "Zoë", "👩‍👩‍👧", "مرحبا", "שלום", "\u{200D}",
        "naïve résumé", "ßẞ", "İstanbul", "\u{FEFF}bom", "line\nbreak", "tab\there", String(repeating: "ü", count: 40),
    ]

    public static func value<G: RandomNumberGenerator>(using g: inout G) -> FieldValue {
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return .int(Bool.random(using: &g) ? awkwardInts.randomElement(using: &g)! : Int64.random(in: .min ... .max, using: &g))
        case 3: return .double(double(using: &g))
        default: return .string(awkwardStrings.randomElement(using: &g)!)
        }
    }

    public static func double<G: RandomNumberGenerator>(using g: inout G) -> Double {
        Bool.random(using: &g) ? awkwardDoubles.randomElement(using: &g)! : Double(bitPattern: g.next())
    }
}
