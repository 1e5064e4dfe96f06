//! `iamlint explain-principal`: what one principal can effectively do, whether it is
//! admin-equivalent and why, and who can reach it.
//!
//! Reads only the built graph (its effective permissions, admin reasons and edges) and the
//! action catalog; finding the principal by name and rendering are here, running the pipeline
//! is the CLI's job.

use std::collections::BTreeMap;
use std::io::{self, Write};

use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::permissions::Reach;
use super::{IamGraph, ModelRef, NodeKind};
use crate::catalog::{AccessLevel, Catalog};
use crate::source::SourceMap;

/// How many action names a group shows.
const SAMPLE: usize = 3;
/// How many principals that reach the target are listed.
const MAX_REACHERS: usize = 25;

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub name: String,
    pub kind: &'static str,
    pub resource: Option<String>,
    pub account: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    /// Why it is admin-equivalent, when it is.
    pub admin: Option<String>,
    /// A managed policy whose document is unknown is attached: the permissions are a lower
    /// bound.
    pub incomplete: bool,
    pub permissions: Vec<Tier>,
    /// Who can become this principal, shortest path first.
    pub reached_from: Vec<Reacher>,
}

#[derive(Debug, Serialize)]
pub struct Tier {
    /// `allowed`, `only on specific resources`, `only under a condition`.
    pub reach: &'static str,
    pub actions: usize,
    /// Every catalog action is in this tier.
    pub everything: bool,
    pub services: Vec<ServiceGroup>,
}

#[derive(Debug, Serialize)]
pub struct ServiceGroup {
    pub service: String,
    pub levels: Vec<LevelGroup>,
}

