//! Charts drawn on the server as SVG: bars and lines, with the figures in `<title>`s for
//! hovering and screen readers. In a right-to-left page time runs from right to left, the
//! way those readers scan a timeline. Colours come from the stylesheet (classes), so the
//! content security policy needs no inline style.

use std::fmt::Write as _;

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// The axis label (a day, a week).
    pub label: String,
    /// The value drawn.
    pub value: i64,
    /// The value as people read it (`1.234,50 RSD`).
    pub value_text: String,
}

const WIDTH: i64 = 640;
const HEIGHT: i64 = 220;
const TOP: i64 = 20;
const BOTTOM: i64 = 28;
const SIDE: i64 = 24;

/// A bar chart of `points` in time order, titled `title`.
#[must_use]
pub fn bars(title: &str, points: &[Point], rtl: bool) -> String {
    let mut svg = open(title);
    let max = points.iter().map(|p| p.value).max().unwrap_or(0).max(1);
    let n = i64::try_from(points.len()).unwrap_or(1).max(1);
    let slot = (WIDTH - 2 * SIDE) / n;
    let plot = HEIGHT - TOP - BOTTOM;
    let every = label_step(points.len());
    for (i, point) in ordered(points, rtl) {
        let x = SIDE + slot * i;
        let h = point.value.max(0) * plot / max;
        let y = TOP + plot - h;
        let _ = write!(
            svg,
            "<g class=\"bar\"><title>{label}: {value}</title><rect x=\"{bx}\" y=\"{y}\" width=\"{bw}\" height=\"{h}\" rx=\"2\"/></g>",
            label = escape(&point.label),
            value = escape(&point.value_text),
            bx = x + slot / 8,
            bw = (slot * 3 / 4).max(1),
        );
        if usize::try_from(i).unwrap_or(0) % every == 0 {
            label_at(&mut svg, x + slot / 2, &point.label);
        }
        if points.len() <= 12 {
            // Few bars: each carries its figure, so the chart reads without hovering.
            let _ = write!(
                svg,
                "<text class=\"figure\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" direction=\"ltr\">{}</text>",
                x + slot / 2,
                (y - 4).max(11),
                escape(&point.value_text)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A line chart of `points` in time order, titled `title`.
#[must_use]
pub fn line(title: &str, points: &[Point], rtl: bool) -> String {
    let mut svg = open(title);
    let max = points.iter().map(|p| p.value).max().unwrap_or(0).max(1);
    let n = i64::try_from(points.len()).unwrap_or(1).max(2);
    let step = (WIDTH - 2 * SIDE) / (n - 1);
    let plot = HEIGHT - TOP - BOTTOM;
    let every = label_step(points.len());
    let mut path = String::new();
    let mut dots = String::new();
    for (i, point) in ordered(points, rtl) {
        let x = SIDE + step * i;
        let y = TOP + plot - point.value.max(0) * plot / max;
        let _ = write!(path, "{}{x},{y}", if path.is_empty() { "M" } else { " L" });
        let _ = write!(
            dots,
            "<g class=\"dot\"><title>{}: {}</title><circle cx=\"{x}\" cy=\"{y}\" r=\"3\"/></g>",
            escape(&point.label),
            escape(&point.value_text)
        );
        if usize::try_from(i).unwrap_or(0) % every == 0 {
            label_at(&mut svg, x, &point.label);
        }
    }
    let _ = write!(svg, "<path class=\"line\" d=\"{path}\"/>{dots}</svg>");
    svg
}

fn open(title: &str) -> String {
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{t}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>\
         <line class=\"axis\" x1=\"{SIDE}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\"/>",
        t = escape(title),
        y = HEIGHT - BOTTOM,
        x2 = WIDTH - SIDE,
    );
    svg
}

/// Points with their slot: left to right, or right to left.
fn ordered(points: &[Point], rtl: bool) -> impl Iterator<Item = (i64, &Point)> {
    let last = points.len().saturating_sub(1);
    points.iter().enumerate().map(move |(i, p)| {
        let slot = if rtl { last - i } else { i };
        (i64::try_from(slot).unwrap_or(0), p)
    })
}

/// Label every point of a short series, fewer of a long one.
fn label_step(len: usize) -> usize {
    len.div_ceil(10).max(1)
}

fn label_at(svg: &mut String, x: i64, label: &str) {
    let _ = write!(
        svg,
        "<text class=\"label\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" direction=\"ltr\">{}</text>",
        HEIGHT - 8,
        escape(label)
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points() -> Vec<Point> {
        [("mon", 2), ("tue", 4)]
            .into_iter()
            .map(|(l, v)| Point { label: l.into(), value: v, value_text: v.to_string() })
            .collect()
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_rtl_mirrors_time() {
        let ltr = bars("Orders", &points(), false);
        assert!(ltr.contains("<title>tue: 4</title><rect x=\"357\" y=\"20\""), "{ltr}");
        let rtl = bars("Orders", &points(), true);
        assert!(rtl.contains("<title>tue: 4</title><rect x=\"61\" y=\"20\""), "{rtl}");
        assert!(line("Revenue <x>", &points(), false).contains("aria-label=\"Revenue &lt;x&gt;\""));
    }
}
