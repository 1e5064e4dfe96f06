//! Rule modules, their registry and the runner.
//!
//! A rule reads the IAM [`Model`] (and, for relation rules, the graph) through a
//! [`RuleContext`] and reports [`Finding`]s. Rules never see YAML, JSON or format syntax. Each
//! rule is one file declaring its metadata with [`declare_rule!`]; its documentation page
//! `rules/<CODE>.md` is compiled into the binary for `iamlint explain`.
//!
//! A rule with options (from its `[rules.CODE]` table in `iamlint.toml`) declares them as a
//! `#[derive(Deserialize, Default)] #[serde(default, deny_unknown_fields)]` struct, checks them
//! in [`Rule::validate_options`] with [`OptionsInput::check`], and reads them with
//! [`RuleContext::options`].

mod cog;
mod esc;
mod pol;
pub mod shared;
mod sup;
mod tpl;
mod wif;
mod xac;

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use crate::config::Accounts;
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

    /// Check the options of this rule's `[rules.CODE]` table (every key but `severity`) when
    /// the configuration is loaded; called only when there is at least one. A rule without
    /// options keeps this default, which rejects them; a rule with options returns
    /// `options.check::<ItsOptions>()`.
    fn validate_options(&self, options: &OptionsInput<'_>) -> Result<(), OptionsError> {
        Err(options.unexpected(self.meta()))
    }
}

/// A rule's options as written in the configuration file, with their places in it so that a
/// mistake is reported at the offending key or value.
#[derive(Clone, Debug)]
pub struct OptionsInput<'a> {
    table: Spanned<DeValue<'a>>,
}

impl<'a> OptionsInput<'a> {
    /// `table` is the rule's table without `severity`, as parsed from the configuration file.
    pub fn new(table: Spanned<DeValue<'a>>) -> Self {
        OptionsInput { table }
    }

    /// Check that the options deserialize into `T`, the type the rule reads at run time.
    pub fn check<T: DeserializeOwned>(&self) -> Result<(), OptionsError> {
        T::deserialize(ValueDeserializer::from(self.table.clone()))
            .map(drop)
            .map_err(OptionsError::from)
    }

    /// The options for [`Selection::options`], once checked.
    pub fn to_table(&self) -> Result<toml::Table, OptionsError> {
        toml::Table::deserialize(ValueDeserializer::from(self.table.clone()))
            .map_err(OptionsError::from)
    }

    fn unexpected(&self, meta: &RuleMeta) -> OptionsError {
        let first_key = self
            .table
            .get_ref()
            .as_table()
            .and_then(|table| table.keys().next());
        OptionsError {
            message: match first_key {
                Some(key) => format!(
                    "unknown option `{}`: rule {} ({}) takes no options",
                    key.get_ref(),
                    meta.code,
                    meta.name
                ),
                None => format!("rule {} ({}) takes no options", meta.code, meta.name),
            },
            span: Some(first_key.map_or_else(|| self.table.span(), Spanned::span)),
        }
    }
}

/// A rule's options that do not fit it: the message and its byte range in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

impl From<toml::de::Error> for OptionsError {
    fn from(err: toml::de::Error) -> Self {
        OptionsError {
            message: err.message().to_owned(),
            span: err.span(),
        }
    }
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
    &esc::privilege_escalation_permissions::PrivilegeEscalationPermissions,
    &esc::external_path_to_admin::ExternalPathToAdmin,
    &pol::inline_policy_overuse::InlinePolicyOveruse,
    &pol::user_with_direct_policies::UserWithDirectPolicies,
    &pol::full_admin_policy::FullAdminPolicy,
    &pol::service_wildcard_on_all_resources::ServiceWildcardOnAllResources,
    &pol::allow_not_action::AllowNotAction,
    &pol::allow_not_principal::AllowNotPrincipal,
    &pol::passrole_unrestricted::PassroleUnrestricted,
    &pol::unknown_action::UnknownAction,
    &pol::malformed_policy::MalformedPolicy,
    &pol::privileged_managed_policy::PrivilegedManagedPolicy,
    &pol::write_on_all_resources::WriteOnAllResources,
    &sup::suppression_without_reason::SuppressionWithoutReason,
    &tpl::duplicate_key::DuplicateKey,
    &wif::web_identity_trust_without_audience::WebIdentityTrustWithoutAudience,
    &wif::cognito_trust_without_amr::CognitoTrustWithoutAmr,
    &wif::oidc_trust_without_subject::OidcTrustWithoutSubject,
    &wif::saml_trust_without_audience::SamlTrustWithoutAudience,
    &wif::wildcard_federated_principal::WildcardFederatedPrincipal,
    &xac::cross_account_trust_unscoped::CrossAccountTrustUnscoped,
    &xac::any_aws_principal_trust::AnyAwsPrincipalTrust,
    &xac::third_party_trust_without_external_id::ThirdPartyTrustWithoutExternalId,
    &xac::public_resource_policy::PublicResourcePolicy,
    &xac::resource_policy_external_account::ResourcePolicyExternalAccount,
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
    /// The configured accounts and organization (`iamlint.toml`).
    pub accounts: &'a Accounts,
    files: &'a [FileFacts],
    meta: &'static RuleMeta,
    severity: Severity,
    options: Option<&'a toml::Table>,
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

    /// Whether two files see each other's resources by name (one template, or the files of
    /// one Terraform module).
    pub fn same_scope(&self, a: FileId, b: FileId) -> bool {
        crate::graph::same_scope(self.files, a, b)
    }

    /// Whether a literal account id belongs to the configured organization: a configured
    /// account without `external = true`.
    pub fn is_organization_account(&self, id: &str) -> bool {
        self.accounts.organization_accounts().any(|a| a.id == id)
    }

