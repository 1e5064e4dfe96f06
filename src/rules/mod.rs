//! Rule modules, their registry and the runner.
//!
//! A rule reads the IAM [`Model`] (and, for relation rules, the graph) through a
//! [`RuleContext`] and reports [`Finding`]s. Rules never see YAML, JSON or format syntax. Each
//! rule is one file declaring its metadata with [`declare_rule!`]; its documentation page
//! `rules/<CODE>.md` is compiled into the binary for `iamlint explain`.

mod cog;
mod esc;
pub mod shared;
mod sup;
mod wif;
mod xac;

use rayon::prelude::*;

use crate::finding::{Finding, Severity};
use crate::graph::{AccountKey, FileFacts, IamGraph};
use crate::model::{AccountRef, Model};
use crate::source::{FileId, Loc};

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// `rules/<CODE>.md`.
    pub docs: &'static str,
}

impl RuleMeta {
    /// Whether `selector` (a code or a name, any case) names this rule.
    pub fn is_named(&self, selector: &str) -> bool {
        self.code.eq_ignore_ascii_case(selector) || self.name.eq_ignore_ascii_case(selector)
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut RuleContext<'_>);
}

/// Declare a rule: a unit struct and its [`RuleMeta`], with the doc page embedded.
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        pub $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            severity: $severity:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[$attr])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $kebab,
                severity: $crate::finding::Severity::$severity,
                summary: $summary,
                docs: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, ".md")),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by code.
pub static ALL_RULES: &[&dyn Rule] = &[
    &cog::identity_pool_allows_unauthenticated::IdentityPoolAllowsUnauthenticated,
    &cog::identity_pool_classic_flow::IdentityPoolClassicFlow,
    &cog::unauthenticated_role_overprivileged::UnauthenticatedRoleOverprivileged,
    &cog::identity_pool_role_trust_mismatch::IdentityPoolRoleTrustMismatch,
    &cog::user_pool_weak_sign_in::UserPoolWeakSignIn,
    &esc::external_path_to_admin::ExternalPathToAdmin,
    &sup::suppression_without_reason::SuppressionWithoutReason,
    &wif::web_identity_trust_without_audience::WebIdentityTrustWithoutAudience,
    &wif::cognito_trust_without_amr::CognitoTrustWithoutAmr,
    &wif::oidc_trust_without_subject::OidcTrustWithoutSubject,
    &wif::saml_trust_without_audience::SamlTrustWithoutAudience,
    &wif::wildcard_federated_principal::WildcardFederatedPrincipal,
    &xac::cross_account_trust_unscoped::CrossAccountTrustUnscoped,
    &xac::any_aws_principal_trust::AnyAwsPrincipalTrust,
    &xac::public_resource_policy::PublicResourcePolicy,
    &xac::service_principal_without_source::ServicePrincipalWithoutSource,
];

/// Find a rule by code or name.
pub fn find_rule(selector: &str) -> Option<&'static dyn Rule> {
    ALL_RULES
        .iter()
        .copied()
        .find(|r| r.meta().is_named(selector))
}

/// Everything a rule may look at, and where its findings go.
pub struct RuleContext<'a> {
    pub model: &'a Model,
    pub graph: &'a IamGraph,
    files: &'a [FileFacts],
    meta: &'static RuleMeta,
    severity: Severity,
    findings: Vec<Finding>,
}

impl<'a> RuleContext<'a> {
    /// Start a finding of the running rule at `loc`.
    pub fn finding(&self, loc: Loc, resource: &str, message: String) -> Finding {
        Finding::new(self.meta, loc, resource, message).with_severity(self.severity)
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// The account a file belongs to (the unnamed own account when no account matches it).
    pub fn account_of(&self, file: FileId) -> &AccountKey {
        self.files
            .get(file.0 as usize)
            .map_or(&AccountKey::Unnamed, |f| &f.account)
    }

    /// Whether an account reference found in `file` names another account than the file's
    /// own: a literal id that differs from the file's configured id. `${AWS::AccountId}` is
    /// the own account; an unnamed own account is distinct from every literal id.
    pub fn is_other_account(&self, account: &AccountRef, file: FileId) -> bool {
        match (account, self.account_of(file)) {
            (AccountRef::Id(id), AccountKey::Id(own)) => id != own,
            (AccountRef::Id(_), AccountKey::Unnamed) => true,
            _ => false,
        }
    }

    /// The severity configured for the running rule (its default unless overridden).
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

/// Which rules run, and with what severity.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these (codes or names); empty means all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severity overrides by code.
    pub severities: Vec<(String, Severity)>,
}

impl Selection {
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| meta.is_named(s)))
            && !self.ignore.iter().any(|s| meta.is_named(s))
    }

    fn severity(&self, meta: &RuleMeta) -> Severity {
        self.severities
            .iter()
            .rev()
            .find(|(code, _)| meta.is_named(code))
            .map_or(meta.severity, |(_, sev)| *sev)
    }

    /// Selectors that name no rule: a typo in `--select` must not silently disable checks.
    pub fn unknown_selectors(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(self.severities.iter().map(|(code, _)| code))
            .filter(|s| find_rule(s).is_none())
            .cloned()
            .collect()
    }
}

/// Run the selected rules over the model, in parallel. The result is not sorted.
pub fn run(
    model: &Model,
    graph: &IamGraph,
    files: &[FileFacts],
    selection: &Selection,
) -> Vec<Finding> {
    ALL_RULES
        .par_iter()
        .filter(|rule| selection.enabled(rule.meta()))
        .flat_map_iter(|rule| {
            let meta = rule.meta();
            let mut cx = RuleContext {
                model,
                graph,
                files,
                meta,
                severity: selection.severity(meta),
                findings: Vec::new(),
            };
            rule.check(&mut cx);
            cx.findings
        })
        .collect()
}
