import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServer

struct InspectCommand: Command {
    static let name = "inspect"
    static let summary = "summarize a recorded session log: who synced, what moved, what failed"
    static let declaration = Declaration(
        arguments: [Argument("LOG", "the session log (.jsonl.gz)")],
        options: [.flag("json", "print the summary as JSON"),
                  .text("timeline", "FILE.svg|FILE.html", "also draw the session (SVG, or HTML with details on hover when FILE ends in .html): "
                        + "clock times, one lane per principal, one visible mark per request (green ok, orange 4xx, red 5xx), "
                        + "the operations each moved, quarantines and concurrent writes")],
        about: """
        Per principal (device, partner, admin): requests, operations pushed (by record kind)
        and pulled, duplicates, conflicts resolved (a write that replaced two or more concurrent
        values, and which), quarantined operations and why, errors, bytes and time; and every
        field written concurrently, with the winner the merge chose and the values it kept.
        """)
    let path: String, json: Bool, timeline: String?

    init(_ args: inout ArgumentReader) throws {
        path = args.positional()
        json = args.flag("json")
        timeline = args.value("timeline")
    }

    /// Concurrent writes of one field in the pushed operations (neither replaced the other) and
    /// how the merge resolved them: the winner by (HLC, replica), the others kept as conflicts.
    /// Fed one push at a time; holds only the set-operations' ids, clocks and `supersedes`.
    struct ConcurrentWrites {
        private var writes: [String: [(op: (HLCTimestamp, OperationID), supersedes: [OperationID])]] = [:]
        private var seen = Set<OperationID>()

        mutating func add(_ request: PushRequest) {
            for op in request.operations where seen.insert(op.id).inserted {
                guard case let .changes(changes) = op.body else { continue }
                for case let .set(field, _, supersedes) in changes {
                    writes["\(op.record).\(field)", default: []].append(((op.timestamp, op.id), supersedes))
                }
            }
        }

        /// Every operation that took part in a concurrent write (for the timeline).
        var concurrentOperations: Set<OperationID> {
            var out = Set<OperationID>()
            for list in writes.values {
                let replaced = Set(list.flatMap(\.supersedes))
                let heads = list.filter { !replaced.contains($0.op.1) }
                if heads.count >= 2 { for h in heads { out.insert(h.op.1) } }
            }
            return out
        }

        var report: [String] {
            var out: [String] = []
            for key in writes.keys.sorted() {
                let list = writes[key]!
                let replaced = Set(list.flatMap(\.supersedes))
                let heads = list.filter { !replaced.contains($0.op.1) }
                guard heads.count >= 2 else { continue }
                let sorted = heads.sorted { MergeOrder.wins($0.op, over: $1.op) }
                out.append("\(key): \(heads.count) concurrent writes; \(sorted[0].op.1) wins (latest clock), kept as conflicts: " + sorted.dropFirst().map(\.op.1.description).joined(separator: ", "))
            }
            return out
        }
    }

    struct Summary {
        var requests = 0, pushed = 0, duplicates = 0, pulled = 0, errors = 0, bytesIn = 0, bytesOut = 0
        var byKind: [String: Int] = [:]
        /// Writes that superseded two or more values: a person resolving a conflict they saw.
        var resolved: [String] = []
        var quarantined: [String] = []
        var problems: [String] = []
        /// Bodies left out of the log by the recording cap (R-LOG-6).
        var capped: [String] = []
        var ms: Double = 0
        var first: UInt64 = .max, last: UInt64 = 0
    }

