//! The working-day calendars this process has read, by the database's calendar version token
//! (`holiday_version`, migration 0014): an event write reads one row instead of the whole
//! `holiday` table. Exact across servers because every write to `holiday` replaces the token in
//! its transaction; a token names one content of the table wherever it is found.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use ketnap_domain::calendar::Calendar;

/// Calendars kept; the map is emptied when full (tokens change only on holiday edits).
const KEEP: usize = 64;

static CALENDARS: LazyLock<Mutex<HashMap<String, Calendar>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The calendar read under `token`, if this process has it.
pub fn get(token: &str) -> Option<Calendar> {
    CALENDARS.lock().ok().and_then(|m| m.get(token).cloned())
}

/// Keeps the calendar read under `token`.
pub fn put(token: String, calendar: Calendar) {
    if let Ok(mut m) = CALENDARS.lock() {
        if m.len() >= KEEP {
            m.clear();
        }
        m.insert(token, calendar);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_by_token_and_bounded() {
        let cal = Calendar::default();
        put("a-token-of-this-test".into(), cal.clone());
        assert_eq!(get("a-token-of-this-test"), Some(cal.clone()));
        assert_eq!(get("another-token-of-this-test"), None);
        for i in 0..KEEP + 1 {
            put(format!("filler-{i}"), cal.clone());
        }
        let n = CALENDARS.lock().map(|m| m.len()).unwrap_or(usize::MAX);
        assert!(n <= KEEP, "{n} calendars kept");
    }
}
