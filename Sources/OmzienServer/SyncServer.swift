import Foundation
import OmzienHTTP
import OmzienProtocol
import OmzienStore

/// The sync service on the HTTP server: what `omzien serve`, the demo and the end-to-end
/// tests start. Lifecycle: `start()` binds and returns the port; `stop()` drains requests in
/// flight (up to the deadline), then stops the database thread and closes the database.
public final class SyncServer: Sendable {
    public let service: SyncService
    public let http: HTTPServer

    public let recorder: SessionRecorder?
    /// Sync counters for `/metrics` (README "Metrics").
    public let metrics: SyncMetrics
    /// Failed-authentication rate limit per client address (R-OPS-4).
    public let gate: AuthGate

    /// `recordTo`: a directory to write a session log of every request to (debugging).
    public init(databasePath: String, http configuration: HTTPServer.Configuration, service serviceConfiguration: SyncService.Configuration = .init(),
                database options: Database.Options = .init(), recordTo: String? = nil, recordOptions: SessionRecorder.Options = .init(),
                authFailureBurst: Int = 10) throws {
        service = try SyncService(path: databasePath, configuration: serviceConfiguration, options: options)
        recorder = try recordTo.map { try SessionRecorder(directory: $0, startedAt: serviceConfiguration.now(), options: recordOptions) }
        var configuration = configuration
        configuration.maxDecompressedBodyBytes = min(configuration.maxDecompressedBodyBytes, Limits.maxRequestBytes)
        // Sync handlers spend most of their time waiting for the database thread's next group
        // commit; enough workers must wait at once for commits to be shared (R-SYNC-8).
        configuration.workerThreads = max(configuration.workerThreads, 32)
        // Problems the HTTP layer answers itself speak the sync protocol's problem types
        // (SYNC.md section 8), without members that problem.json does not have.
        configuration.problemTypeBase = Problem.typeBase
        configuration.problemsIncludeRequestID = false
        let worker = service.worker
        configuration.healthCheck = { worker.storageFailure.withLock { $0 }.map { "the database cannot commit: \($0)" } }
        let metrics = SyncMetrics(service: service, databasePath: databasePath)
        self.metrics = metrics
        configuration.extraMetrics = { metrics.render() }
        gate = AuthGate(limiter: AuthFailureLimiter(burst: authFailureBurst), metrics: metrics)
        http = HTTPServer(configuration: configuration, router: SyncRoutes.router(for: service, recorder: recorder, gate: gate))
    }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        do { return try http.start() } catch { throw ServerStartError(description: "\(error)") }
    }

    public func stop(deadline: Duration = .seconds(5)) {
        http.shutdown(deadline: deadline)
        recorder?.close()
        service.stop()
    }
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
}
