//! `text`: a text file, or every file of a folder (in name order, joined by a newline), gzipped
//! or not, as a language-modelling dataset. Item `i` is the window of `context` tokens starting
//! at `i × stride` (`tokens` `int[context]`) and the token after each of them (`next_tokens`
//! `int[context]`).
//!
//! Tokens are characters when the text is UTF-8: the vocabulary is the text's distinct
//! characters in code-point order, and its symbols travel in the schema, so the run keeps them
//! and `frameworm sample --prompt` encodes and decodes with them. Text that is not UTF-8 is
//! read as bytes (a vocabulary of 256, no symbols); [`TextDataset::level`] says which, and so
//! does the dataset's description in errors and `config validate`. A separate validation text
//! adopts the training vocabulary ([`Dataset::adopt`]); a character it lacks is an error.

use std::path::{Path, PathBuf};

use frameworm_core::{ComponentError, Dataset, FieldSpec, FromConfig, Sample, Schema, Value, fields};
use serde::{Deserialize, Serialize};

/// How the text is split into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Characters when the text is UTF-8, else bytes.
    Auto,
    /// Characters (the text must be UTF-8).
    Char,
    /// Bytes (any text; a vocabulary of 256).
    Byte,
}

/// The `dataset.text` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextConfig {
    /// A text file or a folder of them (`.gz` files are decompressed); relative to the current folder.
    pub path: PathBuf,
    /// Tokens per window.
    pub context: usize,
    /// Tokens between the starts of consecutive windows; default: `context` (no overlap).
    pub stride: Option<usize>,
    /// `auto`, `char` or `byte`.
    pub level: Level,
}

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig { path: PathBuf::new(), context: 128, stride: None, level: Level::Auto }
    }
}

/// The dataset: the whole text as token ids, held in memory.
#[derive(Debug)]
pub struct TextDataset {
    origin: String,
    /// Every token of the text.
    ids: Vec<i64>,
    /// The characters of a character-level vocabulary (empty: bytes).
    symbols: Vec<String>,
    context: usize,
    stride: usize,
}

fn invalid(message: String) -> ComponentError {
    ComponentError::Invalid(message)
}

fn config_error(key: &str, message: String) -> ComponentError {
    ComponentError::Config { section: "dataset.text".into(), key: key.into(), message }
}

/// The bytes of `path`, decompressed when they are gzip.
fn read_file(path: &Path) -> Result<Vec<u8>, ComponentError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Io { path: origin.clone(), source })?;
    if let std::borrow::Cow::Owned(text) = frameworm_core::gunzip(&bytes, &origin)? {
        return Ok(text);
    }
    Ok(bytes)
}

/// The bytes of a file, or of every file in a folder in name order joined by `\n`.
fn read_text(path: &Path) -> Result<Vec<u8>, ComponentError> {
    let origin = path.display().to_string();
    if !path.is_dir() {
        return read_file(path);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|source| ComponentError::Io { path: origin.clone(), source })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(invalid(format!("{origin}: the folder holds no text file")));
    }
    let mut text = Vec::new();
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            text.push(b'\n');
        }
        text.extend(read_file(file)?);
    }
    Ok(text)
}

impl FromConfig for TextDataset {
    type Config = TextConfig;
    fn from_config(config: TextConfig) -> Result<Self, ComponentError> {
        if config.path.as_os_str().is_empty() {
            return Err(config_error("path", "set `path` to a text file or a folder of text files".into()));
        }
        if config.context == 0 {
            return Err(config_error("context", "must be at least 1".into()));
        }
        let stride = config.stride.unwrap_or(config.context);
        if stride == 0 {
            return Err(config_error("stride", "must be at least 1".into()));
        }
        let origin = config.path.display().to_string();
        let bytes = read_text(&config.path)?;
        if bytes.is_empty() {
            return Err(invalid(format!("{origin}: the text is empty")));
        }
        let utf8 = std::str::from_utf8(&bytes);
        let (ids, symbols) = match (config.level, utf8) {
            (Level::Byte, _) | (Level::Auto, Err(_)) => (bytes.iter().map(|&b| i64::from(b)).collect(), Vec::new()),
            (Level::Char, Err(error)) => {
                let line = bytes[..error.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(invalid(format!(
                    "{origin}:{line}: the text is not UTF-8 (byte {} of the text); use `level: byte` or `level: auto` to read it as bytes",
                    error.valid_up_to()
                )));
            }
            (_, Ok(text)) => {
                let chars: Vec<char> = text.chars().collect();
                let mut vocabulary = chars.clone();
                vocabulary.sort_unstable();
                vocabulary.dedup();
                let ids: Vec<i64> = chars.iter().map(|c| vocabulary.binary_search(c).unwrap_or(0) as i64).collect();
                (ids, vocabulary.iter().map(char::to_string).collect())
            }
        };
        let needed = config.context + 1;
        if ids.len() < needed {
            return Err(invalid(format!(
                "{origin}: the text has {} tokens; one window needs {needed} (`context` {} plus the next token)",
                ids.len(),
                config.context
            )));
        }
        Ok(TextDataset { origin, ids, symbols, context: config.context, stride })
    }
}

impl TextDataset {
    /// `"characters"` or `"bytes"`: what a token is.
    pub fn level(&self) -> &'static str {
        if self.symbols.is_empty() { "bytes" } else { "characters" }
    }

