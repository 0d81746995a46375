import Foundation
import OmzienClient
import OmzienHTTP
import OmzienStore

struct DeviceSyncCommand: Command {
    static let name = "device sync"
    static let summary = "push unsent changes and pull the store's changes (--watch: keep doing it)"
    static let declaration = Declaration(
        options: [DeviceContext.dbOption,
                  .flag("json", "the result as JSON; a failure prints a JSON object too ({\"error\": CODE, \"message\": TEXT, \"exit\": STATUS}) and exits with STATUS"),
                  .flag("no-retry", "one attempt per request (by default a failed request is tried up to 5 times, waiting longer each time)"),
                  .text("record", "DIR", "write this sync's requests and answers to a session log in DIR (for 'omzien inspect' and 'omzien replay'; tokens are never written; "
                        + "notes, contacts, reasons, comments and authors are pseudonymised under a key kept in the device's database)"),
                  .flag("record-plain", "with --record: write the texts in the clear (debugging only: no erase reaches that file; delete it afterwards)"),
                  .flag("watch", "keep the device synced until SIGTERM or SIGINT (then exit 0, nothing lost): soon after each change on this device, "
                        + "and every --every seconds; while the server is unreachable it retries quietly, waiting longer each time (up to 5 minutes), "
                        + "and says so once when it goes offline and once when it is back; not with --json or --record"),
                  .integer("every", "SECONDS", in: 1...3600, "seconds between syncs while nothing changes (--watch)", default: 30)],
        about: """
        Sends what this device recorded and fetches the store's changes. The database is open
        only while the sync reads or writes it, never while it waits for the server, so the
        cashier can go on recording during a slow sync (SYNC.md R-DEV-20).
        Exit status 69 when the server cannot be reached: nothing is lost, everything stays
        recorded on this device and goes out on the next sync.
        """)
    let db: String, json: Bool, noRetry: Bool, record: String?, recordPlain: Bool, watch: Bool, every: Int

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        json = args.flag("json")
        noRetry = args.flag("no-retry")
        record = args.value("record")
        recordPlain = args.flag("record-plain")
        watch = args.flag("watch")
        every = args.integer("every")
        if watch && (json || record != nil) {
            throw CLIError.usage("--watch prints one line per change of state; it does not take --json or --record (run a single 'omzien device sync --json' for that)", command: Self.name)
        }
        if recordPlain && record == nil {
            throw CLIError.usage("--record-plain goes with --record DIR", command: Self.name)
        }
    }

    func run() throws {
        try DeviceContext.requireFile(db)
        if watch { try DeviceSyncWatch(db: db, every: TimeInterval(every)).run() }
        if let record, recordPlain {
            Output.error("warning: --record-plain writes every note, contact, reason and comment this sync sends or receives in the clear to \(record); no erase reaches that file. Use it only to debug, and delete it afterwards.")
        }
        let recorder = try record.map { try RecordingTransport(inner: URLSessionTransport(), directory: $0, path: db, plain: recordPlain) }
        defer {
            recorder?.finish(path: db)
            if let path = recorder?.path { FileHandle.standardError.write(Data("Session log written to \(path)\n".utf8)) }
        }
        let device: DeviceSync
        do {
            device = try DeviceSync(path: db, transport: recorder ?? URLSessionTransport(), retry: noRetry ? .none : .init())
        } catch let e as ClientError {
            throw fail(e, server: "(none)")
        }
        let report: DeviceSync.Report
        do {
            report = try device.sync(progress: json ? nil : { Output.line("  " + $0) })
        } catch let e as ClientError {
            if let wiped = try device.wipeIfOrdered(by: e) { return RevocationWipeOutput.print(wiped, json: json) }  // PRIVACY.md R-PRIV-12
            throw fail(e, server: device.client.baseURL.absoluteString)
        }
        let digest = try DeviceDatabase.with(db) { try $0.stateDigest().hex }
        if json {
            try Output.json(["pending": report.pending, "pushed": report.pushed, "acknowledged": report.acknowledged, "pulled": report.pulled,
                             "applied": report.applied, "quarantined": report.quarantined.map { ["operation": $0.id.description, "reason": $0.reason] },
                             "digest": digest])
        } else {
            Output.line("Synced: " + Self.summary(report) + ".")
            for q in report.quarantined { Output.line("Quarantined \(q.id): \(q.reason)") }
            Output.line("Digest \(digest)")
        }
    }

    /// The error for a failed sync; with --json also printed as a JSON object on stdout.
    func fail(_ e: ClientError, server: String) -> CLIError {
        let failure = ServerFailure.cliError(e, server: server, unreachable: "everything stays recorded on this device and goes out on the next sync")
        if json {
            try? Output.json(["error": ServerFailure.code(e), "message": failure.description, "exit": Int(failure.exitCode)])
        }
        return failure
    }

    /// "sent 2 of 2 waiting (the server holds 7 of ours); pulled 3, applied 1", or "nothing was waiting to be sent; …".
    static func summary(_ r: DeviceSync.Report) -> String {
        let push = r.pending == 0
            ? "nothing was waiting to be sent"
            : "sent \(r.pushed) of \(r.pending) waiting (the server holds \(r.acknowledged) of ours)"
        return push + "; pulled \(r.pulled), applied \(r.applied)"
    }
}

