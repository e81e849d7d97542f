//! Command-line tools for mmstats files; the logic lives in `mmstats::tools`.
