//! One compaction step: sort a run (level 0 only), keep every other item by a
//! coin flip, and place the survivors in the level above (DataSketches'
//! `randomly_halve_up` / `randomly_halve_down` + `merge_sorted_arrays`).

/// Where the even-length run to compact lies.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// First index of the run.
    pub beg: usize,
    /// Its (even) length; the level above starts at `beg + pop`.
    pub pop: usize,
    /// Items in the level above.
    pub pop_above: usize,
    /// Whether the run must be sorted first (unsorted level 0).
    pub sort: bool,
    /// The coin: which parity survives.
    pub bit: usize,
}

/// The step both variants begin with: half the run's length, or `None` for
/// an empty run (nothing to do), with the run sorted first where asked.
fn sorted_half<S>(buf: &mut [S], run: Run, sort: impl Fn(&mut [S])) -> Option<usize> {
    let half = run.pop / 2;
    if half == 0 {
        return None;
    }
    if run.sort {
        sort(&mut buf[run.beg..run.beg + run.pop]);
    }
    Some(half)
}

/// Afterwards the level above is `buf[beg + pop/2 .. beg + pop + pop_above]`,
/// sorted. Survivors: when the level above is empty they are the items at
/// relative positions `2m + 1 - bit` ("halve up"), otherwise `2m + bit`
/// ("halve down", then merged with the level above). Ties in the merge take
/// the level above first, as DataSketches does.
pub(crate) fn compact_run_swap<S: Ord>(buf: &mut [S], run: Run, sort: impl Fn(&mut [S])) {
    let Some(half) = sorted_half(buf, run, sort) else {
        return;
    };
    let Run {
        beg,
        pop_above,
        bit,
        ..
    } = run;
    let pop = 2 * half;
    if pop_above == 0 {
        for m in (0..half).rev() {
            buf.swap(beg + half + m, beg + 2 * m + 1 - bit);
        }
        return;
    }
    for m in 0..half {
        buf.swap(beg + m, beg + 2 * m + bit);
    }
    // Merge buf[beg..beg+half] and buf[b..b_lim] into buf[beg+half..]: the
    // output position never passes the next unread item of the level above,
    // and swapped-out values land in slots already consumed.
    let (a_lim, b_lim) = (beg + half, beg + pop + pop_above);
    let (mut a, mut b, mut c) = (beg, beg + pop, beg + half);
    while a < a_lim && b < b_lim {
        if buf[a] < buf[b] {
            buf.swap(c, a);
            a += 1;
        } else {
            buf.swap(c, b);
            b += 1;
        }
        c += 1;
    }
    while a < a_lim {
        buf.swap(c, a);
        a += 1;
        c += 1;
    }
}

/// The same step for `Copy` items: plain copies and a branch-free merge.
#[inline]
pub(crate) fn compact_run_copy<S: Ord + Copy>(
    buf: &mut [S],
    run: Run,
    scratch: &mut Vec<S>,
    sort: impl Fn(&mut [S]),
) {
    let Some(half) = sorted_half(buf, run, sort) else {
        return;
    };
    let Run {
        beg,
        pop_above,
        bit,
        ..
    } = run;
    let pop = 2 * half;
    if pop_above == 0 {
        // Survivor m goes to beg + half + m from beg + 2m + 1 - bit, which is
        // never above it: copying downward from the top is safe in place.
        let region = &mut buf[beg..beg + pop];
        for m in (0..half).rev() {
            region[half + m] = region[2 * m + 1 - bit];
        }
        return;
    }
    // Survivors to scratch, then merge scratch with the level above into
    // buf[beg + half ..]. Once the survivors run out, the rest of the level
    // above is already in place.
    scratch.clear();
    scratch.extend(
        buf[beg + bit..beg + pop]
            .iter()
            .step_by(2)
            .take(half)
            .copied(),
    );
    let a = &scratch[..];
    let out = &mut buf[beg + half..beg + pop + pop_above];
    // In `out`, the level above starts at `half`. When all of it comes
    // before the first survivor (ties go to the level above), as on sorted
    // input, it moves down as one block. (A binary search for a partial
    // prefix costs more than it saves on random input.)
    let pre = if out[out.len() - 1] <= a[0] {
        pop_above
    } else {
        0
    };
    out.copy_within(half..half + pre, 0);
    let (mut i, mut j, mut c) = (0usize, half + pre, pre);
    let end = out.len();
    while i < a.len() && j < end {
        let x = a[i];
        let y = out[j];
        let take_a = x < y;
        out[c] = if take_a { x } else { y };
        i += usize::from(take_a);
        j += usize::from(!take_a);
        c += 1;
    }
    if i < a.len() {
        out[c..c + a.len() - i].copy_from_slice(&a[i..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_and_swap_versions_agree() {
        let mut z = 7u64;
        let mut next = || {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            z % 50
        };
        for case in 0..2000 {
            let lead = (next() % 5) as usize;
            let pop = 2 * (next() % 20) as usize;
            let pop_above = if case % 3 == 0 {
                0
            } else {
                (next() % 30) as usize
            };
            let mut above: Vec<u64> = (0..pop_above).map(|_| next()).collect();
            above.sort_unstable();
            let mut buf: Vec<u64> = (0..lead).map(|_| 999).collect();
            buf.extend((0..pop).map(|_| next()));
            buf.extend(above);
            let run = Run {
                beg: lead,
                pop,
                pop_above,
                sort: true,
                bit: case % 2,
            };
            let mut a = buf.clone();
            let mut b = buf.clone();
            compact_run_swap(&mut a, run, |s: &mut [u64]| s.sort_unstable());
            compact_run_copy(&mut b, run, &mut Vec::new(), |s: &mut [u64]| {
                s.sort_unstable()
            });
            let lo = lead + pop / 2;
            assert_eq!(a[lo..], b[lo..], "case {case}");
            assert!(a[lo..].windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
