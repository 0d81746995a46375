// TEMPORARY stub written on branch `http` so OmzienHTTP compiles before the `compression`
// branch lands. Delete this file when merging `compression` (it has the real implementation).
public enum Compression {
    public enum Format: Sendable { case gzip, zlib, raw, auto }
    public static func gzip(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        throw CompressionError.corruptInput("stub")
    }
    public static func deflate(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        throw CompressionError.corruptInput("stub")
    }
    public static func inflate(_ data: [UInt8], format: Format, maxOutput: Int) throws -> [UInt8] {
        throw CompressionError.corruptInput("stub")
    }
}
public enum CompressionError: Error {
    case outputLimitExceeded(limit: Int)
    case corruptInput(String)
    case truncatedInput
}
