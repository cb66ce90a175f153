//! The self-contained HTML report: inline SVG, no scripts, no external resources, so it opens
//! offline. One `<figure class="chart">` per characteristic (shares or CDFs of all records, the
//! distilled ones, and a random sample of the same size) and one pass-rate-over-time figure.
//! The markup is kept well-formed XML (every tag closed, text escaped) so tests can check it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::select::Counts;
use crate::stats::{self, Tracker};

const COLORS: [&str; 3] = ["#9aa0a6", "#1a73e8", "#e8710a"];
const LABELS: [&str; 3] = ["all records", "distilled", "random sample (same size)"];

/// Escape text for HTML/XML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// One characteristic's comparison, shared by the report and the demo table.
pub struct Distance {
    /// Column name.
    pub name: String,
    /// "categorical" or "numeric".
    pub kind: &'static str,
    /// Distilled vs all (total variation or Kolmogorov-Smirnov).
    pub distilled: f64,
    /// Random sample vs all.
    pub random: f64,
}

/// Distances for every characteristic, numeric first.
pub fn distances(t: &Tracker) -> Vec<Distance> {
    let mut out = Vec::new();
    for (i, name) in t.chars.numeric.iter().enumerate() {
        let s: Vec<Vec<f64>> = (0..3).map(|k| t.num[i][k].0.sorted()).collect();
        out.push(Distance {
            name: name.clone(),
            kind: "numeric",
            distilled: stats::ks(&s[0], &s[1]),
            random: stats::ks(&s[0], &s[2]),
        });
    }
    for (j, (name, _)) in t.chars.categorical.iter().enumerate() {
        let all = t.shares(j, 0);
        out.push(Distance {
            name: name.clone(),
            kind: "categorical",
            distilled: stats::total_variation(&all, &t.shares(j, 1)),
            random: stats::total_variation(&all, &t.shares(j, 2)),
        });
    }
    out
}

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn legend(svg: &mut String, x: f64, y: f64) {
    for (k, label) in LABELS.iter().enumerate() {
        let lx = x + k as f64 * 170.0;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" class="lg">{}</text>"#,
            y - 10.0,
            COLORS[k],
            lx + 16.0,
            y,
            esc(label)
        );
    }
}

