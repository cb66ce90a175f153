//! Confidence bounds on a distinct count seen through a theta sample.
//!
//! A theta sketch retains every distinct hash below `theta` (a fraction of
//! the 63-bit hash space), so the number of retained entries is binomial with
//! success probability `theta`. These functions turn `(num_retained, theta)`
//! into bounds on the number of trials, following the DataSketches procedure
//! (`binomial_bounds.hpp`, Java `BinomialBoundsN`) exactly, so that bounds
//! agree with the Java, C++ and Python libraries to the last bit: an exact
//! search for small counts, a tabulated equivalent-standard-deviation
//! correction for mid-size counts, and a continuity-corrected normal
//! approximation beyond 120 samples.
//!
//! Theta and tuple sketches alike call [`lower_bound`] and [`upper_bound`];
//! FDT applies them per group.

use crate::equiv_tables::{LB_EQUIV, UB_EQUIV};
use distilled_core::NumStdDev;

/// One-sided tail probabilities of 1, 2 and 3 standard deviations of a normal
/// (written with the digits DataSketches uses).
#[allow(clippy::excessive_precision)]
const DELTA: [f64; 3] = [
    0.158_655_319_158_602_647_9,
    0.022_750_261_890_413_570_1,
    0.001_349_812_686_173_179_6,
];

#[inline]
fn sd_index(s: NumStdDev) -> usize {
    usize::from(s.get()) - 1
}

/// Lower end of the continuity-corrected normal interval for the number of
/// trials that produced `n` successes at probability `theta`.
fn cont_lb(n: f64, theta: f64, s: f64) -> f64 {
    let nh = (n - 0.5) / theta;
    let b = s * ((1.0 - theta) / theta).sqrt();
    let d = 0.5 * b * (b * b + 4.0 * nh).sqrt();
    // Evaluated in the same order as DataSketches, so results agree to the bit.
    nh + 0.5 * (b * b) - d
}

fn cont_ub(n: f64, theta: f64, s: f64) -> f64 {
    let nh = (n + 0.5) / theta;
    let b = s * ((1.0 - theta) / theta).sqrt();
    let d = 0.5 * b * (b * b + 4.0 * nh).sqrt();
    nh + 0.5 * (b * b) + d
}

/// Smallest `m - 1` whose negative-binomial tail mass exceeds `delta`: the
/// exact lower bound for small counts.
fn exact_lb_search(n: u64, p: f64, delta: f64) -> f64 {
    let q = 1.0 - p;
    let mut term = p.powi(n as i32);
    let mut tot = term;
    let mut m = n as f64;
    let nf = n as f64;
    while tot <= delta {
        term = term * q * m / (m + 1.0 - nf);
        tot += term;
        m += 1.0;
    }
    m - 1.0
}

/// The matching exact upper-bound search (`n` here is one more than the
/// number of samples).
fn exact_ub_search(n: u64, p: f64, delta: f64) -> f64 {
    let q = 1.0 - p;
    let mut term = p.powi(n as i32);
    let mut tot = term;
    let mut m = n as f64;
    let nf = n as f64;
    while tot < 1.0 - delta {
        term = term * q * m / (m + 1.0 - nf);
        tot += term;
        m += 1.0;
    }
    m
}

fn approx_lb(n: u64, theta: f64, s: NumStdDev) -> f64 {
    let i = sd_index(s);
    let nf = n as f64;
    if theta == 1.0 {
        nf
    } else if n == 0 {
        0.0
    } else if n == 1 {
        ((1.0 - DELTA[i]).ln() / (1.0 - theta).ln()).floor()
    } else if n > 120 {
        cont_lb(nf, theta, f64::from(s.get())) - 0.5
    } else if theta > 1.0 - 1e-5 {
        nf
    } else if theta < nf / 360.0 {
        cont_lb(nf, theta, LB_EQUIV[n as usize][i]) - 0.5
    } else {
        exact_lb_search(n, theta, DELTA[i])
    }
}

