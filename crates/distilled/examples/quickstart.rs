//! The classic quick start: people with age, gender and income; a one-hour
//! horizon; pass on 10%. Prints how closely the passed people match everyone
//! in the window, beside Bernoulli sampling at the same rate.
//!
//! Run with `cargo run -p distilled --example quickstart`.

use distilled::metrics::{ks_distance, total_variation};
use distilled::{Bernoulli, DistilledProcessor, ManualClock};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

#[derive(Debug, Clone)]
struct Person {
    age: f64,
    gender: String,
    income: Option<f64>,
}

const GENDERS: [&str; 3] = ["female", "male", "diverse"];

/// A window entry: time, person, passed by the distiller, kept by Bernoulli.
type Row = (f64, Person, bool, bool);
/// Picks one sampler's decision from a row.
type Pick<'a> = &'a dyn Fn(&Row) -> bool;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::new(1_700_000_000.0);
    let mut distiller = DistilledProcessor::<Person>::builder()
        .numeric("age", |p| Some(p.age))
        .categorical("gender", &GENDERS, |p| Some(p.gender.clone()))
        .numeric("income", |p| p.income)
        .horizon_secs(3600.0)
        .rate(0.1)
        .seed(42)
        .clock(clock.clone())
        .build()?;

    // Two hours of traffic, 10 people per second, in batches of 100.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let age = Normal::new(42.0f64, 15.0)?;
    let income = LogNormal::new(10.5f64, 0.6)?;
    let mut bernoulli = Bernoulli::new(0.1, 42);
    // Everyone in the last hour, with both samplers' decisions.
    let mut window: Vec<Row> = Vec::new();
    let mut passed_total = 0;
    for _ in 0..720 {
        let now = {
            clock.advance(10.0);
            distilled::Clock::now(&clock)
        };
        let batch: Vec<Person> = (0..100)
            .map(|_| Person {
                age: age.sample(&mut rng).clamp(18.0, 99.0).round(),
                gender: GENDERS[[0, 0, 1, 1, 1, 2][rng.random_range(0..6)]].to_owned(),
                income: (rng.random::<f64>() > 0.1).then(|| income.sample(&mut rng).round()),
            })
            .collect();
        let decisions = distiller.classify_batch(&batch);
        for (p, d) in batch.into_iter().zip(decisions) {
            let kept = d == distilled::Decision::Passed;
            passed_total += usize::from(kept);
            window.push((now, p, kept, bernoulli.keep()));
        }
        window.retain(|(t, ..)| *t > now - 3600.0);
    }

    let stats = distiller.stats();
    println!(
        "seen {} passed {} ({:.2}%), window {} records, {} passed in it",
        stats.seen,
        stats.passed,
        100.0 * stats.pass_rate,
        stats.window_len,
        stats.window_passed
    );
    assert_eq!(passed_total as u64, stats.passed);

    println!("\n{:<8} {:>12} {:>12}", "", "distilled", "bernoulli");
    let ks = |f: &dyn Fn(&Person) -> f64, pick: Pick<'_>| {
        let mut all: Vec<f64> = window.iter().map(|w| f(&w.1)).collect();
        let mut kept: Vec<f64> = window.iter().filter(|w| pick(w)).map(|w| f(&w.1)).collect();
        ks_distance(&mut all, &mut kept)
    };
    for (name, f) in [
        ("age", &(|p: &Person| p.age) as &dyn Fn(&Person) -> f64),
        ("income", &|p: &Person| p.income.unwrap_or(f64::NAN)),
    ] {
        println!(
            "{name:<8} {:>12.4} {:>12.4}   (Kolmogorov-Smirnov)",
            ks(f, &|w| w.2),
            ks(f, &|w| w.3)
        );
    }
    let tv = |pick: Pick<'_>| {
        let code = |p: &Person| GENDERS.iter().position(|g| *g == p.gender).unwrap_or(3);
        let mut all = [0u64; 4];
        let mut kept = [0u64; 4];
        for w in &window {
            all[code(&w.1)] += 1;
            if pick(w) {
                kept[code(&w.1)] += 1;
            }
        }
        total_variation(&all, &kept)
    };
    println!(
        "{:<8} {:>12.4} {:>12.4}   (total variation)",
        "gender",
        tv(&|w| w.2),
        tv(&|w| w.3)
    );

    println!("\nper-bucket shares of the window (all vs passed):");
    for c in &stats.characteristics {
        println!("  {} (distance {:.4}):", c.name, c.distance);
        for b in &c.buckets {
            println!(
                "    {:<28} {:>6.2}% {:>6.2}%",
                b.label,
                100.0 * b.share_all,
                100.0 * b.share_passed
            );
        }
    }
    Ok(())
}
