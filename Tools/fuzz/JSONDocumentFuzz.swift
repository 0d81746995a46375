// libFuzzer entry point for JSONDocument (the strict JSON reader of push bodies, pull pages
// and session logs). Compiled together with Sources/OmzienModel/JSON/JSONDocument.swift by
// Tools/fuzz.sh json-reader (swiftc -sanitize=fuzzer,address).
//
// For each input it checks, besides "no crash, no memory error":
// - an error's offset lies within the input;
// - an accepted document can be walked completely (every string decodes, every number reads),
//   and the walk visits exactly the members and elements the containers count;
// - differential, against Foundation's JSONSerialization: whatever JSONDocument accepts,
//   Foundation accepts too, with the same values (Foundation is laxer: trailing commas, lone
//   surrogate escapes; and it keeps one of two duplicate keys, which JSONDocument refuses).
import Foundation

func walk(_ v: JSONValue, depth: Int = 0) -> Int {
    precondition(depth <= 128, "deeper than the limit")
    if let elements = v.elements {
        precondition(elements.count == v.count, "array count")
        return 1 + elements.reduce(0) { $0 + walk($1, depth: depth + 1) }
    }
    if let members = v.members {
        precondition(members.count == v.count, "object count")
        for (key, value) in members { precondition(v[key] != nil, "member '\(key)' not found by name"); _ = value }
        return 1 + members.reduce(0) { $0 + walk($1.value, depth: depth + 1) }
    }
    if v.isString { precondition(v.string != nil) }
    if v.isNumber { precondition(v.double != nil, "a number that does not read as a Double") }
    return 1
}

func same(_ a: JSONValue, _ b: Any) -> Bool {
    if a.isNull { return b is NSNull }
    if let s = a.string { return (b as? String) == s }
    if let bool = a.bool { return (b as? NSNumber).map { String(cString: $0.objCType) == "c" && $0.boolValue == bool } ?? false }
    if a.isNumber {
        guard let n = b as? NSNumber else { return false }
        if let i = a.int64 { return n.int64Value == i || n.doubleValue == Double(i) }
        if let u = a.uint64 { return n.uint64Value == u || n.doubleValue == Double(u) }
        // Foundation reads long literals through Decimal, which rounds differently from Double.
        return n.doubleValue == a.double || abs(n.doubleValue - a.double!) <= abs(a.double!) * 1e-9
    }
    if let elements = a.elements {
        guard let list = b as? [Any], list.count == elements.count else { return false }
        return zip(elements, list).allSatisfy { same($0, $1) }
    }
    guard let members = a.members, let dict = b as? [String: Any], dict.count == members.count else { return false }
    return members.allSatisfy { key, value in dict[key].map { same(value, $0) } ?? false }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let document: JSONDocument
    do {
        document = try JSONDocument(bytes)
    } catch {
        precondition(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside the input")
        return 0
    }
    _ = walk(document.root)
    let theirs: Any
    do {
        theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        // Foundation refuses some long number literals that RFC 8259 allows and Double holds
        // (an integer of 130 digits, say): the one refusal that is Foundation's own.
        if "\(error)".contains("not representable") { return 0 }
        preconditionFailure("JSONDocument accepted what Foundation refuses (\(error)): \(String(decoding: bytes, as: UTF8.self))")
    }
    precondition(same(document.root, theirs), "values differ from Foundation's")
    return 0
}
