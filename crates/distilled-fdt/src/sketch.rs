//! The FDT sketch.

use std::collections::HashMap;

use distilled_core::hash::{DEFAULT_SEED, MAX_THETA, compute_seed_hash};
use distilled_core::{
    ByteReader, ByteWriter, DataSketchesFormat, DecodeError, DistinctCount, EmptyLike, Family,
    MergeError, Mergeable, NumStdDev, Update,
};

use distilled_core::codec::{check_seed_hash, check_serial_version};

use crate::bounds::{lower_bound, upper_bound};
use crate::error::FdtError;
use crate::group::Group;
use crate::hash::tuple_hash;
use crate::params::{MAX_LG_K, MIN_LG_K, check_lg_k, lg_k_for};
use crate::summary::{ArrayOfStrings, MAX_DIMENSIONS};
use crate::table::Table;

/// The seed every FDT sketch hashes with (Java's FdtSketch has no other).
pub const SEED: u64 = DEFAULT_SEED;

const SERIAL_VERSION: u8 = 3;
/// Sketch type byte of a compact tuple sketch (5 is a legacy alias).
const COMPACT_TUPLE_TYPE: u8 = 1;
const LEGACY_COMPACT_TUPLE_TYPE: u8 = 5;
const FLAG_READ_ONLY: u8 = 1 << 1;
const FLAG_EMPTY: u8 = 1 << 2;
const FLAG_COMPACT: u8 = 1 << 3;
const FLAG_ORDERED: u8 = 1 << 4;
/// `lg_k` given to decoded sketches that are still exact (the format does not
/// store `lg_k`), so that later updates keep a useful accuracy.
const DECODE_EXACT_MIN_LG_K: u8 = 12;

/// Frequent Distinct Tuples: a tuple sketch over string tuples that answers,
/// for any choice of primary dimensions made after the stream has been seen,
/// which primary keys own the most distinct combinations of the other
/// dimensions (which IPs serve the most distinct users, or which users come
/// from the most distinct IPs).
///
/// Every distinct tuple is hashed as Java's `FdtSketch` does ([`crate::hash`])
/// and sampled by hash below theta, keeping the tuple itself. A query groups
/// the retained tuples by their primary key; a group's share of the sample
/// estimates its share of all distinct tuples.
///
/// The documentation's worked example: threshold 0.1 and rse 0.05 give
/// `lg_k = 12`, and the 20 largest groups are printed with 2-sd bounds.
///
/// ```
/// use distilled_core::NumStdDev;
/// use distilled_fdt::{FdtSketch, Group};
///
/// let mut sketch = FdtSketch::new(0.1, 0.05).unwrap();
/// assert_eq!(sketch.lg_k(), 12);
/// // (ip, user) pairs: 10.0.0.1 serves a quarter of all users.
/// for user in 0..40_000u32 {
///     let ip = if user % 4 == 0 { "10.0.0.1".to_string() } else { format!("ip{}", user % 5_000) };
///     sketch.update(&[ip.as_str(), &format!("user{user}")]);
/// }
/// let top = sketch.result(&[0], 20, NumStdDev::Two, '|').unwrap();
/// println!("{}", Group::header());
/// for g in &top {
///     println!("{g}");
/// }
/// assert_eq!(top[0].primary_key, "10.0.0.1");
/// assert!(top[0].lower_bound <= 10_000.0 && 10_000.0 <= top[0].upper_bound);
/// // The converse question, from the same sketch: users by distinct IPs.
/// let users = sketch.result(&[1], 5, NumStdDev::Two, '|').unwrap();
/// assert_eq!(users.len(), 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FdtSketch {
    table: Table,
    rejected: u64,
}

impl FdtSketch {
    /// A sketch in which a primary key owning `threshold` of all distinct
    /// tuples is estimated with relative standard error at most `rse`
    /// ([`lg_k_for`]). Both must lie strictly between 0 and 1, and the
    /// resulting `lg_k` in `5..=26`.
    pub fn new(threshold: f64, rse: f64) -> Result<Self, FdtError> {
        Ok(Self::empty_with_lg_k(lg_k_for(threshold, rse)?))
    }

    /// A sketch keeping `k = 2^lg_k` entries, `lg_k` in `5..=26`.
    pub fn with_lg_k(lg_k: u8) -> Result<Self, FdtError> {
        Ok(Self::empty_with_lg_k(check_lg_k(i64::from(lg_k))?))
    }

