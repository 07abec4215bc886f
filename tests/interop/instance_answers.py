"""Plain `requests` and PySNC on what real instances' answers carry (catalogue §12): the v1 404 for a query that
matches nothing, `Link` pagination followed across `/api/now/v2/`, single-quoted JSON bodies, an attachment
download's `Content-Disposition`, a Basic client's session cookie, `current_user`'s captured shape (catalogue §3) and
the refresh token grant (catalogue §19). Needs REQUESTS_CA_BUNDLE naming the
mock's CA."""
import requests
from pysnc import ServiceNowClient
from pysnc.auth import ServiceNowClientCredentialsFlow

from checks import ADMIN_PASSWORD, CLIENT_ID, CLIENT_SECRET, URL, check, expect, finish


def basic():
    http = requests.Session()
    http.auth = ("admin", ADMIN_PASSWORD)
    http.headers["Accept"] = "application/json"
    return http


def v1_not_found(http):
    none = {"sysparm_query": "number=INC_NO_SUCH"}
    v1 = http.get(f"{URL}/api/now/v1/table/incident", params=none, timeout=10)
    expect(v1.status_code == 404, f"v1 answered {v1.status_code}")
    error = v1.json()["error"]
    expect(error["message"] == "No Record found", v1.text)
    expect(error["detail"].startswith("Records matching query not found"), v1.text)
    v2 = http.get(f"{URL}/api/now/v2/table/incident", params=none, timeout=10)
    expect(v2.status_code == 200 and v2.json() == {"result": []}, f"v2 answered {v2.status_code} {v2.text}")


def link_pages_across_v2(http):
    for number in range(3):
        created = http.post(f"{URL}/api/now/v2/table/incident", json={"short_description": f"paged {number}"},
                            timeout=10)
        expect(created.status_code == 201, f"create answered {created.status_code}")
        expect("/api/now/v2/table/incident/" in created.headers["Location"], created.headers["Location"])
    page = http.get(f"{URL}/api/now/v2/table/incident",
                    params={"sysparm_fields": "number", "sysparm_limit": "2"}, timeout=10)
    total = int(page.headers["X-Total-Count"])
    expect("prev" in page.links, f"no rel=prev on the first page: {page.headers.get('Link')}")
    seen = []
    while True:
        expect(page.status_code == 200, f"page answered {page.status_code}")
        seen += [record["number"] for record in page.json()["result"]]
        following = page.links.get("next")
        if not following:
            break
        expect("/api/now/v2/table/incident?" in following["url"], following["url"])
        page = http.get(following["url"], timeout=10)
    expect(len(seen) == total and len(set(seen)) == total, f"{len(seen)} of {total} read by following next")


def single_quoted_json(http):
    body = "{'short_description':'Unable to connect to office wifi','urgency':'1','impact':'1'}"
    created = http.post(f"{URL}/api/now/table/incident", data=body,
                        headers={"Content-Type": "application/json"}, timeout=10)
    expect(created.status_code == 201, f"answered {created.status_code} {created.text}")
    expect(created.json()["result"]["priority"] == "1", created.text)
    broken = http.post(f"{URL}/api/now/table/incident", data="{'short_description':'unterminated}",
                       headers={"Content-Type": "application/json"}, timeout=10)
    expect(broken.status_code == 400, f"malformed answered {broken.status_code}")
    expect(broken.json()["error"]["message"] == "Exception while reading request", broken.text)


