//! A measured figure: its data, its table in Markdown, and its plot as an SVG (plotters).

use std::path::Path;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Which part of the report a figure belongs to, and how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Speedup (y, linear) against workers (x, log 2): the ideal y = x is drawn too.
    Speedup,
    /// Cost (y, log) against problem size (x, log).
    Cost,
    /// Seconds of the Python original and of the port, side by side for each run.
    Versus,
}

/// One line of a plot (or, for [`Section::Versus`], one bar per group).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem of the SVG: `docs/src/performance/<id>.svg`.
    pub id: String,
    pub title: String,
    pub section: Section,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// For [`Section::Versus`]: the groups' names, at x = 0, 1, 2, ...
    pub groups: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The parameters and how the figure was measured, shown under the plot.
    pub note: String,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];
const SIZE: (u32, u32) = (720, 420);

impl Figure {
    /// The figure's Markdown table.
    pub fn table(&self) -> String {
        let mut text = format!("| {} |\n", self.header.join(" | "));
        text.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            text.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        text
    }

    /// Draws the plot into `path` (SVG). The caption carries the machine, so the picture
    /// keeps it when it travels without the page.
    pub fn draw(&self, path: &Path, machine: &str) -> anyhow::Result<()> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (top, body) = root.split_vertically(36);
        top.draw(&Text::new(
            format!("{}  ({machine})", self.title),
            (10, 10),
            ("sans-serif", 15).into_font(),
        ))
        .map_err(plot_error)?;
        match self.section {
            Section::Speedup => self.draw_speedup(&body)?,
            Section::Cost => self.draw_cost(&body)?,
            Section::Versus => self.draw_versus(&body)?,
        }
        root.present().map_err(plot_error)
    }

    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.series
            .iter()
            .flat_map(|series| series.points.iter().copied())
    }

    fn draw_speedup(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let x_max = self.points().map(|(x, _)| x).fold(1.0, f64::max);
        let y_max = self.points().map(|(_, y)| y).fold(x_max.min(4.0), f64::max) * 1.15;
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0.9..x_max * 1.12).log_scale(), 0.0..y_max)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .light_line_style(BLACK.mix(0.04))
            .draw()
            .map_err(plot_error)?;
        let ideal: Vec<(f64, f64)> = [1.0, x_max].into_iter().map(|x| (x, x)).collect();
        chart
            .draw_series(LineSeries::new(ideal, BLACK.mix(0.3)))
            .map_err(plot_error)?
            .label("ideal (y = x)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.3)));
        self.draw_lines(&mut chart)?;
        legend(&mut chart)
    }

    fn draw_cost(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let (x_min, x_max) = bounds(self.points().map(|(x, _)| x));
        let (y_min, y_max) = bounds(self.points().map(|(_, y)| y));
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_min / 1.5..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_max * 2.0).log_scale(),
            )
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|x| short_number(*x))
            .y_label_formatter(&|y| short_number(*y))
            .light_line_style(BLACK.mix(0.04))
            .draw()
            .map_err(plot_error)?;
        self.draw_lines(&mut chart)?;
        legend(&mut chart)
    }

    fn draw_lines<X, Y>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    ) -> anyhow::Result<()>
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        for (index, series) in self.series.iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            chart
                .draw_series(LineSeries::new(
                    series.points.clone(),
                    color.stroke_width(2),
                ))
                .map_err(plot_error)?
                .label(series.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .map(|&point| Circle::new(point, 3, color.filled())),
                )
                .map_err(plot_error)?;
        }
        Ok(())
    }

    fn draw_versus(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> anyhow::Result<()> {
        let groups = self.groups.len().max(1) as f64;
        let (y_min, y_max) = bounds(self.points().map(|(_, y)| y));
        let y_floor = y_min / 3.0;
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(70)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..groups, (y_floor..y_max * 2.0).log_scale())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .light_line_style(BLACK.mix(0.04))
            .y_desc(self.y_label.as_str())
            .y_label_formatter(&|y| short_number(*y))
            .draw()
            .map_err(plot_error)?;
        let width = 0.8 / self.series.len().max(1) as f64;
        for (index, series) in self.series.iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            let offset = 0.1 + width * index as f64;
            chart
                .draw_series(series.points.iter().map(|&(x, y)| {
                    Rectangle::new(
                        [(x + offset, y_floor), (x + offset + width, y)],
                        color.filled(),
                    )
                }))
                .map_err(plot_error)?
                .label(series.name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        // Group names under the bars, in pixels below the plotting area, every other one a
        // line lower so that long names do not run into each other.
        for (index, name) in self.groups.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(index as f64 + 0.5, y_floor));
            let half_width = (name.chars().count() as f64 * 3.3) as i32;
            let drop = if index % 2 == 0 { 8 } else { 26 };
            area.draw(&Text::new(
                name.clone(),
                (px - half_width, py + drop),
                ("sans-serif", 12).into_font(),
            ))
            .map_err(plot_error)?;
        }
        legend(&mut chart)
    }
}

fn legend<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> anyhow::Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(plot_error)
}

/// The smallest and largest positive values (log axes need them above 0).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values
        .filter(|value| *value > 0.0 && value.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min > max { (0.001, 1.0) } else { (min, max) }
}

/// `1e-5` → "10µ", `2048` → "2k": short tick labels for log axes.
pub fn short_number(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else if magnitude >= 1.0 || magnitude == 0.0 {
        (value, "")
    } else if magnitude >= 1e-3 {
        (value * 1e3, "m")
    } else if magnitude >= 1e-6 {
        (value * 1e6, "µ")
    } else {
        (value * 1e9, "n")
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

fn plot_error<E: std::fmt::Debug>(error: E) -> anyhow::Error {
    anyhow!("cannot draw the plot: {error:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(section: Section) -> Figure {
        Figure {
            id: "t".into(),
            title: "A test".into(),
            section,
            x_label: "workers".into(),
            y_label: "speedup".into(),
            series: vec![Series {
                name: "threads".into(),
                points: vec![(1.0, 1.0), (2.0, 1.8), (4.0, 2.0)],
            }],
            groups: vec!["a.py".into(), "b.py".into(), "c.py".into()],
            header: vec!["workers".into(), "speedup".into()],
            rows: vec![vec!["1".into(), "1.00".into()]],
            note: String::new(),
        }
    }

    #[test]
    fn tables_are_markdown() {
        assert_eq!(
            figure(Section::Speedup).table(),
            "| workers | speedup |\n|---|---|\n| 1 | 1.00 |\n"
        );
    }

    #[test]
    fn every_kind_of_figure_draws_an_svg() {
        let dir = tempfile::tempdir().unwrap();
        for section in [Section::Speedup, Section::Cost, Section::Versus] {
            let path = dir.path().join(format!("{section:?}.svg"));
            figure(section).draw(&path, "2 cores").unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.starts_with("<svg"), "{section:?}");
            assert!(svg.contains("A test"));
            assert!(svg.contains("threads"));
        }
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short_number(2048.0), "2k");
        assert_eq!(short_number(0.00002), "20µ");
        assert_eq!(short_number(1.5), "1.5");
        assert_eq!(short_number(4_000_000.0), "4M");
    }
}
