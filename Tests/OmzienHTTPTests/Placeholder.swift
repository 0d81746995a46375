import Testing
@testable import OmzienHTTP

@Test func moduleLoads() { #expect(Bool(true)) }
