//! Aligning two normalised outputs: the side-by-side view and the differences that remain.

use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::meta::Order;

/// One row of the side-by-side view: a line of each side, or of one side only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub left: Option<String>,
    pub right: Option<String>,
}

impl Row {
    pub fn same(&self) -> bool {
        self.left.is_some() && self.left == self.right
    }
}

/// The two sides aligned: equal lines on one row, the rest paired where a block was replaced.
/// With [`Order::Any`] both sides are sorted first, so equal lines meet whatever their order.
pub fn align(left: &[String], right: &[String], order: Order) -> Vec<Row> {
    let (left, right) = match order {
        Order::Book => (left.to_vec(), right.to_vec()),
        Order::Any => (sorted(left), sorted(right)),
    };
    let mut rows = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &left, &right) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => rows.extend(old.map(|i| Row {
                left: Some(left[i].clone()),
                right: Some(left[i].clone()),
            })),
            DiffTag::Delete | DiffTag::Insert | DiffTag::Replace => {
                let (old, new): (Vec<_>, Vec<_>) = (old.collect(), new.collect());
                for k in 0..old.len().max(new.len()) {
                    rows.push(Row {
                        left: old.get(k).map(|&i| left[i].clone()),
                        right: new.get(k).map(|&i| right[i].clone()),
                    });
                }
            }
        }
    }
    rows
}

fn sorted(lines: &[String]) -> Vec<String> {
    let mut lines = lines.to_vec();
    lines.sort();
    lines
}

/// The lines that differ: (only in the left side, only in the right side).
pub fn differences(rows: &[Row]) -> (Vec<String>, Vec<String>) {
    let mut only_left = Vec::new();
    let mut only_right = Vec::new();
    for row in rows.iter().filter(|row| !row.same()) {
        only_left.extend(row.left.clone());
        only_right.extend(row.right.clone());
    }
    (only_left, only_right)
}

/// The rows as two columns of `width` characters in all, `|` between equal lines and `*`
/// between lines that differ.
pub fn side_by_side(rows: &[Row], titles: (&str, &str), width: usize) -> String {
    let column = (width.saturating_sub(3) / 2).max(20);
    let mut text = format!(
        "{} | {}\n{}-+-{}\n",
        fit(titles.0, column),
        titles.1,
        "-".repeat(column),
        "-".repeat(column)
    );
    for row in rows {
        let mark = if row.same() { '|' } else { '*' };
        let left = fit(row.left.as_deref().unwrap_or(""), column);
        let right = fit(row.right.as_deref().unwrap_or(""), column);
        text.push_str(format!("{left} {mark} {right}").trim_end());
        text.push('\n');
    }
    text
}

/// `text` cut or padded to `width` characters; a cut line ends with `…`.
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn equal_outputs_have_no_differences() {
        let rows = align(&lines("a b c"), &lines("a b c"), Order::Book);
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(Row::same));
        assert_eq!(differences(&rows), (vec![], vec![]));
    }

    #[test]
    fn a_changed_line_pairs_with_its_counterpart() {
        let rows = align(&lines("a b c"), &lines("a x c d"), Order::Book);
        let (left, right) = differences(&rows);
        assert_eq!(left, ["b"]);
        assert_eq!(right, ["x", "d"]);
        assert!(rows.contains(&Row {
            left: Some("b".into()),
            right: Some("x".into())
        }));
    }

    #[test]
    fn any_order_compares_multisets() {
        let book = align(&lines("a b c"), &lines("c a b"), Order::Book);
        assert_ne!(differences(&book), (vec![], vec![]));
        let any = align(&lines("a b c"), &lines("c a b"), Order::Any);
        assert_eq!(differences(&any), (vec![], vec![]));
        let counted = align(&lines("a a b"), &lines("a b b"), Order::Any);
        assert_eq!(differences(&counted), (vec!["a".into()], vec!["b".into()]));
    }

    #[test]
    fn the_view_marks_differences_and_cuts_long_lines() {
        let rows = align(&lines("same left"), &lines("same right"), Order::Book);
        let view = side_by_side(&rows, ("Python", "Rust"), 50);
        let body: Vec<&str> = view.lines().skip(2).collect();
        assert_eq!(
            body[0].split_whitespace().collect::<Vec<_>>(),
            ["same", "|", "same"]
        );
        assert!(body[1].contains(" * "), "{view}");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