    func run() throws {
        // Streamed: bodies are looked at once and dropped, so a long log fits in memory.
        let log: SessionLogStream
        do { log = try SessionLogStream(path: path) } catch let e as SessionLogError { throw CLIError.log(path, e) }
        var summaries: [String: Summary] = [:]
        var concurrent = ConcurrentWrites()
        var steps: [SessionLog.Exchange] = []  // without bodies
        var timelineMarks: [SessionTimeline.Mark] = []
        var stepOperations: [Int: [OperationID]] = [:]
        var localSteps = 0
        var progress = ProgressBar(enabled: !json && log.fileSize > 4 << 20)
        while true {
            let next: SessionLog.Exchange?
            do { next = try log.next() } catch let e as SessionLogError {
                progress.finish()
                throw CLIError.log(path, e)
            }
            guard var e = next else { break }
            if e.method == DeviceLogState.method {
                // The device's own state at the start and end of a device log: not a request.
                localSteps += 1
                continue
            }
            var mark = SessionTimeline.Mark(step: e.step, at: e.at, durationMs: e.durationMs, principal: e.principal, method: e.method, path: e.path,
                                            status: e.status, detail: "")
            progress.show(fraction: Double(log.bytesRead) / Double(max(log.fileSize, 1)), "step \(e.step)")
            var s = summaries[e.principal] ?? Summary()
            s.requests += 1
            s.bytesIn += e.bytesIn
            s.bytesOut += e.bytesOut
            s.ms += e.durationMs
            s.first = min(s.first, e.at)
            s.last = max(s.last, e.at)
            for (what, body) in [("request", e.request), ("answer", e.response)] {
                if let body, SessionLog.isCapped(body) {
                    let bytes = (try? JSONDocument(body).root)?[SessionLog.cappedMarker]?["bytes"]?.int64 ?? 0
                    s.capped.append("step \(e.step) \(e.method) \(e.path): \(what) body of \(bytes) bytes not recorded (capped)")
                }
            }
            let response = e.response.flatMap { try? JSONDocument($0).root }
            var notes: [String] = []
            if e.status >= 400 {
                s.errors += 1
                let why = response?["detail"]?.string ?? response?["title"]?.string ?? ""
                s.problems.append("step \(e.step) \(e.method) \(e.path): \(e.status) \(why)")
                notes.append("refused: \(why)")
            } else if e.path == "/v1/sync/push" {
                mark.pushed = Int(response?["applied"]?.int64 ?? 0)
                s.pushed += mark.pushed
                s.duplicates += Int(response?["duplicates"]?.int64 ?? 0)
                notes.append("pushed \(mark.pushed) operations, \(response?["duplicates"]?.int64 ?? 0) duplicates")
                if let body = e.request, let request = try? PushRequest.decodeFast(body) {
                    stepOperations[e.step] = request.operations.map(\.id)
                    concurrent.add(request)
                    for op in request.operations {
                        s.byKind[op.record.kind.rawValue, default: 0] += 1
                        if case let .changes(changes) = op.body {
                            for case let .set(field, _, supersedes) in changes where supersedes.count >= 2 {
                                s.resolved.append("\(op.id) resolved a conflict on \(op.record).\(field) (replacing \(supersedes.map(\.description).joined(separator: ", ")))")
                            }
                        }
                    }
                }
                for q in response?["quarantined"]?.elements ?? [] {
                    s.quarantined.append("\(q["id"]?.string ?? "?"): \(q["reason"]?.string ?? "")")
                    mark.quarantined += 1
                    notes.append("quarantined \(q["id"]?.string ?? "?"): \(q["reason"]?.string ?? "")")
                }
            } else if e.path == "/v1/sync/pull" {
                mark.pulled = response?["operations"]?.count ?? 0
                s.pulled += mark.pulled
                notes.append("pulled \(mark.pulled) operations")
            }
            mark.detail = "step \(e.step)  \(e.principal)\n\(e.method) \(e.path) → \(e.status) in \(String(format: "%.1f", e.durationMs)) ms\n"
                + "bytes in/out: \(e.bytesIn)/\(e.bytesOut)" + notes.map { "\n" + $0 }.joined()
            timelineMarks.append(mark)
            summaries[e.principal] = s
            e.request = nil
            e.response = nil
            steps.append(e)
        }
        progress.finish()
        let names = summaries.keys.sorted()
        let merges = concurrent.report
        if let timeline {
            let inConflict = concurrent.concurrentOperations
            for i in timelineMarks.indices {
                let ops = stepOperations[timelineMarks[i].step] ?? []
                timelineMarks[i].conflicts = ops.filter { inConflict.contains($0) }.count
                if timelineMarks[i].conflicts > 0 { timelineMarks[i].detail += "\nconcurrent writes: \(timelineMarks[i].conflicts) of its operations" }
            }
            let picture = SessionTimeline(marks: timelineMarks)
            do { try (timeline.hasSuffix(".html") ? picture.html() : picture.svg()).write(toFile: timeline, atomically: true, encoding: .utf8) } catch {
                throw CLIError.io("cannot write '\(timeline)': \(error.localizedDescription)")
            }
            if !json { Output.line("Timeline written to \(timeline)") }
        }
        if json {
            try Output.json([
                "log": path, "recorder": log.header.recorder, "concurrentWrites": merges, "startedAt": log.header.startedAt, "complete": log.complete, "steps": steps.count + localSteps, "requests": steps.count,
                "principals": names.map { n -> [String: Any] in
                    let s = summaries[n]!
                    return ["principal": n, "requests": s.requests, "pushed": s.pushed, "pushedByKind": s.byKind, "duplicates": s.duplicates, "pulled": s.pulled,
                            "errors": s.problems, "quarantined": s.quarantined, "capped": s.capped, "conflictsResolved": s.resolved, "bytesIn": s.bytesIn, "bytesOut": s.bytesOut, "milliseconds": s.ms]
                },
            ])
            return
        }
        Output.line("\(path): \(steps.count) steps recorded by the \(log.header.recorder)\(log.complete ? "" : " (the log ends early: still being written, or cut off)")")
        Output.table(["WHO", "REQUESTS", "PUSHED", "DUPLICATES", "PULLED", "ERRORS", "BYTES IN/OUT", "TIME"],
                     names.map { n in
                         let s = summaries[n]!
                         return [n, "\(s.requests)", "\(s.pushed)" + (s.byKind.isEmpty ? "" : " (" + s.byKind.keys.sorted().map { "\($0) \(s.byKind[$0]!)" }.joined(separator: ", ") + ")"),
                                 "\(s.duplicates)", "\(s.pulled)", "\(s.errors)", "\(s.bytesIn)/\(s.bytesOut)", String(format: "%.0f ms", s.ms)]
                     })
        for m in merges { Output.line("merged: " + m) }
        for n in names {
            for q in summaries[n]!.quarantined { Output.line("quarantined (\(n)) \(q)") }
            for r in summaries[n]!.resolved { Output.line("conflict (\(n)) \(r)") }
            for p in summaries[n]!.problems { Output.line("error (\(n)) \(p)") }
            for c in summaries[n]!.capped { Output.line("capped (\(n)) \(c)") }
        }
    }
}

