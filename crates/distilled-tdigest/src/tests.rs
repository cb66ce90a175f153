use super::*;
use distilled_core::DataSketchesFormat;

fn lcg_values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

#[test]
fn empty_digest_answers_with_errors_and_none() {
    let d = TDigest::default();
    assert!(d.is_empty());
    assert_eq!(d.min(), None);
    assert_eq!(d.max(), None);
    assert_eq!(d.quantile(0.5), Err(QueryError::Empty));
    assert_eq!(d.rank(1.0), Err(QueryError::Empty));
    assert_eq!(d.cdf(1.0), Err(QueryError::Empty));
    assert_eq!(d.by_rank(0.0), None);
    assert!(d.trimmed_mean(0.1, 0.9).is_err());
    assert_eq!(d.count(), 0.0);
}

#[test]
fn compression_is_validated() {
    assert_eq!(
        TDigest::new(9).unwrap_err(),
        TDigestError::InvalidCompression(9)
    );
    assert!(TDigest::new(10).is_ok());
    assert!(TDigest::with_buffer_capacity(100, 0).is_err());
    let d = TDigest::datasketches(100).unwrap();
    assert_eq!(d.info().buffer_capacity, 840);
    assert_eq!(d.info().centroid_capacity, 210);
}

#[test]
fn small_inputs_are_exact() {
    for scale in [Scale::K1, Scale::K2] {
        let mut d = TDigest::with_scale(100, scale).unwrap();
        let xs = [5.0, 1.0, 3.0, 3.0, 9.0, -2.0, 7.0];
        for &x in &xs {
            d.add(x);
        }
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        for i in 0..=100 {
            let q = i as f64 / 100.0;
            let idx = ((q * n as f64).floor() as usize).min(n - 1);
            assert_eq!(d.quantile(q).unwrap(), sorted[idx], "q={q}");
            let incl = SearchCriteria::Inclusive;
            let idx_incl = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            assert_eq!(
                QuantileSketch::quantile(&d, q, incl).unwrap(),
                sorted[idx_incl]
            );
        }
        for (r, &v) in sorted.iter().enumerate() {
            assert_eq!(d.by_rank(r as f64), Some(v));
            assert_eq!(d.by_rev_rank((n - 1 - r) as f64), Some(v));
        }
        assert_eq!(d.by_rank(n as f64), None);
        assert_eq!(d.rank(3.0).unwrap(), 2.0);
        assert_eq!(d.rev_rank(3.0).unwrap(), 3.0);
        assert_eq!(d.cdf(3.0).unwrap(), 4.0 / 7.0);
        assert_eq!(d.rank(4.0).unwrap(), 4.0);
        assert_eq!(d.rank(-5.0).unwrap(), 0.0);
        assert_eq!(d.rank(-2.0).unwrap(), 0.0);
        assert_eq!(d.rev_rank(9.0).unwrap(), 0.0);
        assert_eq!(d.cdf(9.0).unwrap(), 1.0);
        let mean: f64 = xs.iter().sum::<f64>() / n as f64;
        assert!((d.trimmed_mean(0.0, 1.0).unwrap() - mean).abs() < 1e-12);
        // Dropping the lowest and highest value exactly.
        let inner: f64 = sorted[1..n - 1].iter().sum::<f64>() / (n - 2) as f64;
        let t = d.trimmed_mean(1.0 / 7.0, 6.0 / 7.0).unwrap();
        assert!((t - inner).abs() < 1e-12, "{t} vs {inner}");
        assert_eq!(d.min(), Some(-2.0));
        assert_eq!(d.max(), Some(9.0));
    }
}

#[test]
fn k1_stays_exact_through_compress_when_it_fits() {
    let mut d = TDigest::new(50).unwrap();
    let xs = lcg_values(100, 3);
    d.add_many(&xs);
    d.compress();
    assert_eq!(d.centroids().len(), 100);
    let mut sorted = xs.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(d.quantile(0.5).unwrap(), sorted[50]);
}

#[test]
fn non_finite_values_follow_the_policy() {
    let mut d = TDigest::default();
    d.add(f64::NAN);
    d.add(f64::INFINITY);
    d.add_many(&[1.0, f64::NEG_INFINITY, 2.0]);
    assert_eq!(d.rejected_non_finite(), 3);
    assert_eq!(d.count(), 2.0);
    assert!(d.try_add(f64::NAN).is_err());
    assert_eq!(d.rejected_non_finite(), 3);
    assert!(d.try_add(3.0).is_ok());
    assert!(matches!(
        d.add_weighted(f64::NAN, 1.0),
        Err(TDigestError::NonFinite(_))
    ));
    for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            d.add_weighted(1.0, w),
            Err(TDigestError::InvalidWeight(_))
        ));
    }
    assert_eq!(d.count(), 3.0);
    assert!(matches!(
        d.quantile(f64::NAN),
        Err(QueryError::RankOutOfRange(_))
    ));
    assert!(matches!(
        d.quantile(1.5),
        Err(QueryError::RankOutOfRange(_))
    ));
    assert!(matches!(
        d.rank(f64::NAN),
        Err(QueryError::NonFiniteArgument(_))
    ));
}

