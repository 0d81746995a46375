import Testing
@testable import OmzienCompression

@Test func moduleLoads() { #expect(Bool(true)) }
