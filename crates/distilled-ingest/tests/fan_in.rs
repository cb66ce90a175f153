//! Several producers feeding one consumer: no record lost or duplicated, and
//! the sketch always covers every record the consumer has received.
//! (`fan_in` is left out of loom builds, and so is this test.)
#![cfg(not(loom))]

mod common;

use common::Tally;
use distilled_ingest::Ingest;
use distilled_ingest::fan_in::Producer;

#[test]
fn every_record_arrives_exactly_once_and_is_in_the_sketch() {
    const PRODUCERS: u64 = 4;
    const PER_PRODUCER: u64 = 25_013; // not a multiple of the batch size
    for (batch, cap) in [(1usize, 1usize), (256, 4), (1000, 64)] {
        let ingest = Ingest::builder(Tally::default())
            .publish_every(u64::MAX)
            .build();
        let (tx, rx) = crossbeam_channel::bounded::<Vec<u64>>(cap);
        let mut seen = vec![0u8; (PRODUCERS * PER_PRODUCER) as usize];
        std::thread::scope(|s| {
            for t in 0..PRODUCERS {
                let mut p = Producer::new(&ingest, tx.clone(), batch);
                s.spawn(move || {
                    for i in 0..PER_PRODUCER {
                        let id = t * PER_PRODUCER + i;
                        p.push(id, id).unwrap();
                    }
                    // dropping `p` sends the partial batch
                });
            }
            drop(tx);
            let mut received = 0u64;
            for records in rx {
                received += records.len() as u64;
                for id in records {
                    seen[id as usize] += 1;
                }
                // Published before sent: the sketch holds at least what
                // the consumer has received.
                let n = ingest.read(|t| t.n).unwrap();
                assert!(n >= received, "sketch {n} behind received {received}");
            }
        });
        assert!(
            seen.iter().all(|&c| c == 1),
            "batch={batch}: a record was lost or duplicated"
        );
        assert_eq!(
            ingest.snapshot().unwrap(),
            Tally::of(0..PRODUCERS * PER_PRODUCER)
        );
    }
}

#[test]
fn a_gone_consumer_is_reported_not_a_panic() {
    let ingest = Ingest::new(Tally::default());
    let (tx, rx) = crossbeam_channel::unbounded::<Vec<u64>>();
    drop(rx);
    let mut p = Producer::new(&ingest, tx, 2);
    p.push(1, 1).unwrap();
    let err = p.push(2, 2).unwrap_err();
    assert_eq!(err.into_inner(), vec![1, 2]);
    drop(p);
    // The sketch still counted both.
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([1, 2]));
}
