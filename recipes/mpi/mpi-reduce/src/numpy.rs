//! NumPy's printing of an integer array, which the recipe's lines reproduce.

/// An integer array as NumPy prints it: `[ 0  6 12]`, each element right-aligned to the width
/// of the widest.
pub fn numpy<T: std::fmt::Display>(values: &[T]) -> String {
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    let cells: Vec<String> = values.iter().map(|v| format!("{v:>width$}")).collect();
    format!("[{}]", cells.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_pads_to_the_widest_element() {
        assert_eq!(numpy(&[0, 0, 0]), "[0 0 0]");
        assert_eq!(numpy(&[0, 6, 12]), "[ 0  6 12]");
    }
}
