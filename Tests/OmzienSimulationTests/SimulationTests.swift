import Foundation
import OmzienSimulation
import Testing

/// Issue 15: the deterministic whole-system simulation. Every seed drives stores, devices
/// with skewed clocks, partners, an admin and a hostile peer through a lossy, duplicating,
/// reordering network and server crashes; every invariant (named after its requirement id:
/// R-SYNC-7, R-SYNC-8, R-SYNC-11, R-SYNC-15, R-SYNC-2a, R-MODEL-7, R-MODEL-12, R-PART-3,
/// R-PART-4, R-PART-6, R-PART-14, R-PRIV-2) is checked after every step and at the end.
///
/// `OMZIEN_SIM_SEEDS` (default 200) and `OMZIEN_SIM_STEPS` (default 40) size the CI run;
/// `Tools/simulate.sh` runs 10,000 and more.
@Suite(.serialized)
struct SimulationTests {
    static let seeds = UInt64(ProcessInfo.processInfo.environment["OMZIEN_SIM_SEEDS"] ?? "") ?? 200
    static var options: Simulation.Options {
        var o = Simulation.Options()
        o.steps = Int(ProcessInfo.processInfo.environment["OMZIEN_SIM_STEPS"] ?? "") ?? 40
        return o
    }

    @Test func everySeedHoldsEveryInvariant() {
        let summary = Simulation.runMany(1...Self.seeds, options: Self.options) { print($0) }
        print(summary)
        #expect(summary.failures.isEmpty, "\(summary.failures.map { "seed \($0.seed): \($0.failure)\n  \($0.line)" }.joined(separator: "\n"))")
        #expect(summary.crashes > 0 && summary.requests > summary.steps, "the faults happen: \(summary)")
    }

    /// The slower mode: the same seeds over real sockets to the real HTTP server on
    /// 127.0.0.1, with connections also cut half-way through the request (the server must not
    /// act on it) or the answer (it did). `OMZIEN_SIM_LOOPBACK_SEEDS` (default 20) sizes it.
    @Test func theLoopbackModeHoldsEveryInvariantWithCutConnections() {
        var options = Self.options
        options.server = .loopback
        let seeds = UInt64(ProcessInfo.processInfo.environment["OMZIEN_SIM_LOOPBACK_SEEDS"] ?? "") ?? 20
        let summary = Simulation.runMany(1...seeds, options: options) { print($0) }
        print("loopback " + summary.description)
        #expect(summary.failures.isEmpty, "\(summary.failures.map { "seed \($0.seed): \($0.failure)\n  \($0.line)" }.joined(separator: "\n"))")
        #expect((summary.counts["connections cut"] ?? 0) > 0 && summary.crashes > 0, "the cuts and crashes happen: \(summary)")
    }

