//! A deterministic synthetic corpus: CloudFormation templates full of IAM (roles with every kind
//! of trust, inline and managed policies, bucket policies, exports) spread over account folders,
//! YAML with short-form tags and JSON, so the benchmark exercises the same paths real templates
//! do. The same seed always writes the same bytes.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

/// What [`generate`] wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// SplitMix64: tiny, fast and deterministic, which is all a generator needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }
}

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "sqs:SendMessage",
    "kms:Decrypt",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sts:AssumeRole",
    "iam:PassRole",
    "ec2:Describe*",
    "*",
];

const SERVICES: &[&str] = &[
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "states.amazonaws.com",
];

fn account_id(index: usize) -> String {
    format!("{:012}", 100_000_000_000 + index * 7_919)
}

/// Write `templates` templates into `accounts` folders under `dir/accounts/`.
pub fn generate(dir: &Path, templates: usize, accounts: usize, seed: u64) -> io::Result<Written> {
    let mut rng = Rng(seed);
    let mut written = Written::default();
    let accounts = accounts.max(1);
    for index in 0..templates {
        let account = index % accounts;
        let folder = dir
            .join("accounts")
            .join(format!("acct-{}", account_id(account)));
        fs::create_dir_all(&folder)?;
        let template = template(&mut rng, index, account, accounts);
        let (name, text) = if index % 4 == 3 {
            let text = serde_json::to_string_pretty(&template).map_err(io::Error::other)?;
            (format!("stack-{index:05}.template.json"), text)
        } else {
            let mut text = String::new();
            yaml(&template, 0, &mut text);
            (format!("stack-{index:05}.yaml"), text)
        };
        fs::write(folder.join(name), &text)?;
        written.files += 1;
        written.bytes += text.len() as u64;
    }
    Ok(written)
}

fn template(rng: &mut Rng, index: usize, account: usize, accounts: usize) -> Value {
    let mut resources = serde_json::Map::new();
    for r in 0..3 + rng.below(10) {
        let name = format!("Role{index}x{r}");
        resources.insert(name.clone(), role(rng, account, accounts));
        if rng.below(3) == 0 {
            resources.insert(format!("{name}Policy"), managed_policy(rng, &name));
        }
    }
    if rng.below(2) == 0 {
        resources.insert(format!("Bucket{index}"), json!({"Type": "AWS::S3::Bucket"}));
        resources.insert(
            format!("Bucket{index}Policy"),
            json!({
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": format!("Bucket{index}")},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{}:root", account_id(rng.below(accounts)))},
                        "Action": ["s3:GetObject"],
                        "Resource": {"Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::${{Bucket{index}}}/*")},
                    }]},
                },
            }),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("Synthetic stack {index} for account {}", account_id(account)),
        "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
        "Resources": resources,
        "Outputs": {"FirstRoleArn": {
            "Value": {"Fn::GetAtt": [format!("Role{index}x0"), "Arn"]},
            "Export": {"Name": {"Fn::Sub": format!("${{AWS::StackName}}-role-{index}")}},
        }},
    })
}

fn role(rng: &mut Rng, account: usize, accounts: usize) -> Value {
    let principal = match rng.below(6) {
        0 | 1 => json!({"Service": rng.pick(SERVICES)}),
        2 => json!({"AWS": format!("arn:aws:iam::{}:root", account_id(rng.below(accounts)))}),
        3 => json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}),
        4 => {
            json!({"Federated": format!("arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com", account_id(account))})
        }
        _ => json!({"AWS": "*"}),
    };
    let federated = principal.get("Federated").is_some();
    let action = if federated {
        "sts:AssumeRoleWithWebIdentity"
    } else {
        "sts:AssumeRole"
    };
    let mut trust = json!({"Effect": "Allow", "Principal": principal, "Action": action});
    if rng.below(2) == 0 {
        let condition = if federated {
            json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})
        } else {
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}})
        };
        trust["Condition"] = condition;
    }
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
            "Policies": [{"PolicyName": "inline", "PolicyDocument": policy_document(rng)}],
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        },
    })
}

fn managed_policy(rng: &mut Rng, role: &str) -> Value {
    json!({
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Roles": [{"Ref": role}],
            "PolicyDocument": policy_document(rng),
        },
    })
}

fn policy_document(rng: &mut Rng) -> Value {
    let statements: Vec<Value> = (0..1 + rng.below(4))
        .map(|_| {
            let actions: Vec<&str> = (0..1 + rng.below(4)).map(|_| rng.pick(ACTIONS)).collect();
            let effect = if rng.below(8) == 0 { "Deny" } else { "Allow" };
            let resource = if rng.below(3) == 0 {
                json!("*")
            } else {
                json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::data-${AWS::AccountId}/*"})
            };
            json!({"Effect": effect, "Action": actions, "Resource": resource})
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Block-style YAML, with CloudFormation short forms for one-key intrinsic mappings.
/// Strings are written as JSON strings, which are valid YAML double-quoted scalars.
fn yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                out.push_str(&format!("{pad}{key}:"));
                yaml_value(item, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    // `- Key: …` with the mapping's later keys under the first one.
                    Value::Object(map) if !map.is_empty() && short_form(item).is_none() => {
                        let mut nested = String::new();
                        yaml(item, indent + 2, &mut nested);
                        out.push_str(&format!("{pad}- "));
                        out.push_str(nested.get(indent + 2..).unwrap_or_default());
                    }
                    _ => {
                        out.push_str(&format!("{pad}-"));
                        yaml_value(item, indent, out);
                    }
                }
            }
        }
        scalar => out.push_str(&format!("{pad}{scalar}\n")),
    }
}

/// The part after `key:` or `-`.
fn yaml_value(value: &Value, indent: usize, out: &mut String) {
    if let Some(short) = short_form(value) {
        out.push_str(&format!(" {short}\n"));
        return;
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml(value, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            yaml(value, indent + 2, out);
        }
        other => out.push_str(&format!(" {other}\n")),
    }
}

fn short_form(value: &Value) -> Option<String> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    let (key, argument) = map.iter().next()?;
    match (key.as_str(), argument) {
        ("Ref", Value::String(name)) => Some(format!("!Ref {name}")),
        ("Fn::Sub", Value::String(_)) => Some(format!("!Sub {argument}")),
        ("Fn::GetAtt", Value::Array(parts)) => {
            let parts: Option<Vec<&str>> = parts.iter().map(Value::as_str).collect();
            Some(format!("!GetAtt {}", parts?.join(".")))
        }
        _ => None,
    }
}
