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

/// A retained tuple: its strings concatenated in one allocation, with their
/// end offsets in another, so that a retained entry costs two allocations
/// whatever its width, and reading a string is a slice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArrayOfStrings {
    data: Box<str>,
    ends: Box<[u32]>,
}

impl ArrayOfStrings {
    /// Copies a tuple. `None` with more than 127 strings, or when the
    /// serialized summary would exceed `i32::MAX` bytes.
    pub fn new<S: AsRef<str>>(tuple: &[S]) -> Option<Self> {
        if tuple.len() > MAX_DIMENSIONS {
            return None;
        }
        let bytes: usize = tuple.iter().map(|s| s.as_ref().len()).sum();
        if 5 + 4 * tuple.len() + bytes > i32::MAX as usize {
            return None;
        }
        let mut data = String::with_capacity(bytes);
        let mut ends = Vec::with_capacity(tuple.len());
        for s in tuple {
            data.push_str(s.as_ref());
            ends.push(data.len() as u32);
        }
        Some(ArrayOfStrings {
            data: data.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The zero-dimensional tuple.
    pub fn empty() -> Self {
        ArrayOfStrings {
            data: Box::from(""),
            ends: Box::new([]),
        }
    }

    /// Number of strings (dimensions).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// `true` for the zero-dimensional tuple.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th string.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.data[start..end])
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("index in range"))
    }

    /// The strings as owned `String`s.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// Serialized size in bytes.
    pub fn serialized_size(&self) -> usize {
        5 + 4 * self.len() + self.data.len()
    }

    /// Appends the serialized form.
    pub fn write(&self, w: &mut ByteWriter) {
        // Sizes fit in i32: `new` and `read` refuse larger tuples.
        w.put_i32(self.serialized_size() as i32)
            .put_u8(self.len() as u8);
        for s in self.iter() {
            w.put_i32(s.len() as i32).put_bytes(s.as_bytes());
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
        let mut data = String::with_capacity(total as usize - 5);
        let mut ends = Vec::with_capacity(usize::from(count));
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
            data.push_str(s);
            ends.push(data.len() as u32);
        }
        let used = r.position() - start;
        if used != total as usize {
            return Err(DecodeError::inconsistent(
                "summary total_bytes",
                format!("declares {total} bytes, its strings take {used}"),
            ));
        }
        Ok(ArrayOfStrings {
            data: data.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }
}

impl std::ops::Index<usize> for ArrayOfStrings {
    type Output = str;

    /// The `i`-th string; panics when out of range, like slice indexing
    /// ([`ArrayOfStrings::get`] does not).
    fn index(&self, i: usize) -> &str {
        self.get(i).expect("string index out of range")
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
    fn dimension_limit_and_access() {
        let wide: Vec<String> = (0..128).map(|i| i.to_string()).collect();
        assert!(ArrayOfStrings::new(&wide).is_none());
        let ok = ArrayOfStrings::new(&wide[..127]).unwrap();
        assert_eq!(ok.len(), 127);
        assert_eq!(ok.to_vec(), wide[..127].to_vec());
        assert_eq!((&ok[0], &ok[126], ok.get(127)), ("0", "126", None));
        let e = ArrayOfStrings::new(&["", "é", ""]).unwrap();
        assert_eq!(e.iter().collect::<Vec<_>>(), vec!["", "é", ""]);
        assert!(ArrayOfStrings::empty().is_empty());
    }
}
