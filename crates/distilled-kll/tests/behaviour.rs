//! Exact answers for small inputs, the C++ search semantics, weights, merges,
//! reproducibility, generic items, the non-finite policy and error cases.

use distilled_core::{
    DataSketchesFormat, EmptyLike, Mergeable, QuantileSketch, QueryError, Update,
};
use distilled_kll::{KllSketch, SearchCriteria};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const INC: SearchCriteria = SearchCriteria::Inclusive;
const EXC: SearchCriteria = SearchCriteria::Exclusive;

/// Brute-force C++ semantics over a plain list.
fn exact_quantile(sorted: &[f64], r: f64, c: SearchCriteria) -> f64 {
    let n = sorted.len() as f64;
    let idx = match c {
        SearchCriteria::Inclusive => {
            let w = (r * n).ceil() as usize;
            w.max(1) - 1
        }
        SearchCriteria::Exclusive => (r * n) as usize,
    };
    sorted[idx.min(sorted.len() - 1)]
}

#[test]
fn exact_below_k() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let xs: Vec<f64> = (0..200)
        .map(|_| (rng.random::<f64>() * 50.0).floor())
        .collect();
    let mut sk = KllSketch::<f64>::builder().seed(1).build().unwrap();
    sk.update_slice(&xs);
    assert!(!sk.is_estimation_mode());
    let mut sorted = xs.clone();
    sorted.sort_by(f64::total_cmp);
    for i in 0..=100 {
        let r = f64::from(i) / 100.0;
        for c in [INC, EXC] {
            assert_eq!(
                sk.quantile(r, c).unwrap(),
                exact_quantile(&sorted, r, c),
                "r={r} {c:?}"
            );
        }
    }
    for v in [-1.0, 0.0, 10.0, 10.5, 49.0, 60.0] {
        let le = sorted.iter().filter(|&&x| x <= v).count() as f64 / 200.0;
        let lt = sorted.iter().filter(|&&x| x < v).count() as f64 / 200.0;
        assert_eq!(sk.rank(&v, INC).unwrap(), le);
        assert_eq!(sk.rank(&v, EXC).unwrap(), lt);
    }
    let cdf = sk.cdf(&[10.0, 20.0], INC).unwrap();
    assert_eq!(cdf.len(), 3);
    assert_eq!(cdf[2], 1.0);
    let pmf = sk.pmf(&[10.0, 20.0], EXC).unwrap();
    assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // The sorted view holds every item once with weight 1.
    let view: Vec<(f64, u64)> = sk.sorted_view().unwrap().iter().collect();
    assert_eq!(view.iter().map(|p| p.0).collect::<Vec<_>>(), sorted);
    assert!(view.iter().all(|p| p.1 == 1));
}

#[test]
fn compaction_keeps_the_datasketches_layout() {
    let mut sk = KllSketch::<f64>::builder().seed(5).build().unwrap();
    for i in 0..200 {
        sk.update(f64::from(i));
    }
    assert_eq!((sk.num_levels(), sk.num_retained()), (1, 200));
    sk.update(200.0);
    // Lazy compaction: N=201 has 2 levels, 1 item at level 0 and 100 at level 1.
    assert_eq!((sk.num_levels(), sk.num_retained()), (2, 101));
    // 20 + 4 * levels + (retained + 2) * 8.
    assert_eq!(sk.to_datasketches_bytes().len(), 852);
    let mut small = KllSketch::<f32>::builder().k(8).seed(5).build().unwrap();
    for i in 1..=39 {
        small.update(i as f32);
    }
    let weights: u64 = small.iter().map(|p| p.1).sum();
    assert_eq!(weights, 39);
    let mut f = KllSketch::<f32>::builder().seed(5).build().unwrap();
    f.update_slice(&(0..201).map(|i| i as f32).collect::<Vec<_>>());
    assert_eq!(f.to_datasketches_bytes().len(), 440);
}

