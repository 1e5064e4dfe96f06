//! CloudFormation intrinsic functions → symbolic values.
//!
//! `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt`, `Fn::If`, `Fn::Select`, `Fn::FindInMap`,
//! `Fn::ImportValue` are evaluated as far as the template allows; pseudo parameters become
//! symbols (`${AWS::AccountId}` is the deploying account, whatever its number), parameters and
//! other resources stay symbolic. `Fn::If` yields both branches: a finding in either is real
//! for some deployment.

use std::collections::HashSet;

use super::policy::Resolve;
use crate::model::{Expr, Part, Symbol};
use crate::parse::Node;
use crate::source::{FileId, Loc};

/// The template facts intrinsics are evaluated against.
pub struct CfnResolver<'t> {
    pub file: FileId,
    pub parameters: HashSet<&'t str>,
    pub mappings: Option<&'t Node>,
}

impl<'t> CfnResolver<'t> {
    pub fn new(file: FileId, root: &'t Node) -> Self {
        let parameters = root
            .get("Parameters")
            .and_then(Node::as_map)
            .map(|entries| entries.iter().map(|e| &*e.key).collect())
            .unwrap_or_default();
        CfnResolver {
            file,
            parameters,
            mappings: root.get("Mappings"),
        }
    }

    fn reference(&self, name: &str) -> Symbol {
        match name {
            "AWS::AccountId" => Symbol::OwnAccount,
            "AWS::Partition" => Symbol::Partition,
            "AWS::Region" => Symbol::Region,
            "AWS::URLSuffix" => Symbol::UrlSuffix,
            _ if name.starts_with("AWS::") => Symbol::Unknown(name.to_owned()),
            _ if self.parameters.contains(name) => Symbol::Param(name.to_owned()),
            _ => Symbol::Resource(name.to_owned()),
        }
    }

    fn sub(&self, template: &str, variables: Option<&Node>, loc: Loc) -> Expr {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            push_lit(&mut parts, &rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                push_lit(&mut parts, &rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            if let Some(literal) = name.strip_prefix('!') {
                push_lit(&mut parts, &format!("${{{literal}}}"));
            } else if let Some(value) = variables.and_then(|v| v.get(name)) {
                parts.extend(self.value(value).parts);
            } else if let Some((resource, attribute)) =
                name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                parts.push(Part::Sym(Symbol::Attribute {
                    resource: resource.to_owned(),
                    attribute: attribute.to_owned(),
                }));
            } else {
                parts.push(Part::Sym(self.reference(name)));
            }
            rest = &after[end + 1..];
        }
        push_lit(&mut parts, rest);
        Expr { parts, loc }
    }

    fn find_in_map(&self, args: &[Node]) -> Option<&Node> {
        let [map, top, second, ..] = args else {
            return None;
        };
        let key = |n: &Node| self.value(n).as_literal().map(str::to_owned);
        self.mappings?
            .get(&key(map)?)?
            .get(&key(top)?)?
            .get(&key(second)?)
    }

    fn unknown(&self, what: &str, node: &Node) -> Vec<Expr> {
        vec![Expr::symbol(
            Symbol::Unknown(what.to_owned()),
            self.loc(node),
        )]
    }
}

fn push_lit(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(Part::Lit(existing)) => existing.push_str(text),
        _ => parts.push(Part::Lit(text.to_owned())),
    }
}

fn concat(pieces: Vec<Expr>, separator: &str, loc: Loc) -> Expr {
    let mut parts = Vec::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        if i > 0 {
            push_lit(&mut parts, separator);
        }
        for part in piece.parts {
            match part {
                Part::Lit(text) => push_lit(&mut parts, &text),
                symbol => parts.push(symbol),
            }
        }
    }
    Expr { parts, loc }
}

