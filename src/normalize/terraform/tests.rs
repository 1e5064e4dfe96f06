//! End-to-end tests of the Terraform readers on small inline inputs.

use std::sync::Arc;

use super::{normalize_module, normalize_plan};
use crate::input::Document;
use crate::model::{
    Effect, Expr, Model, PolicyDocument, PrincipalKind, PrincipalType, Statement, Symbol,
};
use crate::parse::parse_json;
use crate::source::{FileId, SourceFile};

fn document(path: &str, text: &str, format: crate::model::Format) -> Document {
    let (root, problems) = parse_json(text).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    Document {
        source: Arc::new(SourceFile::new(path.into(), path.into(), Arc::from(text))),
        format,
        root: root.unwrap(),
        duplicate_keys: Vec::new(),
    }
}

/// Normalize `.tf.json` files of one module; file ids follow their order.
fn module(files: &[&str]) -> Model {
    let documents: Vec<Document> = files
        .iter()
        .enumerate()
        .map(|(i, text)| {
            document(
                &format!("m/{i}.tf.json"),
                text,
                crate::model::Format::TerraformConfig,
            )
        })
        .collect();
    let refs: Vec<(FileId, &Document)> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (FileId(i as u32), d))
        .collect();
    let (model, errors) = normalize_module(&refs);
    assert!(errors.is_empty(), "{errors:?}");
    model
}

fn plan(text: &str) -> Model {
    let document = document("plan.json", text, crate::model::Format::TerraformPlan);
    normalize_plan(FileId(0), &document).unwrap()
}

fn trust<'m>(model: &'m Model, name: &str) -> &'m PolicyDocument {
    model
        .principals
        .iter()
        .find(|p| p.resource.name == name)
        .unwrap_or_else(|| panic!("no principal {name}"))
        .trust
        .as_ref()
        .unwrap()
}

fn only_statement(document: &PolicyDocument) -> &Statement {
    assert!(!document.opaque, "{document:?}");
    assert_eq!(document.statements.len(), 1, "{document:?}");
    &document.statements[0]
}

fn display(values: &[Expr]) -> Vec<String> {
    values.iter().map(Expr::display).collect()
}

/// The text a location points at, in `text`.
fn at(text: &str, expr: &Expr) -> String {
    text[expr.loc.span.start as usize..expr.loc.span.end as usize].to_owned()
}

#[test]
fn policy_document_data_source_in_another_file() {
    let roles = r#"{
      "resource": {"aws_iam_role": {"app": {
        "name": "app",
        "assume_role_policy": "${data.aws_iam_policy_document.assume.json}"
      }}}
    }"#;
    let documents = r#"{
      "//": "comment",
      "variable": {"pool": {"default": "us-east-1:1111"}},
      "locals": {"issuer": "cognito-identity.amazonaws.com"},
      "data": {"aws_iam_policy_document": {"assume": [{
        "//": "comment in a body",
        "statement": {
          "actions": ["sts:AssumeRoleWithWebIdentity"],
          "principals": [{"type": "Federated", "identifiers": ["${local.issuer}"]}],
          "condition": [
            {"test": "StringEquals", "variable": "${local.issuer}:aud", "values": ["${var.pool}"]}
          ]
        }
      }]}}
    }"#;
    let model = module(&[roles, documents]);
    let document = trust(&model, "aws_iam_role.app");
    let statement = only_statement(document);
    assert_eq!(
        statement.effect,
        Effect::Allow,
        "the provider's default effect"
    );
    let principal = &statement.principal.as_ref().unwrap().entries[0];
    assert_eq!(principal.kind, PrincipalKind::Federated);
    assert_eq!(
        principal.value.as_literal(),
        Some("cognito-identity.amazonaws.com")
    );
    // The principal points at its text in the data source's file.
    assert_eq!(principal.value.loc.file, FileId(1));
    assert_eq!(at(documents, &principal.value), r#""${local.issuer}""#);
    let condition = &statement.conditions.items[0];
    assert_eq!(condition.key, "cognito-identity.amazonaws.com:aud");
    assert_eq!(display(&condition.values), ["us-east-1:1111"]);
    assert!(
        statement
            .conditions
            .pins("cognito-identity.amazonaws.com:aud")
    );
}

