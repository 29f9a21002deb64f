//! `dir.py` (2nd edition): if/elif/else on a number, then a for loop that adds up a list.

use crate::print2;

/// The book's list, whose sum its comment gives as 48; it is 83.
pub const BOOK_NUMBERS: [i64; 9] = [6, 6, 3, 8, -3, 2, 5, 44, 12];

// ANCHOR: script
pub fn run(num: f64, numbers: &[i64]) -> anyhow::Result<()> {
    if num > 0.0 {
        println!("Positive number");
    } else if num == 0.0 {
        println!("Zero");
    } else {
        println!("Negative number");
    }

    let mut sum = 0;
    for val in numbers {
        sum += val;
    }
    let book = if numbers == BOOK_NUMBERS {
        83
    } else {
        numbers.iter().sum()
    };
    print2("The sum is", sum, book)
}
// ANCHOR_END: script
