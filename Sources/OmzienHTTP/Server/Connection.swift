/// One client connection as its event loop sees it: the descriptor, its epoll registration
/// and the request with a worker, around the I/O-free ``ConnectionStateMachine`` that decides
/// everything else. Owned and touched only by its event loop's thread (not Sendable).
final class Connection {
    let fd: Int32
    /// Distinguishes this connection from a later one that reuses the fd number.
    let generation: UInt32
    let remoteAddress: String
    var machine: ConnectionStateMachine
    /// The epoll events currently registered.
    var interest: UInt32 = 0
    /// The request with a worker (its answer arrives through the loop's mailbox).
    var inFlight: RequestInfo?
    var isClosed = false

    init(fd: Int32, generation: UInt32, remoteAddress: String, machine: ConnectionStateMachine) {
        self.fd = fd
        self.generation = generation
        self.remoteAddress = remoteAddress
        self.machine = machine
    }

    var token: UInt64 { UInt64(UInt32(bitPattern: fd)) | (UInt64(generation) << 32) }
}
