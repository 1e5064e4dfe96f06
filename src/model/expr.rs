//! Values that may be only partly known.
//!
//! Templates build ARNs and account ids from intrinsics (`!Sub`, `!Join`, Terraform `${…}`).
//! Normalization turns each into an [`Expr`]: a concatenation of literal text and symbols. A
//! rule can then tell "the deploying account" (`${AWS::AccountId}`) from a literal foreign
//! account, and "unknown" from "absent". Unknown never means "safe": each rule decides which
//! way it leans.

use crate::source::Loc;

/// Something whose value is fixed only at deploy time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// The account the template is deployed to (`AWS::AccountId`,
    /// `data.aws_caller_identity.*.account_id`).
    OwnAccount,
    Partition,
    Region,
    UrlSuffix,
    /// A template parameter or Terraform variable, by name.
    Param(String),
    /// A reference to another resource (`Ref`, Terraform address), by logical id or address.
    Resource(String),
    /// An attribute of another resource (`!GetAtt Role.Arn`, `aws_iam_role.x.arn`).
    Attribute {
        resource: String,
        attribute: String,
    },
    /// A value exported by another stack (`Fn::ImportValue`), by export name as written.
    Import(String),
    /// Anything else (a `!Select` over unknown lists, a function call…); the text says what.
    Unknown(String),
}

/// One piece of a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Lit(String),
    Sym(Symbol),
}

/// A scalar value with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub parts: Vec<Part>,
    pub loc: Loc,
}

/// Who an account reference points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountRef {
    /// The deploying account, however written.
    Own,
    /// A literal 12-digit account id.
    Id(String),
    /// `*`: every account.
    Any,
    /// Could not be determined statically.
    Unknown,
}

impl Expr {
    pub fn literal(text: impl Into<String>, loc: Loc) -> Self {
        Expr {
            parts: vec![Part::Lit(text.into())],
            loc,
        }
    }

    pub fn symbol(symbol: Symbol, loc: Loc) -> Self {
        Expr {
            parts: vec![Part::Sym(symbol)],
            loc,
        }
    }

    /// The value when it is fully known.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(text)] => Some(text),
            [] => Some(""),
            _ => None,
        }
    }

    pub fn as_symbol(&self) -> Option<&Symbol> {
        match self.parts.as_slice() {
            [Part::Sym(symbol)] => Some(symbol),
            _ => None,
        }
    }

    pub fn is_literal(&self, text: &str) -> bool {
        self.as_literal() == Some(text)
    }

    /// Whether the value contains any unresolved symbol.
    pub fn is_symbolic(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Sym(_)))
    }

    /// A readable rendering for messages: literals as written, symbols as `${…}`.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(text) => text.clone(),
                Part::Sym(symbol) => format!("${{{}}}", symbol_name(symbol)),
            })
            .collect()
    }

    /// Split on a literal separator, keeping symbols whole: how ARN fields are read out of a
    /// partly-known value such as `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`.
    pub fn split(&self, separator: char) -> Vec<Vec<Part>> {
        let mut fields: Vec<Vec<Part>> = vec![Vec::new()];
        for part in &self.parts {
            match part {
                Part::Lit(text) => {
                    let mut pieces = text.split(separator);
                    if let Some(first) = pieces.next() {
                        push_lit(fields.last_mut(), first);
                    }
                    for piece in pieces {
                        fields.push(Vec::new());
                        push_lit(fields.last_mut(), piece);
                    }
                }
                Part::Sym(symbol) => {
                    if let Some(field) = fields.last_mut() {
                        field.push(Part::Sym(symbol.clone()));
                    }
                }
            }
        }
        fields
    }

    /// The account an AWS principal value names: a bare account id, an ARN of the form
    /// `arn:<partition>:<service>::<account>:…`, or `*`.
    pub fn account(&self) -> AccountRef {
        if let Some(text) = self.as_literal() {
            let text = text.trim();
            if text == "*" {
                return AccountRef::Any;
            }
            if is_account_id(text) {
                return AccountRef::Id(text.to_owned());
            }
        }
        if let Some(Symbol::OwnAccount) = self.as_symbol() {
            return AccountRef::Own;
        }
        let fields = self.split(':');
        let is_arn =
            matches!(fields.first().map(Vec::as_slice), Some([Part::Lit(arn)]) if arn == "arn");
        if !is_arn {
            return AccountRef::Unknown;
        }
        match fields.get(4).map(Vec::as_slice) {
            Some([Part::Sym(Symbol::OwnAccount)]) => AccountRef::Own,
            Some([Part::Lit(id)]) if is_account_id(id) => AccountRef::Id(id.clone()),
            Some([Part::Lit(star)]) if star == "*" => AccountRef::Any,
            _ => AccountRef::Unknown,
        }
    }

    /// For an IAM ARN, the resource part after the account (`root`, `role/path/name`).
    pub fn arn_resource(&self) -> Option<String> {
        let fields = self.split(':');
        let is_arn =
            matches!(fields.first().map(Vec::as_slice), Some([Part::Lit(arn)]) if arn == "arn");
        if !is_arn || fields.len() < 6 {
            return None;
        }
        let rest: Vec<String> = fields[5..]
            .iter()
            .map(|field| {
                field
                    .iter()
                    .map(|p| match p {
                        Part::Lit(t) => t.clone(),
                        Part::Sym(s) => format!("${{{}}}", symbol_name(s)),
                    })
                    .collect::<String>()
            })
            .collect();
        Some(rest.join(":"))
    }

    /// The name of an AWS managed policy ARN (`arn:<partition>:iam::aws:policy/[path/]Name`),
    /// whatever the partition is written as.
    pub fn aws_managed_policy_name(&self) -> Option<String> {
        let fields = self.split(':');
        let is_aws = matches!(fields.get(4).map(Vec::as_slice), Some([Part::Lit(a)]) if a == "aws");
        let resource = self.arn_resource()?;
        let path = resource.strip_prefix("policy/")?;
        (is_aws && !path.contains("${")).then(|| path.rsplit('/').next().unwrap_or(path).to_owned())
    }

    /// A principal that stands for the whole account: a bare id or `…:root`.
    pub fn is_account_principal(&self) -> bool {
        if matches!(self.account(), AccountRef::Id(_) | AccountRef::Own)
            && (self.as_literal().is_some_and(|t| is_account_id(t.trim()))
                || matches!(self.as_symbol(), Some(Symbol::OwnAccount)))
        {
            return true;
        }
        self.arn_resource().as_deref() == Some("root")
    }
}

