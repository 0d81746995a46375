import Foundation

/// Runs Python's h11 (a strict HTTP/1.1 implementation) over bytes our server produced.
enum H11 {
    struct Exchange: Encodable {
        /// The request methods, in order (h11 needs them to frame responses, e.g. HEAD).
        var methods: [String]
        /// All bytes received on the connection.
        var response: String
        var eof: Bool
        /// The last method may get no response (see Tools/http/h11_check_responses.py).
        var optional_last: Bool

        init(methods: [String], bytes: [UInt8], eof: Bool = true, optionalLast: Bool = false) {
            self.methods = methods
            self.response = Data(bytes).base64EncodedString()
            self.eof = eof
            self.optional_last = optionalLast
        }
    }

    struct Response: Decodable {
        var status: Int
        var headers: [[String]]
        var body: String
        var informational: [Int]
        var bodyBytes: [UInt8] { Array(Data(base64Encoded: body) ?? Data()) }
        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    struct Result: Decodable {
        var responses: [Response]
        var error: String?
        var unparsed: Int
        var must_close: Bool
    }

    /// Checks each exchange; throws if h11 cannot run.
    static func check(_ exchanges: [Exchange]) throws -> [Result] {
        let python = try requirePythonWithH11()
        let script = packageRoot.appendingPathComponent("Tools/http/h11_check_responses.py").path
        let input = try JSONEncoder().encode(exchanges)
        let r = try runProcess(python, [script], stdin: input)
        guard r.status == 0 else {
            throw TestFailure.message("h11 checker failed: \(String(decoding: r.stderr, as: UTF8.self))")
        }
        return try JSONDecoder().decode([Result].self, from: r.stdout)
    }
}
