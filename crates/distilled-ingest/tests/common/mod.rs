//! An exact "sketch" for tests: it counts items and sums them, so a lost
//! update changes `n` and a duplicated one changes both `n` and `sum`.
#![allow(dead_code)]

use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
use distilled_ingest::Ingest;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub n: u64,
    pub sum: u128,
    /// A tally that has seen `u64::MAX` refuses merges both ways (to test
    /// error paths).
    pub poisoned: bool,
}

impl Tally {
    pub fn of(items: impl IntoIterator<Item = u64>) -> Tally {
        let mut t = Tally::default();
        for i in items {
            t.update(i);
        }
        t
    }
}

impl Mergeable for Tally {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if self.poisoned || other.poisoned {
            return Err(MergeError::Incompatible("poisoned tally".into()));
        }
        self.n += other.n;
        self.sum += other.sum;
        Ok(())
    }
}

impl EmptyLike for Tally {
    fn empty_like(&self) -> Self {
        Tally::default()
    }
}

impl Update<u64> for Tally {
    fn update(&mut self, item: u64) {
        if item == u64::MAX {
            self.poisoned = true;
        }
        self.n += 1;
        self.sum += u128::from(item);
    }
}

/// Feeds 0..1000 to `writer` on a thread that then panics, and checks that
/// unwinding dropped the writer with every item published and its slot
/// retired (the same guarantee for every writer type).
pub fn check_panicking_writer_publishes_on_unwind<W>(ingest: &Ingest<Tally>, mut writer: W)
where
    W: Update<u64> + Send + 'static,
{
    let h = std::thread::spawn(move || {
        for i in 0..1_000 {
            writer.update(i);
        }
        panic!("producer failed");
    });
    assert!(h.join().is_err());
    assert_eq!(ingest.snapshot().unwrap(), Tally::of(0..1_000));
    assert_eq!(ingest.live_writers(), 0);
}
