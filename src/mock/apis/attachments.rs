//! The Attachment API's rules (catalogue §12): files attached to records, their metadata in `sys_attachment` and their
//! bytes in memory beside the store, the parent record's ACL applied, the size limited by a switch; no HTTP.
//!
//! The parent check goes through the Table API's rights ([`table_api::rights`], [`table_api::has_record`]), so
//! these rules know nothing of how tables are defined. Error bodies are inferred (catalogue §12 names no body):
//! a parent that does not exist or that the caller cannot read is the Table API's 404, one the caller may
//! read but not write its 403.

use axum::body::Bytes;
use serde_json::Value;

use super::multipart::FormUpload;
use crate::mock::auth::authn::Caller;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::fields::Walkable;
use crate::mock::tables::path_form::PathForm;
use crate::mock::tables::query::{EncodedQuery, QueryContext};
use crate::mock::tables::render::Rendering;
use crate::mock::tables::schema::SYS_ATTACHMENT;
use crate::mock::tables::store::RecordRef;
use crate::mock::tables::store::SYSTEM_ACTOR;
use crate::mock::tables::table_api::{self, MAX_LIMIT, Page, Rights, TableError};

/// What a file is stored as when the client names no type.
const OCTET_STREAM: &str = "application/octet-stream";

/// A file to attach, as a request gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    pub table_name: Option<String>,
    pub table_sys_id: Option<String>,
    pub file_name: Option<String>,
    pub content_type: String,
    pub bytes: Bytes,
}

impl Upload {
    /// `POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`: the body is the file, its
    /// `Content-Type` kept.
    pub(crate) fn from_query(
        pairs: &[(String, String)],
        content_type: Option<&str>,
        body: Bytes,
    ) -> Upload {
        let get = |name: &str| first(pairs, name).map(str::to_owned);
        Upload {
            table_name: get("table_name"),
            table_sys_id: get("table_sys_id"),
            file_name: get("file_name"),
            content_type: content_type.unwrap_or(OCTET_STREAM).to_owned(),
            bytes: body,
        }
    }

    /// `POST /api/now/attachment/upload`: `table_name` and `table_sys_id` fields and a file part.
    pub(crate) fn from_form(form: FormUpload) -> Result<Upload, AttachmentError> {
        let file = form.file.as_ref().ok_or(AttachmentError::NoFilePart)?;
        Ok(Upload {
            table_name: form.field("table_name").map(str::to_owned),
            table_sys_id: form.field("table_sys_id").map(str::to_owned),
            file_name: Some(file.file_name.clone()),
            content_type: file
                .content_type
                .as_deref()
                .unwrap_or(OCTET_STREAM)
                .to_owned(),
            bytes: file.bytes.clone(),
        })
    }
}

/// The first query parameter named `name`.
fn first<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    let found = pairs.iter().find(|(key, _)| key == name);
    found.map(|(_, value)| value.as_str())
}

/// Why the Attachment API refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AttachmentError {
    MissingParameter(&'static str),
    /// A multipart upload without a part that carries a file.
    NoFilePart,
    TooLarge {
        limit: u64,
    },
    InvalidTable(String),
    /// The parent record does not exist, or the caller may not read it.
    ParentNotFound,
    /// The caller may read the parent record but not write it.
    WriteDenied,
    /// No attachment with this sys_id, or the caller may not read its parent.
    NotFound,
}

impl AttachmentError {
    /// Why, for the journal.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            AttachmentError::MissingParameter(_) => "refused: missing_parameter",
            AttachmentError::NoFilePart => "refused: no_file_part",
            AttachmentError::TooLarge { .. } => "refused: attachment_too_large",
            AttachmentError::InvalidTable(_) => "refused: invalid_table",
            AttachmentError::ParentNotFound => "refused: parent_not_found",
            AttachmentError::WriteDenied => "refused: write_denied",
            AttachmentError::NotFound => "not_found",
        }
    }
}

/// A stored file's bytes and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct File {
    pub content_type: String,
    /// For `Content-Disposition` (catalogue §12).
    pub file_name: String,
    /// `X-Attachment-Metadata` (catalogue §12).
    pub metadata: String,
    pub bytes: Bytes,
}

fn parent_rights(
    instance: &Instance,
    caller: &Caller,
    table: &str,
) -> Result<Rights, AttachmentError> {
    table_api::rights(instance, caller, table).map_err(|error| match error {
        TableError::InvalidTable(table) => AttachmentError::InvalidTable(table),
        _ => AttachmentError::ParentNotFound,
    })
}

