//! The StackSets calls pipewright makes, on the [`Target`] of the account
//! and region where the stack set lives; each reads every page and turns
//! SDK shapes into the plain values of [`super::values`].

use super::api::{Target, parameters};
use super::error::CloudError;
use super::values::{
    ErrorCode, InstanceResult, InstanceResultStatus, InstanceSummary, StackDriftStatus,
    StackInstanceStatus, StackSetInfo, StackSetOperationStatus,
};
use crate::stack_set::{CallAs, Count, Deployment, Preferences, Targets};
use aws_sdk_cloudformation::types::{
    AutoDeployment, CallAs as SdkCallAs, Capability, DeploymentTargets, PermissionModels,
    RegionConcurrencyType, StackSetOperationPreferences, Tag,
};
use indexmap::IndexMap;

/// What a create or update of a stack set sends besides its name.
pub(crate) struct SetRequest<'a> {
    /// The template body.
    pub body: &'a str,
    /// Parameter values (`None`: the previous value).
    pub parameters: Vec<(&'a str, Option<&'a str>)>,
    /// Tags.
    pub tags: Vec<(&'a str, &'a str)>,
    /// Capabilities the template needs.
    pub capabilities: &'a [crate::app::Capability],
    /// Targets, regions, preferences, call-as.
    pub deployment: &'a Deployment,
}

fn call_as(d: &Deployment) -> SdkCallAs {
    match d.call_as {
        CallAs::SelfAccount => SdkCallAs::SelfValue,
        CallAs::DelegatedAdmin => SdkCallAs::DelegatedAdmin,
    }
}

/// The operation preferences as the API takes them.
pub(crate) fn preferences(p: &Preferences) -> StackSetOperationPreferences {
    let mut b = StackSetOperationPreferences::builder()
        .region_concurrency_type(RegionConcurrencyType::from(p.region_concurrency.as_str()));
    b = match p.max_concurrent {
        Count::Accounts(n) => b.max_concurrent_count(n as i32),
        Count::Percent(n) => b.max_concurrent_percentage(i32::from(n)),
    };
    b = match p.failure_tolerance {
        Count::Accounts(n) => b.failure_tolerance_count(n as i32),
        Count::Percent(n) => b.failure_tolerance_percentage(i32::from(n)),
    };
    b.set_region_order((!p.region_order.is_empty()).then(|| p.region_order.clone()))
        .build()
}

/// The accounts or units of `targets` as the instance calls take them:
/// `Accounts` for self-managed sets, `DeploymentTargets` for
/// service-managed ones.
fn instance_targets(
    d: &Deployment,
    targets: &[String],
) -> (Option<Vec<String>>, Option<DeploymentTargets>) {
    match d.targets {
        Targets::Accounts(_) => (Some(targets.to_vec()), None),
        _ => (
            None,
            Some(
                DeploymentTargets::builder()
                    .set_organizational_unit_ids(Some(targets.to_vec()))
                    .build(),
            ),
        ),
    }
}

