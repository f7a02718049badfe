//! Measurement tooling for Kontra's sanctions screening, kept out of the product library:
//! a generated evaluation set with recall and false-alert figures per class (`generate`), the
//! self-recall of every listed name (`self_recall`), and false alerts on real company names
//! (`real_names`). The `kontra-eval` binary runs them and the speed bench, and puts a shared
//! Kontra under load (`server_load`).

pub mod generate;
pub mod real_names;
pub mod self_recall;
pub mod server_load;
