extension BinaryInteger {
    /// The count with its noun, singular for exactly one: `1.counted("operation")` is
    /// "1 operation", `3.counted("operation")` "3 operations" (issue 12: "1 conversation",
    /// never "1 conversations"). `plural` for a noun that does not take an "s".
    public func counted(_ noun: String, plural: String? = nil) -> String {
        "\(self) \(self == 1 ? noun : plural ?? noun + "s")"
    }
}
