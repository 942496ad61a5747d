//! Where each key of a YAML file sits: `model.latent_dim` → line 4. serde's YAML values carry no
//! positions, so config errors look keys up here to say `file:line`.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Line numbers (1-based) of every mapping key and sequence item, by dotted path
/// (`callbacks.0.patience`).
#[derive(Debug, Clone, Default)]
pub struct KeyLines {
    lines: BTreeMap<String, usize>,
}

impl KeyLines {
    /// Indexes `text`; a text that does not parse yields an empty index (its syntax error is
    /// reported by the real parser).
    pub fn index(text: &str) -> KeyLines {
        let mut recorder = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut recorder, false).is_err() {
            return KeyLines::default();
        }
        KeyLines { lines: recorder.lines }
    }

    /// The line of `path`, or of its closest recorded ancestor.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            if let Some(line) = self.lines.get(path) {
                return Some(*line);
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// Whether `path` itself (not an ancestor) was written in this file.
    pub fn contains(&self, path: &str) -> bool {
        self.lines.contains_key(path)
    }
}

enum Frame {
    /// A mapping: the key awaiting its value, if any.
    Map { pending_key: Option<String> },
    /// A sequence: the index of the next item.
    Seq { next: usize },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<(String, Frame)>,
    lines: BTreeMap<String, usize>,
}

impl Recorder {
    /// The path of the node starting now, and bookkeeping of the parent frame.
    fn enter_node(&mut self, line: usize) -> Option<String> {
        let (parent_path, frame) = self.stack.last_mut()?;
        let join = |child: &str| if parent_path.is_empty() { child.to_string() } else { format!("{parent_path}.{child}") };
        match frame {
            Frame::Map { pending_key } => pending_key.take().map(|key| join(&key)),
            Frame::Seq { next } => {
                let path = join(&next.to_string());
                *next += 1;
                self.lines.insert(path.clone(), line);
                Some(path)
            }
        }
    }

    fn on_scalar(&mut self, value: String, line: usize) {
        let is_key = matches!(self.stack.last(), Some((_, Frame::Map { pending_key: None })));
        if is_key {
            let (parent, _) = self.stack.last().expect("checked above");
            let path = if parent.is_empty() { value.clone() } else { format!("{parent}.{value}") };
            self.lines.insert(path, line);
            if let Some((_, Frame::Map { pending_key })) = self.stack.last_mut() {
                *pending_key = Some(value);
            }
        } else {
            self.enter_node(line);
        }
    }

    fn on_collection(&mut self, frame: Frame, line: usize) {
        let path = if self.stack.is_empty() { Some(String::new()) } else { self.enter_node(line) };
        // A collection used as a mapping key has no path; record nothing below it.
        self.stack.push((path.unwrap_or_else(|| "\u{0}".to_string()), frame));
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
        match event {
            Event::Scalar(value, ..) => self.on_scalar(value, line),
            Event::Alias(_) => {
                self.enter_node(line);
            }
            Event::MappingStart(..) => self.on_collection(Frame::Map { pending_key: None }, line),
            Event::SequenceStart(..) => self.on_collection(Frame::Seq { next: 0 }, line),
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_nested_keys_and_list_items() {
        let text = "name: x\nmodel:\n  name: vae\n  latent_dim: 8\ncallbacks:\n  - name: a\n  - name: b\n    patience: 3\nflow: {a: 1, b: [1, 2]}\n";
        let lines = KeyLines::index(text);
        assert_eq!(lines.line_of("name"), Some(1));
        assert_eq!(lines.line_of("model.latent_dim"), Some(4));
        assert_eq!(lines.line_of("callbacks.1.patience"), Some(8));
        assert_eq!(lines.line_of("callbacks.1"), Some(7));
        assert_eq!(lines.line_of("flow.b"), Some(9));
        assert_eq!(lines.line_of("model.missing"), Some(2), "falls back to the closest ancestor");
        assert!(lines.contains("model.name"));
        assert!(!lines.contains("model.missing"));
    }

    #[test]
    fn unparsable_text_yields_nothing() {
        assert_eq!(KeyLines::index("a: [").line_of("a"), None);
    }
}
