//! The `#[derive(MmStats)]` macro (being written).
use proc_macro::TokenStream;

/// Derives `mmstats::MmStats` (being written).
#[proc_macro_derive(MmStats, attributes(mmstats))]
pub fn derive_mmstats(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
