//! The Apache DataSketches KLL binary format for `f32` and `f64` items
//! (identical in Java, C++ and Python).
//!
//! Three forms share an 8-byte header: empty (header only), single item
//! (header and the item) and full (`n`, `min_k`, the level offsets without the
//! last one, min, max, then the retained items in buffer order).

use crate::capacity::{M, MAX_LEVELS, total_capacity};
use crate::item::KllItem;
use crate::sketch::{KllSketch, MIN_K};
use distilled_core::codec::check_serial_version;
use distilled_core::{ByteReader, ByteWriter, DataSketchesFormat, DecodeError, Family};

const PREAMBLE_INTS_SHORT: u8 = 2;
const PREAMBLE_INTS_FULL: u8 = 5;
const SERIAL_VERSION_1: u8 = 1;
const SERIAL_VERSION_2: u8 = 2;
const FLAG_EMPTY: u8 = 1;
const FLAG_LEVEL_ZERO_SORTED: u8 = 2;
const FLAG_SINGLE_ITEM: u8 = 4;

/// A float type with a fixed-width little-endian encoding.
trait WireItem: KllItem + Copy {
    const SIZE: usize;
    fn put(w: &mut ByteWriter, x: Self);
    fn get(r: &mut ByteReader<'_>) -> Result<Self, DecodeError>;
}

impl WireItem for f64 {
    const SIZE: usize = 8;
    fn put(w: &mut ByteWriter, x: f64) {
        w.put_f64(x);
    }
    fn get(r: &mut ByteReader<'_>) -> Result<f64, DecodeError> {
        r.f64()
    }
}

impl WireItem for f32 {
    const SIZE: usize = 4;
    fn put(w: &mut ByteWriter, x: f32) {
        w.put_f32(x);
    }
    fn get(r: &mut ByteReader<'_>) -> Result<f32, DecodeError> {
        r.f32()
    }
}

fn write<T: WireItem>(sk: &KllSketch<T>) -> Vec<u8> {
    let sorted = if sk.level_zero_sorted {
        FLAG_LEVEL_ZERO_SORTED
    } else {
        0
    };
    let k = sk.k;
    let mut w =
        ByteWriter::with_capacity(20 + 4 * sk.num_levels() + (sk.num_retained() + 2) * T::SIZE);
    if sk.n == 0 {
        w.put_u8(PREAMBLE_INTS_SHORT)
            .put_u8(SERIAL_VERSION_1)
            .put_u8(Family::Kll.id())
            .put_u8(FLAG_EMPTY | sorted)
            .put_u16(k)
            .put_u8(M)
            .put_u8(0);
        return w.into_vec();
    }
    if sk.n == 1 {
        w.put_u8(PREAMBLE_INTS_SHORT)
            .put_u8(SERIAL_VERSION_2)
            .put_u8(Family::Kll.id())
            .put_u8(FLAG_SINGLE_ITEM | sorted)
            .put_u16(k)
            .put_u8(M)
            .put_u8(0);
        let x = sk.min_item().expect("n == 1 has a min");
        T::put(&mut w, x);
        return w.into_vec();
    }
    w.put_u8(PREAMBLE_INTS_FULL)
        .put_u8(SERIAL_VERSION_1)
        .put_u8(Family::Kll.id())
        .put_u8(sorted)
        .put_u16(k)
        .put_u8(M)
        .put_u8(0)
        .put_u64(sk.n)
        .put_u16(sk.min_k)
        .put_u8(sk.num_levels() as u8)
        .put_u8(0);
    for &l in &sk.levels[..sk.num_levels()] {
        w.put_u32(l);
    }
    T::put(&mut w, sk.min_item().expect("non-empty"));
    T::put(&mut w, sk.max_item().expect("non-empty"));
    for key in &sk.items[sk.levels[0] as usize..] {
        T::put(&mut w, T::from_stored(key));
    }
    w.into_vec()
}

fn finite<T: WireItem>(x: T, field: &'static str) -> Result<T, DecodeError> {
    x.check().map(|_| x).map_err(|_| {
        DecodeError::inconsistent(field, "NaN or infinity (rejected by the non-finite policy)")
    })
}

fn read<T: WireItem>(bytes: &[u8]) -> Result<KllSketch<T>, DecodeError> {
    let mut r = ByteReader::new(bytes);
    let preamble_ints = r.u8()?;
    let serial_version = check_serial_version(r.u8()?, &[SERIAL_VERSION_1, SERIAL_VERSION_2])?;
    r.expect_family(Family::Kll)?;
    let flags = r.u8()?;
    let k = r.u16()?;
    let m = r.u8()?;
    let _unused = r.u8()?;
    if m != M {
        return Err(DecodeError::inconsistent(
            "m",
            format!("{m} (only 8 is supported)"),
        ));
    }
    if k < MIN_K {
        return Err(DecodeError::inconsistent(
            "k",
            format!("{k} is below {MIN_K}"),
        ));
    }
    let empty = flags & FLAG_EMPTY != 0;
    let single = flags & FLAG_SINGLE_ITEM != 0;
    let sorted = flags & FLAG_LEVEL_ZERO_SORTED != 0;
    if empty && single {
        return Err(DecodeError::inconsistent(
            "flags",
            "both empty and single-item",
        ));
    }
    let expected_pre = if empty || single {
        PREAMBLE_INTS_SHORT
    } else {
        PREAMBLE_INTS_FULL
    };
    if preamble_ints != expected_pre {
        return Err(DecodeError::inconsistent(
            "preamble_ints",
            format!("{preamble_ints}, expected {expected_pre} for these flags"),
        ));
    }
    if empty {
        r.expect_end()?;
        let mut sk = KllSketch::empty_with(k, None);
        sk.level_zero_sorted = sorted;
        return Ok(sk);
    }
    if single {
        if serial_version != SERIAL_VERSION_2 {
            return Err(DecodeError::inconsistent(
                "serial_version",
                "a single-item sketch is version 2",
            ));
        }
        let x = finite(T::get(&mut r)?, "item")?;
        r.expect_end()?;
        let key = x.to_stored();
        return KllSketch::from_parts(
            k,
            k,
            1,
            vec![u32::from(k) - 1, u32::from(k)],
            vec![key.clone()],
            Some(key.clone()),
            Some(key),
            sorted,
        );
    }
    if serial_version != SERIAL_VERSION_1 {
        return Err(DecodeError::inconsistent(
            "serial_version",
            "a full sketch is version 1",
        ));
    }
    let n = r.u64()?;
    let min_k = r.u16()?;
    let num_levels = usize::from(r.u8()?);
    let _unused = r.u8()?;
    if num_levels == 0 || num_levels > MAX_LEVELS {
        return Err(DecodeError::inconsistent(
            "num_levels",
            format!("{num_levels} is not in 1..={MAX_LEVELS}"),
        ));
    }
    let mut levels = r.u32_vec(num_levels as u64)?;
    let cap = total_capacity(k, num_levels);
    if levels[0] > cap {
        return Err(DecodeError::inconsistent(
            "levels",
            "first offset beyond the capacity",
        ));
    }
    levels.push(cap);
    let min = finite(T::get(&mut r)?, "min")?;
    let max = finite(T::get(&mut r)?, "max")?;
    let retained = r.check_count(u64::from(cap - levels[0]), T::SIZE)?;
    let mut items = Vec::with_capacity(retained);
    for _ in 0..retained {
        let x = finite(T::get(&mut r)?, "items")?;
        items.push(x.to_stored());
    }
    r.expect_end()?;
    KllSketch::from_parts(
        k,
        min_k,
        n,
        levels,
        items,
        Some(min.to_stored()),
        Some(max.to_stored()),
        sorted,
    )
}

impl DataSketchesFormat for KllSketch<f64> {
    /// The `kll_doubles_sketch` bytes (Java `KllDoublesSketch`).
    fn to_datasketches_bytes(&self) -> Vec<u8> {
        write(self)
    }
    /// Reads `kll_doubles_sketch` bytes. The result has an unseeded coin; call
    /// [`KllSketch::reseed`] for reproducible later compactions.
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        read(bytes)
    }
}

impl DataSketchesFormat for KllSketch<f32> {
    /// The `kll_floats_sketch` bytes (Java `KllFloatsSketch`).
    fn to_datasketches_bytes(&self) -> Vec<u8> {
        write(self)
    }
    /// Reads `kll_floats_sketch` bytes. The result has an unseeded coin.
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        read(bytes)
    }
}
