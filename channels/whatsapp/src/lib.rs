//! # regulars-whatsapp (being written)