    /// The vocabulary size.
    pub fn vocabulary(&self) -> usize {
        if self.symbols.is_empty() { 256 } else { self.symbols.len() }
    }
}

impl Dataset for TextDataset {
    fn len(&self) -> usize {
        (self.ids.len() - self.context - 1) / self.stride + 1
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        if index >= self.len() {
            return Err(invalid(format!("{}: window {index} of {}", self.origin, self.len())));
        }
        let start = index * self.stride;
        let tokens = self.ids[start..start + self.context].to_vec();
        let next = self.ids[start + 1..start + self.context + 1].to_vec();
        Ok(Sample::new(vec![Value::Int(tokens), Value::Int(next)]))
    }

    fn schema(&self) -> Schema {
        let vocabulary = self.vocabulary();
        let tokens = FieldSpec::int(fields::TOKENS, [self.context], vocabulary);
        let tokens = if self.symbols.is_empty() { tokens } else { tokens.with_names(self.symbols.clone()) };
        Schema::new(vec![tokens, FieldSpec::int(fields::NEXT_TOKENS, [self.context], vocabulary)])
    }

    fn adopt(&mut self, fitted: &Schema) -> Result<(), ComponentError> {
        let field = fitted.field(fields::TOKENS).ok_or_else(|| invalid(format!("{}: the training data has no `tokens` field", self.origin)))?;
        match (field.names.as_deref(), self.symbols.is_empty()) {
            (None, true) => Ok(()),
            (Some(symbols), false) => {
                // Each of this text's symbols → its id in the training vocabulary.
                let fitted: Vec<Option<i64>> = self.symbols.iter().map(|own| symbols.iter().position(|s| s == own).map(|i| i as i64)).collect();
                if let Some(&lacking) = self.ids.iter().find(|&&id| fitted[id as usize].is_none()) {
                    let c = self.symbols[lacking as usize].chars().next().unwrap_or_default();
                    return Err(invalid(format!("{}: character {c:?} is not in the training text's vocabulary of {} characters", self.origin, symbols.len())));
                }
                self.ids.iter_mut().for_each(|id| *id = fitted[*id as usize].unwrap_or(0));
                self.symbols = symbols.to_vec();
                Ok(())
            }
            _ => Err(invalid(format!("{}: read as {} but the training text was read as the other level; set the same `level`", self.origin, self.level()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(content: &[u8], config: impl FnOnce(&mut TextConfig)) -> Result<TextDataset, ComponentError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, content).unwrap();
        let mut c = TextConfig { path, context: 4, ..TextConfig::default() };
        config(&mut c);
        TextDataset::from_config(c)
    }

    #[test]
    fn windows_and_next_tokens() {
        let data = text(b"abcabcabca", |_| ()).unwrap();
        // 10 tokens, context 4, stride 4: windows at 0 and 4 (each needs 5 tokens).
        assert_eq!((data.len(), data.level(), data.vocabulary()), (2, "characters", 3));
        let sample = data.get(1).unwrap();
        assert_eq!(sample.ints(0).unwrap(), &[1, 2, 0, 1]);
        assert_eq!(sample.ints(1).unwrap(), &[2, 0, 1, 2]);
        assert_eq!(data.schema().describe(), "`tokens` int[4] (3 classes), `next_tokens` int[4] (3 classes)");
        assert_eq!(text(b"abcabcabca", |c| c.stride = Some(1)).unwrap().len(), 6);
    }

    #[test]
    fn bytes_for_text_that_is_not_utf8() {
        let data = text(b"ab\xffcdef", |_| ()).unwrap();
        assert_eq!((data.level(), data.vocabulary()), ("bytes", 256));
        assert_eq!(data.get(0).unwrap().ints(0).unwrap(), &[97, 98, 255, 99]);
        let error = text(b"ok\nab\xffcdef", |c| c.level = Level::Char).unwrap_err().to_string();
        assert!(error.contains("t.txt:2: the text is not UTF-8") && error.contains("level: byte"), "{error}");
    }

    #[test]
    fn empty_short_and_missing_texts_are_errors() {
        assert!(text(b"", |_| ()).unwrap_err().to_string().contains("the text is empty"));
        let error = text(b"abc", |_| ()).unwrap_err().to_string();
        assert!(error.contains("the text has 3 tokens; one window needs 5"), "{error}");
        let missing = TextDataset::from_config(TextConfig { path: "no/such.txt".into(), ..TextConfig::default() }).unwrap_err().to_string();
        assert!(missing.contains("no/such.txt"), "{missing}");
    }

    #[test]
    fn a_validation_text_adopts_the_vocabulary() {
        let train = text(b"abcdabcd", |_| ()).unwrap();
        let mut val = text(b"ddddcccc", |_| ()).unwrap();
        val.adopt(&train.schema()).unwrap();
        assert_eq!(val.get(0).unwrap().ints(0).unwrap(), &[3, 3, 3, 3]);
        let mut other = text(b"xxxxxxxx", |_| ()).unwrap();
        assert!(other.adopt(&train.schema()).unwrap_err().to_string().contains("character 'x' is not in the training text's vocabulary"));
    }

    #[test]
    fn the_shipped_text_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kjv.txt.gz");
        let data = TextDataset::from_config(TextConfig { path, ..TextConfig::default() }).unwrap();
        assert_eq!((data.level(), data.vocabulary()), ("characters", 63));
        assert_eq!(data.len(), (4_137_850 - 129) / 128 + 1);
    }
}
