/// A person who logged in (web session) or presented a personal token (`omz_u_…`): a partner
/// worker or coordinator, or head-office staff (R-WEB-2). Read from the `accounts` table on
/// every use, so a disabled account stops at once.
public struct Person: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case worker, coordinator
        case headOffice = "head-office"
    }

    /// `<partner>:<name>` or `headoffice:<name>`.
    public let account: String
    public let name: String
    /// The partner organisation (nil for head office) and its region.
    public let partner: String?
    public let region: String?
    public let role: Role
    /// What the audit log keeps of the credential: a token's first 12 characters, or
    /// `web:` and 8 hex digits of the session's hash.
    public let credential: String
    /// The account's credential epoch when it was read (R-WEB-5): a web session made under
    /// an older one ended with a password change or reset.
    public let credentialEpoch: Int64

    /// Who this person is in the audit log and as a follow-up author: `partner:wz-noord:eline`,
    /// `headoffice:anna` (a pseudonym in the sense of MODEL.md section 1).
    public var actor: String { partner.map { "partner:\($0):\(name)" } ?? "headoffice:\(name)" }

    public init(account: String, name: String, partner: String?, region: String?, role: Role, credential: String, credentialEpoch: Int64 = 0) {
        self.account = account
        self.name = name
        self.partner = partner
        self.region = region
        self.role = role
        self.credential = credential
        self.credentialEpoch = credentialEpoch
    }

    public func with(credential: String) -> Person {
        Person(account: account, name: name, partner: partner, region: region, role: role, credential: credential, credentialEpoch: credentialEpoch)
    }
}
