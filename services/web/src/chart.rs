//! Line charts drawn on the server as SVG with plotters (its SVG back end only): the plan
//! dashboard's trends over periods, readable on a phone (the SVG scales to the page's
//! width) and needing no JavaScript. Presentation attributes only, no `style` attributes,
//! so the page's Content-Security-Policy holds.

use plotters::prelude::*;

/// One line: its name in the legend, a value per period, and whether it is a target
/// (drawn dashed-looking: thin and light).
pub struct Series {
    pub label: String,
    pub values: Vec<Option<i64>>,
    pub target: bool,
}

const COLOURS: [RGBColor; 3] = [
    RGBColor(0xa4, 0x28, 0x4a),
    RGBColor(0x1b, 0x6e, 0x3a),
    RGBColor(0x3b, 0x5b, 0xa5),
];

/// A line chart of `series` over `periods` (their short names), as an `<svg>` element, or
/// `None` when there is nothing to draw.
pub fn lines(title: &str, periods: &[String], series: &[Series]) -> Option<String> {
    let n = periods.len();
    if n < 2 || series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        return None;
    }
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(4);
    // Headroom, rounded up to a whole step so the axis reads in round numbers.
    let step = (top / 4).max(1);
    let top = (top / step + 1) * step;
    let (w, h) = (480u32, 320u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_right(28)
            .caption(title, ("sans-serif", 20))
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d(0..(n as i32 - 1), 0..top)
            .ok()?;
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|i| periods.get(*i as usize).cloned().unwrap_or_default())
            .y_labels(5)
            .y_label_formatter(&|v| crate::pages::reports::group_thousands(*v))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 15))
            .draw()
            .ok()?;
        let mut colour = 0;
        for s in series {
            let points: Vec<(i32, i64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as i32, v)))
                .collect();
            let c = if s.target {
                RGBColor(0x8a, 0x8f, 0x96)
            } else {
                let c = COLOURS[colour % COLOURS.len()];
                colour += 1;
                c
            };
            let width = if s.target { 1 } else { 3 };
            let line = chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(width)))
                .ok()?;
            line.label(s.label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(width))
            });
            if !s.target {
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 4, c.filled())))
                    .ok()?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xd8, 0xdd, 0xe2))
            .label_font(("sans-serif", 15))
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    // Scales with the page: the viewBox stays, the fixed size goes.
    let svg = svg.replacen(
        &format!("<svg width=\"{w}\" height=\"{h}\" "),
        &format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ",
            escape(title)
        ),
        1,
    );
    Some(svg)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_that_scales_and_names_its_lines() {
        let periods: Vec<String> = ["6T/2025", "2025", "6T/2026"].map(String::from).to_vec();
        let svg = lines(
            "HTX & THT",
            &periods,
            &[
                Series {
                    label: "HTX".into(),
                    values: vec![Some(3), Some(5), Some(9)],
                    target: false,
                },
                Series {
                    label: "Chỉ tiêu".into(),
                    values: vec![Some(4), Some(8), Some(12)],
                    target: true,
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg class=\"chart\" role=\"img\" aria-label=\"HTX &amp; THT\""));
        assert!(svg.contains("viewBox=\"0 0 480 320\""));
        assert!(!svg.contains("style="), "no inline styles (CSP)");
        let text = |t: &str| svg.contains(&format!(">\n{t}\n</text>"));
        assert!(text("HTX") && text("Chỉ tiêu") && text("6T/2026"), "{svg}");
        assert!(lines("x", &periods[..1], &[]).is_none());
    }
}
