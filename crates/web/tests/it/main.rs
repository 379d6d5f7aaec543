//! HTTP tests of Taskforce: the real router, driven request by request, over a real SQLite
//! database in a temporary folder (the demo network, or an empty one).

mod api;
mod forms;
mod harness;
mod pages;
mod service;
