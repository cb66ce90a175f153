//! The Apache DataSketches t-digest binary format (serial version 1, sketch
//! type 20), plus the big-endian formats of Dunning's reference library that
//! DataSketches also reads.
//!
//! Layout (little-endian): `preamble_longs` (1 when empty or a single value,
//! else 2), serial version 1, type 20, `k` (u16), flags (bit 0 empty, bit 1
//! single value, bit 2 reverse merge), two unused bytes. A single value
//! follows as one `T`. Otherwise: number of centroids (u32), number of
//! buffered values (u32), min and max (`T`), centroids as `(mean: T, weight)`
//! with a u64 weight for the double layout and u32 for the float layout, then
//! the buffered values (`T`).
//!
//! Writing always produces the double layout and compresses first (as the
//! Python and Java libraries do). DataSketches weights are integers: a digest
//! fed fractional weights is written with each centroid weight rounded to the
//! nearest integer (at least 1).

use distilled_core::codec::check_serial_version;
use distilled_core::{ByteReader, ByteWriter, DataSketchesFormat, DecodeError, Family};

use crate::sort::f64_to_key;
use crate::{Centroid, MIN_COMPRESSION, Scale, TDigest};

const SERIAL_VERSION: u8 = 1;
const FLAG_EMPTY: u8 = 1;
const FLAG_SINGLE: u8 = 2;
const FLAG_REVERSE: u8 = 4;

/// Width of the values in a DataSketches t-digest image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatLayout {
    /// `tdigest_double`: f64 values, u64 weights (what Java and Rust write).
    Double,
    /// `tdigest_float`: f32 values, u32 weights.
    Float,
}

impl TDigest {
    /// Reads a DataSketches image whose value width is known. The trait method
    /// [`DataSketchesFormat::from_datasketches_bytes`] detects the width from
    /// the length instead.
    pub fn from_datasketches_bytes_layout(
        bytes: &[u8],
        layout: FormatLayout,
    ) -> Result<TDigest, DecodeError> {
        if is_reference_format(bytes) {
            return read_reference(bytes);
        }
        read_native(bytes, Some(layout))
    }

    fn write_datasketches(&self) -> Vec<u8> {
        let mut d = self.clone();
        d.compress();
        let mut w = ByteWriter::with_capacity(32 + 16 * d.centroids.len());
        let k = d.compression;
        let reverse = if d.reverse_merge { FLAG_REVERSE } else { 0 };
        if d.is_empty() {
            w.put_u8(1)
                .put_u8(SERIAL_VERSION)
                .put_u8(Family::TDigest.id())
                .put_u16(k)
                .put_u8(FLAG_EMPTY | reverse)
                .put_u16(0);
            return w.into_vec();
        }
        let weights: Vec<u64> = d
            .centroids
            .iter()
            .map(|c| (c.weight.round() as u64).max(1))
            .collect();
        let total: u64 = weights.iter().fold(0u64, |a, &b| a.saturating_add(b));
        if total == 1 {
            w.put_u8(1)
                .put_u8(SERIAL_VERSION)
                .put_u8(Family::TDigest.id())
                .put_u16(k)
                .put_u8(FLAG_SINGLE | reverse)
                .put_u16(0)
                .put_f64(d.min);
            return w.into_vec();
        }
        w.put_u8(2)
            .put_u8(SERIAL_VERSION)
            .put_u8(Family::TDigest.id())
            .put_u16(k)
            .put_u8(reverse)
            .put_u16(0)
            .put_u32(d.centroids.len() as u32)
            .put_u32(0)
            .put_f64(d.min)
            .put_f64(d.max);
        for (c, &wt) in d.centroids.iter().zip(&weights) {
            w.put_f64(c.mean).put_u64(wt);
        }
        w.into_vec()
    }
}

impl DataSketchesFormat for TDigest {
    /// The double layout, after compressing a copy (the digest itself is not
    /// changed, but the copy's merge direction flips as in DataSketches).
    fn to_datasketches_bytes(&self) -> Vec<u8> {
        self.write_datasketches()
    }

    /// Reads the double or float layout (told apart by length) or a
    /// big-endian reference image. The result is a K2 digest with the image's
    /// `k` and merge direction.
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        if is_reference_format(bytes) {
            return read_reference(bytes);
        }
        read_native(bytes, None)
    }
}

fn is_reference_format(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && bytes[..3] == [0, 0, 0] && matches!(bytes[3], 1 | 2)
}

