//! `iamlint graph`: the graph as JSON (cli.md), Graphviz DOT or Mermaid.
//!
//! Nodes are grouped by account (DOT clusters, Mermaid subgraphs); edges carry their label and
//! conditions; edges a rule fired on are drawn red. `focus` keeps one node's neighbourhood.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{CallerPermission, IamGraph, Node};
use crate::finding::Finding;
use crate::source::SourceMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

/// What to draw: the nodes kept, and the rule codes that fired on each edge.
pub struct View<'g> {
    graph: &'g IamGraph,
    nodes: BTreeSet<NodeIndex>,
    findings: BTreeMap<EdgeIndex, BTreeSet<&'static str>>,
}

impl<'g> View<'g> {
    /// The whole graph, or the neighbourhood (two steps either way) of the nodes whose name or
    /// resource is `focus`. Policies and accounts alone do not make a picture: isolated nodes
    /// are left out.
    pub fn new(
        graph: &'g IamGraph,
        findings: &[Finding],
        focus: Option<&str>,
    ) -> Result<Self, String> {
        let g = &graph.graph;
        let mut nodes: BTreeSet<NodeIndex> = match focus {
            None => g
                .node_indices()
                .filter(|&n| g.neighbors_undirected(n).next().is_some())
                .collect(),
            Some(focus) => {
                let centres: Vec<NodeIndex> = g
                    .node_indices()
                    .filter(|&n| g[n].name == focus || g[n].resource.as_deref() == Some(focus))
                    .collect();
                if centres.is_empty() {
                    return Err(format!("no node named `{focus}` in the graph"));
                }
                let mut kept: BTreeSet<NodeIndex> = centres.iter().copied().collect();
                let mut frontier = centres;
                for _ in 0..2 {
                    let next: Vec<NodeIndex> = frontier
                        .iter()
                        .flat_map(|&n| g.neighbors_undirected(n))
                        .filter(|n| kept.insert(*n))
                        .collect();
                    frontier = next;
                }
                kept
            }
        };
        if nodes.is_empty() && focus.is_none() {
            nodes = g.node_indices().collect();
        }
        let mut by_loc: std::collections::HashMap<_, BTreeSet<&'static str>> =
            std::collections::HashMap::new();
        for finding in findings {
            by_loc
                .entry(finding.loc)
                .or_default()
                .insert(finding.rule.code);
        }
        let marked: BTreeMap<EdgeIndex, BTreeSet<&'static str>> = g
            .edge_references()
            .filter_map(|e| Some((e.id(), by_loc.get(&e.weight().loc?)?.clone())))
            .collect();
        Ok(View {
            graph,
            nodes,
            findings: marked,
        })
    }

    fn edges(&self) -> impl Iterator<Item = petgraph::graph::EdgeReference<'g, super::Edge>> + '_ {
        self.graph
            .graph
            .edge_references()
            .filter(|e| self.nodes.contains(&e.source()) && self.nodes.contains(&e.target()))
    }

    fn by_account(&self) -> BTreeMap<String, Vec<NodeIndex>> {
        let mut groups: BTreeMap<String, Vec<NodeIndex>> = BTreeMap::new();
        for &n in &self.nodes {
            let node = &self.graph.graph[n];
            let group = match (&node.account, node.external) {
                (Some(account), _) => account.label().to_owned(),
                (None, true) => "outside".to_owned(),
                (None, false) => "aws".to_owned(),
            };
            groups.entry(group).or_default().push(n);
        }
        groups
    }

    fn edge_text(&self, edge: &super::Edge) -> String {
        let mut text = edge.label.clone();
        if !edge.conditions.is_empty() {
            let _ = write!(text, " [{}]", edge.conditions.join(", "));
        }
        if edge.caller == CallerPermission::Missing {
            text.push_str(" (caller lacks sts:AssumeRole)");
        }
        text
    }
}

pub fn write(
    view: &View<'_>,
    format: GraphFormat,
    sources: &SourceMap,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        GraphFormat::Json => write_json(view, sources, out),
        GraphFormat::Dot => out.write_all(dot(view).as_bytes()),
        GraphFormat::Mermaid => out.write_all(mermaid(view).as_bytes()),
    }
}

