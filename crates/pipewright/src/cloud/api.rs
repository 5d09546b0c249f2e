//! The CloudFormation calls pipewright makes, each reading every page and
//! turning SDK shapes into the plain values of [`super::values`]; the one
//! place an SDK type is read. [`Target`] is a client bound to one stack's
//! account and region; [`super::client`] makes it, the flows call it.

use super::change_set::{ChangeSetRequest, ChangeSetState, ResourceChange, Summary};
use super::error::{CloudError, classify_error};
use super::stack_events::{EventLog, StackEvent};
use super::values::{
    Action, ChangeSetStatus, DetectionState, DetectionStatus, DifferenceType, PropertyDrift,
    Replacement, ResourceDrift, ResourceDriftStatus, ResourceStatus, ResourceSummary,
    StackDriftStatus, StackInfo, StackStatus,
};
use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::primitives::{DateTime, DateTimeFormat};
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetType, Parameter, ResourceToImport, Tag, TemplateStage,
};
use indexmap::IndexMap;
use std::time::Duration;

/// A CloudFormation client bound to one region.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) client: aws_sdk_cloudformation::Client,
    pub(crate) region: String,
    pub(crate) endpoint: String,
    /// Whether the endpoint was given (`AWS_ENDPOINT_URL`, a local
    /// emulator) rather than AWS's own: an answer no AWS endpoint gives (a
    /// bare HTTP error for an operation) may then mean it lacks the call.
    pub(crate) custom_endpoint: bool,
    pub(crate) poll: Duration,
    /// S3 in the same account and region, to stage large templates.
    pub(crate) s3: aws_sdk_s3::Client,
    /// The role CloudFormation acts as (`RoleARN` of change sets and
    /// deletes), when the stack's account is reached through one.
    pub(crate) execution_role: Option<String>,
    /// The account, when the stack may only be read through this client
    /// (see `accounts::read_only`): every write call is refused.
    pub(crate) read_only: Option<String>,
}

/// Parameter values as the API takes them; `None` keeps the previous
/// value.
pub(super) fn parameters(values: &[(&str, Option<&str>)]) -> Vec<Parameter> {
    values
        .iter()
        .map(|(k, v)| match v {
            Some(v) => Parameter::builder()
                .parameter_key(*k)
                .parameter_value(*v)
                .build(),
            None => Parameter::builder()
                .parameter_key(*k)
                .use_previous_value(true)
                .build(),
        })
        .collect()
}

pub(crate) fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

impl Target {
    /// The same credentials in `region`: to read a stack that lives in
    /// another region of the account (a bootstrap stack serves every region
    /// of its account).
    pub(crate) fn in_region(&self, region: &str) -> Target {
        if region == self.region {
            return self.clone();
        }
        let client = aws_sdk_cloudformation::Client::from_conf(
            self.client
                .config()
                .to_builder()
                .region(aws_sdk_cloudformation::config::Region::new(
                    region.to_owned(),
                ))
                .build(),
        );
        let endpoint = if self
            .endpoint
            .contains(&format!("cloudformation.{}.", self.region))
        {
            format!("https://cloudformation.{region}.amazonaws.com")
        } else {
            self.endpoint.clone()
        };
        Target {
            client,
            region: region.to_owned(),
            endpoint,
            custom_endpoint: self.custom_endpoint,
            poll: self.poll,
            s3: self.s3.clone(),
            execution_role: self.execution_role.clone(),
            read_only: self.read_only.clone(),
        }
    }

    /// Refuses a write call through a read-only client (see
    /// `accounts::read_only`).
    pub(super) fn writable(&self, stack: &str) -> Result<(), CloudError> {
        match &self.read_only {
            Some(account) => Err(CloudError::ReadOnly {
                stack: stack.to_owned(),
                account: account.clone(),
            }),
            None => Ok(()),
        }
    }

