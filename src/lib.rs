//! Kontra: counterparty due diligence — register, registry checks, sanctions screening, monitoring.

pub mod app;
pub mod background;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod exit;
pub mod http;
pub mod local_time;
pub mod logging;
pub mod monitor;
pub mod notify;
pub mod register;
pub mod rng;
pub mod sanctions;
pub mod sources;
pub mod store;
pub mod tui;
pub mod values;
