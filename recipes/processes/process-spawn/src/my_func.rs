//! The function the 2nd edition's children run, in a module of its own as in
//! `spawning_processes_namespace.py`, which imports it from `myFunc.py`.

// ANCHOR: my_func
/// The book's `myFunc(i)`: a greeting, then the numbers below `i`.
pub fn my_func(i: u32) {
    println!("calling myFunc from process n°: {i}");
    for j in 0..i {
        println!("output from myFunc is :{j}");
    }
}
// ANCHOR_END: my_func