    /// The long mode's server: `omzien serve` as a child process, killed with SIGKILL at every
    /// crash step (mid group commit, mid checkpoint) and started again on its file; requests go
    /// over real sockets and connections are cut too. `OMZIEN_SIM_SIGKILL_SEEDS` (default 5)
    /// sizes it; `Tools/simulate.sh --sigkill` runs more.
    @Test func theSigkillModeHoldsEveryInvariant() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omzien").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the omzien binary is built beside the tests")
        var options = Self.options
        options.server = .child(binary: binary)
        let seeds = UInt64(ProcessInfo.processInfo.environment["OMZIEN_SIM_SIGKILL_SEEDS"] ?? "") ?? 5
        let summary = Simulation.runMany(1...seeds, options: options, shrink: false) { print($0) }
        print("sigkill " + summary.description)
        #expect(summary.failures.isEmpty, "\(summary.failures.map { "seed \($0.seed): \($0.failure)\n  \($0.line)" }.joined(separator: "\n"))")
        #expect(summary.crashes > 0, "the server is killed: \(summary)")
    }

    @Test func aSeedIsOnePlanAndOneOutcome() {
        #expect(Simulation.plan(seed: 7, options: Self.options) == Simulation.plan(seed: 7, options: Self.options))
        #expect(Simulation.plan(seed: 7, options: Self.options) != Simulation.plan(seed: 8, options: Self.options))
        let a = Simulation.run(seed: 7, steps: Simulation.plan(seed: 7, options: Self.options), options: Self.options)
        let b = Simulation.run(seed: 7, steps: Simulation.plan(seed: 7, options: Self.options), options: Self.options)
        #expect(a.steps == b.steps && a.requests == b.requests && a.crashes == b.crashes)
    }

    /// The invariants can fail, and a failure shrinks to a short case with its reproducer:
    /// with no known product defect left to walk into, a planted miscount in the checker
    /// (`plantedMiscount`) makes the chat-moment invariant fail.
    @Test func aFailingSeedShrinksToAShortCase() throws {
        var options = Self.options
        options.steps = 60
        options.plantedMiscount = true
        let seed = try #require((1...50).first { Simulation.run(seed: $0, steps: Simulation.plan(seed: $0, options: options), options: options).failure != nil },
                                "some seed counts a chat moment")
        let steps = Simulation.plan(seed: seed, options: options)
        let failure = try #require(Simulation.run(seed: seed, steps: steps, options: options).failure)
        #expect(failure.invariant.hasPrefix("R-MODEL-7"))
        let shrunk = Simulation.shrink(seed: seed, steps: steps, invariant: failure.invariant, options: options)
        #expect(shrunk.count < steps.count && shrunk.count <= 3, "\(shrunk)")
        #expect(Simulation.run(seed: seed, steps: shrunk, options: options).failure?.invariant == failure.invariant)
        #expect(Simulation.reproduce(seed: seed, options: options) == "Tools/simulate.sh --seed \(seed) --steps 60")
    }

    // MARK: - Defects found by the simulation (regression seeds)

    /// Issue 12 item 1 (erase before the first sync wedged a device; SYNC.md R-DEV-1): seed
    /// 10, shrunk to `record` then `erase` on one device, then its sync, got 403 "must set
    /// store" forever before the fix; it holds every invariant since.
    @Test func seed10EraseBeforeFirstSyncNoLongerWedges() {
        var options = Self.options
        options.steps = 60
        options.avoid = []
        let outcome = Simulation.run(seed: 10, steps: Simulation.plan(seed: 10, options: options), options: options)
        #expect(outcome.failure == nil, "\(outcome.failure.map(String.init(describing:)) ?? "")")
    }

    /// R-SYNC-2a: a late second delivery of an enroll request (same code and nonce) after the
    /// device has its answer replaced the device's token; the device got 401 from then on and
    /// could not enroll again. Seed 44 found it; since a used token is never replaced, it holds.
    @Test func seed44LateEnrollNoLongerReplacesAUsedToken() {
        var options = Self.options
        options.steps = 60
        options.avoid = []
        let outcome = Simulation.run(seed: 44, steps: Simulation.plan(seed: 44, options: options), options: options)
        #expect(outcome.failure == nil, "\(outcome.failure.map(String.init(describing:)) ?? "")")
    }
}

/// Hand-written cases on a network without faults: the checks of the simulation see what
/// they guard.
struct SimulationCaseTests {
    /// R-PART-12 / R-PART-14: a referral closed by the old region's partner is not shown to
    /// the new region's partner after its store moves. Failed on the code before 57c1b29
    /// (the hand-over record), as a known issue of this suite; passes since.
    @Test func aClosedReferralStaysOutOfTheNewPartnersSight() {
        var options = Simulation.Options()
        options.faults = false
        options.hostile = false
        let steps: [Simulation.Action] = [
            .record(device: 3, canary: false, submit: true, consent: false), .sync(device: 3), .partnerPull(region: 1),
            .followUp(region: 1, pick: 0, state: 0), .followUp(region: 1, pick: 0, state: 3),
            .move(store: 2, region: 0), .partnerPull(region: 0),
        ]
        let outcome = Simulation.run(seed: 1, steps: steps.map { Simulation.Step(action: $0, faults: 1) }, options: options)
        #expect(outcome.counts["follow-ups"] == 2 && outcome.counts["moves"] == 1, "\(outcome.counts)")
        #expect(outcome.failure == nil, "\(outcome.failure.map(String.init(describing:)) ?? "")")
    }

