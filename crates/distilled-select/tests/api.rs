//! Rate accounting, determinism, configuration errors, stats, reset, the
//! iterator adapters and rejected records.

mod common;
use common::*;
use distilled_select::{
    ConfigError, Decision, DistilledProcessor, Grade, GraderKind, ManualClock, Stats,
};

#[derive(Debug, Clone, PartialEq)]
struct P {
    x: f64,
    c: &'static str,
}

fn simple(rate: f64, seed: u64) -> DistilledProcessor<P> {
    DistilledProcessor::<P>::builder()
        .numeric("x", |p: &P| Some(p.x))
        .categorical_ref("c", &["a", "b"], |p: &P| Some(p.c))
        .rate(rate)
        .horizon_secs(100.0)
        .seed(seed)
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap()
}

fn person(i: usize) -> P {
    P {
        x: ((i * 7919) % 1000) as f64,
        c: if i.is_multiple_of(3) { "a" } else { "b" },
    }
}

#[test]
fn long_run_rate_is_exact_after_every_batch() {
    for &rate in &[0.1, 0.37, 0.003, 1.0, 0.5] {
        let mut p = simple(rate, 1);
        let (mut seen, mut passed) = (0u64, 0u64);
        let mut t = 0.0;
        for b in 0..300usize {
            let len = 1 + (b * 37) % 150;
            let batch: Vec<(f64, P)> = (0..len).map(|i| (t, person(seen as usize + i))).collect();
            t += 0.5;
            passed += p.process_batch_at(batch).len() as u64;
            seen += len as u64;
            let want = if rate == 1.0 {
                seen
            } else {
                (rate * seen as f64).floor() as u64
            };
            assert_eq!(passed, want, "rate {rate} after {seen}");
        }
        let s = p.stats();
        assert_eq!((s.seen, s.passed), (seen, passed));
        assert_eq!(s.not_selected, seen - passed);
    }
}

#[test]
fn every_window_is_within_one_batch_budget() {
    let rate = 0.1;
    let s = stream(20_000, 20.0, 5);
    let mut p = processor(rate, 60.0, 3);
    for (b, chunk) in s.chunks(100).enumerate() {
        p.classify_batch_at(chunk);
        if b > 20 {
            let st = p.stats();
            let gap = (st.window_passed as f64 - rate * st.window_len as f64).abs();
            assert!(gap <= rate * 100.0 + 1.0, "gap {gap} at batch {b}");
        }
    }
}

#[test]
fn decisions_are_deterministic_for_a_seed() {
    let s = stream(6_000, 20.0, 9);
    let run = |seed| {
        let mut p = processor(0.1, 60.0, seed);
        s.chunks(100)
            .flat_map(|c| p.classify_batch_at(c))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(4), run(4));
    // Identical records differ only by the seeded tie-break.
    let same = |seed| {
        let mut p = simple(0.1, seed);
        let batch: Vec<(f64, P)> = (0..100).map(|_| (1.0, person(0))).collect();
        p.classify_batch_at(&batch)
    };
    assert_eq!(same(1), same(1));
    assert_ne!(same(1), same(2));
}

#[test]
fn invalid_configurations_are_errors() {
    let b = || DistilledProcessor::<P>::builder().numeric("x", |p: &P| Some(p.x));
    for r in [0.0, -0.1, 1.1, f64::NAN] {
        assert_eq!(
            b().rate(r).build().unwrap_err().to_string(),
            ConfigError::InvalidRate(r).to_string()
        );
    }
    assert!(b().rate(1.0).build().is_ok());
    for h in [0.0, -5.0, f64::INFINITY, f64::NAN] {
        assert!(matches!(
            b().horizon_secs(h).build(),
            Err(ConfigError::InvalidHorizon(_))
        ));
    }
    assert!(matches!(
        DistilledProcessor::<P>::builder().build(),
        Err(ConfigError::NoGraders)
    ));
    let dup = b().categorical("x", &["a"], |_| None).build().unwrap_err();
    assert_eq!(dup, ConfigError::DuplicateGraderName("x".into()));
    assert!(dup.to_string().contains("\"x\""));
    assert_eq!(
        b().batch_size(0).build().unwrap_err(),
        ConfigError::ZeroBatchSize
    );
    assert_eq!(
        b().max_window_len(0).build().unwrap_err(),
        ConfigError::ZeroWindowLen
    );
    assert!(matches!(
        DistilledProcessor::<P>::builder()
            .numeric("", |_| None)
            .build(),
        Err(ConfigError::EmptyGraderName)
    ));
    let e: Box<dyn std::error::Error> = Box::new(ConfigError::NoGraders);
    assert!(!e.to_string().is_empty());
}

