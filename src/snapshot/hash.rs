//! A fast 128-bit hash for snapshot keys and checksums. Four 64-bit lanes
//! each take one 8-byte word per step as `lane = (lane ^ word) * odd`: a
//! bijection of the lane for a given word, so inputs of the same length
//! that differ in one word always leave different lanes, at about three
//! instructions per word. A final multiply-fold (wyhash's) mixes the lanes
//! and the length into 128 bits.
//! Not cryptographic: it tells apart rule sources and catches corrupted
//! snapshots, it does not resist a forger (who could write to the cache
//! directory anyway).

const K: [u64; 4] = [0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db, 0x8ebc_6af0_9c88_c6e3, 0x5899_65cc_7537_4cc3];
/// Odd multipliers, one per lane.
const M: [u64; 4] = [0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f, 0x1656_67b1_9e37_79f9, 0x27d4_eb2f_1656_67c5];

#[inline(always)]
fn mix(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline(always)]
fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// The hash of `bytes`, starting from `seed` (chain pieces by passing the
/// previous piece's hash).
pub(crate) fn hash(seed: u128, bytes: &[u8]) -> u128 {
    let (lo, hi) = (seed as u64, (seed >> 64) as u64);
    let mut lane = [lo ^ K[0], hi ^ K[1], lo ^ K[2], hi ^ K[3]];
    let mut wide = bytes.chunks_exact(32);
    for w in wide.by_ref() {
        lane[0] = (lane[0] ^ word(&w[..8])).wrapping_mul(M[0]);
        lane[1] = (lane[1] ^ word(&w[8..16])).wrapping_mul(M[1]);
        lane[2] = (lane[2] ^ word(&w[16..24])).wrapping_mul(M[2]);
        lane[3] = (lane[3] ^ word(&w[24..])).wrapping_mul(M[3]);
    }
    // The last 0 to 31 bytes, zero-padded, one word per lane.
    let rest = wide.remainder();
    let mut tail = [0u8; 32];
    tail[..rest.len()].copy_from_slice(rest);
    for (i, w) in tail.chunks_exact(8).enumerate() {
        lane[i] = (lane[i] ^ word(w)).wrapping_mul(M[i]);
    }
    let len = bytes.len() as u64;
    let (x, y) = (mix(lane[0] ^ K[0], lane[1] ^ len), mix(lane[2] ^ K[2], lane[3] ^ K[3]));
    let a = mix(x ^ K[1], y ^ len);
    let b = mix(y ^ K[0], x ^ K[2]);
    (u128::from(b) << 64) | u128::from(a)
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn every_byte_and_the_length_count() {
        // Three 32-byte steps and a 4-byte tail; a 24-byte tail; no tail.
        for n in [100u8, 120, 128] {
            let base: Vec<u8> = (0..n).collect();
            let h = hash(0, &base);
            assert_eq!(h, hash(0, &base));
            assert_ne!(h, hash(1, &base));
            for i in 0..base.len() {
                let mut changed = base.clone();
                changed[i] ^= 1;
                assert_ne!(hash(0, &changed), h, "byte {i} of {n}");
            }
            assert_ne!(hash(0, &base[..base.len() - 1]), h);
        }
        assert_ne!(hash(0, &[]), hash(0, &[0]));
    }
}
