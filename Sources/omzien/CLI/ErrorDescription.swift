import Foundation

/// An error as a person reads it: its description, never a dump of a Swift value.
func describe(_ error: any Error) -> String {
    if let e = error as? any CustomStringConvertible { return e.description }
    if let e = error as? any LocalizedError, let text = e.errorDescription { return text }
    return "\(error.localizedDescription) (\(type(of: error)))"
}
