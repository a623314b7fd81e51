//! VietQR bank transfers: the EMVCo "merchant-presented" QR payload that every Vietnamese
//! banking app scans (NAPAS 247, service `QRIBFTTA`: transfer to an account), with the
//! amount and the order's reference filled in, and its SVG.
//!
//! Payload: TLV fields `ID(2) LEN(2) VALUE`, in this order: `00` format `01`, `01` dynamic
//! (`12`), `38` the beneficiary (`00` NAPAS GUID `A000000727`, `01` {`00` bank BIN,
//! `01` account}, `02` `QRIBFTTA`), `53` currency `704` (VND), `54` amount, `58` `VN`,
//! `62` {`08` purpose: the reference}, and `63` the CRC-16/CCITT-FALSE of everything before
//! it, `6304` included, as four upper-case hex digits.

use std::sync::LazyLock;

/// The NAPAS member banks and their BINs (`data/banks_napas.csv`, compiled in).
static BANKS_CSV: &str = include_str!("../../../data/banks_napas.csv");

/// Longest transfer reference banks carry through (and the reference field allows).
pub const MAX_REFERENCE_CHARS: usize = 19;
/// Longest account number in the payload.
/// The longest account number field 38 carries.
pub const MAX_ACCOUNT_CHARS: usize = 19;

/// A NAPAS member bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    /// The 6-digit BIN that identifies the bank in a VietQR payload.
    pub bin: String,
    pub code: String,
    pub short_name: String,
    pub name: String,
    pub swift: Option<String>,
}

static BANKS: LazyLock<Vec<Bank>> = LazyLock::new(|| {
    BANKS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            let bank = Bank {
                bin: f.next()?.to_owned(),
                code: f.next()?.to_owned(),
                short_name: f.next()?.to_owned(),
                name: f.next()?.to_owned(),
                swift: f.next().filter(|s| !s.is_empty()).map(str::to_owned),
            };
            Some(bank)
        })
        .collect()
});

/// Every NAPAS member bank, by BIN.
pub fn banks() -> &'static [Bank] {
    &BANKS
}

/// The bank with this BIN.
pub fn bank(bin: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.bin == bin)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("unknown bank BIN {0}")]
    UnknownBank(String),
    #[error("account numbers are 1 to 19 letters and digits")]
    Account,
    #[error("the amount must be between 1 and 9,999,999,999,999 đồng")]
    Amount,
    #[error("references are 1 to 19 unaccented letters, digits and spaces")]
    Reference,
}

/// One transfer to ask for.
#[derive(Debug, Clone, Copy)]
pub struct Transfer<'a> {
    pub bin: &'a str,
    pub account: &'a str,
    /// Đồng (VND has no minor unit).
    pub amount: i64,
    /// See [`reference`].
    pub reference: &'a str,
}

/// A transfer reference from any text (an order code, a name): diacritics removed (`đ` →
/// `d`), upper case, letters and digits kept, other characters dropped or turned into single
/// spaces, at most [`MAX_REFERENCE_CHARS`]. Banks show it to both sides and many strip
/// anything else.
pub fn reference(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(MAX_REFERENCE_CHARS);
    let mut space = false;
    for c in text.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'D',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c.to_ascii_uppercase(),
        };
        if c.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
        if out.len() >= MAX_REFERENCE_CHARS {
            break;
        }
    }
    out.truncate(MAX_REFERENCE_CHARS);
    out.trim_end().to_owned()
}

fn field(out: &mut String, id: &str, value: &str) {
    out.push_str(id);
    out.push_str(&format!("{:02}", value.len()));
    out.push_str(value);
}

/// The payload of a dynamic VietQR for `t`, CRC included.
pub fn payload(t: &Transfer<'_>) -> Result<String, VietQrError> {
    if bank(t.bin).is_none() {
        return Err(VietQrError::UnknownBank(t.bin.to_owned()));
    }
    if t.account.is_empty()
        || t.account.len() > MAX_ACCOUNT_CHARS
        || !t.account.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(VietQrError::Account);
    }
    if !(1..=9_999_999_999_999).contains(&t.amount) {
        return Err(VietQrError::Amount);
    }
    if t.reference.is_empty()
        || t.reference.len() > MAX_REFERENCE_CHARS
        || !t
            .reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ')
    {
        return Err(VietQrError::Reference);
    }
    let mut beneficiary = String::new();
    field(&mut beneficiary, "00", t.bin);
    field(&mut beneficiary, "01", t.account);
    let mut account_info = String::new();
    field(&mut account_info, "00", "A000000727");
    field(&mut account_info, "01", &beneficiary);
    field(&mut account_info, "02", "QRIBFTTA");
    let mut additional = String::new();
    field(&mut additional, "08", t.reference);

    let mut out = String::with_capacity(160);
    field(&mut out, "00", "01");
    field(&mut out, "01", "12");
    field(&mut out, "38", &account_info);
    field(&mut out, "53", "704");
    field(&mut out, "54", &t.amount.to_string());
    field(&mut out, "58", "VN");
    field(&mut out, "62", &additional);
    out.push_str("6304");
    let crc = crc16_ccitt(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    Ok(out)
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR), as
/// EMVCo QR codes use.
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The QR code of `payload` as a standalone SVG (black on white, quiet zone included).
pub fn svg(payload: &str) -> Result<String, qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// Why a code could not be drawn as an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("qr: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("png: {0}")]
    Png(#[from] image::ImageError),
}

