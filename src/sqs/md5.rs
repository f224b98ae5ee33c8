//! The MD5 digests SQS returns and SDKs verify (wire.md §1.7).

use md5::{Digest, Md5};

use super::model::{MessageAttributeValue, MessageAttributes};

/// Lower-case hex of a 16-byte digest.
pub fn hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
    out
}

/// MD5 of the UTF-8 body.
pub fn md5_of_body(body: &str) -> [u8; 16] {
    Md5::digest(body.as_bytes()).into()
}

fn put(h: &mut Md5, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

/// MD5 over message attributes: names sorted, each as length-prefixed name, data type,
/// a transport byte and the length-prefixed value. `None` when there are no attributes.
pub fn md5_of_attributes<'a>(
    attrs: impl IntoIterator<Item = (&'a String, &'a MessageAttributeValue)>,
) -> Option<String> {
    let mut h = Md5::new();
    let mut any = false;
    for (name, value) in attrs {
        any = true;
        put(&mut h, name.as_bytes());
        put(&mut h, value.data_type.as_bytes());
        if let Some(bin) = &value.binary_value {
            h.update([2u8]);
            put(&mut h, bin);
        } else if let Some(s) = &value.string_value {
            h.update([1u8]);
            put(&mut h, s.as_bytes());
        } else if !value.string_list_values.is_empty() {
            h.update([3u8]);
            for s in &value.string_list_values {
                put(&mut h, s.as_bytes());
            }
        } else {
            h.update([4u8]);
            for s in &value.binary_list_values {
                put(&mut h, s.as_bytes());
            }
        }
    }
    any.then(|| hex(&h.finalize()))
}

/// MD5 of a full attribute map (sorted by the map's order).
pub fn md5_of_attribute_map(attrs: &MessageAttributes) -> Option<String> {
    md5_of_attributes(attrs.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: Some(v.into()),
            ..Default::default()
        }
    }

    #[test]
    fn body_md5_matches_known_vector() {
        assert_eq!(
            hex(&md5_of_body("hello")),
            "5d41402abc4b2a76b9719d911017c592"
        );
    }

    #[test]
    fn attribute_md5_matches_wire_vectors() {
        let mut m = MessageAttributes::new();
        m.insert("s".into(), s("v"));
        assert_eq!(
            md5_of_attribute_map(&m).as_deref(),
            Some("f711c779386017be0858627ced765df3")
        );
        m.insert(
            "b".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                binary_value: Some(vec![1, 2]),
                ..Default::default()
            },
        );
        m.insert(
            "n".into(),
            MessageAttributeValue {
                data_type: "Number.int".into(),
                string_value: Some("5".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            md5_of_attribute_map(&m).as_deref(),
            Some("d7693a5b0204d42ff123219abe4c00ef")
        );
    }

    #[test]
    fn system_attribute_md5_matches_wire_vector() {
        let mut m = MessageAttributes::new();
        m.insert("AWSTraceHeader".into(), s("Root=1-abc"));
        assert_eq!(
            md5_of_attribute_map(&m).as_deref(),
            Some("4777fe4e8f0ac8a9a8da35539c6fb198")
        );
    }

    #[test]
    fn no_attributes_means_no_md5() {
        assert_eq!(md5_of_attribute_map(&MessageAttributes::new()), None);
    }
}
