//! The JSON a Table API request body may be (catalogue §12): standard JSON, or the lenient form an instance also
//! reads, where any string (a key or a value) may be single-quoted (`{'urgency':'1'}`, as ServiceNow's own
//! examples send). Anything else (an unterminated quote, a string opened with one quote and closed with the
//! other, trailing text) is refused with a typed error, never a panic.

use serde_json::{Map, Number, Value};
use thiserror::Error;

/// How deep arrays and objects may nest before the body is refused (instead of exhausting the stack).
const MAX_DEPTH: usize = 128;

/// Why a body is not (lenient) JSON, with the byte offset where reading stopped.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub(crate) enum LenientJsonError {
    #[error("the body is not UTF-8")]
    NotUtf8,
    #[error("unexpected end of the body")]
    UnexpectedEnd,
    #[error("unexpected character at byte {0}")]
    Unexpected(usize),
    #[error("unterminated string starting at byte {0}")]
    UnterminatedString(usize),
    #[error("invalid escape at byte {0}")]
    InvalidEscape(usize),
    #[error("invalid number at byte {0}")]
    InvalidNumber(usize),
    #[error("nested deeper than {MAX_DEPTH} levels at byte {0}")]
    TooDeep(usize),
    #[error("text after the value at byte {0}")]
    TrailingText(usize),
}

/// Reads `body` as JSON whose strings may also be single-quoted.
pub(crate) fn parse(body: &[u8]) -> Result<Value, LenientJsonError> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let text = std::str::from_utf8(body).map_err(|_| LenientJsonError::NotUtf8)?;
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.at < text.len() {
        return Err(LenientJsonError::TrailingText(reader.at));
    }
    Ok(value)
}