#[derive(Serialize)]
struct JsonGraph {
    version: u32,
    nodes: Vec<JsonNode>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonNode {
    id: String,
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    external: bool,
}

#[derive(Serialize)]
struct JsonEdge {
    source: String,
    target: String,
    kind: &'static str,
    label: String,
    conditions: Vec<String>,
    findings: Vec<&'static str>,
    /// For `can-assume`: `not-needed`, `allowed`, `missing` or `unknown`.
    caller_permission: &'static str,
}

fn node_id(n: NodeIndex) -> String {
    format!("n{}", n.index())
}

fn write_json(view: &View<'_>, sources: &SourceMap, out: &mut dyn Write) -> io::Result<()> {
    let g = &view.graph.graph;
    let nodes = view
        .nodes
        .iter()
        .map(|&n| {
            let node = &g[n];
            let file = node.loc.and_then(|loc| sources.get(loc.file));
            JsonNode {
                id: node_id(n),
                kind: node.kind.as_str(),
                name: node.name.clone(),
                resource: node.resource.clone(),
                account: node.account.as_ref().map(|a| a.label().to_owned()),
                file: file.map(|f| f.display.clone()),
                line: node
                    .loc
                    .and_then(|loc| Some(sources.get(loc.file)?.line_col(loc.span.start).line)),
                external: node.external,
            }
        })
        .collect();
    let edges = view
        .edges()
        .map(|e| {
            let edge = e.weight();
            JsonEdge {
                source: node_id(e.source()),
                target: node_id(e.target()),
                kind: edge.kind.as_str(),
                label: edge.label.clone(),
                conditions: edge.conditions.clone(),
                findings: view
                    .findings
                    .get(&e.id())
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
                caller_permission: match edge.caller {
                    CallerPermission::NotNeeded => "not-needed",
                    CallerPermission::Allowed(_) => "allowed",
                    CallerPermission::Missing => "missing",
                    CallerPermission::Unknown => "unknown",
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonGraph {
            version: 1,
            nodes,
            edges,
        },
    )?;
    writeln!(out)
}

fn dot_shape(node: &Node) -> &'static str {
    use super::NodeKind::*;
    match node.kind {
        Account => "folder",
        Role => "box",
        User => "ellipse",
        Group => "tab",
        ManagedPolicy | InlinePolicy => "note",
        IdentityProvider | ServicePrincipal | ExternalPrincipal => "diamond",
        IdentityPool | UserPool | UserPoolClient => "cylinder",
        ResourcePolicy => "component",
        PrincipalSet => "box3d",
    }
}

/// DOT string literal: quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

fn dot(view: &View<'_>) -> String {
    let g = &view.graph.graph;
    let mut out = String::from(
        "digraph iam {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for (i, (account, members)) in view.by_account().iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{i} {{\n    label={};\n    style=rounded;",
            quoted(account)
        );
        for &n in members {
            let node = &g[n];
            let label = format!("{}\\n({})", node.name.replace('"', "'"), node.kind.as_str());
            let _ = writeln!(
                out,
                "    {} [label=\"{}\", shape={}{}];",
                node_id(n),
                label.replace('\\', "\\\\").replace("\\\\n", "\\n"),
                dot_shape(node),
                if node.external { ", style=dashed" } else { "" }
            );
        }
        out.push_str("  }\n");
    }
    for e in view.edges() {
        let edge = e.weight();
        let risky = view.findings.get(&e.id());
        let mut label = view.edge_text(edge);
        if let Some(codes) = risky {
            let _ = write!(
                label,
                " ⚠ {}",
                codes.iter().copied().collect::<Vec<_>>().join(",")
            );
        }
        let style = match (risky.is_some(), edge.caller == CallerPermission::Missing) {
            (true, _) => ", color=red, fontcolor=red, penwidth=2",
            (false, true) => ", style=dotted",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            node_id(e.source()),
            node_id(e.target()),
            quoted(&label)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid labels cannot hold quotes or brackets unescaped.
fn mermaid_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '[' | ']' | '(' | ')' | '{' | '}' | '|' | '<' | '>' => {
                format!("#{};", u32::from(c))
            }
            c => c.to_string(),
        })
        .collect()
}

fn mermaid(view: &View<'_>) -> String {
    let g = &view.graph.graph;
    let mut out = String::from("flowchart LR\n");
    for (i, (account, members)) in view.by_account().iter().enumerate() {
        let _ = writeln!(out, "  subgraph a{i}[\"{}\"]", mermaid_text(account));
        for &n in members {
            let node = &g[n];
            let _ = writeln!(
                out,
                "    {}[\"{}<br/>{}\"]",
                node_id(n),
                mermaid_text(&node.name),
                node.kind.as_str()
            );
        }
        out.push_str("  end\n");
    }
    let mut red = Vec::new();
    for (i, e) in view.edges().enumerate() {
        let arrow = if e.weight().caller == CallerPermission::Missing {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            node_id(e.source()),
            mermaid_text(&view.edge_text(e.weight())),
            node_id(e.target())
        );
        if view.findings.contains_key(&e.id()) {
            red.push(i.to_string());
        }
    }
    if !red.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:red,stroke-width:2px",
            red.join(",")
        );
    }
    out
}
