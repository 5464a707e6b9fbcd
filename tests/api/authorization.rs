//! Every ledger-scoped query field and mutation, driven from the schema
//! itself, run by a member of another ledger and with an unknown id: each
//! must answer FORBIDDEN and return no data. A new field or mutation cannot
//! skip this test: a mutation the test does not know how to classify fails it.

use serde_json::{Map, Value, json};

use crate::support::{
    Session, TestApp, expect_ok,
    ledgers::{category_id, shared_ledger},
};

/// Mutations that are not scoped to a ledger or an object of one.
const NOT_LEDGER_SCOPED: [&str; 17] = [
    "sendVerificationCode",
    "verifyEmail",
    "signUp",
    "login",
    "refreshSession",
    "logout",
    "logoutEverywhere",
    "requestPasswordReset",
    "resetPassword",
    "updateProfile",
    "changePassword",
    "deleteAccount",
    "createLedger",
    // The member's own sign-in identities.
    "socialSignIn",
    "completeSocialSignUp",
    "linkSocialAccount",
    "unlinkSocialAccount",
];

const INTROSPECTION: &str = r#"{ __schema {
  queryType { name } mutationType { name }
  types { name kind
    fields { name type { ...T } args { name type { ...T } } }
    inputFields { name type { ...T } }
    enumValues { name }
  }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// The ids of the victim's objects that an attacker may try.
struct Targets {
    ledger: String,
    entry: String,
    category: String,
    schedule: Option<String>,
    invitation: String,
    notification: String,
    member: String,
}

struct Schema {
    types: Vec<Value>,
}

impl Schema {
    fn named(&self, name: &str) -> &Value {
        self.types
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no type {name}"))
    }

    fn fields(&self, name: &str) -> Vec<Value> {
        self.named(name)["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// The innermost named type, and whether a list wraps it.
fn unwrap(ty: &Value) -> (&str, bool, bool) {
    let mut current = ty;
    let mut list = false;
    let non_null = current["kind"] == "NON_NULL";
    while current["name"].is_null() {
        if current["kind"] == "LIST" {
            list = true;
        }
        current = &current["ofType"];
    }
    (current["name"].as_str().unwrap(), list, non_null)
}

/// What kind of object an `id` argument of `operation` names.
fn id_kind(operation: &str, arg: &str) -> &'static str {
    if arg == "ledgerId" {
        return "ledger";
    }
    if arg == "memberId" {
        return "member";
    }
    let lower = operation.to_lowercase();
    if lower.contains("entr") {
        "entry"
    } else if lower.contains("categor") {
        "category"
    } else if lower.contains("schedule") {
        "schedule"
    } else if lower.contains("invitation") {
        "invitation"
    } else if lower.contains("notification") {
        "notification"
    } else {
        "ledger"
    }
}

fn id_for(kind: &str, targets: &Targets, unknown: bool) -> Value {
    if unknown {
        return json!("987654321");
    }
    let id = match kind {
        "entry" => targets.entry.clone(),
        "category" => targets.category.clone(),
        "schedule" => targets
            .schedule
            .clone()
            .unwrap_or_else(|| "987654321".into()),
        "invitation" => targets.invitation.clone(),
        "notification" => targets.notification.clone(),
        "member" => targets.member.clone(),
        _ => targets.ledger.clone(),
    };
    json!(id)
}

/// A valid value of `type_name`, so that only authorization can fail.
fn sample(
    schema: &Schema,
    operation: &str,
    name: &str,
    ty: &Value,
    targets: &Targets,
    unknown: bool,
) -> Value {
    let (type_name, list, _) = unwrap(ty);
    let one = match (type_name, name) {
        ("ID", "categoryId") => json!(targets.category),
        ("ID", "alsoAddTo") => return json!([]),
        ("ID", _) => id_for(id_kind(operation, name), targets, unknown),
        ("String", "color") => json!("blue"),
        ("String", "email" | "emails") => json!("invitee@example.com"),
        ("String", _) => json!("테스트"),
        ("Int", "year") => json!(2026),
        ("Int", "month") => json!(1),
        ("Int", "dayOfMonth") => json!(5),
        ("Int", _) => json!(1),
        ("Money", _) => json!(1000),
        ("Date", _) => json!("2026-01-05"),
        ("Boolean", _) => json!(true),
        ("Float", _) => json!(1.0),
        _ => {
            let definition = schema.named(type_name);
            match definition["kind"].as_str() {
                Some("ENUM") => {
                    let preferred = if type_name == "EntryType" {
                        "EXPENSE"
                    } else {
                        ""
                    };
                    let values = definition["enumValues"].as_array().unwrap();
                    values
                        .iter()
                        .find(|v| v["name"] == preferred)
                        .unwrap_or(&values[0])["name"]
                        .clone()
                }
                Some("INPUT_OBJECT") => {
                    let mut object = Map::new();
                    for field in definition["inputFields"].as_array().unwrap() {
                        let field_name = field["name"].as_str().unwrap();
                        let value = if field_name == "memberId" {
                            json!(targets.member)
                        } else if field_name == "amount" && type_name == "AssignmentInput" {
                            Value::Null
                        } else {
                            sample(
                                schema,
                                operation,
                                field_name,
                                &field["type"],
                                targets,
                                unknown,
                            )
                        };
                        object.insert(field_name.into(), value);
                    }
                    if type_name == "ScheduleInput" || type_name == "SchedulePatch" {
                        object.insert("amount".into(), Value::Null);
                    }
                    if type_name == "EntryPatch" || type_name == "SchedulePatch" {
                        object.retain(|key, _| key == "amount" || key == "name");
                        object.insert("amount".into(), json!(1000));
                    }
                    Value::Object(object)
                }
                other => panic!("no sample for {type_name} ({other:?})"),
            }
        }
    };
    if list { json!([one]) } else { one }
}

fn selection(schema: &Schema, ty: &Value) -> &'static str {
    let (type_name, _, _) = unwrap(ty);
    match schema.named(type_name)["kind"].as_str() {
        Some("OBJECT" | "INTERFACE" | "UNION") => " { __typename }",
        _ => "",
    }
}

/// Runs `operation` with every argument filled in; returns the body.
/// Who attacks what, with which schema.
struct Probe<'a> {
    app: &'a TestApp,
    attacker: &'a Session,
    schema: &'a Schema,
    targets: &'a Targets,
}