/// The attachment `sys_id`, when the caller may read its parent's table (and write it, when `write`).
fn reachable<'i>(
    instance: &'i Instance,
    caller: &Caller,
    sys_id: &str,
    write: bool,
) -> Result<RecordRef<'i>, AttachmentError> {
    let record = instance
        .store
        .get(SYS_ATTACHMENT, sys_id)
        .ok_or(AttachmentError::NotFound)?;
    let parent = record.raw("table_name").unwrap_or_default();
    let rights = parent_rights(instance, caller, parent).map_err(|_| AttachmentError::NotFound)?;
    // An attachment whose parent record is gone is reached by no one (its row stays, as catalogue §12 leaves open).
    let parent_sys_id = record.raw("table_sys_id").unwrap_or_default();
    if !table_api::has_record(instance, parent, parent_sys_id) {
        return Err(AttachmentError::NotFound);
    }
    match (rights.read, write && !rights.write) {
        (false, _) => Err(AttachmentError::NotFound),
        (true, true) => Err(AttachmentError::WriteDenied),
        (true, false) => Ok(record),
    }
}

/// The metadata as the Attachment API shows it: every column, plus `download_link`.
fn shown(record: RecordRef<'_>, instance: &Instance, base_url: &str) -> Value {
    let rendering = Rendering {
        table_root: PathForm::Unversioned.table_root(base_url),
        ..Rendering::default()
    };
    let mut metadata = rendering.render(record, &instance.store);
    let link = format!("{base_url}/api/now/attachment/{}/file", record.sys_id());
    if let Value::Object(fields) = &mut metadata {
        fields.insert("download_link".to_owned(), Value::from(link));
    }
    metadata
}

/// Attaches a file: the parent must exist and be readable (else 404) and writable (else 403), the file
/// within the limit. Returns the new attachment's sys_id and metadata.
pub(crate) fn create(
    instance: &mut Instance,
    caller: &Caller,
    upload: Upload,
    base_url: &str,
    now: VirtualInstant,
) -> Result<(String, Value), AttachmentError> {
    let table_name = upload
        .table_name
        .ok_or(AttachmentError::MissingParameter("table_name"))?;
    let table_sys_id = upload
        .table_sys_id
        .ok_or(AttachmentError::MissingParameter("table_sys_id"))?;
    let file_name = upload
        .file_name
        .filter(|name| !name.is_empty())
        .ok_or(AttachmentError::MissingParameter("file_name"))?;
    let rights = parent_rights(instance, caller, &table_name)?;
    if !rights.read || !table_api::has_record(instance, &table_name, &table_sys_id) {
        return Err(AttachmentError::ParentNotFound);
    }
    if !rights.write {
        return Err(AttachmentError::WriteDenied);
    }
    let limit = instance.switches.attachment_max_bytes.bytes();
    if u64::try_from(upload.bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(AttachmentError::TooLarge { limit });
    }
    let size = upload.bytes.len().to_string();
    let hash = content_hash(&upload.bytes);
    let changes: &[(&str, &str)] = &[
        ("file_name", &file_name),
        ("content_type", &upload.content_type),
        ("size_bytes", &size),
        ("size_compressed", &size),
        ("hash", &hash),
        ("table_name", &table_name),
        ("table_sys_id", &table_sys_id),
    ];
    let sys_id = instance
        .store
        .insert(SYS_ATTACHMENT, changes, &caller.user_name, now);
    instance
        .attachment_files
        .insert(sys_id.clone(), upload.bytes);
    let record = instance.store.get(SYS_ATTACHMENT, &sys_id);
    let metadata = shown(record.expect("just inserted"), instance, base_url);
    // catalogue §12: the upload's answer shows it "pending"; the instance then stores it, as `system`.
    let available: &[(&str, &str)] = &[("state", "available")];
    instance
        .store
        .update(SYS_ATTACHMENT, &sys_id, available, SYSTEM_ACTOR, now);
    Ok((sys_id, metadata))
}

