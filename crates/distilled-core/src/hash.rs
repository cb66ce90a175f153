//! Hashing compatible with Apache DataSketches.
//!
//! DataSketches hashes every item with MurmurHash3_x64_128, the 32-bit seed of
//! the reference algorithm widened to 64 bits (`h1 = h2 = seed`), default seed
//! [`DEFAULT_SEED`] = 9001. The theta hash of an item is `h1 >> 1`, a 63-bit
//! non-negative value. Items become bytes in one canonical way:
//!
//! | item | bytes hashed |
//! |---|---|
//! | `u64`, `i64` | 8 little-endian bytes of the two's-complement value |
//! | `i32`, `i16`, `i8` | sign-extended to `i64` |
//! | `u32`, `u16`, `u8` | reinterpreted as the signed type of the same width, then sign-extended (`u32::MAX` hashes like `-1i64`) |
//! | `f64` | the canonical bits ([`crate::policy::canonical_f64_bits`]: `-0.0` → `+0.0`, NaN → `0x7ff8…`) as 8 LE bytes |
//! | `f32` | widened to `f64` |
//! | `&str` | UTF-8 bytes; **the empty string is not hashed at all** |
//! | `&[u8]` | the raw bytes; the empty slice is not hashed |
//!
//! The test vectors in `tests/fixtures/hash_vectors.json` were produced by the
//! Python `datasketches` 5.2.0 wheel (`cargo xtask fixtures`).

use crate::policy::canonical_f64_bits;

/// The default hash seed of Apache DataSketches.
pub const DEFAULT_SEED: u64 = 9001;

/// Largest theta value: `2^63 - 1` (theta = 1.0).
pub const MAX_THETA: u64 = i64::MAX as u64;

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

#[inline(always)]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

#[inline(always)]
fn mix_k1(k1: u64) -> u64 {
    k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2)
}

#[inline(always)]
fn mix_k2(k2: u64) -> u64 {
    k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1)
}

/// MurmurHash3_x64_128 of `data` with a 64-bit seed; returns `(h1, h2)`.
///
/// ```
/// use distilled_core::hash::murmur3_x64_128;
/// // The reference algorithm's well-known value for the empty input, seed 0.
/// assert_eq!(murmur3_x64_128(b"", 0), (0, 0));
/// ```
pub fn murmur3_x64_128(data: &[u8], seed: u64) -> (u64, u64) {
    let mut h1 = seed;
    let mut h2 = seed;
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let k1 = u64::from_le_bytes(block[0..8].try_into().expect("8 bytes"));
        let k2 = u64::from_le_bytes(block[8..16].try_into().expect("8 bytes"));
        h1 ^= mix_k1(k1);
        h1 = h1.rotate_left(27).wrapping_add(h2);
        h1 = h1.wrapping_mul(5).wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(k2);
        h2 = h2.rotate_left(31).wrapping_add(h1);
        h2 = h2.wrapping_mul(5).wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        // Word loads instead of a byte loop: short keys (strings of a few
        // to 16 bytes) spend most of their time here.
        let (lo, hi) = tail.split_at(tail.len().min(8));
        if !hi.is_empty() {
            h2 ^= mix_k2(load_le_partial(hi));
        }
        h1 ^= mix_k1(load_le_partial(lo));
    }
    finalize(h1, h2, data.len() as u64)
}

/// The little-endian value of up to 8 bytes, zero-extended, with at most two
/// overlapping loads and no loop (the overlapping bytes are equal, so OR-ing
/// them is exact).
#[inline(always)]
fn load_le_partial(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let hi = u64::from(u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]));
        lo | hi << (8 * (n - 4))
    } else if n > 0 {
        u64::from(b[0])
            | u64::from(b[n / 2]) << (8 * (n / 2))
            | u64::from(b[n - 1]) << (8 * (n - 1))
    } else {
        0
    }
}