impl Resolve for CfnResolver<'_> {
    fn file(&self) -> FileId {
        self.file
    }

    fn values(&self, node: &Node) -> Vec<Expr> {
        let loc = self.loc(node);
        if let Some(text) = node.as_str() {
            return vec![Expr::literal(text, loc)];
        }
        if let Some(items) = node.as_seq() {
            return items.iter().flat_map(|item| self.values(item)).collect();
        }
        let Some(function) = node.single_entry() else {
            return self.unknown("mapping", node);
        };
        let argument = &function.value;
        match &*function.key {
            "Ref" => match argument.as_str() {
                Some("AWS::NoValue") => Vec::new(),
                Some(name) => vec![Expr::symbol(self.reference(name), loc)],
                None => self.unknown("Ref", node),
            },
            "Fn::GetAtt" => {
                let parts: Vec<String> = match argument.as_seq() {
                    Some(items) => items.iter().map(|i| self.value(i).display()).collect(),
                    None => argument
                        .as_str()
                        .map(|s| s.split('.').map(str::to_owned).collect())
                        .unwrap_or_default(),
                };
                match parts.split_first() {
                    Some((resource, attribute)) if !attribute.is_empty() => {
                        vec![Expr::symbol(
                            Symbol::Attribute {
                                resource: resource.clone(),
                                attribute: attribute.join("."),
                            },
                            loc,
                        )]
                    }
                    _ => self.unknown("Fn::GetAtt", node),
                }
            }
            "Fn::Sub" => match (argument.as_str(), argument.as_seq()) {
                (Some(template), _) => vec![self.sub(template, None, loc)],
                (_, Some([template, variables])) => match template.as_str() {
                    Some(template) => vec![self.sub(template, Some(variables), loc)],
                    None => self.unknown("Fn::Sub", node),
                },
                _ => self.unknown("Fn::Sub", node),
            },
            "Fn::Join" => match argument.as_seq() {
                Some([separator, list]) => {
                    let separator = separator.as_str().unwrap_or("");
                    match list.as_seq() {
                        Some(items) => {
                            let pieces = items
                                .iter()
                                .filter_map(|i| self.values(i).into_iter().next())
                                .collect();
                            vec![concat(pieces, separator, loc)]
                        }
                        None => self.unknown("Fn::Join", node),
                    }
                }
                _ => self.unknown("Fn::Join", node),
            },
            "Fn::If" => match argument.as_seq() {
                Some([_, when_true, when_false]) => {
                    let mut values = self.values(when_true);
                    values.extend(self.values(when_false));
                    values
                }
                _ => self.unknown("Fn::If", node),
            },
            "Fn::Select" => {
                let chosen = argument.as_seq().and_then(|args| match args {
                    [index, list] => {
                        let index: usize = self.value(index).as_literal()?.trim().parse().ok()?;
                        list.as_seq()?.get(index)
                    }
                    _ => None,
                });
                match chosen {
                    Some(item) => self.values(item),
                    None => self.unknown("Fn::Select", node),
                }
            }
            "Fn::FindInMap" => match argument.as_seq().and_then(|a| self.find_in_map(a)) {
                Some(value) => self.values(value),
                None => self.unknown("Fn::FindInMap", node),
            },
            "Fn::ImportValue" => vec![Expr::symbol(
                Symbol::Import(self.value(argument).display()),
                loc,
            )],
            "Fn::Base64" => self.values(argument),
            other => self.unknown(other, node),
        }
    }

    fn structures<'a>(&self, node: &'a Node) -> Option<Vec<&'a Node>> {
        let Some(function) = node.single_entry().filter(|e| is_intrinsic(&e.key)) else {
            return Some(vec![node]);
        };
        match (
            &*function.key,
            function.value.as_seq(),
            function.value.as_str(),
        ) {
            ("Ref", _, Some("AWS::NoValue")) => Some(Vec::new()),
            ("Fn::If", Some([_, when_true, when_false]), _) => {
                let mut branches = self.structures(when_true)?;
                branches.extend(self.structures(when_false)?);
                Some(branches)
            }
            _ => None,
        }
    }
}

/// Whether a one-key mapping is an intrinsic call rather than data.
pub fn is_intrinsic(key: &str) -> bool {
    key == "Ref" || key == "Condition" || key.starts_with("Fn::")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountRef;
    use crate::parse::parse_yaml;

    fn eval(yaml: &str) -> Vec<Expr> {
        let root = parse_yaml(yaml).unwrap().0.unwrap();
        let resolver = CfnResolver::new(FileId(0), &root);
        resolver.values(root.get("v").unwrap())
    }

    #[test]
    fn sub_with_pseudo_parameters_is_own_account() {
        let v = eval("v: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'\n");
        assert_eq!(v[0].account(), AccountRef::Own);
    }

    #[test]
    fn join_and_parameters() {
        let v = eval(
            "Parameters: {Trusted: {Type: String}}\nv: !Join ['', ['arn:aws:iam::', !Ref Trusted, ':root']]\n",
        );
        assert_eq!(v[0].display(), "arn:aws:iam::${Trusted}:root");
        assert_eq!(v[0].account(), AccountRef::Unknown);
    }

    #[test]
    fn if_yields_both_branches_and_novalue_nothing() {
        let v = eval("v: !If [C, '111111111111', !Ref AWS::NoValue]\n");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].as_literal(), Some("111111111111"));
    }

    #[test]
    fn sub_escapes_and_variables() {
        let v = eval("v: !Sub ['${!aws:username}-${X}', {X: !Ref AWS::Region}]\n");
        assert_eq!(v[0].display(), "${aws:username}-${AWS::Region}");
    }

    #[test]
    fn find_in_map_with_literal_keys() {
        let v = eval("Mappings: {M: {a: {b: '222222222222'}}}\nv: !FindInMap [M, a, b]\n");
        assert_eq!(v[0].as_literal(), Some("222222222222"));
    }
}
