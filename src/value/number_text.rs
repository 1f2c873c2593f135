//! Decimal number text: which strings are decimal literals, and whether a float is exactly the
//! number a literal writes.

/// `[+-]digits[.digits][e[+-]digits]`, with at least one mantissa digit.
pub(super) fn is_decimal_literal(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = all_digits(whole) && all_digits(fraction) && whole.len() + fraction.len() > 0;
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && all_digits(digits)
    });
    mantissa_ok && exponent_ok
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// The exact decimal expansion of a finite float, e.g. `1.5e0`, `-1e-1`… (every float has one).
pub(super) fn exact_decimal(f: f64) -> String {
    // 767 significant digits are the most any f64 needs; Rust formats with a precision exactly.
    let text = format!("{f:.800e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        None => text,
    }
}

/// A decimal number as sign, significant digits and the power of ten of the last digit.
#[derive(Debug, PartialEq)]
pub(super) struct DecimalDigits {
    negative: bool,
    digits: String,
    exponent: i64,
}

impl DecimalDigits {
    /// The digits of a decimal literal; `None` when it is not one or its exponent is beyond i64.
    pub(super) fn parse(text: &str) -> Option<DecimalDigits> {
        if !is_decimal_literal(text) {
            return None;
        }
        let negative = text.starts_with('-');
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i64>().ok()?),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let joined = format!("{whole}{fraction}");
        let significant = joined.trim_start_matches('0');
        let digits = significant.trim_end_matches('0');
        if digits.is_empty() {
            return Some(DecimalDigits {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        let trailing_zeros = i64::try_from(significant.len() - digits.len()).ok()?;
        let fraction_len = i64::try_from(fraction.len()).ok()?;
        let exponent = exponent
            .checked_sub(fraction_len)?
            .checked_add(trailing_zeros)?;
        Some(DecimalDigits {
            negative,
            digits: digits.to_owned(),
            exponent,
        })
    }

    pub(super) fn is_exactly(&self, f: f64) -> bool {
        DecimalDigits::parse(&exact_decimal(f)).as_ref() == Some(self)
    }
}
