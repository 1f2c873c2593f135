//! Removes secrets from text a vendor sent back, before it reaches an error, a diagnostic or a
//! log. Vendors echo what they signed when a signature does not match: Alibaba quotes its
//! canonical request (with the `x-acs-security-token` header) or its v1 string to sign (with
//! `SecurityToken`, percent-encoded twice), Tencent's legacy API echoes query strings with
//! `Signature` and `Token`. Two rules together cover them: every known secret is replaced in
//! each of the encodings it can travel in, and whatever follows a signature, token or secret
//! label (`Signature=`, `x-acs-security-token:`, `SecurityToken%3D`, `"Token": "`) is masked,
//! known or not.

use super::percent;

/// What stands where a secret was.
pub const REDACTED: &str = "<redacted>";

/// Labels whose value is a secret, matched without regard to case.
const SECRET_LABELS: &[&str] = &["signature", "token", "secret", "secret_key", "secretkey"];

/// Between a label and its value: `=`, `:`, their percent-encodings (once or twice), a JSON
/// key's closing quote, and spaces.
const SEPARATORS: &[&str] = &["%253d", "%253a", "%3d", "%3a", "=", ":"];

/// The secrets of one set of credentials, in every form a vendor may echo them.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret's encoded form is replaced whole before a part of it is.
    forms: Vec<String>,
}

impl Redactor {
    /// A redactor for these secrets (secret keys, session tokens); empty ones are ignored.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms: Vec<String> = secrets
            .into_iter()
            .filter(|secret| !secret.is_empty())
            .flat_map(|secret| {
                let once = percent::encode(secret);
                let twice = percent::encode(&once);
                let json = secret.replace('/', "\\/");
                [secret.to_owned(), once, twice, json]
            })
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Redactor { forms }
    }

    /// `text` with every secret it holds replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let known_removed = self.forms.iter().fold(text.to_owned(), |text, form| {
            text.replace(form.as_str(), REDACTED)
        });
        mask_labelled_values(&known_removed)
    }
}

