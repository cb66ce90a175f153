//! Graders: how a record becomes characteristics.
//!
//! A [`Grader`] looks at one record and returns one [`Grade`] for one named
//! characteristic. Numeric characteristics are bucketed by quantiles of the
//! window; categorical ones by a fixed list of categories plus an "other"
//! bucket for unknown values. A missing value is a bucket of its own in both
//! kinds, so that records lacking a value are passed on in their share too.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What kind of characteristic a grader produces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GraderKind {
    /// A real number; bucketed by quantiles of the window's distribution.
    Numeric,
    /// One of a fixed list of categories. Values outside the list go to an
    /// extra "other" bucket.
    Categorical {
        /// The predefined categories, in report order.
        categories: Vec<String>,
    },
    /// Categories discovered on the fly, in order of first appearance, up to
    /// `max_categories`; later new values go to "other" (and are counted by
    /// [`Grader::overflow`]). The grader reports what it has found through
    /// [`Grader::categories_now`]. Suits streams whose categories are not
    /// known in advance, including ones that first appear late: a new
    /// category takes a free bucket and is balanced from then on like the
    /// others.
    DiscoveredCategorical {
        /// Most categories kept apart (at least 1).
        max_categories: u32,
    },
}

/// The graded value of one characteristic of one record.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Grade {
    /// The record has no value for this characteristic (its own bucket).
    Missing,
    /// A numeric value. NaN and infinities make the record invalid (the
    /// workspace's non-finite policy: graders that order values reject them).
    Number(f64),
    /// Index into the grader's categories. An index past the end means
    /// "other", as does [`Grade::Other`].
    Category(u32),
    /// A categorical value outside the predefined categories.
    Other,
}

/// Turns a record into the value of one characteristic.
///
/// Implement it for characteristics that the ready-made graders
/// ([`NumericGrader`], [`CategoricalGrader`], [`FnGrader`]) do not cover.
///
/// ```
/// use distilled_select::{Grade, Grader, GraderKind};
/// struct Weekend;
/// impl Grader<u64> for Weekend {
///     fn name(&self) -> &str { "weekend" }
///     fn kind(&self) -> GraderKind {
///         GraderKind::Categorical { categories: vec!["no".into(), "yes".into()] }
///     }
///     fn grade(&self, unix_secs: &u64) -> Grade {
///         // 1970-01-01 was a Thursday.
///         Grade::Category(u32::from((unix_secs / 86_400 + 3) % 7 >= 5))
///     }
/// }
/// assert_eq!(Weekend.grade(&(2 * 86_400)), Grade::Category(1));
/// ```
pub trait Grader<R> {
    /// Unique name of the characteristic.
    fn name(&self) -> &str;
    /// The kind of values this grader produces. Called once, when the
    /// processor is built.
    fn kind(&self) -> GraderKind;
    /// The value of the characteristic for `record`.
    fn grade(&self, record: &R) -> Grade;
    /// The categories known now, in bucket order (for reports). The default
    /// reads them from [`Grader::kind`]; graders of kind
    /// [`GraderKind::DiscoveredCategorical`] override it.
    fn categories_now(&self) -> Vec<String> {
        match self.kind() {
            GraderKind::Categorical { categories } => categories,
            _ => Vec::new(),
        }
    }
    /// Values sent to "other" only because the category limit was reached
    /// (discovering graders; 0 otherwise).
    fn overflow(&self) -> u64 {
        0
    }
}

impl<R, G: Grader<R> + ?Sized> Grader<R> for Box<G> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn kind(&self) -> GraderKind {
        (**self).kind()
    }
    fn grade(&self, record: &R) -> Grade {
        (**self).grade(record)
    }
    fn categories_now(&self) -> Vec<String> {
        (**self).categories_now()
    }
    fn overflow(&self) -> u64 {
        (**self).overflow()
    }
}

/// A numeric characteristic read by a closure (`None` = missing).
pub struct NumericGrader<F> {
    name: String,
    f: F,
}

impl<F> NumericGrader<F> {
    /// A numeric grader called `name` that reads values with `f`.
    pub fn new(name: &str, f: F) -> Self {
        Self {
            name: name.to_owned(),
            f,
        }
    }
}

impl<F> fmt::Debug for NumericGrader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NumericGrader")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<R, F: Fn(&R) -> Option<f64>> Grader<R> for NumericGrader<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        GraderKind::Numeric
    }
    #[inline]
    fn grade(&self, record: &R) -> Grade {
        match (self.f)(record) {
            Some(x) => Grade::Number(x),
            None => Grade::Missing,
        }
    }
}

/// Category lookup: a linear scan for short lists (faster than hashing a
/// handful of short strings), a hash map for long ones.
#[derive(Debug, Clone)]
struct CategoryIndex {
    categories: Vec<String>,
    /// Per category, [`tag`] of its name: the scan compares these integers
    /// first and the bytes only on a match (a name of at most two bytes is
    /// its tag, so its match is decided without comparing bytes).
    tags: Vec<u64>,
    map: Option<std::collections::HashMap<String, u32>>,
}

