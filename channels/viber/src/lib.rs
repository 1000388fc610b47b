//! # regulars-viber (being written)