#[inline(always)]
fn finalize(mut h1: u64, mut h2: u64, len: u64) -> (u64, u64) {
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

/// MurmurHash3_x64_128 of the 8 little-endian bytes of `v`, specialised: no
/// slicing, no loop, the hot path of every integer or float update.
#[inline(always)]
pub fn murmur3_u64(v: u64, seed: u64) -> (u64, u64) {
    let h1 = seed ^ mix_k1(v);
    finalize(h1, seed, 8)
}

/// MurmurHash3_x64_128 `h1` of 8-byte keys under one fixed seed, with the
/// seed and the length folded into one constant up front.
///
/// For 8 bytes the reference algorithm is `a = (mix_k1(v) ^ seed ^ 8) +
/// (seed ^ 8)`, `b = a + (seed ^ 8)`, `h1 = fmix64(a) + fmix64(b)`; keeping
/// `seed ^ 8` saves an instruction per key when the seed is not a compile-time
/// constant (a sketch's seed), which matters on update paths that cost little
/// more than the hash. Same values as [`murmur3_u64`]`(v, seed).0`.
///
/// ```
/// use distilled_core::hash::{U64Hasher, murmur3_u64, theta_hash_u64};
/// let h = U64Hasher::new(9001);
/// assert_eq!(h.h1(42), murmur3_u64(42, 9001).0);
/// assert_eq!(h.theta_hash(42), theta_hash_u64(42, 9001));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct U64Hasher {
    seed_len: u64,
}

impl U64Hasher {
    /// The hasher for `seed`.
    #[inline(always)]
    pub const fn new(seed: u64) -> Self {
        U64Hasher { seed_len: seed ^ 8 }
    }

    /// The seed this hasher was made for.
    #[inline(always)]
    pub const fn seed(self) -> u64 {
        self.seed_len ^ 8
    }

    /// `h1` of MurmurHash3_x64_128 over the 8 little-endian bytes of `v`.
    #[inline(always)]
    pub fn h1(self, v: u64) -> u64 {
        let a = (mix_k1(v) ^ self.seed_len).wrapping_add(self.seed_len);
        let b = a.wrapping_add(self.seed_len);
        fmix64(a).wrapping_add(fmix64(b))
    }

    /// The theta hash `h1 >> 1` of `v`.
    #[inline(always)]
    pub fn theta_hash(self, v: u64) -> u64 {
        self.h1(v) >> 1
    }
}

/// The 63-bit theta hash of arbitrary bytes: `h1 >> 1`.
#[inline]
pub fn theta_hash_bytes(data: &[u8], seed: u64) -> u64 {
    murmur3_x64_128(data, seed).0 >> 1
}

/// The theta hash of a `u64`/`i64` item (8 LE bytes).
#[inline(always)]
pub fn theta_hash_u64(v: u64, seed: u64) -> u64 {
    murmur3_u64(v, seed).0 >> 1
}

/// The theta hash of an `i64` item.
#[inline(always)]
pub fn theta_hash_i64(v: i64, seed: u64) -> u64 {
    theta_hash_u64(v as u64, seed)
}

/// The theta hash of an `f64` item in its canonical form.
#[inline(always)]
pub fn theta_hash_f64(v: f64, seed: u64) -> u64 {
    theta_hash_u64(canonical_f64_bits(v), seed)
}

/// The theta hash of a string's UTF-8 bytes, or `None` for the empty string,
/// which DataSketches does not hash (the sketch stays empty).
#[inline]
pub fn theta_hash_str(s: &str, seed: u64) -> Option<u64> {
    if s.is_empty() {
        None
    } else {
        Some(theta_hash_bytes(s.as_bytes(), seed))
    }
}

/// The 16-bit seed hash stored in serialized sketches:
/// `h1(MurmurHash3_x64_128(seed as 8 LE bytes, 0)) & 0xFFFF`.
///
/// Returns `None` for the rare seeds whose seed hash is 0, which DataSketches
/// rejects because 0 would be indistinguishable from an unset field.
pub fn compute_seed_hash(seed: u64) -> Option<u16> {
    let h = (murmur3_u64(seed, 0).0 & 0xFFFF) as u16;
    (h != 0).then_some(h)
}

