import OmzienHTTP

/// What the parser made of a byte stream, with body chunks merged so that results of
/// differently split inputs compare equal.
enum ParseOutcome: Hashable, CustomStringConvertible {
    case head(HTTPRequestHead)
    case message(body: [UInt8])
    case error(HTTPParseError)
    /// Input ended in the middle of a request.
    case incomplete

    var description: String {
        switch self {
        case .head(let h): return "head(\(h.method) \(h.target) \(h.framing))"
        case .message(let body): return "message(\(body.count) bytes)"
        case .error(let e): return "error(\(e))"
        case .incomplete: return "incomplete"
        }
    }
}

/// Feeds `chunks` to a parser the way a connection does (keeping unconsumed bytes) and records
/// the outcomes.
func parseChunks(_ chunks: [[UInt8]], limits: HTTPParserLimits = HTTPParserLimits()) -> [ParseOutcome] {
    var parser = HTTPRequestParser(limits: limits)
    var outcomes: [ParseOutcome] = []
    var pending: [UInt8] = []
    var body: [UInt8] = []
    var inMessage = false
    for chunk in chunks {
        pending += chunk
        while true {
            let (event, consumed) = parser.parse(pending[...])
            precondition(consumed <= pending.count)
            switch event {
            case .needMore:
                precondition(consumed == pending.count, "needMore must consume everything")
                pending.removeAll()
            case .head(let head):
                outcomes.append(.head(head))
                inMessage = true
                body = []
            case .body(let range):
                precondition(range.upperBound == consumed && range.lowerBound <= range.upperBound)
                body += pending[range]
            case .end:
                outcomes.append(.message(body: body))
                inMessage = false
            case .error(let error):
                outcomes.append(.error(error))
                return outcomes
            }
            if case .needMore = event { break }
            pending.removeFirst(consumed)
        }
    }
    if inMessage || !parser.isAtMessageBoundary { outcomes.append(.incomplete) }
    return outcomes
}

func parseWhole(_ bytes: [UInt8], limits: HTTPParserLimits = HTTPParserLimits()) -> [ParseOutcome] {
    parseChunks([bytes], limits: limits)
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}
