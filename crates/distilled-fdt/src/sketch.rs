//! The FDT sketch.

use std::cell::Cell;

use distilled_core::hash::{DEFAULT_SEED, MAX_THETA};
use distilled_core::{
    ByteReader, ByteWriter, DataSketchesFormat, DecodeError, DistinctCount, EmptyLike, MergeError,
    Mergeable, NumStdDev, Update,
};
use distilled_theta::tuple::{
    CompactTupleSketch, Dialect, Summary, SummarySerde, TupleUpdateSketch,
};

use crate::bounds::{lower_bound, upper_bound};
use crate::error::FdtError;
use crate::group::Group;
use crate::hash::tuple_hash;
use crate::params::{MAX_LG_K, MIN_LG_K, check_lg_k, lg_k_for};
use crate::summary::{ArrayOfStrings, MAX_DIMENSIONS};

/// The seed every FDT sketch hashes with (Java's FdtSketch has no other).
pub const SEED: u64 = DEFAULT_SEED;

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
#[derive(Debug, Clone)]
pub struct FdtSketch {
    sketch: TupleUpdateSketch<Retained>,
    rejected: u64,
}

/// The summary kept in distilled-theta's tuple table: the tuple, with Java's
/// array-of-strings policy (the first tuple under a key stays; a union keeps
/// the summary already present).
///
/// The update value is the summary itself, built by the caller only once the
/// hash has passed the theta test, and moved (not cloned) into the table
/// when the key is new.
#[derive(Debug, Clone, PartialEq)]
struct Retained(ArrayOfStrings);

impl Summary for Retained {
    type Update = Cell<Option<ArrayOfStrings>>;

    fn new_from(update: &Self::Update) -> Self {
        Retained(update.take().unwrap_or_else(ArrayOfStrings::empty))
    }

    fn update(&mut self, _: &Self::Update) {}

    fn merge(&mut self, _: &Self) {}
}

impl SummarySerde for Retained {
    fn write_summary(&self, out: &mut ByteWriter) {
        self.0.write(out);
    }

    fn read_summary(input: &mut ByteReader<'_>) -> Result<Self, DecodeError> {
        ArrayOfStrings::read(input).map(Retained)
    }
}

