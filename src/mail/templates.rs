//! The Korean mails the service sends.

pub struct Mail {
    pub subject: String,
    pub body: String,
}

pub fn verification_code_mail(code: &str, valid_minutes: u64) -> Mail {
    Mail {
        subject: "[우리가] 이메일 인증 코드".into(),
        body: format!(
            "안녕하세요, 우리가입니다.\n\n\
             이메일 인증 코드: {code}\n\n\
             {valid_minutes}분 안에 앱에 입력해 주세요.\n\
             요청하지 않으셨다면 이 메일을 무시하셔도 됩니다.\n"
        ),
    }
}

pub fn password_reset_mail(link: &str, valid_minutes: u64) -> Mail {
    Mail {
        subject: "[우리가] 비밀번호 재설정".into(),
        body: format!(
            "안녕하세요, 우리가입니다.\n\n\
             아래 링크에서 새 비밀번호를 설정해 주세요. 링크는 {valid_minutes}분 동안 한 번만 쓸 수 있습니다.\n\n\
             {link}\n\n\
             요청하지 않으셨다면 이 메일을 무시하셔도 됩니다. 비밀번호는 바뀌지 않습니다.\n"
        ),
    }
}

pub fn invitation_mail(inviter: &str, ledger_name: &str, app_url: &str) -> Mail {
    Mail {
        subject: format!("[우리가] {inviter}님이 '{ledger_name}' 가계부에 초대했습니다"),
        body: format!(
            "안녕하세요, 우리가입니다.\n\n\
             {inviter}님이 '{ledger_name}' 가계부에 초대했습니다.\n\
             우리가에 로그인하거나 이 이메일로 가입하면 초대를 확인할 수 있습니다.\n\n\
             {app_url}\n"
        ),
    }
}