/// catalogue §12: an attachment's `hash`, the lowercase hex SHA-256 of its bytes, as recorded answers show it.
fn content_hash(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// catalogue §12: the `X-Attachment-Metadata` header of a download, formatted as an instance formats it
/// (`{  "size_bytes" : "5881",  "file_name" : "test", … }`): the metadata's columns without `download_link`.
fn metadata_header(metadata: &Value) -> String {
    let members: Vec<String> = metadata
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.as_str() != "download_link")
        .map(|(name, value)| format!("  {} : {value}", Value::from(name.as_str())))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// The parameters of `GET /api/now/attachment`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListParams {
    pub query: EncodedQuery,
    pub table_name: Option<String>,
    pub table_sys_id: Option<String>,
    pub limit: Option<usize>,
    pub offset: usize,
}

impl ListParams {
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> ListParams {
        let get = |name: &str| first(pairs, name);
        let number = |name: &str| get(name).and_then(|text| text.trim().parse().ok());
        ListParams {
            query: EncodedQuery::parse(get("sysparm_query").unwrap_or_default()),
            table_name: get("table_name").map(str::to_owned),
            table_sys_id: get("table_sys_id").map(str::to_owned),
            limit: number("sysparm_limit"),
            offset: number("sysparm_offset").unwrap_or(0),
        }
    }
}

/// The attachments matching the parameters whose parent tables the caller may read (others are left out).
pub(crate) fn list(
    instance: &Instance,
    caller: &Caller,
    params: &ListParams,
    base_url: &str,
) -> Page {
    let context = QueryContext {
        user_sys_id: &caller.sys_id,
        user_name: &caller.user_name,
    };
    let equals = |record: &RecordRef<'_>, column: &str, wanted: &Option<String>| {
        wanted
            .as_deref()
            .is_none_or(|wanted| record.raw(column) == Some(wanted))
    };
    let store = &instance.store;
    let mut matching: Vec<Walkable<'_>> = store
        .all(SYS_ATTACHMENT)
        .map(|record| Walkable { record, store })
        .filter(|walkable| {
            let record = &walkable.record;
            equals(record, "table_name", &params.table_name)
                && equals(record, "table_sys_id", &params.table_sys_id)
                && params.query.matches(walkable, &context)
                && reachable(instance, caller, record.sys_id(), false).is_ok()
        })
        .collect();
    params.query.sort(&mut matching);
    let page_size = params.limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
    let records = matching
        .iter()
        .skip(params.offset)
        .take(page_size)
        .map(|walkable| shown(walkable.record, instance, base_url))
        .collect();
    Page {
        records,
        total: matching.len(),
    }
}

/// `GET /api/now/attachment/<sys_id>`.
pub(crate) fn metadata(
    instance: &Instance,
    caller: &Caller,
    sys_id: &str,
    base_url: &str,
) -> Result<Value, AttachmentError> {
    let record = reachable(instance, caller, sys_id, false)?;
    Ok(shown(record, instance, base_url))
}

/// `GET /api/now/attachment/<sys_id>/file`: the bytes exactly as uploaded, with their type.
pub(crate) fn file(
    instance: &Instance,
    caller: &Caller,
    sys_id: &str,
) -> Result<File, AttachmentError> {
    let record = reachable(instance, caller, sys_id, false)?;
    let bytes = instance.attachment_files.get(sys_id);
    Ok(File {
        content_type: record
            .raw("content_type")
            .unwrap_or(OCTET_STREAM)
            .to_owned(),
        file_name: record.raw("file_name").unwrap_or_default().to_owned(),
        metadata: metadata_header(&shown(record, instance, "")),
        bytes: bytes.cloned().unwrap_or_default(),
    })
}

