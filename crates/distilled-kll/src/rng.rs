//! The random bit source for compaction: xoshiro256++ seeded through
//! SplitMix64. Written out here (a dozen lines) so that the state is plain data
//! that serde can carry and that is identical on every platform.

/// xoshiro256++ with a 64-bit cache of random bits (one bit per compaction).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct BitRng {
    s: [u64; 4],
    bits: u64,
    left: u32,
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl BitRng {
    pub(crate) fn from_seed(seed: u64) -> Self {
        let mut x = seed;
        let s = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        BitRng {
            s,
            bits: 0,
            left: 0,
        }
    }

    /// A generator seeded from the process's hash randomness (fresh per call),
    /// for sketches built without a fixed seed.
    pub(crate) fn from_entropy() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
        );
        Self::from_seed(h.finish())
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// One random bit, 0 or 1.
    #[inline]
    pub(crate) fn bit(&mut self) -> usize {
        if self.left == 0 {
            self.bits = self.next_u64();
            self.left = 64;
        }
        let b = (self.bits & 1) as usize;
        self.bits >>= 1;
        self.left -= 1;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_are_balanced() {
        let mut a = BitRng::from_seed(7);
        let mut b = BitRng::from_seed(7);
        let mut ones = 0;
        for _ in 0..10_000 {
            let x = a.bit();
            assert_eq!(x, b.bit());
            ones += x;
        }
        assert!((4_500..5_500).contains(&ones));
        assert_ne!(
            BitRng::from_seed(1).next_u64(),
            BitRng::from_seed(2).next_u64()
        );
    }
}