#[test]
fn late_and_invalid_records_are_rejected_and_counted() {
    let mut p = simple(0.5, 0);
    let d = p.classify_batch_at(&[
        (1000.0, person(1)),
        (f64::NAN, person(2)),
        (
            1000.0,
            P {
                x: f64::INFINITY,
                c: "a",
            },
        ),
        (899.0, person(3)), // older than now - horizon
        (950.0, person(4)), // out of order, inside the window
    ]);
    assert_eq!(d[1], Decision::Invalid);
    assert_eq!(d[2], Decision::Invalid);
    assert_eq!(d[3], Decision::Late);
    assert!(matches!(d[0], Decision::Passed | Decision::NotSelected));
    assert!(matches!(d[4], Decision::Passed | Decision::NotSelected));
    assert_eq!(d.iter().filter(|d| **d == Decision::Passed).count(), 1);
    let s = p.stats();
    assert_eq!((s.seen, s.rejected_invalid, s.rejected_late), (5, 2, 1));
    assert_eq!((s.passed, s.not_selected, s.window_len), (1, 1, 2));
    assert_eq!(s.pass_rate, 0.5);
    // The window slides: 1101 expires 1000 and 950 (cutoff 1001).
    p.classify_batch_at(&[(1101.0, person(5)), (1000.5, person(6))]);
    let s = p.stats();
    assert_eq!(s.rejected_late, 2);
    assert_eq!(s.window_len, 1);
    assert_eq!(s.now, Some(1101.0));
}

#[test]
fn stats_report_shares_and_distances() {
    let mut p = DistilledProcessor::<(Option<f64>, Option<String>)>::builder()
        .numeric("v", |r: &(Option<f64>, Option<String>)| r.0)
        .categorical("k", &["x", "y"], |r: &(Option<f64>, Option<String>)| {
            r.1.clone()
        })
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap();
    let batch: Vec<_> = (0..1000)
        .map(|i| {
            let v = (i % 10 != 0).then_some(f64::from(i));
            let k = match i % 5 {
                0 => None,
                1 => Some("zzz".to_owned()),
                2 | 3 => Some("x".to_owned()),
                _ => Some("y".to_owned()),
            };
            (v, k)
        })
        .collect();
    let kept = p.process_batch(batch);
    assert_eq!(kept.len(), 100);
    let s: Stats = p.stats();
    assert_eq!(
        (s.seen, s.passed, s.window_len, s.window_passed),
        (1000, 100, 1000, 100)
    );
    assert_eq!(s.target_rate, 0.1);
    let k = s.characteristic("k").unwrap();
    let labels: Vec<_> = k.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["x", "y", "other", "missing"]);
    let shares: Vec<_> = k.buckets.iter().map(|b| b.share_all).collect();
    assert_eq!(shares, [0.4, 0.2, 0.2, 0.2]);
    // Every bucket within two records of its quota, in one cold-start batch
    // where the numeric tree competes for the same picks (Bernoulli's
    // standard deviation here is 4 records per bucket).
    for b in &k.buckets {
        assert!((b.share_all - b.share_passed).abs() <= 0.02 + 1e-9, "{b:?}");
    }
    assert!(k.distance <= 0.03);
    let v = s.characteristic("v").unwrap();
    assert_eq!(v.kind, distilled_select::CharacteristicKind::Numeric);
    let missing = v.buckets.last().unwrap();
    assert_eq!(missing.label, "missing");
    assert!((missing.share_all - 0.1).abs() < 1e-12);
    assert!(
        (missing.share_passed - 0.1).abs() <= 0.02 + 1e-9,
        "{missing:?}"
    );
    assert!(v.buckets.len() >= 10);
    assert!(v.distance <= 0.06, "KS {}", v.distance); // Bernoulli: ~0.087
    assert!(v.quantile_buckets.unwrap() >= 8);
    let sum: f64 = v.buckets.iter().map(|b| b.share_passed).sum();
    assert!((sum - 1.0).abs() < 1e-9);
}

