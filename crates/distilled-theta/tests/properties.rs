//! Accuracy over many trials, set operations against exact answers, core
//! traits, serde, legacy formats and hostile bytes.

use distilled_core::hash::{DEFAULT_SEED, MAX_THETA};
use distilled_core::{
    DataSketchesFormat, DecodeError, DistinctCount, EmptyLike, MergeError, Mergeable, NumStdDev,
    Update,
};
use distilled_theta::{
    CompactThetaSketch, ThetaIntersection, ThetaSketch, ThetaUnion, a_not_b, jaccard,
};
use proptest::prelude::*;

/// Keys of trial `t`: disjoint across trials, so each trial is an
/// independent experiment.
fn keys(t: u64, n: u64) -> Vec<u64> {
    (0..n).map(|i| (t << 40) | i).collect()
}

/// Trials at lg_k 12 (300 each at 1e5 and 1e6 distinct, more than the 100
/// asked for, to keep the sampling noise of the checks themselves small).
///
/// The documented RSE `1/sqrt(k-1)` is that of a sketch holding exactly `k`
/// entries, so it is checked on the trimmed sketch; the untrimmed table
/// holds between `k` and `15k/8` entries and must be no worse. The 2-sd
/// bounds (computed from the entries actually held) must cover the truth in
/// at least 93% of trials.
#[test]
fn accuracy_over_many_trials() {
    let k = 4096.0f64;
    let rse_theory = 1.0 / (k - 1.0).sqrt();
    for n in [100_000u64, 1_000_000] {
        let trials = 300;
        let (mut sq, mut sq_trim, mut cover2, mut cover1, mut cover2_trim) = (0.0, 0.0, 0, 0, 0);
        let nf = n as f64;
        for t in 0..trials {
            let mut s = ThetaSketch::new(12).unwrap();
            s.update_many(&keys(t + 1, n));
            sq += ((s.estimate() - nf) / nf).powi(2);
            cover2 += usize::from(
                s.lower_bound(NumStdDev::Two) <= nf && nf <= s.upper_bound(NumStdDev::Two),
            );
            cover1 += usize::from(
                s.lower_bound(NumStdDev::One) <= nf && nf <= s.upper_bound(NumStdDev::One),
            );
            s.trim();
            assert_eq!(s.num_retained(), 4096);
            sq_trim += ((s.estimate() - nf) / nf).powi(2);
            cover2_trim += usize::from(
                s.lower_bound(NumStdDev::Two) <= nf && nf <= s.upper_bound(NumStdDev::Two),
            );
        }
        let rse = (sq / trials as f64).sqrt();
        let rse_trim = (sq_trim / trials as f64).sqrt();
        let c2 = cover2 as f64 / trials as f64;
        let c1 = cover1 as f64 / trials as f64;
        let c2_trim = cover2_trim as f64 / trials as f64;
        eprintln!(
            "n={n}: rse trimmed {rse_trim:.5} untrimmed {rse:.5} (theory {rse_theory:.5}), cover 2sd {c2:.3} (trimmed {c2_trim:.3}) 1sd {c1:.3}"
        );
        assert!(
            (rse_trim - rse_theory).abs() <= 0.10 * rse_theory,
            "n={n}: trimmed rse {rse_trim} vs {rse_theory}"
        );
        assert!(rse <= 1.10 * rse_theory, "n={n}: rse {rse} vs {rse_theory}");
        assert!(c2_trim >= 0.93, "n={n}: trimmed 2-sd coverage {c2_trim}");
        assert!(c2 >= 0.90, "n={n}: 2-sd coverage {c2}");
        assert!((0.55..=0.82).contains(&c1), "n={n}: 1-sd coverage {c1}");
    }
    // 1e3 distinct is below k: exact, bounds equal the count.
    for t in 0..100 {
        let mut s = ThetaSketch::new(12).unwrap();
        s.update_many(&keys(t + 1, 1000));
        assert_eq!(s.estimate(), 1000.0);
        assert!(!s.is_estimation_mode());
        assert_eq!(s.lower_bound(NumStdDev::Two), 1000.0);
        assert_eq!(s.upper_bound(NumStdDev::Two), 1000.0);
    }
}

