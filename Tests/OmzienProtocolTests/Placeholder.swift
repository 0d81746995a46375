import Testing
@testable import OmzienProtocol
