//! `frameworm plot RUN_DIR`: the run's `metrics.csv` (one row per epoch) drawn as a PNG with
//! plotters, one panel per metric, the training and validation curves of a metric together
//! (`loss` with `val_loss`, `accuracy` with `val_accuracy`, …). Text uses the DejaVu Sans font
//! embedded in the binary, so no system font library is needed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::args::PlotArgs;

/// DejaVu Sans (free licence: assets/DejaVuSans-LICENSE.txt).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// Size of one panel in pixels.
const PANEL: (u32, u32) = (480, 320);
/// Panels per row.
const COLUMNS: usize = 2;

/// Columns of metrics.csv that are positions, not metrics.
const POSITION_COLUMNS: [&str; 2] = ["epoch", "step"];

/// One metric's curves: (series name, points (epoch, value)).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The metric (without `val_`).
    pub title: String,
    /// Its training and/or validation series.
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

/// Reads `metrics.csv` into panels: one per metric, `val_X` joined to `X`; empty cells skipped.
pub fn read_panels(csv_path: &Path) -> Result<Vec<Panel>> {
    let mut reader = csv::Reader::from_path(csv_path).with_context(|| format!("cannot read {}", csv_path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: no header row", csv_path.display()))?.clone();
    let epoch_column = headers
        .iter()
        .position(|h| h == "epoch")
        .ok_or_else(|| anyhow!("{}: no `epoch` column; is this a Frameworm metrics.csv?", csv_path.display()))?;
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", csv_path.display(), line + 2))?;
        let epoch: f64 = record
            .get(epoch_column)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow!("{}: row {}: `epoch` is not a number", csv_path.display(), line + 2))?;
        for (name, value) in headers.iter().zip(record.iter()) {
            if POSITION_COLUMNS.contains(&name) || value.is_empty() {
                continue;
            }
            let value: f64 = value
                .parse()
                .map_err(|_| anyhow!("{}: row {}: `{name}` is `{value}`, not a number", csv_path.display(), line + 2))?;
            if value.is_finite() {
                series.entry(name.to_string()).or_default().push((epoch, value));
            }
        }
    }
    let mut panels: BTreeMap<String, Panel> = BTreeMap::new();
    for (name, points) in series {
        let title = name.strip_prefix("val_").unwrap_or(&name).to_string();
        panels.entry(title.clone()).or_insert_with(|| Panel { title, series: Vec::new() }).series.push((name, points));
    }
    // `loss` first, `lr` last, the rest by name; training before validation within a panel.
    let mut panels: Vec<Panel> = panels.into_values().collect();
    panels.sort_by_key(|p| (p.title != "loss", p.title == "lr", p.title.clone()));
    for panel in &mut panels {
        panel.series.sort_by_key(|(name, _)| name.starts_with("val_"));
    }
    if panels.is_empty() {
        bail!("{}: no epoch rows yet; plot after the first epoch", csv_path.display());
    }
    Ok(panels)
}

/// `frameworm plot`.
pub fn plot(args: &PlotArgs) -> Result<()> {
    let csv_path = args.run_dir.join("metrics.csv");
    if !csv_path.is_file() {
        bail!("{}: no metrics.csv; is {} a run folder (runs/<name>-<timestamp>)?", csv_path.display(), args.run_dir.display());
    }
    let panels = read_panels(&csv_path)?;
    let out = args.out.clone().unwrap_or_else(|| args.run_dir.join("metrics.png"));
    let size = draw(&panels, &out)?;
    let names: Vec<&str> = panels.iter().map(|p| p.title.as_str()).collect();
    println!("wrote {} ({}×{} px): {}", out.display(), size.0, size.1, names.join(", "));
    Ok(())
}

