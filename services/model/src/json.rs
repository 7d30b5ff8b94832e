//! Reading untrusted JSON into a [`serde_json::Value`] without its silent
//! "last duplicate key wins": an object that names a key twice is refused,
//! naming the key by JSON pointer, because two readers of the same document
//! could otherwise see two different stories.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a body is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// JSON pointer of the duplicated key, when that is the problem.
    pub pointer: Option<String>,
    /// What is wrong (values clipped).
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate object keys.
pub fn from_slice_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict {
        pointer: String::new(),
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    value.map_err(|e| {
        let text = e.to_string();
        let pointer = text
            .strip_prefix(DUPLICATE)
            .and_then(|r| r.split('\u{0}').next())
            .map(str::to_owned);
        let message = match &pointer {
            Some(p) => format!(
                "duplicate key `{}` at {}: each key may appear once in an object",
                crate::echo::clip(&last_segment(p)),
                crate::echo::clip(p)
            ),
            None => crate::echo::clip_quoted(&text),
        };
        JsonError { pointer, message }
    })
}

const DUPLICATE: &str = "\u{0}duplicate:";

fn last_segment(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .replace("~1", "/")
        .replace("~0", "~")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A value at `pointer`, checked for duplicate keys all the way down.
struct Strict {
    pointer: String,
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let pointer = format!("{}/{}", self.pointer, out.len());
            match seq.next_element_seed(Strict { pointer })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let pointer = format!("{}/{}", self.pointer, escape(&key));
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{pointer}\u{0}")));
            }
            let value = map.next_value_seed(Strict { pointer })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_named_by_pointer() {
        let e = from_slice_strict(br#"{"uri":"a","uri":"b"}"#).unwrap_err();
        assert_eq!(e.pointer.as_deref(), Some("/uri"));
        assert!(e.message.contains("duplicate key `uri`"), "{}", e.message);
        let e = from_slice_strict(br#"{"headlines":[{"value":"a"},{"value":"b","value":"c"}]}"#)
            .unwrap_err();
        assert_eq!(e.pointer.as_deref(), Some("/headlines/1/value"));
        let e = from_slice_strict(br#"{"a/b":{"x~":1,"x~":2}}"#).unwrap_err();
        assert_eq!(e.pointer.as_deref(), Some("/a~1b/x~0"));
        assert!(e.message.contains("duplicate key `x~`"), "{}", e.message);
    }

    #[test]
    fn same_value_as_serde_json_otherwise() {
        let text = br#"{"a":[1,-2,3.5,"x",null,true,{"b":{}}],"c":"\u00e9"}"#;
        let strict = from_slice_strict(text).unwrap();
        let plain: Value = serde_json::from_slice(text).unwrap();
        assert_eq!(strict, plain);
    }

    #[test]
    fn syntax_errors_keep_their_position_and_trailing_data_is_refused() {
        let e = from_slice_strict(b"{\"a\": }").unwrap_err();
        assert!(e.pointer.is_none());
        assert!(e.message.contains("line 1"), "{}", e.message);
        assert!(from_slice_strict(b"{} {}").is_err());
    }
}
