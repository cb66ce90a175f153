//! The input layer: raw records (kept as their exact bytes, so that output is verbatim),
//! CSV field splitting, JSON-lines lookup, and value parsing with line/column error messages.
//!
//! Records are appended to a batch arena (`Vec<u8>`) and addressed by spans, so reading a batch
//! allocates nothing per record once the arena has grown.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
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

/// A byte source the input layer reads from (it buffers itself).
pub type Input = Box<dyn Read + Send>;

/// Open `--input` or standard input (unbuffered: [`RawReader`] keeps its own buffer).
pub fn open(path: Option<&Path>) -> Result<(Input, Option<u64>), String> {
    match path {
        Some(p) => {
            let f = File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), len))
        }
        None => Ok((Box::new(io::stdin()), None)),
    }
}

/// Initial size of [`RawReader`]'s buffer (it doubles for a record that does not fit).
const READ_BUFFER: usize = 1 << 18;

/// Splits a byte stream into raw records: CSV records (a quoted field may span lines) or
/// JSON lines. Blank lines are not records and are skipped.
///
/// It reads into its own buffer and finds record ends there, so that a caller can tell a
/// record already at hand ([`RawReader::poll_record`]) from one that needs a read that may
/// block ([`Next::NeedInput`]): `distill select` hands on what it has before it waits.
pub struct RawReader {
    rd: Input,
    format: Format,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
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

/// What [`RawReader::poll_record`] found.
#[derive(Debug, Clone, Copy)]
pub enum Next {
    /// A record, appended to the arena.
    Record(Span),
    /// No complete record is buffered: call [`RawReader::fill`] (which may block).
    NeedInput,
    /// End of input.
    End,
}

impl RawReader {
    /// A reader of `format` records over `rd`.
    pub fn new(rd: Input, format: Format) -> Self {
        Self {
            rd,
            format,
            buf: vec![0; READ_BUFFER],
            pos: 0,
            end: 0,
            eof: false,
            line: 0,
            bytes: 0,
        }
    }

    /// Append the next record's exact bytes to `arena`, reading as needed. `None` at end of
    /// input.
    pub fn next_record(&mut self, arena: &mut Vec<u8>) -> Result<Option<Span>, String> {
        loop {
            match self.poll_record(arena) {
                Next::Record(s) => return Ok(Some(s)),
                Next::End => return Ok(None),
                Next::NeedInput => self.fill()?,
            }
        }
    }

    /// Append the next buffered record to `arena`, without reading.
    pub fn poll_record(&mut self, arena: &mut Vec<u8>) -> Next {
        loop {
            let data = &self.buf[self.pos..self.end];
            let found = match self.format {
                Format::Csv => csv_record_len(data),
                Format::Jsonl => data.iter().position(|&b| b == b'\n').map(|p| (p + 1, 1)),
            };
            let (n, lines) = match found {
                Some(x) => x,
                None if !self.eof => return Next::NeedInput,
                None if data.is_empty() => return Next::End,
                // The last record has no terminator (or an unterminated quote, which the
                // field splitter reports).
                None => (data.len(), count_byte(data, b'\n') as u64 + 1),
            };
            let rec = &data[..n];
            self.pos += n;
            self.bytes += n as u64;
            let first_line = self.line + 1;
            self.line += lines;
            if is_blank(rec) {
                continue;
            }
            let start = arena.len();
            arena.extend_from_slice(rec);
            return Next::Record(Span {
                start,
                end: arena.len(),
                line: first_line,
            });
        }
    }