/// At 1e3 distinct with a small k (lg_k 5), the estimator is in estimation
/// mode and must still meet its error figures.
#[test]
fn accuracy_small_k_at_1e3() {
    let k = 32.0f64;
    let theory = 1.0 / (k - 1.0).sqrt();
    let trials = 400;
    let (mut sq, mut cover2) = (0.0, 0);
    for t in 0..trials {
        let mut s = ThetaSketch::new(5).unwrap();
        s.update_many(&keys(t + 1, 1000));
        sq += ((s.estimate() - 1000.0) / 1000.0).powi(2);
        cover2 += usize::from(
            s.lower_bound(NumStdDev::Two) <= 1000.0 && 1000.0 <= s.upper_bound(NumStdDev::Two),
        );
    }
    let rse = (sq / trials as f64).sqrt();
    // The table keeps between k and 15k/8 entries, so the error is at most
    // the theory figure (and well above half of it).
    assert!(
        rse <= 1.10 * theory && rse >= 0.5 * theory,
        "rse {rse} vs {theory}"
    );
    assert!(cover2 as f64 >= 0.93 * trials as f64, "{cover2}/{trials}");
}

#[test]
fn overlapping_union_and_intersection_within_bounds() {
    let mut inside = (0, 0, 0);
    let trials = 40;
    for t in 0..trials {
        let base = (t as u64 + 1) << 40;
        let mut a = ThetaSketch::new(12).unwrap();
        let mut b = ThetaSketch::new(12).unwrap();
        a.update_many(&(base..base + 300_000).collect::<Vec<_>>());
        b.update_many(&(base + 200_000..base + 500_000).collect::<Vec<_>>());
        let mut u = ThetaUnion::new(12).unwrap();
        u.update(&a).unwrap();
        u.update(&b.compact(false)).unwrap();
        let ur = u.result(true);
        let mut x = ThetaIntersection::new(DEFAULT_SEED).unwrap();
        x.update(&a).unwrap();
        x.update(&b).unwrap();
        let xr = x.result().unwrap();
        let d = a_not_b(&a, &b, true).unwrap();
        let within = |c: &CompactThetaSketch, truth: f64| {
            c.lower_bound(NumStdDev::Two) <= truth && truth <= c.upper_bound(NumStdDev::Two)
        };
        inside.0 += usize::from(within(&ur, 500_000.0));
        inside.1 += usize::from(within(&xr, 100_000.0));
        inside.2 += usize::from(within(&d, 200_000.0));
        assert!((ur.estimate() / 500_000.0 - 1.0).abs() < 0.08);
        assert!((xr.estimate() / 100_000.0 - 1.0).abs() < 0.25);
        let j = jaccard(&a, &b).unwrap();
        assert!(j.lower <= j.estimate && j.estimate <= j.upper);
        assert!((j.estimate - 0.2).abs() < 0.06, "{j:?}");
    }
    assert!(
        inside.0 >= 36 && inside.1 >= 36 && inside.2 >= 36,
        "{inside:?}"
    );
}

/// Jaccard bounds (2 standard deviations, about 95% nominal) cover the true
/// similarity in most trials at every overlap, the estimate is unbiased to
/// within its noise, and the interval narrows with k. 150 independent trials
/// per configuration, keys hashed from disjoint ranges per trial.
#[test]
fn jaccard_bounds_cover_the_truth_over_many_seeds() {
    // (lg_k, |A|, |B|, overlap): similarity overlap / (|A| + |B| - overlap).
    let configs = [
        (7u8, 6_000u64, 6_000u64, 3_000u64),
        (9, 20_000, 20_000, 1_000),
        (9, 20_000, 10_000, 9_000),
        (10, 30_000, 30_000, 27_000),
        (6, 3_000, 5_000, 2_000),
    ];
    let trials = 150u64;
    let mut mean_width = Vec::new();
    for (ci, &(lg_k, na, nb, overlap)) in configs.iter().enumerate() {
        let truth = overlap as f64 / (na + nb - overlap) as f64;
        let (mut covered, mut sum, mut width) = (0u64, 0.0, 0.0);
        for t in 0..trials {
            let base = ((ci as u64) << 50) | ((t + 1) << 32);
            let mut a = ThetaSketch::new(lg_k).unwrap();
            let mut b = ThetaSketch::new(lg_k).unwrap();
            a.update_many(&(base..base + na).collect::<Vec<_>>());
            let b_start = base + na - overlap;
            b.update_many(&(b_start..b_start + nb).collect::<Vec<_>>());
            let j = jaccard(&a, &b).unwrap();
            assert!(
                0.0 <= j.lower && j.lower <= j.estimate && j.estimate <= j.upper && j.upper <= 1.0,
                "{j:?}"
            );
            covered += u64::from(j.lower <= truth && truth <= j.upper);
            sum += j.estimate;
            width += j.upper - j.lower;
        }
        let mean = sum / trials as f64;
        // The union keeps at least min(k, |A ∪ B|)-ish samples, so the
        // estimate's standard error is below sqrt(J(1-J)/k_min); its mean
        // over 150 trials is much closer still.
        let se = (truth * (1.0 - truth) / (1u64 << lg_k) as f64).sqrt();
        assert!(
            (mean - truth).abs() < 4.0 * se / (trials as f64).sqrt() + 0.01 * truth,
            "config {ci}: mean {mean} truth {truth}"
        );
        assert!(
            covered as f64 >= 0.88 * trials as f64,
            "config {ci}: covered {covered}/{trials}"
        );
        mean_width.push(width / trials as f64);
    }
    // Same similarity 0.5-ish at lg_k 7 vs the larger sketches: wider.
    assert!(mean_width[0] > mean_width[3], "{mean_width:?}");
}

