//! A fake Edge Impulse Studio (work in progress).