    /// Read more input into the buffer (blocks until some arrives or the input ends).
    pub fn fill(&mut self) -> Result<(), String> {
        if self.eof {
            return Ok(());
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            // One record larger than the buffer.
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.rd.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
    }
}

/// Length (with terminator) and physical line count of the first complete CSV record in
/// `data`: it ends at the first newline outside quotes (an even number of `"` before it, as a
/// quoted field may contain newlines). `None` if no record is complete.
fn csv_record_len(data: &[u8]) -> Option<(usize, u64)> {
    let mut i = 0;
    let mut lines = 0;
    let mut quoted = false;
    loop {
        i += find_newline_or_quote(&data[i..])?;
        if data[i] == b'"' {
            quoted = !quoted;
        } else {
            lines += 1;
            if !quoted {
                return Some((i + 1, lines));
            }
        }
        i += 1;
    }
}

/// Position of the first `\n` or `"`, eight bytes at a time (the usual record has neither
/// until its end).
#[inline]
fn find_newline_or_quote(d: &[u8]) -> Option<usize> {
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut words = d.chunks_exact(8);
    let mut base = 0;
    for w in words.by_ref() {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let a = w ^ (LO * u64::from(b'\n'));
        let b = w ^ (LO * u64::from(b'"'));
        // A zero byte in `a` or `b` marks a match; the lowest flagged byte is exact.
        let m = (a.wrapping_sub(LO) & !a | b.wrapping_sub(LO) & !b) & HI;
        if m != 0 {
            return Some(base + (m.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == b'\n' || c == b'"')
        .map(|p| base + p)
}

fn count_byte(b: &[u8], x: u8) -> usize {
    b.iter().filter(|&&c| c == x).count()
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
    if split_unquoted(rec, delim, out) {
        return Ok(());
    }
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

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// `0x80` in each byte of `w` equal to `b`, exactly (no carries between bytes).
#[inline]
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The common case of [`split_csv`]: a record without any `"` is split at every delimiter,
/// eight bytes at a time. `false` (with `out` partly filled) if the record has a quote.
#[inline]
fn split_unquoted(rec: &[u8], delim: u8, out: &mut Vec<Field>) -> bool {
    let mut start = 0u32;
    let mut words = rec.chunks_exact(8);
    let mut base = 0u32;
    for w in words.by_ref() {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if bytes_equal(w, b'"') != 0 {
            return false;
        }
        let mut d = bytes_equal(w, delim);
        while d != 0 {
            let end = base + d.trailing_zeros() / 8;
            out.push(Field {
                start,
                end,
                escaped: false,
            });
            start = end + 1;
            d &= d - 1;
        }
        base += 8;
    }
    for (k, &c) in words.remainder().iter().enumerate() {
        if c == b'"' {
            return false;
        }
        if c == delim {
            let end = base + k as u32;
            out.push(Field {
                start,
                end,
                escaped: false,
            });
            start = end + 1;
        }
    }
    out.push(Field {
        start,
        end: rec.len() as u32,
        escaped: false,
    });
    true
}

/// The value of a field (unescaping doubled quotes only when needed).
#[inline(always)]
pub fn field_bytes<'a>(rec: &'a [u8], f: &Field) -> Cow<'a, [u8]> {
    let raw = rec
        .get(f.start as usize..f.end as usize)
        .unwrap_or_default();
    if f.escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// A quoted field's content with each doubled quote made single.
#[cold]
fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        v.push(raw[k]);
        if raw[k] == b'"' {
            k += 1; // skip the doubling quote
        }
        k += 1;
    }
    v
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

/// Exact powers of ten (10^22 is the largest that an `f64` holds exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common cell shapes, `[+-]digits[.digits]`, without the general parser: when the digits
/// form an integer below 2^53 and there are at most 22 decimals, both it and the power of ten
/// are exact in `f64`, so one division gives the correctly rounded value, the same as
/// `str::parse`. Anything else (exponents, spaces, long mantissas) is `None` and goes to the
/// general parser.
#[inline]
pub fn fast_decimal(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut nd = 0usize;
    let mut frac: Option<usize> = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                nd += 1;
            }
            b'.' if frac.is_none() => frac = Some(i + 1),
            _ => return None,
        }
    }
    let decimals = frac.map_or(0, |f| digits.len() - f);
    if nd == 0 || nd > 19 || m > (1 << 53) || decimals >= POW10.len() {
        return None;
    }
    let v = m as f64 / POW10[decimals];
    Some(if neg { -v } else { v })
}

/// Parse a numeric cell: empty = missing; non-finite values are missing too.
pub fn parse_number(b: &[u8]) -> Result<Option<f64>, Unparsable> {
    if let Some(v) = fast_decimal(b) {
        return Ok(Some(v));
    }
    let s = std::str::from_utf8(b).map_err(|_| Unparsable)?.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| Unparsable)?;
    Ok(v.is_finite().then_some(v))
}

