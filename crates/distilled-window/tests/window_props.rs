//! Property tests: for random streams (in order, out of order, too old, with
//! gaps) and random query times, the window's answer equals one sketch built
//! from exactly the items inside the horizon.

mod common;

use common::{ExactSet, Multiset, Picky};
use distilled_core::{DistinctCount, QuantileSketch, SearchCriteria};
use distilled_window::{
    Clock, ConfigError, ManualClock, SlidingWindow, TimeError, WindowConfig, WindowError,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// Move the cursor forward by this many pane widths (fractional).
    Tick(f64),
    /// An item at cursor + offset (offset in horizons).
    Update(f64, i64),
    /// Query at cursor + offset (offset in horizons).
    QueryAt(f64),
    /// Query at the head.
    Query,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => (0.0f64..3.0).prop_map(Op::Tick),
            1 => (0.0f64..40.0).prop_map(Op::Tick),
            12 => (-1.3f64..0.2, -50i64..50).prop_map(|(o, v)| Op::Update(o, v)),
            2 => (-0.5f64..0.5).prop_map(Op::QueryAt),
            2 => Just(Op::Query),
        ],
        1..160,
    )
}

fn config() -> impl Strategy<Value = WindowConfig> {
    (
        1usize..9,
        prop_oneof![Just(0.1f64), Just(0.25), Just(1.0), Just(7.5), Just(60.0)],
    )
        .prop_map(|(n, w)| WindowConfig::new(w * n as f64, w).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn window_equals_sketch_of_items_inside_horizon(
        cfg in config(),
        start in -1e6f64..2e9,
        ops in ops(),
    ) {
        let mut w = SlidingWindow::new(Multiset::default(), cfg);
        let mut d = SlidingWindow::new(ExactSet::default(), cfg);
        let n = cfg.num_panes() as i64;
        let mut cursor = start;
        let mut head: Option<i64> = None;
        let mut accepted: Vec<(i64, i64)> = Vec::new(); // (pane, value)
        let (mut too_old, mut expired_model) = (0u64, 0u64);
        for op in ops {
            let check = match op {
                Op::Tick(dt) => {
                    cursor += dt * cfg.pane_width();
                    false
                }
                Op::Update(off, v) => {
                    let t = cursor + off * cfg.horizon();
                    let p = cfg.pane_of(t).unwrap();
                    let new_head = head.map_or(p, |h| h.max(p));
                    let r = w.update_at(t, v);
                    d.update_at(t, v as u64).unwrap_or(());
                    if p <= new_head - n {
                        too_old += 1;
                        let is_too_old = matches!(r, Err(WindowError::Time(TimeError::TooOld { .. })));
                        prop_assert!(is_too_old);
                    } else {
                        prop_assert!(r.is_ok());
                        accepted.push((p, v));
                    }
                    head = Some(new_head);
                    false
                }
                Op::QueryAt(off) => {
                    let t = cursor + off * cfg.horizon();
                    let p = cfg.pane_of(t).unwrap();
                    head = Some(head.map_or(p, |h| h.max(p)));
                    w.advance_to(t).unwrap();
                    d.advance_to(t).unwrap();
                    true
                }
                Op::Query => true,
            };
            // Expire from the model.
            if let Some(h) = head {
                let before = accepted.len();
                accepted.retain(|&(p, _)| p > h - n);
                expired_model += (before - accepted.len()) as u64;
            }
            prop_assert_eq!(w.head_pane(), head);
            prop_assert_eq!(w.len(), accepted.len() as u64);
            if check {
                let mut expect: Vec<i64> = accepted.iter().map(|&(_, v)| v).collect();
                expect.sort_unstable();
                let got = w.query().unwrap();
                prop_assert_eq!(got.sorted(), expect.clone());
                prop_assert_eq!(w.query_naive().unwrap().sorted(), expect.clone());
                let distinct: std::collections::BTreeSet<u64> =
                    expect.iter().map(|&v| v as u64).collect();
                let gd = d.query().unwrap();
                prop_assert_eq!(&gd.0, &distinct);
                prop_assert_eq!(gd.estimate(), distinct.len() as f64);
                if !expect.is_empty() {
                    let med = got.quantile(0.5, SearchCriteria::Inclusive).unwrap();
                    let idx = expect.len().div_ceil(2) - 1;
                    prop_assert_eq!(med, expect[idx]);
                }
            }
            prop_assert!(w.sketches_held() <= 2 * cfg.num_panes());
        }
        prop_assert_eq!(w.rejected_too_old(), too_old);
        prop_assert_eq!(w.expired_items(), expired_model);
        // A final query agrees too.
        let mut expect: Vec<i64> = accepted.iter().map(|&(_, v)| v).collect();
        expect.sort_unstable();
        prop_assert_eq!(w.query().unwrap().sorted(), expect);
    }

    /// Processing time: items are stamped by the clock; a query at the clock
    /// holds exactly the items of the panes inside the horizon.
    #[test]
    fn processing_time_follows_the_clock(steps in prop::collection::vec((0.0f64..4.0, 0i64..100), 1..200)) {
        let clock = ManualClock::new(1_700_000_000.0);
        let cfg = WindowConfig::with_panes(10.0, 5).unwrap();
        let mut w = SlidingWindow::with_clock(Multiset::default(), cfg, clock.clone());
        let mut log: Vec<(i64, i64)> = Vec::new();
        for (dt, v) in steps {
            clock.advance(dt);
            w.update(v).unwrap();
            log.push((cfg.pane_of(clock.now()).unwrap(), v));
            let h = cfg.pane_of(clock.now()).unwrap();
            let mut expect: Vec<i64> = log.iter().filter(|&&(p, _)| p > h - 5).map(|&(_, v)| v).collect();
            expect.sort_unstable();
            prop_assert_eq!(w.query_now().unwrap().sorted(), expect);
        }
    }
}

#[test]
fn config_validation_errors_are_clear() {
    let cases: [(f64, f64, &str); 7] = [
        (0.0, 1.0, "greater than zero"),
        (-5.0, 1.0, "greater than zero"),
        (f64::NAN, 1.0, "not a finite"),
        (10.0, 0.0, "greater than zero"),
        (10.0, f64::INFINITY, "not a finite"),
        (10.0, 20.0, "wider than the horizon"),
        (10.0, 3.0, "whole number of panes"),
    ];
    for (h, p, msg) in cases {
        let e = WindowConfig::new(h, p).unwrap_err();
        assert!(e.to_string().contains(msg), "{h} {p}: {e}");
    }
    assert_eq!(
        WindowConfig::with_panes(10.0, 0),
        Err(ConfigError::ZeroPanes)
    );
    assert!(matches!(
        WindowConfig::new(1e9, 1e-3),
        Err(ConfigError::TooManyPanes(_))
    ));
    let c = WindowConfig::new(0.3, 0.1).unwrap();
    assert_eq!(c.num_panes(), 3);
    let c = WindowConfig::with_panes(3600.0, 60).unwrap();
    assert_eq!((c.pane_width(), c.num_panes()), (60.0, 60));
    // A pane exactly as wide as the horizon is a one-pane window.
    assert_eq!(WindowConfig::new(5.0, 5.0).unwrap().num_panes(), 1);
}

#[test]
fn bad_timestamps_are_rejected_and_counted() {
    let cfg = WindowConfig::new(60.0, 10.0).unwrap();
    let mut w = SlidingWindow::new(Multiset::default(), cfg);
    for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300] {
        assert!(w.update_at(t, 1).is_err());
    }
    assert_eq!(w.rejected_bad_timestamp(), 4);
    assert!(w.advance_to(f64::NAN).is_err());
    assert_eq!(w.head_pane(), None, "bad times do not move the window");
    assert_eq!(w.query().unwrap().0, Vec::<i64>::new());
    assert_eq!(w.query_naive().unwrap().0, Vec::<i64>::new());
}