    pub(super) fn fail<E>(
        &self,
        operation: &'static str,
        stack: &str,
        err: SdkError<E, HttpResponse>,
    ) -> CloudError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        classify_error(operation, Some(stack), &self.endpoint, &self.region, err)
    }

    /// The stack, or `None` when it does not exist. `stack` is a name or ID.
    pub async fn describe(&self, stack: &str) -> Result<Option<StackInfo>, CloudError> {
        let out = match self.client.describe_stacks().stack_name(stack).send().await {
            Ok(out) => out,
            Err(e) => {
                return match self.fail("DescribeStacks", stack, e) {
                    CloudError::NoSuchStack { .. } => Ok(None),
                    e => Err(e),
                };
            }
        };
        let Some(s) = out.stacks().first() else {
            return Ok(None);
        };
        let pairs = |items: Vec<(Option<&str>, Option<&str>)>| -> IndexMap<String, String> {
            items
                .into_iter()
                .filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned())))
                .collect()
        };
        Ok(Some(StackInfo {
            id: s.stack_id().unwrap_or(stack).to_owned(),
            name: s.stack_name().unwrap_or(stack).to_owned(),
            status: StackStatus::parse(s.stack_status().map(|st| st.as_str()).unwrap_or_default()),
            status_reason: s.stack_status_reason().map(str::to_owned),
            created: time(s.creation_time()).unwrap_or_default(),
            last_updated: time(s.last_updated_time()),
            parameters: pairs(
                s.parameters()
                    .iter()
                    .map(|p| (p.parameter_key(), p.parameter_value()))
                    .collect(),
            ),
            outputs: pairs(
                s.outputs()
                    .iter()
                    .map(|o| (o.output_key(), o.output_value()))
                    .collect(),
            ),
            tags: pairs(s.tags().iter().map(|t| (t.key(), t.value())).collect()),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
            drift_status: s
                .drift_information()
                .and_then(|d| d.stack_drift_status())
                .map(|d| StackDriftStatus::parse(d.as_str())),
            drift_checked: s
                .drift_information()
                .and_then(|d| time(d.last_check_timestamp())),
        }))
    }

    /// The template the stack was deployed with, as submitted.
    pub async fn template_body(&self, stack: &str) -> Result<String, CloudError> {
        let out = self
            .client
            .get_template()
            .stack_name(stack)
            .template_stage(TemplateStage::Original)
            .send()
            .await
            .map_err(|e| self.fail("GetTemplate", stack, e))?;
        Ok(out.template_body().unwrap_or_default().to_owned())
    }

    /// The deployed template (`GetTemplate`, stage `Original`) read into the
    /// model; a body the reader cannot take (written by another tool in a
    /// form pipewright does not know) is an error that says so. Deploy
    /// reads the raw body instead, to compare it byte for byte.
    pub async fn deployed_template(
        &self,
        stack: &str,
    ) -> Result<crate::template::Template, CloudError> {
        let body = self.template_body(stack).await?;
        crate::template::reader::parse(&body).map_err(|source| CloudError::UnreadableTemplate {
            stack: stack.to_owned(),
            source,
        })
    }

    /// Creates a change set; returns its ID and the stack ID.
    pub async fn create_change_set(
        &self,
        req: &ChangeSetRequest<'_>,
    ) -> Result<(String, String), CloudError> {
        self.writable(req.stack)?;
        let parameters = parameters(&req.parameters);
        let out = self
            .client
            .create_change_set()
            .stack_name(req.stack)
            .change_set_name(req.name)
            .change_set_type(if !req.imports.is_empty() {
                ChangeSetType::Import
            } else if req.create {
                ChangeSetType::Create
            } else {
                ChangeSetType::Update
            })
            .set_resources_to_import((!req.imports.is_empty()).then(|| {
                req.imports
                    .iter()
                    .map(|a| {
                        ResourceToImport::builder()
                            .resource_type(&a.resource_type)
                            .logical_resource_id(&a.logical_id)
                            .set_resource_identifier(Some(
                                a.identifier.clone().into_iter().collect(),
                            ))
                            .build()
                    })
                    .collect()
            }))
            .set_template_body(req.template_url.is_none().then(|| req.body.to_owned()))
            .set_template_url(req.template_url.clone())
            .set_parameters(Some(parameters))
            .set_capabilities(Some(
                req.capabilities
                    .iter()
                    .map(|c| Capability::from(*c))
                    .collect(),
            ))
            .set_tags(Some(
                req.tags
                    .iter()
                    .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                    .collect(),
            ))
            .description(&req.description)
            .set_role_arn(self.execution_role.clone())
            .send()
            .await
            .map_err(|e| self.fail("CreateChangeSet", req.stack, e))?;
        Ok((
            out.id().unwrap_or(req.name).to_owned(),
            out.stack_id().unwrap_or(req.stack).to_owned(),
        ))
    }

    /// A change set's status and, once created, every page of its changes.
    pub async fn describe_change_set(
        &self,
        stack: &str,
        id: &str,
    ) -> Result<ChangeSetState, CloudError> {
        let mut pages = self
            .client
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .into_paginator()
            .send();
        let mut changes = Vec::new();
        let mut state = None;
        while let Some(out) = pages
            .try_next()
            .await
            .map_err(|e| self.fail("DescribeChangeSet", stack, e))?
        {
            changes.extend(
                out.changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(resource_change),
            );
            state.get_or_insert_with(|| {
                (
                    ChangeSetStatus::parse(out.status().map(|s| s.as_str()).unwrap_or_default()),
                    out.status_reason().map(str::to_owned),
                )
            });
        }
        let (status, reason) = state.unwrap_or_default();
        Ok(ChangeSetState {
            status,
            reason,
            summary: Summary::new(changes),
        })
    }

    /// Uploads a template to `bucket` under `key` (see
    /// [`super::staging`]).
    pub async fn put_template(
        &self,
        stack: &str,
        bucket: &str,
        key: &str,
        body: &str,
    ) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(if key.ends_with(".json") {
                "application/json"
            } else {
                "application/yaml"
            })
            .body(aws_sdk_s3::primitives::ByteStream::from(
                body.as_bytes().to_vec(),
            ))
            .send()
            .await
            .map_err(|e| self.fail("PutObject", stack, e))?;
        Ok(())
    }

    /// Continues a failed rollback (`ContinueUpdateRollback`), skipping
    /// `skip` (logical IDs).
    pub async fn continue_update_rollback(
        &self,
        stack: &str,
        skip: &[String],
    ) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.client
            .continue_update_rollback()
            .stack_name(stack)
            .set_resources_to_skip((!skip.is_empty()).then(|| skip.to_vec()))
            .set_role_arn(self.execution_role.clone())
            .send()
            .await
            .map_err(|e| self.fail("ContinueUpdateRollback", stack, e))?;
        Ok(())
    }

    /// Executes a change set.
    pub async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.client
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| self.fail("ExecuteChangeSet", stack, e))?;
        Ok(())
    }

    /// The names of the stack's change sets (every page).
    pub async fn change_set_names(&self, stack: &str) -> Result<Vec<String>, CloudError> {
        let summaries: Vec<_> = self
            .client
            .list_change_sets()
            .stack_name(stack)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.fail("ListChangeSets", stack, e))?;
        Ok(summaries
            .iter()
            .filter_map(|c| c.change_set_name().map(str::to_owned))
            .collect())
    }

    /// Deletes the change set `id` (or name) of `stack`; one already gone
    /// is fine. Returns whether this call deleted it.
    pub async fn delete_change_set(&self, stack: &str, id: &str) -> Result<bool, CloudError> {
        match self
            .client
            .delete_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => match self.fail("DeleteChangeSet", stack, e) {
                CloudError::ChangeSetNotFound { .. } => Ok(false),
                e => Err(e),
            },
        }
    }

    /// Waits until CloudFormation has computed the change set `id` of
    /// `stack` (no longer `CREATE_PENDING` or `CREATE_IN_PROGRESS`) and
    /// returns its state with every page of its changes.
    pub async fn wait_change_set(
        &self,
        stack: &str,
        id: &str,
    ) -> Result<ChangeSetState, CloudError> {
        loop {
            let state = self.describe_change_set(stack, id).await?;
            if !state.status.is_pending() {
                return Ok(state);
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Starts deleting a stack.
    pub async fn delete_stack(&self, stack: &str) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.client
            .delete_stack()
            .stack_name(stack)
            .set_role_arn(self.execution_role.clone())
            .send()
            .await
            .map_err(|e| self.fail("DeleteStack", stack, e))?;
        Ok(())
    }

    /// Turns termination protection on (pipewright never turns it off).
    pub async fn protect(&self, stack: &str) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.client
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(true)
            .send()
            .await
            .map_err(|e| self.fail("UpdateTerminationProtection", stack, e))?;
        Ok(())
    }

    /// The stack's policy (`GetStackPolicy`), `None` when it has none.
    pub async fn stack_policy(&self, stack: &str) -> Result<Option<String>, CloudError> {
        let out = self
            .client
            .get_stack_policy()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| self.fail("GetStackPolicy", stack, e))?;
        Ok(out.stack_policy_body().map(str::to_owned))
    }

    /// Sets the stack's policy (`SetStackPolicy`).
    pub async fn set_stack_policy(&self, stack: &str, body: &str) -> Result<(), CloudError> {
        self.writable(stack)?;
        self.client
            .set_stack_policy()
            .stack_name(stack)
            .stack_policy_body(body)
            .send()
            .await
            .map_err(|e| self.fail("SetStackPolicy", stack, e))?;
        Ok(())
    }

    /// The stack and logical ID that hold the resource whose physical ID
    /// is `physical_id` (`DescribeStackResources` by physical ID), `None`
    /// when no stack has it. Asked for `stack`'s sake.
    pub async fn owner_of(
        &self,
        stack: &str,
        physical_id: &str,
    ) -> Result<Option<(String, String)>, CloudError> {
        match self
            .client
            .describe_stack_resources()
            .physical_resource_id(physical_id)
            .send()
            .await
        {
            Ok(out) => Ok(out.stack_resources().first().map(|r| {
                (
                    r.stack_name().unwrap_or_default().to_owned(),
                    r.logical_resource_id().unwrap_or_default().to_owned(),
                )
            })),
            Err(e) => match self.fail("DescribeStackResources", stack, e) {
                // "Stack for PHYSICAL_ID does not exist": no stack has it.
                CloudError::NoSuchStack { .. } => Ok(None),
                e => Err(e),
            },
        }
    }

    /// Every resource of the stack.
    pub async fn resources(&self, stack: &str) -> Result<Vec<ResourceSummary>, CloudError> {
        let summaries: Vec<_> = self
            .client
            .list_stack_resources()
            .stack_name(stack)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.fail("ListStackResources", stack, e))?;
        Ok(summaries
            .iter()
            .map(|r| ResourceSummary {
                logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
                physical_id: r.physical_resource_id().map(str::to_owned),
                resource_type: r.resource_type().unwrap_or_default().to_owned(),
                status: ResourceStatus::parse(
                    r.resource_status().map(|s| s.as_str()).unwrap_or_default(),
                ),
                reason: r.resource_status_reason().map(str::to_owned),
            })
            .collect())
    }

    /// Reads event pages (newest first) until one reaches an event `log`
    /// has seen, or the last page; returns the new events oldest first.
    pub async fn new_events(
        &self,
        stack: &str,
        stack_id: &str,
        log: &mut EventLog,
    ) -> Result<Vec<StackEvent>, CloudError> {
        let mut pages = self
            .client
            .describe_stack_events()
            .stack_name(stack_id)
            .into_paginator()
            .send();
        let mut batch = Vec::new();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| self.fail("DescribeStackEvents", stack, e))?
        {
            let events: Vec<StackEvent> = page.stack_events().iter().map(stack_event).collect();
            let done = log.reaches_seen(&events);
            batch.extend(events);
            if done {
                break;
            }
        }
        Ok(log.accept(batch))
    }
}

