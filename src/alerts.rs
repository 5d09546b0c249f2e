//! A per-account resource of every workload account, deployed as a stack
//! set (issue #23): `workload-alerts`, an encrypted topic each workload
//! account's alarms notify, with the platform team subscribed. One
//! template, handed to CloudFormation StackSets from the operations
//! account (self-managed permissions: the operations bootstrap provides
//! the administration role, each workload bootstrap the execution role).
//! The topic is named: one per account and region, and a name generated
//! from the instance stack's would differ in every account.

use crate::accounts::{OPERATIONS, REGION};
use crate::eks_cicd::WORKLOADS;
use pipewright::stack_set::StackSet;
use pipewright::{Stack, kms, sns};

/// The stack set's name.
pub const NAME: &str = "workload-alerts";

/// Who is told of a workload account's alarms.
pub const EMAIL: &str = "platform@example.com";

/// The stack set: the topic in every workload account, in [`REGION`].
pub fn stack_set() -> StackSet {
    let mut stack = Stack::new(NAME)
        .description(
            "The topic a workload account's alarms notify (a stack set of the operations account)",
        )
        .account(OPERATIONS)
        .region(REGION)
        .tag("project", "pipewright");
    let key = stack.add(kms::Key::new("AlertsKey", "workload-alerts"));
    stack.add(
        sns::Topic::new("AlertsTopic", &key)
            .name(NAME)
            .display_name("Workload alerts")
            .email(EMAIL),
    );
    StackSet::accounts(stack, WORKLOADS.iter().map(|(_, account)| *account)).region(REGION)
}
