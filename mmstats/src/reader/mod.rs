//! Reading mmstats files (owned by the reader work).
