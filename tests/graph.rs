//! Graph scenarios: each `fixtures/graph/<scenario>/` folder is checked and its edge list is
//! snapshotted; focused assertions name the links each scenario exists to prove. The DOT output
//! of every scenario must render with Graphviz (`dot`), which CI installs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use iamlint::config::Config;
use iamlint::graph::export::{GraphFormat, View, write};
use iamlint::graph::{CallerPermission, IamGraph};
use iamlint::{Outcome, check};
use petgraph::visit::EdgeRef;

fn run(scenario: &str) -> Outcome {
    // A scenario folder may carry its own iamlint.toml (accounts).
    let path = Path::new("fixtures/graph").join(scenario);
    let cwd = std::env::current_dir().unwrap();
    let config = Config::find(None, &path, &cwd).unwrap();
    let outcome = check(&config.settings(vec![path]));
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    outcome
}

/// One line per edge: `source (kind) -[kind label {conditions} caller]-> target (kind)`, sorted.
fn edge_list(graph: &IamGraph) -> String {
    let g = &graph.graph;
    let mut lines: Vec<String> = g
        .edge_references()
        .map(|e| {
            let (s, t, w) = (&g[e.source()], &g[e.target()], e.weight());
            let caller = match &w.caller {
                CallerPermission::NotNeeded => "",
                CallerPermission::Allowed(_) => " caller:allowed",
                CallerPermission::Missing => " caller:missing",
                CallerPermission::Unknown => " caller:unknown",
            };
            format!(
                "{} ({}) -[{} {}{}{}]-> {} ({})",
                s.name,
                s.kind.as_str(),
                w.kind.as_str(),
                w.label,
                if w.conditions.is_empty() {
                    String::new()
                } else {
                    format!(" {{{}}}", w.conditions.join(", "))
                },
                caller,
                t.name,
                t.kind.as_str()
            )
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

fn has_edge(list: &str, line: &str) -> bool {
    list.lines().any(|l| l == line)
}

#[test]
fn scenarios_snapshot_and_render() {
    let mut scenarios: Vec<String> = std::fs::read_dir("fixtures/graph")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    scenarios.sort();
    assert!(!scenarios.is_empty());
    for scenario in scenarios {
        let outcome = run(&scenario);
        insta::assert_snapshot!(format!("graph__{scenario}"), edge_list(&outcome.graph));
        render_dot(&outcome);
    }
}

fn render_dot(outcome: &Outcome) {
    let view = View::new(&outcome.graph, &outcome.findings, None).unwrap();
    let mut dot = Vec::new();
    write(&view, GraphFormat::Dot, &outcome.sources, &mut dot).unwrap();
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` must be installed in CI"
        );
        eprintln!("Graphviz `dot` not installed; DOT rendering not checked");
        return;
    };
    child.stdin.take().unwrap().write_all(&dot).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot rejected the output: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&dot)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
}

#[test]
fn cognito_pools_link_to_their_roles() {
    let list = edge_list(&run("cognito").graph);
    assert!(
        has_edge(
            &list,
            "mobile (identity-pool) -[attached-to-pool unauthenticated]-> mobile-guest (role)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "mobile (identity-pool) -[attached-to-pool authenticated]-> mobile-user (role)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "mobile-users (user-pool) -[federates client]-> UserPoolClient (user-pool-client)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "UserPoolClient (user-pool-client) -[federates cognito]-> mobile (identity-pool)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "cognito-identity.amazonaws.com (identity-provider) -[can-assume sts:AssumeRoleWithWebIdentity {aud=${IdentityPool}, amr ForAnyValue:StringLike unauthenticated}]-> mobile-guest (role)"
        ),
        "{list}"
    );
}

#[test]
fn exports_link_stacks() {
    let list = edge_list(&run("imports").graph);
    // The managed policy reaches the role through `!ImportValue` of the role's name.
    assert!(
        has_edge(
            &list,
            "shared-ops (role) -[has-policy managed]-> ops-read (managed-policy)"
        ),
        "{list}"
    );
    // The user's group policy allows sts:AssumeRole on the imported ARN, and the role trusts its
    // own account root: both halves hold.
    assert!(
        has_edge(
            &list,
            "operator (user) -[can-assume sts:AssumeRole caller:allowed]-> shared-ops (role)"
        ),
        "{list}"
    );
    assert!(!list.contains("intern (user) -[can-assume"), "{list}");
}

#[test]
fn cross_account_trust_shows_both_halves() {
    let list = edge_list(&run("cross-account").graph);
    // prod's deployer names tooling's ci role, whose identity policy allows the call.
    assert!(
        has_edge(
            &list,
            "ci (role) -[can-assume sts:AssumeRole caller:allowed]-> deployer (role)"
        ),
        "{list}"
    );
    // prod's support names tooling's operator, whose policies allow no sts:AssumeRole: the trust
    // admits it, the caller's half is missing.
    assert!(
        has_edge(
            &list,
            "operator (role) -[can-assume sts:AssumeRole caller:missing]-> support (role)"
        ),
        "{list}"
    );
    // A trust of tooling's account root: the account as a whole (its other principals are
    // unknown), and the one known caller whose policy allows the call (by a wildcard ARN).
    assert!(
        has_edge(
            &list,
            "111111111111 (account) -[can-assume sts:AssumeRole caller:unknown]-> reports-reader (role)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "reporter (role) -[can-assume sts:AssumeRole caller:allowed]-> reports-reader (role)"
        ),
        "{list}"
    );
    // Principals of the trusted account that may not call get no edge from an account trust.
    assert!(
        !list
            .lines()
            .any(|l| l.starts_with("operator (role)") && l.ends_with("reports-reader (role)")),
        "{list}"
    );
    // Resource policies grant to principals of other files and accounts.
    assert!(
        has_edge(
            &list,
            "ArtifactsPolicy (resource-policy) -[grants s3:GetObject, s3:ListBucket]-> ci (role)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "ArtifactsPolicy (resource-policy) -[grants s3:ListBucket {PrincipalOrgID=o-a1b2c3d4e5}]-> 999988887777 (account)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "S3InvokesIndexer (resource-policy) -[grants lambda:InvokeFunction {SourceAccount=${AWS::AccountId}, SourceArn=${Artifacts.Arn}}]-> s3.amazonaws.com (service-principal)"
        ),
        "{list}"
    );
    // The auditor is outside the scan: only the trust half is known.
    assert!(
        has_edge(
            &list,
            "arn:aws:iam::999988887777:role/auditor (external-principal) -[can-assume sts:AssumeRole {ExternalId=6c1f8b2e-vendor-issued} caller:unknown]-> audit (role)"
        ),
        "{list}"
    );
}

#[test]
fn terraform_module_links_across_its_files() {
    let list = edge_list(&run("terraform").graph);
    assert!(
        has_edge(
            &list,
            "alice (user) -[member-of member-of]-> developers (group)"
        ),
        "{list}"
    );
    // The group's policy, reached through `aws_iam_user_group_membership`, lets alice assume
    // the role that trusts its own account root; bob is in no group.
    assert!(
        has_edge(
            &list,
            "alice (user) -[can-assume sts:AssumeRole caller:allowed]-> app (role)"
        ),
        "{list}"
    );
    assert!(!list.contains("bob (user) -["), "{list}");
    assert!(
        has_edge(
            &list,
            "app (role) -[has-policy managed]-> app-read (managed-policy)"
        ),
        "{list}"
    );
    // The roles attachment in cognito.tf.json names a role of iam.tf.json.
    assert!(
        has_edge(
            &list,
            "mobile (identity-pool) -[attached-to-pool authenticated]-> app (role)"
        ),
        "{list}"
    );
    assert!(
        has_edge(
            &list,
            "mobile (identity-pool) -[attached-to-pool unauthenticated]-> mobile-guest (role)"
        ),
        "{list}"
    );
}

#[test]
fn terraform_resource_policies_grant_and_their_findings_mark_the_edge() {
    let path = Path::new("fixtures/rules/XAC005/bad_tf_partner");
    let cwd = std::env::current_dir().unwrap();
    let config = Config::find(None, path, &cwd).unwrap();
    let outcome = check(&config.settings(vec![path.to_path_buf()]));
    let view = View::new(&outcome.graph, &outcome.findings, None).unwrap();
    let mut json = Vec::new();
    write(&view, GraphFormat::Json, &outcome.sources, &mut json).unwrap();
    let graph: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let name = |id: &serde_json::Value| {
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == *id)
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let grants: Vec<String> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "grants")
        .map(|e| {
            format!(
                "{} -> {} {} {}",
                name(&e["source"]),
                name(&e["target"]),
                e["label"].as_str().unwrap(),
                e["findings"]
            )
        })
        .collect();
    assert!(
        grants.contains(
            &r#"aws_kms_key.reports -> arn:aws:iam::444455556666:role/etl kms:Decrypt ["XAC005"]"#
                .to_owned()
        ),
        "{grants:#?}"
    );
    assert!(
        grants.contains(
            &r#"aws_s3_bucket_policy.reports -> 444455556666 s3:GetObject ["XAC005"]"#.to_owned()
        ),
        "{grants:#?}"
    );
}

#[test]
fn escalation_edges_name_their_method() {
    let list = edge_list(&run("escalation").graph);
    let set = "roles trusting lambda.amazonaws.com in own account (principal-set)";
    for line in [
        format!("deployer (role) -[can-escalate iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction (PassExistingRoleToNewLambdaThenInvoke)]-> {set}"),
        format!("{set} -[can-escalate trusts lambda.amazonaws.com]-> function-role (role)"),
        "key-minter (role) -[can-escalate iam:CreateAccessKey (CreateAccessKey)]-> ops (user)".to_owned(),
        // Rewriting the policy the role holds comes first in the methods table; one edge per pair.
        "key-minter (role) -[can-escalate iam:CreatePolicyVersion (CreateNewPolicyVersion)]-> function-role (role)".to_owned(),
    ] {
        assert!(has_edge(&list, &line), "missing {line}\n{list}");
    }
    // The unconditional Deny of iam:* takes PassRole away.
    assert!(
        !list
            .lines()
            .any(|l| l.starts_with("denied-deployer (role) -[can-escalate")),
        "{list}"
    );
}

#[test]
fn rewriting_a_policy_one_holds_is_admin() {
    let outcome = run("self-admin");
    let graph = &outcome.graph;
    let reason = |name: &str| {
        let node = graph
            .graph
            .node_indices()
            .find(|&n| graph.node(n).name == name)
            .unwrap();
        graph.admin_reason(node).map(|r| r.why.clone())
    };
    let ops = reason("ops").unwrap_or_default();
    assert!(
        ops.contains("`iam:PutGroupPolicy` on its group `operators`"),
        "{ops}"
    );
    // The builder holds `build` and may publish its new versions; it holds nothing else.
    let builder = reason("builder").unwrap_or_default();
    assert!(
        builder.contains("`iam:CreatePolicyVersion` on `build`"),
        "{builder}"
    );
    // Another member of the group has no such right.
    assert_eq!(reason("reader"), None);
}