#[test]
fn templates_become_symbols() {
    let model = module(&[r#"{
      "variable": {"acct": {"type": "string"}},
      "resource": {"aws_iam_role_policy_attachment": {"a": {
        "role": "${aws_iam_role.app.name}",
        "policy_arn": "arn:${data.aws_partition.p.partition}:iam::${data.aws_caller_identity.me.account_id}:policy/x-${var.acct}-$${literal}"
      }}}
    }"#]);
    let attachment = &model.attachments[0];
    assert_eq!(
        attachment.principal.as_symbol(),
        Some(&Symbol::Attribute {
            resource: "aws_iam_role.app".into(),
            attribute: "name".into()
        })
    );
    assert_eq!(
        attachment.policy_arn.display(),
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/x-${var.acct}-${literal}"
    );
    assert_eq!(attachment.principal_kind, PrincipalType::Role);
}

#[test]
fn policy_json_string_with_templates_inside() {
    let text = r#"{"resource": {"aws_iam_role": {"r": {
      "assume_role_policy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\", \"Principal\": {\"AWS\": \"arn:aws:iam::${var.acct}:root\"}}]}"
    }}}, "variable": {"acct": {"default": "222222222222"}}}"#;
    let model = module(&[text]);
    let statement = only_statement(trust(&model, "aws_iam_role.r"));
    let entry = &statement.principal.as_ref().unwrap().entries[0];
    assert_eq!(
        entry.value.as_literal(),
        Some("arn:aws:iam::222222222222:root")
    );
    assert_eq!(
        at(text, &entry.value),
        r#"\"arn:aws:iam::${var.acct}:root\""#
    );
}

#[test]
fn jsonencode_policy() {
    let text = r#"{"resource": {"aws_iam_role": {"r": {
      "assume_role_policy": "${jsonencode({Version = \"2012-10-17\", Statement = [{Effect = \"Allow\", Action = \"sts:AssumeRole\", Principal = {AWS = \"*\"}, Condition = {StringEquals = {\"aws:PrincipalOrgID\" = var.org}}}]})}"
    }}}}"#;
    let model = module(&[text]);
    let statement = only_statement(trust(&model, "aws_iam_role.r"));
    let entry = &statement.principal.as_ref().unwrap().entries[0];
    assert_eq!(entry.kind, PrincipalKind::Aws);
    assert_eq!(entry.value.as_literal(), Some("*"));
    assert_eq!(at(text, &entry.value), r#"\"*\""#);
    let condition = &statement.conditions.items[0];
    assert_eq!(condition.key, "aws:PrincipalOrgID");
    assert_eq!(
        condition.values[0].as_symbol(),
        Some(&Symbol::Param("var.org".into()))
    );
}

#[test]
fn jsonencode_of_a_local_object() {
    let model = module(&[r#"{
      "locals": {"trust": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "${local.svc}"}}]}, "svc": "ec2.amazonaws.com"},
      "resource": {"aws_iam_role": {"r": {"assume_role_policy": "${jsonencode(local.trust)}"}}}
    }"#]);
    let statement = only_statement(trust(&model, "aws_iam_role.r"));
    let entry = &statement.principal.as_ref().unwrap().entries[0];
    assert_eq!(entry.kind, PrincipalKind::Service);
    assert_eq!(entry.value.as_literal(), Some("ec2.amazonaws.com"));
}

#[test]
fn computed_policies_are_opaque_not_empty() {
    let model = module(&[r#"{"resource": {"aws_iam_role": {
      "a": {"assume_role_policy": "${file(\"trust.json\")}"},
      "b": {"assume_role_policy": "${data.aws_iam_policy_document.missing.json}"},
      "c": {"assume_role_policy": "{\"Statement\": ${local.statements}}"},
      "d": {"assume_role_policy": "${jsonencode({(local.k) = 1})}"}
    }}}"#]);
    for name in ["a", "b", "c", "d"] {
        let document = trust(&model, &format!("aws_iam_role.{name}"));
        assert!(document.opaque, "{name}: {document:?}");
        assert!(document.statements.is_empty());
    }
}

