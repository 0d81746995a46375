import Foundation
import OmzienStore

/// An error as a person reads it: its description, never a dump of a Swift value.
func describe(_ error: any Error) -> String {
    if let e = error as? any LocalizedError, let text = e.errorDescription { return text }
    // Every error type of ours has a description (EngineerDayTests.everyErrorTypeHasADescription).
    return String(describing: error)
}

/// The exit status of an error no command mapped: a database that is not SQLite or is damaged
/// is bad data (65), as the README's table says; anything else is a failure (1).
func exitCode(for error: any Error) -> Int32 {
    if let e = error as? DatabaseError, e.isNotADatabase || e.isCorrupt { return 65 }
    return 1
}