/// The canonical bytes of an item, as DataSketches hashes it.
///
/// Implemented for the integer, float, string and byte-slice types in the
/// table of the module documentation.
pub trait DsHash {
    /// The 63-bit theta hash of `self`, or `None` when DataSketches ignores
    /// the item (empty strings and empty byte slices).
    fn theta_hash(&self, seed: u64) -> Option<u64>;

    /// The 8 bytes (as a little-endian `u64`) this item is hashed as, for
    /// items that are always hashed as exactly 8 bytes (integers and floats);
    /// `None` for the others. Then `theta_hash(seed)` equals
    /// `Some(theta_hash_u64(v, seed))`, which lets batch paths hash several
    /// such keys at once with independent (or SIMD) lanes.
    #[inline(always)]
    fn fixed_u64(&self) -> Option<u64> {
        None
    }
}

macro_rules! ds_hash_signed {
    ($($t:ty),*) => {$(
        impl DsHash for $t {
            #[inline(always)]
            fn theta_hash(&self, seed: u64) -> Option<u64> {
                Some(theta_hash_i64(i64::from(*self), seed))
            }
            #[inline(always)]
            fn fixed_u64(&self) -> Option<u64> {
                Some(i64::from(*self) as u64)
            }
        }
    )*};
}
ds_hash_signed!(i8, i16, i32, i64);

macro_rules! ds_hash_unsigned_as_signed {
    ($($u:ty => $s:ty),*) => {$(
        impl DsHash for $u {
            #[inline(always)]
            fn theta_hash(&self, seed: u64) -> Option<u64> {
                #[allow(clippy::cast_possible_wrap)]
                Some(theta_hash_i64(i64::from(*self as $s), seed))
            }
            #[inline(always)]
            fn fixed_u64(&self) -> Option<u64> {
                #[allow(clippy::cast_possible_wrap)]
                Some(i64::from(*self as $s) as u64)
            }
        }
    )*};
}
ds_hash_unsigned_as_signed!(u8 => i8, u16 => i16, u32 => i32);

impl DsHash for u64 {
    #[inline(always)]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        Some(theta_hash_u64(*self, seed))
    }
    #[inline(always)]
    fn fixed_u64(&self) -> Option<u64> {
        Some(*self)
    }
}

impl DsHash for f64 {
    #[inline(always)]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        Some(theta_hash_f64(*self, seed))
    }
    #[inline(always)]
    fn fixed_u64(&self) -> Option<u64> {
        Some(canonical_f64_bits(*self))
    }
}

impl DsHash for f32 {
    #[inline(always)]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        Some(theta_hash_f64(f64::from(*self), seed))
    }
    #[inline(always)]
    fn fixed_u64(&self) -> Option<u64> {
        Some(canonical_f64_bits(f64::from(*self)))
    }
}

impl DsHash for str {
    #[inline]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        theta_hash_str(self, seed)
    }
}

impl DsHash for String {
    #[inline]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        theta_hash_str(self, seed)
    }
}

impl DsHash for [u8] {
    #[inline]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        (!self.is_empty()).then(|| theta_hash_bytes(self, seed))
    }
}