/// Draws `panels` into the PNG `out` (written to a temporary name, then renamed).
pub fn draw(panels: &[Panel], out: &Path) -> Result<(u32, u32)> {
    // Registering the same font twice is harmless; failing means the embedded font is broken.
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).map_err(|_| anyhow!("the embedded font cannot be read"))?;
    let rows = panels.len().div_ceil(COLUMNS);
    let columns = panels.len().min(COLUMNS);
    let size = (PANEL.0 * columns as u32, PANEL.1 * rows as u32);
    let temporary: PathBuf = out.with_extension(format!("tmp-{}.png", std::process::id()));
    let drawn = draw_into(panels, &temporary, size, (rows, columns));
    if let Err(error) = drawn {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    std::fs::rename(&temporary, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(size)
}

fn draw_into(panels: &[Panel], path: &Path, size: (u32, u32), grid: (usize, usize)) -> Result<()> {
    let plot_error = |error: &dyn std::fmt::Display| anyhow!("cannot draw {}: {error}", path.display());
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(&e))?;
    let areas = root.split_evenly(grid);
    for (area, panel) in areas.iter().zip(panels) {
        let points = panel.series.iter().flat_map(|(_, points)| points.iter());
        let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            (x_min, x_max, y_min, y_max) = (x_min.min(x), x_max.max(x), y_min.min(y), y_max.max(y));
        }
        if x_max <= x_min {
            (x_min, x_max) = (x_min - 0.5, x_max + 0.5);
        }
        // A flat series (a constant lr) gets a band of ±10 % around it.
        let pad = if y_max > y_min { (y_max - y_min) * 0.08 } else { (y_max.abs() * 0.1).max(1e-9) };
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(x_min..x_max, (y_min - pad)..(y_max + pad))
            .map_err(|e| plot_error(&e))?;
        let decimals = label_decimals((y_max + pad) - (y_min - pad));
        let last_epoch = x_max;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_labels((last_epoch as usize).clamp(2, 10))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.decimals$}"))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .max_light_lines(2)
            .draw()
            .map_err(|e| plot_error(&e))?;
        for (index, (name, points)) in panel.series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            chart
                .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
                .map_err(|e| plot_error(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            if points.len() == 1 {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(|e| plot_error(&e))?;
            }
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| plot_error(&e))?;
    }
    root.present().map_err(|e| plot_error(&e))?;
    Ok(())
}

/// Decimals that tell apart axis labels spanning `range` (about ten ticks).
fn label_decimals(range: f64) -> usize {
    let step = (range / 10.0).abs().max(1e-12);
    (-step.log10().floor()).clamp(0.0, 8.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_csv(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn groups_training_and_validation_curves_by_metric() {
        let (_dir, path) = write_csv("epoch,step,accuracy,loss,lr,val_accuracy,val_loss\n1,10,0.5,2.0,0.001,0.6,1.8\n2,20,0.7,1.0,0.001,,1.1\n");
        let panels = read_panels(&path).unwrap();
        let titles: Vec<&str> = panels.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["loss", "accuracy", "lr"]);
        assert_eq!(panels[0].series, vec![("loss".to_string(), vec![(1.0, 2.0), (2.0, 1.0)]), ("val_loss".to_string(), vec![(1.0, 1.8), (2.0, 1.1)])]);
        assert_eq!(panels[1].series[1], ("val_accuracy".to_string(), vec![(1.0, 0.6)]), "an empty cell is skipped");
    }

    #[test]
    fn draws_a_png_of_two_columns() {
        let (dir, path) = write_csv("epoch,step,loss,val_loss,val_mae\n1,10,2.0,1.8,0.3\n2,20,1.0,1.1,0.2\n3,30,0.8,0.9,0.15\n");
        let out = dir.path().join("metrics.png");
        let size = draw(&read_panels(&path).unwrap(), &out).unwrap();
        assert_eq!(size, (2 * PANEL.0, PANEL.1));
        let png = image_size(&out);
        assert_eq!(png, size);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left");
    }

    #[test]
    fn axis_labels_have_enough_decimals_for_their_range() {
        assert_eq!(label_decimals(30.0), 0);
        assert_eq!(label_decimals(0.3), 2);
        assert_eq!(label_decimals(4e-6), 7);
    }

    #[test]
    fn bad_files_are_errors_naming_the_row() {
        let (_dir, path) = write_csv("epoch,step,loss\n1,10,abc\n");
        let error = read_panels(&path).unwrap_err().to_string();
        assert!(error.contains("row 2") && error.contains("`loss` is `abc`"), "{error}");
        let (_dir, path) = write_csv("step,loss\n1,2\n");
        assert!(read_panels(&path).unwrap_err().to_string().contains("no `epoch` column"));
        let (_dir, path) = write_csv("epoch,step,loss\n");
        assert!(read_panels(&path).unwrap_err().to_string().contains("no epoch rows yet"));
    }

    /// Width and height from the PNG header.
    fn image_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        (word(16), word(20))
    }
}
