import OmzienModel

/// Who a request comes from, as established from its bearer token (R-SYNC-3).
public enum Principal: Sendable, Equatable, CustomStringConvertible {
    case admin
    case device(replica: ReplicaID, store: String)
    /// A welfare partner: sees the referrals of its region (Protocol/PARTNERS.md).
    case partner(id: String, region: String, tokenPrefix: String)
    /// Head office: aggregate reports only.
    case headOffice
    /// A person with an account (R-WEB-2): a partner worker or coordinator (who reads the
    /// referrals of the partner's region like the partner's token) or head-office staff.
    case person(Person)

    public var description: String {
        switch self {
        case .admin: "admin"
        case let .device(replica, store): "device \(replica) of \(store)"
        case let .partner(id, region, _): "partner \(id) of \(region)"
        case .headOffice: "head office"
        case let .person(p): p.actor
        }
    }
}