    fn empty_with_lg_k(lg_k: u8) -> Self {
        FdtSketch {
            table: Table::new(lg_k),
            rejected: 0,
        }
    }

    /// log2 of the nominal number of entries.
    pub fn lg_k(&self) -> u8 {
        self.table.lg_k()
    }

    /// Sampling rate as a 63-bit integer (`2^63 - 1` is 1.0).
    pub fn theta64(&self) -> u64 {
        self.table.theta64()
    }

    /// Sampling rate in `(0, 1]`.
    pub fn theta(&self) -> f64 {
        self.table.theta64() as f64 / MAX_THETA as f64
    }

    /// `true` once some distinct tuple has been dropped by sampling.
    pub fn is_estimation_mode(&self) -> bool {
        !self.table.is_empty() && self.table.theta64() < MAX_THETA
    }

    /// Retained entries (distinct tuples sampled). Between `k` and about
    /// `15k/8` in estimation mode, as in every QuickSelect sketch.
    pub fn num_retained(&self) -> usize {
        self.table.num_retained()
    }

    /// Tuples refused by [`FdtSketch::update`] because they had more than 127
    /// dimensions (the DataSketches summary format's limit). Not part of the
    /// DataSketches bytes; kept by serde.
    pub fn rejected_tuples(&self) -> u64 {
        self.rejected
    }

