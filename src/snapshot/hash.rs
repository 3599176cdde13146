//! A fast 128-bit hash for snapshot keys and checksums: two 64-bit lanes,
//! each folding in 16 bytes per step with a 64×64→128-bit multiply (the
//! mixing step of wyhash). Not cryptographic: it tells apart rule sources
//! and catches corrupted snapshots, it does not resist a forger (who could
//! write to the cache directory anyway).

const K: [u64; 4] = [0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db, 0x8ebc_6af0_9c88_c6e3, 0x5899_65cc_7537_4cc3];

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
    let (mut a, mut b) = (seed as u64 ^ K[0], (seed >> 64) as u64 ^ K[1]);
    let (mut c, mut d) = (a ^ K[2], b ^ K[3]);
    // Four lanes over 32 bytes a step, then two over 16, then the tail.
    let mut wide = bytes.chunks_exact(32);
    for w in wide.by_ref() {
        let (x, y, z, v) = (word(&w[..8]), word(&w[8..16]), word(&w[16..24]), word(&w[24..]));
        a = mix(x ^ K[2], y ^ a);
        b = mix(y ^ K[3], x ^ b);
        c = mix(z ^ K[2], v ^ c);
        d = mix(v ^ K[3], z ^ d);
    }
    let mut narrow = wide.remainder().chunks_exact(16);
    for w in narrow.by_ref() {
        let (x, y) = (word(&w[..8]), word(&w[8..]));
        a = mix(x ^ K[2], y ^ a);
        b = mix(y ^ K[3], x ^ b);
    }
    let rest = narrow.remainder();
    let mut tail = [0u8; 16];
    tail[..rest.len()].copy_from_slice(rest);
    let (x, y) = (word(&tail[..8]), word(&tail[8..]));
    a = mix(x ^ K[2], y ^ a ^ c);
    b = mix(y ^ K[3], x ^ b ^ d);
    let len = bytes.len() as u64;
    let a2 = mix(a ^ len ^ K[0], b ^ K[1]);
    let b2 = mix(b ^ len ^ K[2], a ^ K[3]);
    (u128::from(b2) << 64) | u128::from(a2)
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn every_byte_and_the_length_count() {
        // 100 bytes: three 32-byte steps and a 4-byte tail; 120: a 16-byte
        // step too.
        for n in [100u8, 120] {
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
