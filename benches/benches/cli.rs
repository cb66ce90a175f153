//! `distill select` end to end, in process: a generated 1e6-row, 8-column CSV (event time,
//! 3 categorical and 4 numeric characteristics) parsed, distilled at 10% and written verbatim,
//! beside a plain read-and-write pass of the same bytes with the `csv` crate (ByteRecord read
//! and write of every row, 256 KiB buffers like the command's), and two cases that split the
//! pipeline's cost: the same pipeline with a trivial engine (every tenth record passed: reading,
//! checking, parsing and writing only), and the processor alone on pre-parsed records.
//!
//! After criterion's wall-clock figures, CPU rounds print each case's on-CPU time (process and
//! selecting thread), which discounts what other processes take on a shared machine.
//!
//! Run: `cargo xtask bench cli` (or `cargo bench -p distilled-benches --bench cli`).

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use distilled_cli::cli::SelectArgs;
use distilled_cli::engine::{self, Characteristics, Rec, Settings, Verdict};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const ROWS: usize = 1_000_000;
/// Read and write buffers of the plain pass: the command's input buffer and output buffer.
const BUFFER: usize = 1 << 18;

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
        seed: 1,
        ..SelectArgs::for_columns(
            Some("ts"),
            &["carrier", "origin", "kind"],
            &["dep_delay", "distance", "price", "score"],
        )
    }
}

fn bench(c: &mut Criterion) {
    let data: Arc<[u8]> = Arc::from(generate(ROWS, 42));
    let mut g = c.benchmark_group("cli_select_1e6x8");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(ROWS as u64));

    let plain = || {
        let mut rdr = csv::ReaderBuilder::new()
            .buffer_capacity(BUFFER)
            .from_reader(&data[..]);
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(BUFFER)
            .from_writer(Vec::with_capacity(data.len()));
        w.write_byte_record(rdr.byte_headers().unwrap()).unwrap();
        let mut rec = csv::ByteRecord::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            w.write_byte_record(&rec).unwrap();
        }
        w.into_inner().unwrap().len()
    };
    g.bench_function("plain_csv_read_write", |b| b.iter(|| black_box(plain())));

    let args = select_args();
    let select = || {
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
        out.len()
    };
    g.bench_function("distill_select", |b| b.iter(|| black_box(select())));

    let no_selection = || {
        let mut out = Vec::with_capacity(data.len() / 8);
        let o = distilled_cli::select::distil_with(
            Box::new(Cursor::new(Arc::clone(&data))),
            None,
            &mut out,
            &args,
            false,
            false,
            &|_, _| Ok(Box::new(EveryTenth)),
        )
        .unwrap();
        assert_eq!(o.counts.passed, (ROWS / 10) as u64);
        out.len()
    };
    g.bench_function("pipeline_without_selection", |b| {
        b.iter(|| black_box(no_selection()))
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
    let processor = || {
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
        let mut v = Vec::new();
        for chunk in recs.chunks(100) {
            e.classify_into(chunk, &mut v);
            passed += v.iter().filter(|v| **v == Verdict::Passed).count();
        }
        passed
    };
    g.bench_function("processor_only", |b| b.iter(|| black_box(processor())));
    g.finish();

    // On-CPU time per case, three rounds: process CPU (all threads) and the calling thread's.
    // In `distill_select` the calling thread selects and writes and the reader thread parses;
    // with two free cores the wall time tends to the larger of the two.
    for round in 0..3 {
        let mut line = format!("cli on-CPU round {round}:");
        let cases: [(&str, &dyn Fn() -> usize); 4] = [
            ("plain", &plain),
            ("select", &select),
            ("no-selection pipeline", &no_selection),
            ("processor", &processor),
        ];
        for (name, f) in cases {
            let (p0, t0, w0) = (process_cpu_s(), thread_cpu_s(), Instant::now());
            black_box(f());
            let wall = w0.elapsed().as_secs_f64();
            let (p1, t1) = (process_cpu_s(), thread_cpu_s());
            if let (Some(p0), Some(p1), Some(t0), Some(t1)) = (p0, p1, t0, t1) {
                line += &format!(
                    " | {name}: wall {wall:.3} s, CPU {:.2} s (calling thread {:.2} s)",
                    p1 - p0,
                    t1 - t0
                );
            }
        }
        eprintln!("{line}");
    }
}

/// Passes every tenth record: the pipeline's cost without the selection's.
struct EveryTenth;

impl engine::Engine for EveryTenth {
    fn classify_into(&mut self, batch: &[(f64, Rec)], out: &mut Vec<Verdict>) {
        out.clear();
        out.extend((0..batch.len()).map(|i| {
            if i % 10 == 0 {
                Verdict::Passed
            } else {
                Verdict::NotSelected
            }
        }));
    }
}

/// Seconds this thread has run on a CPU (Linux schedstat), if readable.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? * 1e-9)
}

/// CPU seconds of the whole process, all threads (user + system, in clock ticks of 1/100 s).
fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let f: Vec<&str> = s[s.rfind(')')? + 2..].split(' ').collect();
    Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
