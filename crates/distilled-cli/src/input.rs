//! The input layer: raw records (kept as their exact bytes, so that output is verbatim),
//! CSV field splitting, JSON-lines lookup, and value parsing with line/column error messages.
//!
//! Records are appended to a batch arena (`Vec<u8>`) and addressed by spans, so reading a batch
//! allocates nothing per record once the arena has grown.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::cli::{Format, InputArgs};

/// A malformed record: where, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    /// 1-based line number where the record starts.
    pub line: u64,
    /// Column name (or field number) concerned, when known.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Open `--input` or standard input, buffered.
pub fn open(path: Option<&Path>) -> Result<(Box<dyn BufRead>, Option<u64>), String> {
    match path {
        Some(p) => {
            let f = File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(BufReader::with_capacity(1 << 18, f)), len))
        }
        None => Ok((
            Box::new(BufReader::with_capacity(1 << 18, io::stdin())),
            None,
        )),
    }
}

/// Splits a byte stream into raw records: CSV records (a quoted field may span lines) or
/// JSON lines. Blank lines are not records and are skipped.
pub struct RawReader {
    rd: Box<dyn BufRead>,
    format: Format,
    /// Number of physical lines consumed so far.
    line: u64,
    /// Bytes consumed so far (for progress).
    pub bytes: u64,
}

/// Where a raw record sits in an arena.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    /// Start offset in the arena.
    pub start: usize,
    /// End offset (exclusive), including the line terminator.
    pub end: usize,
    /// 1-based line number where the record starts.
    pub line: u64,
}

impl RawReader {
    /// A reader of `format` records over `rd`.
    pub fn new(rd: Box<dyn BufRead>, format: Format) -> Self {
        Self {
            rd,
            format,
            line: 0,
            bytes: 0,
        }
    }

    /// Append the next record's exact bytes to `arena`. `None` at end of input.
    pub fn next_record(&mut self, arena: &mut Vec<u8>) -> Result<Option<Span>, String> {
        loop {
            let start = arena.len();
            let n = self
                .rd
                .read_until(b'\n', arena)
                .map_err(|e| format!("read error: {e}"))?;
            if n == 0 {
                return Ok(None);
            }
            self.bytes += n as u64;
            self.line += 1;
            let first_line = self.line;
            if self.format == Format::Csv {
                // A quoted field may contain newlines: keep reading while the quotes are open.
                let mut quotes = count_quotes(&arena[start..]);
                while quotes % 2 == 1 {
                    let before = arena.len();
                    let m = self
                        .rd
                        .read_until(b'\n', arena)
                        .map_err(|e| format!("read error: {e}"))?;
                    if m == 0 {
                        break; // unterminated quote: the field splitter reports it
                    }
                    self.bytes += m as u64;
                    self.line += 1;
                    quotes += count_quotes(&arena[before..]);
                }
            }
            if is_blank(&arena[start..]) {
                arena.truncate(start);
                continue;
            }
            return Ok(Some(Span {
                start,
                end: arena.len(),
                line: first_line,
            }));
        }
    }
}

fn count_quotes(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'"').count()
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_whitespace())
}

/// Strip the line terminator (`\n` or `\r\n`).
pub fn trim_eol(mut b: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = b {
        b = rest;
    }
    if let [rest @ .., b'\r'] = b {
        b = rest;
    }
    b
}

/// One CSV field's location inside a record.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    start: u32,
    end: u32,
    /// Quoted, with at least one doubled quote inside (needs unescaping).
    escaped: bool,
}

/// Split one CSV record (without terminator) into fields. Quoted fields are returned without
/// their quotes.
pub fn split_csv(rec: &[u8], delim: u8, out: &mut Vec<Field>) -> Result<(), String> {
    out.clear();
    let mut i = 0usize;
    let n = rec.len();
    loop {
        if i < n && rec[i] == b'"' {
            let s = i + 1;
            let mut j = s;
            let mut escaped = false;
            loop {
                match rec[j..].iter().position(|&c| c == b'"') {
                    None => {
                        return Err(format!("field {} has an unterminated quote", out.len() + 1));
                    }
                    Some(p) => {
                        j += p;
                        if j + 1 < n && rec[j + 1] == b'"' {
                            escaped = true;
                            j += 2;
                        } else {
                            break;
                        }
                    }
                }
            }
            out.push(Field {
                start: s as u32,
                end: j as u32,
                escaped,
            });
            i = j + 1;
            if i == n {
                return Ok(());
            }
            if rec[i] != delim {
                return Err(format!(
                    "field {}: unexpected character after a closing quote",
                    out.len()
                ));
            }
            i += 1;
        } else {
            match rec[i..].iter().position(|&c| c == delim) {
                Some(p) => {
                    out.push(Field {
                        start: i as u32,
                        end: (i + p) as u32,
                        escaped: false,
                    });
                    i += p + 1;
                }
                None => {
                    out.push(Field {
                        start: i as u32,
                        end: n as u32,
                        escaped: false,
                    });
                    return Ok(());
                }
            }
        }
    }
}

/// The value of a field (unescaping doubled quotes only when needed).
pub fn field_bytes<'a>(rec: &'a [u8], f: &Field) -> Cow<'a, [u8]> {
    let raw = &rec[f.start as usize..f.end as usize];
    if f.escaped {
        let mut v = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            v.push(raw[k]);
            if raw[k] == b'"' {
                k += 1; // skip the doubling quote
            }
            k += 1;
        }
        Cow::Owned(v)
    } else {
        Cow::Borrowed(raw)
    }
}

