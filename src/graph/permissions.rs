//! Effective permissions of a principal: what its identity policies together allow, as sets of
//! catalog actions.
//!
//! Built once per principal by the graph builder from the policies the graph attached (inline,
//! standalone, customer managed from the scan, AWS managed from the catalog's documents, and a
//! user's group policies), minus unconditional `Deny`s on every resource, capped by a known
//! permissions boundary. Every `Allow` is kept as a [`Grant`] in one of three tiers (on every
//! resource, only on named resources, only under a scoping condition) so that rules can both
//! count actions and point at the statement that grants one. Rules and `explain-principal` read
//! this; nothing here looks at templates or the graph's edges.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::{ActionId, ActionSet, Catalog};
use crate::model::{Effect, Expr, Part, PolicyDocument, Statement};
use crate::source::Loc;

/// How far an `Allow` reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// `Resource: "*"` (or an ARN of wildcards) with no scoping condition.
    Unrestricted,
    /// Only named resources (or `NotResource`, or a value not known statically).
    Specific,
    /// Only under a condition that narrows who or when.
    Conditional,
}

impl Reach {
    pub const ALL: [Reach; 3] = [Reach::Unrestricted, Reach::Specific, Reach::Conditional];

    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Unrestricted => "allowed",
            Reach::Specific => "only on specific resources",
            Reach::Conditional => "only under a condition",
        }
    }
}

/// One `Allow` statement of a principal's policies.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The statement, or for an AWS managed policy (whose text is not in the scan) where it is
    /// attached.
    pub loc: Loc,
    /// The policy's name as messages show it.
    pub policy: Arc<str>,
    /// Shared by every statement with the same action list.
    pub actions: Arc<ActionSet>,
    pub reach: Reach,
    /// From a group the user is a member of.
    pub inherited: bool,
    /// The statement names every resource (`*`), whatever its conditions.
    pub on_any_resource: bool,
    /// Resource types of which the statement names every resource
    /// (`arn:aws:iam::111111111111:role/*`): `(service, type)`, lower case.
    pub every_of_type: Vec<(Box<str>, Box<str>)>,
    /// When the only scoping condition pins `iam:PassedToService`: the services (patterns) a
    /// role may be passed to. Such a grant is `Conditional`, yet passing to those services is
    /// exactly what the PassRole escalation methods need.
    pub passed_to: Vec<Box<str>>,
}

impl Grant {
    /// Whether the grant reaches every resource `action` acts on: on `*`, or on every
    /// resource of the action's required resource type.
    pub fn covers_every(&self, action: ActionId) -> bool {
        self.reach != Reach::Conditional && self.reaches_every(action)
    }

    /// Whether the grant passes roles to `service` on every role, conditioned only on
    /// `iam:PassedToService` naming that service.
    pub fn passes_every_role_to(&self, action: ActionId, service: &str) -> bool {
        self.reach == Reach::Conditional
            && self
                .passed_to
                .iter()
                .any(|p| crate::model::policy::wildcard_match(p, service))
            && self.reaches_every(action)
    }

    /// The statement's resources cover every resource `action` acts on, conditions aside.
    fn reaches_every(&self, action: ActionId) -> bool {
        if !self.actions.contains(action) {
            return false;
        }
        if self.on_any_resource {
            return true;
        }
        let Some(info) = Catalog::get().info(action) else {
            return false;
        };
        info.resource_types.iter().filter(|t| t.required).any(|t| {
            self.every_of_type.iter().any(|(service, kind)| {
                **service == *info.service && kind.eq_ignore_ascii_case(t.name)
            })
        })
    }
}

/// What a principal's policies grant, before combining.
#[derive(Clone, Debug, Default)]
pub struct Permissions {
    pub grants: Vec<Grant>,
    /// Actions an unconditional `Deny` on every resource removes.
    pub denied: Vec<Arc<ActionSet>>,
    /// The permissions boundary's grants, when one is set and its document is known.
    pub boundary: Option<Vec<Grant>>,
    /// A managed policy whose document is not known is attached: the sets are a lower bound.
    pub incomplete: bool,
}

