//! Aligned plain-text tables for people (comfy-table, no borders, no colours).

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, Table};

/// Renders `rows` under `header` as left-aligned columns.
pub fn render(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_style(NOTHING);
    table.set_header(header.iter().map(|h| Cell::new(h.to_uppercase())));
    for row in rows {
        table.add_row(row);
    }
    table
        .lines()
        .map(|line| { let line = line.trim_end(); line.strip_prefix(' ').unwrap_or(line).to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}
