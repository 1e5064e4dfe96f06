//! Who a `Federated` trust principal is: a web-identity issuer (and which audience key pins
//! its tokens), a SAML provider, or unknown. Shared by the graph (edge labels) and the WIF rules.

use super::{Expr, Model, ProviderKind, Symbol};
use crate::source::FileId;

/// Who a `Federated` principal is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Federated {
    /// A web-identity issuer, by host (`cognito-identity.amazonaws.com`,
    /// `token.actions.githubusercontent.com`, `oidc.eks.….amazonaws.com/id/…`).
    WebIdentity {
        host: String,
    },
    /// An OIDC provider whose URL could not be determined statically.
    UnknownWebIdentity,
    Saml,
    /// Neither: a value we cannot classify.
    Unknown,
}

pub const COGNITO: &str = "cognito-identity.amazonaws.com";

impl Federated {
    /// The condition key that pins the token's audience for this issuer.
    pub fn audience_key(&self) -> Option<String> {
        match self {
            Federated::WebIdentity { host } => Some(match host.as_str() {
                "graph.facebook.com" | "www.amazon.com" => format!("{host}:app_id"),
                _ => format!("{host}:aud"),
            }),
            _ => None,
        }
    }

    pub fn host(&self) -> Option<&str> {
        match self {
            Federated::WebIdentity { host } => Some(host),
            _ => None,
        }
    }
}

/// Classify a `Federated` principal value: a well-known issuer name, an OIDC/SAML provider
/// ARN, or a reference to a provider declared in the same file.
pub fn classify_federated(value: &Expr, model: &Model) -> Federated {
    classify_federated_in(value, model, &|a, b| a == b)
}

/// As [`classify_federated`], with references resolved in every file `same_scope` accepts
/// (the files of one Terraform module see each other's resources).
pub fn classify_federated_in(
    value: &Expr,
    model: &Model,
    same_scope: &dyn Fn(FileId, FileId) -> bool,
) -> Federated {
    if let Some(text) = value.as_literal() {
        let text = text.trim();
        if !text.starts_with("arn:") {
            return Federated::WebIdentity {
                host: text.to_ascii_lowercase(),
            };
        }
    }
    if let Some(resource) = value.arn_resource() {
        if let Some(host) = resource.strip_prefix("oidc-provider/") {
            return if host.contains("${") {
                Federated::UnknownWebIdentity
            } else {
                Federated::WebIdentity {
                    host: host.to_ascii_lowercase(),
                }
            };
        }
        if resource.starts_with("saml-provider/") {
            return Federated::Saml;
        }
    }
    let referenced = match value.as_symbol() {
        Some(Symbol::Resource(name)) => Some(name),
        Some(Symbol::Attribute { resource, .. }) => Some(resource),
        _ => None,
    };
    let provider = referenced.and_then(|name| {
        model
            .providers
            .iter()
            .find(|p| same_scope(p.resource.file, value.loc.file) && p.resource.name == *name)
    });
    match provider {
        Some(p) if p.kind == ProviderKind::Saml => Federated::Saml,
        Some(p) => match p.url_or_name.as_ref().and_then(Expr::as_literal) {
            Some(url) => Federated::WebIdentity {
                host: url
                    .trim()
                    .trim_start_matches("https://")
                    .trim_end_matches('/')
                    .to_ascii_lowercase(),
            },
            None => Federated::UnknownWebIdentity,
        },
        None => Federated::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Loc;

    fn classify(text: &str) -> Federated {
        classify_federated(&Expr::literal(text, Loc::default()), &Model::default())
    }

    #[test]
    fn classifies_issuers() {
        assert_eq!(
            classify("cognito-identity.amazonaws.com")
                .audience_key()
                .unwrap(),
            "cognito-identity.amazonaws.com:aud"
        );
        assert_eq!(
            classify("graph.facebook.com").audience_key().unwrap(),
            "graph.facebook.com:app_id"
        );
        assert_eq!(
            classify("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")
                .audience_key()
                .unwrap(),
            "token.actions.githubusercontent.com:aud"
        );
        assert_eq!(
            classify("arn:aws:iam::123456789012:saml-provider/Okta"),
            Federated::Saml
        );
    }
}
