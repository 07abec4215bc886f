"""PySNC (sync and pysnc.asyncio) against the mock beyond a query: a lookup by field, display values, a bulk
update and delete (`update_multiple`/`delete_multiple` use the Batch API), an attachment's upload, download and
delete. Needs PySNC >= 1.2.1 with httpx, REQUESTS_CA_BUNDLE and SSL_CERT_FILE naming the mock's CA."""
import asyncio
import uuid

from pysnc import ServiceNowClient
from pysnc.auth import ServiceNowClientCredentialsFlow
from pysnc.asyncio import AsyncServiceNowClient, AsyncServiceNowClientCredentialsFlow

from checks import CLIENT_ID, CLIENT_SECRET, URL, check, check_async, expect, finish

FILE = bytes(range(256)) * 4
CALLER_NAME = "Client Credentials Integration"


def lookup_by_field(client):
    user = client.GlideRecord("sys_user")
    expect(user.get("user_name", "svc.cc"), "svc.cc not found by user_name")
    expect(user.get_value("first_name") == "Client Credentials", f"first_name {user.get_value('first_name')}")
    expect(not client.GlideRecord("sys_user").get("user_name", "nobody-" + uuid.uuid4().hex), "a made-up user was found")


def svc_sys_id(client):
    user = client.GlideRecord("sys_user")
    user.get("user_name", "svc.cc")
    return user.sys_id


def display_values(client):
    incident = client.GlideRecord("incident")
    incident.initialize()
    incident.short_description = "pysnc display values"
    incident.caller_id = svc_sys_id(client)
    sys_id = incident.insert()
    expect(sys_id, "insert returned no sys_id")
    read = client.GlideRecord("incident")
    expect(read.get(str(sys_id)), f"incident {sys_id} not read back")
    expect(read.get_value("caller_id") == svc_sys_id(client), f"caller_id {read.get_value('caller_id')}")
    expect(read.get_display_value("caller_id") == CALLER_NAME, f"display {read.get_display_value('caller_id')}")
    expect(read.get_value("number").startswith("INC"), f"number {read.get_value('number')}")
    read.delete()


def bulk_update_and_delete(client):
    tag = "sncc-bulk-" + uuid.uuid4().hex[:8]
    for n in range(3):
        incident = client.GlideRecord("incident")
        incident.initialize()
        incident.short_description = f"{tag} {n}"
        incident.insert()
    found = client.GlideRecord("incident")
    found.add_encoded_query(f"short_descriptionLIKE{tag}")
    found.query()
    expect(len(found) == 3, f"{len(found)} incidents tagged {tag}")
    for record in found:
        record.description = "updated in bulk"
    expect(found.update_multiple(), "update_multiple reported a failure")
    again = client.GlideRecord("incident")
    again.add_encoded_query(f"short_descriptionLIKE{tag}^description=updated in bulk")
    again.query()
    expect(len(again) == 3, f"{len(again)} of 3 updated")
    doomed = client.GlideRecord("incident")
    doomed.add_encoded_query(f"short_descriptionLIKE{tag}")
    expect(doomed.delete_multiple(), "delete_multiple reported a failure")
    left = client.GlideRecord("incident")
    left.add_encoded_query(f"short_descriptionLIKE{tag}")
    left.query()
    expect(len(left) == 0, f"{len(left)} left after delete_multiple")


def attachment_round_trip(client):
    incident = client.GlideRecord("incident")
    incident.initialize()
    incident.short_description = "pysnc attachment"
    incident.insert()
    location = incident.add_attachment("notes.bin", FILE, "application/x-sncc")
    expect("/api/now/attachment/" in location, f"Location {location}")
    attachments = incident.get_attachments()
    expect(len(attachments) == 1, f"{len(attachments)} attachments listed")
    for attachment in attachments:
        expect(attachment.file_name == "notes.bin", f"file_name {attachment.file_name}")
        expect(attachment.read() == FILE, "the downloaded bytes differ")
        attachment.delete()
    expect(len(incident.get_attachments()) == 0, "the attachment is still listed after delete")


async def async_checks():
    flow = AsyncServiceNowClientCredentialsFlow(CLIENT_ID, CLIENT_SECRET)
    # PySNC's async client cannot authenticate a flow inside a running loop: it takes the flow's client.
    client = AsyncServiceNowClient(URL, await flow.authenticate(URL))
    try:
        await check_async("pysnc.asyncio lookup by field", async_lookup, client)
        await check_async("pysnc.asyncio bulk update and delete (Batch API)", async_bulk, client)
        await check_async("pysnc.asyncio attachment upload, download, delete", async_attachment, client)
    finally:
        await client.close()


async def async_lookup(client):
    user = await client.GlideRecord("sys_user")
    expect(await user.get("user_name", "svc.cc"), "svc.cc not found by user_name")
    expect(user.get_display_value("name") == CALLER_NAME, f"name {user.get_display_value('name')}")


async def async_bulk(client):
    tag = "sncc-async-" + uuid.uuid4().hex[:8]
    for n in range(2):
        incident = await client.GlideRecord("incident")
        incident.initialize()
        incident.short_description = f"{tag} {n}"
        await incident.insert()
    found = await client.GlideRecord("incident")
    found.add_encoded_query(f"short_descriptionLIKE{tag}")
    await found.query()
    expect(len(found) == 2, f"{len(found)} incidents tagged {tag}")
    async for record in found:
        record.description = "async bulk"
    expect(await found.update_multiple(), "update_multiple reported a failure")
    again = await client.GlideRecord("incident")
    again.add_encoded_query(f"short_descriptionLIKE{tag}^description=async bulk")
    await again.query()
    expect(len(again) == 2, f"{len(again)} of 2 updated")
    doomed = await client.GlideRecord("incident")
    doomed.add_encoded_query(f"short_descriptionLIKE{tag}")
    expect(await doomed.delete_multiple(), "delete_multiple reported a failure")
    left = await client.GlideRecord("incident")
    left.add_encoded_query(f"short_descriptionLIKE{tag}")
    await left.query()
    expect(len(left) == 0, f"{len(left)} left after delete_multiple")


async def async_attachment(client):
    incident = await client.GlideRecord("incident")
    incident.initialize()
    incident.short_description = "pysnc.asyncio attachment"
    await incident.insert()
    await incident.add_attachment("async.bin", FILE, "application/x-sncc")
    attachments = await incident.get_attachments()
    expect(len(attachments) == 1, f"{len(attachments)} attachments listed")
    async for attachment in attachments:
        expect(await attachment.read() == FILE, "the downloaded bytes differ")
        await attachment.delete()
    expect(len(await incident.get_attachments()) == 0, "the attachment is still listed after delete")


def main():
    client = ServiceNowClient(URL, ServiceNowClientCredentialsFlow(CLIENT_ID, CLIENT_SECRET))
    check("pysnc lookup by field", lookup_by_field, client)
    check("pysnc display values of a reference", display_values, client)
    check("pysnc bulk update and delete (Batch API)", bulk_update_and_delete, client)
    check("pysnc attachment upload, download, delete", attachment_round_trip, client)
    asyncio.run(async_checks())
    finish()


if __name__ == "__main__":
    main()