/// The combined tiers: each action is in at most one, the widest that applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    pub unrestricted: ActionSet,
    pub specific: ActionSet,
    pub conditional: ActionSet,
}

impl Effective {
    pub fn tier(&self, reach: Reach) -> &ActionSet {
        match reach {
            Reach::Unrestricted => &self.unrestricted,
            Reach::Specific => &self.specific,
            Reach::Conditional => &self.conditional,
        }
    }

    /// Whether `action` is allowed without a condition (on every or on some resources).
    pub fn allows_unconditionally(&self, action: ActionId) -> bool {
        self.unrestricted.contains(action) || self.specific.contains(action)
    }
}

/// Union of each tier's grants, with wider tiers taking precedence.
fn tiers(grants: &[Grant], catalog: &Catalog<'_>) -> [ActionSet; 3] {
    let mut sets = Reach::ALL.map(|_| catalog.empty_set());
    for grant in grants {
        let slot = match grant.reach {
            Reach::Unrestricted => &mut sets[0],
            Reach::Specific => &mut sets[1],
            Reach::Conditional => &mut sets[2],
        };
        slot.union_with(&grant.actions);
    }
    let [unrestricted, mut specific, mut conditional] = sets;
    specific.difference_with(&unrestricted);
    conditional.difference_with(&unrestricted);
    conditional.difference_with(&specific);
    [unrestricted, specific, conditional]
}

impl Permissions {
    pub fn effective(&self, catalog: &Catalog<'_>) -> Effective {
        let [mut unrestricted, mut specific, mut conditional] = tiers(&self.grants, catalog);
        for denied in &self.denied {
            unrestricted.difference_with(denied);
            specific.difference_with(denied);
            conditional.difference_with(denied);
        }
        if let Some(boundary) = &self.boundary {
            // Allowed = identity ∩ boundary; the result is only as wide as the narrower side.
            let [b_unrestricted, b_specific, b_conditional] = tiers(boundary, catalog);
            let mut b_any = b_unrestricted.clone();
            b_any.union_with(&b_specific);
            b_any.union_with(&b_conditional);
            let mut any = unrestricted.clone();
            any.union_with(&specific);
            any.union_with(&conditional);
            any.intersect_with(&b_any);

            let mut narrowed_unrestricted = unrestricted.clone();
            narrowed_unrestricted.intersect_with(&b_unrestricted);
            let mut narrowed_conditional = conditional;
            narrowed_conditional.union_with(&b_conditional);
            narrowed_conditional.intersect_with(&any);
            narrowed_conditional.difference_with(&narrowed_unrestricted);
            let mut narrowed_specific = any;
            narrowed_specific.difference_with(&narrowed_unrestricted);
            narrowed_specific.difference_with(&narrowed_conditional);
            unrestricted = narrowed_unrestricted;
            specific = narrowed_specific;
            conditional = narrowed_conditional;
        }
        Effective {
            unrestricted,
            specific,
            conditional,
        }
    }

    /// Add a group's grants and denies to a member's. The group's boundary does not apply:
    /// boundaries are set on users and roles only.
    pub fn inherit(&mut self, group: Permissions) {
        self.grants.extend(group.grants.into_iter().map(|g| Grant {
            inherited: true,
            ..g
        }));
        self.denied.extend(group.denied);
        self.incomplete |= group.incomplete;
    }

    /// The grant that allows `action` on every resource it acts on (see [`Grant::covers_every`])
    /// as far as the effective permissions still allow it (denies and the boundary applied),
    /// an unrestricted one first. `own_only` leaves out grants inherited from groups.
    pub fn covering_grant(
        &self,
        effective: &Effective,
        action: ActionId,
        own_only: bool,
    ) -> Option<&Grant> {
        let covering = |reach: Reach| {
            self.grants
                .iter()
                .find(|g| g.reach == reach && g.covers_every(action) && !(own_only && g.inherited))
        };
        if effective.unrestricted.contains(action) {
            return covering(Reach::Unrestricted).or_else(|| covering(Reach::Specific));
        }
        if effective.specific.contains(action) {
            return covering(Reach::Specific);
        }
        None
    }