    /// The retained entries: each tuple's theta hash and its strings, in
    /// table order.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &[Box<str>])> + '_ {
        self.table.iter().map(|(h, s)| (h, s.values()))
    }

    /// Adds one tuple. Tuples with more than 127 strings are not added and
    /// are counted in [`FdtSketch::rejected_tuples`]; see
    /// [`FdtSketch::try_update`] to get an error instead.
    ///
    /// All dimensions are hashed, in order; tuples of different widths are
    /// accepted (as in Java) and [`FdtSketch::result`] reports an error if a
    /// primary-key index is missing from a retained tuple.
    #[inline]
    pub fn update<S: AsRef<str>>(&mut self, tuple: &[S]) {
        if self.try_update(tuple).is_err() {
            self.rejected += 1;
        }
    }

    /// Adds one tuple, or fails with [`FdtError::TooManyDimensions`] (the
    /// sketch is then unchanged).
    #[inline]
    pub fn try_update<S: AsRef<str>>(&mut self, tuple: &[S]) -> Result<(), FdtError> {
        if tuple.len() > MAX_DIMENSIONS {
            return Err(FdtError::TooManyDimensions(tuple.len()));
        }
        let hash = tuple_hash(tuple, SEED);
        self.table.insert_with(hash, || {
            ArrayOfStrings::new(tuple).expect("width checked above")
        });
        Ok(())
    }

    /// Adds one owned tuple; its strings are moved into the sketch when the
    /// tuple is retained, so nothing is copied.
    pub fn update_owned(&mut self, tuple: Vec<String>) {
        if tuple.len() > MAX_DIMENSIONS {
            self.rejected += 1;
            return;
        }
        let hash = tuple_hash(&tuple, SEED);
        self.table.insert_with(hash, || {
            ArrayOfStrings::from_vec(tuple).expect("width checked above")
        });
    }

    /// Keeps only the `k` smallest hashes (lowering theta), as the
    /// DataSketches `trim()` and union results do. Estimates stay unbiased;
    /// a trimmed sketch is smaller and slightly less accurate.
    pub fn trim(&mut self) {
        self.table.trim();
    }

    fn bounds_of(&self, count: u64, num_std_dev: NumStdDev) -> (f64, f64) {
        if self.table.is_empty() {
            (0.0, 0.0)
        } else if !self.is_estimation_mode() {
            (count as f64, count as f64)
        } else {
            let theta = self.theta();
            (
                lower_bound(count, theta, num_std_dev),
                upper_bound(count, theta, num_std_dev),
            )
        }
    }

    fn estimate_of(&self, count: u64) -> f64 {
        if self.is_estimation_mode() {
            count as f64 / self.theta()
        } else {
            count as f64
        }
    }

    /// The primary keys that own the most distinct tuples, largest first.
    ///
    /// * `primary_key_indices`: the dimensions that form the primary key, in
    ///   the order in which they are joined. At least one, no duplicates, and
    ///   each must exist in every retained tuple. Choosing every dimension is
    ///   allowed but makes every group a single tuple.
    /// * `limit`: at most this many groups; 0 returns all of them.
    /// * `num_std_dev`: width of the bounds (1, 2 or 3 standard deviations).
    /// * `separator`: joins the key strings into [`Group::primary_key`].
    ///
    /// Groups are formed from the primary-key strings themselves, so two keys
    /// whose joined forms coincide because a string contains the separator
    /// (`["a|b", "c"]` and `["a", "b|c"]`) stay separate groups that print
    /// alike; Java's `PostProcessor` groups by the joined string and would
    /// merge them. Pick a separator that does not occur in the data to read
    /// the output unambiguously. Ties in count are ordered by primary key.
    /// Statistics follow the DataSketches formulas (see [`Group`]).
    pub fn result(
        &self,
        primary_key_indices: &[usize],
        limit: usize,
        num_std_dev: NumStdDev,
        separator: char,
    ) -> Result<Vec<Group>, FdtError> {
        if primary_key_indices.is_empty() {
            return Err(FdtError::NoPrimaryKey);
        }
        for (i, idx) in primary_key_indices.iter().enumerate() {
            if primary_key_indices[..i].contains(idx) {
                return Err(FdtError::DuplicatePrimaryKeyIndex(*idx));
            }
        }
        let max_index = *primary_key_indices.iter().max().expect("non-empty");
        let mut counts: HashMap<Vec<&str>, u64> = HashMap::new();
        for (_, tuple) in self.table.iter() {
            let values = tuple.values();
            if max_index >= values.len() {
                return Err(FdtError::PrimaryKeyIndexOutOfRange {
                    index: max_index,
                    width: values.len(),
                });
            }
            let key: Vec<&str> = primary_key_indices.iter().map(|&i| &*values[i]).collect();
            *counts.entry(key).or_insert(0) += 1;
        }
        let retained = self.num_retained() as f64;
        let mut groups: Vec<(Vec<&str>, u64)> = counts.into_iter().collect();
        groups.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if limit > 0 {
            groups.truncate(limit);
        }
        let mut sep = [0u8; 4];
        let sep: &str = separator.encode_utf8(&mut sep);
        Ok(groups
            .into_iter()
            .map(|(parts, count)| {
                let estimate = self.estimate_of(count);
                let (lb, ub) = self.bounds_of(count, num_std_dev);
                let (_, ub1) = self.bounds_of(count, NumStdDev::One);
                Group {
                    count,
                    estimate,
                    upper_bound: ub,
                    lower_bound: lb,
                    fraction: count as f64 / retained,
                    rse: ub1 / estimate - 1.0,
                    primary_key: parts.join(sep),
                    primary_key_parts: parts.into_iter().map(str::to_string).collect(),
                }
            })
            .collect())
    }

    /// The DataSketches compact tuple bytes (serial version 3, family 9,
    /// sketch type 1) with array-of-strings summaries; entries are written in ascending
    /// hash order with the ORDERED flag, as the C++ and Python libraries do.
    /// Java, C++ and Python read it (Python through its generic
    /// `compact_tuple_sketch` with an array-of-strings serde).
    pub fn to_datasketches_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<(u64, &ArrayOfStrings)> = self.table.iter().collect();
        entries.sort_unstable_by_key(|e| e.0);
        let empty = self.table.is_empty();
        let estimation = self.is_estimation_mode();
        let pre_longs: u8 = if empty || (!estimation && entries.len() == 1) {
            1
        } else if estimation {
            3
        } else {
            2
        };
        let mut flags = FLAG_READ_ONLY | FLAG_COMPACT | FLAG_ORDERED;
        if empty {
            flags |= FLAG_EMPTY;
        }
        let body: usize = entries.iter().map(|e| 8 + e.1.serialized_size()).sum();
        let mut w = ByteWriter::with_capacity(8 * usize::from(pre_longs) + body);
        w.put_u8(pre_longs)
            .put_u8(SERIAL_VERSION)
            .put_u8(Family::Tuple.id())
            .put_u8(COMPACT_TUPLE_TYPE)
            .put_u8(0)
            .put_u8(flags)
            .put_u16(compute_seed_hash(SEED).expect("9001 has a seed hash"));
        if pre_longs >= 2 {
            w.put_u32(entries.len() as u32).put_u32(0);
        }
        if pre_longs == 3 {
            w.put_u64(self.table.theta64());
        }
        for (h, s) in entries {
            w.put_u64(h);
            s.write(&mut w);
        }
        w.into_vec()
    }

    /// Reads DataSketches compact tuple bytes with array-of-strings
    /// summaries (what Java's `FdtSketch.compact().toByteArray()` and
    /// Python's `compact_tuple_sketch.serialize` write) into a sketch with
    /// `lg_k` entries. If the bytes hold more entries than such a sketch
    /// keeps, the smallest hashes are kept and theta is lowered accordingly.
    pub fn from_datasketches_bytes_with_lg_k(bytes: &[u8], lg_k: u8) -> Result<Self, DecodeError> {
        let lg_k = check_lg_k(i64::from(lg_k))
            .map_err(|e| DecodeError::inconsistent("lg_k", e.to_string()))?;
        let parsed = parse_compact(bytes)?;
        Ok(Self::from_parsed(parsed, lg_k))
    }

    fn from_parsed(parsed: Parsed, lg_k: u8) -> Self {
        let mut sketch = Self::empty_with_lg_k(lg_k);
        if parsed.empty {
            return sketch;
        }
        sketch.table.mark_non_empty();
        sketch.table.lower_theta(parsed.theta);
        for (h, s) in parsed.entries {
            sketch.table.insert_with(h, || s);
        }
        sketch
    }
}

