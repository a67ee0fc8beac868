//! RFC 8785 test vectors: the RFC's own examples and its number formatting table.

use migrate_runtime::canonical::{
    bytes_sha256, canonical_sha256, format_es6, hash_hex, reader_sha256, to_canonical_string,
};
use serde_json::Value;

fn canon(json: &str) -> String {
    let value: Value = serde_json::from_str(json).unwrap();
    to_canonical_string(&value)
}

#[test]
fn rfc_8785_section_3_2_2_example() {
    let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
    let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canon(input), expected);
}

#[test]
fn rfc_8785_section_3_2_3_sorts_keys_by_utf16_code_units() {
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33 in UTF-16 but
    // after it in UTF-8 or by code point: the case that tells the orders apart.
    assert_eq!(canon(input), expected);
}

#[test]
fn rfc_8785_appendix_b_number_formatting() {
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for (bits, expected) in cases {
        assert_eq!(
            format_es6(f64::from_bits(*bits)),
            *expected,
            "bits {bits:#018x}"
        );
    }
}

#[test]
fn numbers_as_parsed_from_json_text() {
    assert_eq!(
        canon("[1e30, 4.50, 0.002, 1e-7, -0, -0.0, 0, 100, 1E21, 1e20, 123456789012, -17]"),
        "[1e+30,4.5,0.002,1e-7,0,0,0,100,1e+21,100000000000000000000,123456789012,-17]"
    );
    // Integers past 2^53 are the double they denote, as in ECMAScript.
    assert_eq!(canon("[18446744073709551615]"), "[18446744073709552000]");
    assert_eq!(canon("[-9223372036854775808]"), "[-9223372036854776000]");
}

#[test]
fn strings_escape_as_json_stringify() {
    assert_eq!(
        canon(r#"["\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f/\u2028"]"#),
        "[\"\\u0000\\b\\t\\n\\f\\r\\u001f\u{7f}/\u{2028}\"]"
    );
}

#[test]
fn nested_objects_sort_and_drop_whitespace() {
    assert_eq!(
        canon(r#"{ "b": [ { "z": 1, "a": {} } ], "a": [] }"#),
        r#"{"a":[],"b":[{"a":{},"z":1}]}"#
    );
}

#[test]
fn canonical_hash_is_the_hash_of_the_canonical_bytes_and_ignores_key_order() {
    let a: Value = serde_json::from_str(r#"{"b":1,"a":[true,null]}"#).unwrap();
    let b: Value = serde_json::from_str(r#"{ "a": [true, null], "b": 1.0e0 }"#).unwrap();
    let expected = bytes_sha256(br#"{"a":[true,null],"b":1}"#);
    assert_eq!(canonical_sha256(&a), expected);
    assert_eq!(canonical_sha256(&b), expected);
    assert_eq!(
        reader_sha256(&br#"{"a":[true,null],"b":1}"#[..]).unwrap(),
        expected
    );
    // The well-known digest of the empty input pins the encoding of the prefix and hex.
    assert_eq!(
        bytes_sha256(b""),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn hash_hex_accepts_only_sha256_with_64_lowercase_hex() {
    let good = bytes_sha256(b"x");
    assert_eq!(hash_hex(&good), Some(&good[7..]));
    assert_eq!(hash_hex(&good.to_uppercase()), None);
    assert_eq!(hash_hex(&good[..good.len() - 1]), None);
    assert_eq!(hash_hex("sha256:../../etc/passwd"), None);
    assert_eq!(hash_hex(&good.replace("sha256:", "md5:")), None);
}

proptest::proptest! {
    /// Whatever the double, its ECMAScript text reads back as the same double.
    #[test]
    fn es6_format_round_trips(bits in proptest::prelude::any::<u64>()) {
        let f = f64::from_bits(bits);
        proptest::prop_assume!(f.is_finite());
        let text = format_es6(f);
        let back: f64 = text.parse().unwrap();
        proptest::prop_assert!(back == f, "{} printed as {}", f, text);
    }
}