/// `device sync --watch` (SYNC.md R-DEV-21): syncs soon after a local change and every
/// `every` seconds, backs off exponentially with jitter (capped) while the server is
/// unreachable and says so once, and stops on SIGTERM/SIGINT between two database steps,
/// exit 0: every step is a transaction and the network part of a sync is safe to redo, so
/// stopping anywhere else loses nothing.
struct DeviceSyncWatch {
    let db: String
    let every: TimeInterval
    static let maxBackoff: TimeInterval = 300

    /// The wait after `failures` failed syncs in a row: exponential from 1 s, capped at
    /// `maxBackoff`, "equal jitter" (half fixed, half random) so that tills do not retry in step.
    static func backoff(failures: Int) -> TimeInterval {
        let ceiling = min(maxBackoff, pow(2, Double(min(failures, 20))))
        return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
    }

    /// What changes when another process writes the database (modification time and size of
    /// the file and its WAL): a cheap way to notice a local change without opening it.
    static func stamp(_ path: String) -> [Int64] {
        [path, path + "-wal"].flatMap { p -> [Int64] in
            var st = stat()
            guard stat(p, &st) == 0 else { return [-1, -1, -1] }
            return [Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec), Int64(st.st_size)]
        }
    }

    static func now() -> String { RecordPresenter.time(Int64(Date().timeIntervalSince1970 * 1000)) }

    func run() throws -> Never {
        let signals: TerminationSignals
        do { signals = try TerminationSignals() } catch { throw CLIError.failure("cannot install the SIGTERM handler: \(error)") }
        let gate = StepGate(stop: {
            Output.line("\(Self.now()) stopped; everything recorded is kept on this device")
            exit(0)
        })
        Thread { _ = signals.wait(); gate.requestStop() }.start()
        let device: DeviceSync
        do {
            device = try DeviceSync(path: db, transport: URLSessionTransport(timeout: 20), retry: .none)
        } catch let e as ClientError {
            throw ServerFailure.cliError(e, server: "(none)", unreachable: "")
        }
        device.stepGate = gate
        let server = device.client.baseURL.absoluteString
        Output.line("\(Self.now()) watching \(db): syncing with \(server) after every change and every \(Int(every)) s; stop with Ctrl-C or SIGTERM")
        var offline = false, failures = 0, lastProblem = ""
        while true {
            var wait = every
            do {
                let report = try device.sync()
                if offline {
                    Output.line("\(Self.now()) back online: " + DeviceSyncCommand.summary(report))
                } else if report.pending > 0 || report.applied > 0 || !report.quarantined.isEmpty {
                    Output.line("\(Self.now()) synced: " + DeviceSyncCommand.summary(report))
                }
                for q in report.quarantined { Output.line("\(Self.now()) quarantined \(q.id): \(q.reason)") }
                offline = false; failures = 0; lastProblem = ""
                // Something recorded while the sync ran goes soon, not in `every` seconds.
                if try device.withStore({ !(try $0.unsentOperations(limit: 1).isEmpty) }) { wait = 1 }
            } catch let e as ClientError {
                failures += 1
                wait = Self.backoff(failures: failures)
                let failure = ServerFailure.cliError(e, server: server, unreachable: "retrying quietly; everything stays recorded on this device")
                if let wiped = try device.wipeIfOrdered(by: e) {  // PRIVACY.md R-PRIV-12
                    RevocationWipeOutput.print(wiped, json: false)
                    exit(0)
                }
                if case let .problem(p) = e, p.status == 401 || p.status == 403 {
                    // The device was revoked or its token is gone: retrying cannot help.
                    throw failure
                }
                if failure.exitCode == 69 {
                    if !offline { Output.line("\(Self.now()) offline: \(failure.description)") }
                    offline = true
                } else if failure.description != lastProblem {
                    Output.error(failure.description + " (retrying)")
                    lastProblem = failure.description
                }
            }
            let seen = Self.stamp(db)
            let deadline = Date().addingTimeInterval(wait)
            while Date() < deadline, Self.stamp(db) == seen { Thread.sleep(forTimeInterval: 0.2) }
        }
    }
}
