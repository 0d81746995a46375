import Foundation
import OmzienProtocol

/// The picture of a session (`omzien inspect --timeline FILE.svg|FILE.html`): a clock-time
/// axis; one lane per principal with one visible mark per request (green ok, orange 4xx, red
/// 5xx; requests that overlap in time go on sub-rows of their lane, and a mark that still
/// would touch another is nudged right, so none hides another); under each mark a volume bar
/// (operations pushed up, pulled down, on a log scale); a red triangle over a request that had
/// operations quarantined and an orange diamond over one that carried concurrent writes. The
/// HTML version holds the same SVG and shows each request's details on hover.
struct SessionTimeline {
    struct Mark {
        var step: Int
        var at: UInt64
        var durationMs: Double
        var principal: String
        var method: String
        var path: String
        var status: Int
        var pushed = 0
        var pulled = 0
        var quarantined = 0
        var conflicts = 0
        var detail: String
    }

    var marks: [Mark] = []
    var timeZone = TimeZone.current

    // Geometry (pixels).
    static let left = 200.0, plotWidth = 900.0, right = 30.0, top = 62.0
    static let rowHeight = 12.0, markHeight = 10.0, volumeHeight = 24.0, laneGap = 10.0, maxRows = 6
    static let minMarkWidth = 3.0, markGap = 1.0
    static let ok = "#27ae60", refused = "#e67e22", failed = "#c0392b", pushColor = "#2c6fbb", pullColor = "#8e44ad"
    static let quarantineColor = "#8b0000", conflictColor = "#f39c12"

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static func color(_ status: Int) -> String { status >= 500 ? failed : status >= 400 ? refused : ok }

    struct Placed {
        var mark: Mark
        var x: Double, width: Double, row: Int
    }

    /// Time span shown: from the first arrival to the last answer (so no bar runs off).
    var span: (start: UInt64, end: UInt64) {
        let start = marks.map(\.at).min() ?? 0
        let end = marks.map { $0.at + UInt64(max(0, $0.durationMs).rounded(.up)) }.max() ?? start
        return (start, max(end, start + 1))
    }

    func x(_ t: UInt64) -> Double {
        let (start, end) = span
        return Self.left + Self.plotWidth * Double(t - start) / Double(end - start)
    }

    /// Lanes in order of first appearance of their principal kind (devices, partners, admin…).
    func layout() -> [(lane: String, rows: Int, marks: [Placed])] {
        let lanes = Array(Set(marks.map(\.principal))).sorted()
        let (start, end) = span
        return lanes.map { lane in
            var rowsEnd: [Double] = []
            var placed: [Placed] = []
            for m in marks.filter({ $0.principal == lane }).sorted(by: { ($0.at, $0.step) < ($1.at, $1.step) }) {
                let x0 = x(m.at)
                let width = min(max(Self.minMarkWidth, Self.plotWidth * m.durationMs / Double(end - start)), Self.left + Self.plotWidth - x0)
                let w = max(width, Self.minMarkWidth)
                if let row = rowsEnd.firstIndex(where: { $0 + Self.markGap <= x0 }) {
                    rowsEnd[row] = x0 + w
                    placed.append(Placed(mark: m, x: x0, width: w, row: row))
                } else if rowsEnd.count < Self.maxRows {
                    rowsEnd.append(x0 + w)
                    placed.append(Placed(mark: m, x: x0, width: w, row: rowsEnd.count - 1))
                } else {
                    // Every row is busy here: nudge right in the row that frees first.
                    let row = rowsEnd.indices.min { rowsEnd[$0] < rowsEnd[$1] }!
                    let nx = rowsEnd[row] + Self.markGap
                    rowsEnd[row] = nx + Self.minMarkWidth
                    placed.append(Placed(mark: m, x: nx, width: Self.minMarkWidth, row: row))
                }
            }
            return (lane, max(1, rowsEnd.count), placed)
        }
    }

