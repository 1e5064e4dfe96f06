use serde::Deserialize;

use crate::finding::Severity;
use crate::model::{Condition, Expr, Part};
use crate::rules::shared::{federated_provider, principal_label, web_identity_trust_entries};
use crate::rules::{OptionsError, OptionsInput, Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// Trust to a multi-tenant OIDC issuer that does not pin who the token was issued to.
    pub OidcTrustWithoutSubject {
        code: "WIF003",
        name: "oidc-trust-without-subject",
        severity: Critical,
        summary: "trust to a multi-tenant OIDC issuer without a condition pinning the token's subject",
    }
}

/// `[rules.WIF003]` in `iamlint.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Options {
    /// Subject prefixes whose owner-wide patterns are accepted (`repo:acme/` accepts
    /// `repo:acme/*`): every repository of that owner may use the role on purpose.
    allowed_subject_prefixes: Vec<String>,
}

/// An OIDC issuer whose audience is the same for all of its tenants, so that only the subject
/// tells one tenant's token from another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Issuer {
    GitHub,
    Eks,
    GitLab,
    TerraformCloud,
    Bitbucket,
    CircleCi,
}

impl Issuer {
    /// Recognize an issuer by its host (and path), as IAM condition keys spell it.
    fn of(host: &str) -> Option<Issuer> {
        let host = host.to_ascii_lowercase();
        let eks = host.starts_with("oidc.eks.")
            && (host.contains(".amazonaws.com/id/") || host.contains(".amazonaws.com.cn/id/"));
        Some(match host.as_str() {
            // Enterprise-specific issuers add a path after the host.
            "token.actions.githubusercontent.com" => Issuer::GitHub,
            h if h.starts_with("token.actions.githubusercontent.com/") => Issuer::GitHub,
            _ if eks => Issuer::Eks,
            "gitlab.com" => Issuer::GitLab,
            "app.terraform.io" => Issuer::TerraformCloud,
            h if h.starts_with("api.bitbucket.org/2.0/workspaces/") => Issuer::Bitbucket,
            h if h.starts_with("oidc.circleci.com/org/") => Issuer::CircleCi,
            _ => return None,
        })
    }

    /// Who may assume the role when the subject is not pinned.
    fn everyone(self) -> &'static str {
        match self {
            Issuer::GitHub => "any GitHub Actions workflow in any repository",
            Issuer::Eks => "any pod of any service account in the cluster",
            Issuer::GitLab => "any GitLab.com CI job in any project",
            Issuer::TerraformCloud => "any Terraform Cloud run of any organization",
            Issuer::Bitbucket => "any Bitbucket Pipelines step of any repository in the workspace",
            Issuer::CircleCi => "any CircleCI job of any project in the organization",
        }
    }

    /// What the first part of a subject names, and what the second.
    fn owner_and_unit(self) -> (&'static str, &'static str) {
        match self {
            Issuer::GitHub => ("repository owner", "repository"),
            Issuer::Eks => ("namespace", "service account"),
            Issuer::GitLab => ("group", "project"),
            Issuer::TerraformCloud => ("organization", "project or workspace"),
            Issuer::Bitbucket => ("repository", "repository"),
            Issuer::CircleCi => ("organization", "project"),
        }
    }

    /// A subject that names one caller, for the help text.
    fn example(self) -> &'static str {
        match self {
            Issuer::GitHub => "repo:<owner>/<repository>:environment:<name>",
            Issuer::Eks => "system:serviceaccount:<namespace>:<service-account>",
            Issuer::GitLab => "project_path:<group>/<project>:ref_type:branch:ref:main",
            Issuer::TerraformCloud => {
                "organization:<org>:project:<project>:workspace:<workspace>:run_phase:apply"
            }
            Issuer::Bitbucket => "{<repository-uuid>}:*",
            Issuer::CircleCi => "org/<org-id>/project/<project-id>/user/*",
        }
    }

    /// The claims whose conditions identify the caller. Besides `sub`, STS exposes GitHub's
    /// repository and owner claims as condition keys of their own.
    fn identifies(self, claim: &str) -> bool {
        claim.eq_ignore_ascii_case("sub")
            || (self == Issuer::GitHub
                && [
                    "repository",
                    "repository_id",
                    "repository_owner",
                    "repository_owner_id",
                    "job_workflow_ref",
                ]
                .iter()
                .any(|c| claim.eq_ignore_ascii_case(c)))
    }
}

