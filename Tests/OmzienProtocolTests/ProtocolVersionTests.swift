import OmzienProtocol
import Testing

@Test func protocolVersionIsOne() { #expect(SyncProtocol.version == 1) }
