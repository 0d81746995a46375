import OmzienModel

/// The checks every service part starts with: the principal is of the kind the call needs,
/// or a 403 that says which token it needs.
extension Principal {
    func requireAdmin() throws {
        guard case .admin = self else { throw Problems.forbidden("this needs an admin token") }
    }

    /// The device's replica and store.
    func requireDevice() throws -> (ReplicaID, String) {
        guard case let .device(replica, store) = self else { throw Problems.forbidden("this needs a device token") }
        return (replica, store)
    }
}
