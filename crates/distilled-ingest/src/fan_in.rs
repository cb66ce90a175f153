//! Several producer threads feeding one consumer (the distiller).
//!
//! Each producer holds a [`Producer`]: a [`Writer`] on a shared [`Ingest`]
//! (the per-thread sketch of the full stream) plus a batch of records bound
//! for the consumer over a crossbeam channel. [`Producer::push`] updates the
//! sketch with the record's value and queues the record; a full batch is sent
//! in one channel operation, so the channel's cost is paid once per batch.
//!
//! Before a batch is sent the writer publishes, so a consumer that receives a
//! batch and then reads the ingest sees a sketch that already contains every
//! record of that batch (the channel hand-over orders the publication before
//! the read). Each record is moved into exactly one batch and each batch is
//! received exactly once, so no record is lost or duplicated; a dropped
//! producer sends its partial batch.

use crossbeam_channel::{SendError, Sender};
use distilled_core::{EmptyLike, Mergeable, Update};

use crate::{Ingest, Writer};

/// One producer thread's end of a fan-in: a sketch writer plus a record batch.
pub struct Producer<S: Mergeable + EmptyLike + Clone, R> {
    writer: Writer<S>,
    tx: Sender<Vec<R>>,
    batch: Vec<R>,
    batch_size: usize,
}

impl<S: Mergeable + EmptyLike + Clone, R> std::fmt::Debug for Producer<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("queued", &self.batch.len())
            .field("batch_size", &self.batch_size)
            .field("writer", &self.writer)
            .finish_non_exhaustive()
    }
}

impl<S: Mergeable + EmptyLike + Clone + Send, R> Producer<S, R> {
    /// A producer registering a new writer on `ingest` and sending batches of
    /// `batch_size` records (at least 1) on `tx`.
    pub fn new(ingest: &Ingest<S>, tx: Sender<Vec<R>>, batch_size: usize) -> Self {
        let batch_size = batch_size.max(1);
        Producer {
            writer: ingest.writer(),
            tx,
            batch: Vec::with_capacity(batch_size),
            batch_size,
        }
    }

    /// Adds `item` to the sketch and queues `record` for the consumer.
    ///
    /// Blocks only when the channel is bounded and full (back-pressure from a
    /// slow consumer). If the consumer is gone, returns the unsent batch.
    pub fn push<T>(&mut self, item: T, record: R) -> Result<(), SendError<Vec<R>>>
    where
        S: Update<T>,
    {
        self.writer.update(item);
        self.batch.push(record);
        if self.batch.len() >= self.batch_size {
            self.send_batch()?;
        }
        Ok(())
    }

    /// Publishes the sketch and sends the partial batch (if any).
    pub fn flush(&mut self) -> Result<(), SendError<Vec<R>>> {
        self.send_batch()
    }

    fn send_batch(&mut self) -> Result<(), SendError<Vec<R>>> {
        // Publish first: the consumer must find these records in the sketch.
        // A merge error leaves the updates in the shard, to be retried.
        let _ = self.writer.flush();
        if self.batch.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
        self.tx.send(full)
    }
}

impl<S: Mergeable + EmptyLike + Clone, R> Drop for Producer<S, R> {
    fn drop(&mut self) {
        let _ = self.writer.flush();
        if !self.batch.is_empty() {
            let _ = self.tx.send(std::mem::take(&mut self.batch));
        }
    }
}
