import Foundation

/// A bar chart drawn as SVG text (R-WEB-37): a pure function of its figures, no script, no
/// external reference, every text escaped (`Markup`). A bar whose figure is suppressed (or
/// missing) is drawn as a pale full-height column marked "–", explained by a legend, so that
/// a gap is never read as zero. Negative values (an NPS) hang below the zero line in another
/// colour.
///
/// The scale runs from a rounded number (1, 2, 2.5 or 5 times a power of ten) below zero or
/// at zero to one above the largest figure, or over a fixed `range` (a share: 0–100 %); a
/// chart in which every figure is withheld prints no scale at all, and one without bars says
/// "Nog geen gegevens". The chart is as wide as its title and its bars need, and its left
/// margin leaves room for the first rotated label.
///
/// Geometry (pixels, for tests that render the picture): `Layout`.
public struct SVGChart: Sendable {
    public struct Bar: Sendable, Equatable {
        public var label: String
        /// nil: suppressed or not available.
        public var value: Double?
        public init(label: String, value: Double?) {
            self.label = label
            self.value = value
        }
    }

    public static let positive = "#2b6cb0", negative = "#c05621", withheld = "#e2e8f0", reference = "#2f855a", axis = "#4a5568"

    /// What a chart without any bar says in its plot.
    public static let noData = "Nog geen gegevens"
    /// The legend of a pale column.
    public static let withheldLegend = "grijze kolom met – : onderdrukt (te weinig gegevens)"

    public var title: String
    public var unit: String
    public var bars: [Bar]
    /// A dashed horizontal line (a target, say) with its label.
    public var referenceLine: (value: Double, label: String)?
    /// A fixed scale (a share in %: 0...100); nil: from the figures.
    public var range: ClosedRange<Double>?

    public init(title: String, unit: String = "", bars: [Bar], referenceLine: (value: Double, label: String)? = nil, range: ClosedRange<Double>? = nil) {
        self.title = title
        self.unit = unit
        self.bars = bars
        self.referenceLine = referenceLine
        self.range = range
    }

    public struct Layout: Sendable {
        public static let minimumLeft = 56, right = 16, top = 44, plotHeight = 200, bottom = 110, slot = 48, barWidth = 32
        /// Average advance of a sans-serif glyph per pixel of font size (an estimate that
        /// errs wide: text measured by rsvg-convert stays inside).
        static let glyph = 0.6
        public let bars: Int
        public let low: Double, high: Double
        /// The plot's left edge: room for the scale and for the first label, rotated 40°.
        public let left: Int
        /// What the title (and the legend, when there is one) needs.
        public let textWidth: Int
        public var width: Int { max(320, left + bars * Self.slot + Self.right, left + textWidth + Self.right) }
        public var height: Int { Self.top + Self.plotHeight + Self.bottom }
        /// The horizontal centre of bar `i`.
        public func centerX(_ i: Int) -> Int { left + i * Self.slot + Self.slot / 2 }
        /// The vertical pixel of a value.
        public func y(_ v: Double) -> Double { Double(Self.top) + (high - v) / (high - low) * Double(Self.plotHeight) }
    }