#[test]
fn reset_forgets_everything_and_replays_identically() {
    let s = stream(3_000, 20.0, 2);
    let mut p = processor(0.1, 60.0, 8);
    let first: Vec<_> = s.chunks(100).flat_map(|c| p.classify_batch_at(c)).collect();
    p.reset();
    let st = p.stats();
    assert_eq!(
        (st.seen, st.passed, st.window_len, st.window_passed),
        (0, 0, 0, 0)
    );
    assert_eq!(st.now, None);
    let again: Vec<_> = s.chunks(100).flat_map(|c| p.classify_batch_at(c)).collect();
    assert_eq!(first, again);
}

#[test]
fn iterator_adapters_match_batches() {
    let items: Vec<P> = (0..2_345).map(person).collect();
    let mut a = simple(0.1, 3);
    let lazy: Vec<P> = a.distil(items.clone()).collect();
    let mut b = simple(0.1, 3);
    let batched: Vec<P> = items
        .chunks(100)
        .flat_map(|c| b.process_batch(c.to_vec()))
        .collect();
    assert_eq!(lazy, batched);
    assert_eq!(lazy.len(), 234);
    // Lazy: taking a few pulls only the batches needed.
    let mut c = simple(0.1, 3);
    let mut pulled = 0;
    let first: Vec<P> = c
        .distil(items.iter().cloned().inspect(|_| pulled += 1))
        .take(5)
        .collect();
    assert_eq!(first.len(), 5);
    assert!(pulled <= 100, "pulled {pulled}");
    let mut d = simple(0.1, 3);
    let timed: Vec<P> = d
        .distil_at(
            items
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, p)| (i as f64 * 0.01, p)),
        )
        .collect();
    assert_eq!(timed.len(), 234);
}

#[test]
fn processing_time_window_slides_with_the_clock() {
    let clock = ManualClock::new(0.0);
    let mut p = DistilledProcessor::<P>::builder()
        .numeric("x", |p: &P| Some(p.x))
        .horizon_secs(10.0)
        .clock(clock.clone())
        .build()
        .unwrap();
    p.process_batch((0..100).map(person).collect());
    clock.advance(5.0);
    p.process_batch((0..100).map(person).collect());
    assert_eq!(p.stats().window_len, 200);
    clock.advance(6.0);
    p.process_batch((0..50).map(person).collect());
    let s = p.stats();
    assert_eq!(s.window_len, 150);
    assert_eq!(s.passed, 25);
}

#[test]
fn window_length_bound_holds() {
    let mut p = DistilledProcessor::<P>::builder()
        .numeric("x", |p: &P| Some(p.x))
        .max_window_len(500)
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap();
    for _ in 0..20 {
        p.process_batch((0..100).map(person).collect());
        assert!(p.stats().window_len <= 500);
    }
    assert_eq!(p.stats().passed, 200);
}

#[test]
fn custom_and_lambda_graders_and_data_points() {
    let mut p = DistilledProcessor::<i64>::builder()
        .lambda(
            "parity",
            GraderKind::Categorical {
                categories: vec!["even".into(), "odd".into()],
            },
            |x: &i64| Grade::Category((x % 2) as u32),
        )
        .lambda("half", GraderKind::Numeric, |x: &i64| {
            if *x % 4 == 0 {
                Grade::Missing
            } else {
                Grade::Number(*x as f64 / 2.0)
            }
        })
        .rate(0.25)
        .build()
        .unwrap();
    let pts = p.process_points_at((0..200).map(|i| (10.0, i)).collect());
    assert_eq!(pts.len(), 200);
    assert_eq!(pts.iter().filter(|d| d.passed).count(), 50);
    assert_eq!(pts[3].grades, vec![Grade::Category(1), Grade::Number(1.5)]);
    assert_eq!(pts[4].grades[1], Grade::Missing);
    let odd = pts.iter().filter(|d| d.passed && d.record % 2 == 1).count();
    assert_eq!(odd, 25);
    let missing = pts.iter().filter(|d| d.passed && d.record % 4 == 0).count();
    assert!((12..=13).contains(&missing), "{missing}");
}

