//! The DataSketches compact theta format (family 3): serial version 3
//! (uncompressed) and 4 (delta-compressed) both ways, legacy versions 1 and 2
//! for reading.

use distilled_core::codec::check_seed_hash;
use distilled_core::hash::{DEFAULT_SEED, MAX_THETA, compute_seed_hash};
use distilled_core::{ByteReader, ByteWriter, DecodeError, Family};

use crate::theta::CompactThetaSketch;
use crate::tuple::{FLAG_COMPACT, FLAG_EMPTY, FLAG_ORDERED, FLAG_READ_ONLY};

impl CompactThetaSketch {
    /// Serial version 3, byte-identical to the C++ library and the Python
    /// wheel (`compact.serialize()`): empty sketches keep their seed hash and
    /// flags `0x1E`, a single exact entry uses one preamble long and `0x1A`.
    pub fn serialize(&self) -> Vec<u8> {
        let n = self.num_retained();
        let estimation = self.is_estimation_mode();
        let single = n == 1 && !estimation;
        let pre_longs: u8 = if estimation {
            3
        } else if self.is_empty() || single {
            1
        } else {
            2
        };
        let mut w = ByteWriter::with_capacity(24 + 8 * n);
        w.put_u8(pre_longs)
            .put_u8(3)
            .put_u8(Family::Compact.id())
            .put_u8(0)
            .put_u8(0)
            .put_u8(self.flags())
            .put_u16(self.seed_hash());
        if pre_longs > 1 {
            w.put_u32(n as u32).put_u32(0);
        }
        if pre_longs > 2 {
            w.put_u64(self.theta64());
        }
        for h in self.hashes() {
            w.put_u64(h);
        }
        w.into_vec()
    }

    fn flags(&self) -> u8 {
        let mut f = FLAG_READ_ONLY | FLAG_COMPACT;
        if self.is_empty() {
            f |= FLAG_EMPTY;
        }
        if self.is_ordered() {
            f |= FLAG_ORDERED;
        }
        f
    }

    /// Serial version 4 (compressed) when the sketch qualifies (ordered, at
    /// least one entry, not a single exact entry), else serial version 3,
    /// exactly as `compact.serialize(compress=True)` decides.
    pub fn serialize_compressed(&self) -> Vec<u8> {
        let n = self.num_retained();
        let estimation = self.is_estimation_mode();
        if !self.is_ordered() || n == 0 || (n == 1 && !estimation) {
            return self.serialize();
        }
        let mut ored = 0u64;
        let mut prev = 0u64;
        for h in self.hashes() {
            ored |= h - prev;
            prev = h;
        }
        let entry_bits = (64 - ored.leading_zeros()) as u8;
        let count_bits = 32 - (n as u32).leading_zeros();
        let count_bytes = count_bits.div_ceil(8) as u8;
        let mut w = ByteWriter::with_capacity(24 + (n * usize::from(entry_bits)).div_ceil(8));
        w.put_u8(if estimation { 2 } else { 1 })
            .put_u8(4)
            .put_u8(Family::Compact.id())
            .put_u8(entry_bits)
            .put_u8(count_bytes)
            .put_u8(FLAG_READ_ONLY | FLAG_COMPACT | FLAG_ORDERED)
            .put_u16(self.seed_hash());
        if estimation {
            w.put_u64(self.theta64());
        }
        let nb = (n as u32).to_le_bytes();
        w.put_bytes(&nb[..usize::from(count_bytes)]);
        // Deltas as one MSB-first bit stream of `entry_bits` per value.
        let mut acc: u128 = 0;
        let mut nacc: u32 = 0;
        let mut prev = 0u64;
        let bits = u32::from(entry_bits);
        for h in self.hashes() {
            acc = (acc << bits) | u128::from(h - prev);
            prev = h;
            nacc += bits;
            while nacc >= 8 {
                nacc -= 8;
                w.put_u8((acc >> nacc) as u8);
            }
            acc &= (1u128 << nacc) - 1;
        }
        if nacc > 0 {
            w.put_u8((acc << (8 - nacc)) as u8);
        }
        w.into_vec()
    }

    /// Reads serial versions 1 to 4 with the default seed (9001).
    pub fn deserialize(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::deserialize_with_seed(bytes, DEFAULT_SEED)
    }

    /// Reads serial versions 1 to 4, checking the seed hash against `seed`
    /// (not for empty sketches, whose seed hash Java writes as 0).
    pub fn deserialize_with_seed(bytes: &[u8], seed: u64) -> Result<Self, DecodeError> {
        let expected = compute_seed_hash(seed)
            .ok_or_else(|| DecodeError::inconsistent("seed", "the seed's seed hash is zero"))?;
        Self::deserialize_with_seed_hash(bytes, expected)
    }

    /// Like [`CompactThetaSketch::deserialize_with_seed`], given the 16-bit
    /// seed hash instead of the seed.
    pub fn deserialize_with_seed_hash(bytes: &[u8], expected: u16) -> Result<Self, DecodeError> {
        let mut r = ByteReader::new(bytes);
        let pre_longs = r.u8()? & 0x3F;
        let version = r.u8()?;
        match version {
            1 | 2 => read_legacy(&mut r, version, pre_longs, expected),
            3 => read_v3(&mut r, pre_longs, expected),
            4 => read_v4(&mut r, pre_longs, expected),
            found => Err(DecodeError::UnsupportedSerialVersion { found }),
        }
    }
}

fn read_hashes(r: &mut ByteReader<'_>, count: u64) -> Result<Vec<u64>, DecodeError> {
    r.u64_vec(count)
}

