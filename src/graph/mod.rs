//! The IAM graph: principals, policies, providers, pools and who can become whom, across every
//! scanned file and account.
//!
//! Built once from the [`Model`](crate::model::Model) by [`build`]; rules that reason about
//! relations (who can assume what, which role a Cognito guest gets) query it instead of
//! walking templates. Nodes keep their source location and owning account; edges keep the
//! conditions that guard them and, for `can-assume`, both halves of the decision: what the
//! target's trust policy admits and whether the caller's own policies allow the call.

mod build;
pub mod escalation;
pub mod explain;
pub mod export;
mod identity;
pub mod permissions;

pub use build::{FileFacts, build, same_scope};
pub use identity::{AdminKind, AdminReason};

use std::collections::{HashMap, VecDeque};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::source::Loc;

/// Which account a node belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKey {
    /// A literal or configured 12-digit account id.
    Id(String),
    /// Templates not matched by any configured account: one unnamed "own account".
    Unnamed,
}

impl AccountKey {
    pub fn label(&self) -> &str {
        match self {
            AccountKey::Id(id) => id,
            AccountKey::Unnamed => "own account",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Account,
    Role,
    User,
    Group,
    ManagedPolicy,
    InlinePolicy,
    IdentityProvider,
    IdentityPool,
    UserPool,
    UserPoolClient,
    ServicePrincipal,
    ExternalPrincipal,
    /// A resource's own policy (bucket, key, queue, topic, repository, function permission):
    /// the source of `grants` edges. An iamlint extension of the kinds in `rules.md`.
    ResourcePolicy,
    /// The principals of an account that one escalation method reaches when it is allowed on
    /// every resource (every role, every user, the roles trusting a service): one node, so a
    /// caller gets one edge instead of one per principal.
    PrincipalSet,
}

impl NodeKind {
    /// Kebab-case, as in `rules.md` and the graph JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Account => "account",
            NodeKind::Role => "role",
            NodeKind::User => "user",
            NodeKind::Group => "group",
            NodeKind::ManagedPolicy => "managed-policy",
            NodeKind::InlinePolicy => "inline-policy",
            NodeKind::IdentityProvider => "identity-provider",
            NodeKind::IdentityPool => "identity-pool",
            NodeKind::UserPool => "user-pool",
            NodeKind::UserPoolClient => "user-pool-client",
            NodeKind::ServicePrincipal => "service-principal",
            NodeKind::ExternalPrincipal => "external-principal",
            NodeKind::ResourcePolicy => "resource-policy",
            NodeKind::PrincipalSet => "principal-set",
        }
    }
}

/// Which model item a node stands for, so rules can go from the graph back to details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelRef {
    Principal(usize),
    Policy(usize),
    InlinePolicy { principal: usize, index: usize },
    Provider(usize),
    IdentityPool(usize),
    UserPool(usize),
    UserPoolClient(usize),
    ResourcePolicy(usize),
    LambdaPermission(usize),
    None,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// IAM name when known, else the logical id / address, or the principal as written.
    pub name: String,
    /// Logical id or Terraform address; `None` for external and synthesized nodes.
    pub resource: Option<String>,
    pub account: Option<AccountKey>,
    pub loc: Option<Loc>,
    pub model: ModelRef,
    /// Outside every scanned account (another account, `*`, a web-identity issuer).
    pub external: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    CanAssume,
    MemberOf,
    HasPolicy,
    AttachedToPool,
    Federates,
    Grants,
    /// A can act as B through a privilege-escalation method (PassRole to a service B trusts,
    /// rewriting B's trust or policies, minting B's credentials); the label names the method.
    CanEscalate,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::CanAssume => "can-assume",
            EdgeKind::MemberOf => "member-of",
            EdgeKind::HasPolicy => "has-policy",
            EdgeKind::AttachedToPool => "attached-to-pool",
            EdgeKind::Federates => "federates",
            EdgeKind::Grants => "grants",
            EdgeKind::CanEscalate => "can-escalate",
        }
    }
}

/// The caller's half of an assume-role decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallerPermission {
    /// Same-account trust naming the principal, web identity, SAML, services: the trust
    /// policy alone decides.
    NotNeeded,
    /// The caller's identity policy allows the call; the statement is here.
    Allowed(Loc),
    /// AWS needs the caller's identity policy to allow the call, and none of the caller's
    /// known policies does.
    Missing,
    /// The caller is outside the scan: its policies are unknown.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub kind: EdgeKind,
    /// For `can-assume` the action (`sts:AssumeRole`…); for pool attachments the role type
    /// (`authenticated`, `unauthenticated`, `rule-mapped`); for `grants` the actions granted.
    pub label: String,
    /// The guarding conditions, rendered (`ExternalId=…`, `sub=repo:acme/x:*`).
    pub conditions: Vec<String>,
    /// Where the relation is written (the trust principal, the attachment property).
    pub loc: Option<Loc>,
    pub caller: CallerPermission,
}

impl Edge {
    fn new(kind: EdgeKind, label: impl Into<String>, loc: Option<Loc>) -> Self {
        Edge {
            kind,
            label: label.into(),
            conditions: Vec::new(),
            loc,
            caller: CallerPermission::NotNeeded,
        }
    }

    /// Whether the edge is a step someone can actually take: for `can-assume`, both halves hold
    /// (or the caller's side is unknown because the caller is outside the scan).
    pub fn is_traversable(&self) -> bool {
        self.caller != CallerPermission::Missing
    }
}

