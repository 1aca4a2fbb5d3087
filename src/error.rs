//! tap's one error type, and what AWS's error codes mean per service (gone, still in use). How an
//! error reaches the engine (a gRPC status) is the provider's business: `provider::status`.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::value::PropertyMap;

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
    /// An input that check should have rejected reached an operation (a value only knowable at
    /// run time).
    #[error("property {property}: {reason}")]
    Input { property: String, reason: String },
    /// AWS answered with an error (or could not be reached).
    #[error("{operation} failed: {message}")]
    Aws { service: Service, operation: &'static str, code: String, message: String, fault: Fault },
    /// The resource is still in use (DependencyViolation and friends) past the deadline.
    #[error("{0}")]
    StillInUse(String),
    /// A name the resource needs is taken by something tap did not make for it.
    #[error("{0}")]
    Taken(String),
    #[error("{what} did not finish within {seconds} s")]
    Timeout { what: String, seconds: u64 },
    #[error("the operation was cancelled")]
    Cancelled,
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

/// What kind of failure an AWS error is, for deciding whether the call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// AWS refused the request (a bad input, a missing resource, a conflict).
    Refused,
    /// AWS throttled the request: it was not carried out.
    Throttled,
    /// A 5xx, a reset connection, a timeout: the call may or may not have been carried out.
    Transient,
}

const THROTTLING_CODES: [&str; 10] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// The AWS service an error came from: each names "gone" and "in use" its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ec2,
    Kms,
    Iam,
    Logs,
    S3,
    S3Control,
    ApiGateway,
    Sts,
    Tagging,
}

impl Service {
    /// Whether `code` says the thing asked about does not exist.
    fn gone(self, code: &str) -> bool {
        match self {
            // InvalidVpcID.NotFound, InvalidRouteTableID.NotFound, InvalidAssociationID.NotFound, …
            Service::Ec2 => code.ends_with("NotFound"),
            Service::Kms | Service::ApiGateway => code == "NotFoundException",
            Service::Iam => code == "NoSuchEntity",
            Service::Logs => code == "ResourceNotFoundException",
            // HeadBucket answers a bare 404 `NotFound`.
            Service::S3 => matches!(code, "NoSuchBucket" | "NotFound"),
            // The account has no public access block.
            Service::S3Control => code == "NoSuchPublicAccessBlockConfiguration",
            Service::Sts | Service::Tagging => false,
        }
    }

    /// Whether `code` says something else still uses the thing.
    fn in_use(self, code: &str) -> bool {
        match self {
            Service::Ec2 => matches!(code, "DependencyViolation" | "InvalidGroup.InUse" | "ResourceInUse"),
            Service::Iam => code == "DeleteConflict",
            Service::ApiGateway => code == "ConflictException",
            Service::S3 => code == "BucketNotEmpty",
            Service::Kms | Service::Logs | Service::S3Control | Service::Sts | Service::Tagging => false,
        }
    }
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

    /// Whether AWS said the resource does not exist.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Aws { service, code, .. } if service.gone(code))
    }

    /// Whether the call was throttled (not carried out) or failed in a way that may have
    /// carried it out (5xx, reset connection, timeout): sending it again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Aws { fault: Fault::Throttled | Fault::Transient, .. })
    }

    /// Whether AWS throttled the call (so it was certainly not carried out).
    pub fn is_throttled(&self) -> bool {
        matches!(self, Error::Aws { fault: Fault::Throttled, .. })
    }

    /// Whether AWS said something else still uses the resource.
    pub fn is_in_use(&self) -> bool {
        matches!(self, Error::Aws { service, code, .. } if service.in_use(code))
    }

    pub fn input(property: &str, reason: impl Into<String>) -> Error {
        Error::Input { property: property.into(), reason: reason.into() }
    }
}

/// Converts an AWS SDK error into `Error::Aws`, keeping the service's error code and whether
/// the call may be sent again.
pub fn aws<E>(service: Service, operation: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| {
        let code = err.code().unwrap_or_default().to_string();
        let message = match (err.code(), err.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
        };
        let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
        let fault = if THROTTLING_CODES.contains(&code.as_str()) || status == 429 {
            Fault::Throttled
        } else {
            match &err {
                SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
                    Fault::Transient
                }
                _ if status >= 500 => Fault::Transient,
                _ => Fault::Refused,
            }
        };
        Error::Aws { service, operation, code, message, fault }
    }
}

impl From<crate::value::DecodeError> for Error {
    fn from(e: crate::value::DecodeError) -> Error {
        Error::InvalidRequest(e.message().to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn aws_error(service: Service, code: &str) -> Error {
        Error::Aws { service, operation: "Op", code: code.into(), message: code.into(), fault: Fault::Refused }
    }

    #[test]
    fn each_service_names_gone_and_in_use_its_own_way() {
        assert!(aws_error(Service::Ec2, "InvalidVpcID.NotFound").is_gone());
        assert!(aws_error(Service::Ec2, "InvalidRouteTableAssociationID.NotFound").is_gone());
        assert!(aws_error(Service::Iam, "NoSuchEntity").is_gone());
        assert!(aws_error(Service::Logs, "ResourceNotFoundException").is_gone());
        assert!(aws_error(Service::S3, "NotFound").is_gone());
        assert!(!aws_error(Service::S3, "NoSuchTagSet").is_gone(), "no tags is not no bucket");
        assert!(!aws_error(Service::Iam, "NotFoundException").is_gone());
        assert!(aws_error(Service::Ec2, "DependencyViolation").is_in_use());
        assert!(aws_error(Service::Iam, "DeleteConflict").is_in_use());
        assert!(!aws_error(Service::Kms, "DependencyViolation").is_in_use());
        assert!(!Error::Cancelled.is_gone());
    }
}