fn stack_event(e: &aws_sdk_cloudformation::types::StackEvent) -> StackEvent {
    StackEvent {
        id: e.event_id().unwrap_or_default().to_owned(),
        timestamp: time(e.timestamp()).unwrap_or_default(),
        logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
        resource_type: e.resource_type().unwrap_or_default().to_owned(),
        status: ResourceStatus::parse(e.resource_status().map(|s| s.as_str()).unwrap_or_default()),
        reason: e.resource_status_reason().map(str::to_owned),
    }
}

fn resource_change(rc: &aws_sdk_cloudformation::types::ResourceChange) -> ResourceChange {
    let mut properties: Vec<String> = rc
        .details()
        .iter()
        .filter_map(|d| d.target())
        .filter(|t| t.attribute().is_some_and(|a| a.as_str() == "Properties"))
        .filter_map(|t| t.name().map(str::to_owned))
        .collect();
    properties.sort();
    properties.dedup();
    let action = Action::parse(rc.action().map(|a| a.as_str()).unwrap_or(""));
    // The API gives no replacement for additions and removals; for a
    // modification, none means not known (a local emulator never says).
    let replacement = match rc.replacement() {
        Some(r) => Replacement::parse(r.as_str()),
        None if action == Action::Modify => Replacement::Unknown(String::new()),
        None => Replacement::No,
    };
    ResourceChange {
        action,
        logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
        resource_type: rc.resource_type().unwrap_or_default().to_owned(),
        physical_id: rc.physical_resource_id().map(str::to_owned),
        replacement,
        scope: rc.scope().iter().map(|s| s.as_str().to_owned()).collect(),
        properties,
    }
}

