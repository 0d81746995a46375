import OmzienClient
import OmzienProtocol

/// How a failed call to the server becomes a message and an exit status, the same for every
/// command (README "exit codes", SYNC.md R-DEV-24):
///
/// | what happened | exit |
/// |---|---|
/// | unreachable, timed out, 503, other 5xx after retries, 429 (too many requests) | 69 unavailable |
/// | the request was refused as wrong: 400, 404, 409, 413, 422 | 65 bad data |
/// | the token was refused (401) or is not allowed to do this (403), anything else | 1 failure |
///
/// `unreachable` finishes the sentence for an unreachable server, and says what the command
/// means for the person's data ("nothing was changed", "everything stays recorded…").
enum ServerFailure {
    static func cliError(_ e: ClientError, server: String, unreachable: String) -> CLIError {
        switch e {
        case let .offline(why):
            return .unavailable("cannot reach the server at \(server) (\(why)); \(unreachable)")
        case let .problem(p):
            if p.status == 429 || p.status >= 500 {
                return .unavailable(e.description + "; try again later (\(unreachable))")
            }
            if [400, 404, 409, 413, 422].contains(p.status) { return .dataError(e.description) }
            return .failure(e.description)
        case .badResponse, .notEnrolled, .enrollment:
            return .failure(e.description)
        }
    }

    /// The exit status `cliError` gives, for `--json` error objects.
    static func code(_ e: ClientError) -> String {
        switch e {
        case .offline: "unreachable"
        case let .problem(p): p.code
        case .badResponse: "bad-response"
        case .notEnrolled: "not-enrolled"
        case .enrollment: "enrollment"
        }
    }
}
