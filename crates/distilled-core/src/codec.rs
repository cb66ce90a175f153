//! A bounds-checked reader and writer for binary sketch formats.
//!
//! Every read checks the remaining length first and returns
//! [`DecodeError::Truncated`] instead of panicking. Reads of arrays take the
//! element count from the (untrusted) input, so they check `count * size`
//! against the remaining bytes *before* allocating: hostile input can never
//! make a decoder allocate more than the input's own length.
//!
//! ```
//! use distilled_core::{ByteReader, ByteWriter, DecodeError};
//! let mut w = ByteWriter::new();
//! w.put_u8(2).put_u16(0x93cc).put_f64(1.5);
//! let bytes = w.into_vec();
//! let mut r = ByteReader::new(&bytes);
//! assert_eq!(r.u8().unwrap(), 2);
//! assert_eq!(r.u16().unwrap(), 0x93cc);
//! assert_eq!(r.f64().unwrap(), 1.5);
//! assert!(matches!(r.u8(), Err(DecodeError::Truncated { .. })));
//! ```

use crate::error::DecodeError;

/// DataSketches family ids (byte 2 of every preamble).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Family {
    /// Theta alpha sketch.
    Alpha = 1,
    /// Theta QuickSelect update sketch.
    QuickSelect = 2,
    /// Theta compact sketch.
    Compact = 3,
    /// Theta union.
    Union = 4,
    /// Theta intersection.
    Intersection = 5,
    /// Theta A-not-B.
    ANotB = 6,
    /// Tuple sketch (FDT uses it).
    Tuple = 9,
    /// KLL quantiles sketch.
    Kll = 15,
    /// t-digest.
    TDigest = 20,
}

impl Family {
    /// The id byte.
    pub fn id(self) -> u8 {
        self as u8
    }
}

/// A cursor over untrusted bytes. All reads are little-endian unless the
/// method name ends in `_be`.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

macro_rules! read_num {
    ($name:ident, $name_be:ident, $t:ty) => {
        #[doc = concat!("Reads a little-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name(&mut self) -> Result<$t, DecodeError> {
            let b = self.take(std::mem::size_of::<$t>())?;
            Ok(<$t>::from_le_bytes(b.try_into().expect("length checked")))
        }
        #[doc = concat!("Reads a big-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name_be(&mut self) -> Result<$t, DecodeError> {
            let b = self.take(std::mem::size_of::<$t>())?;
            Ok(<$t>::from_be_bytes(b.try_into().expect("length checked")))
        }
    };
}

