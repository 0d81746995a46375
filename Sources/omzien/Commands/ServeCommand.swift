import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer

struct ServeCommand: Command {
    static let name = "serve"
    static let summary = "run the sync server"
    static let usage = """
        usage: omzien serve [--db PATH] [--host ADDR] [--port N] [--max-drift-ms N] [--threads N]
                            [--max-connections N] [--max-body-bytes N] [--quiet] [--record DIR]
                            [--backup-dir DIR [--backup-every SECONDS] [--keep-backups N]]
                            [--retention-closed-days N] [--retention-draft-days N]
                            [--retention-feedback-days N] [--no-retention]
                            [--target-urgent DAYS] [--target-soon DAYS] [--target-routine DAYS] [--target-time-zone TZ]

        Runs the sync server until SIGTERM or SIGINT (then finishes requests in flight and exits 0).
        On first start it creates an admin token, writes it to PATH.admin-token (mode 0600) and
        prints where; 'omzien admin' reads it from there, from --token or from $OMZIEN_ADMIN_TOKEN.
          --db PATH            the server database (default: omzien-server.sqlite)
          --host ADDR          address to listen on (default: 127.0.0.1; TLS belongs in a proxy in front)
          --port N             port (default: 8080; 0 picks a free one and prints it)
          --max-drift-ms N     how far ahead a device clock may be before its operations are
                               quarantined (default: \(Limits.defaultMaxDriftMillis))
          --threads N          event-loop threads (default: the number of cores)
          --max-connections N  open connections at most (default: 4096)
          --max-body-bytes N   largest request body after decompression (default and cap: \(Limits.maxRequestBytes))
          --quiet              no per-request log lines on stderr
          --record DIR         write a session log of every request to DIR (for 'omzien inspect' and
                               'omzien replay'; costs two digests per device request)
          --record-max-body N  record at most N bytes of a body (default \(SessionLog.defaultMaxBodyBytes)); a longer
                               one is a marker with its size and SHA-256; unauthenticated requests
                               keep at most \(SessionLog.maxUnauthenticatedBodyBytes) bytes
          --record-max-mb N    start a new log file once the current one holds N MiB (default 64)
          --record-max-hours N start a new log file once the current one is N hours old (default 24)
          --record-keep N      keep only the newest N log files of this run (default: all)
          --record-keep-days N delete session logs in DIR older than N days, at start and at
                               every new file (default 14)
          --record-plain       record notes, contacts and case notes in the clear (debugging only:
                               no erase reaches these files). By default every such text is
                               recorded as its HMAC pseudonym under the server secret
                               (PATH.server-key), as 'omzien redact' writes them
          --backup-dir DIR     take an online backup into DIR every --backup-every seconds
                               (default 3600), keeping the newest --keep-backups (default 24);
                               'omzien admin backup' writes there too (default: PATH.backups)
          --retention-closed-days N    erase closed and declined referrals N days after their
                                       last change (default 180; PRIVACY.md R-PRIV-17)
          --retention-draft-days N     erase signals kept as a draft N days after their last
                                       change (default 30)
          --retention-feedback-days N  erase feedback that carries a comment N days after its
                                       last change (default 365)
          --no-retention               no purge (the periods above run at start and hourly)
          --target-urgent DAYS, --target-soon DAYS, --target-routine DAYS
                               response-time targets: working days (Mon-Fri) from submission to
                               first contact (default 1, 3, 10; 1-60); reports give the share within
          --target-time-zone TZ  the time zone of working days and of report months
                               (default Europe/Amsterdam)
          --web-insecure-loopback  web session cookies without 'Secure', for plain http on
                               127.0.0.1 only (a demo, a test); behind TLS leave it out
          --password-iterations N  PBKDF2 iterations for new passwords (default \(PBKDF2.defaultIterations);
                               lower only for tests: it makes stolen hashes cheaper to crack)
        The web pages are at /web (login, the partner's inbox, head office's dashboard).
        """
    static let valueOptions: Set<String> = ["db", "host", "port", "max-drift-ms", "threads", "max-connections", "max-body-bytes", "record",
                                                  "record-max-body", "record-max-mb", "record-max-hours", "record-keep", "record-keep-days", "backup-dir", "backup-every", "keep-backups",
                                                  "target-urgent", "target-soon", "target-routine", "target-time-zone",
                                                  "retention-closed-days", "retention-draft-days", "retention-feedback-days", "password-iterations"]
    let db: String, host: String, port: Int, drift: Int, threads: Int?, maxConnections: Int, maxBody: Int, quiet: Bool, record: String?
    let recordOptions: SessionRecorder.Options, recordPlain: Bool
    let backupDir: String?, backupEvery: Int, keepBackups: Int, retention: RetentionPolicy?
    let targets: ResponseTargets
    let webInsecureLoopback: Bool, passwordIterations: Int