#[test]
fn empty_and_invalid_queries_are_errors() {
    let sk = KllSketch::<f64>::new();
    assert_eq!(sk.quantile(0.5, INC), Err(QueryError::Empty));
    assert_eq!(sk.rank(&1.0, INC), Err(QueryError::Empty));
    assert_eq!(sk.cdf(&[1.0], INC), Err(QueryError::Empty));
    assert_eq!(sk.pmf(&[1.0], INC), Err(QueryError::Empty));
    assert!(sk.sorted_view().is_err());
    assert_eq!(sk.min_item(), None);
    let mut sk = KllSketch::<f64>::new();
    sk.update(1.0);
    assert!(matches!(
        sk.quantile(1.5, INC),
        Err(QueryError::RankOutOfRange(_))
    ));
    assert!(matches!(
        sk.quantile(f64::NAN, INC),
        Err(QueryError::RankOutOfRange(_))
    ));
    assert!(matches!(
        sk.quantiles(&[0.5, -0.1], INC),
        Err(QueryError::RankOutOfRange(_))
    ));
    assert!(matches!(
        sk.cdf(&[2.0, 1.0], INC),
        Err(QueryError::InvalidSplitPoints(_))
    ));
    assert!(matches!(
        sk.pmf(&[1.0, 1.0], INC),
        Err(QueryError::InvalidSplitPoints(_))
    ));
    assert!(matches!(
        sk.cdf(&[f64::NAN], INC),
        Err(QueryError::InvalidSplitPoints(_))
    ));
    assert!(matches!(
        sk.cdf(&[f64::INFINITY], INC),
        Err(QueryError::InvalidSplitPoints(_))
    ));
    assert!(matches!(
        sk.rank(&f64::NAN, INC),
        Err(QueryError::NonFiniteArgument(_))
    ));
    assert!(KllSketch::<f64>::with_k(7).is_err());
    assert!(KllSketch::<f64>::with_k(65_536).is_err());
    assert!(KllSketch::<f64>::with_k(8).is_ok());
    assert!(KllSketch::<f64>::with_k(65_535).is_ok());
}

#[test]
fn non_finite_policy() {
    let mut sk = KllSketch::<f64>::new();
    sk.update(f64::NAN);
    sk.update(f64::INFINITY);
    sk.update_slice(&[1.0, f64::NEG_INFINITY, 2.0]);
    sk.update_weighted(f64::NAN, 5);
    assert_eq!(sk.n(), 2);
    assert_eq!(sk.rejected_non_finite(), 4);
    assert!(sk.try_update(f64::NAN).is_err());
    assert_eq!(sk.rejected_non_finite(), 4);
    assert!(sk.try_update(3.0).is_ok());
    assert_eq!(sk.max_item(), Some(3.0));
    let mut f = KllSketch::<f32>::new();
    f.update(f32::NAN);
    assert_eq!((f.n(), f.rejected_non_finite()), (0, 1));
    // Both zeros rank as equal.
    let mut z = KllSketch::<f64>::new();
    z.update_slice(&[-0.0, 0.0, 1.0]);
    assert_eq!(z.rank(&0.0, INC).unwrap(), 2.0 / 3.0);
    assert_eq!(z.rank(&-0.0, INC).unwrap(), 2.0 / 3.0);
    assert_eq!(z.rank(&0.0, EXC).unwrap(), 0.0);
}

#[test]
fn weighted_updates_are_logarithmic_and_accurate() {
    let mut sk = KllSketch::<f64>::builder().seed(3).build().unwrap();
    sk.update_weighted(1.0, 0);
    assert!(sk.is_empty());
    sk.update_weighted(5.0, 1 << 40);
    assert_eq!(sk.n(), 1 << 40);
    assert!(sk.num_retained() <= 2);
    sk.update_weighted(7.0, (1 << 40) + 3);
    assert_eq!(sk.n(), (1 << 41) + 3);
    assert!(sk.num_retained() <= 6);
    assert_eq!(
        sk.rank(&5.0, INC).unwrap(),
        (1u64 << 40) as f64 / sk.n() as f64
    );
    let total: u64 = sk.iter().map(|p| p.1).sum();
    assert_eq!(total, sk.n());

    // Against the expanded stream: many weighted items, rank error within bound.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut w = KllSketch::<f64>::builder().seed(4).build().unwrap();
    let mut pairs = vec![];
    for _ in 0..20_000 {
        let x = (rng.random::<f64>() * 1000.0).floor();
        let wt = rng.random_range(1..=1000u64);
        w.update_weighted(x, wt);
        pairs.push((x, wt));
    }
    let total: u64 = pairs.iter().map(|p| p.1).sum();
    assert_eq!(w.n(), total);
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let view = w.sorted_view().unwrap();
    let mut acc = 0u64;
    let mut worst: f64 = 0.0;
    for (i, p) in pairs.iter().enumerate() {
        acc += p.1;
        if i + 1 == pairs.len() || pairs[i + 1].0 != p.0 {
            let truth = acc as f64 / total as f64;
            worst = worst.max((view.rank(&p.0, INC) - truth).abs());
        }
    }
    assert!(
        worst <= w.normalized_rank_error(false),
        "weighted rank error {worst}"
    );
    // Weight 1 is the ordinary update.
    let mut a = KllSketch::<f64>::builder().seed(8).build().unwrap();
    let mut b = KllSketch::<f64>::builder().seed(8).build().unwrap();
    for i in 0..5000 {
        a.update(f64::from(i));
        b.update_weighted(f64::from(i), 1);
    }
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
}

