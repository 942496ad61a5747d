//! Reading a headed CSV/TSV into columns of numbers or labels, with every error naming the
//! file, the line, the column number and the column's name. The `csv` crate does the
//! splitting and quoting; this module decides what each cell means.

use std::path::Path;

use frameworm_core::ComponentError;

/// The parsed text of a table: its header and its rows of cells, each row with its line.
pub struct Table {
    /// How errors name the file.
    pub origin: String,
    /// The column names, in file order.
    pub header: Vec<String>,
    /// The cells of each row, and the row's line in the file (1-based).
    pub rows: Vec<(Vec<String>, u64)>,
}

fn invalid(message: String) -> ComponentError {
    ComponentError::Invalid(message)
}

impl Table {
    /// Reads `path`; `delimiter` splits the cells.
    pub fn read(path: &Path, delimiter: u8) -> Result<Table, ComponentError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ComponentError::Io { path: origin.clone(), source })?;
        Table::parse(&bytes, delimiter, origin)
    }

    /// Parses `bytes` (a UTF-8 BOM is skipped); `origin` names them in errors.
    pub fn parse(bytes: &[u8], delimiter: u8, origin: String) -> Result<Table, ComponentError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid(format!("{origin}: the file is empty; a table needs a header row and at least 2 data rows")));
        }
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).trim(csv::Trim::All).from_reader(bytes);
        let describe = |error: csv::Error| -> ComponentError {
            let line = error.position().map(|p| p.line()).unwrap_or(0);
            match error.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => invalid(format!(
                    "{origin}:{line}: the row has {len} cells but the header has {expected_len} (is the delimiter `{}` right?)",
                    delimiter as char
                )),
                csv::ErrorKind::Utf8 { err, .. } => invalid(format!(
                    "{origin}:{line}:{}: the cell is not UTF-8 text",
                    err.field() + 1
                )),
                _ => invalid(format!("{origin}:{line}: {error}")),
            }
        };
        let header: Vec<String> = reader.headers().map_err(&describe)?.iter().map(str::to_string).collect();
        for (i, name) in header.iter().enumerate() {
            if name.is_empty() {
                return Err(invalid(format!("{origin}:1:{}: column {} has no name in the header", i + 1, i + 1)));
            }
            if let Some(first) = header[..i].iter().position(|other| other == name) {
                return Err(invalid(format!("{origin}:1:{}: column `{name}` appears twice in the header (columns {} and {})", i + 1, first + 1, i + 1)));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(&describe)?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((record.iter().map(str::to_string).collect(), line));
        }
        if rows.len() < 2 {
            return Err(invalid(format!(
                "{origin}: the table has {} data row{}; it needs at least 2 (one to train on, one to hold out)",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            )));
        }
        Ok(Table { origin, header, rows })
    }

    /// The index of column `name`, or an error with the closest name.
    pub fn column(&self, name: &str, key: &str) -> Result<usize, ComponentError> {
        self.header.iter().position(|c| c == name).ok_or_else(|| {
            let closest = frameworm_core::suggest::closest(name, self.header.iter().map(String::as_str));
            let hint = closest.first().map_or(String::new(), |c| format!("; did you mean `{c}`?"));
            invalid(format!("{}: `{key}` names column `{name}`, which the header does not have{hint} (columns: {})", self.origin, self.header.join(", ")))
        })
    }

    /// The columns `patterns` select (names or globs such as `s*`), in file order, without
    /// `except`; every pattern must select at least one column.
    pub fn select(&self, patterns: &[String], key: &str, except: &[usize]) -> Result<Vec<usize>, ComponentError> {
        let mut chosen = Vec::new();
        for pattern in patterns {
            let matched: Vec<usize> = if pattern.contains(['*', '?', '[']) {
                let glob = glob::Pattern::new(pattern).map_err(|error| invalid(format!("{}: `{key}`: `{pattern}` is not a valid glob: {error}", self.origin)))?;
                (0..self.header.len()).filter(|&i| glob.matches(&self.header[i]) && !except.contains(&i)).collect()
            } else {
                let index = self.column(pattern, key)?;
                if except.contains(&index) {
                    return Err(invalid(format!("{}: column `{pattern}` is both a feature and the target; a model must not read its own answer", self.origin)));
                }
                vec![index]
            };
            if matched.is_empty() {
                return Err(invalid(format!("{}: `{key}`: `{pattern}` matches no column (columns: {})", self.origin, self.header.join(", "))));
            }
            chosen.extend(matched.into_iter().filter(|i| !chosen.contains(i)).collect::<Vec<_>>());
        }
        chosen.sort_unstable();
        Ok(chosen)
    }

    /// The cell of row `row`, column `column`, as a finite number.
    pub fn number(&self, row: usize, column: usize) -> Result<f32, ComponentError> {
        let (cells, line) = &self.rows[row];
        let cell = cells[column].as_str();
        let at = || format!("{}:{line}:{} (column `{}`)", self.origin, column + 1, self.header[column]);
        if cell.is_empty() || ["na", "nan", "null", "none", "?"].contains(&cell.to_ascii_lowercase().as_str()) {
            return Err(invalid(format!("{}: missing value{}; fill it in or drop the row", at(), if cell.is_empty() { String::new() } else { format!(" `{cell}`") })));
        }
        match cell.parse::<f32>() {
            Ok(value) if value.is_finite() => Ok(value),
            Ok(_) => Err(invalid(format!("{}: `{cell}` is not a finite number", at()))),
            Err(_) => Err(invalid(format!("{}: `{cell}` is not a number", at()))),
        }
    }

    /// The cell of row `row`, column `column`, as a class label (non-empty text).
    pub fn label(&self, row: usize, column: usize) -> Result<&str, ComponentError> {
        let (cells, line) = &self.rows[row];
        let cell = cells[column].as_str();
        if cell.is_empty() {
            return Err(invalid(format!("{}:{line}:{} (column `{}`): missing label", self.origin, column + 1, self.header[column])));
        }
        Ok(cell)
    }
}
