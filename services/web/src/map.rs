//! Cooperatives on a map, drawn on the server as SVG (no script, no map library): the Web
//! Mercator projection every tile server uses, a view that fits what it shows, an optional
//! base map from any XYZ tile server (`MAP_TILES_URL`), pins grouped where they would cover
//! each other, and labels set where they cover nothing else, inside the links a finger taps.

use std::f64::consts::PI;
use std::fmt::Write as _;

/// The map's width in SVG units; its height follows the view's shape.
pub const WIDTH: f64 = 100.0;

/// Hanoi's extent (2025 boundaries, with a margin).
const HANOI: (f64, f64, f64, f64) = (20.53, 105.27, 21.42, 106.03);

/// A base map of raster tiles, `{z}/{x}/{y}` in the usual XYZ scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSource {
    /// E.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`.
    pub url_template: String,
    /// Shown under the map, as the tile server's terms ask.
    pub attribution: String,
    /// `scheme://host[:port]`, for the page's Content-Security-Policy.
    pub origin: String,
}

impl TileSource {
    /// Checks a `MAP_TILES_URL`: http(s), with `{z}`, `{x}` and `{y}`. OpenStreetMap's
    /// servers get their attribution by default; any other needs one.
    pub fn parse(url: &str, attribution: Option<&str>) -> Result<TileSource, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .map(|r| ("https", r))
            .or_else(|| url.strip_prefix("http://").map(|r| ("http", r)));
        let Some((scheme, rest)) = rest else {
            return Err("MAP_TILES_URL must start with https:// or http://".to_owned());
        };
        if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
            return Err("MAP_TILES_URL must contain {z}, {x} and {y}".to_owned());
        }
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(['{', '}', '"', '\'', ' ', '<', '>']) {
            return Err("MAP_TILES_URL needs a plain host name".to_owned());
        }
        let attribution = match attribution.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => a.to_owned(),
            None if host.ends_with("openstreetmap.org") => {
                "© OpenStreetMap contributors".to_owned()
            }
            None => return Err("MAP_TILES_ATTRIBUTION is required for this tile server".to_owned()),
        };
        Ok(TileSource {
            url_template: url.to_owned(),
            attribution,
            origin: format!("{scheme}://{host}"),
        })
    }
}

/// A point in Web Mercator's unit square (x east, y south, both from 0 to 1).
fn world(lat: f64, lon: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.0, 85.0).to_radians();
    (
        (lon + 180.0) / 360.0,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0,
    )
}

