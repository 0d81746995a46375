/// `POST /v1/admin/devices/{replica}/revoke` (PRIVACY.md R-PRIV-10/11): the body may be left
/// out. `wipe` (default true) tells the device, at its next contact, to erase its local data.
public struct RevokeDeviceRequest: Codable, Sendable, Equatable {
    public var wipe: Bool?
    public init(wipe: Bool? = nil) { self.wipe = wipe }
}

/// `POST /v1/admin/erasures` (PRIVACY.md R-PRIV-13/14): erase every signal that carries a
/// person's contact (GDPR art. 17). The contact travels in the body, never in a URL.
public struct ErasureRequest: Codable, Sendable, Equatable {
    public var contact: String
    public var dryRun: Bool?
    public init(contact: String, dryRun: Bool? = nil) {
        self.contact = contact
        self.dryRun = dryRun
    }
}

/// What an erasure request did (or, with `dryRun`, would do): how many signals, and their ids
/// (record ids are random and carry no personal data). Never echoes the contact.
public struct ErasureResponse: Codable, Sendable, Equatable {
    public var erased: Int
    public var dryRun: Bool
    public var records: [String]
    public init(erased: Int, dryRun: Bool, records: [String]) {
        self.erased = erased
        self.dryRun = dryRun
        self.records = records
    }
}