#[test]
fn weights_act_like_repeats() {
    let mut a = TDigest::new(100).unwrap();
    let mut b = TDigest::new(100).unwrap();
    for i in 0..1000 {
        let x = i as f64;
        a.add_weighted(x, 3.0).unwrap();
        for _ in 0..3 {
            b.add(x);
        }
    }
    assert_eq!(a.count(), 3000.0);
    for q in [0.01, 0.1, 0.5, 0.9, 0.99] {
        let qa = a.quantile(q).unwrap();
        let qb = b.quantile(q).unwrap();
        assert!((qa - qb).abs() <= 3.0, "q={q}: {qa} vs {qb}");
    }
    // Fractional weights.
    let mut c = TDigest::new(100).unwrap();
    c.add_weighted(1.0, 0.25).unwrap();
    c.add_weighted(2.0, 0.75).unwrap();
    assert_eq!(c.count(), 1.0);
    assert_eq!(c.min(), Some(1.0));
}

#[test]
fn min_max_survive_merge_and_compress() {
    let xs = lcg_values(50_000, 1);
    let mut a = TDigest::new(50).unwrap();
    let mut b = TDigest::new(50).unwrap();
    a.add_many(&xs[..25_000]);
    b.add_many(&xs[25_000..]);
    a.merge(&b).unwrap();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(a.min(), Some(lo));
    assert_eq!(a.max(), Some(hi));
    assert_eq!(a.quantile(0.0).unwrap(), lo);
    assert_eq!(a.quantile(1.0).unwrap(), hi);
    assert_eq!(a.count(), 50_000.0);
    assert!(a.centroids().len() <= a.centroid_capacity());
}

/// The extremes of buffered (unsorted) values are found by a scan, not on
/// the add path: check them while buffered, after a merge of buffered sides,
/// in merge_many and through the DataSketches format.
#[test]
fn min_max_of_buffered_values_are_exact() {
    for (seed, scale) in [(3, Scale::K1), (4, Scale::K2)] {
        let xs = lcg_values(30_000, seed);
        let (lo, hi) = (-5.0, 7.0);
        // Each extreme is the last value added to a digest, so it is still
        // in that digest's unflushed buffer.
        let mut a = TDigest::with_scale(50, scale).unwrap();
        let mut b = TDigest::with_scale(50, scale).unwrap();
        for &x in &xs[..15_000] {
            a.add(x);
        }
        a.add(lo);
        b.add_many(&xs[15_000..]);
        b.add_many(&[hi]);
        assert!(a.info().unmerged_nodes > 0 && b.info().unmerged_nodes > 0);
        let both = TDigest::merge_many([&a, &b], 50).unwrap();
        assert_eq!((both.min(), both.max()), (Some(lo), Some(hi)), "{scale}");
        let bytes = a.to_datasketches_bytes();
        let back = TDigest::from_datasketches_bytes(&bytes).unwrap();
        assert_eq!((back.min(), back.max()), (a.min(), a.max()));
        a.merge(&b).unwrap();
        assert_eq!((a.min(), a.max()), (Some(lo), Some(hi)), "{scale}");
        a.compress();
        assert_eq!((a.min(), a.max()), (Some(lo), Some(hi)), "{scale}");
    }
}

#[test]
fn scale_mismatch_is_an_error() {
    let mut a = TDigest::new(100).unwrap();
    let mut b = TDigest::datasketches(100).unwrap();
    b.add(1.0);
    a.add(2.0);
    let err = a.merge(&b).unwrap_err();
    assert!(matches!(err, MergeError::ParameterMismatch { .. }));
    assert_eq!(a.count(), 1.0);
    assert!(TDigest::merge_many([&a, &b], 100).is_err());
}

#[test]
fn merge_is_commutative_and_merge_many_order_free() {
    for scale in [Scale::K1, Scale::K2] {
        let parts: Vec<TDigest> = (0..6)
            .map(|i| {
                let mut d = TDigest::with_scale(50, scale).unwrap();
                let xs = lcg_values(3000 + 500 * i, i as u64 + 10);
                d.add_many(&xs.iter().map(|x| x * (i as f64 + 1.0)).collect::<Vec<_>>());
                // A couple of digests are left with unflushed buffers.
                if i % 2 == 0 {
                    d.compress();
                }
                d
            })
            .collect();
        let reference = TDigest::merge_many(parts.iter(), 50)
            .unwrap()
            .to_datasketches_bytes();
        let mut order: Vec<usize> = (0..parts.len()).collect();
        for round in 0..10 {
            order.rotate_left(1);
            if round % 3 == 0 {
                order.swap(0, 3);
            }
            let m = TDigest::merge_many(order.iter().map(|&i| &parts[i]), 50).unwrap();
            assert_eq!(m.to_datasketches_bytes(), reference);
        }
        // Pairwise commutativity (both sides in the same direction state).
        let (a, b) = (0..parts.len())
            .flat_map(|i| (i + 1..parts.len()).map(move |j| (i, j)))
            .map(|(i, j)| (&parts[i], &parts[j]))
            .find(|(a, b)| a.reverse_merge == b.reverse_merge)
            .unwrap();
        let mut ab = a.clone();
        ab.merge(b).unwrap();
        let mut ba = b.clone();
        ba.merge(a).unwrap();
        assert_eq!(ab.centroids(), ba.centroids());
        assert_eq!(ab.min(), ba.min());
        assert_eq!(ab.max(), ba.max());
    }
}