fn check_k(k: u16) -> Result<(), DecodeError> {
    if k < MIN_COMPRESSION {
        return Err(DecodeError::inconsistent(
            "k",
            format!("k must be at least {MIN_COMPRESSION}, found {k}"),
        ));
    }
    Ok(())
}

fn finite(field: &'static str, x: f64) -> Result<f64, DecodeError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(DecodeError::inconsistent(
            field,
            format!("{x} is not finite"),
        ))
    }
}

fn read_value(r: &mut ByteReader<'_>, layout: FormatLayout) -> Result<f64, DecodeError> {
    match layout {
        FormatLayout::Double => r.f64(),
        FormatLayout::Float => r.f32().map(f64::from),
    }
}

fn read_native(bytes: &[u8], layout: Option<FormatLayout>) -> Result<TDigest, DecodeError> {
    let mut r = ByteReader::new(bytes);
    let preamble_longs = r.u8()?;
    check_serial_version(r.u8()?, &[SERIAL_VERSION])?;
    r.expect_family(Family::TDigest)?;
    let k = r.u16()?;
    let flags = r.u8()?;
    r.skip(2)?;
    check_k(k)?;
    if flags & !(FLAG_EMPTY | FLAG_SINGLE | FLAG_REVERSE) != 0 {
        return Err(DecodeError::inconsistent(
            "flags",
            format!("unknown flag bits in {flags:#04x}"),
        ));
    }
    let empty = flags & FLAG_EMPTY != 0;
    let single = flags & FLAG_SINGLE != 0;
    let reverse = flags & FLAG_REVERSE != 0;
    let expected_preamble = if empty || single { 1 } else { 2 };
    if preamble_longs != expected_preamble {
        return Err(DecodeError::inconsistent(
            "preamble_longs",
            format!("expected {expected_preamble}, found {preamble_longs}"),
        ));
    }
    let mut d = TDigest::with_scale(k, Scale::K2)
        .map_err(|e| DecodeError::inconsistent("k", e.to_string()))?;
    if empty {
        if single {
            return Err(DecodeError::inconsistent(
                "flags",
                "both empty and single-value",
            ));
        }
        d.reverse_merge = reverse;
        r.expect_end()?;
        return Ok(d);
    }
    if single {
        let layout = layout.unwrap_or(if r.remaining() == 4 {
            FormatLayout::Float
        } else {
            FormatLayout::Double
        });
        let x = finite("value", read_value(&mut r, layout)?)?;
        r.expect_end()?;
        d.centroids.push(Centroid {
            mean: x,
            weight: 1.0,
        });
        d.atoms.push(true);
        d.centroid_weight = 1.0;
        d.min = x;
        d.max = x;
        d.reverse_merge = reverse;
        return Ok(d);
    }
    let num_centroids = r.u32()? as u64;
    let num_buffered = r.u32()? as u64;
    let layout = match layout {
        Some(l) => l,
        None => {
            // Double: 16 + 16 + 16·C + 8·B; float: 16 + 8 + 8·C + 4·B.
            let rest = r.remaining() as u64;
            let float_len = 8 + 8 * num_centroids + 4 * num_buffered;
            if rest == float_len {
                FormatLayout::Float
            } else {
                FormatLayout::Double
            }
        }
    };
    let (value_size, weight_size) = match layout {
        FormatLayout::Double => (8usize, 8usize),
        FormatLayout::Float => (4, 4),
    };
    let min = finite("min", read_value(&mut r, layout)?)?;
    let max = finite("max", read_value(&mut r, layout)?)?;
    if min > max {
        return Err(DecodeError::inconsistent(
            "min",
            format!("min {min} exceeds max {max}"),
        ));
    }
    let nc = r.check_count(num_centroids, value_size + weight_size)?;
    let mut centroids = Vec::with_capacity(nc);
    let mut total = 0.0;
    for _ in 0..nc {
        let mean = finite("centroid mean", read_value(&mut r, layout)?)?;
        let weight = match layout {
            FormatLayout::Double => r.u64()? as f64,
            FormatLayout::Float => f64::from(r.u32()?),
        };
        if weight <= 0.0 {
            return Err(DecodeError::inconsistent(
                "centroid weight",
                "weight is zero",
            ));
        }
        if mean < min || mean > max {
            return Err(DecodeError::inconsistent(
                "centroid mean",
                format!("mean {mean} outside [{min}, {max}]"),
            ));
        }
        if let Some(prev) = centroids.last().map(|c: &Centroid| c.mean)
            && mean < prev
        {
            return Err(DecodeError::inconsistent(
                "centroid mean",
                "centroids are not sorted by mean",
            ));
        }
        total += weight;
        centroids.push(Centroid { mean, weight });
    }
    let nb = r.check_count(num_buffered, value_size)?;
    let mut buffer = Vec::with_capacity(nb);
    for _ in 0..nb {
        let x = finite("buffered value", read_value(&mut r, layout)?)?;
        if x < min || x > max {
            return Err(DecodeError::inconsistent(
                "buffered value",
                format!("value {x} outside [{min}, {max}]"),
            ));
        }
        buffer.push(f64_to_key(x));
    }
    r.expect_end()?;
    if centroids.is_empty() && buffer.is_empty() {
        return Err(DecodeError::inconsistent(
            "num_centroids",
            "a non-empty sketch without centroids or buffered values",
        ));
    }
    d.atoms = inferred_atoms(&centroids);
    d.centroids = centroids;
    d.centroid_weight = total;
    d.buffer = buffer;
    d.min = min;
    d.max = max;
    d.reverse_merge = reverse;
    Ok(d)
}

