//! Known privilege-escalation methods as data (iam-reference §6.2), shared by ESC001 (which
//! principals hold one) and the graph's `can-escalate` edges (whom they let the holder become).
//! Only the table and what a method needs live here; evaluating them is the caller's job.

/// The principal a method lets its holder act as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Victim {
    /// A role the holder may also `sts:AssumeRole` (after changing its trust or policies).
    Role,
    /// A user whose credentials the holder can mint.
    User,
    /// A role that holds a customer managed policy the holder can rewrite, and may assume.
    PolicyHolder,
    /// A role trusting this service, passed to a resource that runs code as it.
    PassedTo(&'static str),
}

/// Where a method was published.
#[derive(Clone, Copy)]
pub enum Source {
    /// Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation" (2018).
    Rhino,
    /// NCC Group PMapper's edge checks.
    PMapper,
    /// Bishop Fox `iam-vulnerable`.
    BishopFox,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Rhino => "Rhino Security Labs",
            Source::PMapper => "PMapper",
            Source::BishopFox => "Bishop Fox iam-vulnerable",
        }
    }
}

/// A privilege-escalation method as data: `key` must be allowed on every resource (it picks
/// the victim: any policy, any user, any role to pass) and is the grant the finding points at;
/// `also` must be allowed without a condition, on any resource.
pub struct Method {
    pub name: &'static str,
    pub key: &'static str,
    pub also: &'static [&'static str],
    /// What the holder does, one line.
    pub what: &'static str,
    pub source: Source,
    /// Whom the method lets the holder act as, for the graph's `can-escalate` edges; `None`
    /// when that is not a principal of the graph (an existing function or endpoint, an older
    /// policy version, a group).
    pub victim: Option<Victim>,
}

/// The methods of `rules/ESC001.md`, in its order.
pub const METHODS: &[Method] = &[
    Method {
        name: "CreateNewPolicyVersion",
        key: "iam:CreatePolicyVersion",
        also: &[],
        what: "writes a new default version of a customer managed policy it holds, with any permissions",
        source: Source::Rhino,
        victim: Some(Victim::PolicyHolder),
    },
    Method {
        name: "SetExistingDefaultPolicyVersion",
        key: "iam:SetDefaultPolicyVersion",
        also: &[],
        what: "makes an older, more permissive version of a policy it holds the default again",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "CreateAccessKey",
        key: "iam:CreateAccessKey",
        also: &[],
        what: "mints access keys for another user and acts as that user",
        source: Source::Rhino,
        victim: Some(Victim::User),
    },
    Method {
        name: "CreateLoginProfile",
        key: "iam:CreateLoginProfile",
        also: &[],
        what: "sets a console password for a user who has none and signs in as that user",
        source: Source::Rhino,
        victim: Some(Victim::User),
    },
    Method {
        name: "UpdateLoginProfile",
        key: "iam:UpdateLoginProfile",
        also: &[],
        what: "resets another user's console password and signs in as that user",
        source: Source::Rhino,
        victim: Some(Victim::User),
    },
    Method {
        name: "AttachUserPolicy",
        key: "iam:AttachUserPolicy",
        also: &[],
        what: "attaches AdministratorAccess to itself or another user",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "AttachGroupPolicy",
        key: "iam:AttachGroupPolicy",
        also: &[],
        what: "attaches AdministratorAccess to a group it is in",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "AttachRolePolicy",
        key: "iam:AttachRolePolicy",
        also: &[],
        what: "attaches AdministratorAccess to itself or a role it can assume",
        source: Source::Rhino,
        victim: Some(Victim::Role),
    },
    Method {
        name: "PutUserPolicy",
        key: "iam:PutUserPolicy",
        also: &[],
        what: "writes an inline policy granting anything on itself or another user",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "PutGroupPolicy",
        key: "iam:PutGroupPolicy",
        also: &[],
        what: "writes an inline policy granting anything on a group it is in",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "PutRolePolicy",
        key: "iam:PutRolePolicy",
        also: &[],
        what: "writes an inline policy granting anything on itself or a role it can assume",
        source: Source::Rhino,
        victim: Some(Victim::Role),
    },
    Method {
        name: "AddUserToGroup",
        key: "iam:AddUserToGroup",
        also: &[],
        what: "adds itself to a more privileged group",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "UpdateRolePolicyToAssumeIt",
        key: "iam:UpdateAssumeRolePolicy",
        also: &["sts:AssumeRole"],
        what: "rewrites a privileged role's trust policy to admit itself, then assumes it",
        source: Source::Rhino,
        victim: Some(Victim::Role),
    },
    Method {
        name: "CreateEC2WithExistingInstanceProfile",
        key: "iam:PassRole",
        also: &["ec2:RunInstances"],
        what: "starts an instance with a privileged role and reads its credentials from the instance",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("ec2.amazonaws.com")),
    },
    Method {
        name: "PassExistingRoleToNewLambdaThenInvoke",
        key: "iam:PassRole",
        also: &["lambda:CreateFunction", "lambda:InvokeFunction"],
        what: "creates a function running as a privileged role and invokes it",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("lambda.amazonaws.com")),
    },
    Method {
        name: "PassExistingRoleToNewLambdaThenTriggerWithEventSource",
        key: "iam:PassRole",
        also: &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        what: "creates a function running as a privileged role and triggers it from a stream or queue",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("lambda.amazonaws.com")),
    },
    Method {
        name: "EditExistingLambdaFunctionWithRole",
        key: "lambda:UpdateFunctionCode",
        also: &[],
        what: "replaces the code of a function that runs as a privileged role",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "PassExistingRoleToNewCloudFormation",
        key: "iam:PassRole",
        also: &["cloudformation:CreateStack"],
        what: "creates a stack whose service role is privileged; the stack creates whatever it is told to",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("cloudformation.amazonaws.com")),
    },
    Method {
        name: "PassExistingRoleToNewGlueDevEndpoint",
        key: "iam:PassRole",
        also: &["glue:CreateDevEndpoint"],
        what: "creates a Glue development endpoint with a privileged role and logs in to it",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("glue.amazonaws.com")),
    },
    Method {
        name: "UpdateExistingGlueDevEndpoint",
        key: "glue:UpdateDevEndpoint",
        also: &[],
        what: "adds its SSH key to an existing Glue development endpoint that has a privileged role",
        source: Source::Rhino,
        victim: None,
    },
    Method {
        name: "PassRoleToNewCodeBuildProject",
        key: "iam:PassRole",
        also: &["codebuild:CreateProject", "codebuild:StartBuild"],
        what: "creates a build project with a privileged service role and runs a build",
        source: Source::PMapper,
        victim: Some(Victim::PassedTo("codebuild.amazonaws.com")),
    },
    Method {
        name: "PassRoleToNewSageMakerNotebook",
        key: "iam:PassRole",
        also: &[
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        what: "creates a notebook instance with a privileged role and opens it",
        source: Source::Rhino,
        victim: Some(Victim::PassedTo("sagemaker.amazonaws.com")),
    },
    Method {
        name: "PassRoleToNewEcsTask",
        key: "iam:PassRole",
        also: &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
        what: "registers a task definition with a privileged task role and runs it",
        source: Source::BishopFox,
        victim: Some(Victim::PassedTo("ecs-tasks.amazonaws.com")),
    },
];
