//! The item types a KLL sketch can hold.
//!
//! A sketch stores every item as its [`KllItem::Stored`] form. For integers and
//! strings that is the item itself; for `f32` and `f64` it is an
//! order-preserving unsigned integer key, so that the sorts and merges that
//! dominate KLL's cost compare integers instead of floats.

use distilled_core::NonFiniteError;

/// An item type a [`crate::KllSketch`] can summarise.
///
/// Implemented for `f32`, `f64`, the primitive integers, `char`, `bool` and
/// `String`. Any other totally ordered, clonable type can implement it with
/// `Stored = Self`:
///
/// ```
/// use distilled_kll::{KllItem, KllSketch};
///
/// #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
/// struct Version(u16, u16, u16);
///
/// impl KllItem for Version {
///     type Stored = Version;
///     fn to_stored(&self) -> Version { self.clone() }
///     fn from_stored(s: &Version) -> Version { s.clone() }
/// }
///
/// let mut sk = KllSketch::<Version>::new();
/// sk.update(Version(1, 2, 3));
/// sk.update(Version(0, 9, 0));
/// assert_eq!(sk.min_item(), Some(Version(0, 9, 0)));
/// ```
pub trait KllItem: Clone + PartialOrd {
    /// The internal, totally ordered form of an item.
    type Stored: Ord + Clone + Default + std::fmt::Debug;

    /// The internal form of `self`.
    fn to_stored(&self) -> Self::Stored;

    /// The item back from its internal form.
    fn from_stored(s: &Self::Stored) -> Self;

    /// `Err` when the item has no place in a rank order (NaN, infinities).
    /// Only the float types reject anything.
    #[inline]
    fn check(&self) -> Result<(), NonFiniteError> {
        Ok(())
    }

    /// `true` when every item of `items` passes [`KllItem::check`]; a fast path
    /// for batched updates.
    #[inline]
    fn all_acceptable(items: &[Self]) -> bool {
        items.iter().all(|x| x.check().is_ok())
    }

    /// The key that a rank query with inclusive criteria compares against
    /// (items `<=` it count). Floats map `-0.0` to `+0.0` here so that both
    /// zeros count as equal, as in DataSketches.
    #[inline]
    fn inclusive_key(&self) -> Self::Stored {
        self.to_stored()
    }

    /// The key that a rank query with exclusive criteria compares against
    /// (items `<` it count). Floats map `+0.0` to `-0.0` here.
    #[inline]
    fn exclusive_key(&self) -> Self::Stored {
        self.to_stored()
    }

    /// Sorts internal keys ascending. The float types override it with an
    /// integer sort.
    #[inline]
    fn sort_stored(keys: &mut [Self::Stored]) {
        keys.sort_unstable();
    }

    /// One compaction step on `buf` (see `crate::compact`). The default moves
    /// items with swaps, which suits any type; `Copy` types override it with a
    /// copying version that is several times faster.
    #[doc(hidden)]
    #[inline]
    fn compact_run(
        buf: &mut [Self::Stored],
        run: crate::compact::Run,
        scratch: &mut Vec<Self::Stored>,
    ) {
        let _ = scratch;
        crate::compact::compact_run_swap(buf, run, Self::sort_stored);
    }
}

pub(crate) use distilled_core::order_key::{f32_to_key, f64_to_key, key_to_f32, key_to_f64};

impl KllItem for f64 {
    type Stored = u64;
    #[inline(always)]
    fn to_stored(&self) -> u64 {
        f64_to_key(*self)
    }
    #[inline(always)]
    fn from_stored(s: &u64) -> f64 {
        key_to_f64(*s)
    }
    #[inline]
    fn check(&self) -> Result<(), NonFiniteError> {
        distilled_core::policy::check_finite(*self).map(|_| ())
    }
    #[inline]
    fn all_acceptable(items: &[f64]) -> bool {
        // Branch-free fold so that it vectorises.
        items.iter().fold(true, |acc, x| {
            acc & ((x.to_bits() & 0x7ff0_0000_0000_0000) != 0x7ff0_0000_0000_0000)
        })
    }
    #[inline]
    fn inclusive_key(&self) -> u64 {
        f64_to_key(if *self == 0.0 { 0.0 } else { *self })
    }
    #[inline]
    fn exclusive_key(&self) -> u64 {
        f64_to_key(if *self == 0.0 { -0.0 } else { *self })
    }
    #[inline]
    fn sort_stored(keys: &mut [u64]) {
        crate::sort::sort_u64(keys);
    }
    #[inline]
    fn compact_run(buf: &mut [u64], run: crate::compact::Run, scratch: &mut Vec<u64>) {
        crate::compact::compact_run_copy(buf, run, scratch, Self::sort_stored);
    }
}

impl KllItem for f32 {
    type Stored = u32;
    #[inline(always)]
    fn to_stored(&self) -> u32 {
        f32_to_key(*self)
    }
    #[inline(always)]
    fn from_stored(s: &u32) -> f32 {
        key_to_f32(*s)
    }
    #[inline]
    fn check(&self) -> Result<(), NonFiniteError> {
        distilled_core::policy::check_finite(f64::from(*self)).map(|_| ())
    }
    #[inline]
    fn all_acceptable(items: &[f32]) -> bool {
        items.iter().fold(true, |acc, x| {
            acc & ((x.to_bits() & 0x7f80_0000) != 0x7f80_0000)
        })
    }
    #[inline]
    fn inclusive_key(&self) -> u32 {
        f32_to_key(if *self == 0.0 { 0.0 } else { *self })
    }
    #[inline]
    fn exclusive_key(&self) -> u32 {
        f32_to_key(if *self == 0.0 { -0.0 } else { *self })
    }
    #[inline]
    fn sort_stored(keys: &mut [u32]) {
        crate::sort::sort_keys(keys);
    }
    #[inline]
    fn compact_run(buf: &mut [u32], run: crate::compact::Run, scratch: &mut Vec<u32>) {
        crate::compact::compact_run_copy(buf, run, scratch, Self::sort_stored);
    }
}

macro_rules! copy_item {
    ($($t:ty),*) => {$(
        impl KllItem for $t {
            type Stored = $t;
            #[inline(always)]
            fn to_stored(&self) -> $t { *self }
            #[inline(always)]
            fn from_stored(s: &$t) -> $t { *s }
            #[inline]
            fn compact_run(buf: &mut [$t], run: crate::compact::Run, scratch: &mut Vec<$t>) {
                crate::compact::compact_run_copy(buf, run, scratch, Self::sort_stored);
            }
        }
    )*};
}

copy_item!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, char, bool
);

impl KllItem for String {
    type Stored = String;
    fn to_stored(&self) -> String {
        self.clone()
    }
    fn from_stored(s: &String) -> String {
        s.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The order keys themselves are tested in distilled-core (order_key.rs);
    // what this crate adds is which floats a sketch accepts.
    #[test]
    fn only_finite_floats_are_acceptable() {
        assert!(!f64::all_acceptable(&[1.0, f64::NAN]));
        assert!(!f64::all_acceptable(&[f64::NEG_INFINITY]));
        assert!(f64::all_acceptable(&[1.0, -0.0, f64::MAX]));
        assert!(!f32::all_acceptable(&[f32::INFINITY]));
    }
}
