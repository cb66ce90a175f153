//! `distill quantiles`, `distinct` and `fdt`: sketch queries on files and streams, with
//! DataSketches bytes for `--save` and `--load`.

use std::borrow::Cow;
use std::path::Path;

use distilled::core::{DataSketchesFormat, NumStdDev, SearchCriteria};
use distilled::fdt::{FdtSketch, Group};
use distilled::kll::KllSketch;
use distilled::tdigest::{Scale, TDigest};
use distilled::theta::{CompactThetaSketch, ThetaSketch};
use serde_json::{Map, Value, json};

use crate::cli::{DistinctArgs, FdtArgs, Format, InputArgs, QuantileKind, QuantilesArgs};
use crate::input::{self, RawReader};

/// How the records of a sketch query's input were accounted for, beside the values the
/// sketch took: nothing read is lost silently.
#[derive(Debug, Clone, Copy, Default)]
struct ValueCounts {
    /// Records whose cell was empty, null or absent (not a value).
    missing: u64,
    /// Invalid records or values skipped under `--skip-invalid`.
    skipped: u64,
}

/// Calls `f(value, line)` for each value: one per line (trimmed) without `column`, else the
/// column's cell (CSV with header, or JSON lines). Missing cells (empty, null, absent key) are
/// not passed but counted. Errors from `f` stop the read unless `skip_invalid`, in which case
/// they are counted.
fn for_each_value(
    args: &InputArgs,
    column: Option<&str>,
    skip_invalid: bool,
    mut f: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<ValueCounts, String> {
    let (rd, _) = input::open(args.input.as_deref())?;
    let delim = input::delimiter(args)?;
    let mut skipped = 0u64;
    let mut missing = 0u64;
    let mut handle = |r: Result<(), String>, line: u64, col: Option<&str>| -> Result<(), String> {
        match r {
            Ok(()) => Ok(()),
            Err(_) if skip_invalid => {
                skipped += 1;
                Ok(())
            }
            Err(m) => Err(match col {
                Some(c) => format!("line {line}, column {c:?}: {m}"),
                None => format!("line {line}: {m}"),
            }),
        }
    };
    let mut arena = Vec::new();
    match (column, args.format) {
        (None, _) => {
            let mut r = RawReader::new(rd, Format::Jsonl); // plain lines, blank lines skipped
            loop {
                arena.clear();
                let Some(s) = r.next_record(&mut arena)? else {
                    break;
                };
                let v = input::trim_eol(&arena[s.start..s.end]).trim_ascii();
                handle(f(v), s.line, None)?;
            }
        }
        (Some(col), Format::Csv) => {
            let mut r = RawReader::new(rd, Format::Csv);
            let Some(h) = input::read_header(&mut r, delim)? else {
                return Ok(ValueCounts::default());
            };
            let idx = input::column_index(&h.names, col)?;
            let mut fields = Vec::new();
            loop {
                arena.clear();
                let Some(s) = r.next_record(&mut arena)? else {
                    break;
                };
                let rec = input::trim_eol(&arena[s.start..s.end]);
                let res = input::split_csv(rec, delim, &mut fields).and_then(|()| {
                    if fields.len() == h.names.len() {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected {} fields (as in the header), found {}",
                            h.names.len(),
                            fields.len()
                        ))
                    }
                });
                if let Err(m) = res {
                    handle(Err(m), s.line, None)?;
                    continue;
                }
                let v = input::field_bytes(rec, &fields[idx]);
                if v.is_empty() {
                    missing += 1;
                    continue;
                }
                if std::str::from_utf8(&v).is_err() {
                    handle(Err("invalid UTF-8".into()), s.line, Some(col))?;
                    continue;
                }
                handle(f(&v), s.line, Some(col))?;
            }
        }
        (Some(col), Format::Jsonl) => {
            let mut r = RawReader::new(rd, Format::Jsonl);
            loop {
                arena.clear();
                let Some(s) = r.next_record(&mut arena)? else {
                    break;
                };
                let rec = input::trim_eol(&arena[s.start..s.end]);
                let obj: Map<String, Value> = match serde_json::from_slice(rec) {
                    Ok(o) => o,
                    Err(e) => {
                        handle(Err(format!("not a JSON object: {e}")), s.line, None)?;
                        continue;
                    }
                };
                let v: Cow<'_, str> = match obj.get(col) {
                    None | Some(Value::Null) => {
                        missing += 1;
                        continue;
                    }
                    Some(Value::String(s)) => s.as_str().into(),
                    Some(other) => other.to_string().into(),
                };
                handle(f(v.as_bytes()), s.line, Some(col))?;
            }
        }
    }
    Ok(ValueCounts { missing, skipped })
}

