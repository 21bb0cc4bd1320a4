//! Server-function arguments travel as JSON, as with the framework's own codec, but a call the
//! server cannot read is refused with the argument's path and what was wrong there (e.g.
//! `query.clinic: invalid type: integer 5, expected a string`), not serde's line and column.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub struct NamedJsonEncoding;

impl ContentType for NamedJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for NamedJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for NamedJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for NamedJsonEncoding {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let at = e.path().to_string();
            let inner = e.into_inner();
            if at == "." || at.is_empty() { inner.to_string() } else { format!("{at}: {inner}") }
        })
    }
}

/// `POST` with a JSON body whose errors name the field.
pub type NamedJson = Post<NamedJsonEncoding>;