    /// A grant passing every role to `service` under an `iam:PassedToService` condition, when
    /// the effective permissions still allow `action` (PassRole) at all.
    pub fn passing_grant(
        &self,
        effective: &Effective,
        action: ActionId,
        service: &str,
        own_only: bool,
    ) -> Option<&Grant> {
        let allowed = Reach::ALL
            .iter()
            .any(|&reach| effective.tier(reach).contains(action));
        if !allowed {
            return None;
        }
        self.grants
            .iter()
            .find(|g| g.passes_every_role_to(action, service) && !(own_only && g.inherited))
    }

    /// The first grant of `reach` that includes `action`, to point a finding at.
    pub fn grant_of(&self, action: ActionId, reach: Reach) -> Option<&Grant> {
        self.grants
            .iter()
            .find(|g| g.reach == reach && g.actions.contains(action))
    }
}

/// Turns statements into grants, expanding each distinct action list once: the same managed
/// policy attached to thousands of roles, or one generated inline policy copied into each,
/// costs one expansion.
#[derive(Default)]
pub struct Expander {
    memo: RefCell<HashMap<(bool, String), Arc<ActionSet>>>,
    /// By statement address: a shared policy's statements (an AWS managed one, a customer policy
    /// attached to many principals) are seen once per holder, and rebuilding the text key of a
    /// long action list each time dominated building the graph.
    by_statement: RefCell<HashMap<usize, Arc<ActionSet>>>,
}

impl Expander {
    /// The catalog actions a statement's `Action` or `NotAction` covers. Values that are not
    /// literal name no known action; a `NotAction` with such a value proves nothing, so it
    /// grants nothing known either.
    pub fn actions(&self, statement: &Statement) -> Arc<ActionSet> {
        // Statements live as long as the model (or the process, for AWS managed ones), which
        // outlives the expander, so an address is never reused for another statement here.
        let address = std::ptr::from_ref(statement) as usize;
        if let Some(set) = self.by_statement.borrow().get(&address) {
            return Arc::clone(set);
        }
        let set = self.expand(statement);
        self.by_statement
            .borrow_mut()
            .insert(address, Arc::clone(&set));
        set
    }

    fn expand(&self, statement: &Statement) -> Arc<ActionSet> {
        let catalog = Catalog::get();
        let Some((negated, patterns)) = statement.action_patterns() else {
            return Arc::new(catalog.empty_set());
        };
        let literals: Vec<String> = patterns
            .iter()
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        let key = (negated, literals.join("\u{0}"));
        if let Some(set) = self.memo.borrow().get(&key) {
            return Arc::clone(set);
        }
        let set = Arc::new(if negated {
            catalog.expand_not_action(&literals)
        } else {
            catalog.expand_action(&literals)
        });
        self.memo.borrow_mut().insert(key, Arc::clone(&set));
        set
    }

    /// Add a document's statements to `permissions`. `at` replaces the statements' own
    /// locations (an AWS managed policy's text is not part of the scan).
    pub fn add_document(
        &self,
        permissions: &mut Permissions,
        document: &PolicyDocument,
        policy: &Arc<str>,
        at: Option<Loc>,
        inherited: bool,
    ) {
        for statement in &document.statements {
            match statement.effect {
                Effect::Allow => {
                    let grant = self.grant(statement, policy, at, inherited);
                    permissions.grants.push(grant);
                }
                Effect::Deny if is_unconditional_on_everything(statement) => {
                    permissions.denied.push(self.actions(statement));
                }
                _ => {}
            }
        }
    }

    /// The grants of a boundary document (its denies narrow nothing further: a boundary's
    /// `Deny` only matters for what it caps, which the identity side already decides).
    pub fn boundary(&self, document: &PolicyDocument, policy: &Arc<str>) -> Vec<Grant> {
        document
            .statements
            .iter()
            .filter(|s| s.is_allow())
            .map(|s| self.grant(s, policy, None, false))
            .collect()
    }