fn finish(
    r: &ByteReader<'_>,
    is_empty: bool,
    ordered_flag: bool,
    seed_hash: u16,
    theta: u64,
    hashes: Vec<u64>,
) -> Result<CompactThetaSketch, DecodeError> {
    r.expect_end()?;
    if is_empty {
        return CompactThetaSketch::from_parts(true, true, seed_hash, MAX_THETA, Vec::new());
    }
    let ordered = ordered_flag || hashes.windows(2).all(|w| w[0] < w[1]);
    CompactThetaSketch::from_parts(false, ordered, seed_hash, theta, hashes)
}

fn read_v3(
    r: &mut ByteReader<'_>,
    pre_longs: u8,
    expected: u16,
) -> Result<CompactThetaSketch, DecodeError> {
    r.expect_family(Family::Compact)?;
    r.skip(2)?;
    let flags = r.u8()?;
    let seed_hash = r.u16()?;
    if flags & FLAG_EMPTY != 0 {
        return finish(r, true, true, expected, MAX_THETA, Vec::new());
    }
    check_seed_hash(expected, seed_hash)?;
    let ordered = flags & FLAG_ORDERED != 0;
    let (count, theta) = match pre_longs {
        1 => (1, MAX_THETA),
        2 | 3 => {
            let n = u64::from(r.u32()?);
            r.skip(4)?;
            let theta = if pre_longs == 3 { r.u64()? } else { MAX_THETA };
            (n, theta)
        }
        other => {
            return Err(DecodeError::inconsistent(
                "preamble_longs",
                format!("{other} is not 1, 2 or 3"),
            ));
        }
    };
    let hashes = read_hashes(r, count)?;
    finish(r, false, ordered, seed_hash, theta, hashes)
}

fn read_v4(
    r: &mut ByteReader<'_>,
    pre_longs: u8,
    expected: u16,
) -> Result<CompactThetaSketch, DecodeError> {
    r.expect_family(Family::Compact)?;
    let entry_bits = r.u8()?;
    let count_bytes = r.u8()?;
    let flags = r.u8()?;
    let seed_hash = r.u16()?;
    if flags & FLAG_EMPTY != 0 {
        return finish(r, true, true, expected, MAX_THETA, Vec::new());
    }
    check_seed_hash(expected, seed_hash)?;
    if !(1..=63).contains(&entry_bits) {
        return Err(DecodeError::inconsistent(
            "entry_bits",
            format!("{entry_bits} is not in 1..=63"),
        ));
    }
    if !(1..=4).contains(&count_bytes) {
        return Err(DecodeError::inconsistent(
            "num_entries_bytes",
            format!("{count_bytes} is not in 1..=4"),
        ));
    }
    let theta = match pre_longs {
        1 => MAX_THETA,
        2 => r.u64()?,
        other => {
            return Err(DecodeError::inconsistent(
                "preamble_longs",
                format!("{other} is not 1 or 2 in serial version 4"),
            ));
        }
    };
    let mut nb = [0u8; 4];
    nb[..usize::from(count_bytes)].copy_from_slice(r.take(usize::from(count_bytes))?);
    let n = u64::from(u32::from_le_bytes(nb));
    let bits = u64::from(entry_bits);
    let packed_len = (n * bits).div_ceil(8);
    let packed = r.take(
        usize::try_from(packed_len)
            .map_err(|_| DecodeError::inconsistent("num_entries", "too large"))?,
    )?;
    let mut hashes = Vec::with_capacity((n as usize).min(packed.len() + 1));
    let mut acc: u128 = 0;
    let mut nacc: u32 = 0;
    let mut bytes = packed.iter();
    let mut prev = 0u64;
    let bits = bits as u32;
    for _ in 0..n {
        while nacc < bits {
            // The length was checked above, so the stream cannot run dry.
            acc = (acc << 8) | u128::from(*bytes.next().unwrap_or(&0));
            nacc += 8;
        }
        nacc -= bits;
        let delta = (acc >> nacc) as u64 & ((1u64 << bits) - 1);
        acc &= (1u128 << nacc) - 1;
        prev = prev
            .checked_add(delta)
            .ok_or_else(|| DecodeError::inconsistent("entries", "delta overflow"))?;
        hashes.push(prev);
    }
    finish(r, false, true, seed_hash, theta, hashes)
}

fn read_legacy(
    r: &mut ByteReader<'_>,
    version: u8,
    pre_longs: u8,
    expected: u16,
) -> Result<CompactThetaSketch, DecodeError> {
    // Byte 2 held the sketch type (3 = compact) in these versions.
    let sketch_type = r.u8()?;
    if sketch_type != 3 {
        return Err(DecodeError::WrongFamily {
            expected: 3,
            found: sketch_type,
        });
    }
    r.skip(3)?;
    let stored_seed_hash = r.u16()?;
    if version == 1 {
        // Version 1 stored no seed hash and always three preamble longs.
        let n = u64::from(r.u32()?);
        r.skip(4)?;
        let theta = r.u64()?;
        let is_empty = n == 0 && theta == MAX_THETA;
        let hashes = read_hashes(r, n)?;
        return finish(r, is_empty, false, expected, theta, hashes);
    }
    match pre_longs {
        1 => finish(r, true, true, expected, MAX_THETA, Vec::new()),
        2 | 3 => {
            let n = u64::from(r.u32()?);
            r.skip(4)?;
            let theta = if pre_longs == 3 { r.u64()? } else { MAX_THETA };
            let is_empty = n == 0 && theta == MAX_THETA;
            if !is_empty {
                check_seed_hash(expected, stored_seed_hash)?;
            }
            let hashes = read_hashes(r, n)?;
            finish(r, is_empty, false, expected, theta, hashes)
        }
        other => Err(DecodeError::inconsistent(
            "preamble_longs",
            format!("{other} is not 1, 2 or 3"),
        )),
    }
}
