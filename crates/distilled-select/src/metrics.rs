//! Representativeness measures: how far the passed records' distribution is
//! from all records' distribution.
//!
//! These are the measures users of the reduced stream care about, and the
//! ones the tests and [`crate::Stats`] report: total variation for shares of
//! categories (or of any cells, for joint shares), Kolmogorov-Smirnov for
//! numeric values.

/// Total variation distance between two count vectors, taken as shares:
/// half the sum of absolute share differences, in `[0, 1]`. An empty side
/// gives 0 when both are empty and 1 otherwise.
///
/// ```
/// use distilled_select::metrics::total_variation;
/// assert_eq!(total_variation(&[50, 50], &[5, 5]), 0.0);
/// assert!((total_variation(&[50, 50], &[6, 4]) - 0.1).abs() < 1e-12);
/// ```
pub fn total_variation(all: &[u64], passed: &[u64]) -> f64 {
    let na: u64 = all.iter().sum();
    let np: u64 = passed.iter().sum();
    if na == 0 || np == 0 {
        return if na == np { 0.0 } else { 1.0 };
    }
    let len = all.len().max(passed.len());
    let mut s = 0.0;
    for i in 0..len {
        let a = all.get(i).copied().unwrap_or(0) as f64 / na as f64;
        let p = passed.get(i).copied().unwrap_or(0) as f64 / np as f64;
        s += (a - p).abs();
    }
    0.5 * s
}

/// Kolmogorov-Smirnov distance between two samples of numbers: the largest
/// gap between their empirical distribution functions. NaN stands for a
/// missing value and sorts above every number, so a mismatch in the share of
/// missing values counts too. An empty side gives 0 when both are empty and
/// 1 otherwise. The inputs are sorted in place.
///
/// ```
/// use distilled_select::metrics::ks_distance;
/// let mut all: Vec<f64> = (0..100).map(f64::from).collect();
/// let mut passed: Vec<f64> = (0..10).map(|i| f64::from(i * 10)).collect();
/// assert!((ks_distance(&mut all, &mut passed) - 0.09).abs() < 1e-12);
/// ```
pub fn ks_distance(all: &mut [f64], passed: &mut [f64]) -> f64 {
    if all.is_empty() || passed.is_empty() {
        return if all.len() == passed.len() { 0.0 } else { 1.0 };
    }
    // NaN last: total_cmp puts positive NaN after +inf; normalise the sign.
    let key = |x: &f64| if x.is_nan() { f64::NAN.abs() } else { *x };
    for x in all.iter_mut().chain(passed.iter_mut()) {
        *x = key(x);
    }
    all.sort_unstable_by(f64::total_cmp);
    passed.sort_unstable_by(f64::total_cmp);
    let (na, np) = (all.len() as f64, passed.len() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < all.len() && j < passed.len() {
        // Step past every copy of the smaller value on both sides at once, so
        // that ties are compared after the jump, as the ECDF is.
        let v = if all[i].total_cmp(&passed[j]).is_le() {
            all[i]
        } else {
            passed[j]
        };
        while i < all.len() && all[i].total_cmp(&v).is_eq() {
            i += 1;
        }
        while j < passed.len() && passed[j].total_cmp(&v).is_eq() {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / np).abs());
    }
    d
}
