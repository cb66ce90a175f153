//! Serde round trips (bincode 2 and postcard) of windows, FIFOs and counters,
//! and refusal of inconsistent input.
#![cfg(feature = "serde")]

use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
use distilled_window::{
    BucketCounts, ExpiringFifo, SlidingWindow, SystemClock, WindowConfig, WindowSum,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A serialisable exact multiset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Bag(Vec<i64>);

impl Mergeable for Bag {
    fn merge(&mut self, o: &Self) -> Result<(), MergeError> {
        self.0.extend_from_slice(&o.0);
        Ok(())
    }
}
impl EmptyLike for Bag {
    fn empty_like(&self) -> Self {
        Bag(vec![])
    }
}
impl Update<i64> for Bag {
    fn update(&mut self, x: i64) {
        self.0.push(x)
    }
}

fn both<T: Serialize + DeserializeOwned>(v: &T) -> (T, T) {
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(v, cfg).unwrap();
    let (a, used) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(used, bytes.len());
    let pc = postcard::to_allocvec(v).unwrap();
    let b = postcard::from_bytes(&pc).unwrap();
    (a, b)
}

fn sorted(mut b: Bag) -> Vec<i64> {
    b.0.sort_unstable();
    b.0
}

#[test]
fn window_round_trips_and_keeps_working() {
    let cfg = WindowConfig::new(60.0, 10.0).unwrap();
    let mut w = SlidingWindow::new(Bag::default(), cfg);
    for i in 0..200i64 {
        let _ = w.update_at(i as f64 * 0.7 + (i % 7) as f64 * -3.0, i);
    }
    let empty = SlidingWindow::new(Bag::default(), cfg);
    let (e1, _) = both(&empty);
    let mut e1: SlidingWindow<Bag, SystemClock> = e1;
    assert!(e1.query().unwrap().0.is_empty());
    let (mut a, mut b): (SlidingWindow<Bag>, SlidingWindow<Bag>) = both(&w);
    let expect = sorted(w.query().unwrap());
    assert!(!expect.is_empty());
    for x in [&mut a, &mut b] {
        assert_eq!(sorted(x.query().unwrap()), expect);
        assert_eq!(x.len(), w.len());
        assert_eq!(x.rejected_too_old(), w.rejected_too_old());
        assert_eq!(x.expired_items(), w.expired_items());
    }
    // They continue exactly like the original.
    for i in 0..100i64 {
        let t = 140.0 + i as f64 * 0.9;
        let r = w.update_at(t, i).is_ok();
        assert_eq!(a.update_at(t, i).is_ok(), r);
        assert_eq!(b.update_at(t, i).is_ok(), r);
        if i % 13 == 0 {
            let e = sorted(w.query().unwrap());
            assert_eq!(sorted(a.query().unwrap()), e);
            assert_eq!(sorted(b.query().unwrap()), e);
        }
    }
    assert_eq!(
        sorted(a.query_naive().unwrap()),
        sorted(w.query_naive().unwrap())
    );
}

#[test]
fn inconsistent_windows_are_refused() {
    let cfg = WindowConfig::new(30.0, 10.0).unwrap();
    let mut w = SlidingWindow::new(Bag::default(), cfg);
    w.update_at(5.0, 1).unwrap();
    let json = serde_json_like(&w);
    // Drop one pane: 2 panes for a 3-pane window.
    let bad = json.replacen("\"panes\":[[],[],[1]]", "\"panes\":[[],[1]]", 1);
    assert_ne!(bad, json);
    assert!(from_json(&bad).is_err());
    // A horizon that is not a multiple of the pane.
    let bad = json.replacen("\"horizon\":30.0", "\"horizon\":35.0", 1);
    assert!(from_json(&bad).is_err());
    let bad = json.replacen("\"pane\":10.0", "\"pane\":-10.0", 1);
    assert!(from_json(&bad).is_err());
    assert!(from_json(&json).is_ok());
}

fn serde_json_like(w: &SlidingWindow<Bag>) -> String {
    serde_json::to_string(w).unwrap()
}

fn from_json(s: &str) -> Result<SlidingWindow<Bag>, serde_json::Error> {
    serde_json::from_str(s)
}

#[test]
fn fifo_and_counters_round_trip() {
    let mut f = ExpiringFifo::new(10.0, 5).unwrap();
    for i in 0..8u32 {
        let _ = f.push(f64::from(i), i);
    }
    f.expire(12.0, |_| ()).unwrap();
    let (a, b): (ExpiringFifo<u32>, ExpiringFifo<u32>) = both(&f);
    for x in [&a, &b] {
        assert_eq!(
            x.iter().map(|e| e.item).collect::<Vec<_>>(),
            f.iter().map(|e| e.item).collect::<Vec<_>>()
        );
        assert_eq!(x.watermark(), f.watermark());
        assert_eq!(x.evicted_total(), f.evicted_total());
    }
    let mut c = BucketCounts::new(4);
    c.add_n(2, 7).unwrap();
    let (a, b) = both(&c);
    assert_eq!((a.clone(), b), (c.clone(), c));
    let mut s = WindowSum::new();
    s.add(2.5).unwrap();
    let (a, _) = both(&s);
    assert_eq!(a, s);

    // Inconsistent input is refused.
    let j = serde_json::to_string(&f).unwrap();
    let bad = j.replacen("\"capacity\":5", "\"capacity\":1", 1);
    assert!(serde_json::from_str::<ExpiringFifo<u32>>(&bad).is_err());
    let bad = j.replacen("\"capacity\":5", "\"capacity\":0", 1);
    assert!(serde_json::from_str::<ExpiringFifo<u32>>(&bad).is_err());
    assert!(serde_json::from_str::<BucketCounts>("{\"counts\":[1,2],\"total\":4}").is_err());
    assert!(serde_json::from_str::<BucketCounts>("{\"counts\":[1,2],\"total\":3}").is_ok());
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    fn sample_bytes() -> Vec<u8> {
        let cfg = WindowConfig::new(30.0, 10.0).unwrap();
        let mut w = SlidingWindow::new(Bag::default(), cfg);
        for i in 0..20i64 {
            let _ = w.update_at(i as f64 * 2.0, i);
        }
        bincode::serde::encode_to_vec(&w, bincode::config::standard()).unwrap()
    }

    /// Whatever decodes must behave: queries, updates and advances never
    /// panic, and the two query paths agree. (Pane item counts cannot be
    /// checked against opaque sketches, so `len()` trusts the bytes.)
    fn exercise(mut w: SlidingWindow<Bag>) {
        let a = w.query().map(sorted);
        let b = w.query_naive().map(sorted);
        if let (Ok(a), Ok(b)) = (a, b) {
            assert_eq!(a, b);
        }
        let end = w.window_end().unwrap_or(0.0);
        let _ = w.update_at(end - 1.0, 5);
        let _ = w.update_at(end + 25.0, 6);
        let _ = w.query();
        let _ = w.advance_to(end + 1e6);
        assert!(w.query().unwrap().0.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let cfg = bincode::config::standard();
            if let Ok((w, _)) = bincode::serde::decode_from_slice::<SlidingWindow<Bag>, _>(&bytes, cfg) {
                exercise(w);
            }
            let _ = postcard::from_bytes::<ExpiringFifo<u32>>(&bytes);
            let _ = postcard::from_bytes::<BucketCounts>(&bytes);
        }

        #[test]
        fn mutated_bytes_never_panic(
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = sample_bytes();
            for (at, v) in edits {
                let i = at.index(bytes.len());
                bytes[i] = v;
            }
            if truncate {
                let n = cut.index(bytes.len());
                bytes.truncate(n);
            }
            let cfg = bincode::config::standard();
            if let Ok((w, _)) = bincode::serde::decode_from_slice::<SlidingWindow<Bag>, _>(&bytes, cfg) {
                exercise(w);
            }
        }
    }
}
