//! `distill select` end to end, in process: a generated 1e6-row, 8-column CSV (event time,
//! 3 categorical and 4 numeric characteristics) parsed, distilled at 10% and written verbatim,
//! beside a plain read-and-write pass of the same bytes with the `csv` crate, and the
//! processor alone on pre-parsed records (to split the pipeline's cost).
//!
//! Run: `cargo xtask bench cli` (or `cargo bench -p distilled-benches --bench cli`).

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use distilled_cli::cli::{Format, InputArgs, SelectArgs};
use distilled_cli::engine::{self, Characteristics, Rec, Settings};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const ROWS: usize = 1_000_000;

/// `ts,carrier,origin,kind,dep_delay,distance,price,score`: 100 rows per second.
fn generate(n: usize, seed: u64) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let carriers = ["AA", "UA", "DL", "WN", "B6", "AS", "NK", "F9"];
    let kinds = ["x", "y", "z"];
    let mut s = String::with_capacity(n * 48);
    s.push_str("ts,carrier,origin,kind,dep_delay,distance,price,score\n");
    for i in 0..n {
        let _ = writeln!(
            s,
            "{:.2},{},o{},{},{:.1},{},{:.2},{}",
            1_700_000_000.0 + i as f64 * 0.01,
            carriers[rng.random_range(0..carriers.len())],
            rng.random_range(0..30),
            kinds[rng.random_range(0..kinds.len())],
            rng.random::<f64>() * 80.0 - 20.0,
            rng.random_range(100..3000),
            rng.random::<f64>() * 500.0,
            rng.random_range(0..100),
        );
    }
    s.into_bytes()
}

fn select_args() -> SelectArgs {
    SelectArgs {
        input: InputArgs {
            input: None,
            format: Format::Csv,
            delimiter: ',',
        },
        output: None,
        time_column: Some("ts".into()),
        horizon: 3600.0,
        rate: 0.1,
        categorical: vec!["carrier".into(), "origin".into(), "kind".into()],
        numeric: vec![
            "dep_delay".into(),
            "distance".into(),
            "price".into(),
            "score".into(),
        ],
        max_categories: 32,
        batch_size: 100,
        seed: 1,
        skip_invalid: false,
        stats: None,
        report: None,
    }
}

fn bench(c: &mut Criterion) {
    let data: Arc<[u8]> = Arc::from(generate(ROWS, 42));
    let mut g = c.benchmark_group("cli_select_1e6x8");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(ROWS as u64));

    g.bench_function("plain_csv_read_write", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new().from_reader(&data[..]);
            let mut w = csv::Writer::from_writer(Vec::with_capacity(data.len()));
            w.write_byte_record(rdr.byte_headers().unwrap()).unwrap();
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                w.write_byte_record(&rec).unwrap();
            }
            black_box(w.into_inner().unwrap().len())
        })
    });

    let args = select_args();
    g.bench_function("distill_select", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(data.len() / 8);
            let o = distilled_cli::select::distil(
                Box::new(Cursor::new(Arc::clone(&data))),
                None,
                &mut out,
                &args,
                false,
                false,
            )
            .unwrap();
            assert_eq!(o.counts.passed, (ROWS / 10) as u64);
            black_box(out.len())
        })
    });

    // The processor alone, on records parsed beforehand (same batches of 100).
    let chars = Characteristics {
        numeric: args.numeric.clone(),
        categorical: vec![
            ("carrier".into(), vec!["c".into(); 9]),
            ("origin".into(), vec!["o".into(); 31]),
            ("kind".into(), vec!["k".into(); 4]),
        ],
        discovered: Vec::new(),
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let recs: Vec<(f64, Rec)> = (0..ROWS)
        .map(|i| {
            let r: Rec = vec![
                rng.random::<f64>() * 80.0 - 20.0,
                f64::from(rng.random_range(100..3000)),
                rng.random::<f64>() * 500.0,
                f64::from(rng.random_range(0..100)),
                f64::from(rng.random_range(0..8)),
                f64::from(rng.random_range(0..30)),
                f64::from(rng.random_range(0..3)),
            ]
            .into_boxed_slice();
            (1_700_000_000.0 + i as f64 * 0.01, r)
        })
        .collect();
    g.bench_function("processor_only", |b| {
        b.iter(|| {
            let mut e = engine::build(
                &chars,
                Settings {
                    rate: 0.1,
                    horizon: 3600.0,
                    batch_size: 100,
                    seed: 1,
                },
            )
            .unwrap();
            let mut passed = 0;
            for chunk in recs.chunks(100) {
                passed += e
                    .classify(chunk)
                    .iter()
                    .filter(|v| **v == engine::Verdict::Passed)
                    .count();
            }
            black_box(passed)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