fn approx_ub(n: u64, theta: f64, s: NumStdDev) -> f64 {
    let i = sd_index(s);
    let nf = n as f64;
    if theta == 1.0 {
        nf
    } else if n == 0 {
        (DELTA[i].ln() / (1.0 - theta).ln()).ceil()
    } else if n > 120 {
        cont_ub(nf, theta, f64::from(s.get())) + 0.5
    } else if theta > 1.0 - 1e-5 {
        nf + 1.0
    } else if theta < nf / 360.0 {
        cont_ub(nf, theta, UB_EQUIV[n as usize][i]) + 0.5
    } else {
        exact_ub_search(n + 1, theta, DELTA[i])
    }
}

/// Lower bound on the number of distinct items behind `num_retained` hashes
/// sampled at rate `theta` (in `(0, 1]`).
///
/// Never above the estimate `num_retained / theta`, never below
/// `num_retained`. A `theta` outside `(0, 1]` (only possible through
/// programming errors, since decoders reject such sketches) yields
/// `num_retained`.
///
/// ```
/// use distilled_theta::bounds::lower_bound;
/// use distilled_core::NumStdDev;
/// assert_eq!(lower_bound(10, 1.0, NumStdDev::Two), 10.0);
/// let lb = lower_bound(4096, 0.5, NumStdDev::Two);
/// assert!(lb < 8192.0 && lb > 7900.0);
/// ```
pub fn lower_bound(num_retained: u64, theta: f64, num_std_dev: NumStdDev) -> f64 {
    let n = num_retained as f64;
    if !(theta > 0.0 && theta <= 1.0) {
        return n;
    }
    let est = n / theta;
    est.min(n.max(approx_lb(num_retained, theta, num_std_dev)))
}

/// Upper bound on the number of distinct items behind `num_retained` hashes
/// sampled at rate `theta` (in `(0, 1]`); never below the estimate.
///
/// ```
/// use distilled_theta::bounds::upper_bound;
/// use distilled_core::NumStdDev;
/// assert_eq!(upper_bound(10, 1.0, NumStdDev::Two), 10.0);
/// let ub = upper_bound(4096, 0.5, NumStdDev::Two);
/// assert!(ub > 8192.0 && ub < 8500.0);
/// ```
pub fn upper_bound(num_retained: u64, theta: f64, num_std_dev: NumStdDev) -> f64 {
    let n = num_retained as f64;
    if !(theta > 0.0 && theta <= 1.0) {
        return n;
    }
    let est = n / theta;
    est.max(approx_ub(num_retained, theta, num_std_dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_example_lg_k5_1000_ints() {
        // Python wheel: lg_k=5, 1000 distinct ints -> 34 retained, est 842.388.
        let est: f64 = 842.388;
        let theta = 34.0 / est;
        let expect = [
            (700.587, 1010.054),
            (582.601, 1177.066),
            (478.865, 1360.955),
        ];
        for (s, (lb, ub)) in [NumStdDev::One, NumStdDev::Two, NumStdDev::Three]
            .into_iter()
            .zip(expect)
        {
            let got_lb = lower_bound(34, theta, s);
            let got_ub = upper_bound(34, theta, s);
            assert!((got_lb - lb).abs() < 0.05, "{s:?}: lb {got_lb} vs {lb}");
            assert!((got_ub - ub).abs() < 0.05, "{s:?}: ub {got_ub} vs {ub}");
        }
    }

    #[test]
    fn bounds_bracket_estimate_over_all_regimes() {
        for n in [0u64, 1, 2, 5, 50, 119, 120, 121, 1000, 100_000] {
            for theta in [1.0, 0.999_999, 0.9, 0.5, 0.1, 0.01, 1e-4, 1e-7] {
                for s in [NumStdDev::One, NumStdDev::Two, NumStdDev::Three] {
                    let est = n as f64 / theta;
                    let lb = lower_bound(n, theta, s);
                    let ub = upper_bound(n, theta, s);
                    assert!(lb <= est && est <= ub, "n={n} theta={theta}");
                    assert!(lb >= n as f64 && lb.is_finite() && ub.is_finite());
                }
            }
        }
    }

    #[test]
    fn wider_with_more_std_devs() {
        let (n, t) = (300, 0.01);
        assert!(lower_bound(n, t, NumStdDev::Three) < lower_bound(n, t, NumStdDev::One));
        assert!(upper_bound(n, t, NumStdDev::Three) > upper_bound(n, t, NumStdDev::One));
    }
}
