//! The difference between two configurations, as `stream edit` and
//! `consumer edit` show it before applying a change.

use serde_json::Value;

/// The fields that differ between `old` and `new` (both JSON), one line
/// each: `- path: old` and `+ path: new`, nested fields as `a.b`, in field
/// order. Empty when they are equal.
pub(crate) fn config_diff(old: &Value, new: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    walk("", old, new, &mut lines);
    lines
}

fn walk(path: &str, old: &Value, new: &Value, lines: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            keys.sort();
            for key in keys {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(
                    &sub,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    lines,
                );
            }
        }
        (a, b) if a == b => {}
        (a, b) => {
            if !a.is_null() {
                lines.push(format!("- {path}: {a}"));
            }
            if !b.is_null() {
                lines.push(format!("+ {path}: {b}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_changed_added_and_removed_fields() {
        let old = json!({"name": "S", "max_msgs": -1, "subjects": ["a"], "p": {"x": 1}});
        let new =
            json!({"name": "S", "max_msgs": 10, "subjects": ["a", "b"], "p": {"x": 2}, "d": "t"});
        assert_eq!(
            config_diff(&old, &new),
            [
                "+ d: \"t\"",
                "- max_msgs: -1",
                "+ max_msgs: 10",
                "- p.x: 1",
                "+ p.x: 2",
                "- subjects: [\"a\"]",
                "+ subjects: [\"a\",\"b\"]",
            ]
        );
        assert!(config_diff(&old, &old).is_empty());
    }
}