/// How many callers a subject value admits, narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Breadth {
    /// One repository, project, service account… (or a literal that matches nothing).
    Scoped,
    /// Built from something the scan cannot read.
    Unknown,
    /// Every repository (project, service account) of one owner.
    OneOwner,
    /// Every owner.
    AnyOwner,
}

/// One field of a subject pattern, as far as it is fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field<'a> {
    /// Fixed text, followed by a separator or the end of the value.
    Whole(&'a str),
    /// Fixed text followed by a wildcard, which may stand for anything after it.
    Prefix(&'a str),
    Absent,
}

/// The fixed part of a subject pattern, split into fields.
struct Pattern<'a> {
    fields: Vec<&'a str>,
    /// The value goes on with a wildcard after the last field.
    open: bool,
}

impl<'a> Pattern<'a> {
    fn new(text: &'a str, separator: char, wildcards: bool) -> Self {
        let fixed = if wildcards {
            text.split(['*', '?']).next().unwrap_or("")
        } else {
            text
        };
        Pattern {
            fields: fixed.split(separator).collect(),
            open: fixed.len() < text.len(),
        }
    }

    fn field(&self, index: usize) -> Field<'a> {
        match self.fields.get(index) {
            None => Field::Absent,
            Some(f) if self.open && index + 1 == self.fields.len() => Field::Prefix(f),
            Some(f) => Field::Whole(f),
        }
    }

    /// The field after the whole field `claim`, as in `organization:acme`.
    fn claim(&self, claim: &str) -> Option<Field<'a>> {
        (0..self.fields.len())
            .find(|&i| self.field(i) == Field::Whole(claim))
            .map(|i| self.field(i + 1))
    }
}

/// Breadth from an owner field and the field naming something of that owner.
fn owner_then_unit(owner: Field<'_>, unit: Field<'_>) -> Breadth {
    match (owner, unit) {
        (Field::Whole(o), Field::Whole(u) | Field::Prefix(u)) if !o.is_empty() && !u.is_empty() => {
            Breadth::Scoped
        }
        (Field::Whole(o), _) if !o.is_empty() => Breadth::OneOwner,
        _ => Breadth::AnyOwner,
    }
}

/// Breadth of an `owner/rest` field (a GitHub repository, a GitLab project path).
fn owner_slash_unit(field: Field<'_>) -> Breadth {
    match field {
        Field::Whole(v) => match v.split_once('/') {
            Some((owner, unit)) => owner_then_unit(Field::Whole(owner), Field::Whole(unit)),
            None => owner_then_unit(Field::Whole(v), Field::Absent),
        },
        Field::Prefix(v) => match v.split_once('/') {
            Some((owner, unit)) => owner_then_unit(Field::Whole(owner), Field::Prefix(unit)),
            None => Breadth::AnyOwner,
        },
        Field::Absent => Breadth::AnyOwner,
    }
}

