//! Keys, values and the orders in which the read workloads visit them.
//!
//! The read stores hold `n` keys `key-000000000042`; the 8-byte value of key
//! `i` is the index of its successor on one random cycle through all `n`
//! keys. `order` lists that cycle: `order[j + 1]` is the value of key
//! `order[j]`. So
//! - the **independent** loop reads `order[0], order[1], …` from a list fixed
//!   in advance (the next key is known before the read returns), and checks
//!   each value against `order[j + 1]`;
//! - the **dependent** loop starts at `order[0]` and forms each next key
//!   from the value just read: the same keys in the same order, but no read
//!   can start before the previous one finished (true latency);
//! - the **batch** loops read 1,000 keys per call. The cycle is cut into
//!   1,000 segments of `n / 1000` keys; call `s` reads step `s` of every
//!   segment. Independent: the keys come from a list; dependent: the keys of
//!   call `s + 1` are formed from the values of call `s` (1,000 chains
//!   advanced together).

/// Keys per batch call.
pub const BATCH: usize = 1000;

/// A value that no key holds: what a read loop reports for a missing key.
pub const MISSING: u64 = u64::MAX;

const fn digit_pairs() -> [[u8; 2]; 100] {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
}

static PAIRS: [[u8; 2]; 100] = digit_pairs();

/// `key-000000000042`: 16 bytes, the decimal index in 12 digits (formed in
/// a few multiplications, as the dependent loops form one per read).
#[inline]
pub fn key(i: u32) -> [u8; 16] {
    let mut k = *b"key-000000000000";
    let rest = i % 100_000_000;
    let groups = [i / 100_000_000, rest / 10_000, rest % 10_000];
    for (g, at) in groups.into_iter().zip([4, 8, 12]) {
        k[at..at + 2].copy_from_slice(&PAIRS[(g / 100) as usize]);
        k[at + 2..at + 4].copy_from_slice(&PAIRS[(g % 100) as usize]);
    }
    k
}

/// The plain decimal formatting `key` must agree with (checked at start).
pub fn check_key_format() {
    for i in [
        0u32,
        7,
        42,
        99,
        100,
        9_999,
        10_000,
        123_456_789,
        4_000_000,
        u32::MAX,
    ] {
        let want = format!("key-{i:012}");
        assert_eq!(&key(i)[..], want.as_bytes(), "key({i})");
    }
}

/// Sums a value as little-endian u64 words (plus a tail), touching every
/// byte. For the 8-byte values of the read workloads this is the value.
#[inline]
pub fn touch(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut sum = 0u64;
    for w in words.by_ref() {
        sum = sum.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()));
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        sum = sum.wrapping_add(u64::from(b) << (8 * i));
    }
    sum
}

/// xorshift64*, seeded.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform below `bound`.
    pub fn below(&mut self, bound: u32) -> u32 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u32
    }
}

/// One read workload over `n` keys (see the module documentation).
pub struct Plan {
    pub n: u32,
    /// The cycle, `n + 1` long: `order[n] == order[0]`.
    pub order: Vec<u32>,
    /// `key(order[j])` for `j < n`: the independent loop's key list.
    pub keys: Vec<[u8; 16]>,
    /// Batch layout: slot `s * BATCH + c` holds step `s` of segment `c`.
    pub batch_keys: Vec<[u8; 16]>,
    /// The value expected in each batch slot.
    pub batch_expect: Vec<u32>,
}

impl Plan {
    /// A random cycle through `n` keys (`n` a multiple of `BATCH`).
    pub fn new(n: u32, seed: u64) -> Plan {
        assert!(
            n as usize >= BATCH && (n as usize).is_multiple_of(BATCH),
            "sizes must be multiples of {BATCH}"
        );
        let mut rng = Rng::new(seed);
        let mut order: Vec<u32> = (0..n).collect();
        for j in (1..order.len()).rev() {
            let other = rng.below(j as u32 + 1) as usize;
            order.swap(j, other);
        }
        order.push(order[0]);
        let keys = order[..n as usize].iter().map(|&i| key(i)).collect();
        let seg = n as usize / BATCH;
        let mut batch_keys = Vec::with_capacity(n as usize);
        let mut batch_expect = Vec::with_capacity(n as usize);
        for s in 0..seg {
            for c in 0..BATCH {
                batch_keys.push(key(order[c * seg + s]));
                batch_expect.push(order[c * seg + s + 1]);
            }
        }
        Plan {
            n,
            order,
            keys,
            batch_keys,
            batch_expect,
        }
    }

    /// The value key `i` holds: its successor on the cycle.
    pub fn successors(&self) -> Vec<u32> {
        let mut succ = vec![0u32; self.n as usize];
        for w in self.order.windows(2) {
            succ[w[0] as usize] = w[1];
        }
        succ
    }

    /// The same cycle entered `by` steps later (for a second thread), without
    /// the batch layout.
    pub fn rotated(&self, by: usize) -> Plan {
        let n = self.n as usize;
        let mut order: Vec<u32> = (0..n).map(|j| self.order[(j + by) % n]).collect();
        order.push(order[0]);
        let keys = order[..n].iter().map(|&i| key(i)).collect();
        Plan {
            n: self.n,
            order,
            keys,
            batch_keys: Vec::new(),
            batch_expect: Vec::new(),
        }
    }

    /// Segment length of the batch layout.
    pub fn segment(&self) -> usize {
        self.n as usize / BATCH
    }
}

/// Runs one read per key of `plan` through `read` (which returns the value
/// read, or `MISSING`), independent or dependent; returns the number of
/// wrong values.
#[inline(always)]
pub fn one_by_one(plan: &Plan, dependent: bool, mut read: impl FnMut(&[u8; 16]) -> u64) -> u64 {
    let next = &plan.order[1..];
    let mut bad = 0u64;
    if dependent {
        let mut k = plan.order[0];
        for &want in next {
            let v = read(&key(k));
            bad += u64::from(v != u64::from(want));
            // The next key comes from the value read, never from the plan.
            k = v as u32;
        }
    } else {
        for (k, &want) in plan.keys.iter().zip(next) {
            bad += u64::from(read(k) != u64::from(want));
        }
    }
    bad
}

/// Runs the batch layout of `plan` through `read(keys, values)`, which
/// fills `values[i]` with the value of `keys[i]` (or `MISSING`); returns the
/// number of wrong values.
#[inline(always)]
pub fn batched(plan: &Plan, dependent: bool, mut read: impl FnMut(&[[u8; 16]], &mut [u64])) -> u64 {
    let seg = plan.segment();
    let mut keys = vec![[0u8; 16]; BATCH];
    let mut vals = vec![0u64; BATCH];
    let mut bad = 0u64;
    for s in 0..seg {
        let slots = s * BATCH..(s + 1) * BATCH;
        if dependent {
            for (c, k) in keys.iter_mut().enumerate() {
                *k = if s == 0 {
                    key(plan.order[c * seg])
                } else {
                    key(vals[c] as u32)
                };
            }
            read(&keys, &mut vals);
        } else {
            read(&plan.batch_keys[slots.clone()], &mut vals);
        }
        for (v, &want) in vals.iter().zip(&plan.batch_expect[slots]) {
            bad += u64::from(*v != u64::from(want));
        }
    }
    bad
}