async fn run(probe: &Probe<'_>, kind: &str, field: &Value, prefix: &str, unknown: bool) -> Value {
    let Probe {
        app,
        attacker,
        schema,
        targets,
    } = *probe;
    let name = field["name"].as_str().unwrap();
    let mut declarations = Vec::new();
    let mut arguments = Vec::new();
    let mut variables = Map::new();
    for (index, arg) in field["args"].as_array().unwrap().iter().enumerate() {
        let arg_name = arg["name"].as_str().unwrap();
        let is_required = arg["type"]["kind"] == "NON_NULL";
        if !is_required && arg_name != "ids" {
            continue;
        }
        let variable = format!("v{index}");
        declarations.push(format!("${variable}: {}", type_string(&arg["type"])));
        arguments.push(format!("{arg_name}: ${variable}"));
        variables.insert(
            variable,
            sample(schema, name, arg_name, &arg["type"], targets, unknown),
        );
    }
    let call = if arguments.is_empty() {
        name.to_owned()
    } else {
        format!("{name}({})", arguments.join(", "))
    };
    let declared = if declarations.is_empty() {
        String::new()
    } else {
        format!("({})", declarations.join(", "))
    };
    let (open, close) = prefix.split_once('|').unwrap_or((prefix, ""));
    let query = format!(
        "{kind}{declared} {{ {open}{call}{}{close} }}",
        selection(schema, &field["type"])
    );
    app.gql_as(attacker, &query, Value::Object(variables)).await
}

