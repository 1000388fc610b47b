//! The card QR payload, `RG1.<public id>.<code>`, and its PNG and SVG rendering.
//!
//! `RG1` versions the format: a till that meets `RG2` can say "update the till" instead of
//! "unreadable". Every character is in the QR alphanumeric set (upper-case letters, digits,
//! `.`), so the 23-character payload fits a version 2 symbol (25 x 25 modules) at error
//! correction level M: large modules that a phone camera or a till scanner reads from a
//! screen at arm's length, even with some glare.

use std::fmt;

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

use crate::guest::GuestPublicId;
use crate::identity::totp::TillCode;
use crate::{Error, Result};

/// Prefix and version of the payload format.
pub const PAYLOAD_VERSION: &str = "RG1";

/// Pixels per QR module in the PNG: 10 px modules give a 330 px image (with the 4-module quiet
/// zone), comfortably above the ~4 px per module phone cameras need from a screen.
pub const PNG_MODULE_PX: u32 = 10;

/// Minimum side of the SVG in CSS pixels; it scales without loss beyond that.
pub const SVG_MIN_PX: u32 = 264;

/// What the card QR says: whose card and the code of the moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayload {
    public_id: GuestPublicId,
    code: TillCode,
}

/// Why a scanned text is not a card payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadProblem {
    /// Not a regulars card at all (another QR code, a product barcode).
    NotACard,
    /// A regulars card from a newer format than this till understands.
    UnsupportedVersion,
}

impl CardPayload {
    /// A payload for a guest and a code.
    #[must_use]
    pub fn new(public_id: GuestPublicId, code: TillCode) -> Self {
        Self { public_id, code }
    }

    /// Parses scanned text. Accepts lower case (some scanners change case) and surrounding
    /// whitespace (keyboard-wedge scanners append Enter).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `card_code`; [`CardPayload::diagnose`] tells why.
    pub fn parse(scanned: &str) -> Result<Self> {
        Self::parse_detailed(scanned).map_err(|p| match p {
            PayloadProblem::NotACard => Error::invalid("card_code", "this is not a regulars card QR code"),
            PayloadProblem::UnsupportedVersion => {
                Error::invalid("card_code", "this card comes from a newer version; update the till")
            }
        })
    }

    /// Like [`CardPayload::parse`], with the reason as a type the till can branch on.
    ///
    /// # Errors
    /// The [`PayloadProblem`].
    pub fn parse_detailed(scanned: &str) -> Result<Self, PayloadProblem> {
        let text = scanned.trim();
        let mut parts = text.split('.');
        let (Some(version), Some(id), Some(code), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(PayloadProblem::NotACard);
        };
        if !version.eq_ignore_ascii_case(PAYLOAD_VERSION) {
            // Bytes, not str slices: scanned text may hold multi-byte characters.
            let v = version.as_bytes();
            let looks_like_ours =
                v.len() >= 3 && v[..2].eq_ignore_ascii_case(b"RG") && v[2..].iter().all(u8::is_ascii_digit);
            return Err(if looks_like_ours { PayloadProblem::UnsupportedVersion } else { PayloadProblem::NotACard });
        }
        if code.len() != 6 {
            return Err(PayloadProblem::NotACard);
        }
        let public_id = GuestPublicId::parse(id).map_err(|_| PayloadProblem::NotACard)?;
        let code = TillCode::parse(code).map_err(|_| PayloadProblem::NotACard)?;
        Ok(Self { public_id, code })
    }

    /// Why `scanned` does not parse, if it does not.
    #[must_use]
    pub fn diagnose(scanned: &str) -> Option<PayloadProblem> {
        Self::parse_detailed(scanned).err()
    }

    /// Whose card.
    #[must_use]
    pub fn public_id(&self) -> &GuestPublicId {
        &self.public_id
    }

    /// The code it carries.
    #[must_use]
    pub fn code(&self) -> TillCode {
        self.code
    }

    fn qr(&self) -> Result<QrCode> {
        QrCode::with_error_correction_level(self.to_string().as_bytes(), EcLevel::M)
            .map_err(|e| Error::internal_from("card QR encoding failed", e))
    }

    /// The QR as an SVG document (black on white, with the quiet zone).
    ///
    /// # Errors
    /// [`Error::Internal`] if the QR cannot be encoded (it always fits).
    pub fn to_svg(&self) -> Result<String> {
        Ok(self
            .qr()?
            .render::<svg::Color<'_>>()
            .min_dimensions(SVG_MIN_PX, SVG_MIN_PX)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build())
    }

    /// The QR as a grayscale PNG, [`PNG_MODULE_PX`] pixels per module, quiet zone included.
    ///
    /// # Errors
    /// [`Error::Internal`] if encoding fails.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let qr = self.qr()?;
        render_png(&qr.to_colors(), qr.width())
    }
}

