use crate::model::{Expr, Part, Statement};
use crate::rules::shared::{ActionGrant, identity_allow_statements, literal_grant, span_of};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// `iam:PassRole` on every role without an `iam:PassedToService` condition.
    pub PassroleUnrestricted {
        code: "POL007",
        name: "passrole-unrestricted",
        severity: High,
        summary: "`iam:PassRole` on every role without an `iam:PassedToService` condition",
    }
}

const PASS_ROLE: &str = "iam:PassRole";
const PASSED_TO_SERVICE: &str = "iam:PassedToService";

/// A `Resource` value naming every role `iam:PassRole` can pass: `*`, `arn:…:*`, or an IAM ARN
/// whose resource part is `role/*` or `*`, in any account (a role can only be passed within its
/// own account, so the account field narrows nothing).
fn names_every_role(value: &Expr) -> bool {
    if crate::model::policy::is_any_resource(value) {
        return true;
    }
    let fields = value.split(':');
    let literal = |i: usize| match fields.get(i).map(Vec::as_slice) {
        Some([Part::Lit(t)]) => Some(t.as_str()),
        Some([]) => Some(""),
        _ => None,
    };
    let is_arn = literal(0) == Some("arn");
    let service_ok = matches!(literal(2), Some("iam" | "*"));
    let resource = fields
        .get(5..)
        .filter(|rest| !rest.is_empty())
        .and_then(|rest| {
            rest.iter()
                .map(|f| match f.as_slice() {
                    [Part::Lit(t)] => Some(t.as_str()),
                    _ => None,
                })
                .collect::<Option<Vec<&str>>>()
        })
        .map(|parts| parts.join(":"));
    is_arn && service_ok && matches!(resource.as_deref(), Some("*" | "role/*" | "role*"))
}

fn every_role_resource(statement: &Statement) -> Option<&Expr> {
    statement
        .resource
        .as_ref()?
        .iter()
        .find(|r| names_every_role(r))
}

impl Rule for PassroleUnrestricted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (document, statement) in identity_allow_statements(cx.model) {
            let Some(grant) = literal_grant(statement, PASS_ROLE) else {
                continue;
            };
            let Some(resource) = every_role_resource(statement) else {
                continue;
            };
            if statement.conditions.opaque || statement.conditions.pins(PASSED_TO_SERVICE) {
                continue;
            }
            let (loc, via) = match grant {
                ActionGrant::Listed(action) if action.is_literal(PASS_ROLE) => {
                    (action.loc, format!("`{PASS_ROLE}`"))
                }
                ActionGrant::Listed(action) => (
                    action.loc,
                    format!("`{PASS_ROLE}` (through `{}`)", action.display()),
                ),
                ActionGrant::NotExcluded => (
                    statement
                        .not_action
                        .as_deref()
                        .and_then(span_of)
                        .unwrap_or(statement.loc),
                    format!("`{PASS_ROLE}` (through a `NotAction` that does not exclude it)"),
                ),
            };
            let finding = cx
                .finding(
                    loc,
                    &document.resource.name,
                    format!(
                        "{} allows {via} on every role (`{}`) without an `{PASSED_TO_SERVICE}` condition: the holder can hand any role of the account, administrator roles included, to a service it controls",
                        document.label(),
                        resource.display()
                    ),
                )
                .with_help(format!(
                    "list the ARNs of the roles this principal passes in `Resource` and add `StringEquals: {{\"{PASSED_TO_SERVICE}\": \"<service>.amazonaws.com\"}}`"
                ))
                .with_related(statement.loc, "in this statement");
            cx.report(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Symbol;
    use crate::source::Loc;

    fn lit(t: &str) -> Expr {
        Expr::literal(t, Loc::default())
    }

    #[test]
    fn every_role_values() {
        assert!(names_every_role(&lit("*")));
        assert!(names_every_role(&lit("arn:aws:iam::123456789012:role/*")));
        assert!(names_every_role(&lit("arn:aws:iam::*:*")));
        assert!(!names_every_role(&lit(
            "arn:aws:iam::123456789012:role/app-*"
        )));
        assert!(!names_every_role(&lit(
            "arn:aws:iam::123456789012:role/service-role/*"
        )));
        assert!(!names_every_role(&lit("arn:aws:s3:::*")));
        let own = Expr {
            parts: vec![
                Part::Lit("arn:".into()),
                Part::Sym(Symbol::Partition),
                Part::Lit(":iam::".into()),
                Part::Sym(Symbol::OwnAccount),
                Part::Lit(":role/*".into()),
            ],
            loc: Loc::default(),
        };
        assert!(names_every_role(&own));
    }
}
