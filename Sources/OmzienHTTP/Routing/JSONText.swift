/// Minimal JSON writing for the server's own bodies (problem details, health) and log lines,
/// without Foundation's encoder on the hot path. Strings are escaped per RFC 8259 §7: `"`, `\`
/// and all control characters; everything else is written as UTF-8.
enum JSONText {
    static func appendString(_ s: String, to out: inout String) {
        out.append("\"")
        var needsEscape = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            out.append(s)
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        out.append("\"")
    }

    struct Object {
        private var text = "{"
        private var first = true

        private mutating func key(_ key: String) {
            if !first { text.append(",") }
            first = false
            JSONText.appendString(key, to: &text)
            text.append(":")
        }
        mutating func add(_ key: String, _ value: String) {
            self.key(key)
            JSONText.appendString(value, to: &text)
        }
        mutating func add(_ key: String, _ value: Int) {
            self.key(key)
            text.append(String(value))
        }
        mutating func add(_ key: String, _ value: Double) {
            self.key(key)
            text.append(value.isFinite ? String(value) : "null")
        }
        mutating func add(_ key: String, raw: String) {
            self.key(key)
            text.append(raw)
        }
        mutating func finish() -> String {
            text.append("}")
            return text
        }
    }
}