#[test]
fn exact_set_operations_and_corner_cases() {
    let mut a = ThetaSketch::new(12).unwrap();
    let mut b = ThetaSketch::new(12).unwrap();
    (0..1000u64).for_each(|i| a.update(i));
    (500..1500u64).for_each(|i| b.update(i));
    let mut x = ThetaIntersection::new(DEFAULT_SEED).unwrap();
    assert!(x.result().is_none());
    x.update(&a).unwrap();
    x.update(&b).unwrap();
    assert_eq!(x.result().unwrap().estimate(), 500.0);
    assert_eq!(a_not_b(&a, &b, true).unwrap().estimate(), 500.0);
    assert_eq!(jaccard(&a, &b).unwrap().estimate, 500.0 / 1500.0);
    assert_eq!(jaccard(&a, &a).unwrap().estimate, 1.0);
    let empty = ThetaSketch::new(12).unwrap();
    assert!(a_not_b(&empty, &a, true).unwrap().is_empty());
    assert_eq!(a_not_b(&a, &empty, true).unwrap().estimate(), 1000.0);
    let mut xe = ThetaIntersection::new(DEFAULT_SEED).unwrap();
    xe.update(&a).unwrap();
    xe.update(&empty).unwrap();
    assert!(xe.result().unwrap().is_empty());
    assert_eq!(jaccard(&empty, &empty).unwrap().estimate, 1.0);
    assert_eq!(jaccard(&a, &empty).unwrap().estimate, 0.0);
    // Seed mismatch is an error value everywhere.
    let mut other = ThetaSketch::builder().seed(1).build().unwrap();
    other.update(1u64);
    let mut u = ThetaUnion::new(12).unwrap();
    assert!(matches!(
        u.update(&other),
        Err(MergeError::SeedMismatch { .. })
    ));
    assert!(matches!(
        x.update(&other),
        Err(MergeError::SeedMismatch { .. })
    ));
    assert!(a_not_b(&a, &other, true).is_err());
    assert!(jaccard(&a, &other).is_err());
    let before = a.estimate();
    assert!(a.merge(&other).is_err());
    assert_eq!(a.estimate(), before);
    // Empty strings and slices are ignored; floats are canonical.
    let mut s = ThetaSketch::new(12).unwrap();
    s.update("");
    s.update(&b""[..]);
    assert!(s.is_empty());
    s.update(-0.0f64);
    s.update(0.0f64);
    s.update(f64::NAN);
    s.update(-f64::NAN);
    assert_eq!(s.estimate(), 2.0);
}