impl Target {
    /// Marks the newest page of events as seen: the history before an
    /// operation. Older pages are never read, so a long history costs one
    /// call.
    pub async fn mark_history(
        &self,
        stack: &str,
        stack_id: &str,
        log: &mut EventLog,
    ) -> Result<(), CloudError> {
        let page = self
            .client
            .describe_stack_events()
            .stack_name(stack_id)
            .send()
            .await
            .map_err(|e| self.fail("DescribeStackEvents", stack, e))?;
        log.mark_seen(page.stack_events().iter().filter_map(|e| e.event_id()));
        Ok(())
    }
}

fn json_or_text(s: Option<&str>) -> serde_json::Value {
    match s {
        None => serde_json::Value::Null,
        Some(s) => serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::from(s)),
    }
}

impl Target {
    /// Starts a drift detection; returns its ID.
    pub async fn detect_drift(&self, stack: &str) -> Result<String, CloudError> {
        let out = self
            .client
            .detect_stack_drift()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| self.fail("DetectStackDrift", stack, e))?;
        Ok(out
            .stack_drift_detection_id()
            .unwrap_or_default()
            .to_owned())
    }

    /// A drift detection's state.
    pub async fn detection(&self, stack: &str, id: &str) -> Result<DetectionState, CloudError> {
        let out = self
            .client
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(id)
            .send()
            .await
            .map_err(|e| self.fail("DescribeStackDriftDetectionStatus", stack, e))?;
        Ok(DetectionState {
            status: DetectionStatus::parse(
                out.detection_status()
                    .map(|s| s.as_str())
                    .unwrap_or_default(),
            ),
            reason: out.detection_status_reason().map(str::to_owned),
        })
    }

    /// Every resource drift of the last detection, all pages.
    pub async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, CloudError> {
        let mut pages = self
            .client
            .describe_stack_resource_drifts()
            .stack_name(stack)
            .into_paginator()
            .send();
        let mut drifts = Vec::new();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| self.fail("DescribeStackResourceDrifts", stack, e))?
        {
            drifts.extend(page.stack_resource_drifts().iter().cloned());
        }
        Ok(drifts
            .iter()
            .map(|d| ResourceDrift {
                logical_id: d.logical_resource_id().unwrap_or_default().to_owned(),
                physical_id: d.physical_resource_id().map(str::to_owned),
                resource_type: d.resource_type().unwrap_or_default().to_owned(),
                status: ResourceDriftStatus::parse(
                    d.stack_resource_drift_status()
                        .map(|s| s.as_str())
                        .unwrap_or_default(),
                ),
                reason: d.drift_status_reason().map(str::to_owned),
                differences: d
                    .property_differences()
                    .iter()
                    .map(|p| PropertyDrift {
                        path: p.property_path().unwrap_or_default().to_owned(),
                        expected: json_or_text(p.expected_value()),
                        actual: json_or_text(p.actual_value()),
                        kind: DifferenceType::parse(
                            p.difference_type().map(|t| t.as_str()).unwrap_or_default(),
                        ),
                    })
                    .collect(),
            })
            .collect())
    }
}