/// A decoded compact tuple sketch, checked.
struct Parsed {
    empty: bool,
    theta: u64,
    entries: Vec<(u64, ArrayOfStrings)>,
}

/// The smallest hash entry plus summary: 8 bytes of hash, 5 of summary.
const MIN_ENTRY_BYTES: usize = 13;

fn parse_compact(bytes: &[u8]) -> Result<Parsed, DecodeError> {
    let mut r = ByteReader::new(bytes);
    let pre_longs = r.u8()? & 0x3F;
    check_serial_version(r.u8()?, &[SERIAL_VERSION])?;
    r.expect_family(Family::Tuple)?;
    let sketch_type = r.u8()?;
    if sketch_type != COMPACT_TUPLE_TYPE && sketch_type != LEGACY_COMPACT_TUPLE_TYPE {
        return Err(DecodeError::inconsistent(
            "sketch type",
            format!("{sketch_type} is not a compact tuple sketch (1)"),
        ));
    }
    r.skip(1)?;
    let flags = r.u8()?;
    let seed_hash = r.u16()?;
    if flags & FLAG_EMPTY != 0 {
        // Java writes seed hash 0 for empty sketches: no seed check here.
        return Ok(Parsed {
            empty: true,
            theta: MAX_THETA,
            entries: Vec::new(),
        });
    }
    check_seed_hash(
        compute_seed_hash(SEED).expect("9001 has a seed hash"),
        seed_hash,
    )?;
    let (count, theta) = match pre_longs {
        1 => (1u64, MAX_THETA),
        2 | 3 => {
            let count = u64::from(r.u32()?);
            r.skip(4)?;
            let theta = if pre_longs == 3 { r.u64()? } else { MAX_THETA };
            (count, theta)
        }
        other => {
            return Err(DecodeError::inconsistent(
                "preamble longs",
                format!("{other} is not 1, 2 or 3"),
            ));
        }
    };
    if theta == 0 || theta > MAX_THETA {
        return Err(DecodeError::inconsistent(
            "theta",
            format!("{theta:#x} is outside (0, 2^63-1]"),
        ));
    }
    let n = r.check_count(count, MIN_ENTRY_BYTES)?;
    let mut entries = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::with_capacity(n);
    for _ in 0..n {
        let h = r.u64()?;
        if h == 0 || h >= theta {
            return Err(DecodeError::inconsistent(
                "entry hash",
                format!("{h:#x} is 0 or not below theta {theta:#x}"),
            ));
        }
        if !seen.insert(h) {
            return Err(DecodeError::inconsistent(
                "entry hash",
                format!("{h:#x} appears twice"),
            ));
        }
        entries.push((h, ArrayOfStrings::read(&mut r)?));
    }
    r.expect_end()?;
    Ok(Parsed {
        empty: false,
        theta,
        entries,
    })
}

/// `lg_k` for a decoded sketch, whose bytes do not say: large enough to hold
/// every entry without a rebuild (`15/16` of `2^(lg_k+1)` slots), at least
/// [`DECODE_EXACT_MIN_LG_K`] while exact.
fn inferred_lg_k(num_entries: usize, estimation: bool) -> u8 {
    let mut lg = MIN_LG_K;
    while lg < MAX_LG_K && num_entries > (1usize << (lg + 1)) * 15 / 16 {
        lg += 1;
    }
    if estimation {
        lg
    } else {
        lg.max(DECODE_EXACT_MIN_LG_K)
    }
}

impl DataSketchesFormat for FdtSketch {
    fn to_datasketches_bytes(&self) -> Vec<u8> {
        FdtSketch::to_datasketches_bytes(self)
    }