struct ReplayCommand: Command {
    static let name = "replay"
    static let summary = "replay a session log against a fresh server and check every answer and digest"
    static let declaration = Declaration(
        arguments: [Argument("LOG", "the session log (.jsonl.gz)")],
        options: [.integer("until", "STEP", in: 1...Int.max, "stop after this step"),
                  .flag("json", "print the result as JSON")],
        about: """
        Runs every recorded request in order (device, admin, partner, enrollment; a log holds
        no token, so each request is sent as the principal the log names) against a server of
        its own (its database lives in memory: nothing is written), with the clock set to each
        step's recorded time, and compares every answer and store digest with the recording.
        A device log (from 'device sync --record') is replayed on the device side instead: the
        recorded answers are applied to a scratch replica and its digest checked at each step.
        Stops at the first difference, shows it and how to reproduce it; exit status 1 then. The
        log is read as the replay goes (a progress bar on long logs); a cut-off log replays up
        to its last complete line, with a warning.
        """)
    let path: String, until: Int?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        path = args.positional()
        until = args.optionalInteger("until")
        json = args.flag("json")
    }

    func run() throws {
        // The log is read as the replay goes (bounded memory on long logs); an error in it is
        // reported when the replay reaches it, after the steps before it were checked.
        let log: SessionLogStream
        do { log = try SessionLogStream(path: path) } catch let e as SessionLogError { throw CLIError.log(path, e) }
        var progress = ProgressBar(enabled: !json && log.fileSize > 64 * 1024)
        let result: SessionReplay.Result
        do {
            result = try SessionReplay.run(log: log, until: until) { done, fraction in progress.show(fraction: fraction, "step \(done)") }
            progress.finish()
        } catch let e as SessionLogError {
            progress.finish()
            throw CLIError.log(path, e)
        }
        if !log.complete {
            FileHandle.standardError.write(Data("warning: \(path) is cut off after step \(result.replayed + result.skipped); the steps before it were replayed\n".utf8))
        }
        if json {
            var out: [String: Any] = ["replayed": result.replayed, "skipped": result.skipped, "stoppedEarly": result.unreplayable ?? NSNull(), "checks": result.checks, "identical": result.difference == nil,
                                      "digests": result.digests]
            if let d = result.difference {
                out["difference"] = ["step": d.step, "request": d.request, "field": d.field, "recorded": d.expected, "replayed": d.actual]
            }
            try Output.json(out)
        } else if let d = result.difference {
            Output.line("DIFFERENCE at \(d)")
        } else {
            let skipped = result.skipped == 0 ? "" : " (\(result.skipped) refused steps whose body was capped when recorded skipped)"
            Output.line("Replayed \(result.replayed) steps\(skipped), \(result.checks) checks: every answer and digest is the same.")
            for store in result.digests.keys.sorted() { Output.line("  \(store)  \(result.digests[store]!)") }
        }
        if let note = result.unreplayable { FileHandle.standardError.write(Data("warning: the replay stopped early: \(note)\n".utf8)) }
        if result.difference != nil { throw CLIError.failure("the replay differs from the recording") }
    }
}