#[test]
fn dynamic_and_unevaluated_conditions_are_opaque() {
    let model = module(&[r#"{
      "data": {"aws_iam_policy_document": {
        "d": {"statement": {"actions": ["sts:AssumeRole"],
              "dynamic": {"condition": {"for_each": "${var.c}", "content": {"test": "${condition.value.test}"}}}}},
        "u": {"statement": {"actions": ["sts:AssumeRole"],
              "condition": {"test": "${var.op}", "variable": "aws:PrincipalOrgID", "values": ["o-1"]}}},
        "s": {"dynamic": {"statement": {"for_each": "${var.s}", "content": {"actions": ["*"]}}}}
      }},
      "resource": {"aws_iam_role": {
        "d": {"assume_role_policy": "${data.aws_iam_policy_document.d.json}"},
        "u": {"assume_role_policy": "${data.aws_iam_policy_document.u.json}"},
        "s": {"assume_role_policy": "${data.aws_iam_policy_document.s.json}"}
      }}
    }"#]);
    assert!(
        only_statement(trust(&model, "aws_iam_role.d"))
            .conditions
            .opaque
    );
    assert!(
        only_statement(trust(&model, "aws_iam_role.u"))
            .conditions
            .opaque
    );
    assert!(trust(&model, "aws_iam_role.s").opaque);
}

#[test]
fn source_and_override_documents_merge_by_sid() {
    let model = module(&[r#"{
      "data": {"aws_iam_policy_document": {
        "base": {"statement": [
          {"sid": "Keep", "actions": ["s3:GetObject"], "resources": ["*"]},
          {"sid": "Replace", "actions": ["s3:*"], "resources": ["*"]}
        ]},
        "override": {"statement": {"sid": "Replace", "actions": ["s3:ListBucket"], "resources": ["*"]}},
        "merged": {
          "source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
          "override_policy_documents": ["${data.aws_iam_policy_document.override.json}"],
          "statement": {"actions": ["sqs:SendMessage"], "resources": ["*"]}
        }
      }},
      "resource": {"aws_iam_policy": {"p": {"policy": "${data.aws_iam_policy_document.merged.json}"}}}
    }"#]);
    let document = &model.policies[0].document;
    assert!(!document.opaque);
    let actions: Vec<Vec<String>> = document
        .statements
        .iter()
        .map(|s| display(s.action.as_ref().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            vec!["s3:GetObject"],
            vec!["s3:ListBucket"],
            vec!["sqs:SendMessage"]
        ]
    );
}

#[test]
fn star_principal_type_is_everyone() {
    let model = module(&[r#"{
      "data": {"aws_iam_policy_document": {"d": {"statement": {
        "actions": ["sqs:*"], "principals": {"type": "*", "identifiers": ["*"]}}}}},
      "resource": {"aws_sqs_queue_policy": {"q": {"policy": "${data.aws_iam_policy_document.d.json}"}}}
    }"#]);
    let statement = only_statement(&model.resource_policies[0].document);
    let entry = &statement.principal.as_ref().unwrap().entries[0];
    assert_eq!(entry.kind, PrincipalKind::Everyone);
}

#[test]
fn local_reference_cycles_end() {
    let model = module(&[r#"{
      "locals": {"a": "${local.b}", "b": ["${local.a}", "${local.a}"]},
      "resource": {"aws_iam_role": {"r": {"name": "${local.a}"}}}
    }"#]);
    let name = model.principals[0].name.as_ref().unwrap();
    assert!(name.is_symbolic());
}

#[test]
fn resources_and_blocks_as_arrays() {
    let model = module(&[r#"{
      "resource": [
        {"aws_cognito_identity_pool": {"pool": {
          "identity_pool_name": "p",
          "allow_unauthenticated_identities": true,
          "cognito_identity_providers": [{"client_id": "c1", "provider_name": "n1"}, {"client_id": "c2", "provider_name": "n2"}]
        }}},
        {"aws_cognito_user_pool": [{"up": {
          "mfa_configuration": "OFF",
          "password_policy": {"minimum_length": 6, "require_symbols": false},
          "admin_create_user_config": {"allow_admin_create_user_only": "${var.admin_only}"}
        }}]},
        {"aws_cognito_identity_pool_roles_attachment": {"att": {
          "identity_pool_id": "${aws_cognito_identity_pool.pool.id}",
          "roles": {"authenticated": "${aws_iam_role.auth.arn}", "unauthenticated": "${aws_iam_role.guest.arn}"},
          "role_mapping": {"identity_provider": "x", "type": "Rules",
            "mapping_rule": [{"claim": "c", "match_type": "Equals", "value": "v", "role_arn": "${aws_iam_role.mapped.arn}"}]}
        }}},
        {"aws_iam_user_group_membership": {"m": {"user": "u", "groups": ["g1", "g2"]}}}
      ]
    }"#]);
    let pool = &model.identity_pools[0];
    assert!(pool.allow_unauthenticated.unwrap().value);
    assert_eq!(pool.cognito_providers.len(), 2);
    let user_pool = &model.user_pools[0];
    assert_eq!(user_pool.mfa.as_ref().unwrap().as_literal(), Some("OFF"));
    let password = user_pool.password_policy.as_ref().unwrap();
    assert_eq!(
        password.minimum_length.as_ref().unwrap().as_literal(),
        Some("6")
    );
    assert!(!password.require_symbols.unwrap().value);
    assert!(
        user_pool.admin_create_only.is_none(),
        "an unknown flag is not a flag"
    );
    let attachment = &model.pool_role_attachments[0];
    assert_eq!(
        attachment.unauthenticated.as_ref().unwrap().display(),
        "${aws_iam_role.guest.arn}"
    );
    assert_eq!(
        display(&attachment.mapped_roles),
        ["${aws_iam_role.mapped.arn}"]
    );
    assert_eq!(model.memberships.len(), 2);
}

#[test]
fn a_malformed_resource_block_is_an_error() {
    let text = r#"{"resource": "aws_iam_role"}"#;
    let document = document("x.tf.json", text, crate::model::Format::TerraformConfig);
    let (_, errors) = normalize_module(&[(FileId(0), &document)]);
    assert_eq!(errors.len(), 1);
}

const PLAN: &str = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {
    "resources": [
      {"address": "aws_iam_user.u", "mode": "managed", "type": "aws_iam_user", "name": "u", "values": {"name": "planned"}}
    ],
    "child_modules": [{"address": "module.a", "resources": [], "child_modules": [{"address": "module.a.module.b", "resources": [
      {"address": "module.a.module.b.aws_iam_group.g", "mode": "managed", "type": "aws_iam_group", "name": "g", "values": {"name": "deep"}}
    ]}]}]
  }},
  "resource_changes": [
    {"address": "aws_iam_user.u", "mode": "managed", "type": "aws_iam_user", "name": "u",
     "change": {"actions": ["update"], "after": {"name": "from-changes"}, "after_unknown": {}}},
    {"address": "aws_iam_role.gone", "mode": "managed", "type": "aws_iam_role", "name": "gone",
     "change": {"actions": ["delete"], "before": {"name": "gone"}, "after": null}},
    {"address": "module.m.aws_iam_role.r[\"k\"]", "module_address": "module.m", "mode": "managed", "type": "aws_iam_role", "name": "r", "index": "k",
     "change": {"actions": ["create"], "after": {
        "name": "r",
        "inline_policy": [{"name": "i", "policy": "{\r\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]\r\n}\r\n"}]
      }, "after_unknown": {"assume_role_policy": true, "permissions_boundary": true}}},
    {"address": "module.m.data.aws_iam_policy_document.t[\"k\"]", "module_address": "module.m", "mode": "data", "type": "aws_iam_policy_document", "name": "t", "index": "k",
     "change": {"actions": ["read"], "after": {"statement": [{"effect": null, "actions": ["sts:AssumeRole"], "resources": null, "condition": [],
        "principals": [{"type": "AWS", "identifiers": ["*", null]}]}], "source_policy_documents": null},
      "after_unknown": {"json": true}}}
  ],
  "configuration": {"root_module": {"module_calls": {"m": {"module": {"resources": [
    {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "expressions": {
      "assume_role_policy": {"references": ["data.aws_iam_policy_document.t", "each.key"]},
      "permissions_boundary": {"references": ["aws_iam_policy.b.arn", "aws_iam_policy.b"]}
    }}
  ]}}}}}
}"#;

#[test]
fn plan_reads_each_address_once_and_skips_deletions() {
    let model = plan(PLAN);
    let names: Vec<&str> = model
        .principals
        .iter()
        .map(|p| p.resource.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "aws_iam_user.u",
            r#"module.m.aws_iam_role.r["k"]"#,
            "module.a.module.b.aws_iam_group.g"
        ]
    );
    let user = &model.principals[0];
    assert_eq!(
        user.name.as_ref().unwrap().as_literal(),
        Some("from-changes")
    );
}

#[test]
fn plan_unknown_values_come_from_configuration() {
    let model = plan(PLAN);
    let role = &model.principals[1];
    assert_eq!(
        role.permissions_boundary.as_ref().unwrap().as_symbol(),
        Some(&Symbol::Attribute {
            resource: "module.m.aws_iam_policy.b".into(),
            attribute: "arn".into()
        })
    );
    // The deferred data source with the same instance key gives the trust policy.
    let statement = only_statement(role.trust.as_ref().unwrap());
    assert_eq!(statement.effect, Effect::Allow);
    let values = display(
        &statement
            .principal
            .as_ref()
            .unwrap()
            .entries
            .iter()
            .map(|e| e.value.clone())
            .collect::<Vec<_>>(),
    );
    assert_eq!(values, ["*", "${known after apply}"]);
    assert!(statement.resource.is_none());
}

#[test]
fn plan_policy_strings_with_crlf_point_into_the_file() {
    let model = plan(PLAN);
    let inline = &model.principals[1].inline_policies[0];
    let statement = only_statement(&inline.document);
    let action = &statement.action.as_ref().unwrap()[0];
    assert_eq!(action.as_literal(), Some("s3:*"));
    assert_eq!(at(PLAN, action), r#"\"s3:*\""#);
}

#[test]
fn state_values_and_unsupported_versions() {
    let state = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
      {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
       "values": {"name": "p", "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::b/${aws:username}\"}]}"}}
    ]}}}"#;
    let model = plan(state);
    assert!(model.policies[0].managed);
    let statement = only_statement(&model.policies[0].document);
    assert_eq!(statement.effect, Effect::Allow);
    // Plan values are final: a policy variable is text, not an interpolation.
    let resources = statement.resource.as_ref().unwrap();
    assert_eq!(display(resources), ["arn:aws:s3:::b/${aws:username}"]);
    assert!(!resources[0].is_symbolic());

    let future = document(
        "p.json",
        r#"{"format_version": "2.0", "values": {}}"#,
        crate::model::Format::TerraformPlan,
    );
    assert!(normalize_plan(FileId(0), &future).is_err());
}

