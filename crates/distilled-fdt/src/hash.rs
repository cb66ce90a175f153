//! How a tuple becomes a 63-bit theta hash, exactly as Java's `FdtSketch`.
//!
//! 1. The strings are joined with a comma (`["a", "b"]` becomes `"a,b"`).
//! 2. `key64` is XXH64 of the joined string's **UTF-16 code units** in
//!    little-endian byte order (Java hashes `String.toCharArray()`), with seed
//!    [`TUPLE_KEY_SEED`] = `0x7A3CCA71`. It is not UTF-8.
//! 3. The theta hash is the DataSketches hash of `key64` as a 64-bit integer
//!    (MurmurHash3_x64_128 with seed 9001, `h1 >> 1`), as Java's `update(long)`.
//!
//! Because of the comma join, `["a,b", "c"]` and `["a", "b,c"]` are the same
//! key (Java behaves the same way); the sketch then keeps the first tuple it
//! saw under that key. The test vectors in `tests/fixtures/hash_vectors.json`
//! come from the Python `datasketches` wheel (step 3) over an independent
//! XXH64 (steps 1 and 2), see `xtask/fixtures/fdt.py`.

use distilled_core::hash::theta_hash_i64;
use xxhash_rust::xxh64::Xxh64;

/// The XXH64 seed Java's tuple `Util` uses for string keys.
pub const TUPLE_KEY_SEED: u64 = 0x7A3C_CA71;

/// XXH64 (seed [`TUPLE_KEY_SEED`]) of the comma-joined tuple's UTF-16LE code
/// units, as a signed 64-bit integer (Java's `long`).
///
/// ```
/// use distilled_fdt::hash::tuple_key64;
/// // Same as Java's FdtSketch; a value checked against the Python wheel.
/// assert_eq!(tuple_key64(&["1.2.3.4", "alice"]), -4624274623952450189);
/// ```
pub fn tuple_key64<S: AsRef<str>>(tuple: &[S]) -> i64 {
    let mut enc = Utf16Buffer::new();
    for (i, s) in tuple.iter().enumerate() {
        if i > 0 {
            enc.push_ascii(b",");
        }
        let s = s.as_ref();
        if s.is_ascii() {
            enc.push_ascii(s.as_bytes());
        } else {
            for unit in s.encode_utf16() {
                enc.push_unit(unit);
            }
        }
    }
    enc.finish() as i64
}

/// UTF-16LE encoder feeding XXH64: tuples that fit in the stack buffer (the
/// usual case) are hashed in one shot, longer ones stream through `Xxh64`.
/// Nothing allocates.
struct Utf16Buffer {
    buf: [u8; BUF_BYTES],
    len: usize,
    stream: Option<Xxh64>,
}

const BUF_BYTES: usize = 256;

impl Utf16Buffer {
    #[inline]
    fn new() -> Self {
        Utf16Buffer {
            buf: [0; BUF_BYTES],
            len: 0,
            stream: None,
        }
    }

    #[inline]
    fn flush(&mut self) {
        self.stream
            .get_or_insert_with(|| Xxh64::new(TUPLE_KEY_SEED))
            .update(&self.buf[..self.len]);
        self.len = 0;
    }

    /// ASCII bytes: each is one UTF-16 unit, the byte then a zero.
    #[inline]
    fn push_ascii(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.len + 2 > BUF_BYTES {
                self.flush();
            }
            let n = bytes.len().min((BUF_BYTES - self.len) / 2);
            for (dst, &b) in self.buf[self.len..self.len + 2 * n]
                .chunks_exact_mut(2)
                .zip(&bytes[..n])
            {
                dst[0] = b;
                dst[1] = 0;
            }
            self.len += 2 * n;
            bytes = &bytes[n..];
        }
    }

    #[inline]
    fn push_unit(&mut self, unit: u16) {
        if self.len + 2 > BUF_BYTES {
            self.flush();
        }
        self.buf[self.len..self.len + 2].copy_from_slice(&unit.to_le_bytes());
        self.len += 2;
    }

    #[inline]
    fn finish(mut self) -> u64 {
        match self.stream.take() {
            None => xxhash_rust::xxh64::xxh64(&self.buf[..self.len], TUPLE_KEY_SEED),
            Some(mut h) => {
                h.update(&self.buf[..self.len]);
                h.digest()
            }
        }
    }
}

/// The 63-bit theta hash of a tuple under `seed` (9001 for every FDT sketch
/// Java makes).
///
/// ```
/// use distilled_fdt::hash::tuple_hash;
/// assert_eq!(tuple_hash(&["1.2.3.4", "alice"], 9001), 2452878444545631121);
/// ```
pub fn tuple_hash<S: AsRef<str>>(tuple: &[S], seed: u64) -> u64 {
    theta_hash_i64(tuple_key64(tuple), seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_key64(tuple: &[&str]) -> i64 {
        let joined = tuple.join(",");
        let bytes: Vec<u8> = joined.encode_utf16().flat_map(u16::to_le_bytes).collect();
        xxhash_rust::xxh64::xxh64(&bytes, TUPLE_KEY_SEED) as i64
    }

    #[test]
    fn chunked_encoding_equals_one_shot() {
        let long = "é".repeat(300);
        let cases: Vec<Vec<&str>> = vec![
            vec![],
            vec![""],
            vec!["", ""],
            vec!["a"],
            vec![&long, "x", &long],
            vec!["🦀", "🦀🦀"],
        ];
        for c in &cases {
            assert_eq!(tuple_key64(c), reference_key64(c), "{c:?}");
        }
    }

    #[test]
    fn comma_join_is_ambiguous_like_java() {
        assert_eq!(tuple_key64(&["a,b", "c"]), tuple_key64(&["a", "b,c"]));
        assert_ne!(tuple_key64(&["a", "b"]), tuple_key64(&["b", "a"]));
    }

    #[test]
    fn owned_and_borrowed_agree() {
        let owned = vec!["x".to_string(), "y".to_string()];
        assert_eq!(tuple_hash(&owned, 9001), tuple_hash(&["x", "y"], 9001));
    }
}
