//! Error types shared by every sketch crate.
//!
//! Errors are plain enums with hand-written `Display` so that this crate stays
//! dependency-free. All of them implement [`std::error::Error`].

use std::fmt;

/// Why two sketches could not be merged.
///
/// An incompatible merge is always reported as a value, never as a panic, and
/// the receiving sketch is left unchanged when an error is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeError {
    /// The sketches were built with different hash seeds (compared by their
    /// 16-bit seed hashes).
    SeedMismatch {
        /// Seed hash of the receiving sketch.
        expected: u16,
        /// Seed hash of the other sketch.
        found: u16,
    },
    /// A parameter that must be equal differs (for example the item type, the
    /// scale function or the number of dimensions).
    ParameterMismatch {
        /// Which parameter differs.
        parameter: &'static str,
        /// The receiving sketch's value, rendered.
        expected: String,
        /// The other sketch's value, rendered.
        found: String,
    },
    /// Any other reason, described.
    Incompatible(String),
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::SeedMismatch { expected, found } => write!(
                f,
                "cannot merge sketches built with different seeds (seed hash {expected:#06x} vs {found:#06x})"
            ),
            MergeError::ParameterMismatch {
                parameter,
                expected,
                found,
            } => write!(
                f,
                "cannot merge sketches with different {parameter} ({expected} vs {found})"
            ),
            MergeError::Incompatible(why) => write!(f, "cannot merge sketches: {why}"),
        }
    }
}

impl std::error::Error for MergeError {}

/// Why a query could not be answered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum QueryError {
    /// The sketch has seen no (accepted) input.
    Empty,
    /// A normalized rank outside `[0, 1]` (or NaN) was asked for.
    RankOutOfRange(f64),
    /// Split points must be finite (for floats) and strictly increasing.
    InvalidSplitPoints(&'static str),
    /// A query argument was NaN or infinite where a finite value is needed.
    NonFiniteArgument(f64),
    /// Any other invalid argument, described.
    InvalidArgument(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Empty => f.write_str("the sketch is empty"),
            QueryError::RankOutOfRange(r) => {
                write!(f, "normalized rank {r} is outside [0, 1]")
            }
            QueryError::InvalidSplitPoints(why) => write!(f, "invalid split points: {why}"),
            QueryError::NonFiniteArgument(x) => {
                write!(f, "query argument {x} is not a finite number")
            }
            QueryError::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
        }
    }
}

impl std::error::Error for QueryError {}

/// Why a byte string could not be decoded as a sketch.
///
/// Decoders built on [`crate::ByteReader`] return these and never panic or
/// allocate more memory than the input could justify.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before a field could be read.
    Truncated {
        /// Byte offset at which the read started.
        offset: usize,
        /// Bytes the read needed.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// The family byte names another kind of sketch.
    WrongFamily {
        /// Family id this decoder reads.
        expected: u8,
        /// Family id found in the input.
        found: u8,
    },
    /// The serial version is not one this decoder reads.
    UnsupportedSerialVersion {
        /// Serial version found in the input.
        found: u8,
    },
    /// The seed hash in the input differs from the one expected.
    SeedHashMismatch {
        /// Seed hash the reader expected.
        expected: u16,
        /// Seed hash found in the input.
        found: u16,
    },
    /// A field's value contradicts the format or another field.
    Inconsistent {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Bytes were left over after a complete sketch was read, where the format
    /// does not allow them.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
}

impl DecodeError {
    /// Shorthand for [`DecodeError::Inconsistent`].
    pub fn inconsistent(field: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Inconsistent {
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated {
                offset,
                needed,
                available,
            } => write!(
                f,
                "truncated input: needed {needed} bytes at offset {offset}, {available} available"
            ),
            DecodeError::WrongFamily { expected, found } => {
                write!(f, "wrong sketch family: expected {expected}, found {found}")
            }
            DecodeError::UnsupportedSerialVersion { found } => {
                write!(f, "unsupported serial version {found}")
            }
            DecodeError::SeedHashMismatch { expected, found } => write!(
                f,
                "seed hash mismatch: expected {expected:#06x}, found {found:#06x}"
            ),
            DecodeError::Inconsistent { field, reason } => {
                write!(f, "inconsistent field `{field}`: {reason}")
            }
            DecodeError::TrailingBytes { count } => {
                write!(f, "{count} unexpected trailing bytes")
            }
        }
    }
}

impl std::error::Error for DecodeError {}
