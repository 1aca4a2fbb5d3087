//! Field declarations: what `#[derive(Fields)]` (tap-macros) writes for each struct field, and
//! the shapes of the schema's types. Check, diff, preview, `inputs_of` and schema generation all
//! read these tables, so a wire name and its rules exist once, on the field.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::value::Value;

/// A struct whose fields are declared (`#[derive(Fields)]`).
pub trait Declared {
    /// The struct's doc comment: a resource's description (for its inputs) or an object type's.
    const DOC: &'static str;
    fn fields() -> Vec<FieldSpec>;
}

/// A Rust type's shape in the schema.
pub trait SchemaType {
    fn shape() -> Shape;
}

/// One declared field.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// The wire (and schema) name, camelCase.
    pub name: &'static str,
    pub doc: &'static str,
    pub shape: fn() -> Shape,
    /// `Option<_>` in Rust: may be absent from outputs too.
    pub optional: bool,
    /// The program must give it; the hint says what to give ("" for none).
    pub required: Option<&'static str>,
    /// A change replaces the resource.
    pub replaces: bool,
    /// AWS fills it when absent: leaving it out is not a change.
    pub aws_default: bool,
    pub compare: Compare,
    /// What check fills in when the program leaves it out.
    pub default: Option<fn() -> Value>,
    pub plain: bool,
    pub secret: bool,
    /// Kept in state but not part of the schema.
    pub private: bool,
    /// A number given for this string is read as its decimal text (protocol numbers).
    pub numbers_as_text: bool,
    /// What a value of the wrong type is told it must be (default: its type).
    pub expect: Option<&'static str>,
    /// It becomes part of the resource's id (or name): check refuses a secret value, since
    /// Pulumi never encrypts ids.
    pub identity: bool,
    /// An output computed from these inputs: secret when any of them is.
    pub from: &'static [&'static str],
}

impl std::fmt::Debug for FieldSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldSpec").field("name", &self.name).field("replaces", &self.replaces).finish()
    }
}

/// How diff compares a field's old and new values.
#[derive(Clone, Copy)]
pub enum Compare {
    Exact,
    /// A list whose order means nothing.
    Set,
    /// Compared in the form this function gives.
    Custom(fn(Json) -> Json),
}

impl Compare {
    /// The form in which two values are equal exactly when they mean the same.
    pub fn normalize(self, value: Json) -> Json {
        match self {
            Compare::Exact => value,
            Compare::Set => match value {
                Json::Array(mut items) => {
                    items.sort_by_key(|v| v.to_string());
                    items.dedup();
                    Json::Array(items)
                }
                other => other,
            },
            Compare::Custom(f) => f(value),
        }
    }
}

/// A value's type in the schema.
#[derive(Clone)]
pub enum Shape {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    Array(Box<Shape>),
    /// An object with string keys and values of one shape (tags).
    Map(Box<Shape>),
    Object(ObjectType),
}

/// A named object type (`#[field(token = "…")]` on a struct).
#[derive(Clone, Copy)]
pub struct ObjectType {
    pub token: &'static str,
    pub doc: &'static str,
    pub fields: fn() -> Vec<FieldSpec>,
}

macro_rules! primitive {
    ($($ty:ty => $shape:ident),*) => {$(
        impl SchemaType for $ty {
            fn shape() -> Shape {
                Shape::$shape
            }
        }
    )*};
}

primitive!(String => String, bool => Boolean, i64 => Integer, f64 => Number, Json => Any);

impl<T: SchemaType> SchemaType for Option<T> {
    fn shape() -> Shape {
        T::shape()
    }
}

impl<T: SchemaType> SchemaType for Vec<T> {
    fn shape() -> Shape {
        Shape::Array(Box::new(T::shape()))
    }
}

impl<T: SchemaType> SchemaType for BTreeMap<String, T> {
    fn shape() -> Shape {
        Shape::Map(Box::new(T::shape()))
    }
}

/// A declared default as a property value.
pub fn to_value<T: Serialize>(v: &T) -> Value {
    Value::from_json(&serde_json::to_value(v).unwrap_or(Json::Null))
}

/// The `region` input every regional resource has.
pub fn region_field() -> FieldSpec {
    FieldSpec {
        name: "region",
        doc: "The AWS region the resource lives in (default: the provider's `region`). Changing it replaces the resource.",
        shape: String::shape,
        optional: false,
        required: None,
        replaces: true,
        aws_default: false,
        compare: Compare::Exact,
        default: None,
        plain: false,
        secret: false,
        private: false,
        numbers_as_text: false,
        expect: None,
        identity: false,
        from: &[],
    }
}

/// The `tags` input of every taggable resource.
pub fn tags_field() -> FieldSpec {
    FieldSpec {
        name: "tags",
        doc: "Tags, set at creation and updated in place: at most 50 (with tap's own), keys of 1-128 characters \
              not starting with `aws:`, values of up to 256.",
        shape: <BTreeMap<String, String>>::shape,
        optional: false,
        required: None,
        replaces: false,
        aws_default: false,
        compare: Compare::Exact,
        default: Some(|| Value::Object(Default::default())),
        plain: false,
        secret: false,
        private: false,
        numbers_as_text: false,
        expect: None,
        identity: false,
        from: &[],
    }
}