impl<'a> ByteReader<'a> {
    /// A reader positioned at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        ByteReader { bytes, pos: 0 }
    }

    /// Current offset from the start.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The whole input.
    pub fn input(&self) -> &'a [u8] {
        self.bytes
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless everything was read.
    pub fn expect_end(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { count }),
        }
    }

    /// Checks that `n` more bytes are there without consuming them.
    pub fn require(&self, n: usize) -> Result<(), DecodeError> {
        if n > self.remaining() {
            Err(DecodeError::Truncated {
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            })
        } else {
            Ok(())
        }
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        self.require(n)?;
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.take(n).map(|_| ())
    }

    /// Moves to absolute offset `pos` (which may be the end).
    pub fn seek(&mut self, pos: usize) -> Result<(), DecodeError> {
        if pos > self.bytes.len() {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                needed: pos - self.pos.min(pos),
                available: self.remaining(),
            });
        }
        self.pos = pos;
        Ok(())
    }

    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    read_num!(u16, u16_be, u16);
    read_num!(u32, u32_be, u32);
    read_num!(u64, u64_be, u64);
    read_num!(i32, i32_be, i32);
    read_num!(i64, i64_be, i64);
    read_num!(f32, f32_be, f32);
    read_num!(f64, f64_be, f64);

    /// Checks that an untrusted element count fits in the remaining input
    /// (`count * elem_size <= remaining`), so that the caller can allocate
    /// `count` elements safely.
    pub fn check_count(&self, count: u64, elem_size: usize) -> Result<usize, DecodeError> {
        let needed = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(elem_size))
            .ok_or(DecodeError::Truncated {
                offset: self.pos,
                needed: usize::MAX,
                available: self.remaining(),
            })?;
        self.require(needed)?;
        Ok(count as usize)
    }

    /// Reads `count` little-endian `u64`s, checking the length before
    /// allocating.
    pub fn u64_vec(&mut self, count: u64) -> Result<Vec<u64>, DecodeError> {
        let n = self.check_count(count, 8)?;
        let raw = self.take(n * 8)?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    /// Reads `count` little-endian `f64`s, checking the length first.
    pub fn f64_vec(&mut self, count: u64) -> Result<Vec<f64>, DecodeError> {
        Ok(self
            .u64_vec(count)?
            .into_iter()
            .map(f64::from_bits)
            .collect())
    }

    /// Reads `count` little-endian `f32`s, checking the length first.
    pub fn f32_vec(&mut self, count: u64) -> Result<Vec<f32>, DecodeError> {
        let n = self.check_count(count, 4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    /// Reads `count` little-endian `u32`s, checking the length first.
    pub fn u32_vec(&mut self, count: u64) -> Result<Vec<u32>, DecodeError> {
        let n = self.check_count(count, 4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    /// Reads a family byte and checks it.
    pub fn expect_family(&mut self, expected: Family) -> Result<(), DecodeError> {
        let found = self.u8()?;
        if found == expected.id() {
            Ok(())
        } else {
            Err(DecodeError::WrongFamily {
                expected: expected.id(),
                found,
            })
        }
    }
}

/// Checks a serial version against the ones a decoder supports.
pub fn check_serial_version(found: u8, supported: &[u8]) -> Result<u8, DecodeError> {
    if supported.contains(&found) {
        Ok(found)
    } else {
        Err(DecodeError::UnsupportedSerialVersion { found })
    }
}

/// Checks a seed hash read from the input against the expected one.
pub fn check_seed_hash(expected: u16, found: u16) -> Result<(), DecodeError> {
    if expected == found {
        Ok(())
    } else {
        Err(DecodeError::SeedHashMismatch { expected, found })
    }
}

/// An append-only byte buffer for writing sketches. Little-endian unless the
/// method name ends in `_be`. Methods chain.
#[derive(Debug, Clone, Default)]
pub struct ByteWriter {
    buf: Vec<u8>,
}

macro_rules! write_num {
    ($name:ident, $name_be:ident, $t:ty) => {
        #[doc = concat!("Appends a little-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name(&mut self, v: $t) -> &mut Self {
            self.buf.extend_from_slice(&v.to_le_bytes());
            self
        }
        #[doc = concat!("Appends a big-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name_be(&mut self, v: $t) -> &mut Self {
            self.buf.extend_from_slice(&v.to_be_bytes());
            self
        }
    };
}

impl ByteWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        ByteWriter {
            buf: Vec::with_capacity(n),
        }
    }

    /// Appends one byte.
    #[inline]
    pub fn put_u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    write_num!(put_u16, put_u16_be, u16);
    write_num!(put_u32, put_u32_be, u32);
    write_num!(put_u64, put_u64_be, u64);
    write_num!(put_i32, put_i32_be, i32);
    write_num!(put_i64, put_i64_be, i64);
    write_num!(put_f32, put_f32_be, f32);
    write_num!(put_f64, put_f64_be, f64);

    /// Appends raw bytes.
    pub fn put_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// `true` when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// Overwrites one byte at `pos` (for fields known only at the end).
    pub fn patch_u8(&mut self, pos: usize, v: u8) {
        self.buf[pos] = v;
    }

    /// The finished buffer.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_width() {
        let mut w = ByteWriter::with_capacity(64);
        w.put_u8(7)
            .put_u16(0xBEEF)
            .put_u32(0xDEAD_BEEF)
            .put_u64(u64::MAX - 1)
            .put_i32(-5)
            .put_i64(i64::MIN)
            .put_f32(1.25)
            .put_f64(-2.5)
            .put_u64_be(0x0102_0304_0506_0708)
            .put_f64_be(3.0);
        let v = w.into_vec();
        let mut r = ByteReader::new(&v);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u16().unwrap(), 0xBEEF);
        assert_eq!(r.u32().unwrap(), 0xDEAD_BEEF);
        assert_eq!(r.u64().unwrap(), u64::MAX - 1);
        assert_eq!(r.i32().unwrap(), -5);
        assert_eq!(r.i64().unwrap(), i64::MIN);
        assert_eq!(r.f32().unwrap(), 1.25);
        assert_eq!(r.f64().unwrap(), -2.5);
        assert_eq!(r.position(), 1 + 2 + 4 + 8 + 4 + 8 + 4 + 8);
        assert_eq!(
            r.take(8).unwrap(),
            &[1, 2, 3, 4, 5, 6, 7, 8],
            "big-endian bytes"
        );
        assert_eq!(r.f64_be().unwrap(), 3.0);
        r.expect_end().unwrap();
    }

    #[test]
    fn truncation_is_typed() {
        let mut r = ByteReader::new(&[1, 2, 3]);
        assert_eq!(
            r.u32(),
            Err(DecodeError::Truncated {
                offset: 0,
                needed: 4,
                available: 3
            })
        );
        assert_eq!(r.u16().unwrap(), 0x0201);
        assert_eq!(r.expect_end(), Err(DecodeError::TrailingBytes { count: 1 }));
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let r = ByteReader::new(&[0; 16]);
        assert!(r.check_count(u64::MAX, 8).is_err());
        assert!(r.check_count(3, 8).is_err());
        assert_eq!(r.check_count(2, 8), Ok(2));
        let mut r = ByteReader::new(&[0; 16]);
        assert!(matches!(
            r.f64_vec(1 << 60),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn family_and_version_checks() {
        let mut r = ByteReader::new(&[15, 3]);
        assert_eq!(
            r.expect_family(Family::Compact),
            Err(DecodeError::WrongFamily {
                expected: 3,
                found: 15
            })
        );
        assert_eq!(r.expect_family(Family::Compact), Ok(()));
        assert_eq!(check_serial_version(2, &[1, 2]), Ok(2));
        assert_eq!(
            check_serial_version(9, &[1, 2]),
            Err(DecodeError::UnsupportedSerialVersion { found: 9 })
        );
        assert!(check_seed_hash(0x93CC, 0x93CC).is_ok());
        assert!(check_seed_hash(0x93CC, 0).is_err());
    }
}
