//! The external judges of the event contract: the proto descriptors in
//! `proto/` (via prost-reflect, unknown fields rejected) and the official
//! ninjs 3.1 JSON Schema in `../shared/specs/ninjs/`.

use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor, SerializeOptions,
};
use serde_json::Value;

/// The compiled `proto/newsfeed/v1/*.proto`.
pub fn descriptors() -> DescriptorPool {
    let root = crate::repo_root().join("proto");
    let mut compiler = protox::Compiler::new([&root]).expect("proto compiler");
    compiler
        .include_imports(true)
        .open_files(["newsfeed/v1/article.proto", "newsfeed/v1/events.proto"])
        .unwrap_or_else(|e| panic!("proto/ does not compile: {e}"));
    compiler.descriptor_pool()
}

/// The message `newsfeed.v1.<name>`.
pub fn message(pool: &DescriptorPool, name: &str) -> MessageDescriptor {
    pool.get_message_by_name(&format!("newsfeed.v1.{name}"))
        .unwrap_or_else(|| panic!("no message {name}"))
}

/// Decodes `json` as `desc` with the proto3 JSON mapping, rejecting unknown
/// fields, and prints it back canonically.
pub fn proto_round_trip(desc: &MessageDescriptor, json: &Value) -> Result<Value, String> {
    let text = json.to_string();
    let mut de = serde_json::Deserializer::from_str(&text);
    let msg = DynamicMessage::deserialize_with_options(
        desc.clone(),
        &mut de,
        &DeserializeOptions::new().deny_unknown_fields(true),
    )
    .map_err(|e| e.to_string())?;
    let mut out = serde_json::Serializer::new(Vec::new());
    msg.serialize_with_options(&mut out, &SerializeOptions::new().skip_default_fields(true))
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&out.into_inner()).map_err(|e| e.to_string())
}

/// The official ninjs 3.1 schema as JSON.
pub fn ninjs_schema() -> Value {
    let path = crate::repo_root().join("../shared/specs/ninjs/ninjs-schema_3.1.json");
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("schema JSON")
}

/// `value` with every integral number written as an integer: proto3 JSON
/// prints a `double` 4380 as `4380.0`, the same JSON number.
pub fn same_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => value.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(same_numbers).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), same_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The official ninjs 3.1 schema, with format assertions on. Its one remote
/// reference (GeoJSON, for `places[].geoJSON`) resolves to an empty schema:
/// the tests run offline, and Newsfeed carries GeoJSON as an opaque object.
pub fn ninjs_validator() -> jsonschema::Validator {
    let schema = ninjs_schema();
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Offline)
        .build(&schema)
        .expect("ninjs schema compiles")
}

struct Offline;

impl jsonschema::Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            Ok(serde_json::json!({}))
        } else {
            Err(format!("unexpected remote schema {uri}").into())
        }
    }
}

/// Every schema violation of `doc`, as "pointer: message".
pub fn ninjs_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
