import OmzienProtocol

/// Errors a command reports. Exit codes follow sysexits(3), so scripts can rely on them:
/// 64 usage, 65 bad input data, 69 service unavailable, 74 I/O error, 1 anything else.
enum CLIError: Error, CustomStringConvertible {
    case usage(String, command: String)
    case dataError(String)
    case unavailable(String)
    case io(String)
    case failure(String)

    /// A session log that cannot be used: I/O (74) when it cannot be read, else bad data (65).
    static func log(_ path: String, _ e: SessionLogError) -> CLIError {
        if case .io = e { return .io(e.description) }
        return .dataError("\(path): \(e)")
    }

    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .dataError: 65
        case .unavailable: 69
        case .io: 74
        case .failure: 1
        }
    }

    var description: String {
        switch self {
        case let .usage(message, command): "\(message)\nRun 'omzien \(command) --help' for usage."
        case let .dataError(m), let .unavailable(m), let .io(m), let .failure(m): m
        }
    }
}