impl PartialEq for FdtSketch {
    /// Same configuration, theta, emptiness, rejection count and retained
    /// entries (whatever the table layout).
    fn eq(&self, other: &Self) -> bool {
        fn sorted(s: &FdtSketch) -> Vec<(u64, &ArrayOfStrings)> {
            let mut v: Vec<(u64, &ArrayOfStrings)> =
                s.sketch.iter().map(|(h, r)| (h, &r.0)).collect();
            v.sort_unstable_by_key(|e| e.0);
            v
        }
        self.lg_k() == other.lg_k()
            && self.theta64() == other.theta64()
            && self.sketch.is_empty() == other.sketch.is_empty()
            && self.rejected == other.rejected
            && sorted(self) == sorted(other)
    }
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
            sketch: TupleUpdateSketch::new(lg_k, SEED).expect("lg_k checked, seed 9001 valid"),
            rejected: 0,
        }
    }

    /// log2 of the nominal number of entries.
    pub fn lg_k(&self) -> u8 {
        self.sketch.lg_k()
    }

    /// Sampling rate as a 63-bit integer (`2^63 - 1` is 1.0).
    pub fn theta64(&self) -> u64 {
        self.sketch.theta64()
    }

    /// Sampling rate in `(0, 1]`.
    pub fn theta(&self) -> f64 {
        self.sketch.theta64() as f64 / MAX_THETA as f64
    }

    /// `true` once some distinct tuple has been dropped by sampling.
    pub fn is_estimation_mode(&self) -> bool {
        !self.sketch.is_empty() && self.sketch.theta64() < MAX_THETA
    }

    /// Retained entries (distinct tuples sampled). Between `k` and about
    /// `15k/8` in estimation mode, as in every QuickSelect sketch.
    pub fn num_retained(&self) -> usize {
        self.sketch.num_retained()
    }

    /// Tuples refused by [`FdtSketch::update`] because they had more than 127
    /// dimensions or more than 2 GiB of text (the DataSketches summary
    /// format's limits). Not part of the
    /// DataSketches bytes; kept by serde.
    pub fn rejected_tuples(&self) -> u64 {
        self.rejected
    }

    /// The retained entries: each tuple's theta hash and its strings, in
    /// table order.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &ArrayOfStrings)> + '_ {
        self.sketch.iter().map(|(h, s)| (h, &s.0))
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

    /// Adds one tuple, or fails with [`FdtError::TooManyDimensions`] or
    /// [`FdtError::TupleTooLarge`] (the sketch is then unchanged).
    #[inline]
    pub fn try_update<S: AsRef<str>>(&mut self, tuple: &[S]) -> Result<(), FdtError> {
        if tuple.len() > MAX_DIMENSIONS {
            return Err(FdtError::TooManyDimensions(tuple.len()));
        }
        let hash = tuple_hash(tuple, SEED);
        let bytes: usize = tuple.iter().map(|s| s.as_ref().len()).sum();
        if 5 + 4 * tuple.len() + bytes > i32::MAX as usize {
            return Err(FdtError::TupleTooLarge(bytes));
        }
        if hash >= self.sketch.theta64() {
            // Rejected by sampling: build nothing (the call still marks the
            // sketch non-empty, as every offered key does).
            self.sketch.update_hash(hash, &Cell::new(None));
        } else {
            let pending = Cell::new(ArrayOfStrings::new(tuple));
            self.sketch.update_hash(hash, &pending);
        }
        Ok(())
    }

    /// Adds one owned tuple (as [`FdtSketch::update`]; a retained tuple is
    /// stored compactly, so its strings are copied once either way).
    pub fn update_owned(&mut self, tuple: Vec<String>) {
        self.update(&tuple);
    }

    /// Keeps only the `k` smallest hashes (lowering theta), as the
    /// DataSketches `trim()` and union results do. Estimates stay unbiased;
    /// a trimmed sketch is smaller and slightly less accurate.
    pub fn trim(&mut self) {
        self.sketch.trim();
    }

    fn bounds_of(&self, count: u64, num_std_dev: NumStdDev) -> (f64, f64) {
        if self.sketch.is_empty() {
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
        // Group by the primary-key strings themselves. Each entry's key is
        // hashed once (XXH64 per part, chained); the map goes from that hash
        // to a chain of groups, and the parts are compared, so that hash
        // collisions cannot merge groups. Only a new group allocates.
        // One group per distinct primary key: the group remembers one tuple
        // that has it (no copy), its key hash and its count. Groups are found
        // through an open-addressing table of group indices keyed by the hash;
        // the key strings are compared, so a hash collision cannot merge two
        // groups.
        struct Acc<'a> {
            rep: &'a ArrayOfStrings,
            hash: u64,
            count: u64,
        }
        const NONE: u32 = u32::MAX;
        let n = self.num_retained();
        let lg_slots = (2 * n.max(1)).next_power_of_two().trailing_zeros();
        let mask = (1usize << lg_slots) - 1;
        let mut slots = vec![NONE; mask + 1];
        let mut accs: Vec<Acc<'_>> = Vec::new();
        for (_, tuple) in self.sketch.iter() {
            let values = &tuple.0;
            if max_index >= values.len() {
                return Err(FdtError::PrimaryKeyIndexOutOfRange {
                    index: max_index,
                    width: values.len(),
                });
            }
            let mut h = 0u64;
            for &i in primary_key_indices {
                let part = values[i].as_bytes();
                h = xxhash_rust::xxh64::xxh64(part, h ^ part.len() as u64);
            }
            let mut slot = h as usize & mask;
            loop {
                let g = slots[slot];
                if g == NONE {
                    slots[slot] = accs.len() as u32;
                    accs.push(Acc {
                        rep: values,
                        hash: h,
                        count: 1,
                    });
                    break;
                }
                let acc = &mut accs[g as usize];
                if acc.hash == h && primary_key_indices.iter().all(|&i| acc.rep[i] == values[i]) {
                    acc.count += 1;
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
        drop(slots);
        let retained = n as f64;
        let by_count = |a: &Acc<'_>, b: &Acc<'_>| {
            b.count.cmp(&a.count).then_with(|| {
                primary_key_indices
                    .iter()
                    .map(|&i| &a.rep[i])
                    .cmp(primary_key_indices.iter().map(|&i| &b.rep[i]))
            })
        };
        // Only the first `limit` groups need a total order.
        if limit > 0 && limit < accs.len() {
            accs.select_nth_unstable_by(limit - 1, by_count);
            accs.truncate(limit);
        }
        accs.sort_unstable_by(by_count);
        let groups: Vec<(Vec<&str>, u64)> = accs
            .iter()
            .map(|a| {
                let rep: &ArrayOfStrings = a.rep;
                let key: Vec<&str> = primary_key_indices.iter().map(|&i| &rep[i]).collect();
                (key, a.count)
            })
            .collect();
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
    /// sketch type 1) with array-of-strings summaries; entries are written in
    /// ascending hash order with the ORDERED flag, as the C++ and Python
    /// libraries do. Java, C++ and Python read it (Python through its generic
    /// `compact_tuple_sketch` with an array-of-strings serde).
    pub fn to_datasketches_bytes(&self) -> Vec<u8> {
        self.write_compact(Dialect::Cpp)
    }

    /// The same bytes with Java's flag convention (ORDERED never set), for
    /// tools that compare bytes with Java's `compact().toByteArray()`.
    pub fn to_java_bytes(&self) -> Vec<u8> {
        self.write_compact(Dialect::Java)
    }

    /// Writes the layout of distilled-theta's `CompactTupleSketch::serialize`
    /// straight from the table (a compact copy would clone every tuple);
    /// a test checks that the bytes are the same.
    fn write_compact(&self, dialect: Dialect) -> Vec<u8> {
        const FLAG_READ_ONLY: u8 = 1 << 1;
        const FLAG_EMPTY: u8 = 1 << 2;
        const FLAG_COMPACT: u8 = 1 << 3;
        const FLAG_ORDERED: u8 = 1 << 4;
        let mut entries: Vec<(u64, &ArrayOfStrings)> =
            self.sketch.iter().map(|(h, r)| (h, &r.0)).collect();
        entries.sort_unstable_by_key(|e| e.0);
        let empty = self.sketch.is_empty();
        let estimation = self.is_estimation_mode();
        let pre_longs: u8 = if estimation {
            3
        } else if empty || entries.len() == 1 {
            1
        } else {
            2
        };
        let mut flags = FLAG_READ_ONLY | FLAG_COMPACT;
        if empty {
            flags |= FLAG_EMPTY;
        }
        if dialect == Dialect::Cpp {
            flags |= FLAG_ORDERED;
        }
        let body: usize = entries.iter().map(|e| 8 + e.1.serialized_size()).sum();
        let mut w = ByteWriter::with_capacity(8 * usize::from(pre_longs) + body);
        w.put_u8(pre_longs)
            .put_u8(3) // serial version
            .put_u8(distilled_core::Family::Tuple.id())
            .put_u8(1) // compact tuple sketch
            .put_u8(0)
            .put_u8(flags)
            .put_u16(self.sketch.seed_hash());
        if pre_longs >= 2 {
            w.put_u32(entries.len() as u32).put_u32(0);
        }
        if pre_longs == 3 {
            w.put_u64(self.sketch.theta64());
        }
        for (h, s) in entries {
            w.put_u64(h);
            s.write(&mut w);
        }
        w.into_vec()
    }

    /// The sketch as distilled-theta's compact tuple sketch (tuples copied,
    /// ascending hashes), for its generic set operations.
    pub fn compact(&self) -> CompactTupleSketch<ArrayOfStrings> {
        let entries = {
            let mut v: Vec<(u64, ArrayOfStrings)> =
                self.sketch.iter().map(|(h, r)| (h, r.0.clone())).collect();
            v.sort_unstable_by_key(|e| e.0);
            v
        };
        CompactTupleSketch::from_parts(
            self.sketch.is_empty(),
            true,
            self.sketch.seed_hash(),
            self.sketch.theta64(),
            entries,
        )
        .expect("a valid sketch has a valid compact form")
    }

    /// Reads DataSketches compact tuple bytes with array-of-strings
    /// summaries (what Java's `FdtSketch.compact().toByteArray()` and
    /// Python's `compact_tuple_sketch.serialize` write) into a sketch with
    /// `lg_k` entries. If the bytes hold more entries than such a sketch
    /// keeps, the smallest hashes are kept and theta is lowered accordingly.
    pub fn from_datasketches_bytes_with_lg_k(bytes: &[u8], lg_k: u8) -> Result<Self, DecodeError> {
        let lg_k = check_lg_k(i64::from(lg_k))
            .map_err(|e| DecodeError::inconsistent("lg_k", e.to_string()))?;
        let compact = CompactTupleSketch::<Retained>::deserialize(bytes, SEED)?;
        Ok(Self::from_compact(compact, lg_k))
    }

    fn from_compact(compact: CompactTupleSketch<Retained>, lg_k: u8) -> Self {
        let mut sketch = Self::empty_with_lg_k(lg_k);
        // Theta and emptiness first (a union with the entry-less form of the
        // input), then the entries, moved rather than cloned.
        let header = CompactTupleSketch::from_parts(
            compact.is_empty(),
            true,
            compact.seed_hash(),
            compact.theta64(),
            Vec::new(),
        )
        .expect("parts of a valid sketch");
        sketch
            .sketch
            .merge_from(&header)
            .expect("decoded with the same seed");
        for (h, r) in compact.into_entries() {
            sketch.sketch.update_hash(h, &Cell::new(Some(r.0)));
        }
        sketch
    }
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
        let compact = CompactTupleSketch::<Retained>::deserialize(bytes, SEED)?;
        let lg_k = inferred_lg_k(compact.num_retained(), compact.theta64() < MAX_THETA);
        Ok(Self::from_compact(compact, lg_k))
    }
}

impl Mergeable for FdtSketch {
    /// Union: theta becomes the smaller of the two, and every entry of
    /// `other` below it joins `self` (an entry already present keeps its
    /// tuple). `self` keeps its `lg_k`. Never fails: every FDT sketch uses
    /// seed 9001.
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.sketch.merge_from(&other.sketch)?;
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
        self.sketch.is_empty()
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
            let mut entries: Vec<(u64, &ArrayOfStrings)> =
                self.sketch.iter().map(|(h, r)| (h, &r.0)).collect();
            entries.sort_unstable_by_key(|e| e.0);
            Repr {
                lg_k: self.lg_k(),
                empty: self.sketch.is_empty(),
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
            if r.empty && r.theta64 != MAX_THETA {
                return Err(D::Error::custom("an empty sketch has theta 1"));
            }
            let mut entries = Vec::with_capacity(r.tuples.len());
            for t in r.tuples {
                let h = tuple_hash(&t, SEED);
                let s = ArrayOfStrings::new(&t)
                    .ok_or_else(|| D::Error::custom(FdtError::TooManyDimensions(t.len())))?;
                entries.push((h, Retained(s)));
            }
            // from_parts checks theta, emptiness, hashes below theta and
            // duplicates (two tuples with one key).
            let seed_hash =
                distilled_core::hash::compute_seed_hash(SEED).expect("9001 has a seed hash");
            let compact =
                CompactTupleSketch::from_parts(r.empty, false, seed_hash, r.theta64, entries)
                    .map_err(D::Error::custom)?;
            let mut sketch = FdtSketch::from_compact(compact, lg_k);
            sketch.rejected = r.rejected;
            Ok(sketch)
        }
    }
}
