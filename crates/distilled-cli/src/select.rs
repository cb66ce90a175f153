//! `distill select`: stream records through the selection, writing the passed ones verbatim.
//!
//! Pipeline per batch: read raw records into an arena → parse the needed fields into a
//! [`Rec`] (or a [`RecordError`]) → classify the batch → write the passed records' exact bytes
//! → flush. Memory is one batch plus the processor's window.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::{Format, SelectArgs};
use crate::engine::{self, Characteristics, Rec, Settings, Verdict};
use crate::input::{self, Field, RawReader, RecordError, Span};
use crate::stats::Tracker;
use distilled::select::{CategoryDictionary, Grade};

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
    /// The processor's statistics.
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
    let mut out = BufWriter::with_capacity(1 << 16, out);
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
}

impl Plan {
    fn err(&self, line: u64, col: Option<&str>, msg: String) -> RecordError {
        RecordError {
            line,
            column: col.map(|c| format!("{c:?}")),
            message: msg,
        }
    }

    fn cat_id(&self, j: usize, v: &[u8]) -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        let d = &self.cat_ids[j];
        // Records reach here after their UTF-8 check.
        match d.lookup(std::str::from_utf8(v).unwrap_or_default()) {
            Grade::Category(id) => f64::from(id),
            // "other" comes right after the dictionary's capacity.
            _ => f64::from(d.max_categories()),
        }
    }

    /// Parse one raw record into (event time, values).
    fn parse(
        &self,
        raw: &[u8],
        line: u64,
        fields: &mut Vec<Field>,
    ) -> Result<(Option<f64>, Rec), RecordError> {
        let rec = input::trim_eol(raw);
        let nn = self.numeric.len();
        let mut vals = vec![f64::NAN; nn + self.categorical.len()].into_boxed_slice();
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
                if let Err(e) = std::str::from_utf8(rec) {
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
                for (j, (_, i)) in self.categorical.iter().enumerate() {
                    let b = input::field_bytes(rec, &fields[*i]);
                    vals[nn + j] = self.cat_id(j, &b);
                }
                Ok((time, vals))
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
                for (j, (name, _)) in self.categorical.iter().enumerate() {
                    vals[nn + j] = match obj.get(name) {
                        None | Some(Value::Null) => f64::NAN,
                        Some(v) => self.cat_id(j, json_cat(v).as_bytes()),
                    };
                }
                Ok((time, vals))
            }
        }
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

/// Run the selection over `rd`, writing passed records to `out`.
pub fn distil(
    rd: Box<dyn BufRead>,
    len: Option<u64>,
    out: &mut dyn Write,
    args: &SelectArgs,
    track: bool,
    progress: bool,
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

    // Discovery: learn categories (and, for JSON lines, which keys exist) from a prefix.
    let mut prefix_arena = Vec::new();
    let mut prefix: Vec<Span> = Vec::new();
    let discovery = if format == Format::Csv {
        0
    } else {
        DISCOVERY_RECORDS
    };
    while prefix.len() < discovery {
        match reader.next_record(&mut prefix_arena)? {
            Some(s) => prefix.push(s),
            None => break,
        }
    }
    let mut fields = Vec::new();
    let mut keys_seen: HashMap<String, ()> = HashMap::new();
    if format == Format::Jsonl {
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
    }
    if format == Format::Jsonl && !prefix.is_empty() {
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
    let plan = Plan {
        format,
        delim,
        names,
        time,
        numeric,
        categorical,
        cat_ids,
    };
    let mut engine = engine::build(
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

    // Main loop. A batch closes at --batch-size records, or (event time) once it spans a
    // quarter of the horizon: the processor moves "now" to a batch's newest time, so a batch
    // spanning more than the horizon would make its own early records late.
    let max_span = args.horizon * 0.25;
    let mut arena: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut spans: Vec<Span> = Vec::with_capacity(args.batch_size);
    let mut batch: Vec<(f64, Rec)> = Vec::with_capacity(args.batch_size);
    let mut next_prefix = 0usize;
    let mut fatal: Option<RecordError> = None;
    let mut carry: Option<(Vec<u8>, u64, f64, Rec)> = None;
    loop {
        arena.clear();
        spans.clear();
        batch.clear();
        let arrival = if plan.time.is_none() { now_secs() } else { 0.0 };
        let mut anchor: Option<f64> = None;
        if let Some((bytes, line, t, rec)) = carry.take() {
            arena.extend_from_slice(&bytes);
            spans.push(Span {
                start: 0,
                end: arena.len(),
                line,
            });
            batch.push((t, rec));
            anchor = Some(t);
        }
        while spans.len() < args.batch_size {
            // Replay the discovery prefix first, then read on.
            let s = if next_prefix < prefix.len() {
                let s = prefix[next_prefix];
                next_prefix += 1;
                let start = arena.len();
                arena.extend_from_slice(&prefix_arena[s.start..s.end]);
                if next_prefix == prefix.len() {
                    prefix_arena = Vec::new();
                }
                Span {
                    start,
                    end: arena.len(),
                    line: s.line,
                }
            } else {
                match reader.next_record(&mut arena)? {
                    Some(s) => s,
                    None => break,
                }
            };
            counts.read += 1;
            match plan.parse(&arena[s.start..s.end], s.line, &mut fields) {
                Ok((t, rec)) => {
                    let t = t.unwrap_or(arrival);
                    if plan.time.is_some() {
                        match anchor {
                            None => anchor = Some(t),
                            Some(a) if t - a > max_span => {
                                carry = Some((arena[s.start..s.end].to_vec(), s.line, t, rec));
                                arena.truncate(s.start);
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                    spans.push(s);
                    batch.push((t, rec));
                }
                Err(_) if args.skip_invalid => counts.skipped_invalid += 1,
                Err(e) => {
                    counts.read -= 1;
                    fatal = Some(e);
                    break;
                }
            }
        }
        if spans.is_empty() && fatal.is_none() && carry.is_none() {
            break;
        }
        let verdicts = if batch.is_empty() {
            Vec::new()
        } else {
            engine.classify(&batch)
        };
        debug_assert_eq!(verdicts.len(), batch.len());
        for (v, s) in verdicts.iter().zip(&spans) {
            match v {
                Verdict::Passed => {
                    counts.passed += 1;
                    let bytes = &arena[s.start..s.end];
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
            t.observe(&batch, &verdicts);
        }
        w.flush();
        if let Some(b) = &bar {
            b.set_position(if len.is_some() {
                reader.bytes
            } else {
                counts.read
            });
        }
        if let Some(e) = fatal {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(format!(
                "{e}\n(use --skip-invalid to skip malformed records and count them in --stats)"
            ));
        }
        if w.closed {
            break;
        }
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
    Ok(Outcome {
        counts,
        tracker,
        engine_stats: engine.stats(),
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