struct Reader<'t> {
    text: &'t str,
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let next = self.peek()?;
        self.at += next.len_utf8();
        Some(next)
    }

    fn skip_space(&mut self) {
        while let Some(' ' | '\t' | '\n' | '\r') = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), LenientJsonError> {
        self.skip_space();
        match self.peek() {
            Some(found) if found == wanted => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(LenientJsonError::Unexpected(self.at)),
            None => Err(LenientJsonError::UnexpectedEnd),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, LenientJsonError> {
        self.skip_space();
        match self.peek() {
            None => Err(LenientJsonError::UnexpectedEnd),
            Some('{') => self.object(depth + 1),
            Some('[') => self.array(depth + 1),
            Some(quote @ ('"' | '\'')) => self.string(quote).map(Value::String),
            Some('-' | '0'..='9') => self.number(),
            Some(_) => self.word(),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, LenientJsonError> {
        if depth > MAX_DEPTH {
            return Err(LenientJsonError::TooDeep(self.at));
        }
        self.at += 1;
        let mut members = Map::new();
        self.skip_space();
        if self.peek() == Some('}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_space();
            let key = match self.peek() {
                Some(quote @ ('"' | '\'')) => self.string(quote)?,
                Some(_) => return Err(LenientJsonError::Unexpected(self.at)),
                None => return Err(LenientJsonError::UnexpectedEnd),
            };
            self.expect(':')?;
            let value = self.value(depth)?;
            members.insert(key, value);
            self.skip_space();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return Ok(Value::Object(members)),
                Some(_) => return Err(LenientJsonError::Unexpected(self.at - 1)),
                None => return Err(LenientJsonError::UnexpectedEnd),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, LenientJsonError> {
        if depth > MAX_DEPTH {
            return Err(LenientJsonError::TooDeep(self.at));
        }
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(Value::Array(items)),
                Some(_) => return Err(LenientJsonError::Unexpected(self.at - 1)),
                None => return Err(LenientJsonError::UnexpectedEnd),
            }
        }
    }

    /// A string opened by `quote`, which only the same quote closes.
    fn string(&mut self, quote: char) -> Result<String, LenientJsonError> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            let Some(next) = self.bump() else {
                return Err(LenientJsonError::UnterminatedString(start));
            };
            match next {
                found if found == quote => return Ok(text),
                '\\' => text.push(self.escape()?),
                control if control < ' ' => return Err(LenientJsonError::Unexpected(self.at - 1)),
                other => text.push(other),
            }
        }
    }

    fn escape(&mut self) -> Result<char, LenientJsonError> {
        let at = self.at;
        let escaped = match self.bump() {
            Some('"') => '"',
            Some('\'') => '\'',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(at),
            Some(_) => return Err(LenientJsonError::InvalidEscape(at)),
            None => return Err(LenientJsonError::UnexpectedEnd),
        };
        Ok(escaped)
    }

    /// `\uXXXX`, with a surrogate pair read as one character; a lone surrogate is refused.
    fn unicode_escape(&mut self, at: usize) -> Result<char, LenientJsonError> {
        let high = self.hex4(at)?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).ok_or(LenientJsonError::InvalidEscape(at));
        }
        if !self.text[self.at..].starts_with("\\u") {
            return Err(LenientJsonError::InvalidEscape(at));
        }
        self.at += 2;
        let low = self.hex4(at)?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(LenientJsonError::InvalidEscape(at));
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        char::from_u32(code).ok_or(LenientJsonError::InvalidEscape(at))
    }

    fn hex4(&mut self, at: usize) -> Result<u32, LenientJsonError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .ok_or(LenientJsonError::InvalidEscape(at))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| LenientJsonError::InvalidEscape(at))
    }

    fn number(&mut self) -> Result<Value, LenientJsonError> {
        let start = self.at;
        let length = self.text[start..]
            .find(|c: char| !matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
            .unwrap_or(self.text.len() - start);
        self.at += length;
        let digits = &self.text[start..self.at];
        serde_json::from_str::<Number>(digits)
            .map(Value::Number)
            .map_err(|_| LenientJsonError::InvalidNumber(start))
    }

    fn word(&mut self) -> Result<Value, LenientJsonError> {
        let rest = &self.text[self.at..];
        for (word, value) in [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ] {
            if rest.starts_with(word) {
                self.at += word.len();
                return Ok(value);
            }
        }
        Err(LenientJsonError::Unexpected(self.at))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn single_quoted_strings_are_read_as_servicenow_examples_send_them() {
        let body = br#"{'short_description':'Unable to connect to office wifi','urgency':'1', "impact": 2}"#;
        let expected = json!({
            "short_description": "Unable to connect to office wifi",
            "urgency": "1",
            "impact": 2,
        });
        assert_eq!(parse(body), Ok(expected));
        assert_eq!(
            parse(br#"{'it\'s':"a \"b\" 'c'"}"#),
            Ok(json!({"it's": "a \"b\" 'c'"}))
        );
        assert_eq!(
            parse(br"['\u00e9\ud83d\ude00', null, true]"),
            Ok(json!(["é😀", null, true]))
        );
    }

    #[test]
    fn malformed_bodies_are_refused_with_where_reading_stopped() {
        let cases: [(&[u8], LenientJsonError); 7] = [
            (b"{'urgency':'1}", LenientJsonError::UnterminatedString(11)),
            (b"{'urgency\":1}", LenientJsonError::UnterminatedString(1)),
            (b"{\"urgency':1}", LenientJsonError::UnterminatedString(1)),
            (b"{'a':1} x", LenientJsonError::TrailingText(8)),
            (b"{'a':01x}", LenientJsonError::InvalidNumber(5)),
            (b"{'a':'\\q'}", LenientJsonError::InvalidEscape(7)),
            (b"\xff", LenientJsonError::NotUtf8),
        ];
        for (body, expected) in cases {
            assert_eq!(
                parse(body),
                Err(expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse(deep.as_bytes()),
            Err(LenientJsonError::TooDeep(MAX_DEPTH))
        );
        assert_eq!(parse(b"{'a':"), Err(LenientJsonError::UnexpectedEnd));
    }

    /// Any JSON value: strings drawn from characters that need escaping as well as plain ones.
    fn any_value() -> impl Strategy<Value = Value> {
        let text = "[a-z'\"\\\\ é😀\n\t]{0,8}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(text, inner, 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// `value` written with every string single-quoted (a `'` inside escaped, a `"` left as it is).
    fn single_quoted(value: &Value) -> String {
        let quote = |text: &str| {
            let json = serde_json::to_string(text).expect("a string serialises");
            let inner = &json[1..json.len() - 1];
            format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
        };
        match value {
            Value::String(text) => quote(text),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(single_quoted).collect();
                format!("[{}]", items.join(","))
            }
            Value::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(key, value)| format!("{} : {}", quote(key), single_quoted(value)))
                    .collect();
                format!("{{ {} }}", members.join(", "))
            }
            other => other.to_string(),
        }
    }

    proptest! {
        #[test]
        fn standard_json_reads_as_serde_reads_it(value in any_value()) {
            let text = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(parse(text.as_bytes()), Ok(value));
        }

        #[test]
        fn single_quoted_json_reads_as_the_same_value(value in any_value()) {
            let text = single_quoted(&value);
            prop_assert_eq!(parse(text.as_bytes()), Ok(value), "{}", text);
        }

        #[test]
        fn any_bytes_are_read_or_refused_without_a_panic(body in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&body);
        }

        #[test]
        fn a_cut_short_body_is_refused(value in any_value(), cut in 1usize..64) {
            let text = single_quoted(&value);
            prop_assume!(text.starts_with(['{', '[', '\'']));
            let end = text.char_indices().map(|(at, _)| at).filter(|at| *at > 0).nth(cut - 1);
            prop_assume!(end.is_some_and(|end| end < text.len()));
            let short = &text[..end.unwrap_or_default()];
            prop_assert!(parse(short.as_bytes()).is_err(), "{}", short);
        }

        #[test]
        fn lenient_text_of_quotes_and_braces_never_panics(body in "[{}\\[\\]'\":,a1\\\\ ]{0,40}") {
            let _ = parse(body.as_bytes());
        }
    }
}
