//! serde support: the full state (configuration, centroids, buffered values,
//! exact min/max, merge direction and counters) goes through a plain proxy,
//! and deserialization validates it, so a hostile document gives an error
//! instead of a digest that breaks its invariants.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sort::{f64_to_key, key_to_f64};
use crate::{Centroid, MIN_COMPRESSION, Scale, TDigest};

#[derive(Serialize, Deserialize)]
struct Repr {
    compression: u16,
    scale: Scale,
    buffer_capacity: u64,
    centroids: Vec<Centroid>,
    /// One flag per centroid: all its values were identical.
    atoms: Vec<bool>,
    buffer: Vec<f64>,
    pending: Vec<Centroid>,
    min: f64,
    max: f64,
    reverse_merge: bool,
    compressions: u64,
    rejected: u64,
}

impl Serialize for TDigest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Repr {
            compression: self.compression,
            scale: self.scale,
            buffer_capacity: self.buffer_capacity as u64,
            centroids: self.centroids.clone(),
            atoms: self.atoms.clone(),
            buffer: self.buffer.iter().map(|&k| key_to_f64(k)).collect(),
            pending: self.pending.clone(),
            min: self.bounds().0,
            max: self.bounds().1,
            reverse_merge: self.reverse_merge,
            compressions: self.compressions,
            rejected: self.rejected,
        }
        .serialize(s)
    }
}

fn validate(r: Repr) -> Result<TDigest, String> {
    if r.compression < MIN_COMPRESSION {
        return Err(format!(
            "compression {} below {MIN_COMPRESSION}",
            r.compression
        ));
    }
    let cap = usize::try_from(r.buffer_capacity)
        .ok()
        .filter(|&c| c > 0 && c <= 1 << 26)
        .ok_or_else(|| format!("invalid buffer capacity {}", r.buffer_capacity))?;
    let mut d = TDigest::build(r.compression, r.scale, cap);
    let empty = r.centroids.is_empty() && r.buffer.is_empty() && r.pending.is_empty();
    if !(empty || r.min.is_finite() && r.max.is_finite() && r.min <= r.max) {
        return Err("min and max must be finite with min <= max".into());
    }
    let in_range = |x: f64| x.is_finite() && x >= r.min && x <= r.max;
    let mut prev = f64::NEG_INFINITY;
    let mut total = 0.0;
    for c in &r.centroids {
        if !in_range(c.mean) || c.mean < prev {
            return Err("centroid means must be finite, sorted and within [min, max]".into());
        }
        if !(c.weight.is_finite() && c.weight > 0.0) {
            return Err("centroid weights must be finite and > 0".into());
        }
        prev = c.mean;
        total += c.weight;
    }
    if r.atoms.len() != r.centroids.len() {
        return Err("one atom flag per centroid expected".into());
    }
    let mut pending_weight = 0.0;
    for c in &r.pending {
        if !(in_range(c.mean) && c.weight.is_finite() && c.weight > 0.0) {
            return Err("invalid weighted value".into());
        }
        pending_weight += c.weight;
    }
    if r.buffer.iter().any(|&x| !in_range(x)) {
        return Err("buffered values must be finite and within [min, max]".into());
    }
    if !(total + pending_weight + r.buffer.len() as f64).is_finite() {
        return Err("the total weight overflows f64".into());
    }
    if !empty {
        d.min = r.min;
        d.max = r.max;
    }
    d.centroids = r.centroids;
    d.atoms = r.atoms;
    d.centroid_weight = total;
    d.buffer = r.buffer.into_iter().map(f64_to_key).collect();
    d.pending = r.pending;
    d.pending_weight = pending_weight;
    d.reverse_merge = r.reverse_merge;
    d.compressions = r.compressions;
    d.rejected = r.rejected;
    Ok(d)
}

impl<'de> Deserialize<'de> for TDigest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Repr::deserialize(d)?;
        validate(r).map_err(serde::de::Error::custom)
    }
}