/// Dunning's `asBytes` (verbose, tag 1) and `asSmallBytes` (tag 2) images,
/// big-endian.
fn read_reference(bytes: &[u8]) -> Result<TDigest, DecodeError> {
    let mut r = ByteReader::new(bytes);
    let tag = r.i32_be()?;
    let min = finite("min", r.f64_be()?)?;
    let max = finite("max", r.f64_be()?)?;
    if min > max {
        return Err(DecodeError::inconsistent(
            "min",
            format!("min {min} exceeds max {max}"),
        ));
    }
    let (compression, count, small) = if tag == 1 {
        let c = r.f64_be()?;
        let n = r.i32_be()?;
        (c, n as i64, false)
    } else {
        let c = f64::from(r.f32_be()?);
        r.skip(4)?; // capacities, re-derived from k
        let n = r.u16_be()?;
        (c, n as i64, true)
    };
    if !(compression.is_finite()
        && compression >= f64::from(MIN_COMPRESSION)
        && compression < 65536.0)
    {
        return Err(DecodeError::inconsistent(
            "compression",
            format!("{compression} is not a valid k"),
        ));
    }
    if count < 0 {
        return Err(DecodeError::inconsistent(
            "count",
            format!("negative centroid count {count}"),
        ));
    }
    let k = compression as u16;
    check_k(k)?;
    let nc = r.check_count(count as u64, if small { 8 } else { 16 })?;
    let mut centroids = Vec::with_capacity(nc);
    let mut total = 0.0;
    for _ in 0..nc {
        let (w, mean) = if small {
            (f64::from(r.f32_be()?), f64::from(r.f32_be()?))
        } else {
            (r.f64_be()?, r.f64_be()?)
        };
        let mean = finite("centroid mean", mean)?;
        // DataSketches truncates the weight to an integer.
        if !(w.is_finite() && w >= 1.0) {
            return Err(DecodeError::inconsistent(
                "centroid weight",
                format!("weight {w} is not a positive count"),
            ));
        }
        let weight = w.trunc();
        if let Some(prev) = centroids.last().map(|c: &Centroid| c.mean)
            && mean < prev
        {
            return Err(DecodeError::inconsistent(
                "centroid mean",
                "centroids are not sorted by mean",
            ));
        }
        total += weight;
        if !f64::is_finite(total) {
            return Err(DecodeError::inconsistent(
                "centroid weight",
                "the total weight overflows f64",
            ));
        }
        centroids.push(Centroid { mean, weight });
    }
    r.expect_end()?;
    let mut d = TDigest::with_scale(k, Scale::K2)
        .map_err(|e| DecodeError::inconsistent("k", e.to_string()))?;
    if centroids.is_empty() {
        return Ok(d);
    }
    // The reference library's min/max are its own; keep them consistent with
    // the means so that queries stay within range.
    d.min = min.min(centroids[0].mean);
    d.max = max.max(centroids[centroids.len() - 1].mean);
    d.atoms = inferred_atoms(&centroids);
    d.centroids = centroids;
    d.centroid_weight = total;
    Ok(d)
}

/// The DataSketches format has no atom flags: only single values (weight 1)
/// are known to be point masses. (Queries also treat a centroid whose mean
/// equals the exact min or max as one.)
fn inferred_atoms(centroids: &[Centroid]) -> Vec<bool> {
    centroids.iter().map(|c| c.weight == 1.0).collect()
}
