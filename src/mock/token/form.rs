//! `application/x-www-form-urlencoded` bodies, read as the instance's servlet container reads them.

use std::borrow::Cow;

/// Decoded parameters in body order. Like Tomcat, a pair that does not decode (a bad `%` escape or
/// bytes that are not UTF-8) is skipped, and lookups return the first value of a repeated name.
/// Components that need no decoding are borrowed from the body.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Form<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Form<'a> {
    pub(crate) fn parse(body: &'a [u8]) -> Form<'a> {
        let pairs = body
            .split(|&byte| byte == b'&')
            .filter(|chunk| !chunk.is_empty())
            .filter_map(|chunk| {
                let (name, value) = match chunk.iter().position(|&byte| byte == b'=') {
                    Some(at) => (&chunk[..at], &chunk[at + 1..]),
                    None => (chunk, &b""[..]),
                };
                Some((decode(name)?, decode(value)?))
            })
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Form { pairs }
    }

    /// The same form, owning its text.
    pub(crate) fn into_owned(self) -> Form<'static> {
        let pairs = self.pairs.into_iter();
        Form {
            pairs: pairs
                .map(|(name, value)| (name.into_owned().into(), value.into_owned().into()))
                .collect(),
        }
    }

    /// The first value given for `name` (`ServletRequest.getParameter`).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// Decodes one form component: `+` is a space, `%XX` a byte; `None` for a bad escape or non-UTF-8.
pub(crate) fn decode(component: &[u8]) -> Option<Cow<'_, str>> {
    if !component.contains(&b'+') && !component.contains(&b'%') {
        return std::str::from_utf8(component).ok().map(Cow::Borrowed);
    }
    let mut bytes = Vec::with_capacity(component.len());
    let mut rest = component.iter();
    while let Some(&byte) = rest.next() {
        bytes.push(match byte {
            b'+' => b' ',
            b'%' => {
                let high = hex_value(*rest.next()?)?;
                let low = hex_value(*rest.next()?)?;
                high << 4 | low
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok().map(Cow::Owned)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_plus_and_percent_escapes() {
        let form = Form::parse(b"client_secret=a%2Bb+c%25%3A%2F%5B%7E&scope=useraccount");
        assert_eq!(form.get("client_secret"), Some("a+b c%:/[~"));
        assert_eq!(form.get("scope"), Some("useraccount"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn first_value_of_a_repeated_name_wins() {
        let form = Form::parse(b"grant_type=client_credentials&grant_type=password");
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
    }

    #[test]
    fn undecodable_pairs_are_skipped_and_the_rest_kept() {
        let form = Form::parse(b"a=%zz&b=%ff%fe&c=%4&d=ok&&=orphan&flag");
        assert_eq!(form.get("a"), None);
        assert_eq!(form.get("b"), None, "non-UTF-8 bytes");
        assert_eq!(form.get("c"), None, "truncated escape");
        assert_eq!(form.get("d"), Some("ok"));
        assert_eq!(form.get("flag"), Some(""));
        assert_eq!(form.get(""), None);
    }

    #[test]
    fn utf8_escapes_decode() {
        assert_eq!(decode(b"caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(decode(b"caf\xC3\xA9").as_deref(), Some("café"));
        assert_eq!(decode(b"caf\xC3"), None, "raw bytes that are not UTF-8");
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Form::parse(&body);
        }

        #[test]
        fn encoded_pairs_round_trip(
            pairs in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,24}"), 1..8)
        ) {
            let body: String = pairs
                .iter()
                .map(|(name, value)| {
                    let value = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC);
                    format!("{name}={value}")
                })
                .collect::<Vec<_>>()
                .join("&");
            let form = Form::parse(body.as_bytes());
            for (name, _) in &pairs {
                let first = pairs.iter().find(|(key, _)| key == name).map(|(_, v)| v.as_str());
                prop_assert_eq!(form.get(name), first);
            }
        }
    }
}
