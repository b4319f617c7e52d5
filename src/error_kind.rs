//! What kind of failure an error is: the request was wrong, the machine
//! (a file, the network, AWS) is, or the operation is already running. The
//! CLI's exit code and the dashboard's `kind` both follow from it.

/// The kind of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request names something that does not exist or cannot be
    /// combined (unknown model, bad profile name, malformed preset).
    InvalidRequest,
    /// A file, the keyring, the network or AWS is in the way.
    BrokenEnvironment,
    /// The same operation is already running.
    Busy,
}

impl ErrorKind {
    /// The CLI's exit code: 2 for a wrong request, 1 for a broken
    /// environment, 75 (EX_TEMPFAIL) when busy.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::InvalidRequest => 2,
            ErrorKind::BrokenEnvironment => 1,
            ErrorKind::Busy => 75,
        }
    }

    /// The `kind` the dashboard branches on.
    pub fn ui_name(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid",
            ErrorKind::BrokenEnvironment => "environment",
            ErrorKind::Busy => "busy",
        }
    }
}

/// An error that knows its [`ErrorKind`].
pub trait HasKind: std::fmt::Display {
    fn kind(&self) -> ErrorKind;
}

/// [`ErrorKind::InvalidRequest`] when `invalid`, else
/// [`ErrorKind::BrokenEnvironment`].
pub fn request_or_environment(invalid: bool) -> ErrorKind {
    if invalid {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::BrokenEnvironment
    }
}
