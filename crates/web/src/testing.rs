//! For tests of the web layer and of `ketnap serve`: accounts and API tokens made straight in
//! the store, so a test can call the API as a given role.

use ketnap_domain::access::Role;
use ketnap_store::auth_api::NewUser;
use ketnap_store::{Store, StoreError};

/// The name of the tokens made here: writes made with them are audited as `token:api`.
pub const TOKEN_NAME: &str = "api";

/// The actor the audit trail records for requests made with [`admin_token`].
pub const TOKEN_ACTOR: &str = "token:api";

/// Creates `username` with `role` on the unit `org` (when it does not exist yet) and returns a
/// new API token for it.
pub async fn user_token(
    store: &Store,
    username: &str,
    role: Role,
    org: Option<&str>,
) -> Result<String, StoreError> {
    if store.user_by_name(username).await?.is_none() {
        store
            .user_create(
                &NewUser {
                    username: username.to_string(),
                    password: None,
                    role,
                    org_code: org.map(str::to_string),
                },
                chrono::Utc::now().timestamp(),
                "test",
            )
            .await?;
    }
    store
        .token_create(username, TOKEN_NAME, chrono::Utc::now().timestamp(), "test")
        .await
}

/// An administrator's API token (the administrator `test-admin` is created when missing).
pub async fn admin_token(store: &Store) -> Result<String, StoreError> {
    user_token(store, "test-admin", Role::Admin, None).await
}

/// The password of the users [`sample`] creates.
pub const SAMPLE_PASSWORD: &str = "ketnap-test-2026";

/// What [`sample`] made.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Official members of X1.01 (mentors, introducers).
    pub members: Vec<ketnap_domain::person::PersonId>,
    /// A member of X2.01, outside X1.
    pub outsider: ketnap_domain::person::PersonId,
    /// A case in X2.01.
    pub outside_case: i64,
}

