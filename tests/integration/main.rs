//! tap's conformance suite: one test binary, driving the built provider over gRPC against moto.

mod cli;
mod harness;
mod lifecycle;
mod network;
mod platform;
mod posture;
mod protocol;
mod reliability;
mod secrets;
mod secure_region;
mod vpc;
