//! The digits CSV format and its parser: one image per line, 64 comma-separated integer pixel
//! values `0..=16` (an 8×8 image, row-major), then the class label `0..=9`; no header. Blank lines
//! are skipped, `\r\n` line ends are accepted, and gzip-compressed input is recognised by its
//! magic bytes. Every error names the origin and the line (`origin:line: what is wrong`).


use frameworm_core::ComponentError;

/// Image side in pixels.
pub const SIDE: usize = 8;
/// Pixel values per image.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes (labels `0..CLASSES`).
pub const CLASSES: usize = 10;
/// The largest pixel value; pixels are divided by it to land in `[0, 1]`.
pub const MAX_VALUE: u8 = 16;

/// Parsed images and labels, compact: `PIXELS` bytes per image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Pixel values `0..=MAX_VALUE`, `PIXELS` per image, images one after the other.
    pub pixels: Vec<u8>,
    /// One label `0..CLASSES` per image.
    pub labels: Vec<u8>,
}

impl Table {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the table holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixel values and the label of image `index`, when `index < len()`.
    pub fn image(&self, index: usize) -> Option<(&[u8], u8)> {
        let label = *self.labels.get(index)?;
        Some((self.pixels.get(index * PIXELS..(index + 1) * PIXELS)?, label))
    }
}

/// Parses decompressed CSV text; `origin` (a path, or a description of the embedded copy) names
/// the input in errors.
pub fn parse(text: &[u8], origin: &str) -> Result<Table, ComponentError> {
    let mut table = Table::default();
    for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
        let number = index + 1;
        let bad = |what: String| ComponentError::Invalid(format!("{origin}:{number}: {what}"));
        let line = std::str::from_utf8(line).map_err(|_| bad("not UTF-8 text".into()))?.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != PIXELS + 1 {
            return Err(bad(format!(
                "expected {} comma-separated values ({PIXELS} pixels, then the label), found {}",
                PIXELS + 1,
                fields.len()
            )));
        }
        let (pixels, label) = fields.split_at(PIXELS);
        for (column, field) in pixels.iter().enumerate() {
            match field.parse::<u8>() {
                Ok(value) if value <= MAX_VALUE => table.pixels.push(value),
                _ => {
                    return Err(bad(format!("pixel {} is `{field}`, expected an integer 0..={MAX_VALUE}", column + 1)));
                }
            }
        }
        match label[0].parse::<u8>() {
            Ok(value) if usize::from(value) < CLASSES => table.labels.push(value),
            _ => {
                return Err(bad(format!(
                    "the label (value {}) is `{}`, expected an integer 0..={}",
                    PIXELS + 1,
                    label[0],
                    CLASSES - 1
                )));
            }
        }
    }
    if table.is_empty() {
        return Err(ComponentError::Invalid(format!(
            "{origin}: no rows; expected one image per line ({PIXELS} pixels, then the label)"
        )));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pixel: &str, label: &str) -> String {
        let mut fields = vec!["0"; PIXELS];
        fields[3] = pixel;
        fields.push(label);
        fields.join(",")
    }

    fn message(result: Result<Table, ComponentError>) -> String {
        result.expect_err("the input is malformed").to_string()
    }

    #[test]
    fn parses_rows_and_skips_blank_lines_and_carriage_returns() {
        let text = format!("{}\r\n\n{}\n", row("16", "3"), row("7", "9"));
        let table = parse(text.as_bytes(), "t.csv").unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.labels, vec![3, 9]);
        assert_eq!(table.image(0).unwrap().0[3], 16);
        let (pixels, label) = table.image(1).unwrap();
        assert_eq!((pixels[3], pixels.len(), label), (7, PIXELS, 9));
        assert_eq!(table.image(2), None);
    }

    #[test]
    fn errors_name_the_origin_and_line() {
        let short = format!("{}\n1,2,3\n", row("1", "1"));
        assert_eq!(
            message(parse(short.as_bytes(), "t.csv")),
            "t.csv:2: expected 65 comma-separated values (64 pixels, then the label), found 3"
        );
        let text = format!("{}\n\n{}\n", row("1", "1"), row("x", "1"));
        assert_eq!(message(parse(text.as_bytes(), "t.csv")), "t.csv:3: pixel 4 is `x`, expected an integer 0..=16");
        let text = row("17", "1");
        assert_eq!(message(parse(text.as_bytes(), "t.csv")), "t.csv:1: pixel 4 is `17`, expected an integer 0..=16");
        let text = row("1", "10");
        assert_eq!(
            message(parse(text.as_bytes(), "t.csv")),
            "t.csv:1: the label (value 65) is `10`, expected an integer 0..=9"
        );
        let text = row("-1", "1");
        assert!(message(parse(text.as_bytes(), "t.csv")).starts_with("t.csv:1: pixel 4 is `-1`"));
        assert_eq!(message(parse(b"\xff\xfe\n", "t.csv")), "t.csv:1: not UTF-8 text");
        assert!(message(parse(b"\n \n", "t.csv")).starts_with("t.csv: no rows"));
    }

    #[test]
    fn plain_text_passes_through_and_bad_gzip_is_an_error() {
        assert_eq!(frameworm_core::gunzip(b"1,2", "t.csv").unwrap().as_ref(), b"1,2");
        let error = frameworm_core::gunzip(&[0x1f, 0x8b, 0, 0, 1], "t.csv.gz").unwrap_err().to_string();
        assert!(error.starts_with("t.csv.gz: cannot decompress the gzip data"), "{error}");
    }
}