/// How the value of one claim is judged.
type Judge = fn(Field<'_>) -> Breadth;

/// A GitHub subject, default (`repo:OWNER/REPO:…`) or customized (`repository_owner_id:…`).
/// A subject that names neither the repository nor its owner (`environment:prod`) matches
/// tokens of every organization that customizes its subject the same way.
fn github_subject(p: &Pattern<'_>) -> Breadth {
    let claims: [(&str, Judge); 6] = [
        ("repo", owner_slash_unit),
        ("repository", owner_slash_unit),
        ("job_workflow_ref", owner_slash_unit),
        ("repository_owner", |f| owner_then_unit(f, Field::Absent)),
        ("repository_owner_id", |f| owner_then_unit(f, Field::Absent)),
        ("repository_id", |f| match f {
            Field::Whole(id) if !id.is_empty() => Breadth::Scoped,
            _ => Breadth::AnyOwner,
        }),
    ];
    claims
        .iter()
        .filter_map(|(claim, judge)| p.claim(claim).map(judge))
        .min()
        .unwrap_or(Breadth::AnyOwner)
}

/// How many callers a value of `claim` admits. `wildcards`: the operator treats `*` and `?`
/// as wildcards. Template symbols count as fixed text: a parameter holds one value at deploy
/// time. A value that is nothing but a symbol cannot be judged.
fn breadth(issuer: Issuer, claim: &str, value: &Expr, wildcards: bool) -> Breadth {
    if !value.parts.iter().any(|p| matches!(p, Part::Lit(_))) {
        return Breadth::Unknown;
    }
    // A character no subject contains stands for each symbol.
    let text: String = value
        .parts
        .iter()
        .map(|p| match p {
            Part::Lit(text) => text.as_str(),
            Part::Sym(_) => "\u{1}",
        })
        .collect();
    // An exact test matches only its own text, and no issuer puts `*` or `?` in a subject:
    // such a value admits nobody.
    if !wildcards && text.contains(['*', '?']) {
        return Breadth::Scoped;
    }
    let whole = Pattern::new(&text, '\u{0}', wildcards);
    let literal = !whole.open;
    let claim = claim.to_ascii_lowercase();
    match (issuer, claim.as_str()) {
        (Issuer::GitHub, "sub") => github_subject(&Pattern::new(&text, ':', wildcards)),
        (Issuer::GitHub, "repository" | "job_workflow_ref") => owner_slash_unit(whole.field(0)),
        (Issuer::GitHub, "repository_owner" | "repository_owner_id") => {
            owner_then_unit(whole.field(0), Field::Absent)
        }
        (Issuer::GitHub, _) => match whole.field(0) {
            Field::Whole(id) if !id.is_empty() => Breadth::Scoped,
            _ => Breadth::AnyOwner,
        },
        (Issuer::Eks, _) => {
            let p = Pattern::new(&text, ':', wildcards);
            if p.field(0) == Field::Whole("system") && p.field(1) == Field::Whole("serviceaccount")
            {
                owner_then_unit(p.field(2), p.field(3))
            } else if literal {
                Breadth::Scoped
            } else {
                Breadth::AnyOwner
            }
        }
        (Issuer::GitLab, _) => {
            let p = Pattern::new(&text, ':', wildcards);
            match p.claim("project_path") {
                Some(path) => owner_slash_unit(path),
                None if literal => Breadth::Scoped,
                None => Breadth::AnyOwner,
            }
        }
        (Issuer::TerraformCloud, _) => {
            let p = Pattern::new(&text, ':', wildcards);
            let unit = [p.claim("project"), p.claim("workspace")]
                .into_iter()
                .flatten()
                .find(|f| matches!(f, Field::Whole(u) | Field::Prefix(u) if !u.is_empty()))
                .unwrap_or(Field::Absent);
            match p.claim("organization") {
                Some(org) => owner_then_unit(org, unit),
                None if literal => Breadth::Scoped,
                None => Breadth::AnyOwner,
            }
        }
        (Issuer::CircleCi, _) => {
            let p = Pattern::new(&text, '/', wildcards);
            match p.claim("org") {
                Some(org) => owner_then_unit(org, p.claim("project").unwrap_or(Field::Absent)),
                None if literal => Breadth::Scoped,
                None => Breadth::AnyOwner,
            }
        }
        // The workspace is part of the issuer; the subject starts with the repository UUID.
        (Issuer::Bitbucket, _) => match whole.field(0) {
            Field::Whole(v) | Field::Prefix(v) if !v.is_empty() => Breadth::Scoped,
            _ => Breadth::AnyOwner,
        },
    }
}

/// The verdict on one trust statement to `issuer`: the narrowest identifying condition decides
/// (conditions AND together), and within one condition the widest value does (values OR).
/// `None` when no condition on an identifying claim can narrow the caller.
fn verdict<'c>(
    issuer: Issuer,
    host: &str,
    conditions: &'c [Condition],
    allowed_prefixes: &[String],
) -> Option<(Breadth, &'c Expr, &'c Condition)> {
    conditions
        .iter()
        .filter(|c| c.is_positive_test())
        .filter_map(|c| {
            let (prefix, claim) = c.key.rsplit_once(':')?;
            if !prefix.eq_ignore_ascii_case(host) || !issuer.identifies(claim) {
                return None;
            }
            let widest = c
                .values
                .iter()
                .map(|v| {
                    let b = breadth(issuer, claim, v, c.is_pattern_test());
                    let allowed = b == Breadth::OneOwner
                        && allowed_prefixes
                            .iter()
                            .any(|prefix| v.display().starts_with(prefix.as_str()));
                    (if allowed { Breadth::Scoped } else { b }, v)
                })
                .max_by_key(|(b, _)| *b)?;
            Some((widest.0, widest.1, c))
        })
        .min_by_key(|(b, _, _)| *b)
}

