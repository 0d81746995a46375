import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer

struct ServeCommand: Command {
    static let name = "serve"
    static let summary = "run the sync server"
    static let declaration = Declaration(
        options: [
            .text("db", "PATH", "the server database", default: .value("omzien-server.sqlite")),
            .text("host", "ADDR", "address to listen on (TLS belongs in a proxy in front)", default: .value("127.0.0.1")),
            .integer("port", in: 0...65535, "port; 0 picks a free one and prints it", default: 8080),
            .integer("max-drift-ms", in: 1000...(30 * 86_400_000), "how far ahead a device clock may be before its operations are quarantined",
                     default: Int(Limits.defaultMaxDriftMillis)),
            .integer("threads", in: 1...256, "event-loop threads", described: "the number of cores"),
            .integer("max-connections", in: 16...1_000_000, "open connections at most", default: 4096),
            .integer("max-body-bytes", in: 1024...Limits.maxRequestBytes, "largest request body after decompression (the default is also the cap)",
                     default: Limits.maxRequestBytes),
            .flag("quiet", "no per-request log lines on stderr"),
            .text("record", "DIR", "write a session log of every request to DIR (for 'omzien inspect' and 'omzien replay'; costs two digests per device request)"),
            .integer("record-max-body", in: 256...Limits.maxRequestBytes, "record at most N bytes of a body; a longer one is a marker with its size and "
                     + "SHA-256; unauthenticated requests keep at most \(SessionLog.maxUnauthenticatedBodyBytes) bytes", default: SessionLog.defaultMaxBodyBytes),
            .integer("record-max-mb", in: 1...1_000_000, "start a new log file once the current one holds N MiB", default: 64),
            .integer("record-max-hours", in: 1...100_000, "start a new log file once the current one is N hours old", default: 24),
            .integer("record-keep", in: 1...1_000_000, "keep only the newest N log files of this run", described: "all"),
            .integer("record-keep-days", in: 1...3650, "delete session logs in DIR older than N days, at start and at every new file", default: 14),
            .flag("record-plain", "record notes, contacts and case notes in the clear (debugging only: no erase reaches these files). By default every "
                  + "such text is recorded as its HMAC pseudonym under the server secret (PATH.server-key), as 'omzien redact' writes them"),
            .text("backup-dir", "DIR", "take an online backup into DIR every --backup-every seconds, keeping the newest --keep-backups; "
                  + "'omzien admin backup' writes there too", default: .described("PATH.backups, for 'admin backup' only")),
            .integer("backup-every", "SECONDS", in: 1...(7 * 86_400), "seconds between backups (with --backup-dir)", default: 3600),
            .integer("keep-backups", in: 1...10_000, "backups kept (with --backup-dir)", default: 24),
            .integer("retention-closed-days", in: RetentionPolicy.allowedDays, "erase closed and declined referrals N days after their last change (PRIVACY.md R-PRIV-17)",
                     default: RetentionPolicy.defaults.closedDays),
            .integer("retention-draft-days", in: RetentionPolicy.allowedDays, "erase signals kept as a draft N days after their last change",
                     default: RetentionPolicy.defaults.draftDays),
            .integer("retention-feedback-days", in: RetentionPolicy.allowedDays, "erase feedback that carries a comment N days after its last change",
                     default: RetentionPolicy.defaults.feedbackCommentDays),
            .flag("no-retention", "no purge (the periods above run at start and hourly)"),
            .integer("target-urgent", "DAYS", in: ResponseTargets.dayRange, "response-time target of an urgent signal: working days (Mon-Fri) "
                     + "from submission to first contact; reports give the share within", default: ResponseTargets.standard.urgentDays),
            .integer("target-soon", "DAYS", in: ResponseTargets.dayRange, "likewise, of a soon signal", default: ResponseTargets.standard.soonDays),
            .integer("target-routine", "DAYS", in: ResponseTargets.dayRange, "likewise, of a routine signal", default: ResponseTargets.standard.routineDays),
            .text("target-time-zone", "TZ", "the time zone of working days and of report months", default: .value(ResponseTargets.standard.timeZone)),
            .flag("web-insecure-loopback", "web session cookies without 'Secure', for plain http on 127.0.0.1 only (a demo, a test); behind TLS leave it out"),
            .integer("password-iterations", in: 1_000...10_000_000, "PBKDF2 iterations for new passwords; lower only for tests: it makes stolen hashes "
                     + "cheaper to crack", default: PBKDF2.defaultIterations),
        ],
        about: """
        Runs the sync server until SIGTERM or SIGINT (then finishes requests in flight and exits 0).
        On first start it creates an admin token, writes it to PATH.admin-token (mode 0600) and
        prints where; 'omzien admin' reads it from there, from --token or from $OMZIEN_ADMIN_TOKEN.
        """,
        notes: "The web pages are at /web (login, the partner's inbox, head office's dashboard).")
    let db: String, host: String, port: Int, drift: Int, threads: Int?, maxConnections: Int, maxBody: Int, quiet: Bool, record: String?
    let recordOptions: SessionRecorder.Options, recordPlain: Bool
    let backupDir: String?, backupEvery: Int, keepBackups: Int, retention: RetentionPolicy?
    let targets: ResponseTargets
    let webInsecureLoopback: Bool, passwordIterations: Int

    init(_ args: inout ArgumentReader) throws {
        db = args.string("db")
        host = args.string("host")
        port = args.integer("port")
        drift = args.integer("max-drift-ms")
        threads = args.optionalInteger("threads")
        maxConnections = args.integer("max-connections")
        maxBody = args.integer("max-body-bytes")
        quiet = args.flag("quiet")
        record = args.value("record")
        var o = SessionRecorder.Options()
        o.maxBodyBytes = args.integer("record-max-body")
        o.maxFileBytes = args.integer("record-max-mb") << 20
        o.maxAgeSeconds = Double(args.integer("record-max-hours")) * 3600
        o.keepFiles = args.optionalInteger("record-keep")
        o.retentionSeconds = Double(args.integer("record-keep-days")) * 86_400
        recordPlain = args.flag("record-plain")
        recordOptions = o
        backupDir = args.value("backup-dir")
        backupEvery = args.integer("backup-every")
        keepBackups = args.integer("keep-backups")
        let periods = RetentionPolicy(closedDays: args.integer("retention-closed-days"),
                                      draftDays: args.integer("retention-draft-days"),
                                      feedbackCommentDays: args.integer("retention-feedback-days"))
        retention = args.flag("no-retention") ? nil : periods
        do {
            targets = try ResponseTargets(urgentDays: args.integer("target-urgent"), soonDays: args.integer("target-soon"),
                                          routineDays: args.integer("target-routine"), timeZone: args.string("target-time-zone")).validated()
        } catch let e as ResponseTargets.InvalidTargets {
            throw CLIError.usage("--target-time-zone: \(e)", command: Self.name)
        }
        webInsecureLoopback = args.flag("web-insecure-loopback")
        passwordIterations = args.integer("password-iterations")
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