/// A small tree for page and browser tests: TW → T10 → X1 (commune committee) → X1.01, X1.02
/// (branches) and T10 → X2 → X2.01, with four official members in X1.01 since 2016, one in
/// X2.01 with an open case beside them, and users with [`SAMPLE_PASSWORD`]: `admin`, `tinh`
/// (committee staff of T10), `xa` (of X1), `chibo` (secretary of X1.01), `chibo2` (of X2.01),
/// `trungtam` (political centre of X1), `lanhdao` (viewer of T10).
pub async fn sample(store: &Store) -> Result<Sample, StoreError> {
    use chrono::NaiveDate;
    use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
    use ketnap_domain::person::{
        EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
        ProfessionalQualification, Religion, Sex,
    };
    use ketnap_domain::sensitive::Sensitive;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let start = day(2016, 1, 1);
    let mut ids = std::collections::HashMap::new();
    for (code, name, kind, sector, parent) in [
        ("TW", "Trung ương", OrgKind::Central, Sector::Nation, None),
        (
            "T10",
            "Tỉnh ủy Lào Cai",
            OrgKind::ProvincialCommittee,
            Sector::Province,
            Some("TW"),
        ),
        (
            "X1",
            "Đảng ủy xã Y Tý",
            OrgKind::GrassrootsCommittee,
            Sector::Commune,
            Some("T10"),
        ),
        (
            "X1.01",
            "Chi bộ thôn Phìn Chải",
            OrgKind::Branch,
            Sector::Village,
            Some("X1"),
        ),
        (
            "X1.02",
            "Chi bộ thôn Lao Chải",
            OrgKind::Branch,
            Sector::Village,
            Some("X1"),
        ),
        (
            "X2",
            "Đảng ủy xã A Mú Sung",
            OrgKind::GrassrootsCommittee,
            Sector::Commune,
            Some("T10"),
        ),
        (
            "X2.01",
            "Chi bộ thôn Nậm Dạ",
            OrgKind::Branch,
            Sector::Village,
            Some("X2"),
        ),
    ] {
        let unit = NewUnit {
            code: code.into(),
            name: name.into(),
            kind,
            sector,
            parent: parent.and_then(|p| ids.get(p).copied()),
        };
        let created = store
            .org_apply(&Operation::Create { unit, date: start }, "test")
            .await?;
        if let Some(id) = created.first() {
            ids.insert(code, *id);
        }
    }
    let person = |name: &str, birth: NaiveDate| Person {
        id: 0,
        cccd: None,
        full_name: name.into(),
        sex: Sex::Male,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("Mông").unwrap_or(EthnicGroup::KINH)),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::Elementary,
        occupation: Occupation::Farmer,
        youth_union: false,
        residence_locality: None,
    };
    let mut members = vec![];
    for (i, name) in [
        "Giàng Seo Phử",
        "Sần Thị Mai",
        "Lý Văn Sáng",
        "Chảo Thị Dín",
    ]
    .into_iter()
    .enumerate()
    {
        let id = store
            .person_create(&person(name, day(1970 + i as i32, 5, 1)), "test")
            .await?;
        store
            .person_add_status(
                id,
                PartyStatus::Official,
                ids.get("X1.01").copied(),
                start,
                "test",
            )
            .await?;
        members.push(id);
    }
    let outsider = store
        .person_create(&person("Lò Văn Khác", day(1980, 2, 2)), "test")
        .await?;
    store
        .person_add_status(
            outsider,
            PartyStatus::Official,
            ids.get("X2.01").copied(),
            start,
            "test",
        )
        .await?;
    let other = store
        .person_create(&person("Lò Thị Ngoài", day(2000, 2, 2)), "test")
        .await?;
    let outside_case = store
        .case_open(
            &ketnap_store::pipeline_api::NewCase {
                person_id: other,
                branch_code: "X2.01".into(),
                date: day(2024, 3, 1),
                proposed_by: ketnap_domain::pipeline::Proposer::YouthUnion,
                document: None,
            },
            "test",
        )
        .await?;
    let now = chrono::Utc::now().timestamp();
    for (username, role, org) in [
        ("admin", Role::Admin, None),
        ("tinh", Role::CommitteeStaff, Some("T10")),
        ("xa", Role::CommitteeStaff, Some("X1")),
        ("chibo", Role::BranchSecretary, Some("X1.01")),
        ("chibo2", Role::BranchSecretary, Some("X2.01")),
        ("trungtam", Role::PoliticalCentre, Some("X1")),
        ("lanhdao", Role::Viewer, Some("T10")),
    ] {
        if store.user_by_name(username).await?.is_none() {
            store
                .user_create(
                    &NewUser {
                        username: username.into(),
                        password: Some(SAMPLE_PASSWORD.into()),
                        role,
                        org_code: org.map(str::to_string),
                    },
                    now,
                    "test",
                )
                .await?;
        }
    }
    Ok(Sample {
        members,
        outsider,
        outside_case,
    })
}

/// Checks `value` against a JSON Schema of the subset the OpenAPI document
/// ([`crate::api::openapi`]) uses: `$ref` (into `doc`), `oneOf` (exactly one), `const`, `enum`,
/// `type` (one or a list), `required`, `properties`, `additionalProperties` (`false` or a
/// schema) and `items`. The error says where the value departs from the schema.
pub fn check_schema(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
) -> Result<(), String> {
    check_at(doc, schema, value, "$")
}

fn check_at(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) -> Result<(), String> {
    use serde_json::Value;
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .ok_or_else(|| format!("{at}: dangling $ref {r}"))?;
        return check_at(doc, target, v, at);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = alts
            .iter()
            .filter(|s| check_at(doc, s, v, at).is_ok())
            .count();
        if ok != 1 {
            return Err(format!("{at}: matches {ok} of the oneOf schemas, not 1"));
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        return Err(format!("{at}: expected {c}, got {v}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        return Err(format!(
            "{at}: {v} is not one of {}",
            Value::Array(e.clone())
        ));
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{at}: {v} is not of type {t}"));
        }
    }
    if let Value::Object(map) = v {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !map.contains_key(r) {
                return Err(format!("{at}: `{r}` is required"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, item) in map {
            let here = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(s) => check_at(doc, s, item, &here)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{at}: `{k}` is not a declared property"));
                    }
                    Some(s @ Value::Object(_)) => check_at(doc, s, item, &here)?,
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check_at(doc, s, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}