impl Rule for OidcTrustWithoutSubject {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let allowed_prefixes = cx.options::<Options>().allowed_subject_prefixes;
        let model = cx.model;
        for (role, statement, entry) in web_identity_trust_entries(model) {
            let federated = federated_provider(cx, &entry.value);
            let Some(host) = federated.host() else {
                continue;
            };
            let Some(issuer) = Issuer::of(host) else {
                continue;
            };
            let role_name = principal_label(role);
            // Messages spell the issuer as the template does (EKS cluster ids are upper
            // case); matching ignores case, as IAM does for condition keys.
            let host = entry
                .value
                .arn_resource()
                .and_then(|r| r.strip_prefix("oidc-provider/").map(str::to_owned))
                .filter(|written| written.eq_ignore_ascii_case(host))
                .unwrap_or_else(|| host.to_owned());
            let (owner, unit) = issuer.owner_and_unit();
            let help_subject = format!(
                "pin `{host}:sub` with `StringEquals` or `StringLike` to one {unit}, e.g. `{}`",
                issuer.example()
            );
            let finding = match verdict(issuer, &host, &statement.conditions.items, &allowed_prefixes)
            {
                Some((Breadth::Scoped, _, _)) => continue,
                None => cx
                    .finding(
                        entry.value.loc,
                        &role.resource.name,
                        format!(
                            "role `{role_name}` trusts `{host}` without a condition that pins `{host}:sub`: {} can assume it",
                            issuer.everyone()
                        ),
                    )
                    .with_help(help_subject),
                Some((Breadth::AnyOwner, value, condition)) => cx
                    .finding(
                        value.loc,
                        &role.resource.name,
                        format!(
                            "`{}` value `{}` does not pin the {owner}: {} can assume role `{role_name}`",
                            condition.key,
                            value.display(),
                            issuer.everyone()
                        ),
                    )
                    .with_help(help_subject),
                Some((Breadth::OneOwner, value, condition)) => cx
                    .finding(
                        value.loc,
                        &role.resource.name,
                        format!(
                            "`{}` value `{}` pins the {owner} but matches any {unit} of it: every {unit} there can assume role `{role_name}`",
                            condition.key,
                            value.display()
                        ),
                    )
                    .with_severity(Severity::Low)
                    .with_help(format!(
                        "{help_subject}; if every {unit} of that {owner} may use the role, add the prefix to `allowed_subject_prefixes` under `[rules.WIF003]`"
                    )),
                Some((Breadth::Unknown, value, condition)) => cx
                    .finding(
                        value.loc,
                        &role.resource.name,
                        format!(
                            "`{}` value `{}` cannot be read statically: check that it names one {unit}, or {} can assume role `{role_name}`",
                            condition.key,
                            value.display(),
                            issuer.everyone()
                        ),
                    )
                    .with_severity(Severity::Medium)
                    .with_help(help_subject),
            };
            cx.report(finding.with_related(statement.loc, "in this statement"));
        }
    }

    fn validate_options(&self, options: &OptionsInput<'_>) -> Result<(), OptionsError> {
        options.check::<Options>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Loc;

    fn lit(text: &str) -> Expr {
        Expr::literal(text, Loc::default())
    }

    fn like(issuer: Issuer, claim: &str, text: &str) -> Breadth {
        breadth(issuer, claim, &lit(text), true)
    }

    #[test]
    fn recognizes_multi_tenant_issuers() {
        assert_eq!(
            Issuer::of("token.actions.githubusercontent.com"),
            Some(Issuer::GitHub)
        );
        assert_eq!(
            Issuer::of("oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123"),
            Some(Issuer::Eks)
        );
        assert_eq!(Issuer::of("gitlab.com"), Some(Issuer::GitLab));
        assert_eq!(Issuer::of("app.terraform.io"), Some(Issuer::TerraformCloud));
        assert_eq!(
            Issuer::of("api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc"),
            Some(Issuer::Bitbucket)
        );
        assert_eq!(
            Issuer::of("oidc.circleci.com/org/1234-abcd"),
            Some(Issuer::CircleCi)
        );
        assert_eq!(Issuer::of("gitlab.example.com"), None);
        assert_eq!(Issuer::of("accounts.google.com"), None);
    }

    #[test]
    fn github_subjects() {
        use Breadth::*;
        let gh = |t| like(Issuer::GitHub, "sub", t);
        assert_eq!(gh("*"), AnyOwner);
        assert_eq!(gh("repo:*"), AnyOwner);
        assert_eq!(gh("repo:*/*"), AnyOwner);
        assert_eq!(gh("repo:acme*"), AnyOwner);
        assert_eq!(gh("repo:acme/*"), OneOwner);
        assert_eq!(gh("repo:acme/*:*"), OneOwner);
        assert_eq!(gh("repo:acme/app:*"), Scoped);
        assert_eq!(gh("repo:acme/app:ref:refs/heads/main"), Scoped);
        assert_eq!(gh("repo:acme/app-*"), Scoped);
        assert_eq!(gh("repository_owner_id:1234:*"), OneOwner);
        assert_eq!(gh("repository_owner_id:12*"), AnyOwner);
        assert_eq!(gh("repository_id:5678:environment:prod"), Scoped);
        // A customized subject without owner or repository: any organization can mint it.
        assert_eq!(gh("environment:prod"), AnyOwner);
        // Without a pattern operator `*` is a literal character: the value matches no token.
        assert_eq!(
            breadth(Issuer::GitHub, "sub", &lit("repo:*"), false),
            Scoped
        );
        assert_eq!(
            breadth(Issuer::GitHub, "sub", &lit("environment:prod"), false),
            AnyOwner
        );
        assert_eq!(
            breadth(Issuer::GitHub, "sub", &lit("repo:acme/app:*"), false),
            Scoped
        );
    }

    #[test]
    fn github_claim_keys() {
        use Breadth::*;
        assert_eq!(like(Issuer::GitHub, "repository_id", "123456"), Scoped);
        assert_eq!(
            like(Issuer::GitHub, "repository_owner_id", "98765"),
            OneOwner
        );
        assert_eq!(like(Issuer::GitHub, "repository", "acme/app"), Scoped);
        assert_eq!(
            like(
                Issuer::GitHub,
                "job_workflow_ref",
                "acme/workflows/.github/workflows/deploy.yml@refs/heads/main"
            ),
            Scoped
        );
        assert_eq!(like(Issuer::GitHub, "job_workflow_ref", "acme/*"), OneOwner);
        assert_eq!(like(Issuer::GitHub, "job_workflow_ref", "*"), AnyOwner);
    }

    #[test]
    fn other_issuers() {
        use Breadth::*;
        assert_eq!(
            like(Issuer::Eks, "sub", "system:serviceaccount:*"),
            AnyOwner
        );
        assert_eq!(
            like(Issuer::Eks, "sub", "system:serviceaccount:ci:*"),
            OneOwner
        );
        assert_eq!(
            like(Issuer::Eks, "sub", "system:serviceaccount:ci:deployer"),
            Scoped
        );
        assert_eq!(like(Issuer::GitLab, "sub", "project_path:*"), AnyOwner);
        assert_eq!(like(Issuer::GitLab, "sub", "project_path:acme/*"), OneOwner);
        assert_eq!(
            like(
                Issuer::GitLab,
                "sub",
                "project_path:acme/infra:ref_type:branch:ref:main"
            ),
            Scoped
        );
        assert_eq!(
            like(Issuer::TerraformCloud, "sub", "organization:*"),
            AnyOwner
        );
        assert_eq!(
            like(Issuer::TerraformCloud, "sub", "organization:acme:*"),
            OneOwner
        );
        assert_eq!(
            like(
                Issuer::TerraformCloud,
                "sub",
                "organization:acme:project:infra:workspace:*"
            ),
            Scoped
        );
        assert_eq!(like(Issuer::CircleCi, "sub", "org/abc/project/*"), OneOwner);
        assert_eq!(
            like(Issuer::CircleCi, "sub", "org/abc/project/def/user/*"),
            Scoped
        );
        assert_eq!(like(Issuer::Bitbucket, "sub", "*"), AnyOwner);
        assert_eq!(like(Issuer::Bitbucket, "sub", "{abc-123}:*"), Scoped);
    }

    #[test]
    fn symbols_count_as_fixed_text() {
        use crate::model::Symbol;
        let templated = Expr {
            parts: vec![
                Part::Lit("repo:".into()),
                Part::Sym(Symbol::Param("Org".into())),
                Part::Lit("/".into()),
                Part::Sym(Symbol::Param("Repo".into())),
                Part::Lit(":*".into()),
            ],
            loc: Loc::default(),
        };
        assert_eq!(
            breadth(Issuer::GitHub, "sub", &templated, true),
            Breadth::Scoped
        );
        let opaque = Expr::symbol(Symbol::Param("Subject".into()), Loc::default());
        assert_eq!(
            breadth(Issuer::GitHub, "sub", &opaque, true),
            Breadth::Unknown
        );
    }

    fn condition(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: op.into(),
            operator_loc: Loc::default(),
            key: key.into(),
            key_loc: Loc::default(),
            values: values.iter().map(|v| lit(v)).collect(),
        }
    }

    #[test]
    fn narrowest_condition_and_widest_value_decide() {
        let host = "token.actions.githubusercontent.com";
        let sub = format!("{host}:sub");
        let breadth_of = |conditions: &[Condition], allowed: &[String]| {
            verdict(Issuer::GitHub, host, conditions, allowed).map(|(b, v, _)| (b, v.display()))
        };
        // Values OR: one wildcard value opens the statement to everyone.
        assert_eq!(
            breadth_of(
                &[condition("StringLike", &sub, &["repo:acme/app:*", "*"])],
                &[]
            ),
            Some((Breadth::AnyOwner, "*".to_owned()))
        );
        // Conditions AND: a pinned repository id narrows an org-wide subject.
        assert_eq!(
            breadth_of(
                &[
                    condition("StringLike", &sub, &["repo:acme/*"]),
                    condition("StringEquals", &format!("{host}:repository_id"), &["42"]),
                ],
                &[]
            )
            .map(|(b, _)| b),
            Some(Breadth::Scoped)
        );
        // `...IfExists` and negated operators do not narrow.
        assert_eq!(
            breadth_of(
                &[
                    condition("StringLikeIfExists", &sub, &["repo:acme/app:*"]),
                    condition("StringNotLike", &sub, &["repo:evil/*"]),
                ],
                &[]
            ),
            None
        );
        // A key of another issuer does not count.
        assert_eq!(
            breadth_of(
                &[condition(
                    "StringLike",
                    "gitlab.com:sub",
                    &["project_path:acme/x:*"]
                )],
                &[]
            ),
            None
        );
        // The configuration accepts owner-wide subjects under its prefixes.
        let owner_wide = [condition("StringLike", &sub, &["repo:acme/*"])];
        assert_eq!(
            breadth_of(&owner_wide, &[]).map(|(b, _)| b),
            Some(Breadth::OneOwner)
        );
        assert_eq!(
            breadth_of(&owner_wide, &["repo:acme/".to_owned()]).map(|(b, _)| b),
            Some(Breadth::Scoped)
        );
        assert_eq!(
            breadth_of(&owner_wide, &["repo:other/".to_owned()]).map(|(b, _)| b),
            Some(Breadth::OneOwner)
        );
    }
}