    /// For an AWS principal or account value naming a literal account outside the configured
    /// organization, how to name that account in a message (`` `auditor` (999988887777) `` or
    /// `account 444455556666`); `None` for organization accounts and values not fixed statically.
    pub fn outside_organization(&self, value: &crate::model::Expr) -> Option<String> {
        let AccountRef::Id(id) = value.account() else {
            return None;
        };
        if self.is_organization_account(&id) {
            return None;
        }
        Some(self.accounts.by_id(&id).map_or_else(
            || format!("account {id}"),
            |a| format!("`{}` ({id})", a.name),
        ))
    }

    /// The severity configured for the running rule (its default unless overridden).
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The running rule's options: its `[rules.CODE]` table, defaults for what is not there.
    ///
    /// The configuration was checked against `T` when it was loaded (the rule's
    /// [`Rule::validate_options`] names the same type), so this cannot fail on user input;
    /// a rule that reads another type than it validates gets the defaults.
    pub fn options<T: DeserializeOwned + Default>(&self) -> T {
        self.options
            .and_then(|table| table.clone().try_into().ok())
            .unwrap_or_default()
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
    /// Checked options by rule code (see [`Rule::validate_options`]).
    pub options: BTreeMap<String, toml::Table>,
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
    accounts: &Accounts,
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
                accounts,
                files,
                meta,
                severity: selection.severity(meta),
                options: selection.options.get(meta.code),
                findings: Vec::new(),
            };
            rule.check(&mut cx);
            cx.findings
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use toml::de::DeTable;

    use super::*;

    declare_rule! {
        /// A rule that exists only to exercise the options mechanism. It borrows XAC002's code
        /// because `declare_rule!` embeds `rules/<CODE>.md`.
        pub OptionsProbe {
            code: "XAC002",
            name: "options-probe",
            severity: Low,
            summary: "test-only rule with options",
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct ProbeOptions {
        max_inline_policies: u32,
        allowed_subject_prefixes: Vec<String>,
    }

    impl Default for ProbeOptions {
        fn default() -> Self {
            ProbeOptions {
                max_inline_policies: 1,
                allowed_subject_prefixes: Vec::new(),
            }
        }
    }

    impl Rule for OptionsProbe {
        fn meta(&self) -> &'static RuleMeta {
            &Self::META
        }

        fn check(&self, cx: &mut RuleContext<'_>) {
            let options: ProbeOptions = cx.options();
            let loc = Loc::default();
            let finding = cx.finding(loc, "Probe", format!("{options:?}"));
            cx.report(finding);
        }

        fn validate_options(&self, options: &OptionsInput<'_>) -> Result<(), OptionsError> {
            options.check::<ProbeOptions>()
        }
    }

    /// The options input for the first table of `text`, and `text` itself for span checks.
    fn first_table(text: &str) -> OptionsInput<'_> {
        let document = DeTable::parse(text).unwrap().into_inner();
        let (_, value) = document.into_iter().next().unwrap();
        OptionsInput::new(value)
    }

    fn spanned<'t>(text: &'t str, err: &OptionsError) -> &'t str {
        &text[err.span.clone().unwrap()]
    }

    #[test]
    fn a_rule_checks_its_options_against_its_type() {
        let text =
            "[probe]\nmax_inline_policies = 2\nallowed_subject_prefixes = [\"repo:acme/\"]\n";
        assert_eq!(OptionsProbe.validate_options(&first_table(text)), Ok(()));

        let text = "[probe]\nmax_inline_policies = \"two\"\n";
        let err = OptionsProbe
            .validate_options(&first_table(text))
            .unwrap_err();
        assert!(err.message.contains("invalid type"), "{}", err.message);
        assert_eq!(spanned(text, &err), "\"two\"");

        let text = "[probe]\nmax_inline_policy = 2\n";
        let err = OptionsProbe
            .validate_options(&first_table(text))
            .unwrap_err();
        assert!(err.message.contains("unknown field"), "{}", err.message);
        assert_eq!(spanned(text, &err), "max_inline_policy");
    }

    #[test]
    fn a_rule_without_options_rejects_any_at_its_key() {
        let text = "[rules]\nmode = \"strict\"\n";
        let rule = find_rule("XAC002").unwrap();
        let err = rule.validate_options(&first_table(text)).unwrap_err();
        assert_eq!(
            err.message,
            "unknown option `mode`: rule XAC002 (any-aws-principal-trust) takes no options"
        );
        assert_eq!(spanned(text, &err), "mode");
    }

    fn probe_report(selection: &Selection) -> String {
        let model = Model::default();
        let graph = IamGraph::default();
        let accounts = Accounts::default();
        let mut cx = RuleContext {
            model: &model,
            graph: &graph,
            accounts: &accounts,
            files: &[],
            meta: OptionsProbe.meta(),
            severity: Severity::Low,
            options: selection.options.get("XAC002"),
            findings: Vec::new(),
        };
        OptionsProbe.check(&mut cx);
        cx.findings.remove(0).message
    }

    #[test]
    fn a_rule_reads_its_checked_options_at_run_time_with_defaults_for_the_rest() {
        assert_eq!(
            probe_report(&Selection::default()),
            format!("{:?}", ProbeOptions::default())
        );
        let text = "[probe]\nallowed_subject_prefixes = [\"repo:acme/\"]\n";
        let table = first_table(text).to_table().unwrap();
        let selection = Selection {
            options: BTreeMap::from([("XAC002".to_owned(), table)]),
            ..Selection::default()
        };
        let expected = ProbeOptions {
            max_inline_policies: 1,
            allowed_subject_prefixes: vec!["repo:acme/".to_owned()],
        };
        assert_eq!(probe_report(&selection), format!("{expected:?}"));
    }
}