#[test]
fn deep_and_wide_locals_stay_bounded() {
    // 40 locals, each a list nested 190 deep holding a reference to the next: the evaluation
    // stops at its depth limit instead of exhausting a worker thread's stack.
    let locals: Vec<String> = (0..40)
        .map(|i| {
            let inner = format!("\"${{local.l{}}}\"", i + 1);
            format!("\"l{i}\": {}{inner}{}", "[".repeat(190), "]".repeat(190))
        })
        .collect();
    let text = format!(
        r#"{{"locals": {{{}}}, "resource": {{"aws_iam_role": {{"r": {{"name": "${{local.l0}}"}}}}}}}}"#,
        locals.join(", ")
    );
    let model = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || module(&[&text]))
        .unwrap()
        .join()
        .unwrap();
    assert!(model.principals[0].name.as_ref().unwrap().is_symbolic());
}

#[test]
fn container_policies_only_when_configured() {
    let policy =
        r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:*\"}]}"#;
    let config = module(&[&format!(
        r#"{{"resource": {{"aws_sqs_queue": {{"q": {{"policy": "{policy}"}}, "plain": {{"name": "p"}}}}}}}}"#
    )]);
    assert_eq!(config.resource_policies.len(), 1);
    assert_eq!(config.resource_policies[0].resource.name, "aws_sqs_queue.q");

    // State reports the policy a dedicated resource (or AWS's default) set: not the queue's own.
    let resource = |name: &str| {
        format!(
            r#"{{"address": "aws_sqs_queue.{name}", "mode": "managed", "type": "aws_sqs_queue", "name": "{name}", "values": {{"policy": "{policy}"}}}}"#
        )
    };
    let state = format!(
        r#"{{"format_version": "1.0", "values": {{"root_module": {{"resources": [{}]}}}}}}"#,
        resource("q")
    );
    assert!(plan(&state).resource_policies.is_empty());
    let planned = format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{}, {}]}}}},
           "configuration": {{"root_module": {{"resources": [
             {{"address": "aws_sqs_queue.q", "expressions": {{"policy": {{"constant_value": "…"}}}}}},
             {{"address": "aws_sqs_queue.other", "expressions": {{}}}}]}}}}}}"#,
        resource("q"),
        resource("other")
    );
    let names: Vec<String> = plan(&planned)
        .resource_policies
        .iter()
        .map(|p| p.resource.name.clone())
        .collect();
    assert_eq!(names, ["aws_sqs_queue.q"]);
}

#[test]
fn resource_comments_are_suppressions_of_that_resource() {
    let model = module(&[r#"{"resource": {"aws_iam_role": {"audit": {
        "//": ["owned by the platform team", "iamlint: ignore[XAC001, XAC003] vendor, reviewed 2026-10", "iamlint: ignore[XAC002]"],
        "name": "audit"
    }}}}"#]);
    let found: Vec<(String, &str, Option<&str>)> = model
        .suppressions
        .iter()
        .map(|s| {
            let crate::model::SuppressionTarget::Resource(name) = &s.target else {
                panic!("a resource suppression: {s:?}");
            };
            (name.clone(), s.rule.as_str(), s.reason.as_deref())
        })
        .collect();
    let reason = Some("vendor, reviewed 2026-10");
    assert_eq!(
        found,
        [
            ("aws_iam_role.audit".to_owned(), "XAC001", reason),
            ("aws_iam_role.audit".to_owned(), "XAC003", reason),
            ("aws_iam_role.audit".to_owned(), "XAC002", None),
        ]
    );
}