/// Parse a timestamp: unix seconds (integer or fractional) or RFC 3339.
pub fn parse_time(b: &[u8]) -> Result<f64, Unparsable> {
    if let Some(v) = fast_decimal(b) {
        return Ok(v);
    }
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
        // The word-at-a-time path across word boundaries, and a quote late in the record.
        assert_eq!(
            split("abcdefg,hijklmnop,,q,rstuvwxyz0123456,"),
            ["abcdefg", "hijklmnop", "", "q", "rstuvwxyz0123456", ""]
        );
        assert_eq!(split("abcdefghij,\"k,l\",m"), ["abcdefghij", "k,l", "m"]);
        assert_eq!(split(",,,,,,,,,"), vec![""; 10]);
        let mut f = Vec::new();
        split_csv("é,ü\u{2c}x".as_bytes(), b',', &mut f).unwrap();
        assert_eq!(f.len(), 3);
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
        assert_eq!(parse_number(b"-0").unwrap(), Some(-0.0));
        assert!(parse_number(b"1e400").unwrap().is_none());
    }

    #[test]
    fn fast_decimal_agrees_with_std() {
        let cases = [
            "0",
            "-0",
            "+7",
            "12.5",
            "-20.0",
            "1700000000.01",
            "0.1",
            "0.3",
            "123.456789",
            "9007199254740992",
            "9007199254740993",
            "99999999999999999999",
            ".5",
            "5.",
            "1.2.3",
            "-",
            ".",
            "",
            "1e5",
            " 1",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "3.14159265358979",
            "480.7777777777777",
        ];
        for c in cases {
            let want: Option<f64> = c.parse().ok();
            if let Some(v) = fast_decimal(c.as_bytes()) {
                assert_eq!(Some(v.to_bits()), want.map(f64::to_bits), "{c}");
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % 10_000_000_000;
            let dec = (x >> 40) % 1000;
            let s = format!("{}{int}.{dec:03}", if x & 1 == 1 { "-" } else { "" });
            let v = fast_decimal(s.as_bytes()).unwrap();
            assert_eq!(v.to_bits(), s.parse::<f64>().unwrap().to_bits(), "{s}");
        }
    }

    #[test]
    fn newline_or_quote_search() {
        let mut d = vec![b'a'; 40];
        assert_eq!(find_newline_or_quote(&d), None);
        for p in 0..40 {
            for c in [b'\n', b'"'] {
                d[p] = c;
                assert_eq!(find_newline_or_quote(&d), Some(p));
                // A later match (and bytes just above '\n' / '"') do not disturb the first.
                if p + 1 < 40 {
                    d[p + 1] = c + 1;
                }
                assert_eq!(find_newline_or_quote(&d[..=p]), Some(p));
                assert_eq!(find_newline_or_quote(&d[..p]), None);
                d[p] = b'a';
                if p + 1 < 40 {
                    d[p + 1] = b'a';
                }
            }
        }
        let mixed = b"xxxxxxx\x0b\x21\x23\n";
        assert_eq!(find_newline_or_quote(mixed), Some(10));
    }

    /// Hands out its data a few bytes per `read`, so that records straddle refills.
    struct Trickle(Vec<u8>, usize, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.2 = self.2 % 7 + 1;
            let n = self.2.min(buf.len()).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    fn records(r: &mut RawReader) -> Vec<(Vec<u8>, u64)> {
        let mut out = Vec::new();
        loop {
            let mut arena = b"junk".to_vec();
            match r.next_record(&mut arena).unwrap() {
                Some(s) => out.push((arena[s.start..s.end].to_vec(), s.line)),
                None => return out,
            }
        }
    }

    #[test]
    fn records_straddling_refills_and_larger_than_the_buffer() {
        let mut data = b"a,b\n1,\"x\ny\"\n\n".to_vec();
        data.extend_from_slice(b"2,\"");
        data.extend(std::iter::repeat_n(b'z', READ_BUFFER + 12_345));
        data.extend_from_slice(b"\"\r\n3,4");
        let whole = records(&mut RawReader::new(
            Box::new(io::Cursor::new(data.clone())),
            Format::Csv,
        ));
        let lines: Vec<u64> = whole.iter().map(|r| r.1).collect();
        assert_eq!(lines, [1, 2, 5, 6]);
        assert_eq!(whole[2].0.len(), READ_BUFFER + 12_345 + 6);
        assert_eq!(whole[3].0, b"3,4");
        let trickled = records(&mut RawReader::new(
            Box::new(Trickle(data, 0, 0)),
            Format::Csv,
        ));
        assert_eq!(whole, trickled);
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