fn parse_f64(b: &[u8]) -> Result<f64, String> {
    match input::parse_number(b) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(format!("{} is not a finite number", input::show(b))),
        Err(_) => Err(format!("cannot parse {} as a number", input::show(b))),
    }
}

fn check_load(args: &InputArgs, column: Option<&String>) -> Result<(), String> {
    if args.input.is_some() || column.is_some() {
        return Err(
            "--load queries a saved sketch: do not combine it with --input or --column".into(),
        );
    }
    Ok(())
}

fn save(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn print_json(v: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    text.push('\n');
    emit(&text)
}

/// Writes `text` to standard output. A reader that has gone away (`distill
/// ... | head`) ends the output quietly, as with other Unix tools; `println!`
/// would panic on the broken pipe.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

fn num_or_null(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

/// `distill quantiles`.
pub fn quantiles(a: &QuantilesArgs) -> Result<(), String> {
    for &r in &a.ranks {
        if !(0.0..=1.0).contains(&r) {
            return Err(format!("--ranks: {r} is not in [0, 1]"));
        }
    }
    let mut counts = ValueCounts::default();
    let mut out = match a.sketch {
        QuantileKind::Kll => {
            let sk = if let Some(p) = &a.load {
                check_load(&a.input, a.column.as_ref())?;
                KllSketch::<f64>::from_datasketches_bytes(&input::read_file(p)?)
                    .map_err(|e| format!("{}: not a KLL doubles sketch: {e}", p.display()))?
            } else {
                let k = a.k.unwrap_or(200);
                let mut sk = KllSketch::<f64>::builder()
                    .k(u32::from(k))
                    .build()
                    .map_err(|e| format!("-k: {e}"))?;
                counts = for_each_value(&a.input, a.column.as_deref(), a.skip_invalid, |b| {
                    sk.update(parse_f64(b)?);
                    Ok(())
                })?;
                sk
            };
            if let Some(p) = &a.save {
                save(p, &sk.to_datasketches_bytes())?;
            }
            let qs: Vec<Value> = a
                .ranks
                .iter()
                .map(|&r| {
                    json!({"rank": r, "value": num_or_null(sk.quantile(r, SearchCriteria::Inclusive).ok())})
                })
                .collect();
            json!({
                "sketch": "kll",
                "k": sk.k(),
                "n": sk.n(),
                "min": num_or_null(sk.min_item()),
                "max": num_or_null(sk.max_item()),
                "retained": sk.num_retained(),
                "normalized_rank_error": sk.normalized_rank_error(false),
                "quantiles": qs,
            })
        }
        QuantileKind::Tdigest => {
            let d = if let Some(p) = &a.load {
                check_load(&a.input, a.column.as_ref())?;
                TDigest::from_datasketches_bytes(&input::read_file(p)?)
                    .map_err(|e| format!("{}: not a t-digest sketch: {e}", p.display()))?
            } else {
                let k = a.k.unwrap_or(100);
                // DataSketches' own variant (K2), not the library's default K1:
                // `-k` then means what it means to DataSketches users, `--save`
                // writes the digest those libraries would build from the same
                // input, and a file read back with `--load` answers exactly as the
                // digest that wrote it (the bytes do not record the scale, and K1
                // queries interpolate along a curve that K2 queries do not use).
                let mut d = TDigest::with_scale(k, Scale::K2).map_err(|e| format!("-k: {e}"))?;
                counts = for_each_value(&a.input, a.column.as_deref(), a.skip_invalid, |b| {
                    d.add(parse_f64(b)?);
                    Ok(())
                })?;
                // Merge the buffer in: the answer is then the saved sketch's, whatever the
                // digest's buffer size (a buffered digest answers from raw values).
                d.compress();
                d
            };
            if let Some(p) = &a.save {
                save(p, &d.to_datasketches_bytes())?;
            }
            let qs: Vec<Value> = a
                .ranks
                .iter()
                .map(|&r| json!({"rank": r, "value": num_or_null(d.quantile(r).ok())}))
                .collect();
            json!({
                "sketch": "tdigest",
                "k": d.compression(),
                "n": d.count() as u64,
                "min": num_or_null(d.min()),
                "max": num_or_null(d.max()),
                "retained": compressed_len(&d),
                "quantiles": qs,
            })
        }
    };
    add_counts(&mut out, a.load.is_none(), counts);
    print_json(&out)
}

/// Adds the input accounting (`missing`, `skipped_invalid`) to a query's JSON answer when the
/// sketch was built from input rather than loaded.
fn add_counts(out: &mut Value, from_input: bool, counts: ValueCounts) {
    if from_input {
        out["missing"] = json!(counts.missing);
        out["skipped_invalid"] = json!(counts.skipped);
    }
    if counts.skipped > 0 {
        eprintln!("distill: skipped {} invalid values", counts.skipped);
    }
}

/// Centroids once the buffer is merged in (what the saved bytes hold).
fn compressed_len(d: &TDigest) -> usize {
    let mut c = d.clone();
    c.compress();
    c.centroids().len()
}

fn theta_json(c: &CompactThetaSketch, lg_k: Option<u8>) -> Value {
    let mut v = json!({
        "estimate": c.estimate(),
        "lower_bound": c.lower_bound(NumStdDev::Two),
        "upper_bound": c.upper_bound(NumStdDev::Two),
        "num_retained": c.num_retained(),
        "theta": c.theta(),
    });
    if let Some(k) = lg_k {
        v["lg_k"] = json!(k);
    }
    v
}

/// `distill distinct`.
pub fn distinct(a: &DistinctArgs) -> Result<(), String> {
    let mut counts = ValueCounts::default();
    let (compact, lg_k) = if let Some(p) = &a.load {
        check_load(&a.input, a.column.as_ref())?;
        let c = CompactThetaSketch::from_datasketches_bytes(&input::read_file(p)?)
            .map_err(|e| format!("{}: not a compact theta sketch: {e}", p.display()))?;
        (c, None)
    } else {
        let mut sk = ThetaSketch::builder()
            .lg_k(a.lg_k)
            .build()
            .map_err(|e| format!("--lg-k: {e}"))?;
        counts = for_each_value(&a.input, a.column.as_deref(), false, |b| {
            // Hashed as a UTF-8 string, as DataSketches' update(string) does.
            let s = std::str::from_utf8(b).map_err(|_| "invalid UTF-8".to_string())?;
            if !s.is_empty() {
                sk.update(s);
            }
            Ok(())
        })?;
        (sk.compact(true), Some(a.lg_k))
    };
    if let Some(p) = &a.save {
        save(p, &compact.to_datasketches_bytes())?;
    }
    let mut out = theta_json(&compact, lg_k);
    add_counts(&mut out, a.load.is_none(), counts);
    print_json(&out)
}

/// Calls `f(values)` with the given columns of each record (CSV with header, or JSON lines;
/// a missing cell is the empty string).
fn for_each_row(
    args: &InputArgs,
    columns: &[String],
    mut f: impl FnMut(&[String]),
) -> Result<(), String> {
    let (rd, _) = input::open(args.input.as_deref())?;
    let delim = input::delimiter(args)?;
    let mut arena = Vec::new();
    let mut vals: Vec<String> = vec![String::new(); columns.len()];
    match args.format {
        Format::Csv => {
            let mut r = RawReader::new(rd, Format::Csv);
            let Some(h) = input::read_header(&mut r, delim)? else {
                return Ok(());
            };
            let idx = columns
                .iter()
                .map(|c| input::column_index(&h.names, c))
                .collect::<Result<Vec<_>, _>>()?;
            let mut fields = Vec::new();
            loop {
                arena.clear();
                let Some(s) = r.next_record(&mut arena)? else {
                    break;
                };
                let rec = input::trim_eol(&arena[s.start..s.end]);
                input::split_csv(rec, delim, &mut fields)
                    .map_err(|m| format!("line {}: {m}", s.line))?;
                if fields.len() != h.names.len() {
                    return Err(format!(
                        "line {}: expected {} fields (as in the header), found {}",
                        s.line,
                        h.names.len(),
                        fields.len()
                    ));
                }
                for (k, &i) in idx.iter().enumerate() {
                    let b = input::field_bytes(rec, &fields[i]);
                    vals[k] = String::from_utf8(b.into_owned()).map_err(|_| {
                        format!("line {}, column {:?}: invalid UTF-8", s.line, columns[k])
                    })?;
                }
                f(&vals);
            }
        }
        Format::Jsonl => {
            let mut r = RawReader::new(rd, Format::Jsonl);
            loop {
                arena.clear();
                let Some(s) = r.next_record(&mut arena)? else {
                    break;
                };
                let rec = input::trim_eol(&arena[s.start..s.end]);
                let obj: Map<String, Value> = serde_json::from_slice(rec)
                    .map_err(|e| format!("line {}: not a JSON object: {e}", s.line))?;
                for (k, c) in columns.iter().enumerate() {
                    vals[k] = match obj.get(c) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                    };
                }
                f(&vals);
            }
        }
    }
    Ok(())
}

/// `distill fdt`.
pub fn fdt(a: &FdtArgs) -> Result<(), String> {
    let mut prim = Vec::with_capacity(a.primary.len());
    for p in &a.primary {
        let i = a.columns.iter().position(|c| c == p).ok_or_else(|| {
            format!(
                "--primary {p:?} is not one of --columns {}",
                a.columns.join(",")
            )
        })?;
        prim.push(i);
    }
    let nsd = NumStdDev::try_from(a.std_dev).map_err(|e| format!("--std-dev: {e}"))?;
    let mut sk =
        FdtSketch::new(a.threshold, a.rse).map_err(|e| format!("--threshold/--rse: {e}"))?;
    let mut rows = 0u64;
    for_each_row(&a.input, &a.columns, |vals| {
        rows += 1;
        sk.update(vals);
    })?;
    let groups = sk
        .result(&prim, a.top, nsd, '|')
        .map_err(|e| format!("fdt: {e}"))?;
    if a.json {
        let gs: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({
                    "count": g.count,
                    "estimate": g.estimate,
                    "upper_bound": g.upper_bound,
                    "lower_bound": g.lower_bound,
                    "fraction": g.fraction,
                    "rse": g.rse,
                    "primary_key": g.primary_key_parts,
                })
            })
            .collect();
        print_json(&json!({
            "rows": rows,
            "lg_k": sk.lg_k(),
            "theta": sk.theta(),
            "num_retained": sk.num_retained(),
            "estimation_mode": sk.is_estimation_mode(),
            "groups": gs,
        }))
    } else {
        let mut table = Group::header() + "\n";
        for g in &groups {
            // One line per group: a key with a line break or other control
            // character (a quoted CSV field may hold one) is shown escaped;
            // --json gives the exact strings.
            if g.primary_key.chars().any(char::is_control) {
                let mut shown = g.clone();
                shown.primary_key = g.primary_key.escape_debug().to_string();
                table += &format!("{shown}\n");
            } else {
                table += &format!("{g}\n");
            }
        }
        emit(&table)
    }
}