    /// Reads compact tuple bytes; `lg_k` is not stored in the format, so it
    /// is inferred from the number of entries (see
    /// [`FdtSketch::from_datasketches_bytes_with_lg_k`] to choose it).
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let parsed = parse_compact(bytes)?;
        let lg_k = inferred_lg_k(parsed.entries.len(), parsed.theta < MAX_THETA);
        Ok(Self::from_parsed(parsed, lg_k))
    }
}

impl Mergeable for FdtSketch {
    /// Union: theta becomes the smaller of the two, and every entry of
    /// `other` below it joins `self` (an entry already present keeps its
    /// tuple). `self` keeps its `lg_k`. Never fails: every FDT sketch uses
    /// seed 9001.
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if other.table.is_empty() {
            return Ok(());
        }
        self.table.mark_non_empty();
        self.table.lower_theta(other.table.theta64());
        for (h, s) in other.table.iter() {
            self.table.insert_with(h, || s.clone());
        }
        self.rejected += other.rejected;
        Ok(())
    }
}

impl EmptyLike for FdtSketch {
    fn empty_like(&self) -> Self {
        Self::empty_with_lg_k(self.lg_k())
    }
}

impl DistinctCount for FdtSketch {
    /// Estimated number of distinct tuples.
    fn estimate(&self) -> f64 {
        self.estimate_of(self.num_retained() as u64)
    }

    fn lower_bound(&self, num_std_dev: NumStdDev) -> f64 {
        self.bounds_of(self.num_retained() as u64, num_std_dev).0
    }

    fn upper_bound(&self, num_std_dev: NumStdDev) -> f64 {
        self.bounds_of(self.num_retained() as u64, num_std_dev).1
    }

    fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl<S: AsRef<str>> Update<&[S]> for FdtSketch {
    fn update(&mut self, item: &[S]) {
        FdtSketch::update(self, item);
    }
}

impl<S: AsRef<str>, const N: usize> Update<&[S; N]> for FdtSketch {
    fn update(&mut self, item: &[S; N]) {
        FdtSketch::update(self, item);
    }
}

impl<S: AsRef<str>> Update<&Vec<S>> for FdtSketch {
    fn update(&mut self, item: &Vec<S>) {
        FdtSketch::update(self, item);
    }
}

impl Update<Vec<String>> for FdtSketch {
    fn update(&mut self, item: Vec<String>) {
        self.update_owned(item);
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! serde form: `lg_k`, emptiness, theta, the entries (tuples only; their
    //! hashes are recomputed and checked on the way in), and the rejection
    //! counter.
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Repr {
        lg_k: u8,
        empty: bool,
        theta64: u64,
        rejected: u64,
        tuples: Vec<Vec<String>>,
    }

    impl Serialize for FdtSketch {
        fn serialize<Se: Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
            let mut entries: Vec<(u64, &ArrayOfStrings)> = self.table.iter().collect();
            entries.sort_unstable_by_key(|e| e.0);
            Repr {
                lg_k: self.lg_k(),
                empty: self.table.is_empty(),
                theta64: self.theta64(),
                rejected: self.rejected,
                tuples: entries.into_iter().map(|e| e.1.to_vec()).collect(),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for FdtSketch {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            use serde::de::Error;
            let r = Repr::deserialize(d)?;
            let lg_k = check_lg_k(i64::from(r.lg_k)).map_err(D::Error::custom)?;
            if r.theta64 == 0 || r.theta64 > MAX_THETA {
                return Err(D::Error::custom("theta outside (0, 2^63-1]"));
            }
            if r.empty && (!r.tuples.is_empty() || r.theta64 != MAX_THETA) {
                return Err(D::Error::custom("an empty sketch has no entries"));
            }
            let mut entries = Vec::with_capacity(r.tuples.len());
            for t in r.tuples {
                let h = tuple_hash(&t, SEED);
                if h >= r.theta64 {
                    return Err(D::Error::custom("a tuple's hash is not below theta"));
                }
                let s = ArrayOfStrings::from_vec(t)
                    .map_err(|t| D::Error::custom(FdtError::TooManyDimensions(t.len())))?;
                entries.push((h, s));
            }
            let mut sketch = FdtSketch::from_parsed(
                Parsed {
                    empty: r.empty,
                    theta: r.theta64,
                    entries,
                },
                lg_k,
            );
            sketch.rejected = r.rejected;
            Ok(sketch)
        }
    }
}