    init(_ args: inout ArgumentReader) throws {
        db = args.option("db", default: "omzien-server.sqlite")
        host = args.option("host", default: "127.0.0.1")
        port = try args.integer("port", default: 8080, range: 0...65535)
        drift = try args.integer("max-drift-ms", default: Int(Limits.defaultMaxDriftMillis), range: 1000...(30 * 86_400_000))
        threads = args.option("threads") == nil ? nil : try args.integer("threads", default: 2, range: 1...256)
        maxConnections = try args.integer("max-connections", default: 4096, range: 16...1_000_000)
        maxBody = try args.integer("max-body-bytes", default: Limits.maxRequestBytes, range: 1024...Limits.maxRequestBytes)
        quiet = args.flag("quiet")
        record = args.option("record")
        var o = SessionRecorder.Options()
        o.maxBodyBytes = try args.integer("record-max-body", default: SessionLog.defaultMaxBodyBytes, range: 256...Limits.maxRequestBytes)
        o.maxFileBytes = try args.integer("record-max-mb", default: 64, range: 1...1_000_000) << 20
        o.maxAgeSeconds = Double(try args.integer("record-max-hours", default: 24, range: 1...100_000)) * 3600
        o.keepFiles = args.option("record-keep") == nil ? nil : try args.integer("record-keep", default: 1, range: 1...1_000_000)
        o.retentionSeconds = Double(try args.integer("record-keep-days", default: 14, range: 1...3650)) * 86_400
        recordPlain = args.flag("record-plain")
        recordOptions = o
        backupDir = args.option("backup-dir")
        backupEvery = try args.integer("backup-every", default: 3600, range: 1...(7 * 86_400))
        keepBackups = try args.integer("keep-backups", default: 24, range: 1...10_000)
        let periods = RetentionPolicy(closedDays: try args.integer("retention-closed-days", default: 180, range: 1...3650),
                                      draftDays: try args.integer("retention-draft-days", default: 30, range: 1...3650),
                                      feedbackCommentDays: try args.integer("retention-feedback-days", default: 365, range: 1...3650))
        retention = args.flag("no-retention") ? nil : periods
        let d = ResponseTargets.standard, days = ResponseTargets.dayRange
        do {
            targets = try ResponseTargets(urgentDays: try args.integer("target-urgent", default: d.urgentDays, range: days),
                                          soonDays: try args.integer("target-soon", default: d.soonDays, range: days),
                                          routineDays: try args.integer("target-routine", default: d.routineDays, range: days),
                                          timeZone: args.option("target-time-zone", default: d.timeZone)).validated()
        } catch let e as ResponseTargets.InvalidTargets {
            throw CLIError.usage("--target-time-zone: \(e)", command: Self.name)
        }
        webInsecureLoopback = args.flag("web-insecure-loopback")
        passwordIterations = try args.integer("password-iterations", default: PBKDF2.defaultIterations, range: 1_000...10_000_000)
        if webInsecureLoopback, !["127.0.0.1", "::1", "localhost"].contains(host) {
            throw CLIError.usage("--web-insecure-loopback is for a server on 127.0.0.1 only (got --host \(host)); put TLS in front of any other", command: Self.name)
        }
    }

    func run() throws {
        var http = HTTPServer.Configuration()
        http.host = host
        http.port = port
        if let threads { http.eventLoopThreads = threads }
        http.maxConnections = maxConnections
        http.maxDecompressedBodyBytes = maxBody
        if quiet { http.requestLog = nil }
        var sync = SyncService.Configuration()
        sync.maxDriftMillis = UInt64(drift)
        sync.backupDirectory = backupDir
        sync.retention = retention
        sync.responseTargets = targets
        sync.webSecureCookies = !webInsecureLoopback
        sync.passwordIterations = passwordIterations
        if passwordIterations < PBKDF2.defaultIterations {
            Output.error("warning: --password-iterations \(passwordIterations) is below the stated work factor \(PBKDF2.defaultIterations); use it for tests only")
        }
        var recordOptions = self.recordOptions
        if let record {
            if recordPlain {
                Output.error("warning: --record-plain writes every note, contact and case note in the clear to \(record); no erase reaches these files. Use it only to debug, and delete the files afterwards.")
            } else {
                let secretPath = ServerSecret.path(besideDatabase: db)
                let secret: ServerSecret
                do { secret = try ServerSecret.loadOrCreate(at: secretPath) } catch { throw CLIError.failure("\(error)") }
                recordOptions.pseudonymKey = secret.key(for: "recording-pseudonyms")
            }
        }
        let server = try SyncServer(databasePath: db, http: http, service: sync, recordTo: record, recordOptions: recordOptions)
        if let path = server.recorder?.path {
            Output.line("Recording sessions to \(path) (\(recordPlain ? "plain bodies" : "personal texts pseudonymised"), kept \(Int((recordOptions.retentionSeconds ?? 0) / 86_400)) days)")
        }
        if let token = try server.service.bootstrapAdminToken() {
            let file = db + ".admin-token"
            FileManager.default.createFile(atPath: file, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
            Output.line("Created the admin token and wrote it to \(file) (keep it secret).")
        }
        let schedule = backupDir.map { dir in
            Output.line("Backups every \(backupEvery) s to \(dir), keeping \(keepBackups).")
            return BackupSchedule.start(service: server.service, interval: Double(backupEvery), keep: keepBackups) { Output.error($0) }
        }
        if retention != nil {
            // PRIVACY.md R-PRIV-18: the first purge runs before the server takes requests.
            do {
                let r = try server.service.purgeExpired()
                if r.total > 0 { Output.line("Retention: " + r.summary) }
            } catch { Output.error("retention purge failed: \(error)") }
        }
        let purge = retention.map { _ in RetentionSchedule.start(service: server.service) { Output.error($0) } }
        do {
            // A signal (SIGTERM, SIGINT) is the normal way to stop: drain, close, exit 0.
            let signal = try server.http.run(shutdownDeadline: .seconds(10)) { port in
                Output.line("omzien serve: listening on http://\(host):\(port) (database \(db))")
            }
            Output.line("omzien serve: signal \(signal), finished the requests in flight")
        } catch {
            schedule?.stop()
            server.recorder?.close()
            purge?.stop()
            server.service.stop()
            if error.errno == EADDRINUSE {
                throw CLIError.unavailable("cannot listen on \(host):\(port): the port is in use (another 'omzien serve' or another program listens there). Stop it or choose another --port.")
            }
            throw CLIError.unavailable("cannot listen on \(host):\(port): \(error)")
        }
        schedule?.stop()
        server.recorder?.close()
        purge?.stop()
        server.service.stop()
        Output.line("omzien serve: stopped")
    }
}
