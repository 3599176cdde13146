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
    let mut chunks = bytes.chunks_exact(16);
    for c in chunks.by_ref() {
        let (x, y) = (word(&c[..8]), word(&c[8..]));
        a = mix(x ^ K[2], y ^ a);
        b = mix(y ^ K[3], x ^ b);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 16];
    tail[..rest.len()].copy_from_slice(rest);
    let (x, y) = (word(&tail[..8]), word(&tail[8..]));
    a = mix(x ^ K[2], y ^ a);
    b = mix(y ^ K[3], x ^ b);
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
        let base: Vec<u8> = (0..100u8).collect();
        let h = hash(0, &base);
        assert_eq!(h, hash(0, &base));
        assert_ne!(h, hash(1, &base));
        for i in 0..base.len() {
            let mut changed = base.clone();
            changed[i] ^= 1;
            assert_ne!(hash(0, &changed), h, "byte {i}");
        }
        assert_ne!(hash(0, &base[..99]), h);
        assert_ne!(hash(0, &[]), hash(0, &[0]));
    }
}
