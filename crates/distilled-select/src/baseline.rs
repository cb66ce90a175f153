//! Bernoulli sampling: the baseline every representativeness figure is
//! compared with.

/// Keeps each record independently with probability `rate` (seeded
/// xoshiro-free SplitMix64 stream, so it needs no dependency).
///
/// ```
/// use distilled_select::Bernoulli;
/// let mut b = Bernoulli::new(0.1, 7);
/// let kept = (0..10_000).filter(|_| b.keep()).count();
/// assert!((900..1100).contains(&kept));
/// ```
#[derive(Debug, Clone)]
pub struct Bernoulli {
    threshold: u64,
    state: u64,
    all: bool,
}

impl Bernoulli {
    /// A sampler keeping a share `rate` (clamped to `[0, 1]`) of records.
    pub fn new(rate: f64, seed: u64) -> Self {
        let rate = rate.clamp(0.0, 1.0);
        Self {
            threshold: (rate * (u64::MAX as f64)) as u64,
            state: seed,
            all: rate >= 1.0,
        }
    }

    /// Whether to keep the next record.
    #[inline]
    pub fn keep(&mut self) -> bool {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        self.all || z < self.threshold
    }

    /// The records of `batch` kept, in order.
    pub fn sample_batch<R>(&mut self, batch: Vec<R>) -> Vec<R> {
        batch.into_iter().filter(|_| self.keep()).collect()
    }
}
