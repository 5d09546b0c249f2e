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

Nothing else of moto is changed.

Arguments are moto_server's own (`-H 127.0.0.1 -p PORT`).
"""

import sys

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend
from moto.core.common_models import CloudFormationModel
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

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