#[derive(Debug, Serialize)]
pub struct LevelGroup {
    pub level: &'static str,
    pub count: usize,
    /// A few action names, in catalog order.
    pub examples: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Reacher {
    pub source: String,
    pub kind: &'static str,
    pub steps: usize,
    /// `node (kind)` then `node (kind) via edge label`, from the source to the principal.
    pub path: Vec<String>,
}

/// What a lookup by name found.
pub enum Lookup {
    Found(NodeIndex),
    /// Several principals carry the name; each as `name (kind) in account, file:line`.
    Ambiguous(Vec<String>),
    NotFound,
}

/// Principals (roles, users, groups) whose IAM name, logical id or Terraform address is `name`.
pub fn find(graph: &IamGraph, sources: &SourceMap, name: &str) -> Lookup {
    let matches: Vec<NodeIndex> = graph
        .principal_nodes
        .iter()
        .copied()
        .filter(|&n| {
            let node = graph.node(n);
            node.name == name || node.resource.as_deref() == Some(name)
        })
        .collect();
    match matches.as_slice() {
        [] => Lookup::NotFound,
        [one] => Lookup::Found(*one),
        many => Lookup::Ambiguous(
            many.iter()
                .map(|&n| {
                    let node = graph.node(n);
                    let (file, line) = location(sources, node.loc);
                    format!(
                        "{} ({}) in {}, {}:{}",
                        node.name,
                        node.kind.as_str(),
                        node.account.as_ref().map_or("?", |a| a.label()),
                        file.unwrap_or_default(),
                        line.unwrap_or_default()
                    )
                })
                .collect(),
        ),
    }
}

fn location(
    sources: &SourceMap,
    loc: Option<crate::source::Loc>,
) -> (Option<String>, Option<usize>) {
    let Some(file) = loc.and_then(|loc| Some((sources.get(loc.file)?, loc.span.start))) else {
        return (None, None);
    };
    (
        Some(file.0.display.clone()),
        Some(file.0.line_col(file.1).line),
    )
}

pub fn explain(graph: &IamGraph, sources: &SourceMap, node: NodeIndex) -> Explanation {
    let catalog = Catalog::get();
    let n = graph.node(node);
    let (file, line) = location(sources, n.loc);
    let index = match n.model {
        ModelRef::Principal(i) => Some(i),
        _ => None,
    };
    let permissions = index.and_then(|i| graph.permissions.get(i));
    let effective = permissions.map(|p| p.effective(catalog));
    let tiers = Reach::ALL
        .iter()
        .filter_map(|&reach| {
            let set = effective.as_ref()?.tier(reach);
            let everything = catalog.action_count() > 0 && set.len() == catalog.action_count();
            let mut services: BTreeMap<&str, BTreeMap<AccessLevel, Vec<&str>>> = BTreeMap::new();
            if !everything {
                for id in set.iter() {
                    if let Some(info) = catalog.info(id) {
                        services
                            .entry(info.service)
                            .or_default()
                            .entry(info.level)
                            .or_default()
                            .push(info.name);
                    }
                }
            }
            Some(Tier {
                reach: reach.as_str(),
                actions: set.len(),
                everything,
                services: services
                    .into_iter()
                    .map(|(service, levels)| ServiceGroup {
                        service: service.to_owned(),
                        levels: levels
                            .into_iter()
                            .map(|(level, names)| LevelGroup {
                                level: level.as_str(),
                                count: names.len(),
                                examples: names
                                    .iter()
                                    .take(SAMPLE)
                                    .map(|s| (*s).to_owned())
                                    .collect(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .collect();
    Explanation {
        name: n.name.clone(),
        kind: n.kind.as_str(),
        resource: n.resource.clone(),
        account: n.account.as_ref().map(|a| a.label().to_owned()),
        file,
        line,
        admin: graph.admin_reason(node).map(|r| r.why.clone()),
        incomplete: permissions.is_some_and(|p| p.incomplete),
        permissions: tiers,
        reached_from: reachers(graph, node),
    }
}

/// Every principal, provider, pool or outside identity that can become `target`, with its
/// shortest path.
fn reachers(graph: &IamGraph, target: NodeIndex) -> Vec<Reacher> {
    let mut search = graph.reachers(target, |_| true);
    let order: Vec<NodeIndex> = search.by_ref().collect();
    order
        .into_iter()
        // Set nodes are a means of the graph, not someone who acts.
        .filter(|&n| graph.node(n).kind != NodeKind::PrincipalSet)
        .take(MAX_REACHERS)
        .map(|start| {
            let steps = search.path(start);
            let source = graph.node(start);
            Reacher {
                source: source.name.clone(),
                kind: source.kind.as_str(),
                steps: steps.len(),
                path: search.path_text(start, &steps),
            }
        })
        .collect()
}

pub fn write_human(explanation: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    let e = explanation;
    write!(out, "{} `{}`", e.kind, e.name)?;
    if let Some(account) = &e.account {
        write!(out, " in {account}")?;
    }
    if let (Some(file), Some(line)) = (&e.file, e.line) {
        write!(out, " ({file}:{line})")?;
    }
    writeln!(out)?;
    match &e.admin {
        Some(why) => writeln!(out, "admin-equivalent: yes, {why}")?,
        None => writeln!(out, "admin-equivalent: no")?,
    }
    if e.incomplete {
        writeln!(
            out,
            "note: a managed policy whose document is not known is attached; it may grant more"
        )?;
    }
    writeln!(out, "\neffective permissions:")?;
    for tier in &e.permissions {
        if tier.actions == 0 {
            writeln!(out, "  {}: none", tier.reach)?;
            continue;
        }
        if tier.everything {
            writeln!(
                out,
                "  {}: every action of every service ({} actions)",
                tier.reach, tier.actions
            )?;
            continue;
        }
        writeln!(
            out,
            "  {}: {} in {}",
            tier.reach,
            plural(tier.actions, "action"),
            plural(tier.services.len(), "service")
        )?;
        for service in &tier.services {
            let levels: Vec<String> = service
                .levels
                .iter()
                .map(|l| {
                    let more = if l.count > l.examples.len() {
                        ", …"
                    } else {
                        ""
                    };
                    format!("{} {} ({}{more})", l.level, l.count, l.examples.join(", "))
                })
                .collect();
            writeln!(out, "    {}: {}", service.service, levels.join("; "))?;
        }
    }
    writeln!(out, "\nreached from:")?;
    if e.reached_from.is_empty() {
        writeln!(out, "  nobody in the scan")?;
    }
    for reacher in &e.reached_from {
        writeln!(
            out,
            "  {} ({}) in {}: {}",
            reacher.source,
            reacher.kind,
            plural(reacher.steps, "step"),
            reacher.path.join(" → ")
        )?;
    }
    Ok(())
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