    fn grant(
        &self,
        statement: &Statement,
        policy: &Arc<str>,
        at: Option<Loc>,
        inherited: bool,
    ) -> Grant {
        let reach = if statement.is_scoped() {
            Reach::Conditional
        } else if statement.any_resource().is_some() {
            Reach::Unrestricted
        } else {
            Reach::Specific
        };
        let on_any_resource = statement.any_resource().is_some();
        let every_of_type = if on_any_resource {
            Vec::new()
        } else {
            statement
                .resource
                .iter()
                .flatten()
                .filter_map(every_of_type)
                .collect()
        };
        Grant {
            loc: at.unwrap_or(statement.loc),
            policy: Arc::clone(policy),
            actions: self.actions(statement),
            reach,
            inherited,
            on_any_resource,
            every_of_type,
            passed_to: passed_to(statement),
        }
    }
}

/// The services of `iam:PassedToService` when that key is what every scoping condition of the
/// statement tests (positively, with literal values); empty otherwise.
fn passed_to(statement: &Statement) -> Vec<Box<str>> {
    let conditions = &statement.conditions;
    if conditions.opaque {
        return Vec::new();
    }
    let scoping: Vec<&crate::model::Condition> =
        conditions.items.iter().filter(|c| c.scopes()).collect();
    let only_service = !scoping.is_empty()
        && scoping
            .iter()
            .all(|c| c.key_is("iam:PassedToService") && c.is_positive_test());
    if !only_service {
        return Vec::new();
    }
    scoping
        .iter()
        .flat_map(|c| c.values.iter())
        .filter_map(|v| v.as_literal().map(|t| t.trim().to_ascii_lowercase().into()))
        .collect()
}

/// `(service, type)` when an ARN names every resource of one type: its resource part is
/// `type/*`, `type:*` or `type*` and its service is literal. Account and region may be anything:
/// they only choose whose resources.
fn every_of_type(value: &Expr) -> Option<(Box<str>, Box<str>)> {
    let fields = value.split(':');
    let literal = |i: usize| match fields.get(i).map(Vec::as_slice) {
        Some([Part::Lit(t)]) => Some(t.as_str()),
        _ => None,
    };
    if literal(0) != Some("arn") {
        return None;
    }
    let service = literal(2).filter(|s| !s.contains(['*', '?']))?;
    let resource: Vec<&str> = (5..fields.len())
        .map(literal)
        .collect::<Option<Vec<&str>>>()?;
    let resource = resource.join(":");
    let kind = resource
        .strip_suffix("/*")
        .or_else(|| resource.strip_suffix(":*"))
        .or_else(|| resource.strip_suffix('*'))?;
    if kind.is_empty() || kind.contains(['*', '?', '/', ':']) {
        return None;
    }
    Some((
        service.to_ascii_lowercase().into(),
        kind.to_ascii_lowercase().into(),
    ))
}

