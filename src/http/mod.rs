//! Outbound HTTP shared by every part of Kontra that talks to the network (registry sources,
//! sanctions list downloads, webhooks): how a client is built and how a failed request is
//! retried. What a response means stays with its caller.

pub mod client;
pub mod retry;
