import OmzienModel
import OmzienProtocol
import OmzienStore

/// The problems the sync service answers with (Protocol/SYNC.md section 8).
enum Problems {
    static func badRequest(_ detail: String) -> Problem { Problem("bad-request", status: 400, title: "Bad request", detail: detail) }
    static func unauthorized(_ detail: String) -> Problem { Problem("unauthorized", status: 401, title: "Not authenticated", detail: detail) }
    static func forbidden(_ detail: String, operation: OperationID? = nil) -> Problem {
        Problem("forbidden", status: 403, title: "Outside your scope", detail: detail, operation: operation?.description)
    }
    static func notFound(_ detail: String) -> Problem { Problem("not-found", status: 404, title: "Not found", detail: detail) }
    static func exists(_ detail: String) -> Problem { Problem("already-exists", status: 409, title: "Already exists", detail: detail) }

    /// Maps an error from the store or the model to the answer a client can act on; any
    /// other error is returned as it is, for the one error path (`SyncRoutes.answer`) to log.
    static func from(_ error: any Error, held: UInt64) -> any Error {
        switch error {
        case let p as Problem:
            return p
        case let e as ModelError:
            switch e {
            case let .sequenceGap(replica, _, got):
                return Problem("sequence-gap", status: 409, title: "Operations are missing before this batch", detail: e.description, held: held,
                               operation: "\(replica)#\(got)")
            case let .brokenHashLink(id, _, _):
                return Problem("broken-chain", status: 409, title: "The hash chain is broken", detail: e.description, held: held, operation: id.description)
            case let .hashMismatch(id), let .payloadHashMismatch(id), let .emptyOperation(id):
                return Problem("invalid-operation", status: 422, title: "Invalid operation", detail: e.description, held: held, operation: id.description)
            default:
                return Problem("invalid-operation", status: 422, title: "Invalid operation", detail: e.description, held: held)
            }
        case let e as StoreError:
            if case let .forkedOperation(id) = e {
                return Problem("forked-operation", status: 409, title: "Operation conflicts with the one held", detail: e.description, held: held, operation: id.description)
            }
            return error
        default:
            return error
        }
    }
}