/// A numeric characteristic with fewer distinct values than quantile leaves
/// (each value a repeated atom) must not make the boundaries look stale at
/// every check: rebuilding cannot split an atom, and every rebuild recounts
/// the whole window. The atoms are still balanced.
#[test]
fn repeated_values_do_not_trigger_rebuilds_at_every_check() {
    let clock = ManualClock::new(0.0);
    let mut p = DistilledProcessor::<P>::builder()
        .numeric("x", |p: &P| Some(p.x))
        .horizon_secs(200.0)
        .clock(clock.clone())
        .build()
        .unwrap();
    // 20 distinct integer values, 100 records a second, 20,000 in the window
    // (so 1024 leaves): steady state for 600 s, 60,000 records.
    for b in 0..600usize {
        let batch: Vec<P> = (0..100)
            .map(|i| P {
                x: (((b * 100 + i) * 7919) % 20) as f64,
                c: "a",
            })
            .collect();
        p.process_batch(batch);
        clock.advance(1.0);
    }
    let s = p.stats();
    assert_eq!(s.window_len, 20_000);
    // Growing the window rebuilds a dozen times; stale-looking atoms used to
    // add one rebuild per quarter window of churn (about 20 more here).
    assert!(
        s.boundary_rebuilds <= 14,
        "{} rebuilds",
        s.boundary_rebuilds
    );
    let x = s.characteristic("x").unwrap();
    assert!(x.distance < 0.01, "KS {}", x.distance);
}

/// Discovered categories: one first appearing late in the stream takes a free
/// bucket and is balanced like the others; beyond the limit, new values go
/// to "other" and are counted.
#[test]
fn discovered_category_appearing_late_is_balanced() {
    #[derive(Clone)]
    struct Q {
        x: f64,
        c: &'static str,
    }
    let clock = ManualClock::new(0.0);
    let mut p = DistilledProcessor::<Q>::builder()
        .numeric("x", |q: &Q| Some(q.x))
        .categorical_discovered("c", 4, |q: &Q| Some(q.c))
        .horizon_secs(50.0)
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut worst_late = 0.0f64;
    for b in 0..200usize {
        let batch: Vec<Q> = (0..100)
            .map(|i| {
                let h = (b * 100 + i).wrapping_mul(2_654_435_761) % 1000;
                // "late" takes 23% of the stream from second 100 on; after
                // second 150, a fifth and sixth value overflow the limit.
                let c = match h {
                    0..230 if b >= 100 => "late",
                    230..260 if b >= 150 => "sixth",
                    260..290 if b >= 150 => "fifth",
                    0..400 => "a",
                    400..750 => "b",
                    _ => "c",
                };
                Q {
                    x: (h % 97) as f64,
                    c,
                }
            })
            .collect();
        p.process_batch(batch);
        clock.advance(1.0);
        if b >= 120 && b % 5 == 0 {
            let s = p.stats();
            let c = s.characteristic("c").unwrap();
            let late = c.buckets.iter().find(|k| k.label == "late").unwrap();
            worst_late = worst_late.max((late.share_all - late.share_passed).abs());
            for k in &c.buckets {
                assert!(
                    (k.share_all - k.share_passed).abs() < 0.01,
                    "batch {b}: {k:?}"
                );
            }
        }
    }
    // 500 passed per window: Bernoulli's standard error on a 23% share is
    // about 0.019.
    assert!(worst_late < 0.006, "late share gap {worst_late}");
    let s = p.stats();
    let c = s.characteristic("c").unwrap();
    // Order of first appearance (the hash happened to give "c" before "b").
    let labels: Vec<&str> = c.buckets.iter().map(|k| k.label.as_str()).collect();
    assert_eq!(labels, ["a", "c", "b", "late", "other", "missing"]);
    assert!(c.overflow_to_other > 0);
    let other = c.buckets.iter().find(|k| k.label == "other").unwrap();
    assert!(other.share_all > 0.03, "{other:?}");
}

/// Documented behaviour: one far-future timestamp moves "now" and empties the
/// window; later ordinary records are rejected as late and counted, never
/// silently dropped.
#[test]
fn a_far_future_timestamp_moves_now_and_later_records_count_as_late() {
    let mut p = simple(0.1, 1);
    let batch = |t0: f64| -> Vec<(f64, P)> { (0..100).map(|i| (t0, person(i))).collect() };
    p.process_batch_at(batch(10.0));
    let mut odd = batch(11.0);
    odd[5].0 = 1.0e12;
    p.process_batch_at(odd);
    let s = p.stats();
    assert_eq!(s.now, Some(1.0e12));
    assert_eq!(s.window_len, 1);
    p.process_batch_at(batch(12.0));
    let s = p.stats();
    assert_eq!(s.rejected_late, 199);
    assert_eq!(s.seen, 300);
    assert_eq!(s.passed + s.not_selected + s.rejected_late, 300);
}