#[test]
fn seeded_sketches_reproduce_bytes_after_1e6_updates_and_merges() {
    fn run() -> (Vec<u8>, Vec<u8>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
        let xs: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
        let mut a = KllSketch::<f64>::builder().seed(99).build().unwrap();
        for &x in &xs[..500_000] {
            a.update(x);
        }
        let mut parts = a.empty_like();
        for chunk in xs[500_000..].chunks(50_000) {
            let mut p = parts.empty_like();
            p.update_slice(chunk);
            parts.merge(&p).unwrap();
        }
        a.merge(&parts).unwrap();
        a.update_weighted(0.5, 12_345);
        assert_eq!(a.n(), 1_000_000 + 12_345);
        let mut f = KllSketch::<f32>::builder().seed(5).build().unwrap();
        f.update_slice(&xs.iter().map(|&x| x as f32).collect::<Vec<_>>());
        (a.to_datasketches_bytes(), f.to_datasketches_bytes())
    }
    let first = run();
    assert_eq!(first, run());
    // A different seed gives different bytes (the coin matters).
    let mut a = KllSketch::<f64>::builder().seed(1).build().unwrap();
    let mut b = KllSketch::<f64>::builder().seed(2).build().unwrap();
    let xs: Vec<f64> = (0..10_000).map(f64::from).collect();
    a.update_slice(&xs);
    b.update_slice(&xs);
    assert_ne!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
    assert_eq!(a.num_retained(), b.num_retained());
}

#[test]
fn batch_and_single_updates_agree() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let xs: Vec<f64> = (0..77_777).map(|_| rng.random::<f64>() - 0.5).collect();
    let mut a = KllSketch::<f64>::builder().k(57).seed(6).build().unwrap();
    let mut b = KllSketch::<f64>::builder().k(57).seed(6).build().unwrap();
    for &x in &xs {
        a.update(x);
    }
    for chunk in xs.chunks(1234) {
        b.update_slice(chunk);
    }
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
}

#[test]
fn merge_edge_cases() {
    let mut a = KllSketch::<f64>::builder().seed(1).build().unwrap();
    let empty = KllSketch::<f64>::new();
    a.merge(&empty).unwrap();
    assert!(a.is_empty());
    let mut b = KllSketch::<f64>::builder().seed(2).build().unwrap();
    b.update_slice(&(0..1000).map(f64::from).collect::<Vec<_>>());
    a.merge(&b).unwrap();
    assert_eq!(
        (a.n(), a.min_item(), a.max_item()),
        (1000, Some(0.0), Some(999.0))
    );
    // Self-merge through a clone doubles every weight.
    let c = a.clone();
    a.merge(&c).unwrap();
    assert_eq!(a.n(), 2000);
    assert!((a.rank(&499.0, INC).unwrap() - 0.5).abs() <= a.normalized_rank_error(false));
    // Generic trait use, as the window and ingest layers do.
    fn fold<S: Mergeable + EmptyLike + Update<f64>>(proto: &S, xs: &[f64]) -> S {
        let mut acc = proto.empty_like();
        for chunk in xs.chunks(10) {
            let mut s = proto.empty_like();
            for &x in chunk {
                s.update(x);
            }
            acc.merge(&s).unwrap();
        }
        acc
    }
    let folded = fold(&a, &(0..100).map(f64::from).collect::<Vec<_>>());
    assert_eq!(QuantileSketch::n(&folded), 100);
    assert_eq!(QuantileSketch::quantile(&folded, 0.5, INC).unwrap(), 49.0);
}

