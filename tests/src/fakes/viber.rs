//! A loopback fake of the Viber REST bot API (being written).