impl<T: DsHash + ?Sized> DsHash for &T {
    #[inline(always)]
    fn theta_hash(&self, seed: u64) -> Option<u64> {
        (**self).theta_hash(seed)
    }
    #[inline(always)]
    fn fixed_u64(&self) -> Option<u64> {
        (**self).fixed_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference byte-at-a-time tail, to check the word-load tail.
    fn murmur3_bytewise(data: &[u8], seed: u64) -> (u64, u64) {
        let split = data.len() / 16 * 16;
        let mut h1 = seed;
        let mut h2 = seed;
        for block in data[..split].chunks_exact(16) {
            let k1 = u64::from_le_bytes(block[0..8].try_into().unwrap());
            let k2 = u64::from_le_bytes(block[8..16].try_into().unwrap());
            h1 ^= mix_k1(k1);
            h1 = h1.rotate_left(27).wrapping_add(h2);
            h1 = h1.wrapping_mul(5).wrapping_add(0x52dc_e729);
            h2 ^= mix_k2(k2);
            h2 = h2.rotate_left(31).wrapping_add(h1);
            h2 = h2.wrapping_mul(5).wrapping_add(0x3849_5ab5);
        }
        let tail = &data[split..];
        let (mut k1, mut k2) = (0u64, 0u64);
        for (i, &b) in tail.iter().enumerate() {
            if i < 8 {
                k1 |= u64::from(b) << (8 * i);
            } else {
                k2 |= u64::from(b) << (8 * (i - 8));
            }
        }
        if tail.len() > 8 {
            h2 ^= mix_k2(k2);
        }
        h1 ^= mix_k1(k1);
        finalize(h1, h2, data.len() as u64)
    }

    #[test]
    fn word_load_tail_equals_bytewise_tail() {
        let data: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..=data.len() {
            for seed in [0u64, 9001] {
                assert_eq!(
                    murmur3_x64_128(&data[..len], seed),
                    murmur3_bytewise(&data[..len], seed),
                    "len {len}"
                );
            }
        }
    }

    #[test]
    fn fixed_u64_agrees_with_theta_hash() {
        fn check<T: DsHash>(v: T) {
            let seed = DEFAULT_SEED;
            match v.fixed_u64() {
                Some(x) => assert_eq!(v.theta_hash(seed), Some(theta_hash_u64(x, seed))),
                None => panic!("fixed-width item without fixed_u64"),
            }
        }
        check(-1i8);
        check(-7i16);
        check(i32::MIN);
        check(-3i64);
        check(200u8);
        check(u16::MAX);
        check(u32::MAX);
        check(u64::MAX);
        check(-0.0f64);
        check(f64::NAN);
        check(1.5f32);
        let r = &42u64;
        assert_eq!(DsHash::fixed_u64(&r), Some(42));
        assert_eq!("ab".fixed_u64(), None);
        assert_eq!(b"abcdefgh"[..].fixed_u64(), None);
    }

    #[test]
    fn specialised_u64_path_equals_general_path() {
        for (v, seed) in [
            (0u64, 0u64),
            (1, 9001),
            (u64::MAX, 9001),
            (0x1234_5678_9abc_def0, 42),
        ] {
            assert_eq!(
                murmur3_u64(v, seed),
                murmur3_x64_128(&v.to_le_bytes(), seed)
            );
        }
    }

    #[test]
    fn u64_hasher_equals_murmur3_u64() {
        let mut v = 0x0123_4567_89ab_cdefu64;
        for seed in [0u64, 1, 8, 9001, u64::MAX, 0x8000_0000_0000_0008] {
            let h = U64Hasher::new(seed);
            assert_eq!(h.seed(), seed);
            for _ in 0..1000 {
                v = v.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ seed;
                assert_eq!(h.h1(v), murmur3_u64(v, seed).0);
                assert_eq!(h.theta_hash(v), theta_hash_u64(v, seed));
            }
            for v in [0, 1, u64::MAX, 1 << 63] {
                assert_eq!(h.h1(v), murmur3_x64_128(&v.to_le_bytes(), seed).0);
            }
        }
    }

    #[test]
    fn seed_hash_of_default_seed() {
        assert_eq!(compute_seed_hash(DEFAULT_SEED), Some(0x93CC));
    }

    #[test]
    fn unsigned_narrow_types_hash_as_signed() {
        assert_eq!(
            u32::MAX.theta_hash(DEFAULT_SEED),
            (-1i64).theta_hash(DEFAULT_SEED)
        );
        assert_eq!(
            200u8.theta_hash(DEFAULT_SEED),
            (-56i64).theta_hash(DEFAULT_SEED)
        );
        assert_eq!(5i32.theta_hash(9001), 5u64.theta_hash(9001));
        assert_eq!(1.5f32.theta_hash(9001), 1.5f64.theta_hash(9001));
    }

    #[test]
    fn empty_inputs_are_not_hashed() {
        assert_eq!("".theta_hash(DEFAULT_SEED), None);
        assert_eq!(b"".as_slice().theta_hash(DEFAULT_SEED), None);
        assert!("a".theta_hash(DEFAULT_SEED).is_some());
    }
}
