"""Plain `requests` against the mock's surface beyond the Table API's JSON: the Table API's XML form (a list and
an error), a raw Batch API call run as the caller, and a multipart attachment upload listed and read back.
Needs REQUESTS_CA_BUNDLE naming the mock's CA."""
import base64
import json
import xml.etree.ElementTree as ElementTree

import requests

from checks import CLIENT_ID, CLIENT_SECRET, URL, check, expect, finish


def token():
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    answer = requests.post(f"{URL}/oauth_token.do", data=form, timeout=10)
    expect(answer.status_code == 200, f"token request answered {answer.status_code}")
    return answer.json()["access_token"]


def session():
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token()}"
    return http


def new_incident(http, description):
    created = http.post(f"{URL}/api/now/table/incident", json={"short_description": description}, timeout=10)
    expect(created.status_code == 201, f"incident create answered {created.status_code}")
    return created.json()["result"]


def xml_list(http):
    new_incident(http, "xml <list> & more")
    answer = http.get(f"{URL}/api/now/table/incident?sysparm_fields=number,short_description",
                      headers={"Accept": "application/xml"}, timeout=10)
    expect(answer.status_code == 200, f"answered {answer.status_code}")
    expect(answer.headers["Content-Type"].startswith("application/xml"), answer.headers["Content-Type"])
    root = ElementTree.fromstring(answer.content)
    results = root.findall("result")
    expect(root.tag == "response", f"root <{root.tag}>")
    expect(len(results) == int(answer.headers["X-Total-Count"]) and results, f"{len(results)} <result>s")
    texts = [result.findtext("short_description") for result in results]
    expect("xml <list> & more" in texts, f"descriptions {texts}")


def xml_error(http):
    answer = http.get(f"{URL}/api/now/table/no_such_table", headers={"Accept": "application/xml"}, timeout=10)
    expect(answer.status_code == 400, f"answered {answer.status_code}")
    root = ElementTree.fromstring(answer.content)
    expect(root.findtext("error/message") == "Invalid table no_such_table", answer.text)
    expect(root.findtext("status") == "failure", answer.text)


def raw_batch(http):
    incident = new_incident(http, "raw batch")
    patch = base64.b64encode(b'{"short_description":"patched in a batch"}').decode()
    body = {
        "batch_request_id": "raw-1",
        "rest_requests": [
            {"id": "who", "method": "GET", "url": "/api/now/ui/user/current_user",
             "headers": [{"name": "Accept", "value": "application/json"}]},
            {"id": "patch", "method": "PATCH", "url": f"/api/now/table/incident/{incident['sys_id']}",
             "headers": [{"name": "Content-Type", "value": "application/json"}], "body": patch,
             "exclude_response_headers": True},
            {"id": "control", "method": "POST", "url": "/__mock/reset", "headers": []},
        ],
    }
    answer = http.post(f"{URL}/api/now/v1/batch", json=body, timeout=10)
    expect(answer.status_code == 200, f"answered {answer.status_code}: {answer.text}")
    batch = answer.json()
    expect(batch["batch_request_id"] == "raw-1" and batch["unserviced_requests"] == [], answer.text)
    serviced = {request["id"]: request for request in batch["serviced_requests"]}
    who = json_of(serviced["who"])
    expect(who["result"]["user_name"] == "svc.cc", f"inner request ran as {who}")
    expect(serviced["patch"]["status_code"] == 200 and serviced["patch"]["headers"] == [], "patch")
    expect(json_of(serviced["patch"])["result"]["short_description"] == "patched in a batch", "patched")
    expect(serviced["control"]["status_code"] == 400, "the control plane was reachable from a batch")
    still = http.get(f"{URL}/api/now/table/incident/{incident['sys_id']}", timeout=10)
    expect(still.status_code == 200, "the incident is gone: the control plane's reset ran")


def json_of(serviced):
    return json.loads(base64.b64decode(serviced["body"]))


def multipart_attachment(http):
    incident = new_incident(http, "multipart attachment")
    content = bytes(range(256))
    answer = http.post(f"{URL}/api/now/attachment/upload",
                       data={"table_name": "incident", "table_sys_id": incident["sys_id"]},
                       files={"uploadFile": ("scan.png", content, "image/png")}, timeout=10)
    expect(answer.status_code == 201, f"upload answered {answer.status_code}: {answer.text}")
    metadata = answer.json()["result"]
    expect(metadata["size_bytes"] == "256" and metadata["content_type"] == "image/png", str(metadata))
    listed = http.get(f"{URL}/api/now/attachment", params={"table_sys_id": incident["sys_id"]}, timeout=10)
    expect(listed.headers["X-Total-Count"] == "1", f"X-Total-Count {listed.headers.get('X-Total-Count')}")
    file = http.get(metadata["download_link"], timeout=10)
    expect(file.content == content and file.headers["Content-Type"] == "image/png", "download differs")
    empty = http.post(f"{URL}/api/now/attachment/file",
                        params={"table_name": "incident", "table_sys_id": incident["sys_id"], "file_name": "x"},
                        data=b"", timeout=10)
    expect(empty.status_code == 201, f"an empty file answered {empty.status_code}")


def main():
    http = session()
    check("requests: Accept application/xml list", xml_list, http)
    check("requests: Accept application/xml error", xml_error, http)
    check("requests: raw Batch API call, as the caller, control plane refused", raw_batch, http)
    check("requests: multipart attachment upload, list, download", multipart_attachment, http)
    finish()


if __name__ == "__main__":
    main()
