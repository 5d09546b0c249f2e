"""Makes an organization on the local server, as its management account
(the caller's), with one organizational unit under the root and N member
accounts in it, through boto3. Prints {"root": ID, "ou": ID, "accounts":
[ID, ...]} as JSON.
Usage: aws_organization.py N"""

import json
import os
import sys

import boto3


def main():
    count = int(sys.argv[1])
    org = boto3.client("organizations", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    accounts = []
    for i in range(count):
        status = org.create_account(AccountName=f"workload-{i}", Email=f"workload-{i}@example.com")["CreateAccountStatus"]
        account = status["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        accounts.append(account)
    print(json.dumps({"root": root, "ou": ou, "accounts": accounts}))


if __name__ == "__main__":
    main()