#[test]
fn core_traits_behave() {
    let mut a = ThetaSketch::new(10).unwrap();
    let mut b = a.empty_like();
    for i in 0..20_000u64 {
        Update::update(&mut a, i);
    }
    for i in 10_000..30_000u64 {
        b.update(i);
    }
    let mut via_union = ThetaUnion::new(10).unwrap();
    via_union.update(&a).unwrap();
    via_union.update(&b).unwrap();
    let mut m = a.clone();
    m.merge(&b).unwrap();
    m.trim();
    let truth = 30_000.0;
    assert!((m.estimate() / truth - 1.0).abs() < 0.12);
    assert!(m.lower_bound(NumStdDev::Three) <= truth && truth <= m.upper_bound(NumStdDev::Three));
    let e = a.empty_like();
    assert!(DistinctCount::is_empty(&e) && e.lg_k() == 10);
    // Compact merge (no size limit) equals the hash-level union below theta.
    let mut ca = a.compact(true);
    ca.merge(&b.compact(false)).unwrap();
    let theta = a.theta64().min(b.theta64());
    let mut expect: Vec<u64> = a
        .hashes()
        .chain(b.hashes())
        .filter(|&h| h < theta)
        .collect();
    expect.sort_unstable();
    expect.dedup();
    assert_eq!(ca.hashes().collect::<Vec<_>>(), expect);
    // Union merge.
    let mut u2 = via_union.empty_like();
    u2.merge(&via_union).unwrap();
    assert_eq!(u2.result(true), via_union.result(true));
    // DataSketchesFormat.
    let c = a.compact(true);
    let back = CompactThetaSketch::from_datasketches_bytes(&c.to_datasketches_bytes()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn update_many_equals_single_updates() {
    let keys: Vec<u64> = (0..50_003).map(|i| i * 31 + 7).collect();
    let mut one = ThetaSketch::new(9).unwrap();
    keys.iter().for_each(|&k| one.update(k));
    let mut many = ThetaSketch::new(9).unwrap();
    many.update_many(&keys);
    assert_eq!(one.compact(true), many.compact(true));
    // Same insertion order, so the same table layout.
    assert_eq!(one.compact(false), many.compact(false));
    let ints: Vec<i32> = (0..20_011).map(|i| i * -7 + 3).collect();
    let mut one = ThetaSketch::new(8).unwrap();
    ints.iter().for_each(|&k| one.update(k));
    let mut many = ThetaSketch::new(8).unwrap();
    many.update_many(&ints);
    assert_eq!(one.compact(false), many.compact(false));
    let floats: Vec<f64> = (0..5_000)
        .map(|i| match i % 97 {
            0 => -0.0,
            1 => f64::NAN,
            _ => f64::from(i) * 0.25,
        })
        .collect();
    let mut one = ThetaSketch::new(10).unwrap();
    floats.iter().for_each(|&k| one.update(k));
    let mut many = ThetaSketch::new(10).unwrap();
    many.update_many(&floats);
    assert_eq!(one.compact(false), many.compact(false));
    let strs: Vec<String> = (0..999).map(|i| format!("s{i}")).collect();
    let refs: Vec<&str> = strs.iter().map(String::as_str).chain([""]).collect();
    let mut a = ThetaSketch::new(12).unwrap();
    a.update_many(&refs);
    let mut b = ThetaSketch::new(12).unwrap();
    refs.iter().for_each(|s| b.update(*s));
    assert_eq!(a.compact(true), b.compact(true));
    let mut e = ThetaSketch::new(12).unwrap();
    e.update_many(&[""; 40]);
    e.update_many(&[""; 200]);
    assert!(e.is_empty());
}

/// The portable block path (forced, whatever the CPU) and the single-key
/// fast path give exactly what inserting each precomputed hash gives: same
/// hashes, theta and table layout, for several seeds, p < 1 and lengths that
/// are not multiples of the block.
#[test]
fn portable_block_and_single_paths_equal_hash_by_hash_inserts() {
    use distilled_core::hash::DsHash;
    for (t, (lg_k, seed, p, n)) in [
        (9u8, 9001u64, 1.0f32, 50_003u64),
        (5, 1, 1.0, 777),
        (12, 12345, 0.3, 100_001),
        (11, u64::MAX, 1.0, 64 * 300),
        (6, 0, 0.01, 129),
    ]
    .into_iter()
    .enumerate()
    {
        let ks = keys(t as u64 + 500, n);
        let build = || {
            ThetaSketch::builder()
                .lg_k(lg_k)
                .seed(seed)
                .p(p)
                .build()
                .unwrap()
        };
        let mut reference = build();
        ks.iter()
            .for_each(|k| reference.update_hash(k.theta_hash(seed).unwrap()));
        let mut single = build();
        ks.iter().for_each(|&k| single.update(k));
        let mut portable = build();
        portable.update_many_portable(&ks);
        let mut many = build();
        many.update_many(&ks);
        for s in [&single, &portable, &many] {
            assert_eq!(s.theta64(), reference.theta64(), "case {t}");
            assert_eq!(s.is_empty(), reference.is_empty());
            assert_eq!(s.compact(false), reference.compact(false), "case {t}");
        }
        let signed: Vec<i64> = ks.iter().map(|&k| k as i64).collect();
        let mut portable = build();
        portable.update_many_portable(&signed);
        assert_eq!(portable.compact(false), reference.compact(false));
    }
    // A sketch that only ever sees rejected keys is still not empty.
    let mut s = ThetaSketch::builder().p(1e-9).build().unwrap();
    s.update_many_portable(&[1u64; 100]);
    assert!(!s.is_empty());
    assert_eq!(s.num_retained(), 0);
}

/// The sorted-array Theta union gives exactly what the table-based tuple
/// union (the DataSketches algorithm) gives: same hashes, same theta.
#[test]
fn sorted_union_equals_table_union() {
    use distilled_theta::tuple::{SketchBuilder, TupleUnion};
    let mut rng = 0x1234_5678_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for trial in 0..40u64 {
        let lg_k = 5 + (trial % 6) as u8;
        let p = if trial % 5 == 4 { 0.5 } else { 1.0 };
        let mut ours = ThetaSketch::builder()
            .lg_k(lg_k)
            .p(p)
            .build_union()
            .unwrap();
        let mut table: TupleUnion<()> = SketchBuilder::new()
            .lg_k(lg_k)
            .p(p)
            .build_tuple_union()
            .unwrap();
        for part in 0..(1 + trial % 7) {
            let n = [0, 1, 20, 300, 5_000, 40_000][(next() % 6) as usize];
            let base = next() % 50_000;
            let mut s = ThetaSketch::builder()
                .lg_k(5 + (next() % 8) as u8)
                .build()
                .unwrap();
            s.update_many(&(base..base + n).collect::<Vec<u64>>());
            match (trial + part) % 3 {
                0 => {
                    ours.update(&s).unwrap();
                    table.update(&s).unwrap();
                }
                1 => {
                    let c = s.compact(true);
                    ours.update(&c).unwrap();
                    table.update(&c).unwrap();
                }
                _ => {
                    let c = s.compact(false);
                    ours.update(&c).unwrap();
                    table.update(&c).unwrap();
                }
            }
            assert_eq!(
                ours.result(true).as_tuple(),
                &table.result(true),
                "trial {trial} part {part}"
            );
        }
    }
}

#[test]
fn sampling_probability_and_single_forms() {
    let mut s = ThetaSketch::builder().p(0.5).build().unwrap();
    assert_eq!(s.theta64(), MAX_THETA, "empty reports theta 1 whatever p");
    (0..1000u64).for_each(|i| s.update(i));
    assert_eq!(s.theta64(), 1 << 62);
    let c = s.compact(true);
    let back = CompactThetaSketch::deserialize(&c.serialize_compressed()).unwrap();
    assert_eq!(back, c);
    // Java's single-item flags (0x3A) and empty with seed hash 0.
    let mut one = ThetaSketch::new(12).unwrap();
    one.update(1u64);
    let mut java = one.compact(true).serialize();
    java[5] = 0x3A;
    assert_eq!(
        CompactThetaSketch::deserialize(&java).unwrap().estimate(),
        1.0
    );
    let java_empty = [1, 3, 3, 0, 0, 0x1e, 0, 0];
    assert!(
        CompactThetaSketch::deserialize(&java_empty)
            .unwrap()
            .is_empty()
    );
    // Wrong seed on read is an error.
    assert!(matches!(
        CompactThetaSketch::deserialize_with_seed(&one.compact(true).serialize(), 1),
        Err(DecodeError::SeedHashMismatch { .. })
    ));
}

#[test]
fn legacy_versions_are_read() {
    let mut s = ThetaSketch::new(5).unwrap();
    (0..1000u64).for_each(|i| s.update(i));
    let c = s.compact(true);
    let hashes: Vec<u64> = c.hashes().collect();
    // Serial version 1: three preamble longs, no seed hash.
    let mut v1 = vec![3, 1, 3, 0, 0, 0, 0, 0];
    v1.extend_from_slice(&(hashes.len() as u32).to_le_bytes());
    v1.extend_from_slice(&[0; 4]);
    v1.extend_from_slice(&c.theta64().to_le_bytes());
    hashes
        .iter()
        .for_each(|h| v1.extend_from_slice(&h.to_le_bytes()));
    let r1 = CompactThetaSketch::deserialize(&v1).unwrap();
    assert_eq!(r1.estimate(), c.estimate());
    // Serial version 2: as v1 with a seed hash.
    let mut v2 = v1.clone();
    v2[1] = 2;
    v2[6..8].copy_from_slice(&0x93CCu16.to_le_bytes());
    assert_eq!(
        CompactThetaSketch::deserialize(&v2).unwrap().estimate(),
        c.estimate()
    );
    v2[6] ^= 1;
    assert!(CompactThetaSketch::deserialize(&v2).is_err());
    let v2_empty = [1, 2, 3, 0, 0, 0, 0xcc, 0x93];
    assert!(
        CompactThetaSketch::deserialize(&v2_empty)
            .unwrap()
            .is_empty()
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips() {
    let mut s = ThetaSketch::new(8).unwrap();
    s.update_many(&(0..5000u64).collect::<Vec<_>>());
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&s, cfg).unwrap();
    let (back, _): (ThetaSketch, _) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(back.compact(true), s.compact(true));
    let c = s.compact(true);
    let pc = postcard::to_allocvec(&c).unwrap();
    let back: CompactThetaSketch = postcard::from_bytes(&pc).unwrap();
    assert_eq!(back, c);
    let e = CompactThetaSketch::empty(7);
    let bytes = bincode::serde::encode_to_vec(&e, cfg).unwrap();
    let (back, _): (CompactThetaSketch, _) =
        bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(back, e);
    let json = serde_json::to_string(&s).unwrap();
    let back: ThetaSketch = serde_json::from_str(&json).unwrap();
    assert_eq!(back.estimate(), s.estimate());
}

/// A union survives bincode 2 and postcard with the same result and keeps
/// working after the trip exactly as the original does; empty, sampled and
/// estimation-mode unions; tampered states are errors, not panics.
#[cfg(feature = "serde")]
#[test]
fn union_serde_round_trips() {
    let cfg = bincode::config::standard();
    let mut s1 = ThetaSketch::new(10).unwrap();
    s1.update_many(&(0..20_000u64).collect::<Vec<_>>());
    let mut s2 = ThetaSketch::new(10).unwrap();
    s2.update_many(&(15_000..40_000u64).collect::<Vec<_>>());
    let mut next = ThetaSketch::new(10).unwrap();
    next.update_many(&(35_000..60_000u64).collect::<Vec<_>>());
    let mut exact = ThetaSketch::new(10).unwrap();
    exact.update_many(&(0..100u64).collect::<Vec<_>>());
    let mut unions = vec![ThetaUnion::new(9).unwrap()];
    let mut u = ThetaUnion::new(9).unwrap();
    u.update(&s1).unwrap();
    u.update(&s2.compact(true)).unwrap();
    unions.push(u);
    let mut u = ThetaSketch::builder()
        .p(0.5)
        .seed(77)
        .build_union()
        .unwrap();
    let mut seeded = ThetaSketch::builder().seed(77).build().unwrap();
    seeded.update_many(&(0..1000u64).collect::<Vec<_>>());
    u.update(&seeded).unwrap();
    unions.push(u);
    let mut u = ThetaUnion::new(12).unwrap();
    u.update(&exact).unwrap();
    unions.push(u);
    for u in &unions {
        let b = bincode::serde::encode_to_vec(u, cfg).unwrap();
        let (back, used): (ThetaUnion, _) = bincode::serde::decode_from_slice(&b, cfg).unwrap();
        assert_eq!(used, b.len());
        let p = postcard::to_allocvec(u).unwrap();
        let back2: ThetaUnion = postcard::from_bytes(&p).unwrap();
        for mut back in [back, back2] {
            assert_eq!(back.result(true), u.result(true));
            assert_eq!(back.is_empty(), u.is_empty());
            let mut orig = u.clone();
            // Seed 77's union rejects the default-seed sketch either way.
            let r1 = orig.update(&next);
            let r2 = back.update(&next);
            assert_eq!(r1.is_ok(), r2.is_ok());
            assert_eq!(back.result(false), orig.result(false));
        }
    }
    // Tampered states are decode errors.
    #[derive(serde::Serialize)]
    struct Raw {
        lg_k: u8,
        seed_hash: u16,
        initial_theta: u64,
        theta: u64,
        is_empty: bool,
        hashes: Vec<u64>,
    }
    let ok = Raw {
        lg_k: 5,
        seed_hash: 0x93CC,
        initial_theta: MAX_THETA,
        theta: 1000,
        is_empty: false,
        hashes: vec![1, 5, 999],
    };
    let dec = |r: &Raw| {
        let b = postcard::to_allocvec(r).unwrap();
        postcard::from_bytes::<ThetaUnion>(&b)
    };
    assert!(dec(&ok).is_ok());
    for bad in [
        Raw {
            lg_k: 4,
            ..ok_clone(&ok)
        },
        Raw {
            lg_k: 27,
            ..ok_clone(&ok)
        },
        Raw {
            theta: 0,
            hashes: vec![],
            ..ok_clone(&ok)
        },
        Raw {
            theta: 999,
            ..ok_clone(&ok)
        },
        Raw {
            initial_theta: 0,
            ..ok_clone(&ok)
        },
        Raw {
            initial_theta: 500,
            ..ok_clone(&ok)
        },
        Raw {
            hashes: vec![0, 5],
            ..ok_clone(&ok)
        },
        Raw {
            hashes: vec![5, 5],
            ..ok_clone(&ok)
        },
        Raw {
            hashes: vec![7, 5],
            ..ok_clone(&ok)
        },
        Raw {
            hashes: (1..=33).collect(),
            ..ok_clone(&ok)
        },
        Raw {
            is_empty: true,
            ..ok_clone(&ok)
        },
    ] {
        assert!(dec(&bad).is_err());
    }
    fn ok_clone(r: &Raw) -> Raw {
        Raw {
            hashes: r.hashes.clone(),
            ..*r
        }
    }
}

fn sample_bytes() -> Vec<Vec<u8>> {
    let mut s = ThetaSketch::new(5).unwrap();
    let mut out = vec![s.compact(true).serialize()];
    s.update(1u64);
    out.push(s.compact(true).serialize());
    (0..40u64).for_each(|i| s.update(i));
    out.push(s.compact(true).serialize());
    out.push(s.compact(true).serialize_compressed());
    (0..1000u64).for_each(|i| s.update(i));
    out.push(s.compact(false).serialize());
    out.push(s.compact(true).serialize_compressed());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(c) = CompactThetaSketch::deserialize(&bytes) {
            prop_assert!(c.estimate().is_finite());
            prop_assert!(c.lower_bound(NumStdDev::Two) <= c.upper_bound(NumStdDev::Two));
        }
    }

    #[test]
    fn mutated_bytes_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut b = sample_bytes()[which].clone();
        for (pos, v) in edits {
            let n = b.len();
            b[pos % n] = v;
        }
        let _ = CompactThetaSketch::deserialize(&b);
        let keep = cut % (b.len() + 1);
        let _ = CompactThetaSketch::deserialize(&b[..keep]);
    }
}

#[test]
fn clone_from_over_another_sketch_behaves_as_a_clone() {
    let mut source = ThetaSketch::new(10).unwrap();
    source.update_many(&keys(1, 50_000));
    let exact = {
        let mut s = ThetaSketch::new(10).unwrap();
        s.update_many(&keys(2, 300));
        s
    };
    for source in [source, exact, ThetaSketch::new(10).unwrap()] {
        // A target with another lg_k and seed and a larger table.
        let mut target = ThetaSketch::builder().lg_k(14).seed(77).build().unwrap();
        target.update_many(&keys(3, 200_000));
        target.clone_from(&source);
        let mut clone = source.clone();
        assert_eq!(
            target.compact(true).serialize(),
            clone.compact(true).serialize()
        );
        assert_eq!(target.estimate(), clone.estimate());
        target.update_many(&keys(4, 70_000));
        clone.update_many(&keys(4, 70_000));
        assert_eq!(
            target.compact(true).serialize(),
            clone.compact(true).serialize()
        );
        assert_eq!(target.num_retained(), clone.num_retained());
        assert_eq!(target.theta64(), clone.theta64());
    }
}
