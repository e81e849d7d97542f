//! Read-side access to shared bytes (owned by the reader work).
