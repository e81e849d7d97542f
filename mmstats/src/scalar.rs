//! The number types that gauges and static fields hold.
#![forbid(unsafe_code)]

use crate::format::Code;
use crate::shm::region::Word;

/// A number type a [`Gauge`](crate::Gauge) or [`Static`](crate::Static)
/// can hold: `u64`, `u32`, `u16`, `u8`, `i64`, `i32`, `i16`, `i8`, `f64`,
/// `f32` and `bool`.
///
/// ```
/// use mmstats::{format::Code, Gauge, MmStats, Scalar};
///
/// #[derive(MmStats)]
/// struct Stats {
///     load: Gauge<f32>,
/// }
///
/// assert_eq!(<f32 as Scalar>::CODE, Code::F32); // written as `f`
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.load.set(0.5);
/// assert_eq!(stats.load.get(), 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Scalar: Copy + std::fmt::Debug + sealed::Sealed {
    /// The `struct` code written to the file.
    const CODE: Code;
    #[doc(hidden)]
    type Word: Word;
    #[doc(hidden)]
    fn to_word(self) -> Self::Word;
    #[doc(hidden)]
    fn from_word(word: Self::Word) -> Self;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

macro_rules! scalar {
    ($t:ty, $code:ident, $word:ty, $to:expr, $from:expr) => {
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            const CODE: Code = Code::$code;
            type Word = $word;
            #[inline(always)]
            fn to_word(self) -> $word {
                let to: fn($t) -> $word = $to;
                to(self)
            }
            #[inline(always)]
            fn from_word(word: $word) -> $t {
                let from: fn($word) -> $t = $from;
                from(word)
            }
        }
    };
}

scalar!(u64, U64, u64, |v| v, |w| w);
scalar!(u32, U32, u32, |v| v, |w| w);
scalar!(u16, U16, u16, |v| v, |w| w);
scalar!(u8, U8, u8, |v| v, |w| w);
scalar!(i64, I64, u64, |v| v as u64, |w| w as i64);
scalar!(i32, I32, u32, |v| v as u32, |w| w as i32);
scalar!(i16, I16, u16, |v| v as u16, |w| w as i16);
scalar!(i8, I8, u8, |v| v as u8, |w| w as i8);
scalar!(f64, F64, u64, f64::to_bits, f64::from_bits);
scalar!(f32, F32, u32, f32::to_bits, f32::from_bits);
scalar!(bool, Bool, u8, u8::from, |w| w != 0);
