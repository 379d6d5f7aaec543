//! Security headers that depend on the request or the configuration: the CSP nonce, HSTS, and
//! the session cookie's attributes.

use crate::harness::*;
use axum::http::StatusCode;
use taskforce_web::WebConfig;

fn nonce_of(reply: &Reply) -> String {
    let csp = reply.header("content-security-policy");
    between(csp, "'nonce-", "'")
        .unwrap_or_else(|| panic!("no nonce in {csp}"))
        .to_owned()
}

#[tokio::test]
async fn each_page_gets_its_own_csp_nonce_in_its_script_tags() {
    let site = Site::demo().await;
    let pages = [
        site.get("/").await.expect(StatusCode::OK),
        site.get("/").await.expect(StatusCode::OK),
        site.get_as(&Caller::Anonymous, "/sign-in")
            .await
            .expect(StatusCode::OK),
    ];
    let nonces: Vec<String> = pages.iter().map(nonce_of).collect();
    for (page, nonce) in pages.iter().zip(&nonces) {
        assert!(nonce.len() >= 22, "{nonce}: at least 128 bits");
        assert!(
            page.body.contains(&format!(
                "<script nonce=\"{nonce}\" src=\"/static/vendor/htmx.min.js\""
            )),
            "the page's script carries its nonce"
        );
        assert!(!page.body.contains("__CSP_NONCE__"));
        assert_eq!(
            page.body.matches("<script").count(),
            page.body.matches(&format!("nonce=\"{nonce}\"")).count()
        );
    }
    assert_ne!(nonces[0], nonces[1]);
    assert_ne!(nonces[1], nonces[2]);
    assert_ne!(nonces[0], nonces[2]);
}

#[tokio::test]
async fn hsts_and_secure_cookies_only_when_serving_tls() {
    let mut site = Site::empty().await;
    let sign_in = [
        ("email", BOOTSTRAP_EMAIL),
        ("password", BOOTSTRAP_PASSWORD),
        ("next", "/"),
    ];

    let plain = site
        .post_raw(&Caller::Anonymous, "/sign-in", &sign_in)
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(plain.headers.get("strict-transport-security").is_none());
    let cookie = plain.set_cookie().expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
    assert_eq!(attributes, vec!["Path=/", "HttpOnly", "SameSite=Strict"]);
    let health = site
        .get_as(&Caller::Anonymous, "/healthz")
        .await
        .expect(StatusCode::OK);
    assert!(health.headers.get("strict-transport-security").is_none());

    site.reconfigure(WebConfig {
        tls: true,
        ..WebConfig::default()
    });
    let secure = site
        .post_raw(&Caller::Anonymous, "/sign-in", &sign_in)
        .await
        .expect(StatusCode::SEE_OTHER);
    let hsts = secure.header("strict-transport-security");
    assert!(hsts.contains("max-age="), "{hsts}");
    let cookie = secure.set_cookie().expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
    assert_eq!(
        attributes,
        vec!["Path=/", "HttpOnly", "SameSite=Strict", "Secure"]
    );
    for path in ["/healthz", "/sign-in", "/static/app.css", "/nowhere"] {
        let reply = site.get_as(&Caller::Anonymous, path).await;
        assert!(
            reply.headers.get("strict-transport-security").is_some(),
            "{path}"
        );
    }
    // Signing out clears the cookie with the same attributes.
    let session = Session {
        email: BOOTSTRAP_EMAIL.into(),
        cookie: secure.session_cookie().expect("a cookie"),
        csrf: String::new(),
    };
    let page = site
        .get_as(&Caller::Session(session.clone()), "/sign-in/second-factor")
        .await
        .expect(StatusCode::OK);
    let session = Session {
        csrf: csrf_of(&page),
        ..session
    };
    let out = site
        .post_form_as(&Caller::Session(session), "/sign-out", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    let cleared = out.set_cookie().expect("the cookie is cleared");
    assert!(
        cleared.contains("HttpOnly") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}
