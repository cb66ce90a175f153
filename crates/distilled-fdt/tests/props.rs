//! Properties: hostile bytes never panic, merge equals the sketch of the
//! union stream, round trips keep everything, bad queries are errors.

use distilled_core::{DataSketchesFormat, DistinctCount, EmptyLike, Mergeable, NumStdDev, Update};
use distilled_fdt::{FdtError, FdtSketch};
use proptest::prelude::*;

fn sketch_of(lg_k: u8, tuples: &[(u16, u16)]) -> FdtSketch {
    let mut sk = FdtSketch::with_lg_k(lg_k).unwrap();
    for (a, b) in tuples {
        sk.update(&[format!("ip{a}"), format!("u{b}")]);
    }
    sk
}

fn sorted_entries(sk: &FdtSketch) -> Vec<(u64, Vec<String>)> {
    let mut v: Vec<_> = sk
        .entries()
        .map(|(h, t)| (h, t.iter().map(|s| s.to_string()).collect()))
        .collect();
    v.sort();
    v
}

fn wheel_estimation_bytes() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wheel_estimation.bin"
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = FdtSketch::from_datasketches_bytes(&bytes);
        let _ = FdtSketch::from_datasketches_bytes_with_lg_k(&bytes, 5);
    }

    #[test]
    fn plausible_headers_never_panic(
        pre in 0u8..5, ty in prop_oneof![Just(1u8), Just(5u8), any::<u8>()],
        flags in any::<u8>(), count in any::<u32>(), theta in any::<u64>(),
        tail in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let mut b = vec![pre, 3, 9, ty, 0, flags, 0xcc, 0x93];
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&theta.to_le_bytes());
        b.extend_from_slice(&tail);
        if let Ok(sk) = FdtSketch::from_datasketches_bytes(&b) {
            // Whatever decodes is a usable sketch.
            let _ = sk.estimate();
            let _ = sk.result(&[0], 0, NumStdDev::Two, '|');
            let again = FdtSketch::from_datasketches_bytes(&sk.to_datasketches_bytes()).unwrap();
            prop_assert_eq!(sorted_entries(&again), sorted_entries(&sk));
        }
    }

    #[test]
    fn mutated_wheel_bytes_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = wheel_estimation_bytes();
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        let _ = FdtSketch::from_datasketches_bytes(&b);
        let end = cut.index(b.len());
        prop_assert!(FdtSketch::from_datasketches_bytes(&b[..end]).is_err());
    }

    #[test]
    fn merge_equals_sketch_of_the_union_stream(
        a in proptest::collection::vec((0u16..50, 0u16..400), 0..1500),
        b in proptest::collection::vec((0u16..50, 0u16..400), 0..1500),
        lg_a in 5u8..8, lg_b in 5u8..8,
    ) {
        let sa = sketch_of(lg_a, &a);
        let sb = sketch_of(lg_b, &b);
        let mut merged = sa.clone();
        merged.merge(&sb).unwrap();
        // The merged sample is every distinct hash of a ∪ b below its theta.
        let all: Vec<(u16, u16)> = a.iter().chain(&b).copied().collect();
        let mut big = sketch_of(20, &all);
        prop_assert!(!big.is_estimation_mode());
        let theta = merged.theta64();
        prop_assert!(theta <= sa.theta64().min(sb.theta64()));
        let expected: Vec<_> = sorted_entries(&big).into_iter().filter(|e| e.0 < theta).collect();
        prop_assert_eq!(sorted_entries(&merged), expected);
        prop_assert_eq!(merged.is_empty(), a.is_empty() && b.is_empty());
        // Trimmed, it equals the single-stream sketch trimmed to the same k.
        merged.trim();
        prop_assert!(merged.num_retained() <= 1 << lg_a);
        let mut direct = sketch_of(lg_a, &all);
        direct.trim();
        if merged.num_retained() == 1 << lg_a && direct.num_retained() == 1 << lg_a {
            // Both hold exactly the k smallest hashes of the union stream.
            prop_assert_eq!(sorted_entries(&merged), sorted_entries(&direct));
        }
        big.trim();
    }

    #[test]
    fn datasketches_round_trip(
        t in proptest::collection::vec((0u16..60, 0u16..3000), 0..3000),
        lg in 5u8..9,
    ) {
        let sk = sketch_of(lg, &t);
        let bytes = sk.to_datasketches_bytes();
        let back = FdtSketch::from_datasketches_bytes_with_lg_k(&bytes, lg).unwrap();
        prop_assert_eq!(&back, &sk.clone_compacted());
        prop_assert_eq!(back.to_datasketches_bytes(), bytes);
        prop_assert_eq!(back.estimate(), sk.estimate());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// result() equals a naive grouping of the retained tuples, and a limit
    /// returns a prefix of the full answer.
    #[test]
    fn result_equals_naive_grouping(
        t in proptest::collection::vec((0u16..30, 0u16..5, 0u16..2000), 1..2500),
        lg in 5u8..9, limit in 0usize..12, idx in prop_oneof![
            Just(vec![0usize]), Just(vec![1]), Just(vec![2, 0]), Just(vec![0, 1])],
    ) {
        let mut sk = FdtSketch::with_lg_k(lg).unwrap();
        for (a, b, c) in &t {
            sk.update(&[format!("a{a}"), format!("b{b}"), format!("c{c}")]);
        }
        let mut naive: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
        for (_, tuple) in sk.entries() {
            *naive.entry(idx.iter().map(|&i| tuple[i].to_string()).collect()).or_default() += 1;
        }
        let all = sk.result(&idx, 0, NumStdDev::Two, '|').unwrap();
        prop_assert_eq!(all.len(), naive.len());
        for g in &all {
            prop_assert_eq!(naive[&g.primary_key_parts], g.count);
            prop_assert_eq!(&g.primary_key, &g.primary_key_parts.join("|"));
        }
        prop_assert_eq!(all.iter().map(|g| g.count).sum::<u64>(), sk.num_retained() as u64);
        let some = sk.result(&idx, limit, NumStdDev::Two, '|').unwrap();
        let expect = if limit == 0 { all.len() } else { limit.min(all.len()) };
        prop_assert_eq!(&some[..], &all[..expect]);
    }
}