fn type_string(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_string(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_string(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_owned(),
    }
}

fn assert_forbidden(body: &Value, what: &str) {
    let code = body["errors"][0]["extensions"]["code"].as_str();
    assert_eq!(code, Some("FORBIDDEN"), "{what}: {body:#}");
    let leaked = body["data"].as_object().is_some_and(|data| {
        data.values().any(|v| {
            !v.is_null()
                && !v
                    .as_object()
                    .is_some_and(|o| o.values().all(Value::is_null))
        })
    });
    assert!(!leaked, "{what} leaked data: {body:#}");
}

async fn victim_world(app: &TestApp, victim: &Session, friend: &Session) -> Targets {
    let ledger = shared_ledger(app, victim, &[friend]).await;
    let category = category_id(app, victim, &ledger, "🍽️ 식비").await;
    let body = app
        .gql_as(
            victim,
            "mutation($l: ID!, $c: ID!) { createEntry(ledgerId: $l, input: { type: EXPENSE, amount: 1000, date: \"2026-01-05\", categoryId: $c, payment: \"카드\", counterparty: \"가게\" }) { id } }",
            json!({ "l": ledger, "c": category }),
        )
        .await;
    let entry = expect_ok(&body)["createEntry"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .gql_as(victim, "mutation($l: ID!) { inviteMembers(ledgerId: $l, emails: [\"pending@example.com\"]) { id } }", json!({ "l": ledger }))
        .await;
    let invitation = expect_ok(&body)["inviteMembers"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .gql_as(
            victim,
            "{ me { notifications { nodes { id } } } }",
            json!({}),
        )
        .await;
    let notification = expect_ok(&body)["me"]["notifications"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let schema_sdl = uliga::graphql::sdl();
    let schedule = if schema_sdl.contains("createSchedules") {
        let body = app
            .gql_as(
                victim,
                "mutation($l: ID!, $m: ID!) { createSchedules(ledgerId: $l, inputs: [{ name: \"월세\", type: EXPENSE, dayOfMonth: 5, amount: 1000, assignments: [{ memberId: $m, amount: 1000 }] }]) { id } }",
                json!({ "l": ledger, "m": victim.member_id }),
            )
            .await;
        Some(
            expect_ok(&body)["createSchedules"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    } else {
        None
    };
    Targets {
        ledger,
        entry,
        category,
        schedule,
        invitation,
        notification,
        member: friend.member_id.clone(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_ledger_scoped_field_and_mutation_is_forbidden_to_outsiders() {
    let app = TestApp::spawn().await;
    let victim = app.sign_up("victim@example.com", "victim").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    // The friend gets a notification of their own: the victim's is the target.
    let attacker = app.sign_up("attacker@example.com", "attacker").await;
    shared_ledger(&app, &attacker, &[]).await;
    let targets = victim_world(&app, &victim, &friend).await;

    let introspection =
        expect_ok(&app.gql_as(&attacker, INTROSPECTION, json!({})).await)["__schema"].clone();
    let schema = Schema {
        types: introspection["types"].as_array().unwrap().clone(),
    };
    let probe = Probe {
        app: &app,
        attacker: &attacker,
        schema: &schema,
        targets: &targets,
    };
    let mut checked = 0;

    for unknown in [false, true] {
        for field in schema.fields("Query") {
            let name = field["name"].as_str().unwrap();
            let scoped = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|arg| unwrap(&arg["type"]).0 == "ID");
            if !scoped {
                continue;
            }
            let body = run(&probe, "query", &field, "", unknown).await;
            assert_forbidden(&body, &format!("Query.{name} unknown={unknown}"));
            checked += 1;
        }
        for field in schema.fields("Ledger") {
            let name = field["name"].as_str().unwrap();
            let prefix = format!(
                "ledger(id: \"{}\") {{ |}}",
                if unknown {
                    "987654321"
                } else {
                    &targets.ledger
                }
            );
            let body = run(&probe, "query", &field, &prefix, unknown).await;
            assert_forbidden(&body, &format!("Ledger.{name} unknown={unknown}"));
            checked += 1;
        }
        for field in schema.fields("Mutation") {
            let name = field["name"].as_str().unwrap();
            if NOT_LEDGER_SCOPED.contains(&name) {
                continue;
            }
            let takes_id = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|arg| unwrap(&arg["type"]).0 == "ID");
            assert!(
                takes_id,
                "Mutation.{name} is neither ledger-scoped nor listed as not scoped"
            );
            let body = run(&probe, "mutation", &field, "", unknown).await;
            assert_forbidden(&body, &format!("Mutation.{name} unknown={unknown}"));
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} operations checked");

    // The victim's world is untouched.
    let body = app
        .gql_as(
            &victim,
            "query($l: ID!) { ledger(id: $l) { name entries { totalCount } members { role } } }",
            json!({ "l": targets.ledger }),
        )
        .await;
    let ledger = &expect_ok(&body)["ledger"];
    assert_eq!(ledger["name"], "우리 집");
    assert_eq!(ledger["entries"]["totalCount"], 1);
    assert_eq!(ledger["members"].as_array().unwrap().len(), 2);
}
