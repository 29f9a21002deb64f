//! `classes.py` (2nd edition): a class attribute that every instance shares until one assigns
//! its own, a method, a subclass that inherits it, and an attribute added at run time.

use std::collections::BTreeMap;

use crate::print2;

// ANCHOR: classes
/// `Myclass`'s instances; the class attribute `common` lives outside, shared by all of them.
struct Myclass {
    myvariable: i32,
    /// Set only when the instance assigns its own `common`, which then hides the class's.
    common: Option<i32>,
}

impl Myclass {
    fn new() -> Self {
        Self {
            myvariable: 3,
            common: None,
        }
    }

    fn myfunction(&self, _arg1: i32, _arg2: i32) -> i32 {
        self.myvariable
    }

    /// Python's attribute lookup: the instance's own value first, then the class's.
    fn common(&self, class_common: i32) -> i32 {
        self.common.unwrap_or(class_common)
    }
}

/// `class AnotherClass(Myclass)`: it holds a `Myclass` and inherits its `myfunction` by
/// handing the call on; `extra` holds the attributes added after construction.
struct AnotherClass {
    base: Myclass,
    extra: BTreeMap<&'static str, i32>,
}

impl AnotherClass {
    fn new(arg1: &str) -> Self {
        println!("{arg1}");
        Self {
            base: Myclass::new(),
            extra: BTreeMap::new(),
        }
    }

    fn myfunction(&self, arg1: i32, arg2: i32) -> i32 {
        self.base.myfunction(arg1, arg2)
    }
}
// ANCHOR_END: classes

// ANCHOR: script
pub fn run() -> anyhow::Result<()> {
    let mut myclass_common = 10;
    let mut instance = Myclass::new();
    print2("instance.myfunction(1, 2)", instance.myfunction(1, 2), 3)?;
    let instance2 = Myclass::new();
    print2("instance.common ", instance.common(myclass_common), 10)?;
    print2("instance2.common ", instance2.common(myclass_common), 10)?;
    myclass_common = 30;
    print2("instance.common ", instance.common(myclass_common), 30)?;
    print2("instance2.common ", instance2.common(myclass_common), 30)?;
    instance.common = Some(10);
    print2("instance.common ", instance.common(myclass_common), 10)?;
    print2("instance2.common ", instance2.common(myclass_common), 30)?;
    myclass_common = 50;
    print2("instance.common ", instance.common(myclass_common), 10)?;
    print2("instance2.common ", instance2.common(myclass_common), 50)?;

    let mut instance = AnotherClass::new("hello");
    print2("instance.myfunction (1, 2) ", instance.myfunction(1, 2), 3)?;
    instance.extra.insert("test", 10);
    print2("instance.test ", instance.extra["test"], 10)
}
// ANCHOR_END: script

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_attribute_shadows_the_class_attribute() {
        let mut shadowed = Myclass::new();
        shadowed.common = Some(1);
        assert_eq!((shadowed.common(7), Myclass::new().common(7)), (1, 7));
    }
}
