//! The deterministic random generator for generated data (the demo's register and registry
//! answers, the screening evaluation sets): SplitMix64, tiny and stable across crate updates, so
//! a seed always gives the same data.

/// SplitMix64: the same seed gives the same sequence on every platform and every version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; 0 when `n` is 0, without drawing (so the sequence goes on unchanged).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index in `0..len`; 0 when `len` is 0, without drawing.
    pub fn index(&mut self, len: usize) -> usize {
        // usize is at most 64 bits on every supported target, so both conversions are lossless.
        self.below(len as u64) as usize
    }

    /// True with probability `percent` percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// `n` random decimal digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// One random digit from 1 to 9 (the first digit of a number that has no leading zero).
    pub fn nonzero_digit(&mut self) -> char {
        char::from(b'1' + self.below(9) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_splitmix64() {
        // Reference values of SplitMix64 from state 0 (Vigna's splitmix64.c).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn empty_range_draws_nothing() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        assert_eq!(a.below(0), 0);
        assert_eq!(a.index(0), 0);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn values_stay_in_range() {
        let mut r = Rng::new(42);
        for n in 1..50u64 {
            assert!(r.below(n) < n);
        }
        assert!(r.digits(12).chars().all(|c| c.is_ascii_digit()));
        assert_ne!(r.nonzero_digit(), '0');
        assert!(!r.chance(0));
        assert!(r.chance(100));
    }
}
