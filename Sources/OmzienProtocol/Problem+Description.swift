/// A problem as a person reads it (CLI messages): "409 sequence-gap: detail (held 12)".
extension Problem: CustomStringConvertible {
    public var description: String {
        var text = "\(status) \(code): \(detail ?? title)"
        if let operation { text += " (operation \(operation))" }
        if let held { text += " (the server holds up to \(held))" }
        return text
    }
}