#[test]
fn reset_and_empty_like_keep_configuration() {
    let mut d = TDigest::with_scale(77, Scale::K2).unwrap();
    d.add_many(&lcg_values(5000, 2));
    let e = d.empty_like();
    assert!(e.is_empty());
    assert_eq!(e.compression(), 77);
    assert_eq!(e.scale(), Scale::K2);
    d.reset();
    assert!(d.is_empty());
    assert_eq!(d.compression(), 77);
    assert_eq!(d.info().total_compressions, 0);
}

#[test]
fn info_reports_sizes() {
    let mut d = TDigest::new(100).unwrap();
    d.add_many(&lcg_values(100_000, 5));
    let i = d.info();
    assert_eq!(i.compression, 100);
    // One merge pass per full buffer; the rest is still buffered.
    assert_eq!(i.buffer_capacity, DEFAULT_K1_BUFFER);
    assert_eq!(i.total_compressions as usize, 100_000 / i.buffer_capacity);
    assert_eq!(i.unmerged_nodes, 100_000 % i.buffer_capacity);
    assert!(i.merged_nodes >= 100 && i.merged_nodes <= i.centroid_capacity);
    assert_eq!(i.merged_weight + i.unmerged_weight, 100_000.0);
    // The buffer's allocation is part of the reported memory.
    assert!(i.memory_bytes >= 8 * i.unmerged_nodes + 16 * i.merged_nodes);
}

#[test]
fn k1_holds_between_delta_and_three_delta_centroids() {
    for &c in &[50u16, 100, 200] {
        let mut d = TDigest::new(c).unwrap();
        d.add_many(&lcg_values(200_000, c as u64));
        d.compress();
        let n = d.centroids().len();
        assert!(n >= c as usize && n <= 3 * c as usize + 10, "c={c}: {n}");
        assert!(n <= d.centroid_capacity());
    }
}

#[test]
fn datasketches_images_from_the_spec() {
    let d = TDigest::datasketches(200).unwrap();
    assert_eq!(d.to_datasketches_bytes(), [1, 1, 0x14, 0xc8, 0, 1, 0, 0]);
    let mut d = TDigest::datasketches(200).unwrap();
    d.add(5.0);
    assert_eq!(
        d.to_datasketches_bytes(),
        [1, 1, 0x14, 0xc8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0x40]
    );
    // Float layout from the wheel: k=100, values 1, 2, 3.
    let mut img = vec![2, 1, 0x14, 0x64, 0, 4, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0];
    for v in [1.0f32, 3.0] {
        img.extend_from_slice(&v.to_le_bytes());
    }
    for v in [1.0f32, 2.0, 3.0] {
        img.extend_from_slice(&v.to_le_bytes());
        img.extend_from_slice(&1u32.to_le_bytes());
    }
    let f = TDigest::from_datasketches_bytes(&img).unwrap();
    assert_eq!(f.count(), 3.0);
    assert_eq!(f.compression(), 100);
    assert_eq!(f.quantile(0.5).unwrap(), 2.0);
    let g = TDigest::from_datasketches_bytes_layout(&img, FormatLayout::Float).unwrap();
    assert_eq!(g.centroids(), f.centroids());
}

#[test]
fn k2_matches_the_wheel_examples() {
    // Wheel: k=100, 0..9999 gives 122 centroids.
    let mut d = TDigest::datasketches(100).unwrap();
    for i in 0..10_000 {
        d.add(i as f64);
    }
    d.compress();
    assert_eq!(d.centroids().len(), 122);
}

#[test]
fn pairwise_merge_of_flushed_digests_equals_merge_many() {
    let mut a = TDigest::new(60).unwrap();
    let mut b = TDigest::new(60).unwrap();
    a.add_many(&lcg_values(30_000, 7));
    b.add_many(
        &lcg_values(20_000, 8)
            .iter()
            .map(|x| x * 2.0 - 0.5)
            .collect::<Vec<_>>(),
    );
    a.compress();
    b.compress();
    let many = TDigest::merge_many([&a, &b], 60).unwrap();
    let mut ab = a.clone();
    ab.merge(&b).unwrap();
    assert_eq!(ab.centroids(), many.centroids());
    assert_eq!(ab.to_datasketches_bytes(), many.to_datasketches_bytes());
    // With a buffer left on one side the sorting path gives the same too.
    let mut c = b.clone();
    c.add(0.25);
    let mut ac = a.clone();
    ac.merge(&c).unwrap();
    assert_eq!(
        ac.centroids(),
        TDigest::merge_many([&c, &a], 60).unwrap().centroids()
    );
}
