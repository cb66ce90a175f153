//! Quick update-throughput probe: `cargo run --release -p distilled-kll --example kll_speed [n]`.
//! The criterion comparison with the peer lives in `benches/benches/kll.rs`.

use distilled_kll::KllSketch;
/// Nanoseconds this thread has spent on a CPU (Linux schedstat), so that the
/// probe is less disturbed by other processes on a loaded machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

struct Instant(u64);
impl Instant {
    fn now() -> Self {
        Instant(cpu_ns())
    }
    fn elapsed(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(cpu_ns() - self.0)
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let mut z = 0x1234_5678_u64;
    let xs: Vec<f64> = (0..n)
        .map(|_| {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            (z >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    // `kll_speed <n> asc` measures sorted input instead.
    let xs: Vec<f64> = if std::env::args().nth(2).as_deref() == Some("asc") {
        (0..n).map(|i| i as f64).collect()
    } else {
        xs
    };
    for round in 0..5 {
        let t = Instant::now();
        let mut sk = KllSketch::<f64>::builder().seed(1).build().unwrap();
        for &x in &xs {
            sk.update(x);
        }
        let single = t.elapsed().as_secs_f64() * 1e9 / n as f64;
        let t = Instant::now();
        let mut sk2 = KllSketch::<f64>::builder().seed(1).build().unwrap();
        sk2.update_slice(&xs);
        let batch = t.elapsed().as_secs_f64() * 1e9 / n as f64;
        let t = Instant::now();
        let mut peer =
            datasketches::kll::KllSketch::<datasketches::kll::KllFloat<f64>>::new(200).unwrap();
        for &x in &xs {
            peer.update(datasketches::kll::KllFloat::<f64>::new(x).unwrap());
        }
        let p = t.elapsed().as_secs_f64() * 1e9 / n as f64;
        println!(
            "peer datasketches 0.6: {p:.2} ns/value, retained {}, ratio single {:.2} batch {:.2}",
            peer.num_retained(),
            p / single,
            p / batch
        );
        println!(
            "round {round}: update {single:.2} ns/value, update_slice {batch:.2} ns/value, retained {}",
            sk.num_retained() + sk2.num_retained() - sk.num_retained()
        );
    }
}
