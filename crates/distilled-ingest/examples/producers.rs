//! Several producer threads feeding one distillation.
//!
//! Each producer thread updates its own shard of a shared sketch of the full
//! stream (through `distilled-ingest`) and hands its records to the selecting
//! thread in batches over a bounded crossbeam channel. The selecting thread
//! reads the merged sketch, which always covers every record it has
//! received, and decides per record. The selector here is a stand-in (it
//! passes records more than one standard deviation above the stream mean);
//! `DistilledProcessor` from the `distilled` crate takes its place in the
//! real pipeline.
//!
//! Run: `cargo run -p distilled-ingest --example producers --release`
//!
//! (Under `--cfg loom` the crate leaves out `fan_in`, which uses real
//! threads and channels; the example then compiles to an empty `main` so that
//! loom builds of all targets stay warning-free.)

#[cfg(not(loom))]
use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
#[cfg(not(loom))]
use distilled_ingest::Ingest;
#[cfg(not(loom))]
use distilled_ingest::fan_in::Producer;

#[cfg(not(loom))]
/// Count, mean and variance of the stream: exact and mergeable.
#[derive(Clone, Copy, Debug, Default)]
struct Moments {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

#[cfg(not(loom))]
impl Mergeable for Moments {
    fn merge(&mut self, o: &Self) -> Result<(), MergeError> {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        Ok(())
    }
}
#[cfg(not(loom))]
impl EmptyLike for Moments {
    fn empty_like(&self) -> Self {
        Moments::default()
    }
}
#[cfg(not(loom))]
impl Update<f64> for Moments {
    fn update(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }
}

#[cfg(not(loom))]
#[derive(Debug)]
struct Record {
    id: u64,
    value: f64,
}

#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    const PRODUCERS: u64 = 4;
    const PER_PRODUCER: u64 = 250_000;
    let ingest = Ingest::builder(Moments::default())
        .publish_every(4096)
        .build();
    let (tx, rx) = crossbeam_channel::bounded::<Vec<Record>>(16);

    let (passed, received, ids_ok) = std::thread::scope(|s| {
        for t in 0..PRODUCERS {
            let mut p = Producer::new(&ingest, tx.clone(), 1024);
            s.spawn(move || {
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ t;
                for i in 0..PER_PRODUCER {
                    // xorshift: a cheap deterministic value stream per producer
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let value = (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0;
                    let rec = Record {
                        id: t * PER_PRODUCER + i,
                        value,
                    };
                    p.push(value, rec).expect("selector alive");
                }
            });
        }
        drop(tx);

        // The selecting thread.
        let mut seen = vec![false; (PRODUCERS * PER_PRODUCER) as usize];
        let mut ids_ok = true;
        let (mut passed, mut received) = (0u64, 0u64);
        for batch in rx {
            let m = ingest.snapshot().expect("mergeable");
            let mean = m.sum / m.n as f64;
            let sd = (m.sum_sq / m.n as f64 - mean * mean).max(0.0).sqrt();
            for rec in batch {
                ids_ok &= !std::mem::replace(&mut seen[rec.id as usize], true);
                received += 1;
                if rec.value > mean + sd {
                    passed += 1;
                }
            }
        }
        ids_ok &= seen.iter().all(|&b| b);
        (passed, received, ids_ok)
    });

    let m = ingest.snapshot().expect("mergeable");
    println!("records received by the selector: {received}");
    println!("records in the merged sketch:     {}", m.n);
    println!("every record exactly once:        {ids_ok}");
    println!("passed by the stand-in selector:  {passed}");
    assert_eq!(m.n, received);
    assert!(ids_ok);
}
