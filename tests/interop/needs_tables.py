"""Checks that need the schema-driven tables of catalogue §12 (incident impact, urgency and priority, choice labels,
name-value filters, v2 paths, sys_dictionary): PySNC and plain `requests`. Needs REQUESTS_CA_BUNDLE naming the
mock's CA and SNCC_ADMIN_PASSWORD."""
import requests
from pysnc import ServiceNowClient
from pysnc.auth import ServiceNowClientCredentialsFlow

from checks import ADMIN_PASSWORD, CLIENT_ID, CLIENT_SECRET, URL, check, expect, finish


def computed_priority(client):
    incident = client.GlideRecord("incident")
    incident.initialize()
    incident.short_description = "priority from impact and urgency"
    incident.impact = "1"
    incident.urgency = "2"
    sys_id = incident.insert()
    read = client.GlideRecord("incident")
    expect(read.get(str(sys_id)), "not read back")
    expect(read.get_value("priority") == "2", f"priority {read.get_value('priority')}")
    expect(read.get_display_value("priority") == "2 - High", f"priority label {read.get_display_value('priority')}")
    expect(read.get_value("state") == "1" and read.get_display_value("state") == "New",
           f"state {read.get_value('state')} {read.get_display_value('state')}")


def admin():
    http = requests.Session()
    http.auth = ("admin", ADMIN_PASSWORD)
    http.headers["Accept"] = "application/json"
    return http


def name_value_filter(http):
    created = http.post(f"{URL}/api/now/table/incident", json={"short_description": "name-value"}, timeout=10)
    number = created.json()["result"]["number"]
    found = http.get(f"{URL}/api/now/table/incident", params={"number": number}, timeout=10).json()["result"]
    expect([record["number"] for record in found] == [number], f"number={number} found {len(found)}")


def v2_path(http):
    for version in ("v1", "v2"):
        answer = http.get(f"{URL}/api/now/{version}/table/sys_user", params={"user_name": "admin"}, timeout=10)
        expect(answer.status_code == 200, f"{version} answered {answer.status_code}")
        expect([user["user_name"] for user in answer.json()["result"]] == ["admin"], f"{version}: {answer.text[:200]}")


def dictionary(http):
    # An inherited column's row is its defining table's: incident's priority is task's, as on an instance.
    for table, element, internal_type in [("task", "priority", "integer"), ("incident", "caller_id", "reference")]:
        answer = http.get(f"{URL}/api/now/table/sys_dictionary",
                          params={"sysparm_query": f"name={table}^element={element}"}, timeout=10)
        expect(answer.status_code == 200, f"answered {answer.status_code}")
        rows = answer.json()["result"]
        expect(len(rows) == 1 and rows[0]["internal_type"] == internal_type, f"{table}.{element}: rows {rows}")


def main():
    client = ServiceNowClient(URL, ServiceNowClientCredentialsFlow(CLIENT_ID, CLIENT_SECRET))
    check("tables: pysnc insert with impact and urgency reads back its priority", computed_priority, client)
    http = admin()
    check("tables: name-value filter", name_value_filter, http)
    check("tables: v1 and v2 paths", v2_path, http)
    check("tables: sys_dictionary", dictionary, http)
    finish()


if __name__ == "__main__":
    main()
