//! The facade: the distiller at the root, every crate re-exported, and
//! `Stats` travelling through serde formats.

use distilled::{Decision, DistilledProcessor, ManualClock, Stats};

#[derive(Debug, Clone)]
struct Person {
    age: f64,
    gender: String,
    income: Option<f64>,
}

fn people(n: usize) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            age: 18.0 + ((i * 37) % 70) as f64,
            gender: ["female", "male", "diverse", "unknown"][i % 7 % 4].to_owned(),
            income: (i % 11 != 0).then(|| 20_000.0 + ((i * 7919) % 90_000) as f64),
        })
        .collect()
}

fn distiller() -> DistilledProcessor<Person> {
    DistilledProcessor::<Person>::builder()
        .numeric("age", |p| Some(p.age))
        .categorical("gender", &["female", "male", "diverse"], |p| {
            Some(p.gender.clone())
        })
        .numeric("income", |p| p.income)
        .clock(ManualClock::new(1_000.0))
        .build()
        .unwrap()
}

#[test]
fn stats_round_trip_through_serde_formats() {
    let mut d = distiller();
    let kept = d.process_batch(people(2_000));
    assert_eq!(kept.len(), 200);
    let s: Stats = d.stats();
    let other = &s.characteristic("gender").unwrap().buckets[3];
    assert_eq!(other.label, "other");
    assert!(other.share_all > 0.1);

    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"window_len\":2000"));
    // serde_json's default float parsing may differ in the last bit; compare
    // the text, and compare exactly through the binary formats below.
    let back: Stats = serde_json::from_str(&json).unwrap();
    assert_eq!(back.characteristics.len(), 3);
    assert_eq!(back.window_passed, 200);

    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&s, cfg).unwrap();
    let (back, _): (Stats, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(back, s);

    let bytes = postcard::to_allocvec(&s).unwrap();
    let back: Stats = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, s);
    // Truncated bytes are an error, not a panic.
    assert!(postcard::from_bytes::<Stats>(&bytes[..bytes.len() / 2]).is_err());
}

#[test]
fn facade_exposes_the_contract() {
    let mut d = distiller();
    let batch: Vec<(f64, Person)> = people(100).into_iter().map(|p| (1_000.0, p)).collect();
    let decisions: Vec<Decision> = d.classify_batch_at(&batch);
    assert_eq!(decisions.len(), 100);
    assert_eq!(
        decisions.iter().filter(|d| **d == Decision::Passed).count(),
        10
    );
    let passed = d.process_batch_at(batch);
    assert_eq!(passed.len(), 10);
    d.reset();
    assert_eq!(d.stats().seen, 0);
    // Every crate is reachable through the facade.
    let _ = std::any::type_name::<distilled::window::BucketCounts>();
    let _ = std::any::type_name::<distilled::select::Bernoulli>();
    let _ = distilled::core::hash::DEFAULT_SEED;
}