/// Length, first and last byte of `s` in one integer: equal strings have
/// equal tags, so unequal tags rule a category out cheaply.
#[inline]
fn tag(s: &str) -> u64 {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => ((b.len() as u64) << 16) | (u64::from(f) << 8) | u64::from(l),
        _ => 0,
    }
}

impl CategoryIndex {
    fn new(categories: &[&str]) -> Self {
        let categories: Vec<String> = categories.iter().map(|s| (*s).to_owned()).collect();
        let map = (categories.len() > 8).then(|| {
            categories
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i as u32))
                .collect()
        });
        let tags = categories.iter().map(|c| tag(c)).collect();
        Self {
            categories,
            tags,
            map,
        }
    }

    #[inline]
    fn lookup(&self, value: &str) -> Grade {
        let found = match &self.map {
            Some(m) => m.get(value).copied(),
            None => {
                let t = tag(value);
                let short = value.len() <= 2;
                self.tags
                    .iter()
                    .zip(&self.categories)
                    .position(|(&ct, c)| ct == t && (short || c == value))
                    .map(|i| i as u32)
            }
        };
        found.map_or(Grade::Other, Grade::Category)
    }
}

/// A categorical characteristic read by a closure returning an owned string
/// (`None` = missing; values outside `categories` go to "other").
pub struct CategoricalGrader<F> {
    name: String,
    index: CategoryIndex,
    f: F,
}

impl<F> CategoricalGrader<F> {
    /// A categorical grader called `name` over `categories`.
    pub fn new(name: &str, categories: &[&str], f: F) -> Self {
        Self {
            name: name.to_owned(),
            index: CategoryIndex::new(categories),
            f,
        }
    }
}

impl<F> fmt::Debug for CategoricalGrader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CategoricalGrader")
            .field("name", &self.name)
            .field("categories", &self.index.categories)
            .finish_non_exhaustive()
    }
}

impl<R, F: Fn(&R) -> Option<String>> Grader<R> for CategoricalGrader<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        GraderKind::Categorical {
            categories: self.index.categories.clone(),
        }
    }
    #[inline]
    fn grade(&self, record: &R) -> Grade {
        match (self.f)(record) {
            Some(v) => self.index.lookup(&v),
            None => Grade::Missing,
        }
    }
}

/// A categorical characteristic read by a closure that borrows the value from
/// the record (no allocation per record).
pub struct CategoricalRefGrader<F> {
    name: String,
    index: CategoryIndex,
    f: F,
}

impl<F> CategoricalRefGrader<F> {
    /// A borrowing categorical grader called `name` over `categories`.
    pub fn new(name: &str, categories: &[&str], f: F) -> Self {
        Self {
            name: name.to_owned(),
            index: CategoryIndex::new(categories),
            f,
        }
    }
}

impl<F> fmt::Debug for CategoricalRefGrader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CategoricalRefGrader")
            .field("name", &self.name)
            .field("categories", &self.index.categories)
            .finish_non_exhaustive()
    }
}

impl<R, F> Grader<R> for CategoricalRefGrader<F>
where
    F: for<'a> Fn(&'a R) -> Option<&'a str>,
{
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        GraderKind::Categorical {
            categories: self.index.categories.clone(),
        }
    }
    #[inline]
    fn grade(&self, record: &R) -> Grade {
        match (self.f)(record) {
            Some(v) => self.index.lookup(v),
            None => Grade::Missing,
        }
    }
}

#[derive(Debug, Default)]
struct Dict {
    ids: hashbrown::HashMap<String, u32>,
    names: Vec<String>,
    overflow: u64,
}

/// A bounded dictionary of categories discovered on the fly: each new value
/// gets the next id until `max_categories` are known; later new values are
/// "other" and counted. Cheap to clone (clones share the dictionary), so a
/// parser can resolve ids with it while a grader reports its categories.
///
/// ```
/// use distilled_select::{CategoryDictionary, Grade};
/// let d = CategoryDictionary::new(2);
/// assert_eq!(d.lookup("a"), Grade::Category(0));
/// assert_eq!(d.lookup("b"), Grade::Category(1));
/// assert_eq!(d.lookup("a"), Grade::Category(0));
/// assert_eq!(d.lookup("c"), Grade::Other);
/// assert_eq!((d.categories(), d.overflow()), (vec!["a".to_owned(), "b".to_owned()], 1));
/// ```
#[derive(Debug, Clone)]
pub struct CategoryDictionary {
    max: u32,
    inner: Arc<Mutex<Dict>>,
}

