import Foundation

extension Simulation {
    /// What a batch of seeds did.
    public struct Summary: Sendable, CustomStringConvertible {
        public var seeds = 0
        public var steps = 0
        public var requests = 0
        public var crashes = 0
        public var seconds = 0.0
        public var counts: [String: Int] = [:]
        /// (seed, failure, the reproducing line, the shrunk steps).
        public var failures: [(seed: UInt64, failure: Failure, line: String, shrunk: [Step])] = []
        public var description: String {
            String(format: "simulation: %d seeds, %d steps, %d requests, %d server crashes, %.1f s, %d failing", seeds, steps, requests, crashes, seconds, failures.count)
                + " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
    }

    /// Runs `seeds`; a failing seed is shrunk (unless `shrink` is false) and reported with
    /// the one line that reproduces it.
    public static func runMany(_ seeds: some Sequence<UInt64>, options: Options = .init(), shrink doShrink: Bool = true,
                               report: ((String) -> Void)? = nil) -> Summary {
        var summary = Summary()
        let started = Date()
        for seed in seeds {
            let steps = plan(seed: seed, options: options)
            let outcome = run(seed: seed, steps: steps, options: options)
            summary.seeds += 1
            summary.steps += outcome.steps
            summary.requests += outcome.requests
            summary.crashes += outcome.crashes
            summary.counts.merge(outcome.counts, uniquingKeysWith: +)
            guard let failure = outcome.failure else { continue }
            let shrunk = doShrink ? shrink(seed: seed, steps: steps, invariant: failure.invariant, options: options) : steps
            let line = reproduce(seed: seed, options: options)
            summary.failures.append((seed, failure, line, shrunk))
            report?("FAIL seed \(seed): \(failure)\n  reproduce: \(line)\n  shrunk to \(shrunk.count) of \(steps.count) steps:\n"
                + shrunk.map { "    \($0)" }.joined(separator: "\n"))
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}

extension Simulation {
    /// Runs one seed's steps with only those at `keep` (the shrunk case), for tracing.
    public static func runSubset(seed: UInt64, keep: [Int], options: Options = .init()) -> Outcome {
        let steps = plan(seed: seed, options: options)
        return run(seed: seed, steps: keep.map { steps[$0] }, options: options)
    }
}
