//! `flow.py` (2nd edition): `dir.py`'s if and for, then a while loop that adds 1 + 2 + ... + n.

use crate::print2;

// ANCHOR: script
pub fn run(num: f64, numbers: &[i64], n: u32) -> anyhow::Result<()> {
    crate::dir::run(num, numbers)?;

    let n = u64::from(n);
    let (mut sum, mut i) = (0, 1);
    while i <= n {
        sum += i;
        i += 1;
    }
    print2("The sum is", sum, n * (n + 1) / 2)
}
// ANCHOR_END: script
