"""PySNC's ServiceNowClientCredentialsFlow against the mock: a GlideRecord query of sys_user.

Needs PySNC >= 1.2.1 and REQUESTS_CA_BUNDLE pointing at the mock's CA (PySNC's token request
ignores the client's `verify`). Reads SNCC_URL, SNCC_CLIENT_ID, SNCC_CLIENT_SECRET.
"""
import os
import sys

from pysnc import ServiceNowClient
from pysnc.auth import ServiceNowClientCredentialsFlow


def main() -> int:
    flow = ServiceNowClientCredentialsFlow(os.environ["SNCC_CLIENT_ID"], os.environ["SNCC_CLIENT_SECRET"])
    client = ServiceNowClient(os.environ["SNCC_URL"], flow)

    users = client.GlideRecord("sys_user")
    users.add_active_query()
    users.order_by("user_name")
    users.query()
    names = [record.get_value("user_name") for record in users]
    if len(users) != 2 or names != ["admin", "svc.cc"]:
        print(f"pysnc: expected admin and svc.cc, got {len(users)}: {names}", file=sys.stderr)
        return 1

    me = client.GlideRecord("sys_user")
    me.add_encoded_query("user_name=javascript:gs.getUserName()")
    me.query()
    if not me.next() or me.user_name != "svc.cc" or me.get_display_value("name") != "Client Credentials Integration":
        print("pysnc: the token does not act as svc.cc", file=sys.stderr)
        return 1

    print(f"pysnc: GlideRecord query of sys_user returned {names}; the token acts as svc.cc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
