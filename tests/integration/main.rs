//! tap's conformance suite: one test binary, driving the built provider over gRPC against moto.

mod harness;
mod network;
mod protocol;
mod vpc;
