//! The array-of-strings summary: each retained entry of an FDT sketch keeps
//! the tuple it was made from, so that groups can be formed at query time.
//!
//! Java semantics (`ArrayOfStringsSummary`): the first tuple stored under a
//! key stays (a later tuple with the same key, possible only through the comma
//! ambiguity of [`crate::hash`], does not replace it), and a union keeps the
//! summary already present.
//!
//! Serialized form (little-endian), `5 + Σ(4 + len_i)` bytes:
//! `total_bytes: i32` (including itself), `count: u8` (at most 127), then for
//! each string `len: i32` and its UTF-8 bytes.

use distilled_core::{ByteReader, ByteWriter, DecodeError};
use distilled_theta::tuple::{Summary, SummarySerde};

/// Most strings one summary may hold (the count is a signed byte in Java).
pub const MAX_DIMENSIONS: usize = 127;

/// A retained tuple.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayOfStrings(Box<[Box<str>]>);

impl ArrayOfStrings {
    /// Copies a tuple. Fails (returns `None`) with more than 127 strings.
    pub fn new<S: AsRef<str>>(tuple: &[S]) -> Option<Self> {
        (tuple.len() <= MAX_DIMENSIONS)
            .then(|| ArrayOfStrings(tuple.iter().map(|s| Box::from(s.as_ref())).collect()))
    }

    /// The zero-dimensional tuple.
    pub fn empty() -> Self {
        ArrayOfStrings(Box::new([]))
    }

    /// Takes ownership of a tuple. Fails (gives the tuple back) with more than
    /// 127 strings.
    pub fn from_vec(tuple: Vec<String>) -> Result<Self, Vec<String>> {
        if tuple.len() > MAX_DIMENSIONS {
            return Err(tuple);
        }
        Ok(ArrayOfStrings(
            tuple.into_iter().map(String::into_boxed_str).collect(),
        ))
    }

    /// The strings.
    pub fn values(&self) -> &[Box<str>] {
        &self.0
    }

    /// Number of strings (dimensions).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` for the zero-dimensional tuple.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The strings as owned `String`s.
    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().map(|s| s.to_string()).collect()
    }

    /// Serialized size in bytes.
    pub fn serialized_size(&self) -> usize {
        5 + self.0.iter().map(|s| 4 + s.len()).sum::<usize>()
    }

    /// Appends the serialized form.
    pub fn write(&self, w: &mut ByteWriter) {
        // A tuple has at most 127 strings; a string longer than i32::MAX bytes
        // cannot be written in this format, so sizes saturate (and would be
        // refused by every reader) instead of wrapping silently.
        let total = i32::try_from(self.serialized_size()).unwrap_or(i32::MAX);
        w.put_i32(total).put_u8(self.0.len() as u8);
        for s in self.0.iter() {
            w.put_i32(i32::try_from(s.len()).unwrap_or(i32::MAX))
                .put_bytes(s.as_bytes());
        }
    }

    /// Reads one summary, checking every length against the input and the
    /// total against the sum of its parts.
    pub fn read(r: &mut ByteReader<'_>) -> Result<Self, DecodeError> {
        let start = r.position();
        let total = r.i32()?;
        let count = r.u8()?;
        if usize::from(count) > MAX_DIMENSIONS {
            return Err(DecodeError::inconsistent(
                "summary count",
                format!("{count} strings, at most {MAX_DIMENSIONS} allowed"),
            ));
        }
        if total < 5 {
            return Err(DecodeError::inconsistent(
                "summary total_bytes",
                format!("{total} is smaller than the 5-byte header"),
            ));
        }
        // The declared total must fit in the input before anything is
        // allocated for the strings.
        r.require(total as usize - 5)?;
        let mut strings = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let len = r.i32()?;
            if len < 0 {
                return Err(DecodeError::inconsistent(
                    "summary string length",
                    format!("negative length {len}"),
                ));
            }
            let bytes = r.take(len as usize)?;
            let s = std::str::from_utf8(bytes).map_err(|e| {
                DecodeError::inconsistent("summary string", format!("not UTF-8: {e}"))
            })?;
            strings.push(Box::from(s));
        }
        let used = r.position() - start;
        if used != total as usize {
            return Err(DecodeError::inconsistent(
                "summary total_bytes",
                format!("declares {total} bytes, its strings take {used}"),
            ));
        }
        Ok(ArrayOfStrings(strings.into_boxed_slice()))
    }
}

/// Java's array-of-strings policy for distilled-theta's generic tuple
/// sketches: a new key stores a copy of the tuple, a repeated key keeps the
/// first one, and set operations keep the summary already present.
impl Summary for ArrayOfStrings {
    type Update = ArrayOfStrings;

    fn new_from(update: &ArrayOfStrings) -> Self {
        update.clone()
    }

    fn update(&mut self, _: &ArrayOfStrings) {}

    fn merge(&mut self, _: &Self) {}
}

/// The DataSketches array-of-strings summary bytes.
impl SummarySerde for ArrayOfStrings {
    fn write_summary(&self, out: &mut ByteWriter) {
        self.write(out);
    }

    fn read_summary(input: &mut ByteReader<'_>) -> Result<Self, DecodeError> {
        ArrayOfStrings::read(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let s = ArrayOfStrings::new(&["5.6.7.8", "alice"]).unwrap();
        let mut w = ByteWriter::new();
        s.write(&mut w);
        let bytes = w.into_vec();
        // The wheel's bytes for the same summary (shared/reference §3.6).
        let mut expected = vec![0x19, 0, 0, 0, 2, 7, 0, 0, 0];
        expected.extend_from_slice(b"5.6.7.8");
        expected.extend_from_slice(&[5, 0, 0, 0]);
        expected.extend_from_slice(b"alice");
        assert_eq!(bytes, expected);
        assert_eq!(s.serialized_size(), bytes.len());
        let mut r = ByteReader::new(&bytes);
        assert_eq!(ArrayOfStrings::read(&mut r).unwrap(), s);
        r.expect_end().unwrap();
    }

    #[test]
    fn bad_summaries_are_errors() {
        let good = {
            let mut w = ByteWriter::new();
            ArrayOfStrings::new(&["ab", "c"]).unwrap().write(&mut w);
            w.into_vec()
        };
        for cut in 0..good.len() {
            assert!(ArrayOfStrings::read(&mut ByteReader::new(&good[..cut])).is_err());
        }
        let mut bad_total = good.clone();
        bad_total[0] += 1;
        bad_total.push(0);
        assert!(ArrayOfStrings::read(&mut ByteReader::new(&bad_total)).is_err());
        let mut bad_count = good.clone();
        bad_count[4] = 200;
        assert!(ArrayOfStrings::read(&mut ByteReader::new(&bad_count)).is_err());
        let mut bad_utf8 = good.clone();
        bad_utf8[9] = 0xFF;
        assert!(ArrayOfStrings::read(&mut ByteReader::new(&bad_utf8)).is_err());
        let mut negative = good;
        negative[5..9].copy_from_slice(&(-1i32).to_le_bytes());
        assert!(ArrayOfStrings::read(&mut ByteReader::new(&negative)).is_err());
    }

    #[test]
    fn dimension_limit() {
        let wide: Vec<String> = (0..128).map(|i| i.to_string()).collect();
        assert!(ArrayOfStrings::new(&wide).is_none());
        assert!(ArrayOfStrings::new(&wide[..127]).is_some());
        assert!(ArrayOfStrings::from_vec(wide).is_err());
    }
}