fn is_unconditional_on_everything(statement: &Statement) -> bool {
    statement.conditions.items.is_empty()
        && !statement.conditions.opaque
        && statement.any_resource().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permissions_of(documents: &[&PolicyDocument]) -> Permissions {
        let expander = Expander::default();
        let mut permissions = Permissions::default();
        let name: Arc<str> = Arc::from("test");
        for document in documents {
            expander.add_document(&mut permissions, document, &name, None, false);
        }
        permissions
    }

    fn id(action: &str) -> ActionId {
        Catalog::get().action_id(action).unwrap()
    }

    fn document(json: &str) -> PolicyDocument {
        crate::normalize::managed::read_document(json).unwrap()
    }

    #[test]
    fn tiers_deny_and_not_action() {
        let doc = document(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"},
              {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/x"},
              {"Effect":"Allow","Action":"iam:CreateRole","Resource":"*",
               "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::1:policy/b"}}},
              {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        );
        let permissions = permissions_of(&[&doc]);
        let effective = permissions.effective(Catalog::get());
        assert!(effective.unrestricted.contains(id("ec2:RunInstances")));
        assert!(!effective.unrestricted.contains(id("iam:PutRolePolicy")));
        assert!(effective.specific.contains(id("iam:PassRole")));
        assert!(effective.conditional.contains(id("iam:CreateRole")));
        assert!(!effective.allows_unconditionally(id("iam:CreateRole")));
        assert!(!effective.unrestricted.contains(id("s3:DeleteBucket")));
        assert!(
            permissions
                .grant_of(id("ec2:RunInstances"), Reach::Unrestricted)
                .is_some()
        );
    }

    #[test]
    fn boundary_caps_and_managed_documents_read() {
        let admin = crate::normalize::managed::aws_managed_document("AdministratorAccess").unwrap();
        let mut permissions = permissions_of(&[admin]);
        let expander = Expander::default();
        let boundary = document(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:*","iam:Get*"],"Resource":"*"},
               {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/x"}]}"#,
        );
        permissions.boundary = Some(expander.boundary(&boundary, &Arc::from("b")));
        let effective = permissions.effective(Catalog::get());
        assert!(effective.unrestricted.contains(id("s3:GetObject")));
        assert!(effective.unrestricted.contains(id("iam:GetRole")));
        assert!(!effective.unrestricted.contains(id("iam:PassRole")));
        assert!(effective.specific.contains(id("iam:PassRole")));
        assert!(!effective.allows_unconditionally(id("ec2:RunInstances")));
    }

    #[test]
    fn every_resource_of_a_type() {
        let doc = document(
            r#"{"Statement":[
              {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:role/*"},
              {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/admins/*"},
              {"Effect":"Allow","Action":"lambda:UpdateFunctionCode","Resource":"arn:aws:lambda:*:*:function:*"}]}"#,
        );
        let permissions = permissions_of(&[&doc]);
        let covers = |action: &str| {
            permissions
                .grants
                .iter()
                .any(|g| g.covers_every(id(action)))
        };
        assert!(covers("iam:PassRole"));
        let lambda_only = document(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
               "Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}]}"#,
        );
        let passing = permissions_of(&[&lambda_only]);
        let grant = &passing.grants[0];
        assert_eq!(grant.reach, Reach::Conditional);
        assert!(!grant.covers_every(id("iam:PassRole")));
        assert!(grant.passes_every_role_to(id("iam:PassRole"), "lambda.amazonaws.com"));
        assert!(!grant.passes_every_role_to(id("iam:PassRole"), "ec2.amazonaws.com"));
        assert!(!covers("iam:CreateAccessKey"));
        assert!(covers("lambda:UpdateFunctionCode"));
        assert!(!covers("iam:GetRole"));
    }

    #[test]
    fn admin_equivalence_reads_the_catalog() {
        use crate::graph::{AdminKind, identity::admin_reason};
        let kind = |json: &str| {
            let doc = document(json);
            let permissions = permissions_of(&[&doc]);
            let effective = permissions.effective(Catalog::get());
            admin_reason(&permissions, &effective, |_| None, false).map(|r| r.kind)
        };
        assert_eq!(
            kind(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
            Some(AdminKind::Everything)
        );
        // PowerUserAccess-like: everything but IAM is not admin on its own.
        assert_eq!(
            kind(
                r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#
            ),
            None
        );
        assert_eq!(
            kind(r#"{"Statement":[{"Effect":"Allow","Action":"iam:*Policy*","Resource":"*"}]}"#),
            Some(AdminKind::SelfGrant)
        );
        assert_eq!(
            kind(
                r#"{"Statement":[{"Effect":"Allow","Action":["iam:CreateRole","iam:AttachRolePolicy"],"Resource":"*"},
                   {"Effect":"Deny","Action":"iam:AttachRolePolicy","Resource":"*"}]}"#
            ),
            None
        );
        assert_eq!(
            kind(
                r#"{"Statement":[{"Effect":"Allow","Action":["iam:CreateRole","iam:PutRolePolicy"],"Resource":"*",
                   "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::1:policy/b"}}}]}"#
            ),
            None
        );
    }

    #[test]
    fn identical_action_lists_share_one_set() {
        let expander = Expander::default();
        let doc = document(
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:*Policy*"],"Resource":"*"},
               {"Effect":"Allow","Action":["IAM:*policy*"],"Resource":"*"}]}"#,
        );
        let a = expander.actions(&doc.statements[0]);
        let b = expander.actions(&doc.statements[1]);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.contains(id("iam:CreatePolicyVersion")));
        assert!(a.contains(id("iam:PutRolePolicy")));
    }
}