    /// (Each step its own fault seed: the seed also draws record ids, and two records drawn
    /// from one seed would share an id across stores.)
    /// The retention walk (issue 15, PRIVACY.md R-PRIV-17..21): a draft and a referral closed
    /// with a case note, then 200 days pass. The server's purge and the devices' own purges
    /// erase both, and at the end neither the note's canary nor the case note's is in any
    /// file of the server or the tills.
    static let retentionWalk: [Simulation.Action] = [
        .record(device: 0, canary: true, submit: false, consent: false),
        .record(device: 3, canary: true, submit: true, consent: true), .sync(device: 0), .sync(device: 3), .partnerPull(region: 1),
        .followUp(region: 1, pick: 0, state: 0), .followUp(region: 1, pick: 0, state: 3),
        .sync(device: 3), .leap(days: 200), .sync(device: 0), .sync(device: 3), .partnerPull(region: 1),
    ]

    @Test func monthsLaterTheDraftAndTheClosedCaseAreGoneFromEveryFile() {
        var options = Simulation.Options()
        options.faults = false
        options.hostile = false
        let outcome = Simulation.run(seed: 1, steps: Self.retentionWalk.enumerated().map { Simulation.Step(action: $1, faults: UInt64($0 + 1)) }, options: options)
        #expect(outcome.failure == nil, "\(outcome.failure.map(String.init(describing:)) ?? "")")
        #expect(outcome.counts["follow-ups"] == 2 && outcome.counts["leaps"] == 1, "\(outcome.counts)")
        #expect((outcome.counts["retention purged on the server"] ?? 0) >= 2, "\(outcome.counts)")
        #expect((outcome.counts["erasures checked"] ?? 0) >= 2, "\(outcome.counts)")
    }

    /// The same months in the long mode: `omzien serve` is a child process whose clock cannot
    /// be the simulation's, so a leap restarts it under libfaketime as far ahead as the
    /// devices' clocks, and the purge it runs at start (R-PRIV-18) is the one checked.
    @Test func monthsLaterInTheSigkillModeTheRestartedServerPurges() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omzien").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the omzien binary is built beside the tests")
        var options = Simulation.Options()
        options.faults = false
        options.hostile = false
        options.server = .child(binary: binary)
        let outcome = Simulation.run(seed: 1, steps: Self.retentionWalk.enumerated().map { Simulation.Step(action: $1, faults: UInt64($0 + 1)) }, options: options)
        #expect(outcome.failure == nil, "\(outcome.failure.map(String.init(describing:)) ?? "")")
        #expect(outcome.counts["leaps"] == 1, "\(outcome.counts)")
        #expect((outcome.counts["retention purged on the server"] ?? 0) >= 2, "the child purged at its start: \(outcome.counts)")
        #expect((outcome.counts["erasures checked"] ?? 0) >= 2, "\(outcome.counts)")
    }

    /// The retention check bites: a server started with `--no-retention` keeps the draft and
    /// the closed case past their periods, and the run fails on R-PRIV-17 at the leap.
    @Test func aServerThatDoesNotPurgeFailsTheRetentionCheck() throws {
        var options = Simulation.Options()
        options.faults = false
        options.hostile = false
        options.serverRetention = nil
        let outcome = Simulation.run(seed: 1, steps: Self.retentionWalk.enumerated().map { Simulation.Step(action: $1, faults: UInt64($0 + 1)) }, options: options)
        let failure = try #require(outcome.failure)
        #expect(failure.invariant.hasPrefix("R-PRIV-17"), "\(failure)")
        #expect(failure.step == Self.retentionWalk.firstIndex(of: .leap(days: 200)), "\(failure)")
    }
}

