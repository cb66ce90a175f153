//! serde support: compact sketches travel as their DataSketches bytes (serial
//! version 3), update sketches as their configuration plus retained hashes,
//! unions as their configuration plus their sorted hashes; everything is
//! rebuilt and validated on the way in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sorted_union::SortedUnion;
use crate::theta::{CompactThetaSketch, ThetaSketch, ThetaUnion};
use crate::tuple::ResizeFactor;

impl Serialize for CompactThetaSketch {
    fn serialize<Se: Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        let mut bytes = self.serialize();
        // Keep the sketch's own seed hash visible even when empty.
        if self.is_empty() {
            bytes[6..8].copy_from_slice(&self.seed_hash().to_le_bytes());
        }
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for CompactThetaSketch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes: Vec<u8> = serde_bytes_compat::deserialize(d)?;
        if bytes.len() < 8 {
            return Err(D::Error::custom("compact theta sketch bytes too short"));
        }
        // Serde carries no seed: accept the stored seed hash as is, by
        // checking against a seed-hash-only reader.
        let seed_hash = u16::from_le_bytes([bytes[6], bytes[7]]);
        CompactThetaSketch::deserialize_with_seed_hash(&bytes, seed_hash).map_err(D::Error::custom)
    }
}

mod serde_bytes_compat {
    use serde::Deserializer;
    use serde::de::{SeqAccess, Visitor};
    use std::fmt;

    struct BytesVisitor;
    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a byte string")
        }
        fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }
}

#[derive(Serialize, Deserialize)]
struct ThetaRepr {
    lg_k: u8,
    resize_factor: ResizeFactor,
    p: f32,
    seed: u64,
    is_empty: bool,
    theta: u64,
    hashes: Vec<u64>,
}

impl Serialize for ThetaSketch {
    fn serialize<Se: Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        ThetaRepr {
            lg_k: self.lg_k(),
            resize_factor: self.resize_factor(),
            p: self.p(),
            seed: self.seed(),
            is_empty: self.is_empty(),
            theta: self.as_tuple().table.theta,
            hashes: self.hashes().collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ThetaSketch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ThetaRepr::deserialize(d)?;
        let mut s = ThetaSketch::builder()
            .lg_k(r.lg_k)
            .resize_factor(r.resize_factor)
            .p(r.p)
            .seed(r.seed)
            .build()
            .map_err(D::Error::custom)?;
        if r.theta == 0 || r.theta > crate::MAX_THETA {
            return Err(D::Error::custom("theta out of range"));
        }
        s.restore(r.is_empty, r.theta, &r.hashes)
            .map_err(D::Error::custom)?;
        Ok(s)
    }
}

/// A union: `lg_k`, seed hash, the theta of its sampling probability, its
/// current theta, emptiness and its retained hashes (ascending). DataSketches
/// has no serialized union; its result can be serialized instead.
#[derive(Serialize, Deserialize)]
struct UnionRepr {
    lg_k: u8,
    seed_hash: u16,
    initial_theta: u64,
    theta: u64,
    is_empty: bool,
    hashes: Vec<u64>,
}

impl Serialize for ThetaUnion {
    fn serialize<Se: Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        let (lg_k, seed_hash, initial_theta, theta, is_empty, hashes) = self.sorted().parts();
        UnionRepr {
            lg_k,
            seed_hash,
            initial_theta,
            theta,
            is_empty,
            hashes: hashes.to_vec(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ThetaUnion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = UnionRepr::deserialize(d)?;
        let inner = SortedUnion::from_parts(
            r.lg_k,
            r.seed_hash,
            r.initial_theta,
            r.theta,
            r.is_empty,
            r.hashes,
        )
        .map_err(D::Error::custom)?;
        Ok(ThetaUnion::from_sorted(inner))
    }
}
