import Testing
@testable import OmzienStore

@Test func moduleLoads() { #expect(Bool(true)) }