/// `DELETE /api/now/attachment/<sys_id>`: needs write on the parent's table.
pub(crate) fn delete(
    instance: &mut Instance,
    caller: &Caller,
    sys_id: &str,
) -> Result<(), AttachmentError> {
    reachable(instance, caller, sys_id, true)?;
    instance.store.delete(SYS_ATTACHMENT, sys_id);
    instance.attachment_files.remove(sys_id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::apis::multipart::FilePart;
    use crate::mock::tables::schema::INCIDENT;

    fn caller(roles: &[&str]) -> Caller {
        Caller {
            sys_id: "c0ffee".into(),
            user_name: "svc.cc".into(),
            name: "Svc CC".into(),
            roles: roles.iter().map(|role| role.to_string()).collect(),
        }
    }

    fn upload(table_sys_id: &str, bytes: &'static [u8]) -> Upload {
        let pairs = [
            ("table_name", "incident"),
            ("table_sys_id", table_sys_id),
            ("file_name", "notes.txt"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        Upload::from_query(&pairs, Some("text/plain"), Bytes::from_static(bytes))
    }

    fn with_incident() -> (Instance, String) {
        let mut instance = Instance::default();
        let incident = instance
            .store
            .insert(INCIDENT, &[("short_description", "x")], "a", 0);
        (instance, incident)
    }

    #[test]
    fn a_file_is_stored_listed_read_back_exactly_and_deleted() {
        let (mut instance, incident) = with_incident();
        let itil = caller(&["itil"]);
        let (id, shown) = create(
            &mut instance,
            &itil,
            upload(&incident, b"\x00bytes\xff"),
            "https://i",
            0,
        )
        .unwrap();
        assert_eq!(shown["size_bytes"], "7");
        assert_eq!(shown["table_sys_id"], incident.as_str());
        assert_eq!(
            shown["download_link"],
            format!("https://i/api/now/attachment/{id}/file")
        );
        let file = file(&instance, &itil, &id).unwrap();
        assert_eq!(
            (file.content_type.as_str(), &file.bytes[..]),
            ("text/plain", &b"\x00bytes\xff"[..])
        );
        let params = ListParams::from_pairs(&[("table_sys_id".into(), incident.clone())]);
        assert_eq!(list(&instance, &itil, &params, "https://i").total, 1);
        let other = ListParams::from_pairs(&[("sysparm_query".into(), "file_name=other".into())]);
        assert_eq!(list(&instance, &itil, &other, "https://i").total, 0);
        assert_eq!(list(&instance, &caller(&[]), &params, "https://i").total, 0);
        delete(&mut instance, &itil, &id).unwrap();
        assert_eq!(
            metadata(&instance, &itil, &id, "https://i"),
            Err(AttachmentError::NotFound)
        );
        assert_eq!(instance.attachment_files.len(), 0);
    }

    #[test]
    fn the_parent_must_exist_be_readable_and_writable() {
        let (mut instance, incident) = with_incident();
        let refused = |instance: &mut Instance, who: &Caller, upload: Upload| {
            create(instance, who, upload, "https://i", 0).unwrap_err()
        };
        let nobody = caller(&[]);
        assert_eq!(
            refused(&mut instance, &nobody, upload(&incident, b"x")),
            AttachmentError::ParentNotFound
        );
        let itil = caller(&["itil"]);
        assert_eq!(
            refused(&mut instance, &itil, upload("nope", b"x")),
            AttachmentError::ParentNotFound
        );
        let mut elsewhere = upload(&incident, b"x");
        elsewhere.table_name = Some("no_such_table".into());
        assert_eq!(
            refused(&mut instance, &itil, elsewhere),
            AttachmentError::InvalidTable("no_such_table".into())
        );
        let user = instance.store.insert(
            crate::mock::tables::schema::SYS_USER,
            &[("user_name", "u")],
            "a",
            0,
        );
        let mut on_user = upload(&user, b"x");
        on_user.table_name = Some("sys_user".into());
        assert_eq!(
            refused(&mut instance, &itil, on_user),
            AttachmentError::WriteDenied
        );
        let mut unnamed = upload(&incident, b"x");
        unnamed.file_name = None;
        assert_eq!(
            refused(&mut instance, &itil, unnamed),
            AttachmentError::MissingParameter("file_name")
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_a_form_needs_a_file() {
        let (mut instance, incident) = with_incident();
        instance.switches.attachment_max_bytes = 3.try_into().unwrap();
        let error = create(
            &mut instance,
            &caller(&["itil"]),
            upload(&incident, b"four"),
            "i",
            0,
        );
        assert_eq!(error, Err(AttachmentError::TooLarge { limit: 3 }));
        assert!(
            create(
                &mut instance,
                &caller(&["itil"]),
                upload(&incident, b"ok"),
                "i",
                0
            )
            .is_ok()
        );
        let fields = vec![("table_name".to_owned(), "incident".to_owned())];
        let without_file = FormUpload {
            fields: fields.clone(),
            file: None,
        };
        assert_eq!(
            Upload::from_form(without_file),
            Err(AttachmentError::NoFilePart)
        );
        let file = FilePart {
            file_name: "a.bin".into(),
            content_type: None,
            bytes: Bytes::new(),
        };
        let form = Upload::from_form(FormUpload {
            fields,
            file: Some(file),
        })
        .unwrap();
        assert_eq!(
            (form.content_type.as_str(), form.file_name.as_deref()),
            (OCTET_STREAM, Some("a.bin"))
        );
    }
}
