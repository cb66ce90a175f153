//! `distill select`: stream records through the selection, writing the passed ones verbatim.
//!
//! Pipeline, on two threads: the reader thread splits raw records into an arena, checks them
//! and parses the needed fields into reused [`Rec`]s (or a [`RecordError`]), and hands on
//! chunks of whole batches; the calling thread classifies each batch, writes the passed
//! records' exact bytes, and flushes whenever it would wait for input. Memory is a few chunks
//! plus the processor's window.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::{Format, SelectArgs};
use crate::engine::{self, Characteristics, Rec, Settings, Verdict};
use crate::input::{self, Field, Input, Next, RawReader, RecordError, Span};
use crate::stats::Tracker;
use distilled::select::{CategoryDictionary, Grade, LeafCoder};

/// JSON lines: records read before the first output to check that the named keys exist.
/// CSV needs none (the header names the columns), so it starts flowing at the first batch.
/// Categories are not learned from this prefix: each categorical column discovers its
/// categories on the fly (at most `--max-categories`, later new values pooled as "other").
const DISCOVERY_RECORDS: usize = 1_000;

/// How every record read was accounted for.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Records read (header and blank lines excluded).
    pub read: u64,
    /// Records written to the output.
    pub passed: u64,
    /// Records seen by the selection and not passed.
    pub not_selected: u64,
    /// Records whose event time was too old for the window.
    pub late: u64,
    /// Malformed records skipped with `--skip-invalid`.
    pub skipped_invalid: u64,
    /// Records the processor rejected as invalid.
    pub rejected_invalid: u64,
}

/// The result of a run.
pub struct Outcome {
    /// Counts.
    pub counts: Counts,
    /// Whole-stream bookkeeping, when asked for.
    pub tracker: Option<Tracker>,
    /// The processor's statistics, when asked for (`--stats`, or `track`); null otherwise, as
    /// computing them sorts the window's values.
    pub engine_stats: Value,
}