struct RedactCommand: Command {
    static let name = "redact"
    static let summary = "copy a session log with personal texts replaced by stable pseudonyms"
    static let declaration = Declaration(
        arguments: [Argument("LOG", "the session log to redact"), Argument("OUT", "where to write the redacted copy")],
        options: [.text("key-file", "FILE", "a file with at least 32 bytes of key, so that two logs share pseudonyms", default: .described("a random key, forgotten afterwards"))],
        about: """
        Writes OUT, a copy of LOG in which every note, contact detail, decline reason, feedback
        comment and case note is replaced by 'redacted-' and 12 hex digits of an HMAC of the text:
        equal texts stay equal, so the copy replays to the same structure ('omzien replay OUT').
        Operations are re-hashed; recorded digests are dropped. The key is random (and
        forgotten) unless --key-file names a file with at least 32 bytes, which lets two logs
        share pseudonyms.
        """)
    let input: String, output: String, keyFile: String?

    init(_ args: inout ArgumentReader) throws {
        input = args.positional()
        output = args.positional()
        keyFile = args.value("key-file")
    }

    func run() throws {
        guard !FileManager.default.fileExists(atPath: output) else { throw CLIError.usage("'\(output)' exists; choose a new file", command: Self.name) }
        var key: [UInt8]
        if let keyFile {
            guard let data = FileManager.default.contents(atPath: keyFile), data.count >= 32 else {
                throw CLIError.usage("--key-file '\(keyFile)' must exist and hold at least 32 bytes", command: Self.name)
            }
            key = Array(data)
        } else {
            var g = SystemRandomNumberGenerator()
            key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        }
        let count: Int
        do { count = try SessionRedactor.redact(input: input, output: output, key: key) } catch let e as SessionLogError {
            throw CLIError.log(input, e)
        }
        key = []
        Output.line("Wrote \(output): \(count) steps, personal texts replaced by pseudonyms.")
    }
}