#[test]
fn horizon_boundaries_are_pane_aligned() {
    // 60 s horizon, 10 s panes. At any time in [100, 110) the window is
    // [50, 110): 50 is inside, 49.999 is not.
    let cfg = WindowConfig::new(60.0, 10.0).unwrap();
    let mut w = SlidingWindow::new(Multiset::default(), cfg);
    w.update_at(49.999, 1).unwrap();
    w.update_at(50.0, 2).unwrap();
    w.update_at(109.999, 3).unwrap();
    assert_eq!(w.query().unwrap().sorted(), vec![2, 3]);
    assert_eq!(
        (w.window_start(), w.window_end()),
        (Some(50.0), Some(110.0))
    );
    assert_eq!(w.expired_items(), 1);
    assert!(matches!(
        w.update_at(45.0, 9),
        Err(WindowError::Time(TimeError::TooOld { cutoff, .. })) if cutoff == 50.0
    ));
    // Querying at an earlier time answers for the head.
    assert_eq!(w.query_at(0.0).unwrap().sorted(), vec![2, 3]);
    assert_eq!(w.query_at(110.0).unwrap().sorted(), vec![3]);
    let counts: Vec<(f64, u64)> = w.pane_counts().collect();
    assert_eq!(counts.first(), Some(&(60.0, 0)));
    assert_eq!(counts.last(), Some(&(110.0, 0)));
    assert_eq!(counts[4], (100.0, 1));
    // A gap longer than the horizon empties the window.
    assert!(w.query_at(1000.0).unwrap().0.is_empty());
    assert!(w.is_empty());
    // Negative times work too (panes are floor-aligned).
    let mut w = SlidingWindow::new(Multiset::default(), cfg);
    w.update_at(-0.5, 7).unwrap();
    assert_eq!(w.head_pane(), Some(-1));
    assert_eq!(w.window_start(), Some(-60.0));
}

#[test]
fn merge_errors_are_reported_not_panicked() {
    let cfg = WindowConfig::new(4.0, 1.0).unwrap();
    let mut w = SlidingWindow::new(Picky::default(), cfg);
    w.update_at(0.5, false).unwrap();
    w.update_at(1.5, true).unwrap();
    // The head pane is poisoned: merging it into the answer fails.
    assert!(matches!(w.query(), Err(WindowError::Merge(_))));
    // Updates never merge, so they go on; queries fail, visibly, while the
    // poisoned pane is inside the horizon.
    w.update_at(2.5, false).unwrap();
    assert!(matches!(w.query(), Err(WindowError::Merge(_))));
    assert!(w.query_naive().is_err());
    assert!(w.query_at(4.5).is_err());
    assert_eq!(w.len(), 2); // the item at 0.5 has expired
    // Once it expires, the window answers again.
    assert_eq!(w.query_at(5.5).unwrap().n, 1);
    w.update_at(5.6, false).unwrap();
    assert_eq!(w.query().unwrap().n, 2);
    assert_eq!(w.len(), 2);
}

#[test]
fn one_pane_window() {
    let cfg = WindowConfig::new(5.0, 5.0).unwrap();
    let mut w = SlidingWindow::new(Multiset::default(), cfg);
    w.update_at(1.0, 1).unwrap();
    w.update_at(4.0, 2).unwrap();
    assert_eq!(w.query().unwrap().sorted(), vec![1, 2]);
    w.update_at(6.0, 3).unwrap();
    assert_eq!(w.query().unwrap().sorted(), vec![3]);
    assert!(w.update_at(4.9, 4).is_err());
    assert_eq!(w.query().unwrap().n(), 1);
}