impl fmt::Display for CardPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PAYLOAD_VERSION}.{}.{}", self.public_id, self.code)
    }
}

/// Quiet zone in modules, as the QR standard asks.
const QUIET_MODULES: usize = 4;

/// A 1-bit grayscale PNG, rows filtered `Up` and compressed with the fast encoder: every
/// module row repeats `scale` times, so `Up` turns all but the first into zeros. A card is
/// shown on every "my card", so this is on the bot's hot path (an 8-bit image with adaptive
/// filters took about a millisecond).
fn render_png(modules: &[Color], width: usize) -> Result<Vec<u8>> {
    let scale = PNG_MODULE_PX as usize;
    let side_modules = width + 2 * QUIET_MODULES;
    let side = side_modules * scale;
    let row_bytes = side.div_ceil(8);
    let mut pixels = Vec::with_capacity(row_bytes * side);
    for my in 0..side_modules {
        // White is 1 in 1-bit grayscale; padding bits at the end of a row are white too.
        let mut row = vec![0xFF_u8; row_bytes];
        let inside = (QUIET_MODULES..QUIET_MODULES + width).contains(&my);
        for mx in QUIET_MODULES..QUIET_MODULES + width {
            if inside && modules[(my - QUIET_MODULES) * width + (mx - QUIET_MODULES)] == Color::Dark {
                for x in mx * scale..(mx + 1) * scale {
                    row[x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        for _ in 0..scale {
            pixels.extend_from_slice(&row);
        }
    }
    let side_px = u32::try_from(side).map_err(|_| Error::internal("QR image too large"))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_px, side_px);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_filter(png::Filter::Up);
    encoder.set_compression(png::Compression::Fast);
    let fail = |e: png::EncodingError| Error::internal_from("card PNG encoding failed", e);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&pixels).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> CardPayload {
        CardPayload::new(GuestPublicId::parse("0123456789AB").unwrap(), TillCode::parse("004217").unwrap())
    }

    #[test]
    fn renders_and_parses_back() {
        let p = payload();
        assert_eq!(p.to_string(), "RG1.0123456789AB.004217");
        assert_eq!(CardPayload::parse(&p.to_string()).unwrap(), p);
        assert_eq!(CardPayload::parse("rg1.0123456789ab.004217\r\n").unwrap(), p);
    }

    proptest::proptest! {
        #[test]
        fn any_card_round_trips(id in "[0-9A-HJKMNP-TV-Z]{12}", code in 0u32..1_000_000) {
            let p = CardPayload::new(GuestPublicId::parse(&id).unwrap(), TillCode::from_u32(code).unwrap());
            proptest::prop_assert_eq!(CardPayload::parse(&p.to_string()).unwrap(), p);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = CardPayload::parse(&text);
        }
    }

    #[test]
    fn refuses_what_is_not_a_card() {
        for bad in [
            "",
            "4006381333931",
            "RG1.0123456789AB",
            "RG1.0123456789AB.4217",
            "RG1.0123456789AB.004217.x",
            "RG1.0123456789AI.004217",
            "XX1.0123456789AB.004217",
            "RG1.0123456789AB.00421a",
        ] {
            assert_eq!(CardPayload::diagnose(bad), Some(PayloadProblem::NotACard), "{bad}");
        }
        assert_eq!(CardPayload::diagnose("RG2.0123456789AB.004217"), Some(PayloadProblem::UnsupportedVersion));
        assert!(CardPayload::parse("RG2.0123456789AB.004217").unwrap_err().to_string().contains("newer"));
    }

    #[test]
    fn the_png_shows_every_module_where_it_belongs() {
        let p = payload();
        let qr = p.qr().unwrap();
        let png = p.to_png().unwrap();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let (side, width) = (info.width as usize, qr.width());
        let scale = PNG_MODULE_PX as usize;
        let colors = qr.to_colors();
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / scale, y / scale);
                let inside = (QUIET_MODULES..QUIET_MODULES + width).contains(&mx)
                    && (QUIET_MODULES..QUIET_MODULES + width).contains(&my);
                let dark = inside && colors[(my - QUIET_MODULES) * width + (mx - QUIET_MODULES)] == Color::Dark;
                let value = pixels[y * info.line_size + x];
                assert_eq!(value == 0, dark, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn svg_and_png_are_well_formed_and_sized_for_a_camera() {
        let p = payload();
        let svg = p.to_svg().unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        let png = p.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR width: version 2 is 25 modules, plus 2 x 4 quiet modules, times 10 px.
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(width, (25 + 8) * PNG_MODULE_PX);
        assert!(png.len() < 4_096, "a QR PNG should be tiny, was {}", png.len());
        assert_eq!(p.qr().unwrap().version(), qrcode::Version::Normal(2));
    }
}
