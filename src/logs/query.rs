//! TEMPORARY SHIM (replaced by the activity branch).
use super::LogsEngine;
impl LogsEngine {
    pub fn request_lines(
        &self,
        _a: &str,
        _r: &str,
        _g: &str,
        _s: &str,
        _id: &str,
    ) -> Vec<(i64, String)> {
        Vec::new()
    }
}