/// Which field index (0-based) contains byte offset `pos` of `rec`.
pub fn field_at(fields: &[Field], pos: usize) -> usize {
    fields
        .iter()
        .position(|f| pos <= f.end as usize)
        .unwrap_or(fields.len().saturating_sub(1))
}

/// The header of a CSV stream: its raw line and column names.
pub struct Header {
    /// The header record's exact bytes (with terminator).
    pub raw: Vec<u8>,
    /// Column names, unquoted.
    pub names: Vec<String>,
}

/// Read and parse a CSV header.
pub fn read_header(rd: &mut RawReader, delim: u8) -> Result<Option<Header>, String> {
    let mut arena = Vec::new();
    let Some(span) = rd.next_record(&mut arena)? else {
        return Ok(None);
    };
    let rec = trim_eol(&arena[span.start..span.end]);
    let mut fields = Vec::new();
    split_csv(rec, delim, &mut fields).map_err(|m| format!("line {} (header): {m}", span.line))?;
    let mut names = Vec::with_capacity(fields.len());
    for f in &fields {
        let b = field_bytes(rec, f);
        let s = std::str::from_utf8(&b)
            .map_err(|_| format!("line {} (header): invalid UTF-8", span.line))?;
        let s = s.strip_prefix('\u{feff}').unwrap_or(s);
        names.push(s.trim().to_string());
    }
    Ok(Some(Header { raw: arena, names }))
}

/// Index of `name` among `names`, or the error shown before any output.
pub fn column_index(names: &[String], name: &str) -> Result<usize, String> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        format!(
            "unknown column {name:?}; the header has: {}",
            names.join(", ")
        )
    })
}

/// A cell that does not parse as the expected kind of value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unparsable;

impl fmt::Display for Unparsable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unparsable value")
    }
}

impl std::error::Error for Unparsable {}

/// Parse a numeric cell: empty = missing; non-finite values are missing too.
pub fn parse_number(b: &[u8]) -> Result<Option<f64>, Unparsable> {
    let s = std::str::from_utf8(b).map_err(|_| Unparsable)?.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| Unparsable)?;
    Ok(v.is_finite().then_some(v))
}

/// Parse a timestamp: unix seconds (integer or fractional) or RFC 3339.
pub fn parse_time(b: &[u8]) -> Result<f64, Unparsable> {
    let s = std::str::from_utf8(b).map_err(|_| Unparsable)?.trim();
    if let Ok(v) = s.parse::<f64>() {
        return if v.is_finite() {
            Ok(v)
        } else {
            Err(Unparsable)
        };
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|_| Unparsable)?;
    Ok(t.unix_timestamp_nanos() as f64 / 1e9)
}

/// Render a cell for an error message (shortened).
pub fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 40 {
        format!("{:?}…", s.chars().take(40).collect::<String>())
    } else {
        format!("{s:?}")
    }
}

/// Read all of a file (for `--load`).
pub fn read_file(p: &Path) -> Result<Vec<u8>, String> {
    let mut v = Vec::new();
    File::open(p)
        .and_then(|mut f| f.read_to_end(&mut v))
        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    Ok(v)
}

/// The delimiter as a byte.
pub fn delimiter(args: &InputArgs) -> Result<u8, String> {
    if args.delimiter.is_ascii() {
        Ok(args.delimiter as u8)
    } else {
        Err("--delimiter must be one ASCII character".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        let mut f = Vec::new();
        split_csv(s.as_bytes(), b',', &mut f).unwrap();
        f.iter()
            .map(|x| String::from_utf8(field_bytes(s.as_bytes(), x).into_owned()).unwrap())
            .collect()
    }

    #[test]
    fn csv_fields() {
        assert_eq!(split("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(split(""), [""]);
        assert_eq!(split("a,"), ["a", ""]);
        assert_eq!(
            split("\"x,y\",\"he said \"\"hi\"\"\",z"),
            ["x,y", "he said \"hi\"", "z"]
        );
        assert_eq!(split("\"\",1"), ["", "1"]);
        let mut f = Vec::new();
        assert!(split_csv(b"\"abc", b',', &mut f).is_err());
        assert!(split_csv(b"\"a\"b,c", b',', &mut f).is_err());
    }

    #[test]
    fn times_and_numbers() {
        assert_eq!(parse_time(b"1700000000").unwrap(), 1.7e9);
        assert_eq!(parse_time(b"1700000000.5").unwrap(), 1_700_000_000.5);
        assert_eq!(parse_time(b"1970-01-01T00:01:00Z").unwrap(), 60.0);
        assert_eq!(parse_time(b"1970-01-01T01:00:00+01:00").unwrap(), 0.0);
        assert!(parse_time(b"yesterday").is_err());
        assert_eq!(parse_number(b" 2.5 ").unwrap(), Some(2.5));
        assert_eq!(parse_number(b"").unwrap(), None);
        assert!(parse_number(b"x").is_err());
    }

    #[test]
    fn multiline_records_and_blank_lines() {
        let data = b"h1,h2\n\"a\nb\",1\n\n\r\nc,2\r\nd,3".to_vec();
        let mut r = RawReader::new(Box::new(io::Cursor::new(data)), Format::Csv);
        let mut arena = Vec::new();
        let mut spans = Vec::new();
        while let Some(s) = r.next_record(&mut arena).unwrap() {
            spans.push(s);
        }
        let recs: Vec<&[u8]> = spans.iter().map(|s| &arena[s.start..s.end]).collect();
        assert_eq!(recs, [&b"h1,h2\n"[..], b"\"a\nb\",1\n", b"c,2\r\n", b"d,3"]);
        assert_eq!(
            spans.iter().map(|s| s.line).collect::<Vec<_>>(),
            [1, 2, 6, 7]
        );
    }
}
