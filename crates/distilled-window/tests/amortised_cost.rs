//! The two-stacks window's merge and clone counts, measured with a sketch
//! that counts them: O(1) amortised per query, against one merge per pane
//! for the naive query. Counts, not timings.

use std::cell::Cell;
use std::rc::Rc;

use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
use distilled_window::{SlidingWindow, WindowConfig};

#[derive(Debug, Default)]
struct Ops {
    merges: Cell<u64>,
    clones: Cell<u64>,
}

/// A count that reports every merge and clone to a shared tally.
#[derive(Debug)]
struct Counted {
    n: u64,
    ops: Rc<Ops>,
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.ops.clones.set(self.ops.clones.get() + 1);
        Counted {
            n: self.n,
            ops: self.ops.clone(),
        }
    }
}

impl Mergeable for Counted {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.ops.merges.set(self.ops.merges.get() + 1);
        self.n += other.n;
        Ok(())
    }
}

impl EmptyLike for Counted {
    fn empty_like(&self) -> Self {
        Counted {
            n: 0,
            ops: self.ops.clone(),
        }
    }
}

impl Update<u64> for Counted {
    fn update(&mut self, x: u64) {
        self.n += x;
    }
}

fn window(panes: usize) -> (SlidingWindow<Counted>, Rc<Ops>) {
    let ops = Rc::new(Ops::default());
    let proto = Counted {
        n: 0,
        ops: ops.clone(),
    };
    let cfg = WindowConfig::with_panes(panes as f64, panes).unwrap();
    (SlidingWindow::new(proto, cfg), ops)
}

#[test]
fn one_query_per_pane_costs_o1_amortised_merges() {
    let panes = 60;
    let (mut w, ops) = window(panes);
    let (mut queries, mut items) = (0u64, 0u64);
    for pane in 0..3000u64 {
        for j in 0..5 {
            w.update_at(pane as f64 + f64::from(j) * 0.2, 1).unwrap();
            items += 1;
        }
        let got = w.query().unwrap();
        queries += 1;
        assert_eq!(got.n, items.min(5 * panes as u64));
    }
    let merges = ops.merges.get() as f64 / queries as f64;
    let clones = ops.clones.get() as f64 / queries as f64;
    // Per query: front+back+head (2 merges, 1 clone), one back merge for the
    // pane closed since the last query, and a flip of 59 panes every 59
    // queries (1 merge and 1 clone each): about 4 merges and 2 clones.
    assert!(merges <= 4.1, "{merges} merges per query");
    assert!(clones <= 2.1, "{clones} clones per query");
    // The naive query merges every pane.
    let before = ops.merges.get();
    w.query_naive().unwrap();
    assert_eq!(ops.merges.get() - before, panes as u64);
}

#[test]
fn updates_never_merge_and_repeated_queries_are_cheap() {
    let (mut w, ops) = window(60);
    for i in 0..60_000u64 {
        w.update_at(i as f64 * 0.01, 1).unwrap();
    }
    assert_eq!(ops.merges.get(), 0, "the update path never merges");
    w.query().unwrap(); // flips the 59 closed panes into a front
    let (m, c) = (ops.merges.get(), ops.clones.get());
    assert!(m <= 61 && c <= 61, "flip: {m} merges, {c} clones");
    for _ in 0..100 {
        assert_eq!(w.query().unwrap().n, 6000);
    }
    assert!(ops.merges.get() - m <= 200, "at most two merges per query");
    assert!(ops.clones.get() - c <= 100, "one clone per query");
}
