//! Placeholder: the writer's model (being written).
/// A field's place in the file being built.
pub struct Slot<'a>(core::marker::PhantomData<&'a ()>);