/// Equality through the serialized view (table layout may differ).
trait CloneCompacted {
    fn clone_compacted(&self) -> FdtSketch;
}

impl CloneCompacted for FdtSketch {
    fn clone_compacted(&self) -> FdtSketch {
        FdtSketch::from_datasketches_bytes_with_lg_k(&self.to_datasketches_bytes(), self.lg_k())
            .unwrap()
    }
}

#[test]
fn bad_queries_are_errors() {
    let mut sk = FdtSketch::with_lg_k(10).unwrap();
    sk.update(&["a", "b", "c"]);
    sk.update(&["d", "e", "f"]);
    assert_eq!(
        sk.result(&[], 0, NumStdDev::One, '|'),
        Err(FdtError::NoPrimaryKey)
    );
    assert_eq!(
        sk.result(&[1, 1], 0, NumStdDev::One, '|'),
        Err(FdtError::DuplicatePrimaryKeyIndex(1))
    );
    assert_eq!(
        sk.result(&[3], 0, NumStdDev::One, '|'),
        Err(FdtError::PrimaryKeyIndexOutOfRange { index: 3, width: 3 })
    );
    // Reordered keys join in the order given.
    let g = sk.result(&[2, 0], 0, NumStdDev::One, '/').unwrap();
    assert_eq!(g[0].primary_key, "c/a");
    assert_eq!(g[0].primary_key_parts, vec!["c", "a"]);
    // A narrower tuple makes a wide index an error, not a panic.
    sk.update(&["x"]);
    assert_eq!(
        sk.result(&[1], 0, NumStdDev::One, '|'),
        Err(FdtError::PrimaryKeyIndexOutOfRange { index: 1, width: 1 })
    );
    assert_eq!(sk.result(&[0], 0, NumStdDev::One, '|').unwrap().len(), 3);
    // Empty sketch: no groups.
    let empty = sk.empty_like();
    assert!(
        empty
            .result(&[0], 0, NumStdDev::Two, '|')
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        (empty.estimate(), empty.upper_bound(NumStdDev::Three)),
        (0.0, 0.0)
    );
}