fn push_lit(field: Option<&mut Vec<Part>>, text: &str) {
    if let Some(field) = field {
        if text.is_empty() {
            return;
        }
        match field.last_mut() {
            Some(Part::Lit(existing)) => existing.push_str(text),
            _ => field.push(Part::Lit(text.to_owned())),
        }
    }
}

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

pub fn symbol_name(symbol: &Symbol) -> String {
    match symbol {
        Symbol::OwnAccount => "AWS::AccountId".into(),
        Symbol::Partition => "AWS::Partition".into(),
        Symbol::Region => "AWS::Region".into(),
        Symbol::UrlSuffix => "AWS::URLSuffix".into(),
        Symbol::Param(name) | Symbol::Resource(name) => name.clone(),
        Symbol::Attribute {
            resource,
            attribute,
        } => format!("{resource}.{attribute}"),
        Symbol::Import(name) => format!("ImportValue {name}"),
        Symbol::Unknown(what) => what.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Expr {
        Expr::literal(text, Loc::default())
    }

    #[test]
    fn account_of_literal_forms() {
        assert_eq!(
            lit("123456789012").account(),
            AccountRef::Id("123456789012".into())
        );
        assert_eq!(
            lit("arn:aws:iam::123456789012:root").account(),
            AccountRef::Id("123456789012".into())
        );
        assert_eq!(
            lit("arn:aws-cn:iam::123456789012:role/x").account(),
            AccountRef::Id("123456789012".into())
        );
        assert_eq!(lit("*").account(), AccountRef::Any);
        assert_eq!(lit("not-an-arn").account(), AccountRef::Unknown);
    }

    #[test]
    fn account_of_symbolic_arn() {
        let e = Expr {
            parts: vec![
                Part::Lit("arn:".into()),
                Part::Sym(Symbol::Partition),
                Part::Lit(":iam::".into()),
                Part::Sym(Symbol::OwnAccount),
                Part::Lit(":root".into()),
            ],
            loc: Loc::default(),
        };
        assert_eq!(e.account(), AccountRef::Own);
        assert!(e.is_account_principal());
        assert_eq!(
            e.display(),
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
        );
    }

    #[test]
    fn aws_managed_policy_names() {
        let sub = Expr {
            parts: vec![
                Part::Lit("arn:".into()),
                Part::Sym(Symbol::Partition),
                Part::Lit(":iam::aws:policy/service-role/AWSLambdaRole".into()),
            ],
            loc: Loc::default(),
        };
        assert_eq!(
            sub.aws_managed_policy_name().as_deref(),
            Some("AWSLambdaRole")
        );
        assert_eq!(
            lit("arn:aws:iam::aws:policy/AdministratorAccess")
                .aws_managed_policy_name()
                .as_deref(),
            Some("AdministratorAccess")
        );
        assert_eq!(
            lit("arn:aws:iam::123456789012:policy/Mine").aws_managed_policy_name(),
            None
        );
    }

    #[test]
    fn role_arn_is_not_account_principal() {
        assert!(!lit("arn:aws:iam::123456789012:role/ci").is_account_principal());
        assert!(lit("arn:aws:iam::123456789012:root").is_account_principal());
        assert!(lit("123456789012").is_account_principal());
    }
}
