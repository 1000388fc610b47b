//! A loopback fake of the WhatsApp Cloud API (being written).
