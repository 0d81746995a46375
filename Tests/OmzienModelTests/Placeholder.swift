import Testing
@testable import OmzienModel

@Test func moduleLoads() { #expect(Bool(true)) }