    func clock(_ ms: UInt64, seconds: Bool = true) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = seconds ? "HH:mm:ss" : "HH:mm"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// Tick times at a round step (1 ms … 1 day) giving 4–10 ticks.
    func ticks() -> [UInt64] {
        let (start, end) = span
        let steps: [UInt64] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
                               900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000]
        let step = steps.first { (end - start) / $0 <= 8 } ?? 86_400_000
        var t = (start / step + 1) * step
        var out = [start]
        while t < end { out.append(t); t += step }
        return out
    }

    func tickLabel(_ t: UInt64, step: UInt64) -> String {
        if step < 1000 { return clock(t) + String(format: ".%03d", Int(t % 1000)) }
        return clock(t)
    }

    func svg(interactive: Bool = false) -> String {
        let lanes = layout()
        let laneHeights = lanes.map { Double($0.rows) * Self.rowHeight + Self.volumeHeight + Self.laneGap }
        let height = Self.top + laneHeights.reduce(0, +) + 50
        let width = Self.left + Self.plotWidth + Self.right
        let (start, end) = span
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"
        let tz = timeZone.abbreviation(for: Date(timeIntervalSince1970: Double(start) / 1000)) ?? timeZone.identifier
        let pushed = marks.map(\.pushed).reduce(0, +), pulled = marks.map(\.pulled).reduce(0, +)
        s += "<text x=\"10\" y=\"18\" font-weight=\"bold\">Omzien session: \(marks.count) requests, \(clock(start)) to \(clock(end)) \(Self.esc(tz)) (\(String(format: "%.1f", Double(end - start) / 1000)) s); \(pushed) operations pushed, \(pulled) pulled</text>\n"
        // Time axis with clock times.
        let ticks = self.ticks()
        let step = ticks.count > 2 ? ticks[2] - ticks[1] : max(1, end - start)
        let plotBottom = height - 40
        s += "<line x1=\"\(Self.left)\" y1=\"\(Self.top - 12)\" x2=\"\(Self.left + Self.plotWidth)\" y2=\"\(Self.top - 12)\" stroke=\"#444\"/>\n"
        for (i, t) in ticks.enumerated() {
            let tx = x(t)
            if i > 0, tx - x(ticks[i - 1]) < 60 { continue }
            s += "<line x1=\"\(tx)\" y1=\"\(Self.top - 16)\" x2=\"\(tx)\" y2=\"\(plotBottom)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(tx)\" y=\"\(Self.top - 20)\" text-anchor=\"middle\" fill=\"#444\">\(tickLabel(t, step: step))</text>\n"
        }
        var y = Self.top
        let maxVolume = Double(max(1, marks.map { max($0.pushed, $0.pulled) }.max() ?? 1))
        for (i, lane) in lanes.enumerated() {
            let rowsHeight = Double(lane.rows) * Self.rowHeight
            s += "<text x=\"10\" y=\"\(y + 12)\">\(Self.esc(lane.lane))</text>\n"
            s += "<line x1=\"\(Self.left)\" y1=\"\(y + rowsHeight + Self.volumeHeight / 2)\" x2=\"\(Self.left + Self.plotWidth)\" y2=\"\(y + rowsHeight + Self.volumeHeight / 2)\" stroke=\"#ccc\"/>\n"
            for p in lane.marks {
                let m = p.mark
                let my = y + Double(p.row) * Self.rowHeight
                let tip = Self.esc(m.detail)
                let data = interactive ? " data-detail=\"\(tip)\" class=\"mark\"" : ""
                s += "<rect x=\"\(p.x)\" y=\"\(my)\" width=\"\(p.width)\" height=\"\(Self.markHeight)\" fill=\"\(Self.color(m.status))\"\(data)><title>\(tip)</title></rect>\n"
                let mid = y + rowsHeight + Self.volumeHeight / 2
                func bar(_ n: Int, up: Bool, _ color: String) {
                    guard n > 0 else { return }
                    let h = max(1, (Self.volumeHeight / 2 - 1) * log(1 + Double(n)) / log(1 + maxVolume))
                    s += "<rect x=\"\(p.x)\" y=\"\(up ? mid - h : mid)\" width=\"\(max(2, p.width))\" height=\"\(h)\" fill=\"\(color)\"><title>\(tip)</title></rect>\n"
                }
                bar(m.pushed, up: true, Self.pushColor)
                bar(m.pulled, up: false, Self.pullColor)
                if m.quarantined > 0 {
                    let cx = p.x + p.width / 2
                    s += "<path d=\"M \(cx - 4) \(my - 1) L \(cx + 4) \(my - 1) L \(cx) \(my + 6) Z\" fill=\"\(Self.quarantineColor)\"><title>\(tip)</title></path>\n"
                }
                if m.conflicts > 0 {
                    let cx = p.x + p.width / 2, cy = my + Self.markHeight / 2
                    s += "<path d=\"M \(cx) \(cy - 5) L \(cx + 5) \(cy) L \(cx) \(cy + 5) L \(cx - 5) \(cy) Z\" fill=\"\(Self.conflictColor)\" stroke=\"#7a4a00\"><title>\(tip)</title></path>\n"
                }
            }
            y += laneHeights[i]
        }
        s += "<text x=\"\(Self.left)\" y=\"\(height - 22)\" fill=\"#444\">marks: green answered, orange refused (4xx), red server error (5xx); red triangle: operations quarantined; orange diamond: concurrent writes</text>\n"
        s += "<text x=\"\(Self.left)\" y=\"\(height - 8)\" fill=\"#444\">under each lane: operations pushed (blue, up) and pulled (purple, down), log scale; hover a mark for the request</text>\n"
        s += "</svg>\n"
        return s
    }

    func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Omzien session timeline</title>
        <style>
        body { font-family: sans-serif; margin: 16px; }
        #tip { position: fixed; display: none; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre; pointer-events: none; }
        .mark:hover { stroke: #000; stroke-width: 1; }
        </style></head><body>
        \(svg(interactive: true))<div id="tip"></div>
        <script>
        const tip = document.getElementById('tip');
        document.querySelectorAll('.mark').forEach(m => {
          m.addEventListener('mousemove', e => { tip.textContent = m.dataset.detail; tip.style.display = 'block'; tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px'; });
          m.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
        });
        </script>
        </body></html>

        """
    }
}
