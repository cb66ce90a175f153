//! Bounds on a ratio `|B| / |A|` of two sets seen through theta samples, the
//! procedure DataSketches uses for Jaccard similarity (C++
//! `bounds_on_ratios_in_sampled_sets` / `bounds_binomial_proportions`, Java
//! `BoundsOnRatiosInThetaSketchedSets`).
//!
//! With `B ⊆ A`, both sampled at the same inclusion probability `f`
//! (theta), the `b` sampled members of `B` among the `a` sampled members of
//! `A` are binomial with `a` trials and success probability `|B| / |A|`. The
//! bounds are an approximate Clopper-Pearson interval for that proportion:
//! Abramowitz & Stegun 26.5.22 (an approximate inverse of the regularized
//! incomplete beta function) in general, closed forms at `b` in
//! `{0, 1, a - 1, a}`, at 2 standard deviations widened by the
//! finite-population factor `sqrt(1 - f)` (plus a small correction above
//! `f = 0.5`), which is what the reference libraries compute; the same
//! arithmetic gives the same bounds to rounding.

/// Standard deviations of the ratio bounds (DataSketches fixes 2).
const NUM_STD_DEVS: f64 = 2.0;

/// erf(x) for x >= 0, Abramowitz & Stegun 7.1.28 (about 7 digits): the
/// approximation the reference libraries use, so the bounds agree with
/// theirs rather than with an exact erf.
fn erf_nonneg(x: f64) -> f64 {
    const A: [f64; 6] = [
        0.070_523_078_4,
        0.042_282_012_3,
        0.009_270_527_2,
        0.000_152_014_3,
        0.000_276_567_2,
        0.000_043_063_8,
    ];
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    let x5 = x2 * x3;
    let x6 = x3 * x3;
    // Summed in the reference order so rounding agrees.
    let s = 1.0 + A[0] * x + A[1] * x2 + A[2] * x3 + A[3] * x4 + A[4] * x5 + A[5] * x6;
    let s2 = s * s;
    let s4 = s2 * s2;
    let s8 = s4 * s4;
    1.0 - 1.0 / (s8 * s8)
}

fn erf(x: f64) -> f64 {
    if x < 0.0 {
        -erf_nonneg(-x)
    } else {
        erf_nonneg(x)
    }
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / 2.0f64.sqrt()))
}

/// The right-tail probability left beyond `kappa` standard deviations.
fn delta_of(kappa: f64) -> f64 {
    normal_cdf(-kappa)
}

/// Abramowitz & Stegun 26.5.22: the `x` with `I_x(a, b)` equal to the
/// normal tail beyond `yp` standard deviations.
fn inverse_beta_approx(a: f64, b: f64, yp: f64) -> f64 {
    let b2m1 = 2.0 * b - 1.0;
    let a2m1 = 2.0 * a - 1.0;
    let lambda = (yp * yp - 3.0) / 6.0;
    let h = 2.0 / (1.0 / a2m1 + 1.0 / b2m1);
    let term1 = yp * (h + lambda).sqrt() / h;
    let term2 = 1.0 / b2m1 - 1.0 / a2m1;
    let term3 = (lambda + 5.0 / 6.0) - 2.0 / (3.0 * h);
    let w = term1 - term2 * term3;
    a / (a + b * (2.0 * w).exp())
}

/// Approximate Clopper-Pearson lower bound on a binomial proportion after
/// `k` successes in `n` trials (`k <= n`), at `num_std_devs`.
pub fn binomial_proportion_lower(n: u64, k: u64, num_std_devs: f64) -> f64 {
    let k = k.min(n);
    let nf = n as f64;
    if n == 0 || k == 0 {
        0.0
    } else if k == 1 {
        1.0 - (1.0 - delta_of(num_std_devs)).powf(1.0 / nf)
    } else if k == n {
        delta_of(num_std_devs).powf(1.0 / nf)
    } else {
        1.0 - inverse_beta_approx((n - k + 1) as f64, k as f64, -num_std_devs)
    }
}

/// Approximate Clopper-Pearson upper bound on a binomial proportion after
/// `k` successes in `n` trials (`k <= n`), at `num_std_devs`.
pub fn binomial_proportion_upper(n: u64, k: u64, num_std_devs: f64) -> f64 {
    let k = k.min(n);
    let nf = n as f64;
    if n == 0 || k == n {
        1.0
    } else if k == n - 1 {
        (1.0 - delta_of(num_std_devs)).powf(1.0 / nf)
    } else if k == 0 {
        1.0 - delta_of(num_std_devs).powf(1.0 / nf)
    } else {
        1.0 - inverse_beta_approx((n - k) as f64, (k + 1) as f64, num_std_devs)
    }
}

/// The finite-population narrowing of the interval at inclusion
/// probability `f` (with the reference libraries' small correction above
/// one half).
fn adjuster(f: f64) -> f64 {
    let t = (1.0 - f).sqrt();
    if f <= 0.5 { t } else { t + 0.01 * (f - 0.5) }
}

/// `(lower, estimate, upper)` of `|B| / |A|` from `a` sampled members of
/// `A`, `b <= a` of which are in `B ⊆ A`, all sampled with inclusion
/// probability `f` in `(0, 1]`. With nothing sampled the answer is the
/// uninformative `(0, 0.5, 1)`; at `f = 1` it is exact.
pub fn ratio_bounds(a: u64, b: u64, f: f64) -> (f64, f64, f64) {
    let b = b.min(a);
    if a == 0 {
        return (0.0, 0.5, 1.0);
    }
    let est = b as f64 / a as f64;
    if f >= 1.0 {
        return (est, est, est);
    }
    let z = NUM_STD_DEVS * adjuster(f);
    (
        binomial_proportion_lower(a, b, z),
        est,
        binomial_proportion_upper(a, b, z),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_approximation_is_close_to_erf() {
        // Reference values of erf to 9 digits; A&S 7.1.28 is good to
        // about 3e-7.
        for (x, e) in [
            (0.0, 0.0),
            (0.5, 0.520_499_878),
            (1.0, 0.842_700_793),
            (2.0, 0.995_322_265),
        ] {
            assert!((erf(x) - e).abs() < 5e-7, "{x}");
            assert!((erf(-x) + e).abs() < 5e-7);
        }
        assert!((normal_cdf(-2.0) - 0.022_750_132).abs() < 3e-7);
    }

    #[test]
    fn bounds_bracket_the_proportion_and_shrink_with_n() {
        let mut last_width = f64::INFINITY;
        for n in [10u64, 100, 1000, 10_000] {
            for k in [0, 1, n / 3, n / 2, n - 1, n] {
                let lo = binomial_proportion_lower(n, k, 2.0);
                let hi = binomial_proportion_upper(n, k, 2.0);
                let p = k as f64 / n as f64;
                assert!((0.0..=p).contains(&lo), "n {n} k {k} lo {lo}");
                assert!((p..=1.0).contains(&hi), "n {n} k {k} hi {hi}");
            }
            let w =
                binomial_proportion_upper(n, n / 2, 2.0) - binomial_proportion_lower(n, n / 2, 2.0);
            assert!(w < last_width);
            last_width = w;
        }
        assert_eq!(ratio_bounds(0, 0, 0.5), (0.0, 0.5, 1.0));
        assert_eq!(ratio_bounds(10, 4, 1.0), (0.4, 0.4, 0.4));
    }
}
