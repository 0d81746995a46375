/// An error body (RFC 9457 `application/problem+json`). `type` is a stable URI whose last
/// segment a client may switch on (Protocol/SYNC.md, "Errors"); `held` is set on push
/// errors so that a client knows where to resume.
public struct Problem: Codable, Sendable, Equatable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var held: UInt64?
    public var operation: String?

    public init(_ code: String, status: Int, title: String, detail: String? = nil, held: UInt64? = nil, operation: String? = nil) {
        type = Self.typeBase + code
        self.title = title
        self.status = status
        self.detail = detail
        self.held = held
        self.operation = operation
    }

    /// What every problem type starts with; the rest is its code.
    public static let typeBase = "https://omzien.example/problems/"

    /// The last segment of `type`.
    public var code: String { String(type.split(separator: "/").last ?? "") }
}
