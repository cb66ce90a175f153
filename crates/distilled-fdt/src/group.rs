//! One row of an FDT query result.

use std::fmt;

/// A primary key and the statistics of the distinct tuples it owns.
///
/// With `count` retained entries in the group and sketch sampling rate
/// `theta` (the DataSketches `PostProcessor` formulas):
/// `estimate = count / theta`; `lower_bound` / `upper_bound` are the binomial
/// bounds of the theta family for `count` samples at `theta` (both equal
/// `count` while the sketch is exact); `fraction = count / retained entries`;
/// `rse = upper_bound(1 sd) / estimate - 1` (0 while exact).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Group {
    /// Retained sketch entries (distinct tuples sampled) with this primary key.
    pub count: u64,
    /// Estimated number of distinct tuples with this primary key.
    pub estimate: f64,
    /// Upper confidence bound on that number.
    pub upper_bound: f64,
    /// Lower confidence bound on that number.
    pub lower_bound: f64,
    /// The group's share of all retained entries, an estimate of its share of
    /// all distinct tuples.
    pub fraction: f64,
    /// Relative standard error of `estimate`.
    pub rse: f64,
    /// The primary-key strings joined with the query's separator.
    pub primary_key: String,
    /// The primary-key strings, in the order of the query's indices.
    pub primary_key_parts: Vec<String>,
}

impl Group {
    /// Column titles aligned with the [`Display`](fmt::Display) of a group:
    /// Count, Est, UB, LB, Fraction, RSE, PriKey.
    ///
    /// ```
    /// assert!(distilled_fdt::Group::header().trim_start().starts_with("Count"));
    /// ```
    pub fn header() -> String {
        format!(
            "{:>12}{:>15}{:>15}{:>15}{:>12}{:>12} {}",
            "Count", "Est", "UB", "LB", "Fraction", "RSE", "PriKey"
        )
    }
}

/// Formats `x` with two decimals and thousands separators (`1,234.50`).
fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut out = String::with_capacity(s.len() + int.len() / 3 + 1);
    if x.is_sign_negative() && x != 0.0 {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

impl fmt::Display for Group {
    /// One row under [`Group::header`], laid out as Java's `Group.toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>12}{:>15}{:>15}{:>15}{:>12.6}{:>12.6} {}",
            grouped(self.count as f64, 0),
            grouped(self.estimate, 2),
            grouped(self.upper_bound, 2),
            grouped(self.lower_bound, 2),
            self.fraction,
            self.rse,
            self.primary_key
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_layout() {
        let g = Group {
            count: 1234,
            estimate: 5678901.234,
            upper_bound: 6000000.0,
            lower_bound: 5000000.5,
            fraction: 0.123456789,
            rse: 0.05,
            primary_key: "10.0.0.1".into(),
            primary_key_parts: vec!["10.0.0.1".into()],
        };
        let row = g.to_string();
        assert_eq!(
            row,
            "       1,234   5,678,901.23   6,000,000.00   5,000,000.50    0.123457    0.050000 10.0.0.1"
        );
        let header = Group::header();
        assert_eq!(
            header,
            "       Count            Est             UB             LB    Fraction         RSE PriKey"
        );
        // Columns line up: the key starts at the same offset.
        assert_eq!(row.find("10.0.0.1"), header.find("PriKey"));
        assert_eq!(grouped(0.0, 2), "0.00");
        assert_eq!(grouped(999.999, 2), "1,000.00");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
    }
}
