//! The one mapping of tap's errors to gRPC statuses, with the details the engine understands
//! (`ErrorResourceInitFailed` for partial creations, `InputPropertiesError` for component inputs).

use prost::Message;
use tonic::{Code, Status};

use crate::error::Error;
use crate::proto::google::rpc::Status as RpcStatus;
use crate::proto::pulumirpc::{input_properties_error::PropertyError, ErrorResourceInitFailed, InputPropertiesError};
use crate::value;

/// A status whose `grpc-status-details-bin` carries `detail` (PROTOCOL.md §7).
fn with_detail(code: Code, message: String, type_name: &str, detail: Vec<u8>) -> Status {
    let status = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details: vec![prost_types::Any { type_url: format!("type.googleapis.com/{type_name}"), value: detail }],
    };
    Status::with_details(code, message, status.encode_to_vec().into())
}

/// Every message leaves without the secrets tap has seen (AWS's own error texts may quote them).
fn scrub(text: &str) -> String {
    crate::secrets::scrub(text).into_owned()
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        let message = scrub(&err.to_string());
        match err {
            Error::InvalidRequest(_) | Error::UnknownType(_) | Error::Input { .. } => Status::invalid_argument(message),
            Error::Config(_) | Error::Aws { .. } | Error::StillInUse(_) | Error::Taken(_) | Error::Child { .. } => {
                Status::failed_precondition(message)
            }
            Error::Timeout { .. } => Status::deadline_exceeded(message),
            Error::Cancelled => Status::cancelled(message),
            Error::Internal(_) => Status::internal(message),
            Error::InvalidInputs(list) => {
                let detail = InputPropertiesError {
                    errors: list
                        .into_iter()
                        .map(|(property_path, reason)| PropertyError { reason: scrub(&reason), property_path })
                        .collect(),
                };
                with_detail(Code::InvalidArgument, message, "pulumirpc.InputPropertiesError", detail.encode_to_vec())
            }
            Error::PartialCreate { id, outputs, inputs, message } => {
                let detail = ErrorResourceInitFailed {
                    id,
                    properties: Some(value::encode_struct(&outputs)),
                    reasons: vec![scrub(&message)],
                    inputs: inputs.as_ref().map(value::encode_struct),
                    // What a partial creation recorded may be behind AWS: read it again first.
                    refresh_before_update: true,
                };
                with_detail(Code::Unknown, scrub(&message), "pulumirpc.ErrorResourceInitFailed", detail.encode_to_vec())
            }
        }
    }
}

impl From<value::DecodeError> for Status {
    fn from(err: value::DecodeError) -> Status {
        Status::invalid_argument(scrub(&err.to_string()))
    }
}
