//! How the person receives the result (R8.2): the ways a service allows for its level, the
//! person's choice (with the address, and the postage when the post charges it), and the
//! return step that follows the choice.
use serde::{Deserialize, Serialize};

use crate::catalogue::{Channel, Classification};
use crate::event::ReturnChannel;
use crate::lifecycle::{Act, Stage};

impl ReturnChannel {
    pub const ALL: [ReturnChannel; 3] = [Self::Office, Self::Online, Self::Post];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::Online => "online",
            Self::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// As the person reads it when choosing, and staff when returning.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Office => "Nhận tại bộ phận một cửa",
            Self::Online => "Nhận trực tuyến (tải về bản điện tử)",
            Self::Post => "Nhận qua bưu chính công ích (bưu gửi bảo đảm)",
        }
    }

    /// The return step of this way.
    pub fn act(self) -> Act {
        match self {
            Self::Office => Act::ReturnAtOffice,
            Self::Online => Act::ReturnOnline,
            Self::Post => Act::ReturnByPost,
        }
    }
}

/// The ways a service's result may be received, in the order offered:
/// - at the office, always (R8.2a; "in person" of R8.2b);
/// - online, where the service is full-process (level 4, R8.2b; Decree 42/2022 Art. 11: the
///   result of a full-process service is returned online or by the public postal service);
/// - by registered post, where the service is full-process (R8.2b) or the procedure is carried
///   out through the public postal service (its methods list the post: Decision 45/2016/QĐ-TTg
///   on receiving dossiers and returning results by the public postal service).
pub fn allowed(classification: Classification, methods: &[Channel]) -> Vec<ReturnChannel> {
    let full = classification == Classification::Full;
    let mut out = vec![ReturnChannel::Office];
    if full {
        out.push(ReturnChannel::Online);
    }
    if full || methods.contains(&Channel::Postal) {
        out.push(ReturnChannel::Post);
    }
    out
}

/// The way a dossier takes when nobody chose another: the office, which every service allows
/// (R8.2a).
pub const DEFAULT: ReturnChannel = ReturnChannel::Office;

/// Where the post takes the result: the recipient, a phone the postman calls, the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostTo {
    pub recipient: String,
    pub phone: String,
    pub address: String,
}

/// The person's choice, as kept with the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultDelivery {
    pub channel: ReturnChannel,
    /// The address, when by post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostTo>,
    /// The postage the post collects from the person on delivery, in đồng, as published when
    /// the choice was made; none when the post charges nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postage: Option<i64>,
}

impl ResultDelivery {
    /// How the choice reads on pages and slips: the way, and for the post the address.
    pub fn label_vi(&self) -> String {
        match &self.post {
            Some(p) => format!(
                "{}: {}, {}",
                self.channel.label_vi(),
                p.recipient,
                p.address
            ),
            None => self.channel.label_vi().to_string(),
        }
    }
}

