//! Property tests: the FIFO and counters against a naive model that keeps
//! every item and filters by time on demand.

use distilled_window::{BucketCounts, ExpiringFifo, KeyedCounts, WindowSum};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Push(f64, usize),
    Expire(f64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    // Times on a coarse grid so ties and exact boundaries happen often.
    let t = (0u32..400).prop_map(|x| f64::from(x) * 0.25);
    prop::collection::vec(
        prop_oneof![
            4 => (t.clone(), 0usize..8).prop_map(|(t, b)| Op::Push(t, b)),
            1 => t.prop_map(Op::Expire),
        ],
        0..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Counters fed by push/expire/evict always equal counts recomputed from
    /// the FIFO's content, and the content equals the model's.
    #[test]
    fn fifo_and_counters_match_model(ops in ops(), horizon in 1u32..40, cap in 1usize..30) {
        let horizon = f64::from(horizon) * 0.5;
        let mut fifo = ExpiringFifo::new(horizon, cap).unwrap();
        let mut counts = BucketCounts::new(8);
        let mut keyed = KeyedCounts::new();
        let mut sums = WindowSum::new();
        // Model: the kept items in time order (stable for ties).
        let mut model: Vec<(f64, usize, u64)> = Vec::new();
        let mut watermark: Option<f64> = None;
        let mut seq = 0u64;
        for op in ops {
            match op {
                Op::Push(t, b) => {
                    seq += 1;
                    let too_old = watermark.is_some_and(|w| t <= w - horizon);
                    let r = fifo.push(t, (b, seq));
                    if too_old {
                        prop_assert!(r.is_err());
                        continue;
                    }
                    counts.add(b).unwrap();
                    keyed.add(b).unwrap();
                    sums.add(b as f64).unwrap();
                    let at = model.partition_point(|e| e.0 <= t);
                    model.insert(at, (t, b, seq));
                    let mut expect_evicted = None;
                    if model.len() > cap {
                        expect_evicted = Some(model.remove(0));
                    }
                    let got = r.unwrap();
                    prop_assert_eq!(got.map(|e| (e.timestamp, e.item.0, e.item.1)), expect_evicted);
                    if let Some(e) = got {
                        counts.subtract(e.item.0).unwrap();
                        keyed.subtract(&e.item.0).unwrap();
                        sums.subtract(e.item.0 as f64).unwrap();
                    }
                }
                Op::Expire(now) => {
                    if watermark.is_none_or(|w| now > w) {
                        watermark = Some(now);
                    }
                    let cutoff = watermark.unwrap() - horizon;
                    let n_gone = model.iter().take_while(|e| e.0 <= cutoff).count();
                    let gone: Vec<_> = model.drain(..n_gone).collect();
                    let mut seen = Vec::new();
                    let n = fifo.expire(now, |e| {
                        counts.subtract(e.item.0).unwrap();
                        keyed.subtract(&e.item.0).unwrap();
                        sums.subtract(e.item.0 as f64).unwrap();
                        seen.push((e.timestamp, e.item.0, e.item.1));
                    }).unwrap();
                    prop_assert_eq!(n, gone.len());
                    prop_assert_eq!(seen, gone);
                }
            }
            let content: Vec<_> = fifo.iter().map(|e| (e.timestamp, e.item.0, e.item.1)).collect();
            prop_assert_eq!(&content, &model);
            prop_assert!(fifo.len() <= cap);
            prop_assert_eq!(fifo.oldest_timestamp(), model.first().map(|e| e.0));
            prop_assert_eq!(fifo.newest_timestamp(), model.last().map(|e| e.0));
            let mut expect = [0u64; 8];
            for e in &model { expect[e.1] += 1; }
            prop_assert_eq!(counts.counts(), &expect[..]);
            prop_assert_eq!(counts.total(), model.len() as u64);
            prop_assert_eq!(keyed.total(), model.len() as u64);
            prop_assert_eq!(keyed.num_keys(), expect.iter().filter(|&&c| c > 0).count());
            prop_assert_eq!(sums.count(), model.len() as u64);
            // Small integers: the compensated sum is exact.
            prop_assert_eq!(sums.sum(), model.iter().map(|e| e.1 as f64).sum::<f64>());
        }
    }
}

#[test]
fn an_item_at_the_watermark_stays_where_the_horizon_is_below_the_f64_spacing() {
    // 1e300 - 3600 == 1e300: the cutoff must still lie below the watermark.
    let mut f = ExpiringFifo::new(3600.0, 16).unwrap();
    assert!(f.push(1e300, 'a').unwrap().is_none());
    assert_eq!(f.expire(1e300, |_| {}).unwrap(), 0);
    assert_eq!(f.len(), 1);
    assert!(f.cutoff().unwrap() < 1e300);
    // A second item at the same time is accepted; an older one is late.
    assert!(f.push(1e300, 'b').is_ok());
    assert!(f.push(1e299, 'c').is_err());
    // The next representable time expires both.
    assert_eq!(f.expire(1e300_f64.next_up(), |_| {}).unwrap(), 2);
}
