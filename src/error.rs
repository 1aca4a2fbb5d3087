//! tap's one error type and its single mapping to a gRPC status.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use prost::Message;
use tonic::{Code, Status};

use crate::proto::pulumirpc::ErrorResourceInitFailed;
use crate::value::{self, PropertyMap};

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The engine sent something tap cannot read.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A type token tap does not implement.
    #[error("tap does not implement the resource type {0}")]
    UnknownType(String),
    /// The provider was used before Configure, or its configuration cannot work.
    #[error("{0}")]
    Config(String),
    /// An input that check should have rejected reached an operation (a programming error or a
    /// value only knowable at run time).
    #[error("property {property}: {reason}")]
    Input { property: String, reason: String },
    /// AWS answered with an error (or could not be reached).
    #[error("{operation} failed: {message}")]
    Aws { operation: &'static str, code: String, message: String },
    /// The resource is still in use (DependencyViolation and friends) past the deadline.
    #[error("{0}")]
    StillInUse(String),
    #[error("{what} did not finish within {seconds} s")]
    Timeout { what: String, seconds: u64 },
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("{0}")]
    NotImplemented(String),
    /// The resource exists but a later step failed: the engine must record it.
    #[error("{message}")]
    PartialCreate { id: String, outputs: PropertyMap, inputs: Option<PropertyMap>, message: String },
    #[error("internal error: {0}")]
    Internal(String),
    /// A component's child failed to register (the engine shows its own error too).
    #[error("child {name} ({token}) failed: {message}")]
    Child { name: String, token: String, message: String },
    /// A component's inputs are invalid: each input and what is wrong with it.
    #[error("{}", .0.iter().map(|(p, r)| format!("{p}: {r}")).collect::<Vec<_>>().join("; "))]
    InvalidInputs(Vec<(String, String)>),
}

impl Error {
    /// The AWS error code, when this is an AWS error.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => Some(code.as_str()),
            _ => None,
        }
    }

    /// Whether this is an AWS error with one of `codes`.
    pub fn is_code(&self, codes: &[&str]) -> bool {
        self.aws_code().is_some_and(|c| codes.contains(&c))
    }

    pub fn input(property: &str, reason: impl Into<String>) -> Error {
        Error::Input { property: property.into(), reason: reason.into() }
    }
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        let message = err.to_string();
        match err {
            Error::InvalidRequest(_) | Error::UnknownType(_) | Error::Input { .. } => Status::invalid_argument(message),
            Error::Config(_) => Status::failed_precondition(message),
            Error::Aws { .. } | Error::StillInUse(_) => Status::failed_precondition(message),
            Error::Timeout { .. } => Status::deadline_exceeded(message),
            Error::Cancelled => Status::cancelled(message),
            Error::NotImplemented(_) => Status::unimplemented(message),
            Error::Internal(_) => Status::internal(message),
            Error::Child { .. } => Status::failed_precondition(message),
            Error::InvalidInputs(list) => {
                let detail = crate::proto::pulumirpc::InputPropertiesError {
                    errors: list
                        .into_iter()
                        .map(|(property_path, reason)| crate::proto::pulumirpc::input_properties_error::PropertyError {
                            property_path,
                            reason,
                        })
                        .collect(),
                };
                let status = crate::proto::google::rpc::Status {
                    code: Code::InvalidArgument as i32,
                    message: message.clone(),
                    details: vec![prost_types::Any {
                        type_url: "type.googleapis.com/pulumirpc.InputPropertiesError".into(),
                        value: detail.encode_to_vec(),
                    }],
                };
                Status::with_details(Code::InvalidArgument, message, status.encode_to_vec().into())
            }
            Error::PartialCreate { id, outputs, inputs, message } => {
                let detail = ErrorResourceInitFailed {
                    id,
                    properties: Some(value::encode_struct(&outputs)),
                    reasons: vec![message.clone()],
                    inputs: inputs.as_ref().map(value::encode_struct),
                    refresh_before_update: false,
                };
                let status = crate::proto::google::rpc::Status {
                    code: Code::Unknown as i32,
                    message: message.clone(),
                    details: vec![prost_types::Any {
                        type_url: "type.googleapis.com/pulumirpc.ErrorResourceInitFailed".into(),
                        value: detail.encode_to_vec(),
                    }],
                };
                Status::with_details(Code::Unknown, message, status.encode_to_vec().into())
            }
        }
    }
}

/// Converts an AWS SDK error into `Error::Aws`, keeping the service's error code.
pub fn aws<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Error
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
        let code = err.code().unwrap_or_default().to_string();
        let message = match (err.code(), err.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
        };
        Error::Aws { operation, code, message }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