/// Replaces the value after every secret label with [`REDACTED`].
fn mask_labelled_values(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some((label_end, value_start)) = next_label(&lower, search) {
        let value_end = value_start + value_length(&text[value_start..], &lower[value_start..]);
        search = label_end;
        if value_end == value_start || text[value_start..value_end] == *REDACTED {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(REDACTED);
        copied = value_end;
        search = value_end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The next label at or after `from`: where the label ends and where its value starts.
fn next_label(lower: &str, from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for label in SECRET_LABELS {
        let mut at = from;
        while let Some(found) = lower[at..].find(label).map(|i| i + at) {
            let label_end = found + label.len();
            if let Some(value_start) = after_separator(lower, label_end) {
                if best.is_none_or(|(end, _)| label_end < end) {
                    best = Some((label_end, value_start));
                }
                break;
            }
            at = label_end;
        }
    }
    best
}

/// Where a value starts, when a separator follows `at` (else `None`: the word only contains a
/// label, as in `SignatureMethod` or `TokenFailure`).
fn after_separator(lower: &str, at: usize) -> Option<usize> {
    let rest = &lower[at..];
    let quote = usize::from(rest.starts_with('"'));
    let separator = SEPARATORS
        .iter()
        .find(|separator| rest[quote..].starts_with(*separator))?;
    let start = at + quote + separator.len();
    let skipped = lower[start..]
        .find(|c: char| c != ' ' && c != '"')
        .unwrap_or(lower.len() - start);
    Some(start + skipped)
}

/// How long the value at the start of `text` is: the characters tokens, signatures and keys
/// are made of, up to an encoded `&` or `,` that separates the next parameter.
fn value_length(text: &str, lower: &str) -> usize {
    let bytes = text.as_bytes();
    let mut run = 0;
    while run < bytes.len() {
        let byte = bytes[run];
        if byte.is_ascii_alphanumeric() || b"+/=_.~-%*".contains(&byte) {
            run += 1;
        } else if byte == b'\\' && bytes.get(run + 1) == Some(&b'/') {
            // JSON may escape `/` as `\/`: still the same value.
            run += 2;
        } else {
            break;
        }
    }
    ["%26", "%2526", "%2c", "%252c"]
        .iter()
        .filter_map(|delimiter| lower[..run].find(delimiter))
        .min()
        .unwrap_or(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "CAIS+sts/Token==abc";
    const SECRET: &str = "wr0ng-Secret/Key";

    fn redactor() -> Redactor {
        Redactor::new([SECRET, TOKEN, ""])
    }

    fn assert_clean(text: &str) {
        let redacted = redactor().redact(text);
        for secret in [TOKEN, SECRET, "CAIS", "wr0ng"] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        let once = percent::encode(TOKEN);
        assert!(!redacted.contains(&once), "{redacted}");
    }

    #[test]
    fn an_alibaba_v3_canonical_request_loses_its_security_token() {
        let message = format!(
            "The request signature does not match. Server string to sign is: \"ACS3-HMAC-SHA256\\n1f2e\"; canonical request is: \"POST\\n/\\n\\nhost:127.0.0.1\\nx-acs-action:DescribeAccounts\\nx-acs-security-token:{TOKEN}\\nx-acs-signature-nonce:abc\\n\""
        );
        assert_clean(&message);
        let redacted = redactor().redact(&message);
        assert!(
            redacted.contains("x-acs-security-token:<redacted>\\nx-acs-signature-nonce:abc"),
            "{redacted}"
        );
        assert!(redacted.contains("x-acs-action:DescribeAccounts"));
    }

    #[test]
    fn an_alibaba_v1_string_to_sign_loses_a_token_encoded_twice() {
        let once = percent::encode(TOKEN);
        let twice = percent::encode(&once);
        let message = format!(
            "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DSTS.abc%26Action%3DDescribeAccounts%26SecurityToken%3D{twice}%26SignatureMethod%3DHMAC-SHA1"
        );
        assert_clean(&message);
        let redacted = redactor().redact(&message);
        assert!(redacted.starts_with("Specified signature is not matched"));
        assert!(
            redacted.contains("SecurityToken%3D<redacted>%26SignatureMethod%3DHMAC-SHA1"),
            "{redacted}"
        );
    }

    #[test]
    fn labelled_values_are_masked_even_when_they_are_not_known() {
        let redactor = Redactor::new([]);
        let cases = [
            (
                "Authorization: TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cdb/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8",
                "Signature=<redacted>",
            ),
            (
                "GETcdb.api.qcloud.com/v2/index.php?Action=X&Nonce=1&SecretId=AKID&Signature=PSWU/v4+f=&Token=t0k3n&user=app",
                "&Signature=<redacted>&Token=<redacted>&user=app",
            ),
            (r#"{"SecurityToken": "abc.def", "x": 1}"#, r#""SecurityToken": "<redacted>", "x""#),
            ("X-TC-Token:abc123 next", "X-TC-Token:<redacted> next"),
            ("secret_key=hunter2&x=1", "secret_key=<redacted>&x=1"),
            ("Signature%253Dabc%2526Nonce", "Signature%253D<redacted>%2526Nonce"),
            (r#""Token":"ab\/cd+ef","#, r#""Token":"<redacted>","#),
        ];
        for (text, expected) in cases {
            let redacted = redactor.redact(text);
            assert!(redacted.contains(expected), "{text} → {redacted}");
        }
    }

    #[test]
    fn words_that_only_contain_a_label_are_left_alone() {
        let redactor = Redactor::new([]);
        for text in [
            "AuthFailure.SignatureFailure: The provided credentials could not be validated.",
            "SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=abc",
            "AuthFailure.TokenFailure",
            "Specified signature is not matched with our calculation.",
            "InvalidAccessKeySecret",
        ] {
            assert_eq!(redactor.redact(text), text);
        }
    }

    #[test]
    fn a_known_secret_is_removed_wherever_it_stands() {
        assert_eq!(
            redactor().redact(&format!("key {SECRET} and {TOKEN}.")),
            "key <redacted> and <redacted>."
        );
        assert_eq!(
            redactor().redact(&format!("json {}", TOKEN.replace('/', "\\/"))),
            "json <redacted>"
        );
    }
}
