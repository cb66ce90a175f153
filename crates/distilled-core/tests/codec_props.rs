//! Property tests: the reader never panics on arbitrary bytes, and a decoder
//! built on it reports truncation and corruption with typed errors.

use distilled_core::codec::{check_seed_hash, check_serial_version};
use distilled_core::{ByteReader, ByteWriter, DecodeError, Family};
use proptest::prelude::*;

/// A miniature sketch format in the DataSketches style, decoded with the
/// reader: preamble, family, serial version, seed hash, a count, then items.
fn decode_toy(bytes: &[u8]) -> Result<Vec<f64>, DecodeError> {
    let mut r = ByteReader::new(bytes);
    let preamble_longs = r.u8()?;
    if preamble_longs != 2 {
        return Err(DecodeError::inconsistent(
            "preamble_longs",
            format!("expected 2, found {preamble_longs}"),
        ));
    }
    check_serial_version(r.u8()?, &[1])?;
    r.expect_family(Family::Kll)?;
    r.skip(3)?;
    check_seed_hash(0x93CC, r.u16()?)?;
    let count = r.u64()?;
    let items = r.f64_vec(count)?;
    r.expect_end()?;
    Ok(items)
}

fn encode_toy(items: &[f64]) -> Vec<u8> {
    let mut w = ByteWriter::new();
    w.put_u8(2).put_u8(1).put_u8(Family::Kll.id());
    w.put_bytes(&[0, 0, 0])
        .put_u16(0x93CC)
        .put_u64(items.len() as u64);
    for &x in items {
        w.put_f64(x);
    }
    w.into_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_toy(&bytes);
        let mut r = ByteReader::new(&bytes);
        // Every accessor on arbitrary input is either Ok or a typed error.
        let _ = r.u64();
        let _ = r.f64_vec(u64::MAX);
        let _ = r.u32_vec(1 << 40);
        let _ = r.seek(bytes.len() + 1);
        let _ = r.take(usize::MAX);
    }

    #[test]
    fn round_trip(items in proptest::collection::vec(-1e9f64..1e9, 0..32)) {
        prop_assert_eq!(decode_toy(&encode_toy(&items)).unwrap(), items);
    }

    #[test]
    fn every_truncation_is_a_typed_error(items in proptest::collection::vec(any::<f64>(), 0..8), cut in 0usize..100) {
        let bytes = encode_toy(&items);
        let cut = cut % bytes.len();
        let err = decode_toy(&bytes[..cut]).unwrap_err();
        { let ok = matches!(err, DecodeError::Truncated { .. }); prop_assert!(ok, "{:?}", err); }
    }

    #[test]
    fn corrupted_header_bytes_are_typed_errors(items in proptest::collection::vec(any::<f64>(), 1..8), at in 0usize..8, flip in 1u8..=255) {
        let mut bytes = encode_toy(&items);
        bytes[at] ^= flip;
        let result = decode_toy(&bytes);
        match at {
            0 => { let ok = matches!(result, Err(DecodeError::Inconsistent { .. })); prop_assert!(ok); },
            1 => { let ok = matches!(result, Err(DecodeError::UnsupportedSerialVersion { .. })); prop_assert!(ok); },
            2 => { let ok = matches!(result, Err(DecodeError::WrongFamily { .. })); prop_assert!(ok); },
            3..=5 => prop_assert!(result.is_ok()),
            _ => { let ok = matches!(result, Err(DecodeError::SeedHashMismatch { .. })); prop_assert!(ok); },
        }
    }

    #[test]
    fn hostile_counts_do_not_allocate(count in any::<u64>()) {
        let mut w = ByteWriter::new();
        w.put_u8(2).put_u8(1).put_u8(Family::Kll.id()).put_bytes(&[0, 0, 0]).put_u16(0x93CC).put_u64(count);
        let bytes = w.into_vec();
        let result = decode_toy(&bytes);
        if count == 0 {
            prop_assert!(result.is_ok());
        } else {
            let ok = matches!(result, Err(DecodeError::Truncated { .. }));
            prop_assert!(ok, "{:?}", result);
        }
    }
}