/// Leaf codes computed beforehand by a `LeafCoder` give exactly the decisions of
/// `classify_batch_at`, whether the snapshot is current, stale (taken before a boundary
/// rebuild) or the codes are out of range.
#[test]
fn precoded_batches_decide_as_plain_ones() {
    type Row = (f64, f64, u32);
    let build = || {
        distilled_select::DistilledProcessor::<Row>::builder()
            .numeric("x", |r: &Row| Some(r.0))
            .numeric("y", |r: &Row| (!r.1.is_nan()).then_some(r.1))
            .lambda(
                "c",
                distilled_select::GraderKind::Categorical {
                    categories: vec!["a".into(), "b".into(), "c".into()],
                },
                |r: &Row| distilled_select::Grade::Category(r.2),
            )
            .horizon_secs(300.0)
            .build()
            .unwrap()
    };
    let (mut plain, mut pre) = (build(), build());
    let mut coder = pre.leaf_coder();
    let mut next = uniform_stream(7);
    for b in 0..600u32 {
        let batch: Vec<(f64, Row)> = (0..50)
            .map(|_| {
                let (u, v, c) = (next(), next(), next());
                let y = if v < 0.1 { f64::NAN } else { (v * 6.0).exp() };
                (
                    f64::from(b),
                    (u * 100.0 + f64::from(b) / 10.0, y, (c * 3.0) as u32),
                )
            })
            .collect();
        // A fresh snapshot every third batch; the others use an older one.
        if b % 3 == 0 {
            coder = pre.leaf_coder();
        }
        let mut codes: Vec<u32> = batch
            .iter()
            .flat_map(|(_, r)| [coder.code(0, r.0), coder.code(1, r.1), coder.code(2, 0.0)])
            .collect();
        if b % 7 == 0 {
            codes
                .iter_mut()
                .for_each(|c| *c = c.wrapping_mul(2654435761));
        }
        let d1 = plain.classify_batch_at(&batch);
        let d2 = pre.classify_batch_precoded_at(&batch, &codes, coder.generation());
        assert_eq!(d1, d2, "batch {b}");
    }
    let (s1, s2) = (plain.stats(), pre.stats());
    assert_eq!(s1, s2);
    assert!(s1.boundary_rebuilds > 3);
}

/// Pre-graded rows give exactly the decisions and stats of grading the records, including
/// missing values, "other" categories, non-finite values (invalid) and late records.
#[test]
fn graded_rows_decide_as_records() {
    type Row = (f64, f64, f64);
    let build = || {
        distilled_select::DistilledProcessor::<Row>::builder()
            .numeric("x", |r: &Row| (!r.0.is_nan()).then_some(r.0))
            .lambda(
                "c",
                distilled_select::GraderKind::Categorical {
                    categories: vec!["a".into(), "b".into(), "c".into()],
                },
                |r: &Row| {
                    if r.1.is_nan() {
                        distilled_select::Grade::Missing
                    } else if r.1 < 3.0 {
                        distilled_select::Grade::Category(r.1 as u32)
                    } else {
                        distilled_select::Grade::Other
                    }
                },
            )
            .numeric("y", |r: &Row| (!r.2.is_nan()).then_some(r.2))
            .horizon_secs(200.0)
            .build()
            .unwrap()
    };
    let (mut graded, mut raw) = (build(), build());
    let mut next = uniform_stream(11);
    for b in 0..500u32 {
        let batch: Vec<(f64, Row)> = (0..40)
            .map(|_| {
                let (u, v, c, t) = (next(), next(), next(), next());
                let x = if u < 0.05 { f64::NAN } else { u * 50.0 };
                let cat = if c < 0.05 {
                    f64::NAN
                } else {
                    (c * 4.5).floor()
                };
                let y = match v {
                    v if v < 0.01 => f64::INFINITY,
                    v if v < 0.06 => f64::NAN,
                    v => (v * 5.0).exp(),
                };
                // A few records far in the past: late.
                let time = if t < 0.02 { 0.0 } else { f64::from(b) };
                (time, (x, cat, y))
            })
            .collect();
        let ts: Vec<f64> = batch.iter().map(|(t, _)| *t).collect();
        let rows: Vec<f64> = batch.iter().flat_map(|(_, r)| [r.0, r.1, r.2]).collect();
        let d1 = graded.classify_batch_at(&batch);
        let d2 = raw.classify_rows_at(&ts, &rows, &[], 0).unwrap();
        assert_eq!(d1, d2, "batch {b}");
    }
    let (s1, s2) = (graded.stats(), raw.stats());
    assert_eq!(s1, s2);
    assert!(s1.rejected_invalid > 0 && s1.rejected_late > 0);
}

