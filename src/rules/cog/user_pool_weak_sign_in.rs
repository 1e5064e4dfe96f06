use crate::model::{PasswordPolicy, UserPool};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::Loc;

declare_rule! {
    /// A user pool where a password alone, and a weak one, signs a user in.
    pub UserPoolWeakSignIn {
        code: "COG005",
        name: "user-pool-weak-sign-in",
        severity: Medium,
        summary: "user pool without MFA and with a password policy weaker than AWS's default",
    }
}

/// AWS's default minimum password length for user pools.
const DEFAULT_MIN_LENGTH: u32 = 8;

/// One half of the verdict: why it is weak, and where.
#[derive(Debug)]
enum Half {
    Weak(String, Loc),
    /// Built from something the scan cannot read.
    Unknown(String, Loc),
    Strong,
}

fn mfa_half(pool: &UserPool) -> Half {
    let Some(mfa) = &pool.mfa else {
        return Half::Weak(
            "MFA is not configured, which AWS treats as `OFF`".to_owned(),
            pool.resource.loc,
        );
    };
    match mfa.as_literal() {
        Some(text) if text.trim().eq_ignore_ascii_case("OFF") => {
            Half::Weak("MFA is `OFF`".to_owned(), mfa.loc)
        }
        Some(_) => Half::Strong,
        None => Half::Unknown(format!("MFA is `{}`", mfa.display()), mfa.loc),
    }
}

/// An absent password policy is AWS's default: 8 characters and all four character classes.
/// Within a written policy, a `Require…` left out keeps its default (`true`): Cognito reads a
/// policy that only sets `MinimumLength` back with every class required.
fn password_half(policy: Option<&PasswordPolicy>) -> Half {
    let Some(policy) = policy else {
        return Half::Strong;
    };
    let mut reasons = Vec::new();
    let mut loc = policy.loc;
    let mut unknown = None;
    if let Some(length) = &policy.minimum_length {
        match length.as_literal().map(|t| t.trim().parse::<u32>()) {
            Some(Ok(n)) if n < DEFAULT_MIN_LENGTH => {
                reasons.push(format!("the minimum length is {n}"));
                loc = length.loc;
            }
            Some(_) => {}
            None => {
                unknown = Some((
                    format!("the minimum length is `{}`", length.display()),
                    length.loc,
                ));
            }
        }
    }
    let classes = [
        policy.require_lowercase,
        policy.require_uppercase,
        policy.require_numbers,
        policy.require_symbols,
    ];
    if classes.iter().all(|flag| flag.is_some_and(|f| !f.value)) {
        reasons.push("every character class is turned off".to_owned());
    }
    match (reasons.is_empty(), unknown) {
        (false, _) => Half::Weak(reasons.join(" and "), loc),
        (true, Some((why, loc))) => Half::Unknown(why, loc),
        (true, None) => Half::Strong,
    }
}

impl Rule for UserPoolWeakSignIn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for pool in &cx.model.user_pools {
            let mfa = mfa_half(pool);
            let password = password_half(pool.password_policy.as_ref());
            // Report when one half is known to be weak and the other is not known to be strong.
            let (mfa_why, mfa_loc, password_why, password_loc, sure) = match (mfa, password) {
                (Half::Weak(m, ml), Half::Weak(p, pl)) => (m, ml, p, pl, true),
                (Half::Weak(m, ml), Half::Unknown(p, pl))
                | (Half::Unknown(m, ml), Half::Weak(p, pl)) => (m, ml, p, pl, false),
                _ => continue,
            };
            let (signs_in, is) = if sure {
                ("signs users in", "is")
            } else {
                ("may sign users in", "may be")
            };
            let finding = cx
                .finding(
                    mfa_loc,
                    &pool.resource.name,
                    format!(
                        "user pool `{}` {signs_in} with a password alone ({mfa_why}) and its password policy {is} weaker than AWS's default ({password_why}): a guessed or reused password takes over the account",
                        pool.resource.name
                    ),
                )
                .with_help("set `MfaConfiguration` (`mfa_configuration`) to `ON`, or `OPTIONAL` with MFA enforced by the app, and require at least 8 characters with lower and upper case letters, numbers and symbols")
                .with_related(password_loc, "password policy weaker than the default");
            cx.report(finding);
        }
    }
}