impl CategoryDictionary {
    /// An empty dictionary keeping at most `max_categories` (at least 1).
    pub fn new(max_categories: usize) -> Self {
        Self {
            max: max_categories.clamp(1, u32::MAX as usize - 2) as u32,
            inner: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Dict> {
        // The dictionary stays consistent whatever a panicking holder did
        // (an id is only published together with its name).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The id of `value`, adding it if there is room; [`Grade::Other`] (and
    /// one more [`CategoryDictionary::overflow`]) when the dictionary is
    /// full and `value` is new.
    #[inline]
    pub fn lookup(&self, value: &str) -> Grade {
        let mut d = self.lock();
        if let Some(&id) = d.ids.get(value) {
            return Grade::Category(id);
        }
        let n = d.names.len() as u32;
        if n < self.max {
            d.ids.insert(value.to_owned(), n);
            d.names.push(value.to_owned());
            Grade::Category(n)
        } else {
            d.overflow += 1;
            Grade::Other
        }
    }

    /// The categories found so far, in id order.
    pub fn categories(&self) -> Vec<String> {
        self.lock().names.clone()
    }

    /// New values sent to "other" because the dictionary was full.
    pub fn overflow(&self) -> u64 {
        self.lock().overflow
    }

    /// The most categories kept apart.
    pub fn max_categories(&self) -> u32 {
        self.max
    }
}

/// A categorical characteristic whose categories are discovered from the
/// stream (see [`GraderKind::DiscoveredCategorical`]), read by a closure
/// that borrows the value from the record (`None` = missing).
pub struct DiscoveredCategoricalGrader<F> {
    name: String,
    dict: CategoryDictionary,
    f: F,
}

impl<F> DiscoveredCategoricalGrader<F> {
    /// A discovering grader called `name` keeping at most `max_categories`.
    pub fn new(name: &str, max_categories: usize, f: F) -> Self {
        Self::with_dictionary(name, CategoryDictionary::new(max_categories), f)
    }

    /// A discovering grader over a dictionary shared with the caller.
    pub fn with_dictionary(name: &str, dict: CategoryDictionary, f: F) -> Self {
        Self {
            name: name.to_owned(),
            dict,
            f,
        }
    }
}

impl<F> fmt::Debug for DiscoveredCategoricalGrader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveredCategoricalGrader")
            .field("name", &self.name)
            .field("dict", &self.dict)
            .finish_non_exhaustive()
    }
}

impl<R, F> Grader<R> for DiscoveredCategoricalGrader<F>
where
    F: for<'a> Fn(&'a R) -> Option<&'a str>,
{
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        GraderKind::DiscoveredCategorical {
            max_categories: self.dict.max_categories(),
        }
    }
    #[inline]
    fn grade(&self, record: &R) -> Grade {
        match (self.f)(record) {
            Some(v) => self.dict.lookup(v),
            None => Grade::Missing,
        }
    }
    fn categories_now(&self) -> Vec<String> {
        self.dict.categories()
    }
    fn overflow(&self) -> u64 {
        self.dict.overflow()
    }
}

/// The quick lambda grader: any closure returning a [`Grade`], with a name
/// and a kind.
///
/// ```
/// use distilled_select::{FnGrader, Grade, Grader, GraderKind};
/// let even = FnGrader::new("even", GraderKind::Categorical {
///     categories: vec!["odd".into(), "even".into()],
/// }, |x: &i64| Grade::Category(u32::from(x % 2 == 0)));
/// assert_eq!(even.grade(&4), Grade::Category(1));
/// ```
pub struct FnGrader<F> {
    name: String,
    kind: GraderKind,
    f: F,
}

impl<F> FnGrader<F> {
    /// A grader called `name` of kind `kind` computed by `f`.
    pub fn new(name: &str, kind: GraderKind, f: F) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            f,
        }
    }
}

impl<F> fmt::Debug for FnGrader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnGrader")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl<R, F: Fn(&R) -> Grade> Grader<R> for FnGrader<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        self.kind.clone()
    }
    #[inline]
    fn grade(&self, record: &R) -> Grade {
        (self.f)(record)
    }
}

/// One record on its way through the distiller: the record, its timestamp
/// (unix seconds), its graded values (one per grader, in grader order) and
/// whether it was passed on.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPoint<R> {
    /// The record itself.
    pub record: R,
    /// Event or arrival time, unix seconds.
    pub timestamp: f64,
    /// One grade per grader, in the order the graders were added.
    pub grades: Vec<Grade>,
    /// `true` once the distiller has passed the record on.
    pub passed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tag prefilter finds exactly the equal names: empty, one- and
    /// two-byte names (decided by the tag alone) and longer names sharing
    /// length, first and last byte.
    #[test]
    fn category_lookup_is_exact() {
        let cats = ["", "a", "ab", "ba", "aab", "abb", "axxb", "ayyb", "über"];
        let idx = CategoryIndex::new(&cats);
        assert!(idx.map.is_some());
        let small = CategoryIndex::new(&cats[..8]);
        assert!(small.map.is_none());
        for (i, c) in cats[..8].iter().enumerate() {
            assert_eq!(small.lookup(c), Grade::Category(i as u32), "{c:?}");
        }
        for v in ["b", "aa", "bb", "acb", "axyb", "abab", "x", "über"] {
            assert_eq!(small.lookup(v), Grade::Other, "{v:?}");
        }
        assert_eq!(idx.lookup("über"), Grade::Category(8));
    }
}