/// Entry point of `distill select`.
pub fn run(args: &SelectArgs) -> Result<(), String> {
    let (rd, len) = input::open(args.input.input.as_deref())?;
    let out: Box<dyn Write> = match &args.output {
        Some(p) => {
            Box::new(File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 18, out);
    let progress = io::stderr().is_terminal();
    let outcome = distil(rd, len, &mut out, args, args.report.is_some(), progress)?;
    if let Some(p) = &args.stats {
        let c = outcome.counts;
        let v = serde_json::json!({
            "read": c.read,
            "passed": c.passed,
            "not_selected": c.not_selected,
            "late": c.late,
            "invalid": c.skipped_invalid + c.rejected_invalid,
            "skipped_invalid": c.skipped_invalid,
            "rejected_invalid": c.rejected_invalid,
            "rate": args.rate,
            "pass_rate": if c.read == 0 { 0.0 } else { c.passed as f64 / c.read as f64 },
            "processor": outcome.engine_stats,
        });
        let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        std::fs::write(p, text + "\n").map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    if let (Some(p), Some(t)) = (&args.report, &outcome.tracker) {
        let html = crate::report::render(t, &outcome.counts, args.rate, &outcome.engine_stats);
        std::fs::write(p, html).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

/// Where each needed value lives.
struct Plan {
    format: Format,
    delim: u8,
    /// CSV: header names (for messages and field count).
    names: Vec<String>,
    time: Option<(String, usize)>,
    numeric: Vec<(String, usize)>,
    categorical: Vec<(String, usize)>,
    /// Per categorical column: value → category id, discovered on the fly.
    cat_ids: Vec<CategoryDictionary>,
    /// Per categorical column: the ids already handed out, by raw value, so that a known
    /// value costs one hash lookup here instead of the shared dictionary's lock and `String`
    /// map. Ids never change once given; the cache holds at most `--max-categories` values.
    cat_cache: Vec<CatCache>,
}

/// Category ids by raw value. Values of at most 7 bytes (the usual codes and labels) are packed
/// with their length into a `u64` key: one multiply to hash, no byte comparison.
#[derive(Default, Clone)]
struct CatCache {
    short: HashMap<u64, u32, BuildHasherDefault<FxHasher>>,
    long: HashMap<Box<[u8]>, u32, BuildHasherDefault<FxHasher>>,
}

impl CatCache {
    #[inline]
    fn short_key(v: &[u8]) -> Option<u64> {
        // Built in a register: a variable-length copy into a stack word read back whole
        // stalls on store forwarding.
        (v.len() < 8).then(|| {
            v.iter()
                .rev()
                .fold(v.len() as u64, |k, &b| (k << 8) | u64::from(b))
        })
    }

    #[inline]
    fn get(&self, v: &[u8]) -> Option<u32> {
        match Self::short_key(v) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(v).copied(),
        }
    }

    fn insert(&mut self, v: &[u8], id: u32) {
        match Self::short_key(v) {
            Some(k) => self.short.insert(k, id),
            None => self.long.insert(v.into(), id),
        };
    }
}

impl Plan {
    fn err(&self, line: u64, col: Option<&str>, msg: String) -> RecordError {
        RecordError {
            line,
            column: col.map(|c| format!("{c:?}")),
            message: msg,
        }
    }

    fn cat_id(&mut self, j: usize, v: &[u8]) -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        if let Some(id) = self.cat_cache[j].get(v) {
            return f64::from(id);
        }
        self.cat_id_slow(j, v)
    }

    /// A value not yet in the cache: ask the shared dictionary (which may add it).
    #[cold]
    fn cat_id_slow(&mut self, j: usize, v: &[u8]) -> f64 {
        let d = &self.cat_ids[j];
        // Records reach here after their UTF-8 check.
        match d.lookup(std::str::from_utf8(v).unwrap_or_default()) {
            Grade::Category(id) => {
                self.cat_cache[j].insert(v, id);
                f64::from(id)
            }
            // "other" comes right after the dictionary's capacity.
            _ => f64::from(d.max_categories()),
        }
    }

    /// Parse one raw record into `vals` (numeric values, then category ids; NaN = missing)
    /// and return its event time, if there is a time column.
    fn parse(
        &mut self,
        raw: &[u8],
        line: u64,
        fields: &mut Vec<Field>,
        vals: &mut [f64],
    ) -> Result<Option<f64>, RecordError> {
        let rec = input::trim_eol(raw);
        let nn = self.numeric.len();
        match self.format {
            Format::Csv => {
                input::split_csv(rec, self.delim, fields).map_err(|m| self.err(line, None, m))?;
                if fields.len() != self.names.len() {
                    return Err(self.err(
                        line,
                        None,
                        format!(
                            "expected {} fields (as in the header), found {}",
                            self.names.len(),
                            fields.len()
                        ),
                    ));
                }
                // One check for the whole record (ASCII, the usual case, is the fast test).
                if !rec.is_ascii()
                    && let Err(e) = std::str::from_utf8(rec)
                {
                    let f = input::field_at(fields, e.valid_up_to());
                    return Err(self.err(line, Some(&self.names[f]), "invalid UTF-8".into()));
                }
                let time = match &self.time {
                    Some((name, i)) => {
                        let b = input::field_bytes(rec, &fields[*i]);
                        Some(input::parse_time(&b).map_err(|_| {
                            self.err(
                                line,
                                Some(name),
                                format!(
                                    "cannot parse {} as a timestamp (unix seconds or RFC 3339)",
                                    input::show(&b)
                                ),
                            )
                        })?)
                    }
                    None => None,
                };
                for (k, (name, i)) in self.numeric.iter().enumerate() {
                    let b = input::field_bytes(rec, &fields[*i]);
                    vals[k] = input::parse_number(&b)
                        .map_err(|_| {
                            self.err(
                                line,
                                Some(name),
                                format!("cannot parse {} as a number", input::show(&b)),
                            )
                        })?
                        .unwrap_or(f64::NAN);
                }
                for j in 0..self.categorical.len() {
                    let b = input::field_bytes(rec, &fields[self.categorical[j].1]);
                    vals[nn + j] = self.cat_id(j, &b);
                }
                Ok(time)
            }
            Format::Jsonl => {
                if std::str::from_utf8(rec).is_err() {
                    return Err(self.err(line, None, "invalid UTF-8".into()));
                }
                let obj: Map<String, Value> = serde_json::from_slice(rec)
                    .map_err(|e| self.err(line, None, format!("not a JSON object: {e}")))?;
                let time = match &self.time {
                    Some((name, _)) => {
                        let t = match obj.get(name) {
                            Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
                            Some(Value::String(s)) => input::parse_time(s.as_bytes()).ok(),
                            _ => None,
                        };
                        Some(t.ok_or_else(|| {
                            self.err(
                                line,
                                Some(name),
                                format!(
                                    "cannot read {} as a timestamp (unix seconds or RFC 3339)",
                                    obj.get(name).map_or("nothing".into(), |v| v.to_string())
                                ),
                            )
                        })?)
                    }
                    None => None,
                };
                for (k, (name, _)) in self.numeric.iter().enumerate() {
                    vals[k] = match obj.get(name) {
                        None | Some(Value::Null) => f64::NAN,
                        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                        Some(Value::String(s)) => input::parse_number(s.as_bytes())
                            .map_err(|_| {
                                self.err(
                                    line,
                                    Some(name),
                                    format!("cannot parse {s:?} as a number"),
                                )
                            })?
                            .unwrap_or(f64::NAN),
                        Some(v) => {
                            return Err(self.err(
                                line,
                                Some(name),
                                format!("expected a number, found {v}"),
                            ));
                        }
                    };
                }
                for j in 0..self.categorical.len() {
                    vals[nn + j] = match obj.get(&self.categorical[j].0) {
                        None | Some(Value::Null) => f64::NAN,
                        Some(v) => self.cat_id(j, json_cat(v).as_bytes()),
                    };
                }
                Ok(time)
            }
        }
    }
}

/// A small fast hasher for the category cache (a few short keys; the cache is bounded by
/// `--max-categories`, so adversarial collisions cannot make it large).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A JSON value as a category label.
fn json_cat(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn validate(args: &SelectArgs) -> Result<(), String> {
    if !(args.rate > 0.0 && args.rate <= 1.0) {
        return Err(format!("--rate must be in (0, 1], not {}", args.rate));
    }
    if !(args.horizon > 0.0 && args.horizon.is_finite()) {
        return Err(format!("--horizon must be positive, not {}", args.horizon));
    }
    if args.batch_size == 0 {
        return Err("--batch-size must be at least 1".into());
    }
    if args.categorical.is_empty() && args.numeric.is_empty() {
        return Err("name at least one --categorical or --numeric column to balance".into());
    }
    for c in &args.categorical {
        if args.numeric.contains(c) {
            return Err(format!(
                "column {c:?} is given as both categorical and numeric"
            ));
        }
    }
    Ok(())
}

/// Records handed from the reader thread to the selecting one: whole selection batches, each
/// record's exact bytes in one arena and its parsed values beside it.
struct Chunk {
    arena: Vec<u8>,
    /// Accepted records, in input order.
    spans: Vec<Span>,
    /// `recs[..spans.len()]` are the accepted records' (time, values); the slots beyond are
    /// kept so that their allocations are reused when the chunk comes back.
    recs: Vec<(f64, Rec)>,
    /// Exclusive end (in records) of each selection batch.
    cuts: Vec<usize>,
    /// Records read into this chunk (accepted or skipped; not a fatal one).
    read: u64,
    /// Malformed records skipped (`--skip-invalid`).
    skipped: u64,
    /// The error that ends the run, after this chunk's batches.
    fatal: Option<String>,
    /// Input bytes consumed so far (progress).
    bytes: u64,
    /// No chunk follows.
    last: bool,
    /// Empty, or the accepted records' leaf codes (one per value of each [`Rec`]), computed by
    /// the reader thread with the boundaries of generation `generation`, so that the
    /// selecting thread need not search them (it recomputes them if its boundaries changed).
    codes: Vec<u32>,
    generation: u64,
    /// On the way back to the reader: the engine's boundaries of the moment.
    coder: Option<LeafCoder>,
    /// The accepted records' times and values again, flat (filled with `codes`).
    ts: Vec<f64>,
    rows: Vec<f64>,
}

impl Chunk {
    fn new() -> Self {
        Self {
            arena: Vec::with_capacity(CHUNK_BYTES + (CHUNK_BYTES >> 2)),
            spans: Vec::with_capacity(CHUNK_RECORDS),
            recs: Vec::with_capacity(CHUNK_RECORDS),
            cuts: Vec::new(),
            read: 0,
            skipped: 0,
            fatal: None,
            bytes: 0,
            last: false,
            codes: Vec::new(),
            generation: 0,
            coder: None,
            ts: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.spans.clear();
        self.cuts.clear();
        self.read = 0;
        self.skipped = 0;
        self.fatal = None;
        self.last = false;
        self.codes.clear();
        self.ts.clear();
        self.rows.clear();
    }
}

/// A chunk is handed on at the first batch end after it holds this many records or bytes (or
/// earlier, before the reader waits for input).
const CHUNK_RECORDS: usize = 4096;
const CHUNK_BYTES: usize = 1 << 20;

/// The reader thread: raw records → parsed values → batches, cut by the same rules as before
/// (at `--batch-size` records, or when a record's time lies more than `max_span` past the
/// batch's first).
struct Parser {
    plan: Plan,
    reader: RawReader,
    prefix_arena: Vec<u8>,
    prefix: std::vec::IntoIter<Span>,
    fields: Vec<Field>,
    width: usize,
    batch_size: usize,
    max_span: f64,
    skip_invalid: bool,
    tx: SyncSender<Chunk>,
    back: Receiver<Chunk>,
    /// Index (in the current chunk) of the open batch's first record.
    batch_start: usize,
    anchor: Option<f64>,
    arrival: f64,
    /// The newest boundaries the selecting thread sent back, if any.
    coder: Option<LeafCoder>,
}

impl Parser {
    fn fresh_chunk(&mut self) -> Chunk {
        match self.back.try_recv() {
            Ok(mut c) => {
                c.clear();
                if let Some(k) = c.coder.take()
                    && self
                        .coder
                        .as_ref()
                        .is_none_or(|o| o.generation() < k.generation())
                {
                    self.coder = Some(k);
                }
                c
            }
            Err(_) => Chunk::new(),
        }
    }

    /// The leaf codes of the chunk's records, with the newest boundaries known here.
    fn code(&self, chunk: &mut Chunk) {
        chunk.codes.clear();
        chunk.ts.clear();
        chunk.rows.clear();
        let n = chunk.spans.len();
        for (t, r) in &chunk.recs[..n] {
            chunk.ts.push(*t);
            chunk.rows.extend_from_slice(r);
        }
        let Some(coder) = &self.coder else { return };
        if coder.width() != self.width {
            return;
        }
        chunk.generation = coder.generation();
        let (w, n) = (self.width, chunk.spans.len());
        chunk.codes.resize(n * w, 0);
        // Column by column: one column's searches are independent of each other, so they
        // overlap in the CPU. (Categorical codes are not needed: left at 0.)
        for c in (0..w).filter(|&c| coder.is_numeric(c)) {
            for ((_, r), code) in chunk.recs[..n].iter().zip(chunk.codes.chunks_exact_mut(w)) {
                code[c] = coder.code(c, r[c]);
            }
        }
    }

    /// Send the complete batches of `chunk`, moving the open batch into the chunk returned.
    /// `None` when the selecting side has gone away.
    fn hand_on(&mut self, mut chunk: Chunk) -> Option<Chunk> {
        let mut next = self.fresh_chunk();
        let from = self.batch_start;
        if from < chunk.spans.len() {
            let base = chunk.spans[from].start;
            next.arena.extend_from_slice(&chunk.arena[base..]);
            chunk.arena.truncate(base);
            for (k, s) in chunk.spans.drain(from..).enumerate() {
                next.spans.push(Span {
                    start: s.start - base,
                    end: s.end - base,
                    line: s.line,
                });
                if next.recs.len() == k {
                    next.recs
                        .push((0.0, vec![f64::NAN; self.width].into_boxed_slice()));
                }
                std::mem::swap(&mut next.recs[k], &mut chunk.recs[from + k]);
            }
        }
        self.batch_start = 0;
        chunk.bytes = self.reader.bytes;
        self.code(&mut chunk);
        self.tx.send(chunk).ok()?;
        Some(next)
    }

    fn send_last(&mut self, mut chunk: Chunk, fatal: Option<String>) {
        if self.batch_start < chunk.spans.len() {
            chunk.cuts.push(chunk.spans.len());
        }
        chunk.fatal = fatal;
        chunk.last = true;
        chunk.bytes = self.reader.bytes;
        self.code(&mut chunk);
        let _ = self.tx.send(chunk);
    }

    fn run(mut self) {
        let mut chunk = self.fresh_chunk();
        loop {
            let next = match self.prefix.next() {
                Some(s) => {
                    let start = chunk.arena.len();
                    chunk
                        .arena
                        .extend_from_slice(&self.prefix_arena[s.start..s.end]);
                    Next::Record(Span {
                        start,
                        end: chunk.arena.len(),
                        line: s.line,
                    })
                }
                None => self.reader.poll_record(&mut chunk.arena),
            };
            let s = match next {
                Next::Record(s) => s,
                Next::NeedInput => {
                    // The read may block: hand on the batches already complete first, so
                    // that output keeps pace with a slow producer.
                    if !chunk.cuts.is_empty() {
                        match self.hand_on(chunk) {
                            Some(c) => chunk = c,
                            None => return,
                        }
                    }
                    if let Err(e) = self.reader.fill() {
                        chunk.spans.truncate(self.batch_start);
                        self.send_last(chunk, Some(e));
                        return;
                    }
                    continue;
                }
                Next::End => {
                    self.send_last(chunk, None);
                    return;
                }
            };
            chunk.read += 1;
            let k = chunk.spans.len();
            if chunk.recs.len() == k {
                chunk
                    .recs
                    .push((0.0, vec![f64::NAN; self.width].into_boxed_slice()));
            }
            let parsed = self.plan.parse(
                &chunk.arena[s.start..s.end],
                s.line,
                &mut self.fields,
                &mut chunk.recs[k].1,
            );
            let t = match parsed {
                Ok(t) => t,
                Err(_) if self.skip_invalid => {
                    chunk.skipped += 1;
                    chunk.arena.truncate(s.start);
                    continue;
                }
                Err(e) => {
                    chunk.read -= 1;
                    chunk.arena.truncate(s.start);
                    self.send_last(
                        chunk,
                        Some(format!(
                            "{e}\n(use --skip-invalid to skip malformed records and count them in --stats)"
                        )),
                    );
                    return;
                }
            };
            let mut cut = k - self.batch_start == self.batch_size;
            if cut || k == self.batch_start {
                self.anchor = None;
                if self.plan.time.is_none() {
                    self.arrival = now_secs();
                }
            }
            let t = t.unwrap_or(self.arrival);
            if self.plan.time.is_some() {
                match self.anchor {
                    None => self.anchor = Some(t),
                    Some(a) if t - a > self.max_span => {
                        cut = true;
                        self.anchor = Some(t);
                    }
                    Some(_) => {}
                }
            }
            if cut {
                chunk.cuts.push(k);
                self.batch_start = k;
            }
            chunk.recs[k].0 = t;
            chunk.spans.push(s);
            if cut && (k >= CHUNK_RECORDS || chunk.arena.len() >= CHUNK_BYTES) {
                match self.hand_on(chunk) {
                    Some(c) => chunk = c,
                    None => return,
                }
            }
        }
    }
}

/// Run the selection over `rd`, writing passed records to `out`.
///
/// A reader thread splits, checks and parses records and hands them on in chunks of whole
/// batches; this thread selects and writes, so parsing overlaps selection.
pub fn distil(
    rd: Input,
    len: Option<u64>,
    out: &mut dyn Write,
    args: &SelectArgs,
    track: bool,
    progress: bool,
) -> Result<Outcome, String> {
    distil_with(rd, len, out, args, track, progress, &engine::build)
}

/// How [`distil_with`] builds its engine from the characteristics found in the input.
pub type EngineFactory =
    dyn Fn(&Characteristics, Settings) -> Result<Box<dyn engine::Engine>, String>;

/// [`distil`] with another selection engine: benchmarks use it to time the pipeline (reading,
/// parsing, writing) without the selection's cost.
pub fn distil_with(
    rd: Input,
    len: Option<u64>,
    out: &mut dyn Write,
    args: &SelectArgs,
    track: bool,
    progress: bool,
    build: &EngineFactory,
) -> Result<Outcome, String> {
    validate(args)?;
    let format = args.input.format;
    let delim = input::delimiter(&args.input)?;
    let mut reader = RawReader::new(rd, format);
    let mut counts = Counts::default();

    // Header and column resolution: every error here comes before any output.
    let header = match format {
        Format::Csv => match input::read_header(&mut reader, delim)? {
            Some(h) => Some(h),
            None => {
                return Ok(Outcome {
                    counts,
                    tracker: None,
                    engine_stats: Value::Null,
                });
            }
        },
        Format::Jsonl => None,
    };
    let names = header.as_ref().map_or_else(Vec::new, |h| h.names.clone());
    let resolve = |name: &String| -> Result<(String, usize), String> {
        match format {
            Format::Csv => Ok((name.clone(), input::column_index(&names, name)?)),
            Format::Jsonl => Ok((name.clone(), 0)),
        }
    };
    let time = args.time_column.as_ref().map(resolve).transpose()?;
    let numeric = args
        .numeric
        .iter()
        .map(resolve)
        .collect::<Result<Vec<_>, _>>()?;
    let categorical = args
        .categorical
        .iter()
        .map(resolve)
        .collect::<Result<Vec<_>, _>>()?;

    // JSON lines: check from a prefix that the named keys exist, before any output.
    let mut prefix_arena = Vec::new();
    let mut prefix: Vec<Span> = Vec::new();
    if format == Format::Jsonl {
        while prefix.len() < DISCOVERY_RECORDS {
            match reader.next_record(&mut prefix_arena)? {
                Some(s) => prefix.push(s),
                None => break,
            }
        }
        let mut keys_seen: HashMap<String, ()> = HashMap::new();
        for s in &prefix {
            let rec = input::trim_eol(&prefix_arena[s.start..s.end]);
            let Ok(obj) = serde_json::from_slice::<Map<String, Value>>(rec) else {
                continue;
            };
            for k in obj.keys() {
                if !keys_seen.contains_key(k) {
                    keys_seen.insert(k.clone(), ());
                }
            }
        }
        if !prefix.is_empty() {
            for (name, _) in time.iter().chain(&numeric).chain(&categorical) {
                if !keys_seen.contains_key(name) {
                    let mut known: Vec<&String> = keys_seen.keys().collect();
                    known.sort();
                    let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
                    return Err(format!(
                        "unknown column {name:?}: no key of that name in the first {} records; keys seen: {}",
                        prefix.len(),
                        known.join(", ")
                    ));
                }
            }
        }
    }
    let mut cat_ids = Vec::new();
    let mut cat_lists = Vec::new();
    for (name, _) in &categorical {
        let d = CategoryDictionary::new(args.max_categories.max(1));
        let mut list = vec![String::new(); d.max_categories() as usize];
        list.push("other".into());
        cat_ids.push(d);
        cat_lists.push((name.clone(), list));
    }
    let chars = Characteristics {
        numeric: numeric.iter().map(|(n, _)| n.clone()).collect(),
        categorical: cat_lists,
        discovered: cat_ids.clone(),
    };
    let width = numeric.len() + categorical.len();
    let plan = Plan {
        format,
        delim,
        names,
        time,
        numeric,
        cat_cache: vec![CatCache::default(); categorical.len()],
        categorical,
        cat_ids,
    };
    let mut engine = build(
        &chars,
        Settings {
            rate: args.rate,
            horizon: args.horizon,
            batch_size: args.batch_size,
            seed: args.seed,
        },
    )?;
    let mut tracker = track.then(|| Tracker::new(&chars, args.seed));

    let bar = progress.then(|| make_bar(len));
    let mut w = Out {
        out,
        closed: false,
        error: None,
    };
    if let Some(h) = &header {
        w.write(&h.raw);
        w.flush();
    }

    // Two chunks in flight ahead of the selection bound the memory; used chunks come back to
    // be refilled. The reader thread is not joined: if the output closes early it may be
    // waiting on input, and it ends by itself when it next tries to hand on a chunk.
    let (tx, rx) = sync_channel::<Chunk>(2);
    let (back_tx, back_rx) = sync_channel::<Chunk>(4);
    let parser = Parser {
        plan,
        reader,
        prefix_arena,
        prefix: prefix.into_iter(),
        fields: Vec::new(),
        width,
        batch_size: args.batch_size,
        // A batch closes (event time) once it spans a quarter of the horizon: the processor
        // moves "now" to a batch's newest time, so a batch spanning more than the horizon
        // would make its own early records late.
        max_span: args.horizon * 0.25,
        skip_invalid: args.skip_invalid,
        tx,
        back: back_rx,
        batch_start: 0,
        anchor: None,
        arrival: 0.0,
        coder: None,
    };
    std::thread::Builder::new()
        .name("distill-reader".into())
        .spawn(move || parser.run())
        .map_err(|e| format!("cannot start the reader thread: {e}"))?;

    let mut verdicts = Vec::new();
    let mut pending = rx.recv().ok();
    loop {
        let Some(chunk) = pending.take() else {
            return Err("the reader thread stopped unexpectedly".into());
        };
        counts.read += chunk.read;
        counts.skipped_invalid += chunk.skipped;
        let mut a = 0;
        for &b in &chunk.cuts {
            let batch = &chunk.recs[a..b];
            let n = chunk.spans.len();
            let codes = if chunk.codes.len() == n * width {
                &chunk.codes[a * width..b * width]
            } else {
                &[]
            };
            if chunk.ts.len() == n && chunk.rows.len() == n * width {
                engine.classify_rows_into(
                    batch,
                    &chunk.ts[a..b],
                    &chunk.rows[a * width..b * width],
                    codes,
                    chunk.generation,
                    &mut verdicts,
                );
            } else if !codes.is_empty() {
                engine.classify_precoded_into(batch, codes, chunk.generation, &mut verdicts);
            } else {
                engine.classify_into(batch, &mut verdicts);
            }
            debug_assert_eq!(verdicts.len(), batch.len());
            for (v, s) in verdicts.iter().zip(&chunk.spans[a..b]) {
                match v {
                    Verdict::Passed => {
                        counts.passed += 1;
                        let bytes = &chunk.arena[s.start..s.end];
                        w.write(bytes);
                        if bytes.last() != Some(&b'\n') {
                            w.write(b"\n");
                        }
                    }
                    Verdict::NotSelected => counts.not_selected += 1,
                    Verdict::Late => counts.late += 1,
                    Verdict::Invalid => counts.rejected_invalid += 1,
                }
            }
            if let Some(t) = tracker.as_mut() {
                t.observe(batch, &verdicts);
            }
            a = b;
        }
        if let Some(b) = &bar {
            b.set_position(if len.is_some() {
                chunk.bytes
            } else {
                counts.read
            });
        }
        if let Some(e) = chunk.fatal {
            w.flush();
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(e);
        }
        if chunk.last {
            w.flush();
            break;
        }
        if w.closed {
            break;
        }
        let mut chunk = chunk;
        chunk.coder = engine.leaf_coder();
        let _ = back_tx.try_send(chunk);
        // Flush when the next chunk is not ready yet (the consumer sees output while input
        // still arrives); while chunks queue up, the large buffer batches the writes.
        pending = match rx.try_recv() {
            Ok(c) => Some(c),
            Err(_) => {
                w.flush();
                rx.recv().ok()
            }
        };
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(e) = w.error {
        return Err(e);
    }
    if let Some(t) = tracker.as_mut() {
        t.chars.name_discovered();
    }
    let engine_stats = if track || args.stats.is_some() {
        engine.stats()
    } else {
        Value::Null
    };
    Ok(Outcome {
        counts,
        tracker,
        engine_stats,
    })
}

/// Output that stops quietly when the consumer goes away (`distill select … | head`).
struct Out<'a> {
    out: &'a mut dyn Write,
    closed: bool,
    error: Option<String>,
}

impl Out<'_> {
    fn handle(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            if e.kind() != io::ErrorKind::BrokenPipe && self.error.is_none() {
                self.error = Some(format!("write error: {e}"));
            }
            self.closed = true;
        }
    }
    fn write(&mut self, b: &[u8]) {
        if !self.closed {
            let r = self.out.write_all(b);
            self.handle(r);
        }
    }
    fn flush(&mut self) {
        if !self.closed {
            let r = self.out.flush();
            self.handle(r);
        }
    }
}

fn make_bar(len: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} records ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::*;

    /// Hands out its data in pieces of varying size, so that the reader thread hands on chunks
    /// at other places than with the whole input at hand.
    struct Pieces(Vec<u8>, usize, usize);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.2 = (self.2 * 7 + 13) % 3001 + 1;
            let n = self.2.min(buf.len()).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    fn args(batch: usize, skip: bool) -> SelectArgs {
        SelectArgs {
            horizon: 600.0,
            batch_size: batch,
            seed: 5,
            skip_invalid: skip,
            ..SelectArgs::for_columns(Some("ts"), &["c"], &["x"])
        }
    }

    fn input(rows: usize, bad_every: usize) -> Vec<u8> {
        let mut s = String::from("ts,c,x\n");
        for i in 0..rows {
            // Jumps in time close batches early now and then.
            let t = 1_000_000.0 + i as f64 * 0.5 + if i % 977 == 0 { 400.0 } else { 0.0 };
            if bad_every > 0 && i % bad_every == bad_every - 1 {
                s += &format!("{t},c{},oops\n", i % 5);
            } else {
                s += &format!("{t},\"c{}\",{}\n", i % 5, (i * 37) % 101);
            }
        }
        s.into_bytes()
    }

    fn run(data: &[u8], pieces: bool, a: &SelectArgs) -> (Vec<u8>, Result<Counts, String>) {
        let rd: Input = if pieces {
            Box::new(Pieces(data.to_vec(), 0, 0))
        } else {
            Box::new(io::Cursor::new(data.to_vec()))
        };
        let mut out = Vec::new();
        let r = distil(rd, None, &mut out, a, false, false).map(|o| o.counts);
        (out, r)
    }

    #[test]
    fn output_does_not_depend_on_how_input_arrives() {
        for (batch, skip, bad) in [
            (100, false, 0),
            (7, false, 0),
            (1000, true, 53),
            (3, false, 20_000),
        ] {
            let data = input(30_000, bad);
            let a = args(batch, skip);
            let (whole, rw) = run(&data, false, &a);
            let (pieces, rp) = run(&data, true, &a);
            assert_eq!(whole, pieces, "batch {batch}");
            assert_eq!(rw, rp, "batch {batch}");
            match rw {
                Ok(c) => {
                    assert_eq!(c.read, 30_000);
                    assert_eq!(
                        c.read,
                        c.passed + c.not_selected + c.late + c.skipped_invalid + c.rejected_invalid
                    );
                    if let Some(n) = 30_000usize.checked_div(bad) {
                        assert_eq!(c.skipped_invalid, n as u64);
                    }
                    assert!(c.passed > 2_000, "{c:?}");
                }
                Err(e) => assert!(e.starts_with("line 20001, column \"x\""), "{e}"),
            }
        }
    }
}