impl Target {
    /// The stack set, or `None` when it does not exist (or was deleted).
    pub async fn describe_stack_set(
        &self,
        name: &str,
        d: &Deployment,
    ) -> Result<Option<StackSetInfo>, CloudError> {
        let out = match self
            .client
            .describe_stack_set()
            .stack_set_name(name)
            .call_as(call_as(d))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match self.fail("DescribeStackSet", name, e) {
                    CloudError::Api {
                        code: ErrorCode::StackSetNotFound,
                        ..
                    } => Ok(None),
                    e => Err(e),
                };
            }
        };
        let Some(s) = out.stack_set() else {
            return Ok(None);
        };
        let status = s.status().map(|s| s.as_str()).unwrap_or_default();
        if status == "DELETED" {
            return Ok(None);
        }
        let pairs = |items: Vec<(Option<&str>, Option<&str>)>| -> IndexMap<String, String> {
            items
                .into_iter()
                .filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned())))
                .collect()
        };
        Ok(Some(StackSetInfo {
            name: s.stack_set_name().unwrap_or(name).to_owned(),
            status: status.to_owned(),
            template_body: s.template_body().unwrap_or_default().to_owned(),
            parameters: pairs(
                s.parameters()
                    .iter()
                    .map(|p| (p.parameter_key(), p.parameter_value()))
                    .collect(),
            ),
            tags: pairs(s.tags().iter().map(|t| (t.key(), t.value())).collect()),
            permission_model: s
                .permission_model()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            auto_deployment: s.auto_deployment().and_then(|a| {
                Some((
                    a.enabled()?,
                    a.retain_stacks_on_account_removal().unwrap_or(false),
                ))
            }),
        }))
    }

    /// Creates the stack set (no instances yet).
    pub async fn create_stack_set(
        &self,
        name: &str,
        req: &SetRequest<'_>,
    ) -> Result<(), CloudError> {
        self.writable(name)?;
        let d = req.deployment;
        let mut call = self
            .client
            .create_stack_set()
            .stack_set_name(name)
            .template_body(req.body)
            .set_parameters(Some(parameters(&req.parameters)))
            .set_tags(Some(tags(&req.tags)))
            .set_capabilities(Some(capabilities(req.capabilities)))
            .permission_model(PermissionModels::from(
                d.targets.permission_model().as_str(),
            ))
            .call_as(call_as(d));
        if let Targets::OrganizationalUnits {
            auto_deployment,
            retain_on_account_removal,
            ..
        } = d.targets
        {
            call = call.auto_deployment(auto(auto_deployment, retain_on_account_removal));
        }
        call.send()
            .await
            .map_err(|e| self.fail("CreateStackSet", name, e))?;
        Ok(())
    }

    /// Updates the stack set and the instances of `targets` × `regions`;
    /// returns the operation ID.
    pub async fn update_stack_set(
        &self,
        name: &str,
        req: &SetRequest<'_>,
        targets: &[String],
        regions: &[String],
    ) -> Result<String, CloudError> {
        self.writable(name)?;
        let d = req.deployment;
        let (accounts, deployment_targets) = instance_targets(d, targets);
        let mut call = self
            .client
            .update_stack_set()
            .stack_set_name(name)
            .template_body(req.body)
            .set_parameters(Some(parameters(&req.parameters)))
            .set_tags(Some(tags(&req.tags)))
            .set_capabilities(Some(capabilities(req.capabilities)))
            .operation_preferences(preferences(&d.preferences))
            .set_accounts(accounts)
            .set_deployment_targets(deployment_targets)
            .set_regions(Some(regions.to_vec()))
            .call_as(call_as(d));
        if let Targets::OrganizationalUnits {
            auto_deployment,
            retain_on_account_removal,
            ..
        } = d.targets
        {
            call = call.auto_deployment(auto(auto_deployment, retain_on_account_removal));
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.fail("UpdateStackSet", name, e))?;
        Ok(out.operation_id().unwrap_or_default().to_owned())
    }

    /// Adds the instances of `targets` × `regions`, with parameter
    /// overrides; returns the operation ID.
    pub async fn create_stack_instances(
        &self,
        name: &str,
        d: &Deployment,
        targets: &[String],
        regions: &[String],
        overrides: &[(&str, &str)],
    ) -> Result<String, CloudError> {
        self.writable(name)?;
        let (accounts, deployment_targets) = instance_targets(d, targets);
        let out = self
            .client
            .create_stack_instances()
            .stack_set_name(name)
            .set_accounts(accounts)
            .set_deployment_targets(deployment_targets)
            .set_regions(Some(regions.to_vec()))
            .set_parameter_overrides((!overrides.is_empty()).then(|| {
                parameters(
                    &overrides
                        .iter()
                        .map(|(k, v)| (*k, Some(*v)))
                        .collect::<Vec<_>>(),
                )
            }))
            .operation_preferences(preferences(&d.preferences))
            .call_as(call_as(d))
            .send()
            .await
            .map_err(|e| self.fail("CreateStackInstances", name, e))?;
        Ok(out.operation_id().unwrap_or_default().to_owned())
    }

    /// Removes the instances of `targets` × `regions` and their stacks
    /// (unless `retain`); returns the operation ID.
    pub async fn delete_stack_instances(
        &self,
        name: &str,
        d: &Deployment,
        targets: &[String],
        regions: &[String],
        retain: bool,
    ) -> Result<String, CloudError> {
        self.writable(name)?;
        let (accounts, deployment_targets) = instance_targets(d, targets);
        let out = self
            .client
            .delete_stack_instances()
            .stack_set_name(name)
            .set_accounts(accounts)
            .set_deployment_targets(deployment_targets)
            .set_regions(Some(regions.to_vec()))
            .retain_stacks(retain)
            .operation_preferences(preferences(&d.preferences))
            .call_as(call_as(d))
            .send()
            .await
            .map_err(|e| self.fail("DeleteStackInstances", name, e))?;
        Ok(out.operation_id().unwrap_or_default().to_owned())
    }

    /// Every instance of the stack set.
    pub async fn stack_instances(
        &self,
        name: &str,
        d: &Deployment,
    ) -> Result<Vec<InstanceSummary>, CloudError> {
        let summaries: Vec<_> = self
            .client
            .list_stack_instances()
            .stack_set_name(name)
            .call_as(call_as(d))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.fail("ListStackInstances", name, e))?;
        Ok(summaries
            .iter()
            .map(|i| InstanceSummary {
                account: i.account().unwrap_or_default().to_owned(),
                region: i.region().unwrap_or_default().to_owned(),
                organizational_unit: i.organizational_unit_id().map(str::to_owned),
                status: StackInstanceStatus::parse(
                    i.status().map(|s| s.as_str()).unwrap_or_default(),
                ),
                reason: i.status_reason().map(str::to_owned),
                drift_status: i
                    .drift_status()
                    .map(|s| StackDriftStatus::parse(s.as_str())),
            })
            .collect())
    }

    /// An operation's status.
    pub async fn stack_set_operation(
        &self,
        name: &str,
        d: &Deployment,
        id: &str,
    ) -> Result<StackSetOperationStatus, CloudError> {
        let out = self
            .client
            .describe_stack_set_operation()
            .stack_set_name(name)
            .operation_id(id)
            .call_as(call_as(d))
            .send()
            .await
            .map_err(|e| self.fail("DescribeStackSetOperation", name, e))?;
        Ok(StackSetOperationStatus::parse(
            out.stack_set_operation()
                .and_then(|o| o.status())
                .map(|s| s.as_str())
                .unwrap_or_default(),
        ))
    }

    /// An operation's result per account and region, every page.
    pub async fn operation_results(
        &self,
        name: &str,
        d: &Deployment,
        id: &str,
    ) -> Result<Vec<InstanceResult>, CloudError> {
        let summaries: Vec<_> = self
            .client
            .list_stack_set_operation_results()
            .stack_set_name(name)
            .operation_id(id)
            .call_as(call_as(d))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.fail("ListStackSetOperationResults", name, e))?;
        Ok(summaries
            .iter()
            .map(|r| InstanceResult {
                account: r.account().unwrap_or_default().to_owned(),
                region: r.region().unwrap_or_default().to_owned(),
                status: InstanceResultStatus::parse(
                    r.status().map(|s| s.as_str()).unwrap_or_default(),
                ),
                reason: r.status_reason().map(str::to_owned),
            })
            .collect())
    }

    /// Starts a stack set drift detection; returns the operation ID.
    pub async fn detect_stack_set_drift(
        &self,
        name: &str,
        d: &Deployment,
    ) -> Result<String, CloudError> {
        let out = self
            .client
            .detect_stack_set_drift()
            .stack_set_name(name)
            .operation_preferences(preferences(&d.preferences))
            .call_as(call_as(d))
            .send()
            .await
            .map_err(|e| self.fail("DetectStackSetDrift", name, e))?;
        Ok(out.operation_id().unwrap_or_default().to_owned())
    }

    /// Deletes the (empty) stack set.
    pub async fn delete_stack_set(&self, name: &str, d: &Deployment) -> Result<(), CloudError> {
        self.writable(name)?;
        self.client
            .delete_stack_set()
            .stack_set_name(name)
            .call_as(call_as(d))
            .send()
            .await
            .map_err(|e| self.fail("DeleteStackSet", name, e))?;
        Ok(())
    }
}

fn tags(tags: &[(&str, &str)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
        .collect()
}

fn capabilities(caps: &[crate::app::Capability]) -> Vec<Capability> {
    caps.iter().map(|c| Capability::from(c.as_str())).collect()
}

fn auto(enabled: bool, retain: bool) -> AutoDeployment {
    AutoDeployment::builder()
        .enabled(enabled)
        .set_retain_stacks_on_account_removal(enabled.then_some(retain))
        .build()
}