#[test]
fn too_wide_tuples_are_rejected_and_counted() {
    let mut sk = FdtSketch::with_lg_k(10).unwrap();
    let wide: Vec<String> = (0..128).map(|i| i.to_string()).collect();
    assert_eq!(sk.try_update(&wide), Err(FdtError::TooManyDimensions(128)));
    sk.update(&wide);
    sk.update_owned(wide.clone());
    assert_eq!(sk.rejected_tuples(), 2);
    assert!(sk.is_empty());
    sk.update(&wide[..127]);
    assert_eq!(sk.num_retained(), 1);
}

#[test]
fn separator_inside_strings_keeps_groups_apart() {
    let mut sk = FdtSketch::with_lg_k(10).unwrap();
    sk.update(&["a|b", "c", "u1"]);
    sk.update(&["a", "b|c", "u2"]);
    let g = sk.result(&[0, 1], 0, NumStdDev::One, '|').unwrap();
    assert_eq!(g.len(), 2, "distinct keys stay distinct groups");
    assert!(g.iter().all(|g| g.primary_key == "a|b|c" && g.count == 1));
    assert_ne!(g[0].primary_key_parts, g[1].primary_key_parts);
}

#[test]
fn comma_collisions_keep_the_first_tuple_like_java() {
    let mut sk = FdtSketch::with_lg_k(10).unwrap();
    sk.update(&["a,b", "c"]);
    sk.update(&["a", "b,c"]);
    assert_eq!(sk.num_retained(), 1);
    let (_, t) = sk.entries().next().unwrap();
    assert_eq!(&t[0], "a,b");
}

#[test]
fn trait_updates_and_owned_agree() {
    let mut a = FdtSketch::with_lg_k(8).unwrap();
    let mut b = a.empty_like();
    let mut c = a.empty_like();
    for i in 0..2000 {
        let t = [format!("k{}", i % 13), format!("v{i}")];
        Update::update(&mut a, &t);
        Update::update(&mut b, t.to_vec());
        let refs: Vec<&str> = t.iter().map(String::as_str).collect();
        Update::update(&mut c, refs.as_slice());
    }
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
    assert_eq!(a.to_datasketches_bytes(), c.to_datasketches_bytes());
    let mut d = a.empty_like();
    d.merge(&a).unwrap();
    assert_eq!(sorted_entries(&d), sorted_entries(&a));
    assert_eq!(d.theta64(), a.theta64());
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips() {
    let mut sk = sketch_of(6, &(0..3000).map(|i| (i % 17, i)).collect::<Vec<_>>());
    sk.update(&(0..200).map(|i| i.to_string()).collect::<Vec<_>>());
    assert_eq!(sk.rejected_tuples(), 1);
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&sk, cfg).unwrap();
    let (back, _): (FdtSketch, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(sorted_entries(&back), sorted_entries(&sk));
    assert_eq!(
        (back.theta64(), back.lg_k(), back.rejected_tuples()),
        (sk.theta64(), 6, 1)
    );
    let p = postcard::to_allocvec(&sk).unwrap();
    let back: FdtSketch = postcard::from_bytes(&p).unwrap();
    assert_eq!(back.to_datasketches_bytes(), sk.to_datasketches_bytes());
    let json = serde_json::to_string(&FdtSketch::with_lg_k(5).unwrap()).unwrap();
    let empty: FdtSketch = serde_json::from_str(&json).unwrap();
    assert!(empty.is_empty());
    // Tampered: a tuple whose hash is not below theta is refused.
    let mut v: serde_json::Value = serde_json::to_value(&sk).unwrap();
    v["theta64"] = serde_json::json!(1);
    assert!(serde_json::from_value::<FdtSketch>(v).is_err());
    let groups = sk.result(&[0], 3, NumStdDev::Two, '|').unwrap();
    let gp = postcard::to_allocvec(&groups).unwrap();
    assert_eq!(
        postcard::from_bytes::<Vec<distilled_fdt::Group>>(&gp).unwrap(),
        groups
    );
}
