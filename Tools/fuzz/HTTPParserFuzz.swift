// libFuzzer entry point for HTTPRequestParser. Compiled together with
// Sources/OmzienHTTP/Parser/*.swift by Tools/fuzz-http-parser.sh (swiftc -sanitize=fuzzer,address).
//
// For each input it checks, besides "no crash, no memory error":
// - the parser's contract (consumed <= input, body ranges inside the input, needMore consumes all),
// - body bytes never exceed the announced limit,
// - the outcome is the same whole, split at an input-derived point, and one byte at a time
//   (for short inputs).

enum FuzzOutcome: Equatable {
    case head(HTTPRequestHead)
    case message([UInt8])
    case error(HTTPParseError)
    case incomplete
}

func drive(_ chunks: [ArraySlice<UInt8>], limits: HTTPParserLimits) -> [FuzzOutcome] {
    var parser = HTTPRequestParser(limits: limits)
    var outcomes: [FuzzOutcome] = []
    var pending: [UInt8] = []
    var body: [UInt8] = []
    var inMessage = false
    for chunk in chunks {
        pending += chunk
        while true {
            let (event, consumed) = pending.withUnsafeBufferPointer { parser.parse($0) }
            precondition(consumed >= 0 && consumed <= pending.count, "consumed out of range")
            switch event {
            case .needMore:
                precondition(consumed == pending.count, "needMore must consume all input")
                pending.removeAll()
            case .head(let head):
                precondition(!inMessage, "head inside a message")
                if case .contentLength(let n) = head.framing { precondition(n <= limits.maxBodyBytes) }
                outcomes.append(.head(head))
                inMessage = true
                body = []
            case .body(let range):
                precondition(inMessage && range.lowerBound >= 0 && range.upperBound == consumed && !range.isEmpty)
                body += pending[range]
                precondition(body.count <= limits.maxBodyBytes, "body over the limit")
            case .end:
                precondition(inMessage, "end without head")
                outcomes.append(.message(body))
                inMessage = false
            case .error(let error):
                precondition(consumed == 0)
                // Sticky: asking again gives the same error.
                let again = pending.withUnsafeBufferPointer { parser.parse($0) }
                precondition(again.event == .error(error), "error is not sticky")
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte picks the limits (so that limit paths are reached with short inputs).
    let small = HTTPParserLimits(maxRequestLineBytes: 48, maxHeaderBytes: 96, maxHeaderCount: 4, maxBodyBytes: 64,
                                 maxChunkLineBytes: 16)
    let limits = bytes[0] & 1 == 0 ? HTTPParserLimits() : small
    let input = bytes[1...]
    let whole = drive([input], limits: limits)
    var hash: UInt64 = 1469598103934665603
    for b in bytes { hash = (hash ^ UInt64(b)) &* 1099511628211 }
    let k = input.startIndex + Int(hash % UInt64(input.count + 1))
    let split = drive([input[..<k], input[k...]], limits: limits)
    precondition(split == whole, "split at \(k - input.startIndex) changes the result")
    if input.count <= 512 {
        let bytewise = drive(input.indices.map { input[$0...$0] }, limits: limits)
        precondition(bytewise == whole, "byte-at-a-time changes the result")
    }
    return 0
}
