//! [`Token`]: the shared secret a `frameworm serve` server checks and its clients present.
//!
//! A token comes from the `FRAMEWORM_TOKEN` environment variable or from a file
//! (`--token-file`), never from a config or a command-line argument, where it would land in
//! shell histories, process lists and run folders; its `Debug` form prints no part of it.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::fsio::bounded::read_text_at_most;

/// The largest token file read (a token is a line of text; anything bigger is a wrong file).
const MAX_TOKEN_FILE: u64 = 64 * 1024;

/// A non-empty shared secret, surrounding whitespace removed.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// Why no usable token could be read.
#[derive(Debug, Error)]
pub enum TokenError {
    /// The variable or file holds only whitespace.
    #[error("{source_name} is empty; put the server's token there (any non-empty text, e.g. from `openssl rand -hex 32`)")]
    Empty {
        /// `FRAMEWORM_TOKEN` or the file's path.
        source_name: String,
    },
    /// The token file could not be read.
    #[error("--token-file {}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The variable is not valid Unicode.
    #[error("{} is not valid UTF-8 text", Token::ENV)]
    NotUnicode,
}

impl Token {
    /// The environment variable a token is read from when no file is given.
    pub const ENV: &'static str = "FRAMEWORM_TOKEN";

    /// `text` as a token; `source_name` says where it came from, for the error.
    pub fn new(text: &str, source_name: &str) -> Result<Token, TokenError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TokenError::Empty { source_name: source_name.to_string() });
        }
        Ok(Token(text.to_string()))
    }

    /// The token in `path` (its first and only line).
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let text = read_text_at_most(path, MAX_TOKEN_FILE, "a token file").map_err(|source| TokenError::Read { path: path.to_path_buf(), source })?;
        Token::new(&text, &format!("--token-file {}", path.display()))
    }

    /// The token in `FRAMEWORM_TOKEN`, if the variable is set.
    pub fn from_env() -> Result<Option<Token>, TokenError> {
        match std::env::var(Token::ENV) {
            Ok(text) => Token::new(&text, Token::ENV).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(TokenError::NotUnicode),
        }
    }

    /// The token of `--token-file` when given, else `FRAMEWORM_TOKEN`'s, else none.
    pub fn resolve(file: Option<&Path>) -> Result<Option<Token>, TokenError> {
        match file {
            Some(path) => Token::from_file(path).map(Some),
            None => Token::from_env(),
        }
    }

    /// The secret itself, for burn-remote only.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(super) fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_trimmed_and_never_printed() {
        let token = Token::new("  s3cret-value\n", "test").unwrap();
        assert_eq!(token.secret(), "s3cret-value");
        assert!(!format!("{token:?}").contains("s3cret"));
    }

    #[test]
    fn an_empty_token_names_where_it_came_from() {
        let error = Token::new(" \n", "--token-file t.txt").unwrap_err();
        assert!(error.to_string().starts_with("--token-file t.txt is empty"), "{error}");
    }

    #[test]
    fn a_token_file_is_read_and_a_missing_one_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "abc123\n").unwrap();
        assert_eq!(Token::from_file(&path).unwrap(), Token("abc123".into()));
        let missing = dir.path().join("nope");
        let error = Token::from_file(&missing).unwrap_err();
        assert!(error.to_string().contains("nope: cannot read"), "{error}");
    }
}