/// Pre-graded rows of the wrong length are refused whole, and a categorical
/// value that is not a whole category index counts as "other", exactly as a
/// grader answering an unknown category.
#[test]
fn pre_graded_rows_are_checked() {
    let build = || {
        DistilledProcessor::<(f64, &str)>::builder()
            .numeric("x", |r| Some(r.0))
            .categorical_ref("c", &["a", "b"], |r| Some(r.1))
            .seed(7)
            .build()
            .unwrap()
    };
    let mut p = build();
    let ts = vec![1.0; 50];
    let rows: Vec<f64> = (0..50).flat_map(|i| [f64::from(i), 0.0]).collect();
    let err = p.classify_rows_at(&ts, &rows[..99], &[], 0).unwrap_err();
    assert_eq!((err.expected, err.found), (100, 99));
    assert_eq!(p.stats().seen, 0, "a refused batch leaves no trace");

    // Category 0.5, -1 and 7 are all "other", like the grader's "z".
    let odd = [0.5, -1.0, 7.0, 1.5];
    let (mut graded, mut raw) = (build(), build());
    let batch: Vec<(f64, (f64, &str))> = (0..200)
        .map(|i| (1.0, (f64::from(i), if i % 3 == 0 { "z" } else { "a" })))
        .collect();
    let rows: Vec<f64> = (0..200)
        .flat_map(|i| {
            [
                f64::from(i),
                if i % 3 == 0 { odd[i as usize % 4] } else { 0.0 },
            ]
        })
        .collect();
    let d1 = graded.classify_batch_at(&batch);
    let d2 = raw.classify_rows_at(&ts_of(&batch), &rows, &[], 0).unwrap();
    assert_eq!(d1, d2);
    assert_eq!(graded.stats(), raw.stats());
}

fn ts_of<R>(batch: &[(f64, R)]) -> Vec<f64> {
    batch.iter().map(|(t, _)| *t).collect()
}

/// A seeded stream of uniform numbers in [0, 1) (xorshift64), for tests
/// that must replay the same records into two processors.
fn uniform_stream(mut s: u64) -> impl FnMut() -> f64 {
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn numeric_bucket_labels_show_negative_zero_as_zero() {
    let mut p = DistilledProcessor::<f64>::builder()
        .numeric("v", |r: &f64| Some(*r))
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap();
    p.process_batch(
        (0..200)
            .map(|i| if i == 0 { -0.0 } else { f64::from(i) })
            .collect(),
    );
    let v = p.stats();
    let v = v.characteristic("v").unwrap();
    let first = &v.buckets[0].label;
    assert!(first.starts_with("[0, "), "{first}");
    assert!(v.buckets.iter().all(|b| !b.label.contains("-0")), "{v:?}");
}

#[test]
fn numeric_bucket_labels_of_huge_and_tiny_values_are_short() {
    let mut p = DistilledProcessor::<f64>::builder()
        .numeric("v", |r: &f64| Some(*r))
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap();
    let values = [f64::MAX, -f64::MAX, 5e-324, 1e-300, 0.5, 3.0, 1e20, -2e-10];
    p.process_batch((0..400).map(|i| values[i % values.len()]).collect());
    let s = p.stats();
    let v = s.characteristic("v").unwrap();
    for b in &v.buckets {
        assert!(b.label.len() < 60, "{}", b.label);
    }
    assert!(
        v.buckets[0].label.starts_with("[-1.7976931348623157e308, "),
        "{v:?}"
    );
}

#[test]
fn records_at_huge_timestamps_are_not_late() {
    // 1e300 - horizon == 1e300 in f64: a record at "now" must still count.
    let mut p = DistilledProcessor::<f64>::builder()
        .numeric("v", |r: &f64| Some(*r))
        .horizon_secs(3600.0)
        .rate(1.0)
        .build()
        .unwrap();
    let d = p.classify_batch_at(&[(1.0, 1.0), (1e300, 2.0), (1e300, 3.0), (5.0, 4.0)]);
    assert_eq!(
        d,
        [
            Decision::Late,
            Decision::Passed,
            Decision::Passed,
            Decision::Late
        ]
    );
    let s = p.stats();
    assert_eq!((s.passed, s.rejected_late, s.window_len), (2, 2, 2));
}
