//! Parsing Python `struct` format strings (owned by the reader work).