/// A refused choice: the field it concerns and why.
pub type Refusal = (&'static str, String);

/// Checks a choice as the person states it: a way the service allows and, by post, a whole
/// address. `postage` is the post's published charge (0: none).
pub fn choose(
    allowed: &[ReturnChannel],
    channel: &str,
    post: Option<PostTo>,
    postage: i64,
) -> Result<ResultDelivery, Refusal> {
    let offered = || {
        allowed
            .iter()
            .map(|c| c.label_vi().to_lowercase())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let ch = ReturnChannel::parse(channel)
        .filter(|c| allowed.contains(c))
        .ok_or_else(|| {
            (
                "result_channel",
                format!(
                    "Chọn cách nhận kết quả dịch vụ này cho phép: {}.",
                    offered()
                ),
            )
        })?;
    if ch != ReturnChannel::Post {
        return Ok(ResultDelivery {
            channel: ch,
            post: None,
            postage: None,
        });
    }
    let p = post.unwrap_or(PostTo {
        recipient: String::new(),
        phone: String::new(),
        address: String::new(),
    });
    // Lengths are counted as typed (trimmed, before normalising), as the API's schema states.
    let typed = |s: &str, range: std::ops::RangeInclusive<usize>| {
        let t = s.trim();
        range.contains(&t.chars().count()) && !t.chars().any(char::is_control)
    };
    if !typed(&p.recipient, 2..=200) {
        return Err((
            "post_recipient",
            "Người nhận: nhập họ và tên (từ 2 đến 200 ký tự).".into(),
        ));
    }
    let recipient = crate::text::clean(&p.recipient);
    let phone = crate::identity::check_phone(&p.phone)
        .map_err(|m| ("post_phone", format!("Điện thoại người nhận: {m}")))?;
    let address = crate::text::clean(&p.address);
    if !typed(&p.address, 10..=300) {
        return Err((
            "post_address",
            "Nhập địa chỉ nhận bưu gửi đủ số nhà, đường hoặc thôn, xã hoặc phường, tỉnh hoặc thành phố (từ 10 đến 300 ký tự)."
                .into(),
        ));
    }
    Ok(ResultDelivery {
        channel: ch,
        post: Some(PostTo {
            recipient,
            phone,
            address,
        }),
        postage: (postage > 0).then_some(postage),
    })
}

/// Whether the person may still choose or change: until the result is returned or the
/// dossier otherwise ends (R8.2).
pub fn may_change(stage: Stage) -> bool {
    !stage.is_final()
}

/// Whether `act` follows the person's choice: a return step only by the way they chose (R8.2).
/// Without a choice (dossiers from before it was asked, and those the national portal sends,
/// which it returns online itself) any return step the table allows.
pub fn follows(choice: Option<&ResultDelivery>, act: Act) -> bool {
    let returns = ReturnChannel::ALL.iter().any(|c| c.act() == act);
    !returns || choice.is_none_or(|c| c.channel.act() == act)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReturnChannel::*;

    fn to(address: &str) -> Option<PostTo> {
        Some(PostTo {
            recipient: "Nguyễn Văn An".into(),
            phone: "0912 345 678".into(),
            address: address.into(),
        })
    }

    #[test]
    fn the_level_decides_the_ways() {
        let (inp, online, post) = (Channel::InPerson, Channel::Online, Channel::Postal);
        assert_eq!(
            allowed(Classification::Full, &[inp, online]),
            [Office, Online, Post]
        );
        assert_eq!(allowed(Classification::Partial, &[inp, online]), [Office]);
        assert_eq!(
            allowed(Classification::Partial, &[inp, online, post]),
            [Office, Post]
        );
    }

    #[test]
    fn a_choice_is_checked() {
        let ways = [Office, Post];
        assert_eq!(
            choose(&ways, "online", None, 0).unwrap_err().0,
            "result_channel"
        );
        assert_eq!(choose(&ways, "", None, 0).unwrap_err().0, "result_channel");
        let office = choose(&ways, "office", to("x"), 25_000).unwrap();
        assert_eq!((office.post, office.postage), (None, None));
        assert_eq!(
            choose(&ways, "post", None, 0).unwrap_err().0,
            "post_recipient"
        );
        assert_eq!(
            choose(&ways, "post", to("Huế"), 0).unwrap_err().0,
            "post_address"
        );
        let p = choose(
            &ways,
            "post",
            to(" 12 Lê Lợi, phường Nghĩa Lộ, Quảng Ngãi "),
            25_000,
        )
        .unwrap();
        let addr = p.post.as_ref().unwrap();
        assert_eq!(addr.phone, "0912345678");
        assert_eq!(addr.address, "12 Lê Lợi, phường Nghĩa Lộ, Quảng Ngãi");
        assert_eq!(p.postage, Some(25_000));
        assert_eq!(
            choose(&ways, "post", to("12 Lê Lợi, Quảng Ngãi"), 0)
                .unwrap()
                .postage,
            None
        );
    }

    #[test]
    fn the_return_step_follows_the_choice() {
        let post = choose(&[Post], "post", to("12 Lê Lợi, Quảng Ngãi"), 0).unwrap();
        assert!(follows(Some(&post), Act::ReturnByPost));
        assert!(!follows(Some(&post), Act::ReturnAtOffice));
        assert!(!follows(Some(&post), Act::ReturnOnline));
        assert!(follows(Some(&post), Act::Accept));
        for c in ReturnChannel::ALL {
            assert!(follows(None, c.act()));
        }
    }

    #[test]
    fn it_changes_until_the_result_is_returned() {
        assert!(may_change(Stage::Resolved));
        assert!(may_change(Stage::Draft));
        assert!(!may_change(Stage::Returned));
    }
}