#[test]
fn generic_items_integers_and_strings() {
    let mut ints = KllSketch::<i64>::builder().seed(1).build().unwrap();
    for i in (0..50_000i64).rev() {
        ints.update(i - 25_000);
    }
    assert_eq!(ints.min_item(), Some(-25_000));
    assert_eq!(ints.max_item(), Some(24_999));
    let med = ints.quantile(0.5, INC).unwrap();
    assert!((med as f64).abs() <= 0.0133 * 50_000.0);
    let mut words = KllSketch::<String>::builder()
        .k(50)
        .seed(2)
        .build()
        .unwrap();
    for i in 0..5_000 {
        words.update(format!("w{:05}", (i * 7919) % 5_000));
    }
    assert_eq!(words.min_item().as_deref(), Some("w00000"));
    assert_eq!(words.max_item().as_deref(), Some("w04999"));
    let r = words.rank(&"w02500".to_string(), INC).unwrap();
    assert!((r - 0.5).abs() <= words.normalized_rank_error(false));
    let mut other = words.empty_like();
    other.update("zzz".to_string());
    words.merge(&other).unwrap();
    assert_eq!(words.max_item().as_deref(), Some("zzz"));
    let mut u = KllSketch::<u32>::new();
    u.update_slice(&[3, 1, 2]);
    assert_eq!(u.cdf(&[1, 2], EXC).unwrap(), vec![0.0, 1.0 / 3.0, 1.0]);
}

#[test]
fn bounds_bracket_the_estimate() {
    let mut sk = KllSketch::<f64>::builder().seed(12).build().unwrap();
    sk.update_slice(&(0..100_000).map(f64::from).collect::<Vec<_>>());
    for r in [0.0, 0.1, 0.5, 0.99, 1.0] {
        let lo = sk.quantile_lower_bound(r, INC).unwrap();
        let hi = sk.quantile_upper_bound(r, INC).unwrap();
        let q = sk.quantile(r, INC).unwrap();
        assert!(lo <= q && q <= hi);
        let truth = (r * 100_000.0).ceil().max(1.0) - 1.0;
        assert!(
            lo <= truth + 1.0 && truth <= hi + 1.0,
            "r={r} {lo} {truth} {hi}"
        );
        assert!(sk.rank_lower_bound(r) <= r && r <= sk.rank_upper_bound(r));
    }
}

#[test]
fn empty_like_siblings_get_distinct_reproducible_seeds() {
    let xs: Vec<f64> = (0..10_000).map(|i| f64::from(i).sin()).collect();
    let bytes_of = |proto: &KllSketch<f64>| {
        let mut s = proto.empty_like();
        s.update_slice(&xs);
        s.to_datasketches_bytes()
    };
    let p1 = KllSketch::<f64>::builder().seed(5).build().unwrap();
    let p2 = KllSketch::<f64>::builder().seed(5).build().unwrap();
    let (a1, b1) = (bytes_of(&p1), bytes_of(&p1));
    let (a2, b2) = (bytes_of(&p2), bytes_of(&p2));
    // Siblings differ (their coins are independent)...
    assert_ne!(a1, b1);
    // ...and the same sequence of calls reproduces them.
    assert_eq!((a1, b1), (a2, b2));
    assert!(p1.empty_like().seed().is_some());
    assert!(KllSketch::<f64>::new().empty_like().seed().is_none());
}

#[test]
fn clone_from_over_another_sketch_behaves_as_a_clone() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let xs: Vec<f64> = (0..60_000).map(|_| rng.random::<f64>()).collect();
    let mut source = KllSketch::<f64>::builder().k(120).seed(3).build().unwrap();
    source.update_slice(&xs[..20_000]);
    // A target with another k, seed, more levels and more items: every field
    // must be overwritten, whatever memory it keeps.
    let mut target = KllSketch::<f64>::builder().k(300).seed(8).build().unwrap();
    target.update_slice(&xs);
    target.update_weighted(7.0, 1000);
    target.clone_from(&source);
    let mut clone = source.clone();
    assert_eq!(
        target.to_datasketches_bytes(),
        clone.to_datasketches_bytes()
    );
    // The same future too: level capacities, the coin and the seed of
    // `empty_like` children come along.
    target.update_slice(&xs[20_000..]);
    clone.update_slice(&xs[20_000..]);
    assert_eq!(
        target.to_datasketches_bytes(),
        clone.to_datasketches_bytes()
    );
    let (mut a, mut b) = (target.empty_like(), clone.empty_like());
    a.update_slice(&xs);
    b.update_slice(&xs);
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
}
