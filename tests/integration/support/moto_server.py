"""Runs moto_server (the CloudFormation API the deploy tests talk to) with
two corrections, so that stacks of the app behave as in CloudFormation.

1. Exports. moto 5.2.1 registers a stack's exports, and computes its outputs, only when
the stack is made with CreateStack. A stack made or updated by executing a
change set, which is how pipewright deploys every stack, keeps the outputs
and exports of the template it had before, so a second stack that imports a
value (`Fn::ImportValue`) cannot be created at all. After a change set is
executed, this recomputes the stack's outputs from its new template and
registers its exports in place of the old ones, as CreateStack and
UpdateStack do.

2. Resource types moto does not create (CodeBuild projects, pipelines,
connections, EKS access entries, ...). moto skips them, and `!Ref` or
`!GetAtt` of one then resolves to nothing, so an export of a project's name
or a value built from a pipeline's ARN cannot be made. Such a resource is
kept as a placeholder whose `Ref` is the name its template gives it (its
`Name`-like property) or a generated one, as CloudFormation's would be (an
ARN for the types whose `Ref` CloudFormation documents as the ARN, such as
a connection), and whose attributes are ARN-shaped strings. Nothing is
created behind it.

3. Stack sets deployed to organizational units (service-managed). moto
5.2.1 creates an instance for every account of a unit, but does not say
which unit an instance came through (`OrganizationalUnitId` of
ListStackInstances, which CloudFormation returns), its CreateStackInstances
operation lists no account (so ListStackSetOperationResults is empty), and
DeleteStackInstances ignores `DeploymentTargets` (so nothing is deleted).
Each instance keeps the unit it came through and returns it; the
operation lists the accounts and regions it reached; a delete by unit
deletes that unit's instances.

Nothing else of moto is changed.

Arguments are moto_server's own (`-H 127.0.0.1 -p PORT`).
"""

import sys

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.server import main

_execute_change_set = CloudFormationBackend.execute_change_set


def _change_set(backend, name):
    if name in backend.change_sets:
        return backend.change_sets[name]
    return next(cs for cs in backend.change_sets.values() if cs.change_set_name == name)


def execute_change_set(self, change_set_name, stack_name=None):
    stack = self.stacks[_change_set(self, change_set_name).stack_id]
    # A stack made for a CREATE change set starts with no template and no
    # view of the account's exports: give it the exports to import from.
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    _execute_change_set(self, change_set_name, stack_name)
    # Outputs and exports of the template just applied, in place of the
    # stack's old ones.
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del self.exports[name]
    for export in stack.exports:
        self.exports[export.name] = export


CloudFormationBackend.execute_change_set = execute_change_set


class Unmodelled(CloudFormationModel):
    """A resource of a type moto does not create (see 2. above)."""

    # moto's model metaclass files every model under the service named by
    # its module.
    __module__ = "moto.cloudformation.unmodelled"

    NAME_PROPERTIES = ("Name", "ProjectName", "ConnectionName", "PipelineName", "RoleName")

    # Types whose `Ref` is their ARN, and its shape.
    REF_ARNS = {
        "AWS::CodeStarConnections::Connection": "arn:aws:codestar-connections:{region}:{account}:connection/{name}",
        "AWS::CodeConnections::Connection": "arn:aws:codeconnections:{region}:{account}:connection/{name}",
    }

    def __init__(self, name, resource_type, account_id, region_name):
        self.name = name
        self.resource_type = resource_type
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::Pipewright::Unmodelled"

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        name = next(
            (props[k] for k in cls.NAME_PROPERTIES if isinstance(props.get(k), str)),
            resource_name,
        )
        return cls(name, kwargs.get("ResourceType", ""), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        pass

    @property
    def physical_resource_id(self):
        arn = self.REF_ARNS.get(self.resource_type)
        if arn:
            return arn.format(region=self.region_name, account=self.account_id, name=self.name)
        return self.name

    def get_cfn_attribute(self, attribute_name):
        service = self.resource_type.split("::")[1].lower() if "::" in self.resource_type else "unknown"
        return f"arn:aws:{service}:{self.region_name}:{self.account_id}:{self.name}"


_resource_class_from_type = parsing.resource_class_from_type


def resource_class_from_type(resource_type):
    found = _resource_class_from_type(resource_type)
    if found is None and resource_type not in parsing.NULL_MODELS:
        return Unmodelled
    return found


parsing.resource_class_from_type = resource_class_from_type


_create_instances = cfn_models.StackInstances.create_instances


def create_instances(self, accounts, regions, parameters, deployment_targets, permission_model):
    before = len(self.stack_instances)
    created = _create_instances(self, accounts, regions, parameters, deployment_targets, permission_model)
    units = deployment_targets.get("OrganizationalUnitIds", [])
    if units:
        parents = {a.id: a.parent_id for a in self.org_backend.accounts}
        ou_parents = {ou.id: ou.parent_id for ou in self.org_backend.ou}
        for instance in self.stack_instances[before:]:
            parent = parents.get(instance.account_id)
            # The unit named in the call: the account's own, or the one
            # above it.
            instance.organizational_unit_id = parent if parent in units else ou_parents.get(parent)
    return created


cfn_models.StackInstances.create_instances = create_instances

_instance_to_dict = cfn_models.StackInstance.to_dict


def instance_to_dict(self):
    out = _instance_to_dict(self)
    unit = getattr(self, "organizational_unit_id", None)
    if unit:
        out["OrganizationalUnitId"] = unit
    return out


cfn_models.StackInstance.to_dict = instance_to_dict

_set_create_stack_instances = cfn_models.StackSet.create_stack_instances


def set_create_stack_instances(self, accounts, regions, deployment_targets, parameters):
    before = len(self.stack_instances)
    operation_id = _set_create_stack_instances(self, accounts, regions, deployment_targets, parameters)
    operation = self.get_operation(operation_id)
    operation["Instances"] = [{i.account_id: i.region_name} for i in self.stack_instances[before:]]
    return operation_id


cfn_models.StackSet.create_stack_instances = set_create_stack_instances

_response_delete_stack_instances = CloudFormationResponse.delete_stack_instances


def response_delete_stack_instances(self):
    targets = self._get_params().get("DeploymentTargets") or {}
    units = targets.get("OrganizationalUnitIds") or []
    if not units:
        return _response_delete_stack_instances(self)
    stackset = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
    regions = self._get_param("Regions", [])
    accounts = sorted(
        {
            i.account_id
            for i in stackset.stack_instances
            if getattr(i, "organizational_unit_id", None) in units and i.region_name in regions
        }
    )
    stackset.delete_stack_instances(accounts, regions)
    return ActionResult({"OperationId": stackset.operations[-1]["OperationId"]})


CloudFormationResponse.delete_stack_instances = response_delete_stack_instances

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