def content_disposition(http):
    incident = http.post(f"{URL}/api/now/table/incident", json={"short_description": "with a report"},
                         timeout=10).json()["result"]
    uploaded = http.post(f"{URL}/api/now/attachment/file",
                         params={"table_name": "incident", "table_sys_id": incident["sys_id"],
                                 "file_name": "report.csv"},
                         headers={"Content-Type": "text/csv"}, data=b"a,b\n1,2\n", timeout=10)
    expect(uploaded.status_code == 201, f"upload answered {uploaded.status_code}")
    expect(uploaded.headers["Location"].endswith("/file"), uploaded.headers["Location"])
    download = http.get(uploaded.headers["Location"], timeout=10)
    disposition = download.headers.get("Content-Disposition", "")
    expect('filename="report.csv"' in disposition, f"Content-Disposition {disposition!r}")
    expect(download.content == b"a,b\n1,2\n", "bytes differ")
    expect('"state" : "available"' in download.headers.get("X-Attachment-Metadata", ""),
           download.headers.get("X-Attachment-Metadata"))


def basic_session_cookie(_http):
    http = basic()
    first = http.get(f"{URL}/api/now/ui/user/current_user", timeout=10)
    expect(first.status_code == 200, f"answered {first.status_code}")
    expect(first.headers.get("X-Is-Logged-In") == "true", "no X-Is-Logged-In")
    expect("JSESSIONID" in http.cookies, f"cookies {list(http.cookies.keys())}")
    http.auth = None
    again = http.get(f"{URL}/api/now/ui/user/current_user", timeout=10)
    expect(again.status_code == 200, f"the cookie alone answered {again.status_code}")
    expect(again.json()["result"]["user_name"] == "admin", again.text)


def current_user_shape(http):
    who = http.get(f"{URL}/api/now/ui/user/current_user", timeout=10)
    expect(who.status_code == 200, f"answered {who.status_code}")
    keys = list(who.json()["result"].keys())
    shape = ["user_avatar", "user_sys_id", "user_name", "user_display_name", "user_initials"]
    expect(keys == shape, f"keys {keys}")


def refresh_token_grant(_http):
    token_url = f"{URL}/oauth_token.do"
    password = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "username": "admin", "password": ADMIN_PASSWORD}
    signed_in = requests.post(token_url, data=password, timeout=10)
    expect(signed_in.status_code == 200, f"password grant answered {signed_in.status_code}")
    refresh = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
               "refresh_token": signed_in.json()["refresh_token"]}
    refreshed = requests.post(token_url, data=refresh, timeout=10)
    expect(refreshed.status_code == 200, f"refresh grant answered {refreshed.status_code}")
    body = refreshed.json()
    expect(list(body.keys()) == list(signed_in.json().keys()), f"keys {list(body.keys())}")
    who = requests.get(f"{URL}/api/now/ui/user/current_user", timeout=10,
                       headers={"Authorization": f"Bearer {body['access_token']}", "Accept": "application/json"})
    expect(who.status_code == 200 and who.json()["result"]["user_name"] == "admin", f"answered {who.status_code}")
    unknown = requests.post(token_url, data={**refresh, "refresh_token": "not-a-refresh-token"}, timeout=10)
    expect(unknown.status_code == 401, f"an unknown refresh token answered {unknown.status_code}")


def pysnc_empty_query():
    client = ServiceNowClient(URL, ServiceNowClientCredentialsFlow(CLIENT_ID, CLIENT_SECRET))
    incidents = client.GlideRecord("incident")
    incidents.add_query("number", "INC_NO_SUCH")
    incidents.query()
    expect(not incidents.next(), "a made-up incident was found")
    expect(incidents.get_row_count() == 0, f"row count {incidents.get_row_count()}")


def main():
    http = basic()
    check("requests: v1 404 No Record found, v2 an empty list", v1_not_found, http)
    check("requests: Link rel=next followed across /api/now/v2/", link_pages_across_v2, http)
    check("requests: single-quoted JSON accepted, malformed refused", single_quoted_json, http)
    check("requests: attachment Location, Content-Disposition", content_disposition, http)
    check("requests: Basic session cookie authenticates alone", basic_session_cookie, http)
    check("requests: current_user has the captured shape", current_user_shape, http)
    check("requests: a refresh token gets a new access token", refresh_token_grant, http)
    check("PySNC: a query that matches nothing", pysnc_empty_query)
    finish()


if __name__ == "__main__":
    main()