/// The graph and the indexes rules query it by.
#[derive(Debug, Default)]
pub struct IamGraph {
    pub graph: DiGraph<Node, Edge>,
    /// Node of each model principal, by index into `Model::principals`.
    pub principal_nodes: Vec<NodeIndex>,
    pub identity_pool_nodes: Vec<NodeIndex>,
    /// Per model principal: why it is admin-equivalent, if it is.
    pub admin: Vec<Option<AdminReason>>,
    /// Per model principal: what its identity policies grant (see [`permissions`]).
    pub permissions: Vec<permissions::Permissions>,
}

impl IamGraph {
    pub fn node(&self, index: NodeIndex) -> &Node {
        &self.graph[index]
    }

    /// Why the principal behind `node` is admin-equivalent, if it is.
    pub fn admin_reason(&self, node: NodeIndex) -> Option<&AdminReason> {
        match self.graph[node].model {
            ModelRef::Principal(i) => self.admin.get(i)?.as_ref(),
            _ => None,
        }
    }

    pub fn edge(&self, index: EdgeIndex) -> &Edge {
        &self.graph[index]
    }

    /// Edges of a kind leaving a node.
    pub fn outgoing(
        &self,
        from: NodeIndex,
        kind: EdgeKind,
    ) -> impl Iterator<Item = (EdgeIndex, NodeIndex, &Edge)> {
        self.graph
            .edges(from)
            .filter(move |e| e.weight().kind == kind)
            .map(|e| (e.id(), e.target(), e.weight()))
    }

    /// Steps an identity can take towards `node`: a traversable `can-assume`, a pool handing
    /// its guests a role, or a privilege-escalation method (`can-escalate`).
    pub fn steps_into(&self, node: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex)> + '_ {
        let assume = self
            .incoming(node, EdgeKind::CanAssume)
            .filter(|(_, _, e)| e.is_traversable());
        let guests = self
            .incoming(node, EdgeKind::AttachedToPool)
            .filter(|(_, _, e)| e.label == "unauthenticated");
        let escalate = self.incoming(node, EdgeKind::CanEscalate);
        // Guests first: when both reach a role in one step, the pool tells the better story.
        guests
            .chain(assume)
            .chain(escalate)
            .map(|(edge, source, _)| (edge, source))
    }

    /// Who can become `target`: breadth-first backwards over [`IamGraph::steps_into`], nearest
    /// first. Sources `admit` rejects are neither reported nor searched through. Lazy, so a
    /// search for the nearest node of some kind stops there.
    pub fn reachers<F: Fn(NodeIndex) -> bool>(
        &self,
        target: NodeIndex,
        admit: F,
    ) -> Reachers<'_, F> {
        let mut reachers = Reachers {
            graph: self,
            target,
            admit,
            next: HashMap::new(),
            queue: VecDeque::new(),
        };
        reachers.expand(target);
        reachers
    }

    /// A node as paths show it: `name (kind)`.
    pub fn describe(&self, node: NodeIndex) -> String {
        let n = &self.graph[node];
        format!("{} ({})", n.name, n.kind.as_str())
    }

    /// Edges of a kind arriving at a node.
    pub fn incoming(
        &self,
        to: NodeIndex,
        kind: EdgeKind,
    ) -> impl Iterator<Item = (EdgeIndex, NodeIndex, &Edge)> {
        self.graph
            .edges_directed(to, petgraph::Direction::Incoming)
            .filter(move |e| e.weight().kind == kind)
            .map(|e| (e.id(), e.source(), e.weight()))
    }
}

/// The search of [`IamGraph::reachers`]; yields each node that can become the target, nearest
/// first, and keeps the edge each one takes towards it.
pub struct Reachers<'g, F> {
    graph: &'g IamGraph,
    target: NodeIndex,
    admit: F,
    /// Node → the edge it takes towards the target, and the node that edge leads to.
    next: HashMap<NodeIndex, (EdgeIndex, NodeIndex)>,
    queue: VecDeque<NodeIndex>,
}

impl<F: Fn(NodeIndex) -> bool> Reachers<'_, F> {
    fn expand(&mut self, node: NodeIndex) {
        for (edge, source) in self.graph.steps_into(node) {
            if source != self.target && (self.admit)(source) && !self.next.contains_key(&source) {
                self.next.insert(source, (edge, node));
                self.queue.push_back(source);
            }
        }
    }

    /// The steps of the shortest path from a node this search yielded to the target: each
    /// edge taken and the node it leads to.
    pub fn path(&self, start: NodeIndex) -> Vec<(EdgeIndex, NodeIndex)> {
        let mut steps = Vec::new();
        let mut node = start;
        while node != self.target {
            let Some(&step) = self.next.get(&node) else {
                break;
            };
            steps.push(step);
            node = step.1;
        }
        steps
    }

    /// A path as text: the start, then each node reached and the label of the edge taken.
    pub fn path_text(&self, start: NodeIndex, steps: &[(EdgeIndex, NodeIndex)]) -> Vec<String> {
        let graph = self.graph;
        std::iter::once(graph.describe(start))
            .chain(steps.iter().map(|&(edge, towards)| {
                format!("{} via {}", graph.describe(towards), graph.edge(edge).label)
            }))
            .collect()
    }
}

impl<F: Fn(NodeIndex) -> bool> Iterator for Reachers<'_, F> {
    type Item = NodeIndex;

    fn next(&mut self) -> Option<NodeIndex> {
        let node = self.queue.pop_front()?;
        self.expand(node);
        Some(node)
    }
}
