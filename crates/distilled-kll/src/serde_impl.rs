//! serde support: a plain-data form that is validated on the way in, so that
//! hostile input cannot build a sketch that breaks its own invariants.

use crate::item::KllItem;
use crate::rng::BitRng;
use crate::sketch::KllSketch;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: Deserialize<'de>"))]
struct Raw<S> {
    k: u16,
    min_k: u16,
    n: u64,
    levels: Vec<u32>,
    items: Vec<S>,
    min: Option<S>,
    max: Option<S>,
    level_zero_sorted: bool,
    rejected: u64,
    rng: BitRng,
    seed: Option<u64>,
}

impl<T: KllItem> Serialize for KllSketch<T>
where
    T::Stored: Serialize,
{
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        let raw = Raw {
            k: self.k,
            min_k: self.min_k,
            n: self.n,
            levels: self.levels.clone(),
            items: self.items[self.levels[0] as usize..].to_vec(),
            min: self.min.clone(),
            max: self.max.clone(),
            level_zero_sorted: self.level_zero_sorted,
            rejected: self.rejected,
            rng: self.rng.clone(),
            seed: self.seed,
        };
        raw.serialize(s)
    }
}

impl<'de, T: KllItem> Deserialize<'de> for KllSketch<T>
where
    T::Stored: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Raw::<T::Stored>::deserialize(d)?;
        let mut sk = KllSketch::from_parts(
            raw.k,
            raw.min_k,
            raw.n,
            raw.levels,
            raw.items,
            raw.min,
            raw.max,
            raw.level_zero_sorted,
        )
        .map_err(serde::de::Error::custom)?;
        sk.rejected = raw.rejected;
        sk.rng = raw.rng;
        sk.seed = raw.seed;
        Ok(sk)
    }
}