fn categorical_chart(t: &Tracker, j: usize) -> String {
    let (_, cats) = &t.chars.categorical[j];
    let mut labels: Vec<String> = cats.clone();
    labels.push("(missing)".into());
    let shares: Vec<Vec<f64>> = (0..3).map(|k| t.shares(j, k)).collect();
    // Hide rows that are empty in every set (e.g. "other" when all categories fit).
    let rows: Vec<usize> = (0..labels.len())
        .filter(|&r| (0..3).any(|k| t.cat_counts[j][k][r] > 0))
        .collect();
    let max = rows
        .iter()
        .flat_map(|&r| shares.iter().map(move |s| s[r]))
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let (left, bar_w, row_h, top) = (150.0, 400.0, 34.0, 34.0);
    let width = left + bar_w + 190.0;
    let height = top + rows.len() as f64 * row_h + 10.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    legend(&mut svg, 10.0, 16.0);
    for (n, &r) in rows.iter().enumerate() {
        let y0 = top + n as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="cat" text-anchor="end">{}</text>"#,
            left - 8.0,
            y0 + 18.0,
            esc(&labels[r])
        );
        for k in 0..3 {
            let w = shares[k][r] / max * bar_w;
            let y = y0 + 3.0 + k as f64 * 9.0;
            let _ = write!(
                svg,
                r#"<rect x="{left}" y="{y}" width="{w:.1}" height="8" fill="{}"><title>{}: {:.2}%</title></rect>"#,
                COLORS[k],
                esc(LABELS[k]),
                shares[k][r] * 100.0
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="val">{:.1}% / {:.1}% / {:.1}%</text>"#,
            left + bar_w + 8.0,
            y0 + 18.0,
            shares[0][r] * 100.0,
            shares[1][r] * 100.0,
            shares[2][r] * 100.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn numeric_chart(t: &Tracker, i: usize) -> String {
    let sorted: Vec<Vec<f64>> = (0..3).map(|k| t.num[i][k].0.sorted()).collect();
    let (w, h, l, r, tp, b) = (640.0, 300.0, 60.0, 20.0, 34.0, 40.0);
    let diff_h = 150.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{}" viewBox="0 0 {w} {}" role="img">"#,
        h + diff_h,
        h + diff_h
    );
    legend(&mut svg, 10.0, 16.0);
    if sorted[0].is_empty() {
        svg.push_str(r#"<text x="60" y="150">no values</text></svg>"#);
        return svg;
    }
    // Clip the x axis to the 0.5%..99.5% range of all records so that one outlier does not
    // flatten the curves.
    let mut lo = stats::quantile(&sorted[0], 0.005);
    let mut hi = stats::quantile(&sorted[0], 0.995);
    if hi <= lo {
        lo = sorted[0][0];
        hi = sorted[0][sorted[0].len() - 1];
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let px = |x: f64| l + (x.clamp(lo, hi) - lo) / (hi - lo) * (w - l - r);
    let py = |y: f64| tp + (1.0 - y) * (h - tp - b);
    // Axes and grid.
    for q in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = py(q);
        let _ = write!(
            svg,
            r##"<line x1="{l}" y1="{y}" x2="{}" y2="{y}" stroke="#e0e0e0"/><text x="{}" y="{}" class="ax" text-anchor="end">{q}</text>"##,
            w - r,
            l - 6.0,
            y + 4.0
        );
    }
    for k in 0..=4 {
        let x = lo + (hi - lo) * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="ax" text-anchor="{}">{}</text>"#,
            px(x),
            h - b + 16.0,
            anchor(k),
            esc(&fmt_num(x))
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{l}" y1="{}" x2="{}" y2="{}" stroke="#5f6368"/>"##,
        py(0.0),
        w - r,
        py(0.0)
    );
    for (k, s) in sorted.iter().enumerate() {
        if s.is_empty() {
            continue;
        }
        // Empirical CDF as a step line, thinned to at most ~400 points.
        let step = (s.len() / 400).max(1);
        let mut pts = format!("{:.1},{:.1}", px(lo), py(0.0));
        let mut idx = 0;
        while idx < s.len() {
            let j = (idx + step).min(s.len()) - 1;
            let x = px(s[j]);
            let _ = write!(
                pts,
                " {x:.1},{:.1} {x:.1},{:.1}",
                py(idx as f64 / s.len() as f64),
                py((j + 1) as f64 / s.len() as f64)
            );
            idx = j + 1;
        }
        let _ = write!(pts, " {:.1},{:.1}", px(hi), py(1.0));
        let (sw, dash) = match k {
            0 => (5.0, ""),
            1 => (2.0, ""),
            _ => (2.0, r#" stroke-dasharray="6 4""#),
        };
        let _ = write!(
            svg,
            r#"<polyline points="{pts}" fill="none" stroke="{}" stroke-width="{sw}"{dash}/>"#,
            COLORS[k]
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" class="ax" text-anchor="middle">{} (x axis clipped to 0.5%–99.5% of all records)</text>"#,
        (l + w - r) / 2.0,
        h - 6.0,
        esc(&t.chars.numeric[i])
    );
    diff_panel(
        &mut svg,
        &sorted,
        lo,
        hi,
        (l, w - r),
        (h + 10.0, h + diff_h - 10.0),
    );
    svg.push_str("</svg>");
    svg
}

/// Below a CDF chart: each set's CDF minus all records' CDF (its largest absolute value is the
/// Kolmogorov-Smirnov distance), so small differences the overlaid curves hide become visible.
fn diff_panel(
    svg: &mut String,
    sorted: &[Vec<f64>],
    lo: f64,
    hi: f64,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) {
    let cdf = |s: &[f64], x: f64| s.partition_point(|&v| v <= x) as f64 / s.len().max(1) as f64;
    const STEPS: usize = 240;
    let xs: Vec<f64> = (0..=STEPS)
        .map(|k| lo + (hi - lo) * k as f64 / STEPS as f64)
        .collect();
    let diffs: Vec<Vec<f64>> = (1..3)
        .map(|k| {
            xs.iter()
                .map(|&x| {
                    if sorted[k].is_empty() {
                        0.0
                    } else {
                        cdf(&sorted[k], x) - cdf(&sorted[0], x)
                    }
                })
                .collect()
        })
        .collect();
    let m = diffs.iter().flatten().fold(0.01f64, |a, &d| a.max(d.abs())) * 1.1;
    let px = |k: usize| x0 + (x1 - x0) * k as f64 / STEPS as f64;
    let py = |d: f64| y0 + (1.0 - (d + m) / (2.0 * m)) * (y1 - y0);
    let _ = write!(
        svg,
        r##"<text x="{x1}" y="{}" class="ax" text-anchor="end">CDF minus all records' CDF</text><line x1="{x0}" y1="{z}" x2="{x1}" y2="{z}" stroke="#5f6368"/><text x="{}" y="{}" class="ax" text-anchor="end">+{m:.3}</text><text x="{}" y="{}" class="ax" text-anchor="end">−{m:.3}</text><text x="{}" y="{}" class="ax" text-anchor="end">0</text>"##,
        y0 + 2.0,
        x0 - 6.0,
        py(m) + 8.0,
        x0 - 6.0,
        py(-m),
        x0 - 6.0,
        py(0.0) + 4.0,
        z = py(0.0)
    );
    for (k, d) in diffs.iter().enumerate() {
        let mut pts = String::new();
        for (j, v) in d.iter().enumerate() {
            let _ = write!(pts, "{:.1},{:.1} ", px(j), py(*v));
        }
        let dash = if k == 1 {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"{dash}/>"#,
            pts.trim_end(),
            COLORS[k + 1]
        );
    }
}

fn timeline_chart(t: &Tracker, rate: f64) -> String {
    let (w, h, l, r, tp, b) = (760.0, 240.0, 60.0, 20.0, 20.0, 40.0);
    let tl = &t.timeline;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">"#
    );
    let rates: Vec<Option<f64>> = tl
        .bins
        .iter()
        .map(|&(a, p)| (a > 0).then(|| p as f64 / a as f64))
        .collect();
    let ymax = rates
        .iter()
        .flatten()
        .fold(rate * 2.0, |m: f64, &v| m.max(v))
        .clamp(1e-9, 1.0);
    let n = rates.len().max(1) as f64;
    let px = |i: f64| l + i / n * (w - l - r);
    let py = |y: f64| tp + (1.0 - y / ymax) * (h - tp - b);
    for k in 0..=4 {
        let y = ymax * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{l}" y1="{py}" x2="{}" y2="{py}" stroke="#e0e0e0"/><text x="{}" y="{}" class="ax" text-anchor="end">{:.0}%</text>"##,
            w - r,
            l - 6.0,
            py(y) + 4.0,
            y * 100.0,
            py = py(y)
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{l}" y1="{y}" x2="{}" y2="{y}" stroke="#5f6368" stroke-dasharray="4 4"/><text x="{}" y="{}" class="ax" text-anchor="end">target</text>"##,
        w - r,
        w - r,
        py(rate) - 4.0,
        y = py(rate)
    );
    let mut pts = String::new();
    for (i, v) in rates.iter().enumerate() {
        if let Some(v) = v {
            let _ = write!(pts, "{:.1},{:.1} ", px(i as f64 + 0.5), py(*v));
        }
    }
    let _ = write!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
        pts.trim_end(),
        COLORS[1]
    );
    if let Some(t0) = tl.t0 {
        for k in 0..=4 {
            let i = n * f64::from(k) / 4.0;
            let secs = t0 + i * tl.width;
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" class="ax" text-anchor="{}">{}</text>"#,
                px(i),
                h - b + 16.0,
                anchor(k),
                esc(&fmt_time(secs, t0))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Tick label alignment so the outermost labels stay inside the chart.
fn anchor(k: i32) -> &'static str {
    match k {
        0 => "start",
        4 => "end",
        _ => "middle",
    }
}

fn fmt_time(secs: f64, t0: f64) -> String {
    if t0 > 1e8
        && let Ok(t) = time::OffsetDateTime::from_unix_timestamp(secs as i64)
    {
        return format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        );
    }
    format!("{:.0} s", secs - t0)
}

/// The processor's own view of one characteristic over its final window (the last horizon):
/// bucket shares of all versus passed records and their distance. Empty if unavailable.
fn window_table(engine_stats: &Value, name: &str) -> String {
    let Some(c) = engine_stats["characteristics"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
    else {
        return String::new();
    };
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<details class=\"window\"><summary>Final window (the processor's last horizon, {} records): distance {:.4}</summary>\n<table>\n<tr><th>bucket</th><th>share, all</th><th>share, passed</th></tr>",
        engine_stats["window_len"].as_u64().unwrap_or(0),
        c["distance"].as_f64().unwrap_or(f64::NAN)
    );
    for b in c["buckets"].as_array().into_iter().flatten() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{:.2}%</td><td>{:.2}%</td></tr>",
            esc(b["label"].as_str().unwrap_or("")),
            b["share_all"].as_f64().unwrap_or(0.0) * 100.0,
            b["share_passed"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    h.push_str("</table>\n</details>\n");
    h
}

/// Render the report.
pub fn render(t: &Tracker, counts: &Counts, rate: f64, engine_stats: &Value) -> String {
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>distill report</title>\n<style>\n\
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#202124;padding:0 16px}\n\
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin:28px 0 6px}\n\
table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #e0e0e0;text-align:right}\n\
td:first-child,th:first-child{text-align:left}\n\
figure{margin:12px 0 24px}figcaption{color:#5f6368;margin-bottom:6px}\n\
svg text{font:12px system-ui,sans-serif;fill:#3c4043}svg .val{fill:#5f6368;font-size:11px}\n\
.note{color:#5f6368;font-size:13px}\n\
</style>\n</head>\n<body>\n<h1>distill report</h1>\n",
    );
    let _ = writeln!(
        h,
        "<p>{} records read, {} passed ({:.2}%, target {:.2}%), {} not selected, {} late, {} invalid.</p>",
        counts.read,
        counts.passed,
        if counts.read == 0 {
            0.0
        } else {
            counts.passed as f64 / counts.read as f64 * 100.0
        },
        rate * 100.0,
        counts.not_selected,
        counts.late,
        counts.skipped_invalid + counts.rejected_invalid
    );
    h.push_str(
        "<p class=\"note\">Each characteristic compares all records, the distilled (passed) records, and a \
random sample of the same size drawn from the same batches. Distances: total variation for categorical \
shares, Kolmogorov-Smirnov for numeric distributions; smaller is more representative. Numeric curves use \
uniform reservoir samples of up to 100,000 values per set.</p>\n",
    );
    h.push_str(
        "<table>\n<tr><th>characteristic</th><th>kind</th><th>distance, distilled</th><th>distance, random</th></tr>\n",
    );
    let ds = distances(t);
    for d in &ds {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            esc(&d.name),
            d.kind,
            d.distilled,
            d.random
        );
    }
    h.push_str("</table>\n");
    for (i, name) in t.chars.numeric.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<figure class=\"chart\" data-characteristic=\"{}\" data-kind=\"numeric\">\n<figcaption>Cumulative distribution (missing values: {} all, {} distilled, {} random)</figcaption>\n{}\n</figure>",
            esc(name),
            esc(name),
            t.num[i][0].1,
            t.num[i][1].1,
            t.num[i][2].1,
            numeric_chart(t, i)
        );
        h.push_str(&window_table(engine_stats, name));
    }
    for (j, (name, _)) in t.chars.categorical.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<figure class=\"chart\" data-characteristic=\"{}\" data-kind=\"categorical\">\n<figcaption>Share of records per category (all / distilled / random)</figcaption>\n{}\n</figure>",
            esc(name),
            esc(name),
            categorical_chart(t, j)
        );
        h.push_str(&window_table(engine_stats, name));
    }
    let _ = writeln!(
        h,
        "<h2>Pass rate over time</h2>\n<figure class=\"timeline\">\n<figcaption>Share of records passed per time bin ({:.0} s each); dashed: target rate</figcaption>\n{}\n</figure>",
        t.timeline.width,
        timeline_chart(t, rate)
    );
    if !engine_stats.is_null() {
        let pretty = serde_json::to_string_pretty(engine_stats).unwrap_or_default();
        let _ = writeln!(
            h,
            "<details><summary>Processor statistics (final window)</summary>\n<pre>{}</pre>\n</details>",
            esc(&pretty)
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}