/// The code as a PNG (8 pixels a module, the standard 4-module quiet zone), for a phone to
/// save to its photos: a banking app scans codes from there, not from its own screen.
pub fn png(payload: &str) -> Result<Vec<u8>, ImageError> {
    use image::ImageEncoder;
    const SCALE: u32 = 8;
    const QUIET: u32 = 4;
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)?;
    let modules = u32::try_from(code.width()).unwrap_or(u32::MAX / 64);
    let side = (modules + 2 * QUIET) * SCALE;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([255]));
    for (i, color) in (0u32..).zip(code.to_colors()) {
        if color == qrcode::Color::Dark {
            let (x, y) = ((i % modules + QUIET) * SCALE, (i / modules + QUIET) * SCALE);
            for dy in 0..SCALE {
                for dx in 0..SCALE {
                    img.put_pixel(x + dx, y + dy, image::Luma([0]));
                }
            }
        }
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(
        img.as_raw(),
        side,
        side,
        image::ExtendedColorType::L8,
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_the_code_with_its_quiet_zone() {
        let payload = "00020101021238570010A000000727012700069704360113001100000000102080QRIBFTTA53037045802VN6304ABCD";
        let png = png(payload).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let modules = u32::try_from(
            qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
                .unwrap()
                .width(),
        )
        .unwrap();
        assert_eq!(img.width(), (modules + 8) * 8);
        // White quiet zone, then the top-left finder pattern's dark corner.
        assert_eq!(img.get_pixel(4, 4).0, [255]);
        assert_eq!(img.get_pixel(32, 32).0, [0]);
    }

    /// A QR reader (rqrr, independent of the encoder) reads the saved image back to the
    /// exact payload a banking app would get.
    #[test]
    fn a_reader_reads_the_saved_image_back_to_its_payload() {
        let transfer = Transfer {
            bin: "970436",
            account: "0011000000001",
            amount: 1_250_000,
            reference: "KN000007 KETNOI",
        };
        let payload = super::payload(&transfer).unwrap();
        let img = image::load_from_memory(&png(&payload).unwrap())
            .unwrap()
            .to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, payload);
    }

    #[test]
    fn the_bank_list_is_complete_and_well_formed() {
        assert!(banks().len() >= 60, "{}", banks().len());
        for b in banks() {
            assert_eq!(b.bin.len(), 6, "{b:?}");
            assert!(b.bin.bytes().all(|c| c.is_ascii_digit()), "{b:?}");
            assert!(!b.name.is_empty() && !b.code.is_empty(), "{b:?}");
        }
        assert_eq!(bank("970436").map(|b| b.code.as_str()), Some("VCB"));
        assert_eq!(bank("970405").map(|b| b.code.as_str()), Some("AGRIBANK"));
    }

    #[test]
    fn crc_matches_the_check_value() {
        // The standard check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
    }

    /// The documented example of an independent implementation (npm vietnam-qr-pay).
    #[test]
    fn payload_matches_a_known_one() {
        let p = payload(&Transfer {
            bin: "970416",
            account: "257678859",
            amount: 10_000,
            reference: "Chuyen tien",
        })
        .unwrap();
        assert_eq!(
            p,
            "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6"
        );
    }

    #[test]
    fn references_are_unaccented_and_short() {
        assert_eq!(reference("Đơn hàng #KN-2026-000123"), "DON HANG KN 2026 00");
        assert_eq!(reference("kn2611-0042"), "KN2611 0042");
        assert_eq!(reference("  --  "), "");
        assert!(reference(&"ằ".repeat(40)).len() <= MAX_REFERENCE_CHARS);
    }

    #[test]
    fn bad_transfers_are_refused() {
        let ok = Transfer {
            bin: "970436",
            account: "0011001234567",
            amount: 150_000,
            reference: "KN2611 0042",
        };
        assert!(payload(&ok).is_ok());
        let refused = [
            Transfer {
                bin: "999999",
                ..ok
            },
            Transfer { account: "", ..ok },
            Transfer {
                account: "12-34",
                ..ok
            },
            Transfer { amount: 0, ..ok },
            Transfer { amount: -5, ..ok },
            Transfer {
                reference: "Đơn",
                ..ok
            },
            Transfer {
                reference: "",
                ..ok
            },
            Transfer {
                reference: "12345678901234567890",
                ..ok
            },
        ];
        for t in refused {
            assert!(payload(&t).is_err(), "{t:?}");
        }
    }

    #[test]
    fn the_svg_is_a_qr_code() {
        let svg = svg("00020101021238530010A000000727").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#000000"));
    }
}
