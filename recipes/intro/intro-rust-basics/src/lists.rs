//! `lists.py` (2nd edition): a list, a dict and a tuple, changed and printed.

use anyhow::Context;
use common::output::py_dict;

use crate::{Py, show};

// ANCHOR: script
// The book's 3.14 is a plain number here, not an approximation of π.
#[allow(clippy::approx_constant)]
pub fn run() -> anyhow::Result<()> {
    // Evaluated and not printed, as in the book; a Rust tuple may mix types too.
    let _example = (1, ["another", "list"], ("a", "tuple"));
    let mut mylist = vec![Py::Str("element 1"), Py::Int(2), Py::Float(3.14)];
    mylist[0] = Py::Str("yet element 1");
    show(&mylist[0], "yet element 1")?;
    let last = mylist.len() - 1; // mylist[-1]
    mylist[last] = Py::Float(3.15);
    show(&mylist[last], "3.15")?;

    // A dict of mixed keys, in insertion order: an array of pairs.
    let mut mydict = [
        (Py::Str("Key 1"), Py::Str("value 1")),
        (Py::Int(2), Py::Int(3)),
        (Py::Str("pi"), Py::Float(3.14)),
    ];
    let dict = py_dict(mydict.iter().map(|(key, value)| (key.repr(), value.repr())));
    show(dict, "{'Key 1': 'value 1', 2: 3, 'pi': 3.14}")?;
    let pi = mydict.iter_mut().find(|(key, _)| *key == Py::Str("pi"));
    let (_, pi) = pi.context("no key 'pi'")?;
    *pi = Py::Float(3.15);
    show(pi, "3.15")?;

    let mytuple = (1, 2, 3);
    show(format!("{mytuple:?}"), "(1, 2, 3)")?;
    // `myfunc = len`: a function is a value in Rust too.
    let myfunc = Vec::len;
    show(myfunc(&mylist), "3")
}
// ANCHOR_END: script