    public var layout: Layout {
        let values = bars.compactMap(\.value) + (referenceLine.map { [$0.value] } ?? [])
        var low = min(0, values.min() ?? 0), high = max(0, values.max() ?? 0)
        if let range {
            low = min(low, range.lowerBound)
            high = max(high, range.upperBound)
        } else {
            low = -Self.roundedUp(-low)
            high = Self.roundedUp(high)
        }
        if high - low < 1e-9 { high = low + 1 }
        // A label of n characters at 10 px, rotated 40°, reaches n * 6 * cos 40° left of its bar's centre.
        let longest = bars.first.map { Self.short($0.label).count } ?? 0
        let labelReach = Int((Double(longest) * 10 * Layout.glyph * cos(40 * Double.pi / 180)).rounded(.up)) + 8 - Layout.slot / 2
        return Layout(bars: bars.count, low: low, high: high, left: max(Layout.minimumLeft, labelReach),
                      textWidth: max(Int((Double(title.count) * 15 * Layout.glyph).rounded(.up)),
                                     bars.contains { $0.value == nil } ? Int((Double(Self.withheldLegend.count) * 10 * Layout.glyph).rounded(.up)) : 0))
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `v` (0 for 0).
    static func roundedUp(_ v: Double) -> Double {
        guard v > 1e-12, v.isFinite else { return 0 }
        let power = pow(10, (log10(v)).rounded(.down))
        for step in [1, 2, 2.5, 5, 10] where step * power >= v * (1 - 1e-12) { return step * power }
        return 10 * power
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.1f", v)
    }

    public func svg() -> String {
        let l = layout, w = l.width, h = l.height, left = l.left
        let zero = l.y(0)
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" role="img" aria-label="\(Markup.escape(title))">
            <rect x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>
            <text x="\(left)" y="24" font-family="sans-serif" font-size="15" fill="#1a202c">\(Markup.escape(title))</text>

            """
        guard !bars.isEmpty else {
            // No figures at all: say so, instead of an empty plot with a made-up scale.
            s += "<text x=\"\(w / 2)\" y=\"\(Layout.top + Layout.plotHeight / 2)\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#718096\">\(Self.noData)</text>\n"
            return s + "</svg>\n"
        }
        // The zero line first: bars and pale columns are drawn over it, each one piece.
        s += "<line x1=\"\(left)\" y1=\(q(zero)) x2=\"\(w - Layout.right)\" y2=\(q(zero)) stroke=\"\(Self.axis)\" stroke-width=\"1\"/>\n"
        for (i, bar) in bars.enumerated() {
            let x = l.centerX(i) - Layout.barWidth / 2
            if let v = bar.value {
                let top = min(zero, l.y(v)), height = max(1, abs(l.y(v) - zero))
                s += "<rect x=\"\(x)\" y=\(q(top)) width=\"\(Layout.barWidth)\" height=\(q(height)) fill=\"\(v < 0 ? Self.negative : Self.positive)\"><title>\(Markup.escape(bar.label)): \(Self.number(v))\(Markup.escape(unit))</title></rect>\n"
                let labelY = v < 0 ? top + height + 12 : top - 4
                s += "<text x=\"\(l.centerX(i))\" y=\(q(labelY)) text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"10\" fill=\"#1a202c\">\(Self.number(v))</text>\n"
            } else {
                s += "<rect x=\"\(x)\" y=\"\(Layout.top)\" width=\"\(Layout.barWidth)\" height=\"\(Layout.plotHeight)\" fill=\"\(Self.withheld)\"><title>\(Markup.escape(bar.label)): onderdrukt</title></rect>\n"
                s += "<text x=\"\(l.centerX(i))\" y=\"\(Layout.top + Layout.plotHeight / 2)\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" fill=\"#718096\">–</text>\n"
            }
            let ly = Layout.top + Layout.plotHeight + 14
            s += "<text x=\"\(l.centerX(i))\" y=\"\(ly)\" text-anchor=\"end\" transform=\"rotate(-40 \(l.centerX(i)) \(ly))\" font-family=\"sans-serif\" font-size=\"10\" fill=\"#2d3748\">\(Markup.escape(Self.short(bar.label)))</text>\n"
        }
        // A scale only when something is drawn on it.
        if bars.contains(where: { $0.value != nil }) || referenceLine != nil {
            var ticks = [l.high, l.low]
            if l.low < 0 && l.high > 0 { ticks.append(0) }
            for t in ticks {
                s += "<text x=\"\(left - 6)\" y=\(q(l.y(t) + 4)) text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\" fill=\"#4a5568\">\(Self.number(t))\(Markup.escape(unit))</text>\n"
            }
        }
        if bars.contains(where: { $0.value == nil }) {
            let y = h - 12
            // The column's own mark, not a swatch of its colour: the legend is text only.
            s += "<text x=\"\(left)\" y=\"\(y)\" font-family=\"sans-serif\" font-size=\"10\" fill=\"#4a5568\">\(Self.withheldLegend)</text>\n"
        }
        if let r = referenceLine {
            s += "<line x1=\"\(left)\" y1=\(q(l.y(r.value))) x2=\"\(w - Layout.right)\" y2=\(q(l.y(r.value))) stroke=\"\(Self.reference)\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
            s += "<text x=\"\(w - Layout.right)\" y=\(q(l.y(r.value) - 4)) text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\" fill=\"\(Self.reference)\">\(Markup.escape(r.label))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// A quoted coordinate with one decimal.
    private func q(_ v: Double) -> String { "\"" + String(format: "%.1f", v) + "\"" }

    /// Labels under the bars are cut to 24 characters (the full label is in the bar's title
    /// and in the table beside the chart).
    static func short(_ label: String) -> String { label.count > 24 ? String(label.prefix(23)) + "…" : label }
}