fn lat_lon(x: f64, y: f64) -> (f64, f64) {
    let lat = (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees();
    (lat, x * 360.0 - 180.0)
}

/// The part of the world a map shows, in Mercator units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl View {
    /// All of Hanoi.
    pub fn hanoi() -> View {
        View::around(HANOI.0, HANOI.1, HANOI.2, HANOI.3)
    }

    fn around(lat_min: f64, lon_min: f64, lat_max: f64, lon_max: f64) -> View {
        let (x0, y0) = world(lat_max, lon_min);
        let (x1, y1) = world(lat_min, lon_max);
        View { x0, y0, x1, y1 }
    }

    /// The smallest view (at least `min_span` degrees across, with a margin) that holds
    /// every point; all of Hanoi when there is none or they spread over most of it.
    pub fn fit(points: &[(f64, f64)], min_span: f64) -> View {
        let Some(&(lat, lon)) = points.first() else {
            return View::hanoi();
        };
        let (mut s, mut w, mut n, mut e) = (lat, lon, lat, lon);
        for &(lat, lon) in points {
            s = s.min(lat);
            n = n.max(lat);
            w = w.min(lon);
            e = e.max(lon);
        }
        let pad_lat = ((n - s) * 0.15).max((min_span - (n - s)) / 2.0).max(0.0);
        let pad_lon = ((e - w) * 0.15).max((min_span - (e - w)) / 2.0).max(0.0);
        let view = View::around(s - pad_lat, w - pad_lon, n + pad_lat, e + pad_lon);
        let hanoi = View::hanoi();
        if view.x1 - view.x0 > (hanoi.x1 - hanoi.x0) * 0.7 {
            hanoi
        } else {
            view
        }
    }

    fn scale(&self) -> f64 {
        WIDTH / (self.x1 - self.x0)
    }

    /// The map's height in SVG units (its width is [`WIDTH`]).
    pub fn height(&self) -> f64 {
        (self.y1 - self.y0) * self.scale()
    }

    /// Where a place is drawn, in SVG units from the top left.
    pub fn point(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = world(lat, lon);
        ((x - self.x0) * self.scale(), (y - self.y0) * self.scale())
    }

    /// The place drawn at an SVG point (what a tap on the map picks).
    pub fn place(&self, x: f64, y: f64) -> (f64, f64) {
        lat_lon(self.x0 + x / self.scale(), self.y0 + y / self.scale())
    }

    /// The view's corners as `north west south east` in degrees, for a script that turns a
    /// tap into a place (`web/static/pick.js`).
    pub fn bounds_attr(&self) -> String {
        let (n, w) = lat_lon(self.x0, self.y0);
        let (s, e) = lat_lon(self.x1, self.y1);
        format!("{n:.6} {w:.6} {s:.6} {e:.6}")
    }

    /// The tiles that cover the view, about three across, as SVG `<image>` elements.
    pub fn tiles_svg(&self, src: &TileSource) -> String {
        let across = 3.0 / (self.x1 - self.x0);
        let z = across.log2().round().clamp(0.0, 18.0);
        let n = 2f64.powf(z);
        let (tx0, tx1) = ((self.x0 * n).floor(), (self.x1 * n).ceil());
        let (ty0, ty1) = ((self.y0 * n).floor(), (self.y1 * n).ceil());
        let size = self.scale() / n;
        let mut svg = String::from(r#"<g class="tiles">"#);
        let mut ty = ty0;
        while ty < ty1 {
            let mut tx = tx0;
            while tx < tx1 {
                let href = src
                    .url_template
                    .replace("{z}", &format!("{z}"))
                    .replace("{x}", &format!("{tx}"))
                    .replace("{y}", &format!("{ty}"))
                    .replace('&', "&amp;")
                    .replace('"', "&quot;");
                let _ = write!(
                    svg,
                    r#"<image href="{href}" x="{:.3}" y="{:.3}" width="{size:.3}" height="{size:.3}" preserveAspectRatio="none"/>"#,
                    (tx / n - self.x0) * self.scale(),
                    (ty / n - self.y0) * self.scale(),
                );
                tx += 1.0;
            }
            ty += 1.0;
        }
        svg.push_str("</g>");
        svg
    }

    /// Small dots at the given places (every ward's and commune's centre): Hanoi's shape
    /// when there is no base map.
    pub fn dots_svg(&self, places: &[(f64, f64, &str)]) -> String {
        let mut svg = String::from(r#"<g class="communes">"#);
        for &(lat, lon, name) in places {
            let (x, y) = self.point(lat, lon);
            if !(0.0..=WIDTH).contains(&x) || !(0.0..=self.height()).contains(&y) {
                continue;
            }
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="0.45"><title>{}</title></circle>"#,
                escape(name)
            );
        }
        svg.push_str("</g>");
        svg
    }
}

impl View {
    /// The given places as dots named where the name fits: the landmarks of a close view
    /// without a base map (the place picker's).
    pub fn named_dots_svg(&self, places: &[(f64, f64, &str)]) -> String {
        let height = self.height();
        let mut marks: Vec<Marker> = places
            .iter()
            .filter_map(|&(lat, lon, name)| {
                let (x, y) = self.point(lat, lon);
                ((0.0..=WIDTH).contains(&x) && (0.0..=height).contains(&y)).then(|| Marker {
                    x,
                    y,
                    count: 1,
                    label: name.to_owned(),
                    href: String::new(),
                    label_at: None,
                })
            })
            .collect();
        place_labels(&mut marks, height);
        let mut svg = String::from(r#"<g class="communes named">"#);
        for m in &marks {
            let _ = write!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="0.7"/>"#, m.x, m.y);
            if let Some((x, y, anchor)) = m.label_at {
                let _ = write!(
                    svg,
                    r#"<text x="{x:.2}" y="{y:.2}" text-anchor="{anchor}">{}</text>"#,
                    escape(&m.label)
                );
            }
        }
        svg.push_str("</g>");
        svg
    }
}

/// Every ward's and commune's centre and name: the landmarks of a map without tiles.
pub fn hanoi_places() -> &'static [(f64, f64, &'static str)] {
    static PLACES: std::sync::LazyLock<Vec<(f64, f64, &'static str)>> =
        std::sync::LazyLock::new(|| {
            ketnoi_domain::admin_units::hanoi_communes()
                .iter()
                .map(|c| (c.lat, c.lon, c.name.as_str()))
                .collect()
        });
    &PLACES
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Something to draw: one cooperative, or several that stand together.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    /// How many cooperatives it stands for (a number is drawn above 1).
    pub count: usize,
    pub label: String,
    pub href: String,
    /// Where the label goes, if it fits: `(x, y, anchor)`, `anchor` `start` or `end`.
    pub label_at: Option<(f64, f64, &'static str)>,
}

impl Marker {
    pub fn radius(&self) -> f64 {
        if self.count > 1 {
            2.4 + (self.count as f64).ln() * 0.6
        } else {
            1.6
        }
    }
}

/// Label size in SVG units (about 12 px on a phone).
pub const LABEL_SIZE: f64 = 3.2;

/// A character's width for the label's room, as a share of its size: generous, since a
/// label cut by the map's edge helps no one (Vietnamese capitals and "Đ" run wide).
const LABEL_CHAR_WIDTH: f64 = 0.6;

/// Markers that may get a label, the largest groups first.
const MAX_LABEL_TRIES: usize = 120;

/// Sets labels greedily, the largest groups first: to the right of the marker, else to its
/// left, else above or below; a label that would cover another label, a marker or leave the
/// map is not drawn (the list under the map names everything).
pub fn place_labels(markers: &mut [Marker], height: f64) {
    type Rect = (f64, f64, f64, f64);
    let overlaps = |a: &Rect, b: &Rect| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let circles: Vec<Rect> = markers
        .iter()
        .map(|m| {
            let r = m.radius();
            (m.x - r, m.y - r, m.x + r, m.y + r)
        })
        .collect();
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by(|&a, &b| markers[b].count.cmp(&markers[a].count));
    let mut placed: Vec<Rect> = Vec::new();
    // A phone-sized map holds a few dozen labels at most: beyond these tries the rest go
    // unlabelled (and a map of thousands of cooperatives stays quick to draw).
    for i in order.into_iter().take(MAX_LABEL_TRIES) {
        let m = &markers[i];
        let w = m.label.chars().count() as f64 * LABEL_SIZE * LABEL_CHAR_WIDTH;
        // A line's height, with room for the accents above Vietnamese capitals.
        let h = LABEL_SIZE * 1.25;
        let r = m.radius() + 0.6;
        let candidates = [
            (m.x + r, m.y + h * 0.35, "start", (m.x + r, m.y - h * 0.65)),
            (
                m.x - r,
                m.y + h * 0.35,
                "end",
                (m.x - r - w, m.y - h * 0.65),
            ),
            (
                m.x - w / 2.0,
                m.y - r - h * 0.3,
                "start",
                (m.x - w / 2.0, m.y - r - h),
            ),
            (
                m.x - w / 2.0,
                m.y + r + h * 0.75,
                "start",
                (m.x - w / 2.0, m.y + r),
            ),
        ];
        let mut chosen = None;
        for (tx, ty, anchor, (bx, by)) in candidates {
            let rect = (bx, by, bx + w, by + h);
            let inside = rect.0 >= 0.0 && rect.2 <= WIDTH && rect.1 >= 0.0 && rect.3 <= height;
            let free = !placed.iter().any(|p| overlaps(p, &rect))
                && !circles
                    .iter()
                    .enumerate()
                    .any(|(j, c)| j != i && overlaps(c, &rect));
            if inside && free {
                chosen = Some((tx, ty, anchor, rect));
                break;
            }
        }
        if let Some((tx, ty, anchor, rect)) = chosen {
            placed.push(rect);
            markers[i].label_at = Some((tx, ty, anchor));
        }
    }
}

/// The markers as SVG: each a link holding its circle, its count and its label, so that a
/// tap on the label opens it too.
pub fn markers_svg(markers: &[Marker]) -> String {
    let mut svg = String::new();
    for m in markers {
        let label = escape(&m.label);
        let _ = write!(
            svg,
            r#"<a href="{}" class="{}"><title>{label}</title><circle cx="{:.2}" cy="{:.2}" r="{:.2}"/>"#,
            escape(&m.href),
            if m.count > 1 { "pin group" } else { "pin" },
            m.x,
            m.y,
            m.radius(),
        );
        if m.count > 1 {
            let _ = write!(
                svg,
                r#"<text x="{:.2}" y="{:.2}" class="count" text-anchor="middle">{}</text>"#,
                m.x,
                m.y + 1.1,
                m.count
            );
        }
        if let Some((x, y, anchor)) = m.label_at {
            let _ = write!(
                svg,
                r#"<text x="{x:.2}" y="{y:.2}" text-anchor="{anchor}">{label}</text>"#
            );
        }
        svg.push_str("</a>");
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_goes_there_and_back() {
        let v = View::hanoi();
        let (x, y) = v.point(21.0285, 105.8542);
        assert!((0.0..WIDTH).contains(&x) && (0.0..v.height()).contains(&y));
        let (lat, lon) = v.place(x, y);
        assert!((lat - 21.0285).abs() < 1e-9 && (lon - 105.8542).abs() < 1e-9);
        // Mercator stretches north-south: Hanoi is taller than wide on the map.
        assert!((120.0..130.0).contains(&v.height()), "{}", v.height());
        let b = v.bounds_attr();
        assert!(
            b.starts_with("21.420000 105.270000 20.530000 106.030000"),
            "{b}"
        );
    }

    #[test]
    fn a_view_fits_its_points_and_falls_back_to_hanoi() {
        assert_eq!(View::fit(&[], 0.05), View::hanoi());
        let bat_trang = [(20.975, 105.913), (20.978, 105.918)];
        let v = View::fit(&bat_trang, 0.05);
        for (lat, lon) in bat_trang {
            let (x, y) = v.point(lat, lon);
            assert!(
                (5.0..95.0).contains(&x) && y > 5.0 && y < v.height() - 5.0,
                "{x} {y}"
            );
        }
        assert!(v.x1 - v.x0 < View::hanoi().x1 - View::hanoi().x0);
        // Points all over the city: the whole city.
        assert_eq!(
            View::fit(&[(20.6, 105.3), (21.4, 106.0)], 0.05),
            View::hanoi()
        );
    }

    #[test]
    fn tiles_cover_the_view_and_nothing_far_outside() {
        let src =
            TileSource::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png", None).unwrap();
        assert_eq!(src.origin, "https://tile.openstreetmap.org");
        assert_eq!(src.attribution, "© OpenStreetMap contributors");
        let v = View::hanoi();
        let svg = v.tiles_svg(&src);
        let n = svg.matches("<image").count();
        assert!((4..=16).contains(&n), "{n} tiles: {svg}");
        // Zoom 10 for the whole city; Hoàn Kiếm's tile is 10/813/450.
        assert!(
            svg.contains("https://tile.openstreetmap.org/10/813/450.png"),
            "{svg}"
        );
        let first_x: f64 = svg
            .split("x=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(
            first_x <= 0.0,
            "the first column starts at or left of the edge"
        );
    }

    #[test]
    fn tile_servers_are_checked() {
        assert!(TileSource::parse("ftp://x/{z}/{x}/{y}", Some("a")).is_err());
        assert!(TileSource::parse("https://tiles.example/{z}/{x}.png", Some("a")).is_err());
        assert!(TileSource::parse("https://tiles.example/{z}/{x}/{y}.png", None).is_err());
        assert!(TileSource::parse("https://tiles.ex\"ample/{z}/{x}/{y}.png", Some("a")).is_err());
        let ok = TileSource::parse("http://127.0.0.1:8099/{z}/{x}/{y}.png", Some("Ours")).unwrap();
        assert_eq!(ok.origin, "http://127.0.0.1:8099");
    }

    fn marker(x: f64, y: f64, label: &str, count: usize) -> Marker {
        Marker {
            x,
            y,
            count,
            label: label.into(),
            href: "/".into(),
            label_at: None,
        }
    }

    #[test]
    fn labels_never_cover_each_other_nor_a_marker() {
        let mut ms: Vec<Marker> = (0..40)
            .map(|i| {
                marker(
                    10.0 + f64::from(i % 8) * 10.0,
                    10.0 + f64::from(i / 8) * 3.0,
                    "HTX Gốm sứ Bát Tràng",
                    1 + (i % 3) as usize,
                )
            })
            .collect();
        place_labels(&mut ms, 60.0);
        let rects: Vec<(f64, f64, f64, f64)> = ms
            .iter()
            .filter_map(|m| {
                let (x, y, anchor) = m.label_at?;
                let w = m.label.chars().count() as f64 * LABEL_SIZE * LABEL_CHAR_WIDTH;
                let left = if anchor == "end" { x - w } else { x };
                Some((
                    left,
                    y - LABEL_SIZE * 0.65 - 0.01,
                    left + w,
                    y + LABEL_SIZE * 0.35,
                ))
            })
            .collect();
        assert!(
            !rects.is_empty() && rects.len() < ms.len(),
            "some placed, some not"
        );
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let disjoint = a.2 <= b.0 + 1e-6
                    || b.2 <= a.0 + 1e-6
                    || a.3 <= b.1 + 1e-6
                    || b.3 <= a.1 + 1e-6;
                assert!(disjoint, "{a:?} {b:?}");
            }
        }
        // A lone marker with room gets its label on its right.
        let mut one = vec![marker(20.0, 20.0, "Bát Tràng", 3)];
        place_labels(&mut one, 60.0);
        assert_eq!(one[0].label_at.map(|l| l.2), Some("start"));
        assert!(one[0].label_at.is_some_and(|l| l.0 > 20.0));
    }

    #[test]
    fn markers_are_links_with_their_label_inside_and_text_escaped() {
        let mut m = marker(50.0, 50.0, "HTX <Mây> & tre", 4);
        m.href = "/orgs/map?commune=00577&kind=htx".into();
        m.label_at = Some((53.0, 51.0, "start"));
        let svg = markers_svg(&[m]);
        assert!(
            svg.starts_with(r#"<a href="/orgs/map?commune=00577&amp;kind=htx" class="pin group">"#),
            "{svg}"
        );
        assert!(
            svg.contains(">4</text>") && svg.contains("HTX &lt;Mây&gt; &amp; tre</text></a>"),
            "{svg}"
        );
    }
}
