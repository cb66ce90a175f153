//! `distill demo`: a generated stream of people whose proportions drift over two days, distilled
//! through the same code path as `distill select`, shown beside a random sample of equal size.

use std::fmt::Write as _;
use std::io::{self, Cursor};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::cli::{DemoArgs, SelectArgs};
use crate::report;
use crate::select;
use crate::stats;

/// 2024-01-01T00:00:00Z.
const START: i64 = 1_704_067_200;
/// The stream spans two days.
const SPAN_SECS: f64 = 48.0 * 3600.0;

/// Generate the demo stream as CSV: `ts,id,age,gender,region,income`.
pub fn generate(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::with_capacity(rows * 48 + 64);
    out.extend_from_slice(b"ts,id,age,gender,region,income\n");
    let regions = ["north", "south", "east", "west", "centre"];
    let noise = Normal::new(0.0, 1.0).expect("valid");
    let spread = LogNormal::new(0.0, 0.55).expect("valid");
    for i in 0..rows {
        let p = i as f64 / rows.max(1) as f64; // progress through the stream: drives the drift
        let ts = START as f64 + p * SPAN_SECS + rng.random::<f64>();
        // Older people arrive later in the stream; a daily cycle on top.
        let day = (p * 2.0 * std::f64::consts::TAU).sin();
        let age = (34.0 + 14.0 * p + 4.0 * day + 12.0 * noise.sample(&mut rng)).clamp(18.0, 90.0);
        let female = 0.36 + 0.28 * p;
        let u: f64 = rng.random();
        let gender = if u < 0.02 {
            "nonbinary"
        } else if u < 0.02 + female {
            "female"
        } else {
            "male"
        };
        // Region shares rotate: "north" fades, "west" grows.
        let w = [
            0.35 - 0.25 * p,
            0.2,
            0.2,
            0.1 + 0.25 * p,
            0.15 + 0.05 * day.abs(),
        ];
        let total: f64 = w.iter().sum();
        let mut r = rng.random::<f64>() * total;
        let mut region = regions[4];
        for (k, wk) in w.iter().enumerate() {
            if r < *wk {
                region = regions[k];
                break;
            }
            r -= wk;
        }
        let _ = write!(Wrap(&mut out), "{ts:.3},{i},{age:.0},{gender},{region},");
        if rng.random::<f64>() >= 0.03 {
            let income = 18_000.0 * (1.0 + (age - 18.0) / 35.0) * spread.sample(&mut rng);
            let _ = write!(Wrap(&mut out), "{income:.0}");
        }
        out.push(b'\n');
    }
    out
}

/// `fmt::Write` over a byte vector.
struct Wrap<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Wrap<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Entry point of `distill demo`.
pub fn run(args: &DemoArgs) -> Result<(), String> {
    if !(args.rate > 0.0 && args.rate <= 1.0) {
        return Err(format!("--rate must be in (0, 1], not {}", args.rate));
    }
    let data = generate(args.rows, args.seed);
    if let Some(p) = &args.save_csv {
        std::fs::write(p, &data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    let sel = SelectArgs {
        rate: args.rate,
        seed: args.seed,
        report: Some(args.report.clone()),
        ..SelectArgs::for_columns(Some("ts"), &["gender", "region"], &["age", "income"])
    };
    let started = Instant::now();
    let outcome = select::distil(
        Box::new(Cursor::new(data)),
        None,
        &mut io::sink(),
        &sel,
        true,
        false,
    )?;
    let elapsed = started.elapsed().as_secs_f64();
    let t = outcome.tracker.as_ref().ok_or("no statistics collected")?;
    let c = outcome.counts;
    let mut text = format!(
        "distill demo: {} people over 48 hours with drifting age, gender, region and income shares,\n\
         distilled at {:.1}% in a 1-hour window: {} passed ({:.2}%) in {:.2} s.\n\
         Beside it, a random sample of the same size from the same batches.\n",
        c.read,
        args.rate * 100.0,
        c.passed,
        if c.read == 0 {
            0.0
        } else {
            c.passed as f64 / c.read as f64 * 100.0
        },
        elapsed
    );
    text.push('\n');
    text += &table(t);
    let html = report::render(t, &c, args.rate, &outcome.engine_stats);
    std::fs::write(&args.report, html)
        .map_err(|e| format!("cannot write {}: {e}", args.report.display()))?;
    text += &format!(
        "\nDistances: Kolmogorov-Smirnov (numeric) and total variation (categorical) to all records;\n\
         smaller is more representative. Charts: {}\n",
        args.report.display()
    );
    crate::sketches::emit(&text)
}

/// The before/after table per characteristic.
pub fn table(t: &stats::Tracker) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<22}{:>12}{:>12}{:>12}",
        "", "all", "distilled", "random"
    );
    let dist = report::distances(t);
    for (i, name) in t.chars.numeric.iter().enumerate() {
        let _ = writeln!(s, "{name} (numeric)");
        let sorted: Vec<Vec<f64>> = (0..3).map(|k| t.num[i][k].0.sorted()).collect();
        for q in [0.1, 0.5, 0.9] {
            let _ = writeln!(
                s,
                "  {:<20}{:>12.1}{:>12.1}{:>12.1}",
                format!("p{:.0}", q * 100.0),
                stats::quantile(&sorted[0], q),
                stats::quantile(&sorted[1], q),
                stats::quantile(&sorted[2], q)
            );
        }
        let d = &dist[i];
        let _ = writeln!(
            s,
            "  {:<20}{:>12}{:>12.4}{:>12.4}",
            "KS to all", "", d.distilled, d.random
        );
    }
    let nn = t.chars.numeric.len();
    for (j, (name, cats)) in t.chars.categorical.iter().enumerate() {
        let _ = writeln!(s, "{name} (categorical)");
        let shares: Vec<Vec<f64>> = (0..3).map(|k| t.shares(j, k)).collect();
        let mut labels = cats.clone();
        labels.push("(missing)".into());
        for (r, label) in labels.iter().enumerate() {
            if (0..3).all(|k| t.cat_counts[j][k][r] == 0) {
                continue;
            }
            let _ = writeln!(
                s,
                "  {:<20}{:>11.2}%{:>11.2}%{:>11.2}%",
                label,
                shares[0][r] * 100.0,
                shares[1][r] * 100.0,
                shares[2][r] * 100.0
            );
        }
        let d = &dist[nn + j];
        let _ = writeln!(
            s,
            "  {:<20}{:>12}{:>12.4}{:>12.4}",
            "TV to all", "", d.distilled, d.random
        );
    }
    s
}
