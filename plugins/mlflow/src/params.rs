//! A run's resolved config as MLflow params: every leaf under its dotted path
//! (`training.lr`, `callbacks.0.name`), scalars as they print in YAML, an empty list or map as
//! `[]` / `{}`.

use serde_yaml::Value;

/// The leaves of `config`, in the config's order.
pub fn flatten(config: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(config, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::Mapping(map) if !map.is_empty() => {
            for (key, value) in map {
                let key = match key {
                    Value::String(text) => text.clone(),
                    other => scalar(other),
                };
                walk(value, join(&key), out);
            }
        }
        Value::Sequence(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                walk(item, join(&index.to_string()), out);
            }
        }
        Value::Tagged(tagged) => walk(&tagged.value, path, out),
        leaf => out.push((if path.is_empty() { "config".into() } else { path }, scalar(leaf))),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(_) => "[]".into(),
        Value::Mapping(_) => "{}".into(),
        Value::Tagged(tagged) => scalar(&tagged.value),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn leaves_get_dotted_paths() {
        let config: serde_yaml::Value = serde_yaml::from_str("model: {name: mlp, hidden: [64, 32]}\ntraining: {lr: 0.001, devices: []}\ncallbacks: [{name: mlflow}]\nx: null\n").unwrap();
        let flat = super::flatten(&config);
        let pairs: Vec<(&str, &str)> = flat.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("model.name", "mlp"),
                ("model.hidden.0", "64"),
                ("model.hidden.1", "32"),
                ("training.lr", "0.001"),
                ("training.devices", "[]"),
                ("callbacks.0.name", "mlflow"),
                ("x", "null")
            ]
        );
    }
}
