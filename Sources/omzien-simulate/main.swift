import Foundation
import OmzienSimulation

// omzien-simulate [--seeds N] [--first S] [--seed S] [--steps K] [--no-hostile] [--no-shrink] [--loopback | --sigkill] [--avoid DEFECT]
// Runs the deterministic simulation (issue 15) and prints the figure; exit 1 on a failure.
var args = Array(CommandLine.arguments.dropFirst())
var options = Simulation.Options()
var first: UInt64 = 1, count: UInt64 = 10_000, shrink = true
while !args.isEmpty {
    let a = args.removeFirst()
    func value() -> String { args.isEmpty ? "" : args.removeFirst() }
    switch a {
    case "--seeds": count = UInt64(value()) ?? count
    case "--first": first = UInt64(value()) ?? first
    case "--seed": first = UInt64(value()) ?? first; count = 1
    case "--steps": options.steps = Int(value()) ?? options.steps
    case "--no-hostile": options.hostile = false
    case "--no-shrink": shrink = false
    case "--all-defects": options.avoid = []  // the default now; kept so that old lines still run
    case "--avoid": if let d = Simulation.KnownDefect(rawValue: value()) { options.avoid.insert(d) }
    case "--loopback": options.server = .loopback
    case "--sigkill":
        // `omzien serve` as a child, killed with SIGKILL at every crash step.
        options.server = .child(binary: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omzien").path)
    default:
        FileHandle.standardError.write(Data("usage: omzien-simulate [--seeds N] [--first S] [--seed S] [--steps K] [--no-hostile] [--no-shrink] [--loopback | --sigkill] [--avoid DEFECT]\n".utf8))
        exit(2)
    }
}
let summary = Simulation.runMany(first..<(first + count), options: options, shrink: shrink) { print($0) }
print(summary)
exit(summary.failures.isEmpty ? 0 : 1)
